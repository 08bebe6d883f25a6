"""The helpers codedeploy_application, codedeploy_deployment_config and codedeploy_deployment_group share
through module_utils/codedeploy.py (one decorated function per AWS call), against Stubbers."""

from __future__ import annotations

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_application as app_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_config as config_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codedeploy_deployment_group as group_module

APP, GROUP, CONFIG = "AppECS-helloapp-helloapp", "DgpECS-helloapp-helloapp", "helloapp-canary"


@pytest.fixture
def client(stubs):
    return RetryingBotoClientWrapper(stubs.calls("codedeploy"), AWSRetry.jittered_backoff())


@pytest.mark.parametrize(
    ("reader", "args", "operation", "params", "missing", "answer", "key"),
    [
        (
            cd.get_application,
            (APP,),
            "get_application",
            {"applicationName": APP},
            "ApplicationDoesNotExistException",
            {"applicationName": APP, "computePlatform": "ECS"},
            "application",
        ),
        (
            cd.get_deployment_config,
            (CONFIG,),
            "get_deployment_config",
            {"deploymentConfigName": CONFIG},
            "DeploymentConfigDoesNotExistException",
            {"deploymentConfigName": CONFIG, "computePlatform": "ECS"},
            "deploymentConfigInfo",
        ),
        (
            cd.get_deployment_group,
            (APP, GROUP),
            "get_deployment_group",
            {"applicationName": APP, "deploymentGroupName": GROUP},
            "DeploymentGroupDoesNotExistException",
            {"applicationName": APP, "deploymentGroupName": GROUP},
            "deploymentGroupInfo",
        ),
        (
            cd.get_deployment_group,
            (APP, GROUP),
            "get_deployment_group",
            {"applicationName": APP, "deploymentGroupName": GROUP},
            "ApplicationDoesNotExistException",
            {"applicationName": APP, "deploymentGroupName": GROUP},
            "deploymentGroupInfo",
        ),
    ],
)
def test_readers_answer_none_when_missing(stubs, client, reader, args, operation, params, missing, answer, key):
    stubs.codedeploy.add_response(operation, {key: answer}, params)
    assert reader(client, *args) == answer
    stubs.codedeploy.add_client_error(operation, service_error_code=missing, expected_params=params)
    assert reader(client, *args) is None


def test_readers_raise_other_errors_naming_the_call(stubs, client):
    stubs.codedeploy.add_client_error("get_application", service_error_code="AccessDeniedException")
    with pytest.raises(AnsibleAWSError, match=f"^Failed to get CodeDeploy application {APP}: .*AccessDenied") as info:
        cd.get_application(client, APP)
    assert info.value.exception.response["Error"]["Code"] == "AccessDeniedException"


@pytest.mark.parametrize(
    ("main", "args", "operation", "msg"),
    [
        (app_module.main, {"name": APP}, "get_application", f"Failed to get CodeDeploy application {APP}: "),
        (
            config_module.main,
            {"name": CONFIG, "traffic_routing": {"type": "AllAtOnce"}},
            "get_deployment_config",
            f"Failed to get deployment configuration {CONFIG}: ",
        ),
        (
            group_module.main,
            {
                "application_name": APP,
                "name": GROUP,
                "service_role": "arn:aws:iam::123456789012:role/ecsCodeDeployRole",
                "ecs_cluster": "helloapp",
                "ecs_service": "helloapp",
                "target_group_names": ["helloapp-tg1", "helloapp-tg2"],
                "prod_listener_arns": ["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/x/1/80"],
            },
            "get_deployment_group",
            f"Failed to get deployment group {GROUP} of application {APP}: ",
        ),
    ],
)
def test_main_turns_aws_errors_into_a_message_naming_the_call(stubs, run_module, main, args, operation, msg):
    stubs.codedeploy.add_client_error(operation, service_error_code="AccessDeniedException", service_message="no")
    result = run_module(main, args)
    assert result["failed"] is True and result["msg"].startswith(msg)
    assert result["error"]["code"] == "AccessDeniedException"


def test_config_in_use_is_reported_as_such(stubs, run_module):
    stubs.codedeploy.add_response(
        "get_deployment_config", {"deploymentConfigInfo": {"deploymentConfigName": CONFIG, "computePlatform": "ECS"}}
    )
    stubs.codedeploy.add_client_error("delete_deployment_config", service_error_code="DeploymentConfigInUseException")
    result = run_module(config_module.main, {"name": CONFIG, "state": "absent"})
    assert result["failed"] is True
    assert result["msg"].startswith(f"Deployment configuration {CONFIG} is used by a deployment group")
