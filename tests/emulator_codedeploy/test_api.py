"""CodeDeploy API surface on the emulator: applications, groups, configs, revisions, targets, tags, reset."""

from __future__ import annotations

import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from .conftest import APP, GROUP, TIMINGS, UNTIL_ALLOW_TRAFFIC, appspec, client, group_kwargs

ECS_CONFIGS = {
    "CodeDeployDefault.ECSAllAtOnce": {"type": "AllAtOnce"},
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1},
    },
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 3},
    },
    "CodeDeployDefault.ECSCanary10Percent5Minutes": {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5},
    },
    "CodeDeployDefault.ECSCanary10Percent15Minutes": {
        "type": "TimeBasedCanary",
        "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 15},
    },
}


def code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def revision(content: str, sha: str | None = None) -> dict:
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": content, "sha256": sha or hashlib.sha256(content.encode()).hexdigest()},
    }


def test_applications(stack):
    cd = stack.codedeploy
    app = cd.get_application(applicationName=APP)["application"]
    assert app["computePlatform"] == "ECS" and app["applicationName"] == APP and app["applicationId"]
    with pytest.raises(ClientError) as excinfo:
        cd.create_application(applicationName=APP, computePlatform="ECS")
    assert code(excinfo) == "ApplicationAlreadyExistsException"
    with pytest.raises(ClientError) as excinfo:
        cd.get_application(applicationName="nope")
    assert code(excinfo) == "ApplicationDoesNotExistException"
    cd.create_application(applicationName="other", computePlatform="ECS", tags=[{"Key": "team", "Value": "a"}])
    assert cd.list_applications()["applications"] == [APP, "other"]
    infos = cd.batch_get_applications(applicationNames=[APP, "other"])["applicationsInfo"]
    assert [a["applicationName"] for a in infos] == [APP, "other"]
    cd.delete_application(applicationName="other")
    cd.delete_application(applicationName="other")  # deleting what is gone is not an error
    assert cd.list_applications()["applications"] == [APP]


def test_a_rejected_create_application_creates_nothing(stack):
    cd = stack.codedeploy
    with pytest.raises(ClientError) as excinfo:
        cd.create_application(applicationName="tagless", computePlatform="ECS", tags=[{"Value": "no key"}])
    assert code(excinfo) == "InvalidTagsToAddException"
    assert cd.list_applications()["applications"] == [APP]
    cd.create_application(applicationName="tagless", computePlatform="ECS")  # the name was never taken


def test_deployment_configs(stack, make_group):
    cd = stack.codedeploy
    names = cd.list_deployment_configs()["deploymentConfigsList"]
    assert set(ECS_CONFIGS) <= set(names)
    for name, routing in ECS_CONFIGS.items():
        info = cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]
        assert info["computePlatform"] == "ECS" and info["trafficRoutingConfig"] == routing
    canary = {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 1}}
    cd.create_deployment_config(deploymentConfigName="Canary20", computePlatform="ECS", trafficRoutingConfig=canary)
    assert cd.get_deployment_config(deploymentConfigName="Canary20")["deploymentConfigInfo"][
        "trafficRoutingConfig"
    ] == (canary)
    with pytest.raises(ClientError) as excinfo:
        cd.create_deployment_config(deploymentConfigName="Canary20", computePlatform="ECS", trafficRoutingConfig=canary)
    assert code(excinfo) == "DeploymentConfigAlreadyExistsException"
    with pytest.raises(ClientError) as excinfo:
        cd.create_deployment_config(
            deploymentConfigName="Bad",
            computePlatform="ECS",
            trafficRoutingConfig={"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 0}},
        )
    assert code(excinfo) == "InvalidTrafficRoutingConfigurationException"
    with pytest.raises(ClientError) as excinfo:
        cd.delete_deployment_config(deploymentConfigName="CodeDeployDefault.ECSAllAtOnce")
    assert code(excinfo) == "InvalidOperationException"
    with pytest.raises(ClientError) as excinfo:
        cd.get_deployment_config(deploymentConfigName="Missing")
    assert code(excinfo) == "DeploymentConfigDoesNotExistException"

    make_group(deploymentConfigName="Canary20")
    with pytest.raises(ClientError) as excinfo:
        cd.delete_deployment_config(deploymentConfigName="Canary20")
    assert code(excinfo) == "DeploymentConfigInUseException"
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 1)
    assert stack.forward(stack.prod_listener) == {"tg1": 80, "tg2": 20}
    stack.advance(60)
    assert stack.forward(stack.prod_listener) == {"tg2": 100}
    assert stack.deployment(dep_id)["deploymentConfigName"] == "Canary20"


