"""Elastic Load Balancing v2 rules the model does not carry (ranges and lengths are in ``rules.model``).

All answer ``ValidationError``, as ELBv2 does for invalid input (API reference, "Common Errors").
"""

from __future__ import annotations

import fnmatch
import json
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
_BOOLEAN_ATTRIBUTES = (
    "deletion_protection.enabled",
    "routing.http2.enabled",
    "access_logs.s3.enabled",
    "routing.http.drop_invalid_header_fields.enabled",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled",
    "routing.http.xff_client_port.enabled",
    "routing.http.preserve_host_header.enabled",
    "waf.fail_open.enabled",
)


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


# --- Listeners: TLS settings and redirect actions --------------------------------------------------------------
# moto checks a listener's certificate only for existence at ModifyListener (and registers an ACM one as in use
# at CreateListener, which fails for an unknown one); it accepts an HTTPS listener without a certificate, a
# certificate that is not issued, an unknown SslPolicy at CreateListener, TLS settings on an HTTP listener and a
# redirect that loops. AWS refuses each of these.


def _listener(req):
    arn = req.params.get("ListenerArn")
    if not arn:
        return None
    for balancer in elbv2_backends[req.account_id][req.region].load_balancers.values():
        if arn in balancer.listeners:
            return balancer.listeners[arn]
    return None


def _certificate_status(req, arn: str) -> str | None:
    """The ACM status of ``arn`` (an IAM server certificate counts as ISSUED), None when it does not exist."""
    if ":iam:" in arn:
        from moto.iam.models import iam_backends

        found = iam_backends[req.account_id]["aws"].get_certificate_by_arn(arn)
        return "ISSUED" if found is not None else None
    from moto.acm.models import CertificateNotFound, acm_backends

    if arn.split(":")[3:4] != [req.region]:  # ACM certificates are regional: "The certificate must be in the
        return None  # same Region as your load balancer" (ELB User Guide, SSL certificates)
    try:
        bundle = acm_backends[req.account_id][req.region].get_certificate(arn)
    except CertificateNotFound:
        return None
    bundle.check()  # moto's own PENDING_VALIDATION -> ISSUED step
    return bundle.status


@validates("elbv2", "CreateListener", "ModifyListener")
def listener_tls(req) -> None:
    """TLS settings of a listener (ELBv2 API reference, CreateListener and ModifyListener, "Certificates" and
    "SslPolicy"; https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html):

    - an HTTPS listener needs "exactly one certificate" (the default one): AWS answers ValidationError
      "A certificate must be specified for HTTPS listeners";
    - each certificate must exist in ACM in the load balancer's Region (or be an IAM server certificate):
      CertificateNotFound; and ACM must have issued it: a PENDING_VALIDATION, EXPIRED, REVOKED ... certificate
      answers UnsupportedCertificate (the ACM User Guide, "Services integrated with ACM": only issued
      certificates can be associated);
    - SslPolicy must be one DescribeSSLPolicies lists: SSLPolicyNotFound;
    - an HTTP listener takes neither certificates nor a security policy (ValidationError).
    """
    params = req.params
    existing = _listener(req) if req.action == "ModifyListener" else None
    protocol = params.get("Protocol") or getattr(existing, "protocol", None)
    certificates = params.get("Certificates")
    policy = params.get("SslPolicy")
    if protocol == "HTTP":
        if certificates:
            raise AwsError("ValidationError", "Certificates cannot be specified for HTTP listeners")
        if policy:
            raise AwsError("ValidationError", "An SSL policy cannot be specified for HTTP listeners")
        return
    if protocol != "HTTPS":
        return
    if not certificates and not getattr(existing, "certificates", None):
        raise AwsError("ValidationError", "A certificate must be specified for HTTPS listeners")
    for certificate in certificates or []:
        arn = certificate.get("CertificateArn") or ""
        status = _certificate_status(req, arn)
        if status is None:
            raise AwsError("CertificateNotFound", f"Certificate '{arn}' not found")
        if status != "ISSUED":
            raise AwsError(
                "UnsupportedCertificate",
                f"The certificate '{arn}' must have a fully-qualified domain name, a supported signature, and a "
                f"supported key size (its status is {status}, not ISSUED)",
            )
    if policy is not None:
        from moto.elbv2.ssl_policies import SSL_POLICIES

        if policy not in SSL_POLICIES:
            raise AwsError("SSLPolicyNotFound", f"Policy '{policy}' not found")


