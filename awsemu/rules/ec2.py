"""Amazon EC2 rules for security groups: names, descriptions, CIDR blocks and port ranges.

EC2 answers ``InvalidParameterValue`` (EC2 API reference, "Error codes for the Amazon EC2 API").
"""

from __future__ import annotations

import ipaddress
import re

from awsemu.core import AwsError, validates

# CreateSecurityGroup GroupName and GroupDescription: "Constraints: Up to 255 characters in length. Valid
# characters: a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*" and, for GroupName, "Names are case-insensitive
# and must be unique within the VPC ... cannot start with sg-" (EC2 API reference, CreateSecurityGroup).
_CHARS = re.compile(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]*")


@validates("ec2", "CreateSecurityGroup")
def security_group(req) -> None:
    name = req.params.get("GroupName", "")
    description = req.params.get("Description", "")
    for value, what in ((name, "groupName"), (description, "GroupDescription")):
        if len(value) > 255:
            raise AwsError(
                "InvalidParameterValue", f"Invalid value '{value}' for {what}. Length exceeds maximum of 255."
            )
        if not _CHARS.fullmatch(value):
            raise AwsError(
                "InvalidParameterValue",
                f"Invalid value '{value}' for {what}. Valid characters: a-z, A-Z, 0-9, spaces, and "
                "._-:/()#,@[]+=&;{}!$*",
            )
    if name.lower().startswith("sg-"):
        raise AwsError(
            "InvalidParameterValue", f"Invalid value '{name}' for groupName. Group names may not be in the format sg-*."
        )


def _permissions(req) -> list[dict]:
    params = req.params
    permissions = list(params.get("IpPermissions") or [])
    if params.get("CidrIp") or params.get("FromPort") is not None:
        permissions.append(
            {
                "IpProtocol": params.get("IpProtocol"),
                "FromPort": params.get("FromPort"),
                "ToPort": params.get("ToPort"),
                "IpRanges": [{"CidrIp": params["CidrIp"]}] if params.get("CidrIp") else [],
            }
        )
    return permissions


@validates(
    "ec2",
    "AuthorizeSecurityGroupIngress",
    "AuthorizeSecurityGroupEgress",
    "RevokeSecurityGroupIngress",
    "RevokeSecurityGroupEgress",
)
def permissions(req) -> None:
    """IpPermission (EC2 API reference): CidrIp "The IPv4 address range, in CIDR format", CidrIpv6 likewise;
    "If the protocol is TCP or UDP, this is the start of the port range" (0-65535, FromPort <= ToPort); for
    ICMP -1 means all types. A malformed CIDR is ``InvalidParameterValue`` "CIDR block ... is malformed"."""
    for permission in _permissions(req):
        for entry in permission.get("IpRanges") or []:
            _cidr(entry.get("CidrIp"), 4)
        for entry in permission.get("Ipv6Ranges") or []:
            _cidr(entry.get("CidrIpv6"), 6)
        protocol = str(permission.get("IpProtocol", "")).lower()
        if protocol in ("tcp", "udp", "6", "17"):
            low, high = permission.get("FromPort"), permission.get("ToPort")
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= 65535):
                raise AwsError("InvalidParameterValue", f"Invalid TCP/UDP port range {low}-{high}: ports are 0-65535.")


def _cidr(value, version: int) -> None:
    if value is None:
        return
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version or "/" not in value:
        raise AwsError("InvalidParameterValue", f"CIDR block {value} is malformed")