def test_deployment_group_lifecycle(stack, make_group):
    cd = stack.codedeploy
    info = make_group()
    # what `aws ecs deploy` reads from it
    bg = info["blueGreenDeploymentConfiguration"]
    assert bg["deploymentReadyOption"] == {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 0}
    assert bg["terminateBlueInstancesOnDeploymentSuccess"] == {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0}
    assert info["computePlatform"] == "ECS"
    assert info["ecsServices"] == [{"serviceName": "hello", "clusterName": "hello"}]
    assert info["deploymentStyle"] == {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert "lastAttemptedDeployment" not in info
    with pytest.raises(ClientError) as excinfo:
        cd.create_deployment_group(**group_kwargs(stack))
    assert code(excinfo) == "DeploymentGroupAlreadyExistsException"
    with pytest.raises(ClientError) as excinfo:
        cd.create_deployment_group(**group_kwargs(stack, deploymentGroupName="second"))
    assert code(excinfo) == "ECSServiceMappingLimitExceededException"

    cd.update_deployment_group(
        applicationName=APP,
        currentDeploymentGroupName=GROUP,
        newDeploymentGroupName="renamed",
        deploymentConfigName="CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 10},
        },
    )
    assert cd.list_deployment_groups(applicationName=APP)["deploymentGroups"] == ["renamed"]
    updated = cd.get_deployment_group(applicationName=APP, deploymentGroupName="renamed")["deploymentGroupInfo"]
    assert updated["deploymentGroupId"] == info["deploymentGroupId"]
    assert updated["deploymentConfigName"] == "CodeDeployDefault.ECSLinear10PercentEvery3Minutes"
    assert updated["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]["waitTimeInMinutes"] == 10
    assert updated["loadBalancerInfo"] == info["loadBalancerInfo"]
    batch = cd.batch_get_deployment_groups(applicationName=APP, deploymentGroupNames=["renamed", "missing"])
    assert [g["deploymentGroupName"] for g in batch["deploymentGroupsInfo"]] == ["renamed"]
    assert "missing" in batch["errorMessage"]
    assert cd.delete_deployment_group(applicationName=APP, deploymentGroupName="renamed")["hooksNotCleanedUp"] == []
    with pytest.raises(ClientError) as excinfo:
        cd.get_deployment_group(applicationName=APP, deploymentGroupName="renamed")
    assert code(excinfo) == "DeploymentGroupDoesNotExistException"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"serviceRoleArn": ""}, "RoleRequiredException"),
        (
            {"deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}},
            "InvalidDeploymentStyleException",
        ),
        ({"ecsServices": [{"serviceName": "ghost", "clusterName": "hello"}]}, "InvalidECSServiceException"),
        ({"deploymentConfigName": "NoSuchConfig"}, "DeploymentConfigDoesNotExistException"),
        (
            {"autoRollbackConfiguration": {"enabled": True, "events": ["SOMETIMES"]}},
            "InvalidAutoRollbackConfigException",
        ),
        (
            {
                "blueGreenDeploymentConfiguration": {
                    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT", "waitTimeInMinutes": 5}
                }
            },
            "InvalidBlueGreenDeploymentConfigurationException",
        ),
        # BlueInstanceTerminationOption: "The maximum setting is 2880 minutes (2 days)." (API reference)
        (
            {
                "blueGreenDeploymentConfiguration": {
                    "terminateBlueInstancesOnDeploymentSuccess": {
                        "action": "TERMINATE",
                        "terminationWaitTimeInMinutes": 2881,
                    },
                    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
                }
            },
            "InvalidBlueGreenDeploymentConfigurationException",
        ),
        # Names: 1-100 characters of [A-Za-z0-9+=,.@_-] (CreateDeploymentGroup, awsemu/rules/codedeploy.py).
        ({"deploymentGroupName": "g" * 101}, "InvalidDeploymentGroupNameException"),
        ({"deploymentGroupName": "blue green"}, "InvalidDeploymentGroupNameException"),
        ({"deploymentConfigName": "CodeDeployDefault/ECS"}, "InvalidDeploymentConfigNameException"),
        ({"applicationName": "App ECS"}, "InvalidApplicationNameException"),
    ],
)
def test_deployment_group_validation(stack, overrides, error):
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.create_deployment_group(**group_kwargs(stack, **overrides))
    assert code(excinfo) == error


def test_termination_wait_of_two_days_is_allowed(make_group):
    wait = {"action": "TERMINATE", "terminationWaitTimeInMinutes": 2880}
    info = make_group(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": wait,
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
        }
    )
    assert info["blueGreenDeploymentConfiguration"]["terminateBlueInstancesOnDeploymentSuccess"] == wait


