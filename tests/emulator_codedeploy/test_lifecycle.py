"""ECS blue/green deployments on the emulator: lifecycle, traffic, waits, stop, failure and rollback."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.support import ECS_LIFECYCLE_EVENTS

from .conftest import APP, GROUP, UNTIL_ALLOW_TRAFFIC

ORDER = list(ECS_LIFECYCLE_EVENTS)


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def listener_changes(history: list[dict], route: str) -> list[dict]:
    return [h for h in history if h["action"] == "listenerModified" and h["route"] == route]


def test_all_at_once_success_reroutes_test_before_production(stack, make_group):
    make_group()
    v2 = stack.register("helloapp:v2")
    dep_id = stack.deploy(v2)
    assert stack.deployment(dep_id)["status"] == "Created"
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.list_deployment_targets(deploymentId=dep_id)
    assert error_code(excinfo) == "DeploymentNotStartedException"

    stack.advance(10 + 10 + 1)  # Created -> InProgress, BeforeInstall done, Install running
    assert stack.deployment(dep_id)["status"] == "InProgress"
    assert stack.codedeploy.list_deployment_targets(deploymentId=dep_id)["targetIds"] == ["hello:hello"]
    sets = stack.ecs.describe_task_sets(cluster="hello", service="hello")["taskSets"]
    replacement = next(s for s in sets if s.get("externalId") == dep_id)
    assert replacement["taskDefinition"] == v2
    assert replacement["loadBalancers"][0]["targetGroupArn"] == stack.tg2
    assert replacement["status"] == "ACTIVE" and replacement["stabilityStatus"] == "STABILIZING"
    assert stack.forward(stack.test_listener) == {"tg1": 100}

    stack.advance(UNTIL_ALLOW_TRAFFIC)  # well past AllowTraffic
    stack.advance(60)
    info = stack.deployment(dep_id)
    assert info["status"] == "Succeeded", info
    assert info["creator"] == "user" and info["computePlatform"] == "ECS"
    assert stack.forward(stack.prod_listener) == {"tg2": 100}
    assert stack.forward(stack.test_listener) == {"tg2": 100}
    target = stack.target(dep_id)
    assert [e["lifecycleEventName"] for e in target["lifecycleEvents"]] == ORDER
    assert {e["status"] for e in target["lifecycleEvents"]} == {"Succeeded"}
    starts = [e["startTime"] for e in target["lifecycleEvents"]]
    assert starts == sorted(starts) and all(e["endTime"] >= e["startTime"] for e in target["lifecycleEvents"])
    green = next(t for t in target["taskSetsInfo"] if t["taskSetLabel"] == "Green")
    assert green["trafficWeight"] == 100.0 and green["targetGroup"] == {"name": "tg2"} and green["status"] == "PRIMARY"

    history = stack.history(dep_id)
    test_change, prod_change = listener_changes(history, "test")[0], listener_changes(history, "production")[0]
    assert test_change["time"] < prod_change["time"], history

    service = stack.described_service()
    assert service["taskDefinition"] == v2
    assert service["loadBalancers"][0]["targetGroupArn"] == stack.tg2
    assert [s["status"] for s in service["taskSets"]] == ["PRIMARY"]
    assert service["taskSets"][0]["externalId"] == dep_id
    group = stack.codedeploy.get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)
    group = group["deploymentGroupInfo"]
    assert group["lastSuccessfulDeployment"]["deploymentId"] == dep_id
    assert v2 in group["targetRevision"]["appSpecContent"]["content"]

    # the next release goes back to tg1
    second = stack.deploy(stack.register("helloapp:v3"))
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    assert stack.deployment(second)["status"] == "Succeeded"
    assert stack.deployment(second)["previousRevision"] == info["revision"]
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert stack.described_service()["loadBalancers"][0]["targetGroupArn"] == stack.tg1


@pytest.mark.parametrize(
    ("config", "checkpoints"),
    [
        # (seconds after AllowTraffic starts, production weights)
        (
            "CodeDeployDefault.ECSCanary10Percent5Minutes",
            [(1, {"tg1": 90, "tg2": 10}), (299, {"tg1": 90, "tg2": 10}), (301, {"tg2": 100})],
        ),
        (
            "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
            [(1, {"tg1": 90, "tg2": 10}), (150, {"tg1": 70, "tg2": 30}), (541, {"tg2": 100})],
        ),
    ],
)
def test_canary_and_linear_shift_production_in_steps(stack, make_group, config, checkpoints):
    make_group(deploymentConfigName=config)
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC)
    elapsed = 0
    for offset, weights in checkpoints:
        stack.advance(offset - elapsed)
        elapsed = offset
        assert stack.forward(stack.prod_listener) == weights, (offset, stack.history(dep_id))
        green = next(t for t in stack.target(dep_id)["taskSetsInfo"] if t["taskSetLabel"] == "Green")
        assert green["trafficWeight"] == weights.get("tg2", 0)
    assert stack.forward(stack.test_listener) == {"tg2": 100}
    stack.advance(60)
    assert stack.deployment(dep_id)["status"] == "Succeeded"
    steps = [h["weights"]["tg2"] for h in listener_changes(stack.history(dep_id), "production")]
    expected = [10.0, 100.0] if "Canary" in config else [float(p) for p in range(10, 101, 10)]
    assert steps == expected


def test_ready_wait_then_continue(stack, make_group):
    make_group(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 30},
        }
    )
    dep_id = stack.deploy()
    stack.advance(20)
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="READY_WAIT")
    assert error_code(excinfo) == "DeploymentIsNotInReadyStateException"
    stack.advance(UNTIL_ALLOW_TRAFFIC + 600)
    info = stack.deployment(dep_id)
    assert info["status"] == "Ready"
    assert info["deploymentOverview"]["Ready"] == 1
    assert stack.target(dep_id)["status"] == "Ready"
    assert stack.events(dep_id)["AfterAllowTestTraffic"] == "Succeeded"
    assert stack.events(dep_id)["BeforeAllowTraffic"] == "Pending"
    assert stack.forward(stack.test_listener) == {"tg2": 100}
    assert stack.forward(stack.prod_listener) == {"tg1": 100}

    stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="READY_WAIT")
    assert stack.deployment(dep_id)["status"] == "InProgress"
    stack.advance(60)
    assert stack.deployment(dep_id)["status"] == "Succeeded"
    assert stack.forward(stack.prod_listener) == {"tg2": 100}


def test_ready_wait_times_out_to_stopped(stack, make_group):
    make_group(
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 5},
        }
    )
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC - 10 + 5 * 60 + 1)
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "TIMEOUT"
    assert stack.forward(stack.test_listener) == {"tg1": 100}
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert [s["status"] for s in stack.described_service()["taskSets"]] == ["PRIMARY"]


def test_termination_wait_then_continue(stack, make_group):
    make_group(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 60},
        }
    )
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 10 + 10 + 1)  # AllowTraffic and AfterAllowTraffic done
    info = stack.deployment(dep_id)
    assert info["status"] == "InProgress" and info["instanceTerminationWaitTimeStarted"] is True
    assert stack.events(dep_id)["AfterAllowTraffic"] == "Succeeded"
    assert stack.forward(stack.prod_listener) == {"tg2": 100}
    assert sorted(s["status"] for s in stack.described_service()["taskSets"]) == ["ACTIVE", "PRIMARY"]
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="READY_WAIT")
    assert error_code(excinfo) == "DeploymentIsNotInReadyStateException"

    stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="TERMINATION_WAIT")
    stack.advance(11)  # the cleanup phase
    assert stack.deployment(dep_id)["status"] == "Succeeded"
    assert [s["status"] for s in stack.described_service()["taskSets"]] == ["PRIMARY"]
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.continue_deployment(deploymentId=dep_id, deploymentWaitType="TERMINATION_WAIT")
    assert error_code(excinfo) == "DeploymentAlreadyCompletedException"


def test_scaled_clock_runs_a_five_minute_termination_wait_in_about_a_second(stack, make_group):
    make_group(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
        }
    )
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 21)
    assert stack.deployment(dep_id)["instanceTerminationWaitTimeStarted"] is True
    stack.aws.admin("clock", "POST", {"scale": 600})  # 5 emulated minutes per 0.5 real second
    started = time.monotonic()
    while stack.deployment(dep_id)["status"] != "Succeeded":
        assert time.monotonic() - started < 10, stack.deployment(dep_id)
        time.sleep(0.05)
    assert time.monotonic() - started < 3


def test_stop_with_rollback_restores_listeners(stack, make_group):
    make_group(deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes")
    v1 = stack.task_definition
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    assert stack.forward(stack.prod_listener) == {"tg1": 90, "tg2": 10}

    answer = stack.codedeploy.stop_deployment(deploymentId=dep_id, autoRollbackEnabled=True)
    assert answer["status"] in ("Pending", "Succeeded")
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "MANUAL_STOP"
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert stack.forward(stack.test_listener) == {"tg1": 100}
    service = stack.described_service()
    assert service["taskDefinition"] == v1
    assert [(s["status"], s["taskDefinition"]) for s in service["taskSets"]] == [("PRIMARY", v1)]

    rollback = stack.deployment(rollback_id)
    assert rollback["creator"] == "codeDeployRollback"
    assert rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"] == dep_id
    stack.advance(11)
    assert stack.deployment(rollback_id)["status"] == "Succeeded"
    listed = stack.codedeploy.list_deployments(applicationName=APP, deploymentGroupName=GROUP)["deployments"]
    assert set(listed) == {dep_id, rollback_id}
    with pytest.raises(ClientError) as excinfo:
        stack.codedeploy.stop_deployment(deploymentId=dep_id)
    assert error_code(excinfo) == "DeploymentAlreadyCompletedException"


def test_stop_without_rollback_leaves_traffic_where_it_is(stack, make_group):
    make_group(autoRollbackConfiguration={"enabled": False, "events": []})
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC - 10)  # test traffic on tg2, production untouched
    stack.codedeploy.stop_deployment(deploymentId=dep_id, autoRollbackEnabled=False)
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped" and "rollbackInfo" not in info
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    statuses = stack.events(dep_id)
    assert statuses["BeforeAllowTraffic"] == "Skipped" and statuses["AllowTraffic"] == "Skipped"
    # a new deployment may start: the previous one is over
    stack.deploy()


@pytest.mark.parametrize(
    ("fault", "failed_event", "test_rerouted"),
    [
        ({"fault": "unhealthy"}, "Install", False),
        ({"fault": "failEvent", "lifecycleEvent": "AfterAllowTestTraffic"}, "AfterAllowTestTraffic", True),
    ],
)
def test_failure_rolls_back_and_production_never_sees_the_replacement(
    stack, make_group, fault, failed_event, test_rerouted
):
    make_group()
    stack.aws.admin("codedeploy-faults", "POST", fault)
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC)
    if fault["fault"] == "unhealthy":
        assert stack.deployment(dep_id)["status"] == "InProgress"
        assert stack.events(dep_id)["Install"] == "InProgress"
        replacement = next(s for s in stack.described_service()["taskSets"] if s.get("externalId") == dep_id)
        assert replacement["runningCount"] == 0 and replacement["stabilityStatus"] == "STABILIZING"
        stack.advance(3600)
    info = stack.deployment(dep_id)
    assert info["status"] == "Failed", info
    assert info["errorInformation"]["code"] in ("ECS_UPDATE_ERROR", "HOOK_EXECUTION_FAILURE")
    events = stack.events(dep_id)
    assert events[failed_event] == "Failed"
    assert all(events[name] == "Skipped" for name in ORDER[ORDER.index(failed_event) + 1 :])
    history = stack.history(dep_id)
    assert listener_changes(history, "production") == []
    assert bool(listener_changes(history, "test")) is test_rerouted
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert stack.forward(stack.test_listener) == {"tg1": 100}
    assert [s["status"] for s in stack.described_service()["taskSets"]] == ["PRIMARY"]
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
    stack.advance(11)
    rollback = stack.deployment(rollback_id)
    assert rollback["status"] == "Succeeded" and rollback["creator"] == "codeDeployRollback"


def test_failure_without_auto_rollback_has_no_rollback_deployment(stack, make_group):
    make_group(autoRollbackConfiguration={"enabled": False, "events": []})
    stack.aws.admin("codedeploy-faults", "POST", {"fault": "unhealthy"})
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 3600)
    info = stack.deployment(dep_id)
    assert info["status"] == "Failed" and "rollbackInfo" not in info
    assert stack.forward(stack.prod_listener) == {"tg1": 100}


def test_second_deployment_while_one_is_active_is_refused(stack, make_group):
    make_group()
    first = stack.deploy()
    with pytest.raises(ClientError) as excinfo:
        stack.deploy()
    assert error_code(excinfo) == "DeploymentLimitExceededException"
    assert f"already has an active Deployment '{first}'" in excinfo.value.response["Error"]["Message"]
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    stack.deploy()  # fine once the first one is over


def test_list_deployments_filters(stack, make_group):
    make_group()
    first = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    second = stack.deploy()
    cd = stack.codedeploy
    assert cd.list_deployments(applicationName=APP, deploymentGroupName=GROUP)["deployments"] == [second, first]
    only = cd.list_deployments(applicationName=APP, deploymentGroupName=GROUP, includeOnlyStatuses=["Succeeded"])
    assert only["deployments"] == [first]
    created = stack.deployment(second)["createTime"]
    ranged = cd.list_deployments(createTimeRange={"start": created})
    assert ranged["deployments"] == [second]
    with pytest.raises(ClientError) as excinfo:
        cd.list_deployments(applicationName=APP)
    assert error_code(excinfo) == "DeploymentGroupNameRequiredException"
    batch = cd.batch_get_deployments(deploymentIds=[first, second])["deploymentsInfo"]
    assert {d["deploymentId"] for d in batch} == {first, second}


def test_one_clock_jump_over_the_whole_release_still_succeeds(stack, make_group):
    """A clock that jumps past the install timeout in one step (a loaded machine under a high time scale) must
    play the replacement's tasks before judging the timeout: a healthy release succeeds, as it does on AWS."""
    make_group()
    dep_id = stack.deploy(stack.register("helloapp:v2"))
    stack.advance(6 * 3600)  # longer than the whole release, the install timeout included, in one step
    info = stack.deployment(dep_id)
    assert info["status"] == "Succeeded", info
    assert stack.forward(stack.prod_listener) == {"tg2": 100}
