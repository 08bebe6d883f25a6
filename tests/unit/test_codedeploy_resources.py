"""codedeploy_application, codedeploy_deployment_config and codedeploy_deployment_group against Stubbers."""

from __future__ import annotations

import json

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_application as app_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_config as config_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_group as group_module
from botocore.stub import ANY

ACCOUNT = "123456789012"
APP, GROUP = "AppECS-helloapp-helloapp", "DgpECS-helloapp-helloapp"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ecsCodeDeployRole"
PROD = f"arn:aws:elasticloadbalancing:ap-northeast-2:{ACCOUNT}:listener/app/helloapp-alb/0123456789abcdef/80"
TEST = PROD[:-2] + "8080"
GROUP_ARN = f"arn:aws:codedeploy:ap-northeast-2:{ACCOUNT}:deploymentgroup:{APP}/{GROUP}"
APP_ARN = f"arn:aws:codedeploy:ap-northeast-2:{ACCOUNT}:application:{APP}"


def expect_identity(stubs):
    stubs.sts.add_response(
        "get_caller_identity", {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "UserId": "AIDA"}, {}
    )


# --- codedeploy_application -----------------------------------------------------------------


def test_application_is_created_with_tags(stubs, run_module):
    stubs.codedeploy.add_client_error("get_application", service_error_code="ApplicationDoesNotExistException")
    stubs.codedeploy.add_response(
        "create_application",
        {"applicationId": "a-1"},
        {"applicationName": APP, "computePlatform": "ECS", "tags": [{"Key": "project", "Value": "helloapp"}]},
    )
    stubs.codedeploy.add_response(
        "get_application", {"application": {"applicationName": APP, "applicationId": "a-1", "computePlatform": "ECS"}}
    )

    result = run_module(app_module.main, {"name": APP, "tags": {"project": "helloapp"}}, diff=True)

    assert result["changed"] is True and result["application"]["compute_platform"] == "ECS"
    assert result["diff"]["before"] == {} and result["diff"]["after"]["compute_platform"] == "ECS"


def test_application_noop_and_tag_update(stubs, run_module):
    current = {"application": {"applicationName": APP, "applicationId": "a-1", "computePlatform": "ECS"}}
    stubs.codedeploy.add_response("get_application", current, {"applicationName": APP})
    expect_identity(stubs)
    stubs.codedeploy.add_response(
        "list_tags_for_resource", {"Tags": [{"Key": "project", "Value": "helloapp"}]}, {"ResourceArn": APP_ARN}
    )
    result = run_module(app_module.main, {"name": APP, "tags": {"project": "helloapp"}})
    assert result["changed"] is False
    stubs.assert_done()

    stubs.codedeploy.add_response("get_application", current, {"applicationName": APP})
    expect_identity(stubs)
    stubs.codedeploy.add_response(
        "list_tags_for_resource", {"Tags": [{"Key": "project", "Value": "helloapp"}]}, {"ResourceArn": APP_ARN}
    )
    stubs.codedeploy.add_response("untag_resource", {}, {"ResourceArn": APP_ARN, "TagKeys": ["project"]})
    stubs.codedeploy.add_response(
        "tag_resource", {}, {"ResourceArn": APP_ARN, "Tags": [{"Key": "team", "Value": "web"}]}
    )
    result = run_module(app_module.main, {"name": APP, "tags": {"team": "web"}})
    assert result["changed"] is True and result["tags"] == {"team": "web"}


