"""The ECS-native deployment modules (ecs_service's strategy settings, ecs_service_deployment,
ecs_service_deployment_info) against the emulator, on a sped-up clock: a BLUE_GREEN service created and re-run
unchanged, a release followed to SUCCESSFUL with production on the other target group, a strategy-only change that
starts no deployment, a CANARY release rolled back half-way, and a PAUSE hook that holds the release until continued.

The module assertions are in tests/roles/playbooks/ecs_native_modules.yml (the test fails when any does); the
listener rules and the service's deployments are checked here with boto3, independently of the modules.
"""

from __future__ import annotations

import json

import pytest

from tests.support import app_task_definition, default_network, ip_target_group

pytestmark = pytest.mark.emulator

PORT = 8000
SCALE = 10  # emulated seconds per real second: the 2-minute canary bake takes 12 s
# Longer stages and traffic shifts than the engine's defaults (1 s, 5 s), so a follower polling every 2 s (real)
# sees each stage: a stage takes 1 s real, a shift 2 s.
TIMINGS = {"stage": 10, "trafficShift": 20}
ECS_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _weights(elbv2, rule, names):
    [found] = elbv2.describe_rules(RuleArns=[rule])["Rules"]
    action = next(a for a in found["Actions"] if a["Type"] == "forward")
    return {names[g["TargetGroupArn"]]: int(g.get("Weight", 1)) for g in action["ForwardConfig"]["TargetGroups"]}


@pytest.fixture
def native(aws):
    """Network, an ALB with a production (80) and a test (8080) rule over tg1/tg2, the infrastructure role, a cluster
    and four task definitions; the clock sped up (restored afterwards)."""
    aws.admin("clock", "POST", {"scale": SCALE})
    aws.admin("ecs_service", "POST", {"taskStartSeconds": 4})
    aws.admin("ecs_native", "POST", TIMINGS)
    ec2, iam, elbv2, ecs = (aws.boto3_client(s) for s in ("ec2", "iam", "elbv2", "ecs"))
    vpc, subnets = default_network(ec2)
    subnets = [s["SubnetId"] for s in subnets][:2]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName="ecs-infra", AssumeRolePolicyDocument=json.dumps(ECS_TRUST))["Role"]["Arn"]
    balancer = elbv2.create_load_balancer(Name="native", Subnets=subnets, SecurityGroups=[group])["LoadBalancers"][0]
    tgs = [ip_target_group(elbv2, name, vpc, PORT, interval=5, drain=5) for name in ("native-tg1", "native-tg2")]
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
    ecs.create_cluster(clusterName="native")
    definitions = [app_task_definition(ecs, f"app:{n}", PORT) for n in (1, 2, 3, 4)]
    yield {
        "subnets": subnets,
        "security_group": group,
        "role_arn": role,
        "tg1": tgs[0],
        "tg2": tgs[1],
        "prod_rule": rules[0],
        "test_rule": rules[1],
        "task_definitions": definitions,
    }
    aws.admin("clock", "POST", {"scale": float(aws.time_scale)})


def test_native_release_modules(aws, native, ansible_playbook):
    result = ansible_playbook("tests/roles/playbooks/ecs_native_modules.yml", extra_vars={"native": native})
    assert result.rc == 0, str(result)
    assert result.failed() == 0
    print(result.stdout)  # the followed releases' progress lines (pytest -s)

    # Independently of the modules: where the rules send traffic and what the deployments ended as.
    elbv2, ecs = aws.boto3_client("elbv2"), aws.boto3_client("ecs")
    names = {native["tg1"]: "tg1", native["tg2"]: "tg2"}
    assert _weights(elbv2, native["prod_rule"], names) == {"tg1": 100, "tg2": 0}
    assert _weights(elbv2, native["test_rule"], names) == {"tg1": 100, "tg2": 0}
    listed = ecs.list_service_deployments(cluster="native", service="web")["serviceDeployments"]
    # v4 (PAUSE, continued), v3 (canary, rolled back), v2 (blue/green), v1 (creation): the strategy-only change
    # started none.
    assert [d["status"] for d in listed] == ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]
    [service] = ecs.describe_services(cluster="native", services=["web"])["services"]
    assert service["taskDefinition"] == native["task_definitions"][3]
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"


def test_code_deploy_service_switches_to_native_blue_green_in_place(aws, native, ansible_playbook):
    ecs = aws.boto3_client("ecs")
    ecs.create_service(
        cluster="native",
        serviceName="web",
        taskDefinition=native["task_definitions"][0],
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": native["subnets"], "securityGroups": [native["security_group"]]}
        },
        loadBalancers=[{"targetGroupArn": native["tg1"], "containerName": "web", "containerPort": PORT}],
        deploymentController={"type": "CODE_DEPLOY"},
        deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100},
    )
    aws.admin("clock", "POST", {"advance": 120})
    before = set(ecs.list_tasks(cluster="native", desiredStatus="RUNNING")["taskArns"])
    assert len(before) == 2

    result = ansible_playbook("tests/roles/playbooks/ecs_native_switch.yml", extra_vars={"native": native})
    assert result.rc == 0, str(result)
    assert result.failed() == 0

    [service] = ecs.describe_services(cluster="native", services=["web"])["services"]
    assert service["deploymentController"] == {"type": "ECS"} and not service.get("taskSets")
    assert service["taskDefinition"] == native["task_definitions"][1]
    listed = ecs.list_service_deployments(cluster="native", service="web")["serviceDeployments"]
    assert [d["status"] for d in listed] == ["SUCCESSFUL", "SUCCESSFUL"]  # v2, and the switch's record of v1
    names = {native["tg1"]: "tg1", native["tg2"]: "tg2"}
    assert _weights(aws.boto3_client("elbv2"), native["prod_rule"], names) == {"tg1": 0, "tg2": 100}