_REDIRECT_PORT = re.compile(r"#\{port\}|[1-9][0-9]{0,4}")


@validates("elbv2", "CreateListener", "ModifyListener", "CreateRule", "ModifyRule")
def redirect_actions(req) -> None:
    """Redirect actions (ELBv2 API reference, RedirectActionConfig,
    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RedirectActionConfig.html):
    a redirect action carries a RedirectConfig; "You must modify at least one of the following components to
    avoid a redirect loop: protocol, hostname, port, or path"; Port is "a value from 1 to 65535 or #{port}";
    Path is "The absolute path, starting with the leading "/""; Protocol "HTTP, HTTPS, or #{protocol}" and
    "You can't redirect HTTPS to HTTP". AWS answers InvalidLoadBalancerAction ("The requested action is not
    valid") or ValidationError for a missing config. (StatusCode's values are the model's enum, rules.model.)
    """
    params = req.params
    actions = params.get("DefaultActions") or params.get("Actions") or []
    listener = _listener(req) if req.action in ("ModifyListener", "CreateRule") else None
    protocol = params.get("Protocol") or getattr(listener, "protocol", None)
    listener_port = str(params.get("Port") or getattr(listener, "port", "") or "")
    for index, action in enumerate(actions, start=1):
        if action.get("Type") != "redirect":
            continue
        config = action.get("RedirectConfig")
        if not config:
            raise AwsError("ValidationError", f"A redirect configuration must be specified for action {index}")
        target_protocol = config.get("Protocol", "#{protocol}")
        port = str(config.get("Port", "#{port}"))
        path = config.get("Path", "/#{path}")
        host = config.get("Host", "#{host}")
        same = (
            target_protocol in ("#{protocol}", protocol),
            port in ("#{port}", listener_port),
            path == "/#{path}",
            host == "#{host}",
        )
        bad = None
        if not _REDIRECT_PORT.fullmatch(port) or (port.isdigit() and not 1 <= int(port) <= 65535):
            bad = f"port '{port}' must be from 1 to 65535 or #{{port}}"
        elif target_protocol not in ("HTTP", "HTTPS", "#{protocol}"):
            bad = f"protocol '{target_protocol}' must be HTTP, HTTPS or #{{protocol}}"
        elif protocol == "HTTPS" and target_protocol == "HTTP":
            bad = "an HTTPS listener cannot redirect to HTTP"
        elif not path.startswith("/"):
            bad = f"path '{path}' must begin with '/'"
        elif all(same):
            bad = "it must change the protocol, host, port or path, or it redirects to itself"
        if bad:
            raise AwsError(
                "InvalidLoadBalancerAction", f"The redirect configuration of action {index} is not valid: {bad}"
            )


# --- Load balancer attributes AWS checks against other resources: access logs, deletion protection ---------------
# moto stores whatever ModifyLoadBalancerAttributes gives (any bucket, or none) and deletes a load balancer whose
# deletion protection is on. AWS refuses both.

# The Elastic Load Balancing account of each Region available before August 2022 (ELB User Guide, "Enable access
# logs for your Application Load Balancer", step 2: "Regions available before August 2022"); a bucket policy may
# grant it, or the service principal logdelivery.elasticloadbalancing.amazonaws.com, which the guide gives for the
# Regions available since and which is accepted in every Region here.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"


