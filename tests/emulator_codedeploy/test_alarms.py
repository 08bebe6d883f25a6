"""CloudWatch alarms stop ECS blue/green deployments on the emulator, and roll them back, as CodeDeploy does.

A deployment group's ``alarmConfiguration`` names alarms; while one is in ALARM CodeDeploy stops the deployment
(``ALARM_ACTIVE``) and, with ``DEPLOYMENT_STOP_ON_ALARM`` among the auto-rollback events, routes production back to
the original target group (CodeDeploy User Guide, "Monitoring deployments with CloudWatch alarms" and "Redeploy and
roll back a deployment"; API reference, AlarmConfiguration, AutoRollbackConfiguration). The tests set alarms with
``SetAlarmState``, which works the same on AWS.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from .conftest import UNTIL_ALLOW_TRAFFIC, client

ALARM = "helloapp-5xx"
STOP_ON_ALARM = {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}
ALARMS = {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": ALARM}]}
TERMINATION_WAIT = {
    "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 5},
    "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
}


def put_alarm(aws: Any, name: str = ALARM) -> Any:
    """The load balancer's 5xx alarm, as the stack will create it; returns the CloudWatch client."""
    cloudwatch = client(aws, "cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Dimensions=[{"Name": "LoadBalancer", "Value": "app/hello-alb/0123456789abcdef"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
    )
    return cloudwatch


def set_state(cloudwatch: Any, state: str, name: str = ALARM) -> None:
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=f"test sets {state}")


# When the alarm fires: the emulated seconds after CreateDeployment, the deployment config, the group's
# blue/green settings, and where production is at that moment.
MOMENTS = [
    pytest.param(UNTIL_ALLOW_TRAFFIC - 10, "CodeDeployDefault.ECSAllAtOnce", None, {"tg1": 100}, id="test-traffic"),
    pytest.param(
        UNTIL_ALLOW_TRAFFIC + 60,
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        None,
        {"tg1": 90, "tg2": 10},
        id="canary",
    ),
    pytest.param(
        UNTIL_ALLOW_TRAFFIC + 30,
        "CodeDeployDefault.ECSAllAtOnce",
        TERMINATION_WAIT,
        {"tg2": 100},
        id="termination-wait",
    ),
]


@pytest.mark.parametrize(("seconds", "config", "blue_green", "production_then"), MOMENTS)
def test_alarm_mid_release_rolls_back_to_the_original_target_group(
    stack, make_group, seconds, config, blue_green, production_then
):
    overrides: dict[str, Any] = {"blueGreenDeploymentConfiguration": blue_green} if blue_green else {}
    make_group(
        deploymentConfigName=config, alarmConfiguration=ALARMS, autoRollbackConfiguration=STOP_ON_ALARM, **overrides
    )
    cloudwatch = put_alarm(stack.aws)
    v1 = stack.task_definition
    dep_id = stack.deploy()
    stack.advance(seconds)
    assert stack.deployment(dep_id)["status"] == "InProgress"
    assert stack.forward(stack.prod_listener) == production_then

    set_state(cloudwatch, "ALARM")
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert ALARM in info["errorInformation"]["message"]
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert stack.forward(stack.test_listener) == {"tg1": 100}
    service = stack.described_service()
    assert [(s["status"], s["taskDefinition"]) for s in service["taskSets"]] == [("PRIMARY", v1)]
    rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]

    # The rollback deployment is not stopped by the alarm that caused it, and production never moves again.
    stack.advance(11)
    assert stack.deployment(rollback_id)["status"] == "Succeeded"
    stack.advance(600)
    assert stack.forward(stack.prod_listener) == {"tg1": 100}
    assert stack.deployment(dep_id)["status"] == "Stopped"


