"""Holding, stopping and rolling back native deployments: PAUSE and Lambda hooks, StopServiceDeployment, alarms,
the circuit breaker; and moving a CODE_DEPLOY service to the ECS controller in place."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from tests.support import put_elb_alarm

CANARY = {"bakeTimeInMinutes": 0, "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 10}}


def _ship_v2(env, strategy="BLUE_GREEN", config=None, image="app:2"):
    """A service whose first deployment completed on tg1, then v2 with ``config`` (hooks, alarms...)."""
    env.service(strategy, config={k: v for k, v in (config or {}).items() if k.endswith("Configuration")})
    env.advance(600)
    assert env.latest()["status"] == "SUCCESSFUL" and env.production() == "tg1"
    env.ecs.update_service(
        cluster=env.cluster,
        service="s",
        taskDefinition=env.task_definition(image),
        deploymentConfiguration={"strategy": strategy, **(config or {})},
    )
    return env.latest()


def _rolled_back(env, v1_definition):
    dep = env.latest()
    assert dep["status"] == "ROLLBACK_SUCCESSFUL", dep
    assert dep["rollback"]["serviceRevisionArn"] == dep["sourceServiceRevisions"][0]["arn"]
    assert env.production() == "tg1" and env.weights(env.test_rule) == {"tg1": 100}
    service = env.describe()
    assert service["taskDefinition"] == v1_definition
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"] and service["runningCount"] == 2
    assert env.elbv2.describe_target_health(TargetGroupArn=env.tg2)["TargetHealthDescriptions"] == []
    return dep


def _until(env, predicate, step=10, limit=900):
    waited = 0
    while not predicate():
        assert waited < limit, env.latest()
        env.advance(step)
        waited += step


def test_canary_stopped_half_way_rolls_back_to_the_original_target_group(env):
    _ship_v2(env, "CANARY", CANARY)
    v1 = env.latest()["sourceServiceRevisions"][0]["arn"]
    v1_definition = env.ecs.describe_service_revisions(serviceRevisionArns=[v1])["serviceRevisions"][0][
        "taskDefinition"
    ]
    _until(env, lambda: env.production() == "split")
    assert env.weights() == {"tg1": 900, "tg2": 100}
    dep = env.latest()
    assert dep["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"
    assert dep["targetServiceRevision"]["requestedProductionTrafficWeight"] == 10.0
    assert len(env.describe()["currentServiceRevisions"]) == 2
    env.ecs.stop_service_deployment(serviceDeploymentArn=dep["serviceDeploymentArn"], stopType="ROLLBACK")
    assert env.latest()["status"] in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
    env.advance(120)
    _rolled_back(env, v1_definition)
    # A finished deployment cannot be stopped again.
    with pytest.raises(ClientError) as err:
        env.ecs.stop_service_deployment(serviceDeploymentArn=dep["serviceDeploymentArn"])
    assert err.value.response["Error"]["Code"] == "ConflictException"


def test_abort_leaves_traffic_where_it_is_and_the_next_deployment_reconciles(env):
    _ship_v2(env, "CANARY", CANARY)
    _until(env, lambda: env.production() == "split")
    dep = env.latest()
    env.ecs.stop_service_deployment(serviceDeploymentArn=dep["serviceDeploymentArn"], stopType="ABORT")
    assert env.latest()["status"] == "STOP_REQUESTED"
    env.advance(60)
    assert env.latest()["status"] == "STOPPED" and env.weights() == {"tg1": 900, "tg2": 100}
    assert len(env.describe()["currentServiceRevisions"]) == 2
    env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=env.task_definition("app:3"))
    env.advance(3600)
    dep = env.latest()
    assert dep["status"] == "SUCCESSFUL" and len(dep["sourceServiceRevisions"]) == 1
    stages = [
        e["lifecycleStage"]
        for e in env.aws.admin("ecs_native", "POST", {"deployment": dep["serviceDeploymentArn"]})["history"]
        if e["event"] == "stage"
    ]
    assert stages[0] == "RECONCILE_SERVICE"
    assert env.production() == "tg2" and len(env.describe()["currentServiceRevisions"]) == 1


def test_deleting_the_service_mid_release_stops_the_deployment_and_both_revisions(env):
    _ship_v2(env, "CANARY", CANARY)
    _until(env, lambda: env.production() == "split")
    dep = env.latest()
    answer = env.ecs.delete_service(cluster=env.cluster, service="s", force=True)["service"]
    assert (answer["desiredCount"], answer["runningCount"], answer["pendingCount"]) == (0, 0, 0)
    [stopped] = env.ecs.describe_service_deployments(serviceDeploymentArns=[dep["serviceDeploymentArn"]])[
        "serviceDeployments"
    ]
    assert (stopped["status"], stopped["statusReason"]) == ("STOPPED", "The service was deleted.")
    assert "stoppedAt" in stopped and "finishedAt" in stopped
    env.advance(60)
    assert env.ecs.list_tasks(cluster=env.cluster, desiredStatus="RUNNING")["taskArns"] == []


PAUSE = [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]


@pytest.mark.parametrize(
    ("answer", "timeout", "ends"),
    [
        ("CONTINUE", None, "SUCCESSFUL"),
        ("ROLLBACK", None, "ROLLBACK_SUCCESSFUL"),
        (None, {"timeoutInMinutes": 5, "action": "CONTINUE"}, "SUCCESSFUL"),
        (None, {"timeoutInMinutes": 5}, "ROLLBACK_SUCCESSFUL"),  # the default timeout action is ROLLBACK
    ],
)
def test_pause_hook_holds_the_release_until_continued(env, answer, timeout, ends):
    hooks = [dict(PAUSE[0], **({"timeoutConfiguration": timeout} if timeout else {}))]
    _ship_v2(env, config={"bakeTimeInMinutes": 0, "lifecycleHooks": hooks})
    env.advance(240)  # well past the test traffic shift, short of any timeout
    dep = env.latest()
    assert dep["status"] == "IN_PROGRESS" and dep["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    [hook] = [h for h in dep["lifecycleHookDetails"] if h["status"] == "AWAITING_ACTION"]
    assert hook["targetType"] == "PAUSE" and "targetArn" not in hook
    assert env.production() == "tg1" and env.weights(env.test_rule) == {"tg1": 0, "tg2": 100}
    with pytest.raises(ClientError) as err:
        env.ecs.continue_service_deployment(serviceDeploymentArn=dep["serviceDeploymentArn"], hookId="nope")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    if answer:
        env.ecs.continue_service_deployment(
            serviceDeploymentArn=dep["serviceDeploymentArn"], hookId=hook["hookId"], action=answer
        )
    else:
        env.advance(300)
        timed_out = env.latest()["lifecycleHookDetails"][0]
        assert timed_out["status"] == "TIMED_OUT"
    env.advance(600)
    assert env.latest()["status"] == ends
    assert env.production() == ("tg2" if ends == "SUCCESSFUL" else "tg1")


@pytest.mark.parametrize(
    ("answers", "exists", "ends", "calls"),
    [
        ([{"hookStatus": "IN_PROGRESS", "callBackDelay": 10}, {"hookStatus": "SUCCEEDED"}], True, "SUCCESSFUL", 2),
        ([{"hookStatus": "FAILED"}], True, "ROLLBACK_SUCCESSFUL", 1),
        ([{"nothing": "valid"}], True, "ROLLBACK_SUCCESSFUL", 1),
        ([], False, "ROLLBACK_SUCCESSFUL", 1),  # the function does not exist: the invocation fails
    ],
)
def test_lambda_hook_is_invoked_and_its_answer_decides(env, answers, exists, ends, calls):
    function = env.function if exists else env.function.replace(":hook", ":missing")
    hooks = [
        {
            "hookTargetArn": function,
            "roleArn": env.hook_role,
            "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"],
            "hookDetails": {"bucket": "approvals"},
        }
    ]
    env.aws.admin("ecs_hooks", "POST", {"functions": {function: answers}})
    dep = _ship_v2(env, config={"bakeTimeInMinutes": 0, "lifecycleHooks": hooks})
    env.advance(900)
    assert env.latest()["status"] == ends
    invocations = [
        i for i in env.aws.admin("ecs_hooks")["invocations"] if i["serviceDeploymentArn"] == dep["serviceDeploymentArn"]
    ]
    assert len(invocations) == calls
    payload = invocations[0]["payload"]
    assert payload["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT" and payload["hookDetails"] == {"bucket": "approvals"}
    assert payload["productionTrafficWeights"][dep["targetServiceRevision"]["arn"]] == 100.0
    if calls == 2:
        assert invocations[1]["at"] - invocations[0]["at"] == pytest.approx(11.0)  # 1 s call + 10 s callBackDelay
    assert env.production() == ("tg2" if ends == "SUCCESSFUL" else "tg1")


def test_lambda_hook_whose_role_may_not_invoke_the_function_fails_and_rolls_back(env):
    """ECS invokes a hook's function with the hook's roleArn; a role that trusts ECS but has no lambda:InvokeFunction
    on the function gets AccessDenied, and the hook fails
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html)."""
    iam = env.aws.boto3_client("iam")
    trust = iam.get_role(RoleName="ecs-hooks")["Role"]["AssumeRolePolicyDocument"]
    name = f"ecs-hooks-bare-{env.cluster}"
    bare = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # Allowed on another function only: the permission is per function.
    other = env.function.replace(":hook", ":other")
    iam.put_role_policy(
        RoleName=name,
        PolicyName="invoke-other",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": other}],
            }
        ),
    )
    hooks = [{"hookTargetArn": env.function, "roleArn": bare, "lifecycleStages": ["PRE_SCALE_UP"]}]
    env.aws.admin("ecs_hooks", "POST", {"functions": {env.function: [{"hookStatus": "SUCCEEDED"}]}})
    dep = _ship_v2(env, config={"bakeTimeInMinutes": 0, "lifecycleHooks": hooks})
    env.advance(900)
    assert env.latest()["status"] == "ROLLBACK_SUCCESSFUL"
    (invocation,) = [
        i for i in env.aws.admin("ecs_hooks")["invocations"] if i["serviceDeploymentArn"] == dep["serviceDeploymentArn"]
    ]
    assert invocation["answer"]["error"] == "AccessDeniedException", invocation
    assert env.production() == "tg1"


def test_alarm_in_alarm_state_rolls_back(env):
    cloudwatch = env.aws.boto3_client("cloudwatch")
    put_elb_alarm(cloudwatch, f"errors-{env.cluster}", "HTTPCode_Target_5XX_Count", "Sum")
    config = {
        "bakeTimeInMinutes": 10,
        "alarms": {"alarmNames": [f"errors-{env.cluster}"], "enable": True, "rollback": True},
    }
    _ship_v2(env, config=config)
    _until(env, lambda: env.latest().get("lifecycleStage") == "BAKE_TIME")
    assert env.production() == "tg2"
    cloudwatch.set_alarm_state(AlarmName=f"errors-{env.cluster}", StateValue="ALARM", StateReason="5xx")
    env.advance(120)
    dep = env.latest()
    assert dep["status"] == "ROLLBACK_SUCCESSFUL"
    alarm = f"errors-{env.cluster}"
    assert dep["alarms"] == {"status": "TRIGGERED", "alarmNames": [alarm], "triggeredAlarmNames": [alarm]}
    assert env.production() == "tg1"


def test_failing_tasks_trip_the_circuit_breaker_and_roll_back(env):
    env.aws.admin("ecs_service", "POST", {"failingImages": ["app:bad"]})
    config = {"bakeTimeInMinutes": 0, "deploymentCircuitBreaker": {"enable": True, "rollback": True}}
    _ship_v2(env, config=config, image="app:bad")
    env.advance(900)
    dep = env.latest()
    assert dep["status"] == "ROLLBACK_SUCCESSFUL", dep
    assert dep["deploymentCircuitBreaker"]["status"] == "TRIGGERED"
    assert dep["deploymentCircuitBreaker"]["failureCount"] >= dep["deploymentCircuitBreaker"]["threshold"] == 3
    assert env.production() == "tg1" and env.describe()["runningCount"] == 2


def test_code_deploy_service_moves_to_native_blue_green_in_place(env):
    env.service(
        "ROLLING",
        deploymentController={"type": "CODE_DEPLOY"},
        deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 100},
    )
    env.advance(300)
    before = {
        t["taskArn"]
        for t in env.ecs.describe_tasks(cluster=env.cluster, tasks=env.ecs.list_tasks(cluster=env.cluster)["taskArns"])[
            "tasks"
        ]
    }
    assert len(before) == 2 and len(env.describe()["taskSets"]) == 1
    migrate = {
        "cluster": env.cluster,
        "service": "s",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0},
        "loadBalancers": env.load_balancers(),
    }
    env.ecs.update_service(**migrate)
    service = env.describe()
    assert service["deploymentController"] == {"type": "ECS"} and service.get("taskSets", []) == []
    assert service["runningCount"] == 2 and len(service["currentServiceRevisions"]) == 1
    env.advance(60)
    after = set(env.ecs.list_tasks(cluster=env.cluster)["taskArns"])
    assert after == before and env.production() == "tg1"  # the same tasks serve production from the same group
    assert env.latest()["status"] == "SUCCESSFUL"
    env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=env.task_definition("app:2"))
    env.advance(900)
    assert env.latest()["status"] == "SUCCESSFUL" and env.production() == "tg2"


def test_controller_cannot_change_during_a_deployment(env):
    _ship_v2(env, config={"bakeTimeInMinutes": 30})
    with pytest.raises(ClientError) as err:
        env.ecs.update_service(
            cluster=env.cluster,
            service="s",
            deploymentController={"type": "CODE_DEPLOY"},
            deploymentConfiguration={"strategy": "ROLLING"},
            loadBalancers=[{"targetGroupArn": env.tg1, "containerName": "web", "containerPort": 8000}],
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "in progress" in err.value.response["Error"]["Message"]
