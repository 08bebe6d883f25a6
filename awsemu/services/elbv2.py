"""Elastic Load Balancing v2: load balancer attributes and listeners as AWS reports them.

AWS's DescribeLoadBalancerAttributes returns every attribute of the load balancer's type with its
value (defaults included); moto 5.2 returns only the few it stores (no ``idle_timeout.timeout_seconds``,
``routing.http2.enabled``, ...), and ``load_balancing.cross_zone.enabled`` "false" for application load
balancers, where AWS always has it on. amazon.aws.elb_application_lb reads those keys unconditionally.

ELBv2 speaks the query (XML) protocol, which ``@after`` does not rewrite, so this module wraps moto's
backend method: the answer is AWS's defaults for the type, overlaid with what was stored or modified.

Listeners: moto gives every listener an ``SslPolicy`` (ELBSecurityPolicy-2016-08), HTTP ones included, and
keeps the certificates of a listener ModifyListener turns from HTTPS into HTTP. AWS's Listener has
"SslPolicy: [HTTPS or TLS listener] The security policy" and "Certificates: [HTTPS or TLS listener]" only
(ELBv2 API reference, Listener), so a role deciding from them (is this listener TLS?) would be misled.
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.models import ELBv2Backend

# DescribeLoadBalancerAttributes of a new application load balancer (ELBv2 API reference, LoadBalancerAttribute).
APPLICATION_DEFAULTS = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "health_check_logs.s3.enabled": "false",
    "client_keep_alive.seconds": "3600",
    "deletion_protection.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}
# Attributes an application load balancer does not let you change (moto's initial value is wrong for them).
APPLICATION_FIXED = {"load_balancing.cross_zone.enabled": "true"}

_moto_describe = ELBv2Backend.describe_load_balancer_attributes


def describe_load_balancer_attributes(self: ELBv2Backend, arn: str) -> dict[str, Any]:
    attrs = _moto_describe(self, arn)
    balancer = self.load_balancers.get(arn)
    if balancer is None or balancer.type != "application":
        return attrs
    return {**APPLICATION_DEFAULTS, **attrs, **APPLICATION_FIXED}


if getattr(ELBv2Backend.describe_load_balancer_attributes, "__module__", "") != __name__:
    ELBv2Backend.describe_load_balancer_attributes = describe_load_balancer_attributes


_moto_create_listener = ELBv2Backend.create_listener
_moto_modify_listener = ELBv2Backend.modify_listener


def _plain_http(listener: Any) -> Any:
    if listener.protocol == "HTTP":
        listener.ssl_policy = None
        listener.certificate = None
        listener.certificates = []
    return listener


def create_listener(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    return _plain_http(_moto_create_listener(self, *args, **kwargs))


def modify_listener(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    return _plain_http(_moto_modify_listener(self, *args, **kwargs))


if getattr(ELBv2Backend.create_listener, "__module__", "") != __name__:
    ELBv2Backend.create_listener = create_listener
    ELBv2Backend.modify_listener = modify_listener
