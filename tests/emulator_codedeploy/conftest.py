"""An ECS blue/green stack on the emulator, built with boto3 as a user would, and helpers to drive time.

Time is frozen (clock scale 0) unless a test says otherwise: ``stack.advance(seconds)`` moves the
emulated clock, so every lifecycle assertion is deterministic.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

# Phase durations used by these tests (emulated seconds), round numbers so timelines are easy to read.
TIMINGS = {
    "created": 10,
    "event": 10,
    "hook": 20,
    "install": 60,
    "allowTestTraffic": 10,
    "allowTraffic": 10,
    "cleanup": 10,
    "rollback": 10,
    "installTimeout": 3600,
}
# created + BeforeInstall + Install + AfterInstall + AllowTestTraffic + AfterAllowTestTraffic + BeforeAllowTraffic
UNTIL_ALLOW_TRAFFIC = 10 + 10 + 60 + 10 + 10 + 10 + 10
APP = "AppECS-hello-hello"
GROUP = "DgpECS-hello-hello"
CONTAINER = "web"
PORT = 8000


@dataclass
class Stack:
    aws: Any
    ecs: Any
    elbv2: Any
    codedeploy: Any
    tg1: str
    tg2: str
    prod_listener: str
    test_listener: str
    task_definition: str
    subnets: list[str]
    security_group: str
    cluster: str = "hello"
    service: str = "hello"
    extra: dict[str, Any] = field(default_factory=dict)

    # --- time
    def advance(self, seconds: float) -> None:
        self.aws.admin("clock", "POST", {"advance": seconds})

    # --- reading state
    def forward(self, listener_arn: str) -> dict[str, int]:
        """{target group name: weight} of the listener's forward action."""
        action = self.elbv2.describe_listeners(ListenerArns=[listener_arn])["Listeners"][0]["DefaultActions"][0]
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if action.get("TargetGroupArn") and not groups:
            groups = [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 100}]
        names = {self.tg1: "tg1", self.tg2: "tg2"}
        return {names[g["TargetGroupArn"]]: int(g.get("Weight", 1)) for g in groups if int(g.get("Weight", 1)) > 0}

    def described_service(self) -> dict[str, Any]:
        return self.ecs.describe_services(cluster=self.cluster, services=[self.service])["services"][0]

    def deployment(self, deployment_id: str) -> dict[str, Any]:
        return self.codedeploy.get_deployment(deploymentId=deployment_id)["deploymentInfo"]

    def target(self, deployment_id: str) -> dict[str, Any]:
        target = self.codedeploy.get_deployment_target(
            deploymentId=deployment_id, targetId=f"{self.cluster}:{self.service}"
        )
        return target["deploymentTarget"]["ecsTarget"]

    def events(self, deployment_id: str) -> dict[str, str]:
        return {e["lifecycleEventName"]: e["status"] for e in self.target(deployment_id)["lifecycleEvents"]}

    def history(self, deployment_id: str) -> list[dict[str, Any]]:
        for dep in self.aws.admin("codedeploy")["deployments"]:
            if dep["deploymentId"] == deployment_id:
                return dep["history"]
        raise AssertionError(f"{deployment_id} not in the emulator's timeline")

    # --- acting
    def register(self, image: str = "helloapp:v2") -> str:
        return self.ecs.register_task_definition(**task_definition_kwargs(image))["taskDefinition"]["taskDefinitionArn"]

    def deploy(self, task_definition: str | None = None, **kwargs: Any) -> str:
        content = appspec(task_definition or self.register())
        return self.codedeploy.create_deployment(
            applicationName=APP,
            deploymentGroupName=GROUP,
            revision={
                "revisionType": "AppSpecContent",
                "appSpecContent": {"content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()},
            },
            **kwargs,
        )["deploymentId"]


def task_definition_kwargs(image: str) -> dict[str, Any]:
    return {
        "family": "hello",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": CONTAINER, "image": image, "essential": True, "portMappings": [{"containerPort": PORT}]}
        ],
    }


