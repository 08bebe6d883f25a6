"""The emulator's ECS rolling-deployment model (awsemu/services/ecs_service.py), driven with boto3.

Time is stepped with ``/_emulator/clock`` so every count is deterministic: a task starts one
``taskStartSeconds`` (10 emulated seconds here) after it was launched.
"""

from __future__ import annotations

import pytest

from tests.support import app_task_definition, default_network

STEP = 10


@pytest.fixture
def ecs(aws):
    aws.admin("ecs_service", "POST", {"taskStartSeconds": STEP})
    aws.admin("clock", "POST", {"scale": 0.0001})  # time stands (almost) still unless advanced
    client = aws.boto3_client("ecs")
    ec2 = aws.boto3_client("ec2")
    vpc, found = default_network(ec2)
    subnets = [s["SubnetId"] for s in found]
    group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    client.create_cluster(clusterName="c")
    client.network = {"awsvpcConfiguration": {"subnets": subnets[:2], "securityGroups": [group]}}
    return client


def register(ecs, image):
    return app_task_definition(ecs, image, 8000)


def create(ecs, minimum=100, maximum=200, breaker=False):
    return ecs.create_service(
        cluster="c",
        serviceName="s",
        taskDefinition=register(ecs, "app:1"),
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=ecs.network,
        deploymentConfiguration={
            "minimumHealthyPercent": minimum,
            "maximumPercent": maximum,
            "deploymentCircuitBreaker": {"enable": breaker, "rollback": breaker},
        },
        healthCheckGracePeriodSeconds=30,
    )["service"]


def describe(ecs):
    return ecs.describe_services(cluster="c", services=["s"])["services"][0]


def counts(ecs):
    """[(status, image tag revision, running, pending)] of the service's deployments."""
    return [
        (d["status"], int(d["taskDefinition"].rsplit(":", 1)[1]), d["runningCount"], d["pendingCount"])
        for d in describe(ecs)["deployments"]
    ]


def step(aws, n=1):
    aws.admin("clock", "POST", {"advance": STEP * n})


