"""Application Auto Scaling for an ECS service (awsemu/services/application_autoscaling.py), through boto3.

One module-scoped stack (a cluster, an ALB with a listener and a target group, a service behind it and one
without a load balancer, both ECS-controlled); every test deregisters what it registered. References:
https://docs.aws.amazon.com/autoscaling/application/APIReference/ (RegisterScalableTarget, PutScalingPolicy,
PredefinedMetricSpecification, DeregisterScalableTarget, TagResource) and the quota page
https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-limits.html.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator

CLUSTER = "aas-test"
WEB = f"service/{CLUSTER}/web"
# A prefix of WEB's service name on purpose: moto matched resource ids as substrings.
WE = f"service/{CLUSTER}/we"
DIM = "ecs:service:DesiredCount"
SLR = (
    "role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService"
)


class Stack:
    def __init__(self, emulator: Any):
        self.emulator = emulator
        self.aas = emulator.boto3_client("application-autoscaling")
        self.ecs = emulator.boto3_client("ecs")
        self.elbv2 = emulator.boto3_client("elbv2")
        self.cloudwatch = emulator.boto3_client("cloudwatch")
        ec2 = emulator.boto3_client("ec2")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
        sg = ec2.create_security_group(GroupName="aas-test", Description="aas", VpcId=vpc)["GroupId"]
        self.lb = self.elbv2.create_load_balancer(Name="aas-lb", Subnets=subnets, SecurityGroups=[sg])["LoadBalancers"][
            0
        ]["LoadBalancerArn"]
        self.tg = self.tg_arn("aas-tg", vpc)
        self.loose_tg = self.tg_arn("aas-loose", vpc)  # attached to no load balancer
        self.elbv2.create_listener(
            LoadBalancerArn=self.lb,
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": self.tg}],
        )
        self.ecs.create_cluster(clusterName=CLUSTER)
        family = self.ecs.register_task_definition(
            family="aas",
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
            containerDefinitions=[
                {"name": "app", "image": "whoami:v1", "essential": True, "portMappings": [{"containerPort": 9000}]}
            ],
        )["taskDefinition"]["taskDefinitionArn"]
        network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg]}}
        for name, lbs in (
            ("web", [{"targetGroupArn": self.tg, "containerName": "app", "containerPort": 9000}]),
            ("we", []),
        ):
            self.ecs.create_service(
                cluster=CLUSTER,
                serviceName=name,
                taskDefinition=family,
                desiredCount=2,
                launchType="FARGATE",
                networkConfiguration=network,
                loadBalancers=lbs,
            )

    def tg_arn(self, name: str, vpc: str) -> str:
        return self.elbv2.create_target_group(
            Name=name, Protocol="HTTP", Port=9000, VpcId=vpc, TargetType="ip", HealthCheckPath="/health/ready"
        )["TargetGroups"][0]["TargetGroupArn"]

    def label(self, tg: str | None = None) -> str:
        return self.lb.split(":loadbalancer/")[1] + "/" + (tg or self.tg).split(":")[-1]

    def register(self, resource_id: str = WEB, **kwargs: Any) -> str:
        kwargs = {"MinCapacity": 2, "MaxCapacity": 6, **kwargs}
        return self.aas.register_scalable_target(
            ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=DIM, **kwargs
        )["ScalableTargetARN"]

    def target(self, resource_id: str = WEB) -> dict[str, Any]:
        (found,) = self.aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])[
            "ScalableTargets"
        ]
        return found

    def put_policy(self, name: str = "cpu", resource_id: str = WEB, **config: Any) -> dict[str, Any]:
        config = {"TargetValue": 60.0, **config}
        config.setdefault("PredefinedMetricSpecification", {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"})
        return self.aas.put_scaling_policy(
            PolicyName=name,
            ServiceNamespace="ecs",
            ResourceId=resource_id,
            ScalableDimension=DIM,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration=config,
        )

    def desired(self, name: str = "web") -> int:
        return self.ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]["desiredCount"]

    def alarms(self) -> list[dict[str, Any]]:
        return self.cloudwatch.describe_alarms(AlarmNamePrefix="TargetTracking-")["MetricAlarms"]


@pytest.fixture(scope="module")
def stack(emulator) -> Stack:
    emulator.reset()
    return Stack(emulator)


@pytest.fixture
def aas(stack) -> Stack:
    yield stack
    for target in stack.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]:
        stack.aas.deregister_scalable_target(
            ServiceNamespace="ecs", ResourceId=target["ResourceId"], ScalableDimension=DIM
        )
    for name in ("web", "we"):  # back to the stack's count
        stack.ecs.update_service(cluster=CLUSTER, service=name, desiredCount=2)


def error(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


def test_register_uses_the_service_linked_role_and_updates_in_place(aas):
    arn = aas.register(Tags={"owner": "fargatedemo"})
    target = aas.target()
    assert target["ScalableTargetARN"] == arn
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    assert target["RoleARN"] == f"arn:aws:iam::123456789012:{SLR}"
    assert target["SuspendedState"] == {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": False,
    }
    iam = aas.emulator.boto3_client("iam")
    role = iam.get_role(RoleName=SLR.rsplit("/", 1)[1])["Role"]
    assert role["Path"] == "/aws-service-role/ecs.application-autoscaling.amazonaws.com/"
    # An update names only what changes; the ARN, the other capacity and the tags stay.
    assert (
        aas.aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=WEB, ScalableDimension=DIM, MaxCapacity=8)[
            "ScalableTargetARN"
        ]
        == arn
    )
    assert (aas.target()["MinCapacity"], aas.target()["MaxCapacity"]) == (2, 8)
    assert aas.aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"owner": "fargatedemo"}


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"MinCapacity": None}, "ValidationException", "MinCapacity and MaxCapacity are required"),
        ({"MaxCapacity": None}, "ValidationException", "MinCapacity and MaxCapacity are required"),
        ({"MinCapacity": 5, "MaxCapacity": 4}, "ValidationException", "cannot be greater than maximum"),
        ({"MinCapacity": -1}, "ValidationException", "greater than or equal to 0"),
        ({"resource_id": f"service/{CLUSTER}/nope"}, "ValidationException", "ECS service doesn't exist"),
        ({"resource_id": f"service/{CLUSTER}"}, "ValidationException", "service/<cluster-name>/<service-name>"),
        ({"resource_id": f"cluster/{CLUSTER}/web"}, "ValidationException", "service/<cluster-name>/<service-name>"),
        ({"Tags": {"aws:owner": "x"}}, "ValidationException", "reserved"),
        ({"Tags": {"k" * 129: "x"}}, "ValidationException", "length less than or equal to 128"),
    ],
    ids=[
        "no-min",
        "no-max",
        "min-above-max",
        "negative",
        "no-service",
        "short-id",
        "not-a-service",
        "aws-tag",
        "long-key",
    ],
)
def test_register_refuses_what_aws_refuses(aas, kwargs, code, message):
    resource_id = kwargs.pop("resource_id", WEB)
    call = {"MinCapacity": 2, "MaxCapacity": 6, **kwargs}
    call = {k: v for k, v in call.items() if v is not None}
    got = error(
        aas.aas.register_scalable_target, ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=DIM, **call
    )
    assert got[0] == code and message in got[1], got
    assert aas.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []


def test_update_min_above_current_max_is_refused(aas):
    aas.register()
    code, message = error(
        aas.aas.register_scalable_target, ServiceNamespace="ecs", ResourceId=WEB, ScalableDimension=DIM, MinCapacity=7
    )
    assert code == "ValidationException" and "cannot be greater than maximum" in message


def test_register_moves_desired_count_into_range_and_records_it(aas):
    assert aas.desired() == 2
    aas.register(MinCapacity=3, MaxCapacity=5)
    assert aas.desired() == 3
    activities = aas.aas.describe_scaling_activities(ServiceNamespace="ecs", ResourceId=WEB)["ScalingActivities"]
    assert [a["StatusCode"] for a in activities] == ["Successful"]
    assert "desired count to 3" in activities[0]["Description"]
    aas.register(MinCapacity=1, MaxCapacity=2)
    assert aas.desired() == 2


def test_scaler_keeps_inside_range_and_honours_suspension(aas):
    aas.register(MinCapacity=2, MaxCapacity=4)
    assert aas.emulator.admin("autoscaling", "POST", {"resourceId": WEB, "desiredCount": 9})["desiredCount"] == 4
    assert aas.desired() == 4
    aas.aas.register_scalable_target(
        ServiceNamespace="ecs",
        ResourceId=WEB,
        ScalableDimension=DIM,
        SuspendedState={"DynamicScalingInSuspended": True},
    )
    assert aas.emulator.admin("autoscaling", "POST", {"resourceId": WEB, "desiredCount": 2})["scaled"] is False
    assert aas.desired() == 4
    assert aas.target()["SuspendedState"]["DynamicScalingInSuspended"] is True


def test_target_tracking_policies_cpu_and_requests_per_target(aas):
    aas.register()
    cpu = aas.put_policy("cpu", ScaleInCooldown=300, ScaleOutCooldown=60)
    label = aas.label()
    requests = aas.put_policy(
        "requests",
        TargetValue=100.0,
        DisableScaleIn=True,
        PredefinedMetricSpecification={"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label},
    )
    assert len(cpu["Alarms"]) == 2 and len(requests["Alarms"]) == 1  # no AlarmLow without scale-in
    by_name = {a["AlarmName"]: a for a in aas.alarms()}
    (high,) = [by_name[a["AlarmName"]] for a in requests["Alarms"]]
    assert (high["Namespace"], high["MetricName"]) == ("AWS/ApplicationELB", "RequestCountPerTarget")
    assert high["Dimensions"] == [{"Name": "TargetGroup", "Value": label.split("/", 3)[3]}]
    policies = aas.aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=WEB)["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies) == ["cpu", "requests"]
    got = {p["PolicyName"]: p for p in policies}["cpu"]["TargetTrackingScalingPolicyConfiguration"]
    assert (got["ScaleInCooldown"], got["ScaleOutCooldown"], got["TargetValue"]) == (300, 60, 60.0)
    # An update keeps the ARN and replaces the alarms instead of adding to them.
    again = aas.put_policy("cpu", TargetValue=50.0)
    assert again["PolicyARN"] == cpu["PolicyARN"]
    assert len(aas.alarms()) == 3
    assert (
        aas.aas.describe_scaling_policies(ServiceNamespace="ecs", PolicyNames=["cpu"])["ScalingPolicies"][0][
            "TargetTrackingScalingPolicyConfiguration"
        ]["TargetValue"]
        == 50.0
    )
    # Deregistering the target deletes its policies and their alarms.
    aas.aas.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=WEB, ScalableDimension=DIM)
    assert aas.aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
    assert aas.alarms() == []


def test_describe_matches_resource_ids_exactly(aas):
    aas.register(WEB)
    aas.register(WE)
    aas.put_policy("cpu", WEB)
    assert aas.aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=WE)["ScalingPolicies"] == []
    assert [
        t["ResourceId"]
        for t in aas.aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[WE])["ScalableTargets"]
    ] == [WE]
    first = aas.aas.describe_scalable_targets(ServiceNamespace="ecs", MaxResults=1)
    second = aas.aas.describe_scalable_targets(ServiceNamespace="ecs", MaxResults=1, NextToken=first["NextToken"])
    assert {first["ScalableTargets"][0]["ResourceId"], second["ScalableTargets"][0]["ResourceId"]} == {WEB, WE}
    assert "NextToken" not in second


CPU = {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
REQUESTS = "ALBRequestCountPerTarget"


# (case, PredefinedMetricSpecification: a ResourceLabel "service" / "loose" is the label of the service's / of a
# target group no load balancer uses; other TargetTrackingScalingPolicyConfiguration members, code, message words)
@pytest.mark.parametrize(
    ("case", "predefined", "extra", "code", "message"),
    [
        ("unregistered", CPU, {}, "ObjectNotFoundException", "No scalable target registered"),
        ("no-type", CPU, {}, "ValidationException", "PolicyType is required"),
        (
            "both-metrics",
            CPU,
            {"CustomizedMetricSpecification": {"MetricName": "x", "Namespace": "y", "Statistic": "Average"}},
            "ValidationException",
            "exactly one of",
        ),
        (
            "memory-with-label",
            {"PredefinedMetricType": "ECSServiceAverageMemoryUtilization", "ResourceLabel": "service"},
            {},
            "ValidationException",
            "only allowed with ALBRequestCountPerTarget",
        ),
        (
            "requests-no-label",
            {"PredefinedMetricType": REQUESTS},
            {},
            "ValidationException",
            "ResourceLabel is required",
        ),
        (
            "bad-label",
            {"PredefinedMetricType": REQUESTS, "ResourceLabel": "app/aas-lb/targetgroup/aas-tg"},
            {},
            "ValidationException",
            "the format is",
        ),
        (
            "loose-tg",
            {"PredefinedMetricType": REQUESTS, "ResourceLabel": "loose"},
            {},
            "ValidationException",
            "is not attached to",
        ),
        (
            "service-without-lb",
            {"PredefinedMetricType": REQUESTS, "ResourceLabel": "service"},
            {},
            "ValidationException",
            "has no target group attached",
        ),
        (
            "dynamodb-metric",
            {"PredefinedMetricType": "DynamoDBReadCapacityUtilization"},
            {},
            "ValidationException",
            "not supported for service namespace ecs",
        ),
        ("bad-enum", {"PredefinedMetricType": "CPU"}, {}, "ValidationException", "Member must satisfy enum value set"),
        (
            "negative-cooldown",
            CPU,
            {"ScaleInCooldown": -1},
            "ValidationException",
            "ScaleInCooldown must be greater than or equal to 0",
        ),
    ],
)
def test_put_scaling_policy_refuses_what_aws_refuses(aas, case, predefined, extra, code, message):
    if case != "unregistered":
        aas.register(WEB)
        aas.register(WE)
    labels = {"service": aas.label(), "loose": aas.label(aas.loose_tg)}
    if predefined.get("ResourceLabel") in labels:
        predefined = {**predefined, "ResourceLabel": labels[predefined["ResourceLabel"]]}
    kwargs = copy.deepcopy(extra)
    resource_id = WE if case == "service-without-lb" else WEB
    call = {
        "PolicyName": "p",
        "ServiceNamespace": "ecs",
        "ResourceId": resource_id,
        "ScalableDimension": DIM,
        "TargetTrackingScalingPolicyConfiguration": {
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": predefined,
            **kwargs,
        },
    }
    if case != "no-type":
        call["PolicyType"] = "TargetTrackingScaling"
    got = error(aas.aas.put_scaling_policy, **call)
    assert got[0] == code and message in got[1], got
    assert aas.aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []


def test_fifty_policies_per_target(aas):
    aas.register()
    for i in range(50):
        aas.put_policy(f"p{i}")
    code, message = error(aas.put_policy, "one-too-many")
    assert code == "LimitExceededException", message


@pytest.mark.parametrize(
    ("action", "kwargs", "code"),
    [
        (
            "deregister_scalable_target",
            {"ServiceNamespace": "ecs", "ResourceId": WEB, "ScalableDimension": DIM},
            "ObjectNotFoundException",
        ),
        (
            "delete_scaling_policy",
            {"PolicyName": "p", "ServiceNamespace": "ecs", "ResourceId": WEB, "ScalableDimension": DIM},
            "ObjectNotFoundException",
        ),
        (
            "list_tags_for_resource",
            {"ResourceARN": "arn:aws:application-autoscaling:ap-northeast-2:123456789012:scalable-target/0123abcd"},
            "ResourceNotFoundException",
        ),
        ("describe_scalable_targets", {"ServiceNamespace": "ecs", "MaxResults": 51}, "ValidationException"),
        ("describe_scaling_policies", {"ServiceNamespace": "ecs", "MaxResults": 11}, "ValidationException"),
        ("describe_scalable_targets", {"ServiceNamespace": "ecs", "NextToken": "garbage"}, "InvalidNextTokenException"),
    ],
)
def test_missing_things_and_bad_pages(aas, action, kwargs, code):
    assert error(getattr(aas.aas, action), **kwargs)[0] == code


def test_tags(aas):
    arn = aas.register(Tags={"a": "1"})
    aas.aas.tag_resource(ResourceARN=arn, Tags={"b": "2"})
    aas.aas.untag_resource(ResourceARN=arn, TagKeys=["a"])
    assert aas.aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"b": "2"}
    code, _ = error(aas.aas.tag_resource, ResourceARN=arn, Tags={f"k{i}": "v" for i in range(50)})
    assert code == "TooManyTagsException"
