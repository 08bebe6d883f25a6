"""HTTPS listeners on the emulator: ACM certificates, security policies and redirects are checked as AWS does.

One table, as in test_rules.py: each row is a listener call the stack (issue 11: a 443 listener with
``app_certificate_arn``, port 80 redirecting to it) can make; ``None`` means AWS accepts it, otherwise the error
code and a part of the message. References: ELBv2 API reference CreateListener
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html),
RedirectActionConfig (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RedirectActionConfig.html),
security policies (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

import pytest
from botocore.exceptions import ClientError

TLS13 = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@cache
def self_signed() -> tuple[bytes, bytes]:
    """A certificate and key for ACM ImportCertificate (EC P-256: quick to make, and ALBs accept it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "app.example.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("app.example.com")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


class Stack:
    """A load balancer, a target group and ACM certificates, made once for the module (rows leave no listener)."""

    def __init__(self, aws: Any):
        self.aws = aws
        self.elbv2 = aws.boto3_client("elbv2")
        self.acm = aws.boto3_client("acm")
        ec2 = aws.boto3_client("ec2")
        self.vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        self.subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        self._lb = self._tg = self._certificate = None

    @property
    def lb(self) -> str:
        if self._lb is None:
            self._lb = self.elbv2.create_load_balancer(Name="lb-tls", Subnets=self.subnets)["LoadBalancers"][0][
                "LoadBalancerArn"
            ]
        return self._lb

    @property
    def tg(self) -> str:
        if self._tg is None:
            self._tg = self.elbv2.create_target_group(
                Name="tg-tls", Protocol="HTTP", Port=8000, VpcId=self.vpc, TargetType="ip"
            )["TargetGroups"][0]["TargetGroupArn"]
        return self._tg

    def issued(self) -> str:
        """A new imported certificate (ImportCertificate: status ISSUED at once)."""
        cert, key = self_signed()
        return self.acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]

    @property
    def certificate(self) -> str:
        if self._certificate is None:
            self._certificate = self.issued()
        return self._certificate

    def pending(self) -> str:
        """A public certificate ACM has not validated yet (DNS validation never done)."""
        return self.acm.request_certificate(DomainName="app.example.com", ValidationMethod="DNS")["CertificateArn"]

    def remove_listeners(self) -> None:
        for listener in self.elbv2.describe_listeners(LoadBalancerArn=self.lb)["Listeners"]:
            self.elbv2.delete_listener(ListenerArn=listener["ListenerArn"])

    def forward(self) -> list[dict[str, Any]]:
        return [{"Type": "forward", "TargetGroupArn": self.tg}]

    def https(self, certificate: str | None = "issued", **extra: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"LoadBalancerArn": self.lb, "Protocol": "HTTPS", "Port": 443}
        if certificate:
            arn = {"issued": lambda: self.certificate, "pending": self.pending}.get(certificate, lambda: certificate)()
            kwargs["Certificates"] = [{"CertificateArn": arn}]
        return {**kwargs, "DefaultActions": self.forward(), **extra}

    def http(self, port: int = 80, **extra: Any) -> dict[str, Any]:
        return {"LoadBalancerArn": self.lb, "Protocol": "HTTP", "Port": port, "DefaultActions": self.forward(), **extra}

    def redirect(self, port: int = 80, **config: Any) -> dict[str, Any]:
        action = {"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301", **config}}
        return self.http(port, DefaultActions=[action])


MISSING_ACM = "arn:aws:acm:ap-northeast-2:123456789012:certificate/00000000-0000-0000-0000-000000000000"
OTHER_REGION_ACM = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
TO_HTTPS = {"Protocol": "HTTPS", "Port": "443"}

# (id, kwargs of create_listener(stack), None if AWS accepts it, else (error code, part of the message))
CASES = [
    ("https-issued-tls13", lambda s: s.https(SslPolicy=TLS13), None),
    ("https-default-policy", lambda s: s.https(), None),
    ("https-no-certificate", lambda s: s.https(None), ("ValidationError", "A certificate must be specified")),
    ("https-missing-certificate", lambda s: s.https(MISSING_ACM), ("CertificateNotFound", "not found")),
    ("https-certificate-other-region", lambda s: s.https(OTHER_REGION_ACM), ("CertificateNotFound", "not found")),
    ("https-pending-certificate", lambda s: s.https("pending"), ("UnsupportedCertificate", "PENDING_VALIDATION")),
    ("https-unknown-policy", lambda s: s.https(SslPolicy="ELBSecurityPolicy-TLS13"), ("SSLPolicyNotFound", "")),
    (
        "http-with-certificate",
        lambda s: s.http(Certificates=[{"CertificateArn": s.certificate}]),
        ("ValidationError", "HTTP listeners"),
    ),
    ("http-with-policy", lambda s: s.http(SslPolicy=TLS13), ("ValidationError", "HTTP listeners")),
    ("redirect-80-to-443", lambda s: s.redirect(**TO_HTTPS), None),
    ("redirect-8080-to-8443", lambda s: s.redirect(8080, Protocol="HTTPS", Port="8443"), None),
    ("redirect-to-itself", lambda s: s.redirect(), ("InvalidLoadBalancerAction", "redirects to itself")),
    (
        "redirect-to-same-protocol-and-port",
        lambda s: s.redirect(Protocol="HTTP", Port="80"),
        ("InvalidLoadBalancerAction", "redirects to itself"),
    ),
    ("redirect-port-0", lambda s: s.redirect(Protocol="HTTPS", Port="0"), ("InvalidLoadBalancerAction", "port '0'")),
    (
        "redirect-port-65536",
        lambda s: s.redirect(Protocol="HTTPS", Port="65536"),
        ("InvalidLoadBalancerAction", "port '65536'"),
    ),
    (
        "redirect-relative-path",
        lambda s: s.redirect(Path="new"),
        ("InvalidLoadBalancerAction", "must begin with '/'"),
    ),
    (
        "redirect-https-to-http",
        lambda s: s.https(
            DefaultActions=[{"Type": "redirect", "RedirectConfig": {"StatusCode": "HTTP_301", "Protocol": "HTTP"}}]
        ),
        ("InvalidLoadBalancerAction", "cannot redirect to HTTP"),
    ),
    ("redirect-without-config", lambda s: s.http(DefaultActions=[{"Type": "redirect"}]), ("ValidationError", "")),
    (
        "redirect-status-307",
        lambda s: s.redirect(StatusCode="HTTP_307", **TO_HTTPS),
        ("ValidationError", "Member must satisfy enum value set"),
    ),
]