def appspec(task_definition: str, hooks: list[dict[str, str]] | None = None) -> str:
    spec: dict[str, Any] = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": task_definition,
                        "LoadBalancerInfo": {"ContainerName": CONTAINER, "ContainerPort": PORT},
                    },
                }
            }
        ],
    }
    if hooks:
        spec["Hooks"] = hooks
    return json.dumps(spec)


def group_kwargs(stack: Stack, **overrides: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "applicationName": APP,
        "deploymentGroupName": GROUP,
        "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
        },
        "autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        "ecsServices": [{"serviceName": stack.service, "clusterName": stack.cluster}],
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "tg1"}, {"name": "tg2"}],
                    "prodTrafficRoute": {"listenerArns": [stack.prod_listener]},
                    "testTrafficRoute": {"listenerArns": [stack.test_listener]},
                }
            ]
        },
    }
    kwargs.update(overrides)
    return kwargs


_SESSION: dict[str, Any] = {}


def client(aws: Any, service: str) -> Any:
    """A boto3 client on the emulator; one boto3 session for the whole run (loading models is slow)."""
    import boto3

    session = _SESSION.setdefault("session", boto3.session.Session())
    return session.client(
        service,
        endpoint_url=aws.url,
        region_name="ap-northeast-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def build_stack(aws: Any) -> Stack:
    ec2, elbv2, ecs = client(aws, "ec2"), client(aws, "elbv2"), client(aws, "ecs")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    sg = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    lb = elbv2.create_load_balancer(Name="hello-alb", Subnets=subnets[:2], SecurityGroups=[sg["GroupId"]])
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = []
    for name in ("tg1", "tg2"):
        tg = elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=PORT, VpcId=vpc, TargetType="ip", HealthCheckPath="/healthz"
        )
        tgs.append(tg["TargetGroups"][0]["TargetGroupArn"])
    listeners = []
    for port in (80, 8080):
        listener = elbv2.create_listener(
            LoadBalancerArn=lb_arn,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}],
        )
        listeners.append(listener["Listeners"][0]["ListenerArn"])
    ecs.create_cluster(clusterName="hello")
    task_def = ecs.register_task_definition(**task_definition_kwargs("helloapp:v1"))["taskDefinition"]
    network = {"awsvpcConfiguration": {"subnets": subnets[:2], "securityGroups": [sg["GroupId"]]}}
    ecs.create_service(
        cluster="hello",
        serviceName="hello",
        taskDefinition=task_def["taskDefinitionArn"],
        desiredCount=2,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": tgs[0], "containerName": CONTAINER, "containerPort": PORT}],
        networkConfiguration=network,
    )
    return Stack(
        aws=aws,
        ecs=ecs,
        elbv2=elbv2,
        codedeploy=client(aws, "codedeploy"),
        tg1=tgs[0],
        tg2=tgs[1],
        prod_listener=listeners[0],
        test_listener=listeners[1],
        task_definition=task_def["taskDefinitionArn"],
        subnets=subnets,
        security_group=sg["GroupId"],
    )


@pytest.fixture
def stack(aws: Any):
    """A fresh account with the ALB, both target groups, both listeners, the service and the CodeDeploy app."""
    aws.admin("clock", "POST", {"scale": 0})
    aws.admin("codedeploy", "POST", {"timings": TIMINGS})
    built = build_stack(aws)
    built.codedeploy.create_application(applicationName=APP, computePlatform="ECS")
    yield built
    aws.admin("codedeploy-faults", "DELETE")
    aws.admin("clock", "POST", {"scale": float(aws.time_scale)})  # the session's scale for later tests


@pytest.fixture
def make_group(stack: Stack):
    """``make_group(**overrides)`` creates the deployment group (AllAtOnce, auto-rollback on failure)."""

    def make(**overrides: Any) -> dict[str, Any]:
        stack.codedeploy.create_deployment_group(**group_kwargs(stack, **overrides))
        return stack.codedeploy.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)[
            "deploymentGroupInfo"
        ]

    return make
