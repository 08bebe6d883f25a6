"""codedeploy_deployment and codedeploy_deployment_info run in-process against botocore Stubbers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment as module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_info as info_module
from botocore.stub import ANY

APP, GROUP = "AppECS-helloapp-helloapp", "DgpECS-helloapp-helloapp"
TD = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:{}"
OLD, NEW = TD.format(1), TD.format(2)
PROD = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/helloapp-alb/0123456789abcdef/80"
TGARN = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/{}/0123456789abcdef"
SERVICE_ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service/helloapp/helloapp"
T0 = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)

ARGS = {
    "application_name": APP,
    "deployment_group_name": GROUP,
    "task_definition": NEW,
    "container_name": "helloapp",
    "container_port": 8000,
}

EVENTS_ALL_DONE = {name: "Succeeded" for name in cd.LIFECYCLE_EVENTS}


# --- response builders -----------------------------------------------------------------------


def group_info(**extra):
    info = {
        "applicationName": APP,
        "deploymentGroupName": GROUP,
        "deploymentGroupId": "dg-1",
        "computePlatform": "ECS",
        "serviceRoleArn": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
        "ecsServices": [{"serviceName": "helloapp", "clusterName": "helloapp"}],
        "loadBalancerInfo": {
            "targetGroupPairInfoList": [
                {
                    "targetGroups": [{"name": "helloapp-tg1"}, {"name": "helloapp-tg2"}],
                    "prodTrafficRoute": {"listenerArns": [PROD]},
                }
            ]
        },
    }
    info.update(extra)
    return {"deploymentGroupInfo": info}


def revision(arn):
    return cd.appspec_revision(cd.build_appspec(arn, "helloapp", 8000))


def deployment(deployment_id="d-NEW", status="InProgress", arn=NEW, **extra):
    info = {
        "deploymentId": deployment_id,
        "applicationName": APP,
        "deploymentGroupName": GROUP,
        "deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce",
        "status": status,
        "createTime": T0,
        "revision": revision(arn),
        "computePlatform": "ECS",
    }
    info.update(extra)
    return info


def ecs_target(events, live="helloapp-tg1", shifting=False):
    sets = [
        {
            "identifer": "ecs-svc/1",
            "status": "PRIMARY",
            "trafficWeight": 0.0 if live == "helloapp-tg2" else 100.0,
            "targetGroup": {"name": "helloapp-tg1"},
            "taskSetLabel": "Blue",
        }
    ]
    if shifting or live == "helloapp-tg2":
        sets.append(
            {
                "identifer": "ecs-svc/2",
                "status": "ACTIVE",
                "trafficWeight": 100.0 if live == "helloapp-tg2" else 0.0,
                "targetGroup": {"name": "helloapp-tg2"},
                "taskSetLabel": "Green",
            }
        )
    return {
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": "d-NEW",
            "targetId": "helloapp:helloapp",
            "targetArn": SERVICE_ARN,
            "status": "InProgress",
            "lifecycleEvents": [
                {"lifecycleEventName": name, "status": status, "startTime": T0} for name, status in events.items()
            ],
            "taskSetsInfo": sets,
        },
    }


def expect_describe(stubs, info, events=None, live="helloapp-tg1", shifting=False):
    """The three calls of cd.describe(): get_deployment, list + batch get of targets."""
    stubs.codedeploy.add_response("get_deployment", {"deploymentInfo": info}, {"deploymentId": info["deploymentId"]})
    if events is None:
        stubs.codedeploy.add_response("list_deployment_targets", {"targetIds": []}, {"deploymentId": ANY})
        return
    stubs.codedeploy.add_response(
        "list_deployment_targets", {"targetIds": ["helloapp:helloapp"]}, {"deploymentId": info["deploymentId"]}
    )
    stubs.codedeploy.add_response(
        "batch_get_deployment_targets",
        {"deploymentTargets": [ecs_target(events, live, shifting)]},
        {"deploymentId": info["deploymentId"], "targetIds": ["helloapp:helloapp"]},
    )


def expect_listener(stubs, live):
    stubs.elbv2.add_response(
        "describe_listeners",
        {
            "Listeners": [
                {
                    "ListenerArn": PROD,
                    "Port": 80,
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": TGARN.format(live)}],
                }
            ]
        },
        {"ListenerArns": [PROD]},
    )


def expect_final(stubs, info, events=None, live="helloapp-tg1", shifting=False):
    expect_describe(stubs, info, events, live, shifting)
    expect_listener(stubs, live)


def expect_taskdef(stubs, arn=NEW, container="helloapp", port=8000):
    stubs.ecs.add_response(
        "describe_task_definition",
        {
            "taskDefinition": {
                "taskDefinitionArn": arn,
                "family": "helloapp",
                "status": "ACTIVE",
                "containerDefinitions": [
                    {"name": container, "image": "repo:v2", "portMappings": [{"containerPort": port}]}
                ],
            }
        },
        {"taskDefinition": ANY},
    )


def expect_service(stubs, primary=OLD):
    stubs.ecs.add_response(
        "describe_services",
        {
            "services": [
                {
                    "serviceName": "helloapp",
                    "serviceArn": SERVICE_ARN,
                    "status": "ACTIVE",
                    "deploymentController": {"type": "CODE_DEPLOY"},
                    "taskSets": [{"id": "ecs-svc/1", "status": "PRIMARY", "taskDefinition": primary}],
                }
            ]
        },
        {"cluster": "helloapp", "services": ["helloapp"]},
    )


def expect_in_flight(stubs, infos=()):
    stubs.codedeploy.add_response(
        "list_deployments",
        {"deployments": [d["deploymentId"] for d in infos]},
        {"applicationName": APP, "deploymentGroupName": GROUP, "includeOnlyStatuses": cd.IN_FLIGHT_STATUSES},
    )
    if infos:
        stubs.codedeploy.add_response(
            "batch_get_deployments",
            {"deploymentsInfo": list(infos)},
            {"deploymentIds": [d["deploymentId"] for d in infos]},
        )


def expect_preamble(stubs, primary=OLD, in_flight=()):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_service(stubs, primary)
    expect_taskdef(stubs)
    expect_in_flight(stubs, in_flight)


def expect_create(stubs, deployment_id="d-NEW", arn=NEW, **extra):
    params = {"applicationName": APP, "deploymentGroupName": GROUP, "revision": revision(arn)}
    params.update(extra)
    stubs.codedeploy.add_response("create_deployment", {"deploymentId": deployment_id}, params)


# --- state=present ---------------------------------------------------------------------------


def test_deploy_success_reports_lifecycle_traffic_and_live_target_group(stubs, run_module, fake_time):
    expect_preamble(stubs)
    expect_create(stubs, description="v2")
    expect_describe(stubs, deployment(status="Created"))
    expect_describe(stubs, deployment(), {"BeforeInstall": "Succeeded", "Install": "InProgress"}, shifting=True)
    done = deployment(status="Succeeded", completeTime=T0)
    expect_describe(stubs, done, EVENTS_ALL_DONE, live="helloapp-tg2")
    expect_final(stubs, done, EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(module.main, dict(ARGS, description="v2"))

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["deployment_id"] == "d-NEW"
    assert result["status"] == "Succeeded"
    assert result["checkpoint_reached"] is True
    assert [e["name"] for e in result["lifecycle_events"]] == list(cd.LIFECYCLE_EVENTS)
    assert result["live_target_group"] == "helloapp-tg2"
    assert result["traffic_weights"] == {"helloapp-tg1": 0.0, "helloapp-tg2": 100.0}
    assert result["live_task_definition_arn"] == OLD
    assert result["appspec"]["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == NEW
    assert fake_time.sleeps == [2.0, 3.0]  # backoff between the three polls


def test_deploy_failure_with_rollback_fails_naming_the_rollback(stubs, run_module, fake_time):
    expect_preamble(stubs)
    expect_create(stubs)
    failed = deployment(
        status="Failed",
        errorInformation={"code": "ECS_UPDATE_ERROR", "message": "The replacement task set never became healthy"},
        rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK", "rollbackMessage": "rolled back"},
    )
    events = {"BeforeInstall": "Succeeded", "Install": "Failed", "AllowTraffic": "Skipped"}
    expect_describe(stubs, failed, events)
    expect_final(stubs, failed, events, live="helloapp-tg1")

    result = run_module(module.main, ARGS)

    assert result["failed"] is True
    assert result["changed"] is True
    assert "never became healthy" in result["msg"] and "d-ROLLBACK" in result["msg"]
    assert result["rollback_deployment_id"] == "d-ROLLBACK"
    assert result["live_target_group"] == "helloapp-tg1"
    assert result["status"] == "Failed"


def test_timeout_without_rollback_fails_and_leaves_the_deployment_running(stubs, run_module, fake_time):
    expect_preamble(stubs)
    expect_create(stubs)
    events = {"BeforeInstall": "Succeeded", "Install": "InProgress"}
    for _ in range(5):  # polls at t=0, 2, 5, 9.5 and 10 (the deadline)
        expect_describe(stubs, deployment(), events)
    expect_final(stubs, deployment(), events)

    result = run_module(module.main, dict(ARGS, wait_timeout=10))

    assert result["failed"] is True
    assert "Timed out after 10 s" in result["msg"] and "goes on" in result["msg"]
    assert result["deployment_id"] == "d-NEW"
    assert result["checkpoint_reached"] is False
    assert sum(fake_time.sleeps) == pytest.approx(10)


def test_timeout_with_rollback_stops_the_deployment(stubs, run_module, fake_time):
    expect_preamble(stubs)
    expect_create(stubs)
    events = {"BeforeInstall": "Succeeded", "Install": "InProgress"}
    expect_describe(stubs, deployment(), events)  # t=0
    expect_describe(stubs, deployment(), events)  # t=2 (deadline 3)
    expect_describe(stubs, deployment(), events)  # t=3
    expect_final(stubs, deployment(), events)
    stubs.codedeploy.add_response(
        "stop_deployment", {"status": "Pending"}, {"deploymentId": "d-NEW", "autoRollbackEnabled": True}
    )
    stopped = deployment(status="Stopped", rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK"})
    expect_describe(stubs, stopped, events)
    expect_final(stubs, stopped, events)

    result = run_module(module.main, dict(ARGS, wait_timeout=3, rollback_on_timeout=True))

    assert result["failed"] is True
    assert "stopped it with rollback" in result["msg"] and "d-ROLLBACK" in result["msg"]
    assert result["rollback_deployment_id"] == "d-ROLLBACK"
    assert result["status"] == "Stopped"


def test_noop_when_the_revision_is_live(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group",
        group_info(lastSuccessfulDeployment={"deploymentId": "d-OLD", "status": "Succeeded"}),
        {"applicationName": APP, "deploymentGroupName": GROUP},
    )
    expect_service(stubs, primary=NEW)
    expect_taskdef(stubs)
    expect_in_flight(stubs)
    expect_final(stubs, deployment("d-OLD", "Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(module.main, ARGS)  # nothing else queued: a create_deployment would fail the test

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is False
    assert result["deployment_id"] == "d-OLD"
    assert "already live" in result["msg"]


def test_attaches_to_an_in_flight_deployment_of_the_same_revision(stubs, run_module, fake_time):
    flying = deployment("d-FLYING", "InProgress")
    expect_preamble(stubs, in_flight=[flying])
    done = deployment("d-FLYING", "Succeeded")
    expect_describe(stubs, done, EVENTS_ALL_DONE, live="helloapp-tg2")
    expect_final(stubs, done, EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(module.main, ARGS)

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is False
    assert result["deployment_id"] == "d-FLYING"


def test_another_deployment_in_flight_fails_clearly_by_default(stubs, run_module):
    expect_preamble(stubs, in_flight=[deployment("d-OTHER", "InProgress", arn=TD.format(9))])

    result = run_module(module.main, ARGS)

    assert result["failed"] is True
    assert "d-OTHER" in result["msg"] and "if_in_progress=wait" in result["msg"]
    assert result["in_progress_deployment_id"] == "d-OTHER"


def test_another_deployment_in_flight_is_waited_for(stubs, run_module, fake_time):
    other = deployment("d-OTHER", "InProgress", arn=TD.format(9))
    expect_preamble(stubs, in_flight=[other])
    expect_describe(stubs, deployment("d-OTHER", "Succeeded", arn=TD.format(9)), EVENTS_ALL_DONE)
    expect_final(stubs, deployment("d-OTHER", "Succeeded", arn=TD.format(9)), EVENTS_ALL_DONE)
    expect_service(stubs, primary=TD.format(9))
    expect_create(stubs)
    expect_describe(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg1")
    expect_final(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg1")

    result = run_module(module.main, dict(ARGS, if_in_progress="wait"))

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["deployment_id"] == "d-NEW"


def test_check_mode_creates_nothing(stubs, run_module):
    expect_preamble(stubs)

    result = run_module(module.main, ARGS, check_mode=True)

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["deployment_id"] is None
    assert result["appspec"]["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"] == NEW


def test_check_mode_on_the_live_revision_is_not_a_change(stubs, run_module):
    expect_preamble(stubs, primary=NEW)

    result = run_module(module.main, ARGS, check_mode=True)

    assert result["changed"] is False


@pytest.mark.parametrize(
    "container, port, words",
    [("web", 8000, ["'web'", "helloapp"]), ("helloapp", 80, ["containerPort 80", "8000"])],
)
def test_container_mismatch_is_rejected_before_any_change(stubs, run_module, container, port, words):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_service(stubs)
    expect_taskdef(stubs)

    result = run_module(module.main, dict(ARGS, container_name=container, container_port=port))

    assert result["failed"] is True
    assert all(word in result["msg"] for word in words), result["msg"]


def test_task_definition_spec_is_gone(stubs, run_module):
    # Dropped: no role used it, and its loose comparison disagreed with ecs_taskdefinition's (register there).
    spec = {"family": "helloapp", "containerDefinitions": [{"name": "helloapp", "image": "repo:v3"}]}
    result = run_module(module.main, dict(ARGS, task_definition_spec=spec))
    assert result["failed"] is True and "task_definition_spec" in result["msg"]


def test_create_refused_by_codedeploy_is_reported(stubs, run_module):
    expect_preamble(stubs)
    stubs.codedeploy.add_client_error(
        "create_deployment",
        service_error_code="DeploymentLimitExceededException",
        service_message="The Deployment Group already has an active Deployment d-RACE",
    )

    result = run_module(module.main, ARGS)

    assert result["failed"] is True
    assert "Another deployment is in progress" in result["msg"]
    assert "d-RACE" in json.dumps(result)


@pytest.mark.parametrize("check_mode", [False, True])
def test_missing_deployment_group(stubs, run_module, check_mode):
    stubs.codedeploy.add_client_error("get_deployment_group", service_error_code="DeploymentGroupDoesNotExistException")
    result = run_module(module.main, ARGS, check_mode=check_mode)
    assert "does not exist" in result["msg"]
    if check_mode:  # an empty account in check mode: the group would have been created by an earlier task
        assert result["failed"] is False and result["changed"] is True
    else:
        assert result["failed"] is True and "codedeploy_deployment_group" in result["msg"]


def test_info_on_a_missing_group_finds_nothing(stubs, run_module):
    stubs.codedeploy.add_client_error("get_deployment_group", service_error_code="ApplicationDoesNotExistException")
    result = run_module(info_module.main, {"application_name": APP, "deployment_group_name": GROUP})
    assert result["failed"] is False and result["found"] is False


# --- wait_until checkpoints, then continue ---------------------------------------------------


READY_EVENTS = {
    "BeforeInstall": "Succeeded",
    "Install": "Succeeded",
    "AfterInstall": "Succeeded",
    "AllowTestTraffic": "Succeeded",
    "AfterAllowTestTraffic": "Succeeded",
    "BeforeAllowTraffic": "Pending",
    "AllowTraffic": "Pending",
}
SHIFTED_EVENTS = dict(
    READY_EVENTS, BeforeAllowTraffic="Succeeded", AllowTraffic="Succeeded", AfterAllowTraffic="Succeeded"
)


def test_ready_wait_then_continue(stubs, run_module, fake_time):
    # 1. deploy, return once the deployment waits in Ready
    expect_preamble(stubs)
    expect_create(stubs)
    expect_describe(stubs, deployment(), {"BeforeInstall": "Succeeded", "Install": "InProgress"}, shifting=True)
    expect_describe(stubs, deployment(status="Ready"), READY_EVENTS, shifting=True)
    expect_final(stubs, deployment(status="Ready"), READY_EVENTS, shifting=True)

    result = run_module(module.main, dict(ARGS, wait_until="ready"))

    assert result["failed"] is False, result["msg"]
    assert result["status"] == "Ready" and result["waiting_for"] == "READY_WAIT"
    assert result["live_target_group"] == "helloapp-tg1"
    stubs.assert_done()

    # 2. continue (wait type detected), wait for success
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment(status="Ready")])
    expect_describe(stubs, deployment(status="Ready"), READY_EVENTS, shifting=True)
    stubs.codedeploy.add_response(
        "continue_deployment", {}, {"deploymentId": "d-NEW", "deploymentWaitType": "READY_WAIT"}
    )
    expect_describe(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")
    expect_final(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(module.main, {"state": "continued", "application_name": APP, "deployment_group_name": GROUP})

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["wait_type"] == "READY_WAIT"
    assert result["status"] == "Succeeded" and result["live_target_group"] == "helloapp-tg2"


def test_termination_wait_then_continue(stubs, run_module, fake_time):
    expect_preamble(stubs)
    expect_create(stubs)
    expect_describe(stubs, deployment(), READY_EVENTS, shifting=True)
    shifted = deployment(instanceTerminationWaitTimeStarted=True)
    expect_describe(stubs, shifted, SHIFTED_EVENTS, live="helloapp-tg2")
    expect_final(stubs, shifted, SHIFTED_EVENTS, live="helloapp-tg2")

    result = run_module(module.main, dict(ARGS, wait_until="traffic_shifted"))

    assert result["failed"] is False, result["msg"]
    assert result["status"] == "InProgress"
    assert result["waiting_for"] == "TERMINATION_WAIT" and result["termination_wait_started"] is True
    assert result["live_target_group"] == "helloapp-tg2"
    stubs.assert_done()

    # by id this time
    expect_describe(stubs, shifted, SHIFTED_EVENTS, live="helloapp-tg2")
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_describe(stubs, shifted, SHIFTED_EVENTS, live="helloapp-tg2")
    stubs.codedeploy.add_response(
        "continue_deployment", {}, {"deploymentId": "d-NEW", "deploymentWaitType": "TERMINATION_WAIT"}
    )
    expect_describe(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")
    expect_final(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(module.main, {"state": "continued", "deployment_id": "d-NEW"})

    assert result["failed"] is False, result["msg"]
    assert result["wait_type"] == "TERMINATION_WAIT"
    assert result["status"] == "Succeeded"


def test_continue_of_a_deployment_that_is_not_waiting_fails(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment()])
    expect_describe(stubs, deployment(), {"BeforeInstall": "InProgress"})

    result = run_module(module.main, {"state": "continued", "application_name": APP, "deployment_group_name": GROUP})

    assert result["failed"] is True
    assert "not waiting" in result["msg"]


def test_continue_in_check_mode_sends_nothing(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment(status="Ready")])
    expect_describe(stubs, deployment(status="Ready"), READY_EVENTS)

    result = run_module(
        module.main, {"state": "continued", "application_name": APP, "deployment_group_name": GROUP}, check_mode=True
    )

    assert result["changed"] is True and result["wait_type"] == "READY_WAIT"


# --- state=stopped ----------------------------------------------------------------------------


def test_stop_with_rollback_returns_the_rollback_deployment(stubs, run_module, fake_time):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment()])
    expect_final(stubs, deployment(), READY_EVENTS, shifting=True)
    stubs.codedeploy.add_response(
        "stop_deployment", {"status": "Pending"}, {"deploymentId": "d-NEW", "autoRollbackEnabled": True}
    )
    expect_describe(stubs, deployment(), READY_EVENTS, shifting=True)  # not stopped yet
    stopped = deployment(status="Stopped", rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK"})
    expect_describe(stubs, stopped, READY_EVENTS)
    expect_final(stubs, stopped, READY_EVENTS)
    rollback = deployment("d-ROLLBACK", "Succeeded", arn=OLD, rollbackInfo={"rollbackTriggeringDeploymentId": "d-NEW"})
    expect_describe(stubs, rollback, EVENTS_ALL_DONE)
    expect_final(stubs, rollback, EVENTS_ALL_DONE)

    result = run_module(module.main, {"state": "stopped", "application_name": APP, "deployment_group_name": GROUP})

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["status"] == "Stopped"
    assert result["rollback_deployment_id"] == "d-ROLLBACK"
    assert result["rollback"]["status"] == "Succeeded"
    assert result["rollback"]["rollback_triggering_deployment_id"] == "d-NEW"
    assert result["live_target_group"] == "helloapp-tg1"


def test_stop_without_rollback_and_without_waiting(stubs, run_module):
    expect_describe(stubs, deployment())
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_final(stubs, deployment())
    stubs.codedeploy.add_response(
        "stop_deployment", {"status": "Pending"}, {"deploymentId": "d-NEW", "autoRollbackEnabled": False}
    )
    expect_final(stubs, deployment(status="Stopped"))

    result = run_module(
        module.main, {"state": "stopped", "deployment_id": "d-NEW", "auto_rollback": False, "wait_timeout": 0}
    )

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True and result["rollback_deployment_id"] is None


def test_stop_of_a_finished_deployment_is_a_noop(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs)

    result = run_module(module.main, {"state": "stopped", "application_name": APP, "deployment_group_name": GROUP})

    assert result["failed"] is False and result["changed"] is False
    assert result["msg"] == "No deployment in flight"


def test_stop_in_check_mode_sends_nothing(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment()])
    expect_final(stubs, deployment(), READY_EVENTS)

    result = run_module(
        module.main, {"state": "stopped", "application_name": APP, "deployment_group_name": GROUP}, check_mode=True
    )

    assert result["changed"] is True and result["status"] == "InProgress"


@pytest.mark.parametrize(
    "args, words",
    [
        ({"state": "present", "application_name": APP, "deployment_group_name": GROUP}, "container_name"),
        (dict(ARGS, task_definition=None), "task_definition"),
        ({"state": "stopped"}, "deployment_id"),
        (dict(ARGS, wait_until="whenever"), "wait_until"),
    ],
)
def test_bad_arguments_fail_before_any_call(stubs, run_module, args, words):
    result = run_module(module.main, args)
    assert result["failed"] is True and words in result["msg"]


# --- codedeploy_deployment_info ---------------------------------------------------------------


def test_info_by_group_reads_the_in_flight_deployment(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs, [deployment()])
    stubs.codedeploy.add_response("get_deployment", {"deploymentInfo": deployment()}, {"deploymentId": "d-NEW"})
    expect_listener(stubs, "helloapp-tg1")
    stubs.codedeploy.add_response(
        "list_deployment_targets", {"targetIds": ["helloapp:helloapp"]}, {"deploymentId": "d-NEW"}
    )
    stubs.codedeploy.add_response(
        "batch_get_deployment_targets",
        {"deploymentTargets": [ecs_target(READY_EVENTS, shifting=True)]},
        {"deploymentId": "d-NEW", "targetIds": ["helloapp:helloapp"]},
    )

    result = run_module(info_module.main, {"application_name": APP, "deployment_group_name": GROUP})

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is False and result["found"] is True and result["in_flight"] is True
    assert result["task_definition_arn"] == NEW
    assert result["progress"].startswith("d-NEW InProgress | BeforeInstall ok")
    assert "live: helloapp-tg1" in result["progress"]


def test_info_by_group_without_deployments(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_in_flight(stubs)

    result = run_module(info_module.main, {"application_name": APP, "deployment_group_name": GROUP})

    assert result["found"] is False and result["deployment_id"] is None and result["finished"] is False


def test_info_by_id_falls_back_on_the_last_attempted(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment", {"deploymentInfo": deployment(status="Succeeded")}, {"deploymentId": "d-NEW"}
    )
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )
    expect_listener(stubs, "helloapp-tg2")
    stubs.codedeploy.add_client_error("list_deployment_targets", service_error_code="DeploymentNotStartedException")

    result = run_module(info_module.main, {"deployment_id": "d-NEW"})

    assert result["found"] is True and result["finished"] is True
    assert result["lifecycle_events"] == [] and result["live_target_group"] == "helloapp-tg2"


def test_appspec_options_reach_create_deployment(stubs, run_module, fake_time):
    expect_preamble(stubs)
    appspec = cd.build_appspec(
        NEW,
        "helloapp",
        8000,
        platform_version="1.4.0",
        network_configuration={"subnets": ["subnet-1"], "security_groups": ["sg-1"], "assign_public_ip": True},
        capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
        hooks={"AfterAllowTestTraffic": "smoke-test", "BeforeInstall": "arn:aws:lambda:ap-northeast-2:1:function:pre"},
    )
    stubs.codedeploy.add_response(
        "create_deployment",
        {"deploymentId": "d-NEW"},
        {
            "applicationName": APP,
            "deploymentGroupName": GROUP,
            "revision": cd.appspec_revision(appspec),
            "deploymentConfigName": "CodeDeployDefault.ECSCanary10Percent5Minutes",
        },
    )
    expect_describe(stubs, deployment(status="Created"))
    expect_final(stubs, deployment(status="Created"))

    args = dict(
        ARGS,
        platform_version="1.4.0",
        network_configuration={"subnets": ["subnet-1"], "security_groups": ["sg-1"], "assign_public_ip": True},
        capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
        hooks={
            "after_allow_test_traffic": "smoke-test",
            "before_install": "arn:aws:lambda:ap-northeast-2:1:function:pre",
        },
        deployment_config_name="CodeDeployDefault.ECSCanary10Percent5Minutes",
        wait_until="created",
    )
    result = run_module(module.main, args)

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True and result["status"] == "Created" and result["checkpoint_reached"] is True
    assert [list(h)[0] for h in result["appspec"]["Hooks"]] == ["BeforeInstall", "AfterAllowTestTraffic"]
    assert fake_time.sleeps == []  # wait_until=created does not poll


# --- codedeploy_deployment_info wait_until: the release followed in Python, the playbooks only print ---------


def expect_info_by_id(stubs, info):
    stubs.codedeploy.add_response("get_deployment", {"deploymentInfo": info}, {"deploymentId": info["deploymentId"]})
    stubs.codedeploy.add_response(
        "get_deployment_group", group_info(), {"applicationName": APP, "deploymentGroupName": GROUP}
    )


def test_info_follows_to_the_checkpoint_and_returns_each_step(stubs, run_module, fake_time):
    expect_info_by_id(stubs, deployment())
    expect_describe(stubs, deployment(), {"BeforeInstall": "Succeeded", "Install": "InProgress"})
    expect_describe(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")
    expect_final(stubs, deployment(status="Succeeded"), EVENTS_ALL_DONE, live="helloapp-tg2")

    result = run_module(info_module.main, {"deployment_id": "d-NEW", "wait_until": "succeeded"})

    assert result["failed"] is False, result["msg"]
    assert result["checkpoint_reached"] is True and result["timed_out"] is False
    assert [step["status"] for step in result["history"]] == ["InProgress", "Succeeded"]
    assert "Install ..." in result["history"][0]["progress"]
    assert result["outcome"] == {
        "ok": True,
        "msg": "Deployment d-NEW reached 'succeeded' (Succeeded); production traffic goes to helloapp-tg2.",
    }
    assert fake_time.sleeps == [2.0]


def test_info_reports_a_failed_release_without_failing(stubs, run_module, fake_time):
    failed = deployment(
        status="Failed",
        errorInformation={"code": "HEALTH_CONSTRAINTS", "message": "never became healthy"},
        rollbackInfo={"rollbackDeploymentId": "d-ROLLBACK"},
    )
    expect_info_by_id(stubs, deployment())
    expect_describe(stubs, failed, {"BeforeInstall": "Succeeded", "Install": "Failed"})
    expect_final(stubs, failed, {"BeforeInstall": "Succeeded", "Install": "Failed"})

    result = run_module(info_module.main, {"deployment_id": "d-NEW", "wait_until": "traffic_shifted"})

    assert result["failed"] is False
    assert result["checkpoint_reached"] is False and result["outcome"]["ok"] is False
    assert result["outcome"]["msg"].startswith("Deployment d-NEW is Failed (never became healthy)")
    assert "rolled back by d-ROLLBACK" in result["outcome"]["msg"]


def test_info_wait_gives_up_at_the_timeout(stubs, run_module, fake_time):
    expect_info_by_id(stubs, deployment())
    for _ in range(3):  # at 0 s, 2 s and 5 s: the last poll lands on the deadline, never past it
        expect_describe(stubs, deployment(), {"BeforeInstall": "Succeeded", "Install": "InProgress"})
    expect_final(stubs, deployment(), {"BeforeInstall": "Succeeded", "Install": "InProgress"})

    result = run_module(info_module.main, {"deployment_id": "d-NEW", "wait_until": "ready", "wait_timeout": 5})

    assert result["timed_out"] is True and result["checkpoint_reached"] is False
    assert len(result["history"]) == 1  # the same line three times is one step
    assert "did not reach 'ready' within 5 s" in result["outcome"]["msg"]
    assert fake_time.sleeps == [2.0, 3.0]


def test_info_without_wait_until_reads_once(stubs, run_module):
    expect_info_by_id(stubs, deployment(status="Succeeded"))
    stubs.codedeploy.add_response("list_deployment_targets", {"targetIds": []}, {"deploymentId": "d-NEW"})
    expect_listener(stubs, "helloapp-tg2")

    result = run_module(info_module.main, {"deployment_id": "d-NEW"})

    assert "history" not in result and "outcome" not in result, result
    assert result["status"] == "Succeeded"