@pytest.fixture(scope="module")
def stack(emulator) -> Stack:
    emulator.reset()
    return Stack(emulator)


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_create_listener(stack, kwargs, expected):
    request = kwargs(stack)
    if expected is None:
        listener = stack.elbv2.create_listener(**request)["Listeners"][0]
        stack.remove_listeners()
        assert listener["Protocol"] == request["Protocol"]
        return
    code, fragment = expected
    with pytest.raises(ClientError) as err:
        stack.elbv2.create_listener(**request)
    assert err.value.response["Error"]["Code"] == code, err.value.response["Error"]
    assert fragment in err.value.response["Error"]["Message"]
    assert stack.elbv2.describe_listeners(LoadBalancerArn=stack.lb)["Listeners"] == []


def test_https_listener_reads_back_and_modifies_like_aws(stack):
    """The stack's shape end to end: 443 with a TLS 1.3 policy, 80 redirecting to it; then a certificate swap."""
    https = stack.elbv2.create_listener(**stack.https(SslPolicy=TLS13))["Listeners"][0]
    stack.elbv2.create_listener(**stack.redirect(**TO_HTTPS))
    listeners = {item["Port"]: item for item in stack.elbv2.describe_listeners(LoadBalancerArn=stack.lb)["Listeners"]}
    assert listeners[443]["SslPolicy"] == TLS13
    assert listeners[443]["Certificates"][0]["CertificateArn"] == https["Certificates"][0]["CertificateArn"]
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert "SslPolicy" not in listeners[80] and not listeners[80].get("Certificates")  # TLS fields: HTTPS only

    # ModifyListener: an unknown policy and a certificate that is not issued are refused; a new issued one is fine.
    arn = https["ListenerArn"]
    for kwargs, code in (
        ({"SslPolicy": "ELBSecurityPolicy-None"}, "SSLPolicyNotFound"),
        ({"Certificates": [{"CertificateArn": stack.pending()}]}, "UnsupportedCertificate"),
        ({"Protocol": "HTTP", "SslPolicy": TLS13}, "ValidationError"),
    ):
        with pytest.raises(ClientError) as err:
            stack.elbv2.modify_listener(ListenerArn=arn, **kwargs)
        assert err.value.response["Error"]["Code"] == code, (kwargs, err.value.response["Error"])
    new = stack.issued()
    stack.elbv2.modify_listener(ListenerArn=arn, Certificates=[{"CertificateArn": new}])
    assert (
        stack.elbv2.describe_listeners(ListenerArns=[arn])["Listeners"][0]["Certificates"][0]["CertificateArn"] == new
    )


def test_routing_view_carries_https_and_the_redirect(stack):
    """The data plane's view (GET /_emulator/elbv2/routing) of the stack's HTTPS shape: the 443 listener with its
    certificate and policy, port 80's redirect action as it was written (a data plane answers it with a 301)."""
    stack.remove_listeners()
    https = stack.elbv2.create_listener(**stack.https(SslPolicy=TLS13))["Listeners"][0]
    stack.elbv2.create_listener(**stack.redirect(**TO_HTTPS))
    (balancer,) = [b for b in stack.aws.admin("elbv2/routing")["LoadBalancers"] if b["LoadBalancerArn"] == stack.lb]
    by_port = {item["Port"]: item for item in balancer["Listeners"]}
    assert by_port[443]["Protocol"] == "HTTPS" and by_port[443]["SslPolicy"] == TLS13
    assert by_port[443]["Certificates"] == [{"CertificateArn": https["Certificates"][0]["CertificateArn"]}]
    (redirect,) = by_port[80]["DefaultActions"]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    assert "Certificates" not in by_port[80]
    stack.remove_listeners()
