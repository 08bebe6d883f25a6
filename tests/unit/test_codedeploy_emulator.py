"""The CodeDeploy modules, run in-process with real botocore clients against the local emulator.

A CODE_DEPLOY ECS service behind an ALB (production listener 80, test listener 8080, tg1/tg2) is built
with boto3, then the modules create the application, config and group, deploy blue/green, no-op on the
live revision, and a release that never turns healthy fails and rolls back.
"""

from __future__ import annotations

import json

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_application as app_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment as deploy_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_config as config_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_group as group_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_info as info_module

pytestmark = pytest.mark.emulator

APP, GROUP = "AppECS-helloapp-helloapp", "DgpECS-helloapp-helloapp"
TIME_SCALE = 600  # emulated seconds per real second: a deployment takes a fraction of a second


def container(image):
    return {
        "name": "helloapp",
        "image": image,
        "essential": True,
        "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
    }


def taskdef(image):
    return {
        "family": "helloapp",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        "containerDefinitions": [container(image)],
    }


@pytest.fixture
def stack(aws):
    aws.admin("clock", "POST", {"scale": TIME_SCALE})
    ec2, elbv2, ecs, iam = (aws.boto3_client(s) for s in ("ec2", "elbv2", "ecs", "iam"))
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if s["VpcId"] == vpc][:2]
    group = ec2.create_security_group(GroupName="helloapp", Description="helloapp tasks", VpcId=vpc)["GroupId"]
    role = iam.create_role(
        RoleName="ecsCodeDeployRole",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "codedeploy.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    alb = elbv2.create_load_balancer(Name="helloapp-alb", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    tgs = [
        elbv2.create_target_group(
            Name=f"helloapp-tg{i}", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip", HealthCheckPath="/healthz"
        )["TargetGroups"][0]["TargetGroupArn"]
        for i in (1, 2)
    ]
    listeners = [
        elbv2.create_listener(
            LoadBalancerArn=alb,
            Protocol="HTTP",
            Port=port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}],
        )["Listeners"][0]["ListenerArn"]
        for port in (80, 8080)
    ]
    ecs.create_cluster(clusterName="helloapp")
    v1 = ecs.register_task_definition(**taskdef("helloapp:v1"))["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster="helloapp",
        serviceName="helloapp",
        taskDefinition=v1,
        desiredCount=2,
        launchType="FARGATE",
        deploymentController={"type": "CODE_DEPLOY"},
        loadBalancers=[{"targetGroupArn": tgs[0], "containerName": "helloapp", "containerPort": 8000}],
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group], "assignPublicIp": "ENABLED"}
        },
    )
    return {"aws": aws, "role": role, "listeners": listeners, "tgs": tgs, "v1": v1, "subnets": subnets}


def connection(aws):
    return {"endpoint_url": aws.url}


def forwards_to(aws, listener):
    actions = aws.boto3_client("elbv2").describe_listeners(ListenerArns=[listener])["Listeners"][0]["DefaultActions"]
    action = actions[0]
    if action.get("TargetGroupArn"):
        return action["TargetGroupArn"].split("/")[1]
    groups = action["ForwardConfig"]["TargetGroups"]
    return max(groups, key=lambda g: g.get("Weight", 1))["TargetGroupArn"].split("/")[1]


def make_group(run_module, stack, **extra):
    aws = stack["aws"]
    result = run_module(app_module.main, dict(connection(aws), name=APP))
    assert result["changed"] is True, result
    args = dict(
        connection(aws),
        application_name=APP,
        name=GROUP,
        service_role=stack["role"],
        ecs_cluster="helloapp",
        ecs_service="helloapp",
        target_group_names=["helloapp-tg1", "helloapp-tg2"],
        prod_listener_arns=[stack["listeners"][0]],
        test_listener_arns=[stack["listeners"][1]],
        termination_wait_minutes=0,
        tags={"project": "helloapp"},
        **extra,
    )
    result = run_module(group_module.main, args)
    assert result["failed"] is False and result["changed"] is True, result
    again = run_module(group_module.main, args)
    assert again["changed"] is False, again
    return args


def revision(aws, image):
    """The family's latest revision when it runs ``image``, else a new one (as ecs_taskdefinition would)."""
    ecs = aws.boto3_client("ecs")
    latest = ecs.describe_task_definition(taskDefinition="helloapp")["taskDefinition"]
    if latest["containerDefinitions"][0]["image"] == image:
        return latest["taskDefinitionArn"]
    return ecs.register_task_definition(**taskdef(image))["taskDefinition"]["taskDefinitionArn"]