def test_alarm_without_stop_on_alarm_rollback_stops_and_leaves_traffic(stack, make_group):
    """Auto-rollback on DEPLOYMENT_FAILURE only: the alarm stops the release where it is, as on AWS."""
    make_group(deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes", alarmConfiguration=ALARMS)
    cloudwatch = put_alarm(stack.aws)
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    set_state(cloudwatch, "ALARM")
    info = stack.deployment(dep_id)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "rollbackInfo" not in info
    assert stack.forward(stack.prod_listener) == {"tg1": 90, "tg2": 10}
    assert stack.events(dep_id)["AllowTraffic"] == "Skipped"


@pytest.mark.parametrize(
    ("alarm_configuration", "state", "expected"),
    [
        pytest.param({**ALARMS, "enabled": False}, "ALARM", "Succeeded", id="configuration-disabled"),
        pytest.param(ALARMS, "OK", "Succeeded", id="alarm-ok"),
        pytest.param(ALARMS, "INSUFFICIENT_DATA", "Succeeded", id="alarm-insufficient-data"),
        pytest.param({**ALARMS, "alarms": [{"name": "absent"}]}, None, "Stopped", id="alarm-missing"),
        pytest.param(
            {**ALARMS, "alarms": [{"name": "absent"}], "ignorePollAlarmFailure": True},
            None,
            "Succeeded",
            id="alarm-missing-ignored",
        ),
    ],
)
def test_only_an_alarm_in_alarm_or_unreadable_stops_a_release(stack, make_group, alarm_configuration, state, expected):
    make_group(alarmConfiguration=alarm_configuration, autoRollbackConfiguration=STOP_ON_ALARM)
    cloudwatch = put_alarm(stack.aws)
    if state:
        set_state(cloudwatch, state)
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    info = stack.deployment(dep_id)
    assert info["status"] == expected, info
    if expected == "Stopped":
        assert info["errorInformation"]["code"] == "ALARM_ACTIVE" and "absent" in info["errorInformation"]["message"]
        assert stack.forward(stack.prod_listener) == {"tg1": 100}
    else:
        assert stack.forward(stack.prod_listener) == {"tg2": 100}


def test_alarm_configuration_is_validated_like_codedeploy(stack, make_group):
    """CreateDeploymentGroup's InvalidAlarmConfigException causes and the limit of 10 alarms (API reference)."""
    names = [{"name": f"a{i}"} for i in range(11)]
    cases = [
        ({"enabled": True, "alarms": []}, "InvalidAlarmConfigException"),
        ({"enabled": True, "alarms": [{"name": "x"}, {"name": "x"}]}, "InvalidAlarmConfigException"),
        ({"enabled": True, "alarms": [{"name": "x" * 256}]}, "InvalidAlarmConfigException"),
        ({"enabled": True, "alarms": names}, "AlarmsLimitExceededException"),
    ]
    for configuration, code in cases:
        with pytest.raises(ClientError) as err:
            make_group(alarmConfiguration=configuration)
        assert err.value.response["Error"]["Code"] == code, configuration
    # At the limit, and disabled with an empty list (how a group says "no alarms"): accepted.
    group = make_group(alarmConfiguration={"enabled": True, "alarms": names[:10]})
    assert [a["name"] for a in group["alarmConfiguration"]["alarms"]] == [n["name"] for n in names[:10]]
    stack.codedeploy.update_deployment_group(
        applicationName=group["applicationName"],
        currentDeploymentGroupName=group["deploymentGroupName"],
        alarmConfiguration={"enabled": False, "alarms": []},
    )


def test_ecs_deployment_alarms_only_on_the_ecs_controller(stack):
    """ECS DeploymentAlarms: "only ... when the DeploymentController is set to ECS" (ECS API reference)."""
    alarms = {"alarmNames": [ALARM], "enable": True, "rollback": True}
    with pytest.raises(ClientError) as err:  # the stack's service is CODE_DEPLOY: its group's alarms apply
        stack.ecs.update_service(
            cluster=stack.cluster, service=stack.service, deploymentConfiguration={"alarms": alarms}
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "ECS deployment controller" in err.value.response["Error"]["Message"]
    network = {"awsvpcConfiguration": {"subnets": stack.subnets[:2], "securityGroups": [stack.security_group]}}
    common = {"cluster": stack.cluster, "taskDefinition": stack.task_definition, "desiredCount": 1}
    with pytest.raises(ClientError) as err:
        stack.ecs.create_service(
            serviceName="external",
            deploymentController={"type": "EXTERNAL"},
            deploymentConfiguration={"alarms": alarms},
            **common,
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    rolling = stack.ecs.create_service(
        serviceName="rolling",
        launchType="FARGATE",
        networkConfiguration=network,
        deploymentConfiguration={"minimumHealthyPercent": 100, "maximumPercent": 200, "alarms": alarms},
        **common,
    )["service"]
    assert rolling["deploymentConfiguration"]["alarms"] == alarms
    stack.ecs.update_service(
        cluster=stack.cluster, service="rolling", deploymentConfiguration={"alarms": {**alarms, "enable": False}}
    )
