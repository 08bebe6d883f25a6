"""EC2: the default VPC as AWS creates it, with an internet gateway.

AWS's default VPC has an internet gateway attached and a ``0.0.0.0/0`` route to it in the main route
table: that is what makes its default subnets public (AWS docs, "Default VPCs": components). moto's
default VPC has neither, so anything that decides "public subnet?" from the route tables (as the
`network` discovery and an internet-facing ALB rely on) would see a private VPC. After moto builds a
region's EC2 backend, we add the gateway and the route, the way AWS has them.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models import EC2Backend

_original_init = EC2Backend.__init__


def _init_with_internet_gateway(self: Any, *args: Any, **kwargs: Any) -> None:
    _original_init(self, *args, **kwargs)
    vpc = getattr(self, "default_vpc", None)
    if vpc is None or not getattr(vpc, "is_default", False):
        return
    if any(igw.vpc is not None and igw.vpc.id == vpc.id for igw in self.internet_gateways.values()):
        return
    igw = self.create_internet_gateway()
    self.attach_internet_gateway(internet_gateway_id=igw.id, vpc_id=vpc.id)
    for table in self.route_tables.values():
        if table.vpc_id == vpc.id and table.main_association_id:
            self.create_route(table.id, "0.0.0.0/0", gateway_id=igw.id)


if not getattr(EC2Backend.__init__, "_awsemu", False):
    _init_with_internet_gateway._awsemu = True  # type: ignore[attr-defined]
    EC2Backend.__init__ = _init_with_internet_gateway


# UpdateSecurityGroupRuleDescriptions{Ingress,Egress}: AWS answers "Return: Returns true if the request succeeds"
# (EC2 API reference, UpdateSecurityGroupRuleDescriptionsIngress); moto answers an empty result, and
# amazon.aws.ec2_security_group, which reads ``Return`` when a rule's description changes, fails with KeyError.
from moto.core.responses import ActionResult  # noqa: E402
from moto.ec2.responses.security_groups import SecurityGroups  # noqa: E402


def _with_return(original: Any) -> Any:
    def update(self: Any) -> ActionResult:
        original(self)
        return ActionResult({"Return": True})

    update._awsemu = True  # type: ignore[attr-defined]
    return update


for _name in ("update_security_group_rule_descriptions_ingress", "update_security_group_rule_descriptions_egress"):
    if not getattr(getattr(SecurityGroups, _name), "_awsemu", False):
        setattr(SecurityGroups, _name, _with_return(getattr(SecurityGroups, _name)))
