"""An ALB with a production (80) and a test (8080) listener rule over tg1/tg2, an ECS infrastructure role, a
Lambda hook function and a cluster, on a frozen emulated clock (like tests/emulator_tasks).

Timings (emulated seconds): ``taskStartSeconds`` 8 (a task is RUNNING 8 s after it starts), target groups
check every 5 s (healthy after one passing check) and drain for 10 s; the engine's own timings are
awsemu.services.ecs_native.DEFAULT_TIMINGS (a stage 1 s, a traffic shift 5 s, a Lambda call 1 s, an abort 5 s).
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support import app_task_definition, default_network, ip_target_group

START = 8.0
PORT = 8000
DRAIN = 10
ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html
INVOKE_ANY_FUNCTION = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": "arn:aws:lambda:*:*:function:*"}
    ],
}
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


@dataclass
class Env:
    aws: Any
    ecs: Any
    elbv2: Any
    tg1: str
    tg2: str
    prod_rule: str
    test_rule: str
    role: str
    hook_role: str
    function: str
    network: dict[str, Any]
    cluster: str = "c"
    extra: dict[str, Any] = field(default_factory=dict)

    def advance(self, seconds: float) -> None:
        self.aws.admin("clock", "POST", {"advance": seconds})

    def task_definition(self, image: str = "app:1") -> str:
        return app_task_definition(self.ecs, image, PORT)

    def load_balancers(self, test_rule: bool = True) -> list[dict[str, Any]]:
        advanced = {"alternateTargetGroupArn": self.tg2, "productionListenerRule": self.prod_rule, "roleArn": self.role}
        if test_rule:
            advanced["testListenerRule"] = self.test_rule
        return [
            {
                "targetGroupArn": self.tg1,
                "containerName": "web",
                "containerPort": PORT,
                "advancedConfiguration": advanced,
            }
        ]

    def service(self, strategy: str = "BLUE_GREEN", desired: int = 2, config: dict[str, Any] | None = None, **kw: Any):
        deployment = {"strategy": strategy, **(config or {})}
        if strategy == "BLUE_GREEN":
            deployment.setdefault("bakeTimeInMinutes", 0)
        params: dict[str, Any] = {
            "cluster": self.cluster,
            "serviceName": "s",
            "taskDefinition": self.task_definition(),
            "desiredCount": desired,
            "launchType": "FARGATE",
            "networkConfiguration": self.network,
            "deploymentConfiguration": deployment,
        }
        if strategy != "ROLLING":
            params["loadBalancers"] = self.load_balancers()
        else:
            params["loadBalancers"] = [{"targetGroupArn": self.tg1, "containerName": "web", "containerPort": PORT}]
        params.update(kw)
        return self.ecs.create_service(**params)["service"]

    def describe(self, name: str = "s") -> dict[str, Any]:
        return self.ecs.describe_services(cluster=self.cluster, services=[name])["services"][0]

    def deployments(self, name: str = "s") -> list[dict[str, Any]]:
        """The service's deployments, newest first, described."""
        arns = [
            d["serviceDeploymentArn"]
            for d in self.ecs.list_service_deployments(cluster=self.cluster, service=name)["serviceDeployments"]
        ]
        if not arns:
            return []
        found = self.ecs.describe_service_deployments(serviceDeploymentArns=arns)["serviceDeployments"]
        order = {arn: i for i, arn in enumerate(arns)}
        return sorted(found, key=lambda d: order[d["serviceDeploymentArn"]])

    def latest(self) -> dict[str, Any]:
        return self.deployments()[0]

    def weights(self, rule: str | None = None) -> dict[str, int]:
        """{'tg1'|'tg2': weight} of a rule's forward action."""
        [found] = self.elbv2.describe_rules(RuleArns=[rule or self.prod_rule])["Rules"]
        action = next(a for a in found["Actions"] if a["Type"] == "forward")
        names = {self.tg1: "tg1", self.tg2: "tg2"}
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or [
            {"TargetGroupArn": action["TargetGroupArn"]}
        ]
        return {names[g["TargetGroupArn"]]: int(g.get("Weight", 1)) for g in groups}

    def production(self) -> str:
        """The target group production traffic goes to (all of it), 'tg1' or 'tg2', or 'split'."""
        live = [name for name, weight in self.weights().items() if weight > 0]
        return live[0] if len(live) == 1 else "split"

    def run_until(self, predicate: Any, step: float = 5.0, limit: float = 3600.0) -> float:
        """Advance in ``step``s until ``predicate()``; returns the emulated seconds it took."""
        waited = 0.0
        while not predicate():
            if waited >= limit:
                raise AssertionError(f"not reached after {limit} emulated seconds: {self.latest()}")
            self.advance(step)
            waited += step
        return waited

    def finished(self) -> bool:
        return self.latest()["status"] not in (
            "PENDING",
            "IN_PROGRESS",
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
            "STOP_REQUESTED",
        )


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hook.py", "def handler(event, context):\n    return {'hookStatus': 'SUCCEEDED'}\n")
    return buffer.getvalue()