def test_create_converges_and_reports_the_configuration(aws, ecs):
    created = create(ecs)
    assert created["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert counts(ecs) == [("PRIMARY", 1, 0, 2)]
    step(aws)
    svc = describe(ecs)
    assert counts(ecs) == [("PRIMARY", 1, 2, 0)]
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert (svc["runningCount"], svc["desiredCount"]) == (2, 2)
    assert svc["deploymentConfiguration"]["maximumPercent"] == 200
    assert svc["healthCheckGracePeriodSeconds"] == 30
    assert "has reached a steady state." in svc["events"][0]["message"]
    ecs.get_waiter("services_stable").wait(cluster="c", services=["s"], WaiterConfig={"Delay": 1, "MaxAttempts": 2})


# The seed's table (desired count 2): deployments after the update, then after each task start.
@pytest.mark.parametrize(
    ("minimum", "maximum", "timeline"),
    [
        (50, 100, [[("PRIMARY", 2, 0, 1), ("ACTIVE", 1, 1, 0)], [("PRIMARY", 2, 1, 1)], [("PRIMARY", 2, 2, 0)]]),
        (50, 150, [[("PRIMARY", 2, 0, 2), ("ACTIVE", 1, 1, 0)], [("PRIMARY", 2, 2, 0)]]),
        (
            100,
            150,
            [
                [("PRIMARY", 2, 0, 1), ("ACTIVE", 1, 2, 0)],
                [("PRIMARY", 2, 1, 1), ("ACTIVE", 1, 1, 0)],
                [("PRIMARY", 2, 2, 0)],
            ],
        ),
        (100, 200, [[("PRIMARY", 2, 0, 2), ("ACTIVE", 1, 2, 0)], [("PRIMARY", 2, 2, 0)]]),
    ],
    ids=["50-100", "50-150", "100-150", "100-200"],
)
def test_rolling_update_follows_minimum_and_maximum_percent(aws, ecs, minimum, maximum, timeline):
    create(ecs, minimum, maximum)
    step(aws)
    ecs.update_service(cluster="c", service="s", taskDefinition=register(ecs, "app:2"))
    for i, expected in enumerate(timeline):
        if i:
            step(aws)
        assert counts(ecs) == expected, f"after {i} steps"
    assert describe(ecs)["deployments"][0]["rolloutState"] == "COMPLETED"


def test_desired_count_change_resizes_in_place(aws, ecs):
    create(ecs)
    step(aws)
    first_id = describe(ecs)["deployments"][0]["id"]
    ecs.update_service(cluster="c", service="s", desiredCount=3)
    assert counts(ecs) == [("PRIMARY", 1, 2, 1)]
    step(aws)
    svc = describe(ecs)
    assert [d["id"] for d in svc["deployments"]] == [first_id]
    assert (svc["runningCount"], svc["desiredCount"]) == (3, 3)


def test_same_task_definition_is_no_new_deployment_but_force_is(aws, ecs):
    create(ecs)
    step(aws)
    arn = describe(ecs)["taskDefinition"]
    ecs.update_service(cluster="c", service="s", taskDefinition=arn)
    assert len(describe(ecs)["deployments"]) == 1
    ecs.update_service(cluster="c", service="s", forceNewDeployment=True)
    assert [d["status"] for d in describe(ecs)["deployments"]] == ["PRIMARY", "ACTIVE"]


def test_circuit_breaker_rolls_back_a_release_that_never_starts(aws, ecs):
    aws.admin("ecs_service", "POST", {"failingImages": ["app:bad"]})
    create(ecs, breaker=True)
    step(aws)
    good = describe(ecs)["taskDefinition"]
    ecs.update_service(cluster="c", service="s", taskDefinition=register(ecs, "app:bad"))
    step(aws)  # 2 failed tasks: under the threshold of 3
    assert describe(ecs)["deployments"][0]["failedTasks"] == 2
    step(aws, 2)  # more failures: the breaker trips and rolls back
    step(aws, 2)
    svc = describe(ecs)
    assert svc["taskDefinition"] == good
    assert svc["deployments"][0]["taskDefinition"] == good
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert any("circuit breaker" in (d.get("rolloutStateReason") or "") for d in svc["deployments"]) or any(
        "rolling back" in e["message"] for e in svc["events"]
    )


def alarm(aws, name="errors", period=60, periods=2):
    cloudwatch = aws.boto3_client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/ApplicationELB",
        MetricName="HTTPCode_Target_5XX_Count",
        Statistic="Sum",
        Period=period,
        EvaluationPeriods=periods,
        Threshold=5,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return cloudwatch


def watched(ecs, names, rollback=True):
    ecs.update_service(
        cluster="c",
        service="s",
        deploymentConfiguration={"alarms": {"alarmNames": names, "enable": True, "rollback": rollback}},
    )


def test_deployment_alarm_fails_a_rolling_update_and_rolls_it_back(aws, ecs):
    """ECS Developer Guide, "How CloudWatch alarms detect Amazon ECS deployment failures"
    (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html): an alarm in ALARM
    during a rolling update fails it and, with rollback, the last completed deployment comes back."""
    cloudwatch = alarm(aws, period=10, periods=1)
    create(ecs)
    step(aws, 2)  # v1 steady; no alarm watched yet, so no bake time
    good = describe(ecs)["taskDefinition"]
    assert describe(ecs)["deployments"][0]["rolloutState"] == "COMPLETED"
    watched(ecs, ["errors"])
    ecs.update_service(cluster="c", service="s", taskDefinition=register(ecs, "app:2"))
    step(aws)
    assert describe(ecs)["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    cloudwatch.set_alarm_state(AlarmName="errors", StateValue="ALARM", StateReason="5xx")
    svc = describe(ecs)
    failed = [d for d in svc["deployments"] if d["rolloutState"] == "FAILED"]
    assert failed and "errors" in failed[0]["rolloutStateReason"], svc["deployments"]
    assert svc["taskDefinition"] == good and svc["deployments"][0]["taskDefinition"] == good
    assert any("rolling back" in e["message"] for e in svc["events"])
    step(aws, 4)
    # The rollback is not failed by the alarm again, and completes once the bake time passed.
    svc = describe(ecs)
    assert [(d["taskDefinition"], d["rolloutState"]) for d in svc["deployments"]] == [(good, "COMPLETED")]


def test_deployment_alarms_hold_a_rolling_update_for_the_bake_time(aws, ecs):
    alarm(aws, period=30, periods=2)  # bake time 60 s (the longest Period x EvaluationPeriods)
    create(ecs)
    step(aws, 2)
    watched(ecs, ["errors"])
    ecs.update_service(cluster="c", service="s", taskDefinition=register(ecs, "app:2"))
    step(aws, 3)  # steady: new tasks healthy, old ones gone
    svc = describe(ecs)
    assert len(svc["deployments"]) == 1 and svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    step(aws, 7)
    assert describe(ecs)["deployments"][0]["rolloutState"] == "COMPLETED"