def test_application_platform_cannot_change(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_application", {"application": {"applicationName": APP, "computePlatform": "Server"}}
    )
    result = run_module(app_module.main, {"name": APP})
    assert result["failed"] is True and "cannot change" in result["msg"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_application_delete(stubs, run_module, check_mode):
    stubs.codedeploy.add_response(
        "get_application", {"application": {"applicationName": APP, "computePlatform": "ECS"}}
    )
    if not check_mode:
        stubs.codedeploy.add_response("delete_application", {}, {"applicationName": APP})
    result = run_module(app_module.main, {"name": APP, "state": "absent"}, check_mode=check_mode)
    assert result["changed"] is True


# --- codedeploy_deployment_config ------------------------------------------------------------

CANARY = {
    "name": "helloapp-canary",
    "traffic_routing": {"type": "TimeBasedCanary", "percentage": 20, "interval_minutes": 5},
}
CANARY_INFO = {
    "deploymentConfigInfo": {
        "deploymentConfigName": "helloapp-canary",
        "deploymentConfigId": "c-1",
        "computePlatform": "ECS",
        "trafficRoutingConfig": {
            "type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 5},
        },
    }
}


def test_config_is_created(stubs, run_module):
    stubs.codedeploy.add_client_error(
        "get_deployment_config", service_error_code="DeploymentConfigDoesNotExistException"
    )
    stubs.codedeploy.add_response(
        "create_deployment_config",
        {"deploymentConfigId": "c-1"},
        {
            "deploymentConfigName": "helloapp-canary",
            "computePlatform": "ECS",
            "trafficRoutingConfig": CANARY_INFO["deploymentConfigInfo"]["trafficRoutingConfig"],
        },
    )
    stubs.codedeploy.add_response("get_deployment_config", CANARY_INFO)

    result = run_module(config_module.main, CANARY)

    assert result["changed"] is True
    assert result["deployment_config"]["traffic_routing_config"]["time_based_canary"]["canary_percentage"] == 20


def test_config_noop_when_identical(stubs, run_module):
    stubs.codedeploy.add_response("get_deployment_config", CANARY_INFO, {"deploymentConfigName": "helloapp-canary"})
    result = run_module(config_module.main, CANARY, diff=True)
    assert result["changed"] is False and result["predefined"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_config_that_differs_fails_because_configs_are_immutable(stubs, run_module):
    stubs.codedeploy.add_response("get_deployment_config", CANARY_INFO)
    args = dict(CANARY, traffic_routing={"type": "TimeBasedLinear", "percentage": 10, "interval_minutes": 1})
    result = run_module(config_module.main, args)
    assert result["failed"] is True and "cannot change" in result["msg"]


@pytest.mark.parametrize("state", ["present", "absent"])
def test_predefined_config_is_never_created_or_deleted(stubs, run_module, state):
    stubs.codedeploy.add_client_error(
        "get_deployment_config", service_error_code="DeploymentConfigDoesNotExistException"
    )
    result = run_module(config_module.main, {"name": "CodeDeployDefault.ECSAllAtOnce", "state": state})
    assert result["failed"] is False and result["changed"] is False and result["predefined"] is True


def test_config_delete_and_check_mode_create(stubs, run_module):
    stubs.codedeploy.add_response("get_deployment_config", CANARY_INFO)
    stubs.codedeploy.add_response("delete_deployment_config", {}, {"deploymentConfigName": "helloapp-canary"})
    assert run_module(config_module.main, {"name": "helloapp-canary", "state": "absent"})["changed"] is True
    stubs.assert_done()

    stubs.codedeploy.add_client_error(
        "get_deployment_config", service_error_code="DeploymentConfigDoesNotExistException"
    )
    result = run_module(config_module.main, CANARY, check_mode=True)  # no create queued
    assert result["changed"] is True


def test_config_needs_percentage_for_canary(stubs, run_module):
    # Refused before any AWS call: no response is queued, so a call would fail the test.
    result = run_module(config_module.main, {"name": "x", "traffic_routing": {"type": "TimeBasedCanary"}})
    assert result["failed"] is True and "percentage" in result["msg"]


# --- codedeploy_deployment_group -------------------------------------------------------------

GROUP_ARGS = {
    "application_name": APP,
    "name": GROUP,
    "service_role": "ecsCodeDeployRole",
    "ecs_cluster": "helloapp",
    "ecs_service": "helloapp",
    "target_group_names": ["helloapp-tg1", "helloapp-tg2"],
    "prod_listener_arns": [PROD],
    "test_listener_arns": [TEST],
    "termination_wait_minutes": 5,
}


def wanted_request(**overrides):
    params = {
        "service_role_arn": ROLE_ARN,
        "deployment_config_name": "CodeDeployDefault.ECSAllAtOnce",
        "deployment_ready_action": "CONTINUE_DEPLOYMENT",
        "deployment_ready_wait_minutes": 0,
        "auto_rollback_events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
        "alarms": [],
        "alarm_ignore_poll_failure": False,
    }
    params.update(GROUP_ARGS)
    params.update(overrides)
    return cd.deployment_group_request(params)


def aws_group(request):
    """GetDeploymentGroup after a create with ``request``: AWS adds fields and fills defaults."""
    info = json.loads(json.dumps(request))
    info.update(applicationName=APP, deploymentGroupName=GROUP, deploymentGroupId="dg-1", computePlatform="ECS")
    info["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]["waitTimeInMinutes"] = 0
    info["autoRollbackConfiguration"]["events"].reverse()
    info["triggerConfigurations"] = []
    info["outdatedInstancesStrategy"] = "UPDATE"
    return {"deploymentGroupInfo": info}


def expect_get_group(stubs, response=None):
    if response is None:
        stubs.codedeploy.add_client_error(
            "get_deployment_group", service_error_code="DeploymentGroupDoesNotExistException"
        )
    else:
        stubs.codedeploy.add_response(
            "get_deployment_group", response, {"applicationName": APP, "deploymentGroupName": GROUP}
        )


def test_group_is_created(stubs, run_module):
    expect_get_group(stubs)
    expect_identity(stubs)
    request = wanted_request()
    stubs.codedeploy.add_response(
        "create_deployment_group",
        {"deploymentGroupId": "dg-1"},
        dict(request, applicationName=APP, deploymentGroupName=GROUP, tags=[{"Key": "project", "Value": "helloapp"}]),
    )
    expect_get_group(stubs, aws_group(request))

    result = run_module(group_module.main, dict(GROUP_ARGS, tags={"project": "helloapp"}), diff=True)

    assert result["failed"] is False, result["msg"]
    assert result["changed"] is True
    assert result["deployment_group"]["deployment_group_name"] == GROUP
    assert result["diff"]["before"] == {}
    assert result["settings"]["termination_wait_minutes"] == 5


def test_group_noop_when_settings_match(stubs, run_module):
    expect_get_group(stubs, aws_group(wanted_request()))
    expect_identity(stubs)
    result = run_module(group_module.main, GROUP_ARGS)  # nothing else queued: an update would fail the test
    assert result["failed"] is False, result["msg"]
    assert result["changed"] is False


def test_group_update_only_when_different_with_diff(stubs, run_module):
    expect_get_group(stubs, aws_group(wanted_request()))
    expect_identity(stubs)
    changed = wanted_request(termination_wait_minutes=60, deployment_ready_action="STOP_DEPLOYMENT")
    stubs.codedeploy.add_response(
        "update_deployment_group", {}, dict(changed, applicationName=APP, currentDeploymentGroupName=GROUP)
    )
    expect_get_group(stubs, aws_group(changed))

    args = dict(GROUP_ARGS, termination_wait_minutes=60, deployment_ready_action="STOP_DEPLOYMENT")
    result = run_module(group_module.main, args, diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["termination_wait_minutes"] == 5
    assert result["diff"]["after"]["termination_wait_minutes"] == 60
    assert result["diff"]["after"]["deployment_ready_action"] == "STOP_DEPLOYMENT"


def test_group_update_in_check_mode_sends_nothing(stubs, run_module):
    expect_get_group(stubs, aws_group(wanted_request()))
    expect_identity(stubs)
    result = run_module(group_module.main, dict(GROUP_ARGS, alarms=["helloapp-5xx"]), check_mode=True)
    assert result["changed"] is True


def test_group_tags_are_synchronised(stubs, run_module):
    expect_get_group(stubs, aws_group(wanted_request()))
    expect_identity(stubs)
    expect_identity(stubs)
    stubs.codedeploy.add_response("list_tags_for_resource", {"Tags": []}, {"ResourceArn": GROUP_ARN})
    stubs.codedeploy.add_response("tag_resource", {}, {"ResourceArn": GROUP_ARN, "Tags": ANY})
    expect_get_group(stubs, aws_group(wanted_request()))
    result = run_module(group_module.main, dict(GROUP_ARGS, tags={"project": "helloapp"}))
    assert result["changed"] is True and result["tags"] == {"project": "helloapp"}


@pytest.mark.parametrize("exists", [True, False])
def test_group_delete(stubs, run_module, exists):
    expect_get_group(stubs, aws_group(wanted_request()) if exists else None)
    if exists:
        stubs.codedeploy.add_response(
            "delete_deployment_group", {"hooksNotCleanedUp": []}, {"applicationName": APP, "deploymentGroupName": GROUP}
        )
    result = run_module(group_module.main, {"application_name": APP, "name": GROUP, "state": "absent"})
    assert result["changed"] is exists


def test_group_needs_two_target_groups(stubs, run_module):
    # Refused before any AWS call (nothing queued).
    result = run_module(group_module.main, dict(GROUP_ARGS, target_group_names=["helloapp-tg1"]))
    assert result["failed"] is True and "exactly two" in result["msg"]