def _load_balancer(req):
    arn = req.params.get("LoadBalancerArn")
    return elbv2_backends[req.account_id][req.region].load_balancers.get(arn) if arn else None


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def _grants_log_delivery(policy: dict, bucket: str, key_prefix: str, region: str) -> bool:
    """Whether an Allow statement lets ELB put objects under ``arn:aws:s3:::<bucket>/<key_prefix>``."""
    account = ELB_LOG_ACCOUNTS.get(region)
    principals = {LOG_DELIVERY}
    if account:
        principals |= {account, f"arn:aws:iam::{account}:root"}
    wanted = f"arn:aws:s3:::{bucket}/{key_prefix}"
    for statement in _as_list(policy.get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        named = set()
        if isinstance(principal, dict):
            named = {str(p) for key in ("Service", "AWS") for p in _as_list(principal.get(key))}
        if not named & principals:
            continue
        actions = [str(a).lower() for a in _as_list(statement.get("Action"))]
        if not any(fnmatch.fnmatchcase("s3:putobject", a) for a in actions):
            continue
        if any(fnmatch.fnmatchcase(wanted, str(r)) for r in _as_list(statement.get("Resource"))):
            return True
    return False


@validates("elbv2", "ModifyLoadBalancerAttributes")
def access_logs(req) -> None:
    """Access logs to S3 (ELB User Guide, "Enable access logs for your Application Load Balancer",
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html):
    the bucket must exist, "be located in the same Region as the load balancer", the prefix "must not include
    AWSLogs" nor start or end with "/", and the bucket policy must grant Elastic Load Balancing s3:PutObject on
    ``<bucket>/<prefix>/AWSLogs/<account>/*``. AWS tests the write when logging is enabled and answers
    InvalidConfigurationRequest ("Access Denied for bucket: ... Please check S3bucket permission").
    """
    balancer = _load_balancer(req)
    given = {a.get("Key"): str(a.get("Value", "")) for a in req.params.get("Attributes") or []}
    if not any(key.startswith("access_logs.s3.") for key in given):
        return
    current = dict(getattr(balancer, "attrs", {}) or {})
    merged = {**current, **given}
    prefix = merged.get("access_logs.s3.prefix", "")
    if "access_logs.s3.prefix" in given and (prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix):
        raise AwsError(
            "ValidationError",
            f"The prefix '{prefix}' of 'access_logs.s3.prefix' must not start or end with '/' nor include 'AWSLogs'",
        )
    if merged.get("access_logs.s3.enabled", "false") != "true":
        return
    bucket = merged.get("access_logs.s3.bucket", "")
    if not bucket:
        raise AwsError(
            "ValidationError", "The value of 'access_logs.s3.bucket' cannot be empty when access logs are enabled"
        )
    from moto.s3.models import s3_backends

    found = s3_backends[req.account_id]["aws"].buckets.get(bucket)
    if found is None:
        raise AwsError("InvalidConfigurationRequest", f"The specified bucket does not exist: {bucket}")
    if getattr(found, "region_name", req.region) != req.region:
        raise AwsError(
            "InvalidConfigurationRequest",
            f"Access Denied for bucket: {bucket}. The bucket must be in the load balancer's Region {req.region}",
        )
    try:
        policy = json.loads(found.policy.decode()) if found.policy else {}
    except ValueError:
        policy = {}
    key_prefix = (f"{prefix}/" if prefix else "") + f"AWSLogs/{req.account_id}/"
    if not _grants_log_delivery(policy, bucket, key_prefix, req.region):
        raise AwsError(
            "InvalidConfigurationRequest", f"Access Denied for bucket: {bucket}. Please check S3bucket permission"
        )


@validates("elbv2", "DeleteLoadBalancer")
def deletion_protection(req) -> None:
    """DeleteLoadBalancer: "If deletion protection is enabled, the load balancer cannot be deleted"
    (ELBv2 API reference, LoadBalancerAttribute deletion_protection.enabled; DeleteLoadBalancer answers
    OperationNotPermitted)."""
    balancer = _load_balancer(req)
    if balancer is not None and (getattr(balancer, "attrs", {}) or {}).get("deletion_protection.enabled") == "true":
        raise AwsError(
            "OperationNotPermitted",
            f"Load balancer '{req.params.get('LoadBalancerArn')}' cannot be deleted because deletion protection is "
            "enabled",
        )