def deploy_args(stack, image, **extra):
    return dict(
        connection(stack["aws"]),
        application_name=APP,
        deployment_group_name=GROUP,
        task_definition=revision(stack["aws"], image),
        container_name="helloapp",
        container_port=8000,
        wait_timeout=120,
        poll_max_delay=1,
        **extra,
    )


def test_blue_green_deploy_then_noop(stack, run_module):
    aws = stack["aws"]
    result = run_module(config_module.main, dict(connection(aws), name="CodeDeployDefault.ECSAllAtOnce"))
    assert result["changed"] is False and result["predefined"] is True
    canary = dict(
        connection(aws),
        name="helloapp-canary",
        traffic_routing={"type": "TimeBasedCanary", "percentage": 20, "interval_minutes": 1},
    )
    assert run_module(config_module.main, canary)["changed"] is True
    assert run_module(config_module.main, canary)["changed"] is False
    make_group(run_module, stack)

    result = run_module(deploy_module.main, deploy_args(stack, "helloapp:v2"))

    assert result["failed"] is False, result
    assert result["changed"] is True and result["status"] == "Succeeded"
    names = [e["name"] for e in result["lifecycle_events"]]
    assert names.index("AllowTestTraffic") < names.index("AllowTraffic")
    assert all(e["status"] in ("Succeeded", "Skipped") for e in result["lifecycle_events"]), result["lifecycle_events"]
    assert result["live_target_group"] == "helloapp-tg2"
    assert forwards_to(aws, stack["listeners"][0]) == "helloapp-tg2"

    again = run_module(deploy_module.main, deploy_args(stack, "helloapp:v2"))
    assert again["failed"] is False, again
    assert again["changed"] is False and "already live" in again["msg"]

    info = run_module(info_module.main, dict(connection(aws), application_name=APP, deployment_group_name=GROUP))
    assert info["deployment_id"] == result["deployment_id"] and info["status"] == "Succeeded"
    assert info["live_target_group"] == "helloapp-tg2"


def test_unhealthy_release_fails_and_rolls_back(stack, run_module):
    aws = stack["aws"]
    make_group(run_module, stack)
    aws.admin("codedeploy", "POST", {"timings": {"installTimeout": 60}})
    aws.admin("codedeploy-faults", "POST", {"fault": "unhealthy"})

    result = run_module(deploy_module.main, deploy_args(stack, "helloapp:broken"))

    assert result["failed"] is True, result
    assert result["status"] == "Failed"
    assert forwards_to(aws, stack["listeners"][0]) == "helloapp-tg1"
    assert result["live_target_group"] == "helloapp-tg1"


def test_ready_wait_continue_and_stop_with_rollback(stack, run_module):
    aws = stack["aws"]
    make_group(run_module, stack, deployment_ready_action="STOP_DEPLOYMENT", deployment_ready_wait_minutes=2880)

    ready = run_module(deploy_module.main, deploy_args(stack, "helloapp:v2", wait_until="ready"))
    assert ready["failed"] is False, ready
    assert ready["status"] == "Ready" and ready["waiting_for"] == "READY_WAIT"
    assert forwards_to(aws, stack["listeners"][1]) == "helloapp-tg2"  # test traffic on the replacement
    assert forwards_to(aws, stack["listeners"][0]) == "helloapp-tg1"  # production not yet

    stopped = run_module(
        deploy_module.main,
        dict(connection(aws), state="stopped", application_name=APP, deployment_group_name=GROUP, poll_max_delay=1),
    )
    assert stopped["failed"] is False, stopped
    assert stopped["changed"] is True and stopped["status"] == "Stopped"
    assert forwards_to(aws, stack["listeners"][0]) == "helloapp-tg1"

    ready = run_module(deploy_module.main, deploy_args(stack, "helloapp:v3", wait_until="ready"))
    assert ready["status"] == "Ready", ready
    done = run_module(
        deploy_module.main,
        dict(connection(aws), state="continued", deployment_id=ready["deployment_id"], poll_max_delay=1),
    )
    assert done["failed"] is False, done
    assert done["wait_type"] == "READY_WAIT" and done["status"] == "Succeeded"
    assert forwards_to(aws, stack["listeners"][0]) == "helloapp-tg2"
