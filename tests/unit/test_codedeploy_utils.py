"""Pure functions of plugins/module_utils/codedeploy.py (no AWS)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:7"


def test_appspec_minimal_matches_the_seed():
    appspec = cd.build_appspec(ARN, "helloapp", 8000)
    assert appspec == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": ARN,
                        "LoadBalancerInfo": {"ContainerName": "helloapp", "ContainerPort": 8000},
                    },
                }
            }
        ],
    }


def test_appspec_full():
    appspec = cd.build_appspec(
        ARN,
        "helloapp",
        "8000",
        platform_version="1.4.0",
        network_configuration={"subnets": ["s-1", "s-2"], "security_groups": ["sg-1"], "assign_public_ip": False},
        capacity_provider_strategy=[{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
        hooks={"AfterAllowTraffic": "fn-after", "BeforeInstall": "fn-before"},
    )
    props = appspec["Resources"][0]["TargetService"]["Properties"]
    assert props["LoadBalancerInfo"]["ContainerPort"] == 8000
    assert props["PlatformVersion"] == "1.4.0"
    assert props["NetworkConfiguration"] == {
        "AwsvpcConfiguration": {"Subnets": ["s-1", "s-2"], "SecurityGroups": ["sg-1"], "AssignPublicIp": "DISABLED"}
    }
    assert props["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1}]
    # hooks in lifecycle order, whatever the input order
    assert appspec["Hooks"] == [{"BeforeInstall": "fn-before"}, {"AfterAllowTraffic": "fn-after"}]


def test_appspec_rejects_hooks_on_reserved_events():
    with pytest.raises(cd.CodeDeployError, match="AllowTraffic"):
        cd.build_appspec(ARN, "helloapp", 8000, hooks={"AllowTraffic": "fn"})


def test_revision_content_and_sha256():
    revision = cd.appspec_revision(cd.build_appspec(ARN, "helloapp", 8000))
    content = revision["appSpecContent"]["content"]
    assert revision["revisionType"] == "AppSpecContent"
    assert revision["appSpecContent"]["sha256"] == hashlib.sha256(content.encode()).hexdigest()
    assert json.loads(content)["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == ARN
    assert cd.task_definition_of_revision(revision) == ARN
    # the same AppSpec always gives the same content (stable sha256)
    assert cd.appspec_revision(cd.build_appspec(ARN, "helloapp", 8000)) == revision


def test_task_definition_of_yaml_revision_and_garbage():
    yaml_content = "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n" + (
        "      Properties:\n        TaskDefinition: " + ARN + "\n"
    )
    assert cd.task_definition_of_revision({"appSpecContent": {"content": yaml_content}}) == ARN
    assert cd.task_definition_of_revision({"appSpecContent": {"content": "{not json"}}) is None
    assert cd.task_definition_of_revision({"revisionType": "S3"}) is None
    assert cd.task_definition_of_revision(None) is None


TASKDEF = {
    "taskDefinitionArn": ARN,
    "containerDefinitions": [
        {"name": "sidecar", "portMappings": []},
        {"name": "helloapp", "portMappings": [{"containerPort": 8000, "protocol": "tcp"}]},
    ],
}


def test_container_check_accepts_the_right_pair():
    cd.check_container(TASKDEF, "helloapp", 8000)


def test_container_check_names_both_on_a_wrong_name():
    with pytest.raises(cd.CodeDeployError) as err:
        cd.check_container(TASKDEF, "web", 8000)
    assert "'web'" in err.value.msg and "helloapp" in err.value.msg and ARN in err.value.msg


def test_container_check_names_both_on_a_wrong_port():
    with pytest.raises(cd.CodeDeployError) as err:
        cd.check_container(TASKDEF, "helloapp", 80)
    assert "containerPort 80" in err.value.msg and "8000" in err.value.msg and "'helloapp'" in err.value.msg


GROUP_PARAMS = {
    "service_role_arn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
    "deployment_config_name": "CodeDeployDefault.ECSAllAtOnce",
    "target_group_names": ["helloapp-tg1", "helloapp-tg2"],
    "prod_listener_arns": ["arn:listener/80"],
    "test_listener_arns": ["arn:listener/8080"],
    "termination_wait_minutes": 5,
    "deployment_ready_action": "CONTINUE_DEPLOYMENT",
    "deployment_ready_wait_minutes": 30,
    "auto_rollback_events": ["DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_FAILURE"],
    "alarms": [],
    "alarm_ignore_poll_failure": False,
    "ecs_cluster": "helloapp",
    "ecs_service": "helloapp",
}


def aws_group(request):
    """What GetDeploymentGroup returns for a group created from ``request`` (AWS adds and reorders)."""
    group = json.loads(json.dumps(request))
    group.update(
        applicationName="app",
        deploymentGroupName="dg",
        deploymentGroupId="id-1",
        computePlatform="ECS",
        ec2TagFilters=[],
        triggerConfigurations=[],
        autoScalingGroups=[],
    )
    group["ecsServices"] = [{"serviceName": "helloapp", "clusterName": "helloapp"}]
    group["autoRollbackConfiguration"]["events"] = list(reversed(group["autoRollbackConfiguration"]["events"]))
    group["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]["waitTimeInMinutes"] = 0
    return group


def test_group_normalisation_ignores_what_aws_adds():
    request = cd.deployment_group_request(GROUP_PARAMS)
    assert request["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    # CONTINUE_DEPLOYMENT: the wait minutes are not sent and not compared
    assert "waitTimeInMinutes" not in request["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]
    assert cd.normalise_deployment_group(aws_group(request)) == cd.normalise_deployment_group(request)


@pytest.mark.parametrize(
    "change",
    [
        {"termination_wait_minutes": 60},
        {"deployment_ready_action": "STOP_DEPLOYMENT"},
        {"target_group_names": ["helloapp-tg2", "helloapp-tg1"]},
        {"test_listener_arns": []},
        {"auto_rollback_events": []},
        {"alarms": ["helloapp-5xx"]},
        {"deployment_config_name": "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"},
        {"ecs_service": "other"},
    ],
)
def test_group_normalisation_sees_changes(change):
    current = aws_group(cd.deployment_group_request(GROUP_PARAMS))
    wanted = cd.deployment_group_request(dict(GROUP_PARAMS, **change))
    assert cd.normalise_deployment_group(current) != cd.normalise_deployment_group(wanted)


def test_group_normalisation_of_disabled_rollback_and_alarms():
    a = {"autoRollbackConfiguration": {"enabled": False, "events": ["DEPLOYMENT_FAILURE"]}}
    b = {"alarmConfiguration": {"enabled": False, "alarms": [{"name": "x"}], "ignorePollAlarmFailure": True}}
    assert cd.normalise_deployment_group(a) == cd.normalise_deployment_group(b) == cd.normalise_deployment_group({})


def ecs_target(events=None, task_sets=None):
    return {
        "ecsTarget": {
            "lifecycleEvents": [
                {"lifecycleEventName": name, "status": status, "startTime": dt.datetime(2026, 1, 1, 10, 0)}
                for name, status in (events or {}).items()
            ],
            "taskSetsInfo": task_sets or [],
        }
    }


def test_lifecycle_events_come_in_codedeploy_order():
    target = ecs_target({"AllowTraffic": "Pending", "BeforeInstall": "Succeeded", "Install": "InProgress"})
    events = cd.lifecycle_events(target["ecsTarget"])
    assert [e["name"] for e in events] == ["BeforeInstall", "Install", "AllowTraffic"]
    assert events[0]["start_time"] == "2026-01-01T10:00:00"


def test_task_sets_and_live_target_group():
    sets = cd.task_sets(
        {
            "taskSetsInfo": [
                {"identifer": "ts-1", "status": "ACTIVE", "trafficWeight": 0.0, "targetGroup": {"name": "tg1"}},
                {"identifer": "ts-2", "status": "PRIMARY", "trafficWeight": 100.0, "targetGroup": {"name": "tg2"}},
            ]
        }
    )
    assert sets[0]["identifier"] == "ts-1"
    assert cd.live_target_group_from_task_sets(sets) == "tg2"
    # no weights yet: the PRIMARY one
    assert cd.live_target_group_from_task_sets([dict(s, traffic_weight=None) for s in sets]) == "tg2"
    assert cd.live_target_group_from_task_sets([]) is None


DONE_TEST = {"AllowTestTraffic": "Succeeded", "AfterAllowTestTraffic": "Succeeded"}


@pytest.mark.parametrize(
    "checkpoint, deployment, events, expected",
    [
        ("created", {"status": "Created"}, {}, True),
        ("ready", {"status": "InProgress"}, {"AllowTestTraffic": "InProgress"}, False),
        ("ready", {"status": "InProgress"}, DONE_TEST, True),
        ("ready", {"status": "Ready"}, {}, True),
        ("ready", {"status": "Failed"}, DONE_TEST, False),
        ("traffic_shifted", {"status": "Ready"}, DONE_TEST, False),
        ("traffic_shifted", {"status": "InProgress"}, dict(DONE_TEST, AllowTraffic="Succeeded"), True),
        ("traffic_shifted", {"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, {}, True),
        ("succeeded", {"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, {}, False),
        ("succeeded", {"status": "Succeeded"}, {}, True),
        ("succeeded", {"status": "Stopped"}, {}, False),
    ],
)
def test_checkpoints(checkpoint, deployment, events, expected):
    listed = cd.lifecycle_events(ecs_target(events)["ecsTarget"])
    assert cd.checkpoint_reached(checkpoint, deployment, listed) is expected


@pytest.mark.parametrize(
    "deployment, events, expected",
    [
        ({"status": "Ready"}, {}, "READY_WAIT"),
        ({"status": "InProgress", "instanceTerminationWaitTimeStarted": True}, {}, "TERMINATION_WAIT"),
        ({"status": "InProgress"}, {"AllowTraffic": "Succeeded", "AfterAllowTraffic": "Succeeded"}, "TERMINATION_WAIT"),
        ({"status": "InProgress"}, {"AllowTraffic": "InProgress"}, None),
        ({"status": "Succeeded"}, {}, None),
    ],
)
def test_continue_wait_type(deployment, events, expected):
    assert cd.continue_wait_type(deployment, cd.lifecycle_events(ecs_target(events)["ecsTarget"])) == expected


def test_summary_and_progress_line():
    revision = cd.appspec_revision(cd.build_appspec(ARN, "helloapp", 8000))
    deployment = {
        "deploymentId": "d-1",
        "status": "Stopped",
        "revision": revision,
        "rollbackInfo": {"rollbackDeploymentId": "d-2", "rollbackMessage": "stopped"},
        "errorInformation": {"code": "HEALTH_CONSTRAINTS", "message": "unhealthy"},
        "deploymentOverview": {"Pending": 0, "Succeeded": 0, "Failed": 1},
    }
    target = ecs_target(
        {"BeforeInstall": "Succeeded", "Install": "Failed"},
        [{"identifer": "ts-1", "status": "PRIMARY", "trafficWeight": 100.0, "targetGroup": {"name": "tg1"}}],
    )
    summary = cd.summarise(deployment, [target])
    assert summary["task_definition_arn"] == ARN
    assert summary["rollback_deployment_id"] == "d-2"
    assert summary["finished"] is True
    assert summary["traffic_weights"] == {"tg1": 100.0}
    assert summary["live_target_group"] == "tg1"
    assert summary["deployment_overview"]["failed"] == 1
    assert summary["progress"] == "d-1 Stopped | BeforeInstall ok, Install FAILED | tg1 100.0% | live: tg1"


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_poll_backs_off_up_to_the_cap_and_stops_when_done():
    clock = Clock()
    states = iter(range(100))
    state, timed_out = cd.poll(
        lambda: next(states), lambda s: s == 6, 3600, maximum=5, sleep=clock.sleep, clock=lambda: clock.now
    )
    assert (state, timed_out) == (6, False)
    assert clock.sleeps == [2.0, 3.0, 4.5, 5, 5, 5]


def test_poll_never_sleeps_past_the_deadline():
    clock = Clock()
    state, timed_out = cd.poll(lambda: "x", lambda s: False, 10, sleep=clock.sleep, clock=lambda: clock.now)
    assert timed_out is True
    assert clock.now == pytest.approx(10)
    assert sum(clock.sleeps) == pytest.approx(10)


class Elbv2:
    def __init__(self, actions):
        self.actions = actions

    def describe_listeners(self, ListenerArns, aws_retry):
        return {"Listeners": [{"ListenerArn": ListenerArns[0], "DefaultActions": self.actions}]}


TG = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/{}/0123456789abcdef"


@pytest.mark.parametrize(
    "actions, expected",
    [
        ([{"Type": "forward", "TargetGroupArn": TG.format("helloapp-tg1")}], "helloapp-tg1"),
        (
            [
                {
                    "Type": "forward",
                    "ForwardConfig": {
                        "TargetGroups": [
                            {"TargetGroupArn": TG.format("helloapp-tg1"), "Weight": 0},
                            {"TargetGroupArn": TG.format("helloapp-tg2"), "Weight": 100},
                        ]
                    },
                }
            ],
            "helloapp-tg2",
        ),
        ([{"Type": "fixed-response"}], None),
    ],
)
def test_live_target_group_from_listener(actions, expected):
    assert cd.live_target_group_from_listener(Elbv2(actions), "arn:listener") == expected