def test_deployment_group_needs_existing_target_groups_and_a_code_deploy_service(stack):
    kwargs = group_kwargs(stack)
    kwargs["loadBalancerInfo"]["targetGroupPairInfoList"][0]["targetGroups"][1]["name"] = "tg-missing"
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.create_deployment_group(**kwargs)
    assert code(excinfo) == "InvalidTargetGroupPairException"
    stack.ecs.create_service(
        cluster="hello", serviceName="rolling", taskDefinition=stack.task_definition, desiredCount=1
    )
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.create_deployment_group(
            **group_kwargs(stack, ecsServices=[{"serviceName": "rolling", "clusterName": "hello"}])
        )
    assert code(excinfo) == "InvalidECSServiceException"


def test_create_deployment_validation(stack, make_group):
    make_group()
    cd = stack.codedeploy
    content = appspec(stack.register())
    cases = [
        ({"deploymentGroupName": "missing", "revision": revision(content)}, "DeploymentGroupDoesNotExistException"),
        ({"revision": revision(content, sha="0" * 64)}, "InvalidRevisionException"),
        ({"revision": revision("version: 0.0\nResources: []\n")}, "InvalidRevisionException"),
        ({"revision": {"revisionType": "String", "string": {"content": content}}}, "InvalidRevisionException"),
        ({"revision": revision(content), "deploymentConfigName": "Nope"}, "DeploymentConfigDoesNotExistException"),
    ]
    for kwargs, error in cases:
        params = {"applicationName": APP, "deploymentGroupName": GROUP, **kwargs}
        with pytest.raises(ClientError) as excinfo:
            cd.create_deployment(**params)
        assert code(excinfo) == error, kwargs
    with pytest.raises(ClientError) as excinfo:
        cd.create_deployment(applicationName="ghost", deploymentGroupName=GROUP, revision=revision(content))
    assert code(excinfo) == "ApplicationDoesNotExistException"
    with pytest.raises(ClientError) as excinfo:
        cd.get_deployment(deploymentId="not-an-id")
    assert code(excinfo) == "InvalidDeploymentIdException"
    with pytest.raises(ClientError) as excinfo:
        cd.get_deployment(deploymentId="d-ABCDEFGHI")
    assert code(excinfo) == "DeploymentDoesNotExistException"


def test_wrong_container_name_fails_at_install_and_rolls_back(stack, make_group):
    make_group()
    content = appspec(stack.register()).replace('"ContainerName": "web"', '"ContainerName": "app"')
    dep_id = stack.codedeploy.create_deployment(
        applicationName=APP, deploymentGroupName=GROUP, revision=revision(content)
    )["deploymentId"]
    stack.advance(30)
    info = stack.deployment(dep_id)
    assert info["status"] == "Failed" and info["errorInformation"]["code"] == "ECS_UPDATE_ERROR"
    assert "app" in info["errorInformation"]["message"]
    assert stack.events(dep_id)["Install"] == "Failed"
    assert stack.forward(stack.prod_listener) == {"tg1": 100}


def test_s3_revision_and_lambda_hooks(stack, make_group):
    make_group()
    s3 = client(stack.aws, "s3")
    s3.create_bucket(Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    hooks = [{"BeforeAllowTraffic": "arn:aws:lambda:ap-northeast-2:123456789012:function:smoke"}]
    s3.put_object(Bucket="artifacts", Key="appspec.json", Body=appspec(stack.register(), hooks).encode())
    dep_id = stack.codedeploy.create_deployment(
        applicationName=APP,
        deploymentGroupName=GROUP,
        revision={
            "revisionType": "S3",
            "s3Location": {"bucket": "artifacts", "key": "appspec.json", "bundleType": "JSON"},
        },
    )["deploymentId"]
    stack.advance(UNTIL_ALLOW_TRAFFIC + TIMINGS["hook"] - TIMINGS["event"] + 60)
    assert stack.deployment(dep_id)["status"] == "Succeeded"
    event = next(e for e in stack.target(dep_id)["lifecycleEvents"] if e["lifecycleEventName"] == "BeforeAllowTraffic")
    assert (event["endTime"] - event["startTime"]).total_seconds() == TIMINGS["hook"]
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.create_deployment(
            applicationName=APP,
            deploymentGroupName=GROUP,
            revision={"revisionType": "S3", "s3Location": {"bucket": "artifacts", "key": "missing.yaml"}},
        )
    assert code(excinfo) == "RevisionDoesNotExistException"


def test_tags(stack, make_group):
    make_group()
    cd = stack.codedeploy
    app_arn = f"arn:aws:codedeploy:ap-northeast-2:123456789012:application:{APP}"
    group_arn = f"arn:aws:codedeploy:ap-northeast-2:123456789012:deploymentgroup:{APP}/{GROUP}"
    for arn in (app_arn, group_arn):
        cd.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}])
        cd.untag_resource(ResourceArn=arn, TagKeys=["team"])
        assert cd.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]
    with pytest.raises(ClientError) as excinfo:
        cd.tag_resource(ResourceArn=app_arn.replace(APP, "ghost"), Tags=[{"Key": "k", "Value": "v"}])
    assert code(excinfo) == "ApplicationDoesNotExistException"
    with pytest.raises(ClientError) as excinfo:
        cd.list_tags_for_resource(ResourceArn="arn:aws:s3:::bucket")
    assert code(excinfo) == "InvalidArnException"


