"""Elastic Load Balancing v2: load balancer attributes as AWS reports them.

AWS's DescribeLoadBalancerAttributes returns every attribute of the load balancer's type with its
value (defaults included); moto 5.2 returns only the few it stores (no ``idle_timeout.timeout_seconds``,
``routing.http2.enabled``, ...), and ``load_balancing.cross_zone.enabled`` "false" for application load
balancers, where AWS always has it on. amazon.aws.elb_application_lb reads those keys unconditionally.

ELBv2 speaks the query (XML) protocol, which ``@after`` does not rewrite, so this module wraps moto's
backend method: the answer is AWS's defaults for the type, overlaid with what was stored or modified.
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
