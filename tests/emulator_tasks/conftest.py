"""A VPC, a load balancer with one listener, two target groups and an ECS cluster, on a frozen emulated clock.

``env.advance(seconds)`` moves time; nothing happens between calls, so every state is deterministic.
Timings used by these tests (emulated seconds): ``taskStartSeconds`` 8, so a task is PROVISIONING for 2 s,
PENDING (pulling) for 4 s, ACTIVATING for 2 s and RUNNING from 8 s; target groups check every 5 s
(``unhealthy`` after 2 failures) and drain for 20 s; container health checks every 5 s (3 retries).
Every answer is checked against botocore's output shapes by the emulator's strict mode (tests/conftest.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support import app_task_definition, default_network, ip_target_group

START = 8.0
INTERVAL = 5
DRAIN = 20
PORT = 8000
CONTAINER_CHECK = {"command": ["CMD-SHELL", "true"], "interval": 5, "timeout": 2, "retries": 3}


@dataclass
class Env:
    aws: Any
    ecs: Any
    elbv2: Any
    ec2: Any
    subnets: dict[str, str]  # subnet id -> CIDR
    security_group: str
    load_balancer: str
    listener: str
    tg: str  # forwarded to by the listener
    spare_tg: str  # forwarded to by nothing
    cluster: str = "c"
    extra: dict[str, Any] = field(default_factory=dict)

    # --- time and knobs
    def advance(self, seconds: float) -> None:
        self.aws.admin("clock", "POST", {"advance": seconds})

    def settings(self, **values: Any) -> dict[str, Any]:
        return self.aws.admin("ecs_service", "POST", values)

    # --- building
    @property
    def network(self) -> dict[str, Any]:
        return {"awsvpcConfiguration": {"subnets": list(self.subnets)[:2], "securityGroups": [self.security_group]}}

    def task_definition(self, image: str = "app:1", health_check: bool = False, **container: Any) -> str:
        if health_check:
            container = {"healthCheck": CONTAINER_CHECK, **container}
        return app_task_definition(self.ecs, image, PORT, **container)

    def service(self, name: str = "s", image: str = "app:1", desired: int = 2, lb: bool = True, **kwargs: Any) -> Any:
        params: dict[str, Any] = {
            "cluster": self.cluster,
            "serviceName": name,
            "taskDefinition": kwargs.pop("taskDefinition", None) or self.task_definition(image),
            "desiredCount": desired,
            "launchType": "FARGATE",
            "networkConfiguration": self.network,
        }
        if lb:
            params["loadBalancers"] = [{"targetGroupArn": self.tg, "containerName": "web", "containerPort": PORT}]
        params.update(kwargs)
        return self.ecs.create_service(**params)["service"]

    # --- reading
    def describe(self, name: str = "s") -> dict[str, Any]:
        return self.ecs.describe_services(cluster=self.cluster, services=[name])["services"][0]

    def tasks(self, desired: str = "RUNNING", **filters: Any) -> list[dict[str, Any]]:
        arns = self.ecs.list_tasks(cluster=self.cluster, desiredStatus=desired, **filters)["taskArns"]
        if not arns:
            return []
        described = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns, include=["TAGS"])["tasks"]
        return sorted(described, key=lambda t: (t["createdAt"], t["taskArn"]))

    def task(self, arn: str) -> dict[str, Any]:
        [task] = self.ecs.describe_tasks(cluster=self.cluster, tasks=[arn])["tasks"]
        return task

    def statuses(self, desired: str = "RUNNING", **filters: Any) -> list[str]:
        return [t["lastStatus"] for t in self.tasks(desired, **filters)]

    def health(self, tg: str | None = None) -> dict[str, tuple[str, str | None]]:
        """{ip: (State, Reason)} of a target group's targets."""
        answer = self.elbv2.describe_target_health(TargetGroupArn=tg or self.tg)["TargetHealthDescriptions"]
        return {d["Target"]["Id"]: (d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in answer}

    def in_subnet(self, ip: str, subnet: str) -> bool:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(self.subnets[subnet])

    def events(self, name: str = "s") -> list[str]:
        return [e["message"] for e in reversed(self.describe(name)["events"])]


def ip_of(task: dict[str, Any]) -> str:
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    return details["privateIPv4Address"]


@pytest.fixture
def env(aws: Any):
    aws.admin("clock", "POST", {"scale": 0})
    aws.admin("ecs_service", "POST", {"taskStartSeconds": START})
    ec2, elbv2 = aws.boto3_client("ec2"), aws.boto3_client("elbv2")
    ecs = aws.boto3_client("ecs")
    vpc, found = default_network(ec2)
    subnets = {s["SubnetId"]: s["CidrBlock"] for s in found}
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    balancer = elbv2.create_load_balancer(Name="lb", Subnets=list(subnets)[:2], SecurityGroups=[group])
    balancer_arn = balancer["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [ip_target_group(elbv2, name, vpc, PORT, interval=INTERVAL, drain=DRAIN) for name in ("tg", "spare")]
    listener = elbv2.create_listener(
        LoadBalancerArn=balancer_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": groups[0]}],
    )["Listeners"][0]["ListenerArn"]
    ecs.create_cluster(clusterName="c")
    yield Env(aws, ecs, elbv2, ec2, subnets, group, balancer_arn, listener, groups[0], groups[1])
    aws.admin("clock", "POST", {"scale": float(aws.time_scale)})