def test_code_deploy_service_starts_with_a_primary_task_set(stack):
    service = stack.described_service()
    assert service["deployments"] == []
    [task_set] = service["taskSets"]
    assert task_set["status"] == "PRIMARY" and task_set["taskDefinition"] == stack.task_definition
    assert task_set["loadBalancers"][0]["targetGroupArn"] == stack.tg1
    # its tasks are started like any others: pending first, running one taskStartSeconds (10 s) later
    assert (task_set["computedDesiredCount"], task_set["runningCount"], task_set["pendingCount"]) == (2, 0, 2)
    assert task_set["stabilityStatus"] == "STABILIZING"
    stack.advance(10)
    service = stack.described_service()
    [task_set] = service["taskSets"]
    assert (task_set["runningCount"], task_set["pendingCount"], service["runningCount"]) == (2, 0, 2)
    tasks = stack.ecs.list_tasks(cluster="hello", serviceName="hello")["taskArns"]
    described = stack.ecs.describe_tasks(cluster="hello", tasks=tasks)["tasks"]
    assert {t["startedBy"] for t in described} == {task_set["id"]}
    assert {t["group"] for t in described} == {"service:hello"}
    # tg1 is forwarded to: the targets pass their first check one interval (30 s) after registration
    stack.advance(30)
    assert stack.described_service()["taskSets"][0]["stabilityStatus"] == "STEADY_STATE"


def test_reset_clears_applications_deployments_faults_and_timings(stack, make_group):
    make_group()
    stack.aws.admin("codedeploy-faults", "POST", {"fault": "unhealthy", "count": -1})
    stack.deploy()
    assert stack.aws.admin("codedeploy")["deployments"]
    stack.aws.reset()
    cd = client(stack.aws, "codedeploy")
    assert cd.list_applications()["applications"] == []
    assert cd.list_deployments()["deployments"] == []
    state = stack.aws.admin("codedeploy")
    assert state["deployments"] == [] and state["faults"] == []
    assert state["timings"]["install"] != TIMINGS["install"]  # back to the defaults
    assert json.loads(json.dumps(state["timings"]))["created"] > 0


def test_update_service_of_a_code_deploy_service(stack):
    v2 = stack.register("helloapp:v2")
    with pytest.raises(ClientError) as excinfo:
        stack.ecs.update_service(cluster="hello", service="hello", taskDefinition=v2)
    assert code(excinfo) == "InvalidParameterException"
    assert "CODE_DEPLOY" in excinfo.value.response["Error"]["Message"]
    assert stack.described_service()["taskDefinition"] == stack.task_definition
    # the same task definition, or none, with a new desired count is fine and resizes the task set
    service = stack.ecs.update_service(
        cluster="hello", service="hello", taskDefinition=stack.task_definition, desiredCount=3
    )["service"]
    assert service["desiredCount"] == 3 and service["taskSets"][0]["computedDesiredCount"] == 3
    assert (service["runningCount"], service["pendingCount"]) == (0, 3)  # the clock stands still
    stack.advance(10)
    assert stack.described_service()["runningCount"] == 3


def test_list_actions_page_with_next_token(stack):
    cd = stack.codedeploy
    for n in range(5):
        cd.create_application(applicationName=f"app-{n}", computePlatform="ECS")
    stack.aws.admin("settings", "POST", {"page_size": {"codedeploy.ListApplications": 2}})
    first = cd.list_applications()
    assert len(first["applications"]) == 2 and first["nextToken"]
    names = [n for page in cd.get_paginator("list_applications").paginate() for n in page["applications"]]
    assert names == sorted([APP] + [f"app-{n}" for n in range(5)])
    with pytest.raises(ClientError) as excinfo:
        cd.list_applications(nextToken="garbage")
    assert code(excinfo) == "InvalidNextTokenException"


def test_stop_before_start_and_bad_wait_type(stack, make_group):
    make_group()
    dep_id = stack.deploy()
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="COFFEE_BREAK")
    assert code(excinfo) in ("InvalidDeploymentWaitTypeException", "ValidationException")
    stack.codedeploy.stop_deployment(deploymentId=dep_id, autoRollbackEnabled=True)
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped" and "rollbackInfo" not in info  # nothing had changed yet
    assert stack.codedeploy.list_deployments()["deployments"] == [dep_id]
