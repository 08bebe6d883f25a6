"""Elastic Load Balancing v2 rules the model does not carry (ranges and lengths are in ``rules.model``).

All answer ``ValidationError``, as ELBv2 does for invalid input (API reference, "Common Errors").
"""

from __future__ import annotations

import re

from moto.elbv2.models import elbv2_backends

from awsemu.core import AwsError, validates

_NAME = re.compile(r"[A-Za-z0-9-]+")


@validates("elbv2", "CreateLoadBalancer")
def load_balancer_name(req) -> None:
    """CreateLoadBalancer Name: "This name must be unique per region per account, can have a maximum of 32
    characters, must contain only alphanumeric characters or hyphens, must not begin or end with a hyphen,
    and must not begin with "internal-"." (ELBv2 API reference, CreateLoadBalancer). moto checks none of it.
    """
    name = req.params.get("Name", "")
    what = f"Load balancer name '{name}'"
    if len(name) > 32:
        raise AwsError("ValidationError", f"{what} cannot be longer than '32' characters")
    if not _NAME.fullmatch(name):
        raise AwsError(
            "ValidationError", f"{what} can only contain characters that are alphanumeric characters or hyphens(-)"
        )
    if name.startswith("-") or name.endswith("-"):
        raise AwsError("ValidationError", f"{what} cannot begin or end with '-'")
    if name.lower().startswith("internal-"):
        raise AwsError("ValidationError", f"{what} cannot begin with 'internal-'")


def _target_group(req):
    arn = req.params.get("TargetGroupArn")
    return elbv2_backends[req.account_id][req.region].target_groups.get(arn) if arn else None


@validates("elbv2", "CreateTargetGroup", "ModifyTargetGroup")
def health_check(req) -> None:
    """Health check settings of an HTTP/HTTPS target group (ELBv2 API reference, CreateTargetGroup, Matcher):

    - HealthCheckTimeoutSeconds must be smaller than HealthCheckIntervalSeconds; moto checks it at
      CreateTargetGroup only, ModifyTargetGroup is checked against the group's current values here.
    - HealthCheckPath, "[HTTP/HTTPS health checks] The destination for health checks on the targets", is a
      path: it begins with "/" (the default is "/").
    - Matcher HttpCode: "For Application Load Balancers, you can specify values between 200 and 499 ...
      multiple values (for example, "200,202") or a range of values (for example, "200-299")".
    """
    params = req.params
    group = _target_group(req) if req.action == "ModifyTargetGroup" else None
    protocol = params.get("HealthCheckProtocol") or params.get("Protocol") or getattr(group, "protocol", None)
    http = (protocol or "HTTP") in ("HTTP", "HTTPS")
    if req.action == "ModifyTargetGroup" and group is not None:
        interval = params.get("HealthCheckIntervalSeconds", group.health_check_interval_seconds)
        timeout = params.get("HealthCheckTimeoutSeconds", group.health_check_timeout_seconds)
        if isinstance(interval, int | str) and isinstance(timeout, int | str) and int(timeout) >= int(interval):
            raise AwsError(
                "ValidationError", f"Health check timeout '{timeout}' must be smaller than the interval '{interval}'"
            )
    path = params.get("HealthCheckPath")
    if path is not None and http and not str(path).startswith("/"):
        raise AwsError("ValidationError", f"Health check path '{path}' must begin with a '/' character")
    code = (params.get("Matcher") or {}).get("HttpCode")
    if code is not None and http:
        _http_codes(str(code))


def _http_codes(text: str) -> None:
    bad = AwsError(
        "ValidationError",
        f"Health check matcher HTTP code '{text}' must be a code, a list (200,202) or a range (200-299) of codes "
        "from 200 to 499",
    )
    for part in text.split(","):
        low, sep, high = part.partition("-")
        if not low.isdigit() or (sep and not high.isdigit()):
            raise bad
        first, last = int(low), int(high) if sep else int(low)
        if not 200 <= first <= last <= 499 or (sep and first == last):
            raise bad


_ATTRIBUTE_RANGES = {
    # TargetGroupAttribute: "deregistration_delay.timeout_seconds ... The range is 0-3600 seconds."
    "deregistration_delay.timeout_seconds": (0, 3600),
    # "slow_start.duration_seconds ... The range is 30-900 seconds (15 minutes). The default is 0 seconds (disabled)."
    "slow_start.duration_seconds": (0, 900),
    # LoadBalancerAttribute: "idle_timeout.timeout_seconds - The idle timeout value, in seconds. The valid range is
    # 1-4000 seconds."
    "idle_timeout.timeout_seconds": (1, 4000),
    # "client_keep_alive.seconds - The client keep alive value, in seconds. The valid range is 60-604800 seconds."
    "client_keep_alive.seconds": (60, 604800),
}
_BOOLEAN_ATTRIBUTES = ("deletion_protection.enabled", "routing.http2.enabled", "access_logs.s3.enabled")


@validates("elbv2", "ModifyTargetGroupAttributes", "ModifyLoadBalancerAttributes")
def attribute_values(req) -> None:
    """Attribute values within AWS's ranges (ELBv2 API reference, TargetGroupAttribute, LoadBalancerAttribute)."""
    for attribute in req.params.get("Attributes") or []:
        key, value = attribute.get("Key"), str(attribute.get("Value", ""))
        if key in _ATTRIBUTE_RANGES:
            low, high = _ATTRIBUTE_RANGES[key]
            ok = value.lstrip("-").isdigit() and low <= int(value) <= high
            if key == "slow_start.duration_seconds" and ok:
                ok = int(value) == 0 or int(value) >= 30
            if not ok:
                raise AwsError("ValidationError", f"'{key}' value '{value}' must be between '{low}-{high}' inclusive")
        elif key in _BOOLEAN_ATTRIBUTES and value not in ("true", "false"):
            raise AwsError("ValidationError", f"'{key}' value '{value}' must be one of [true, false]")