@dataclass
class Base:
    """What every test of a module shares: the network, the roles, the hook function (one emulator reset)."""

    vpc: str
    subnets: list[str]
    group: str
    role: str
    hook_role: str
    function: str


@pytest.fixture(scope="module")
def base(emulator: Any):
    emulator.reset()  # once per module: each test builds its own load balancer and cluster on top
    emulator.admin("clock", "POST", {"scale": 0})
    emulator.admin("ecs_service", "POST", {"taskStartSeconds": START})
    ec2, iam = emulator.boto3_client("ec2"), emulator.boto3_client("iam")
    vpc, found = default_network(ec2)
    subnets = [s["SubnetId"] for s in found][:2]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName="ecs-infra", AssumeRolePolicyDocument=json.dumps(ECS_TRUST))["Role"]["Arn"]
    hook_role = iam.create_role(RoleName="ecs-hooks", AssumeRolePolicyDocument=json.dumps(ECS_TRUST))["Role"]["Arn"]
    # AWS's example policy for hook roles: ECS invokes the functions with it.
    iam.put_role_policy(RoleName="ecs-hooks", PolicyName="invoke", PolicyDocument=json.dumps(INVOKE_ANY_FUNCTION))
    fn_role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    function = emulator.boto3_client("lambda").create_function(
        FunctionName="hook", Runtime="python3.12", Role=fn_role, Handler="hook.handler", Code={"ZipFile": _zip()}
    )["FunctionArn"]
    emulator.boto3_client("ecs").create_cluster(clusterName="c")
    yield Base(vpc, subnets, group, role, hook_role, function)
    emulator.admin("clock", "POST", {"scale": float(emulator.time_scale)})


_COUNTER = iter(range(1, 10**6))


@pytest.fixture
def env(emulator: Any, base: Base):
    """A fresh cluster, load balancer, target groups and listener rules for one test (names unique in the module)."""
    aws = emulator
    n = next(_COUNTER)
    elbv2, ecs = aws.boto3_client("elbv2"), aws.boto3_client("ecs")
    balancer = elbv2.create_load_balancer(Name=f"lb-{n}", Subnets=base.subnets, SecurityGroups=[base.group])[
        "LoadBalancers"
    ][0]
    tgs = [ip_target_group(elbv2, f"{name}-{n}", base.vpc, PORT, interval=5, drain=DRAIN) for name in ("tg1", "tg2")]
    rules = []
    for port in (80, 8080):
        listener = elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=port,
            DefaultActions=[
                {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404", "ContentType": "text/plain"}}
            ],
        )["Listeners"][0]["ListenerArn"]
        forward = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": tgs[0], "Weight": 100}, {"TargetGroupArn": tgs[1], "Weight": 0}]
            },
        }
        rules.append(
            elbv2.create_rule(
                ListenerArn=listener,
                Priority=1,
                Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}],
                Actions=[forward],
            )["Rules"][0]["RuleArn"]
        )
    cluster = f"c{n}"
    ecs.create_cluster(clusterName=cluster)
    network = {"awsvpcConfiguration": {"subnets": base.subnets, "securityGroups": [base.group]}}
    yield Env(
        aws, ecs, elbv2, tgs[0], tgs[1], rules[0], rules[1], base.role, base.hook_role, base.function, network, cluster
    )
    aws.admin("ecs_service", "POST", {"failingImages": []})
    for name in ("s", "bad"):  # stop what the test left running, so later tests reconcile less
        with contextlib.suppress(ecs.exceptions.ClientError):
            ecs.delete_service(cluster=cluster, service=name, force=True)
