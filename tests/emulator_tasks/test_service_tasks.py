"""Schedulers on the task model: rolling deployments wait for health, failed health checks are replaced and
counted by the circuit breaker, task sets run tasks; the task group API the native strategies will use."""

from __future__ import annotations

import threading

import pytest

from .conftest import DRAIN, INTERVAL, START, ip_of


def deployments(env, name="s"):
    return [
        (d["status"], int(d["taskDefinition"].rsplit(":", 1)[1]), d["runningCount"], d["pendingCount"])
        for d in env.describe(name)["deployments"]
    ]


def test_a_rolling_update_stops_old_tasks_only_once_the_new_targets_are_healthy(env):
    env.service()
    env.advance(START + INTERVAL)
    assert deployments(env) == [("PRIMARY", 1, 2, 0)]
    env.ecs.update_service(cluster="c", service="s", taskDefinition=env.task_definition("app:2"))
    assert deployments(env) == [("PRIMARY", 2, 0, 2), ("ACTIVE", 1, 2, 0)]
    env.advance(START + 1)  # new tasks RUNNING, their targets still in the initial checks
    assert deployments(env) == [("PRIMARY", 2, 2, 0), ("ACTIVE", 1, 2, 0)]
    assert sorted(state for state, _ in env.health().values()) == ["healthy", "healthy", "initial", "initial"]
    env.advance(INTERVAL - 3 + 1)  # the new targets passed their first check: the old ones drain
    assert deployments(env) == [("PRIMARY", 2, 2, 0), ("ACTIVE", 1, 0, 0)]
    assert sorted(state for state, _ in env.health().values()) == ["draining", "draining", "healthy", "healthy"]
    assert env.describe()["deployments"][0]["rolloutState"] == "IN_PROGRESS"  # until the old tasks are stopped
    env.advance(DRAIN)
    service = env.describe()
    assert deployments(env) == [("PRIMARY", 2, 2, 0)] and service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert env.events()[-1] == "(service s) has reached a steady state."
    env.ecs.get_waiter("services_stable").wait(cluster="c", services=["s"], WaiterConfig={"Delay": 1, "MaxAttempts": 2})


@pytest.mark.parametrize(
    ("reason", "description"),
    [
        ("Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]"),
        ("Target.Timeout", "Request timed out"),
        ("Target.FailedHealthChecks", "Health checks failed"),
    ],
)
def test_tasks_failing_elb_health_checks_are_replaced_and_roll_back(env, reason, description):
    env.aws.admin("elbv2", "POST", {"targetUnhealthyImages": {"app:sick": reason}})
    env.service(
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        healthCheckGracePeriodSeconds=0,
    )
    env.advance(START + INTERVAL)
    good = env.describe()["taskDefinition"]
    env.ecs.update_service(cluster="c", service="s", taskDefinition=env.task_definition("app:sick"))
    env.advance(START - 2 + INTERVAL)  # registered at 6 s, first failed check at 11 s
    targets = env.elbv2.describe_target_health(TargetGroupArn=env.tg)["TargetHealthDescriptions"]
    sick = [t["TargetHealth"] for t in targets if t["TargetHealth"]["State"] != "healthy"]
    assert (
        sick
        == [
            {
                "State": "initial",
                "Reason": "Elb.InitialHealthChecking",
                "Description": "Initial health checks in progress",
            }
        ]
        * 2
    )
    env.advance(INTERVAL)  # the second failure: unhealthy, and ECS replaces the task
    stopped = env.tasks("STOPPED")
    assert len(stopped) == 2
    assert {t["stoppedReason"] for t in stopped} == {f"Task failed ELB health checks in (target-group {env.tg})"}
    assert {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}
    health = env.elbv2.describe_target_health(TargetGroupArn=env.tg, Targets=[{"Id": ip_of(stopped[0]), "Port": 8000}])[
        "TargetHealthDescriptions"
    ][0]["TargetHealth"]
    assert health == {
        "State": "draining",
        "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress",
    }
    messages = env.events()
    assert any(f"is unhealthy in (target-group {env.tg}) due to (reason {description})" in m for m in messages)
    # the old tasks kept serving (minimum healthy 100%); the breaker trips at 3 failures and rolls back
    for _ in range(6):
        env.advance(START + 2 * INTERVAL)
    service = env.describe()
    assert service["taskDefinition"] == good
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert any("circuit breaker" in (d.get("rolloutStateReason") or "") for d in service["deployments"]) or any(
        "rolling back" in m for m in env.events()
    )


def test_container_health_check_failures_are_replaced_after_the_grace_period(env):
    env.settings(containerUnhealthyImages=["app:sick"])
    env.service(
        desired=1,
        lb=False,
        taskDefinition=env.task_definition("app:sick", health_check=True),
        healthCheckGracePeriodSeconds=60,
    )
    env.advance(6 + 5 * 3)  # started at 6 s, three failed checks (5 s apart): UNHEALTHY at 21 s
    [task] = env.tasks()
    assert task["healthStatus"] == "UNHEALTHY" and task["containers"][0]["healthStatus"] == "UNHEALTHY"
    env.advance(68 - 21 - 1)  # still inside the grace period (60 s from RUNNING at 8 s)
    assert [t["taskArn"] for t in env.tasks()] == [task["taskArn"]]
    env.advance(2)
    stopped = env.task(task["taskArn"])
    assert stopped["desiredStatus"] == "STOPPED" and stopped["stoppedReason"] == "Task failed container health checks"
    assert env.describe()["deployments"][0]["failedTasks"] == 1


def test_a_running_task_whose_target_turns_unhealthy_is_replaced(env):
    env.service(desired=1)
    env.advance(START + INTERVAL)
    [task] = env.tasks()
    env.aws.admin("tasks", "POST", {"action": "failTargetHealth", "task": task["taskArn"], "reason": "Target.Timeout"})
    env.advance(2 * INTERVAL)
    assert env.task(task["taskArn"])["desiredStatus"] == "STOPPED"
    assert len(env.tasks()) == 1


def test_external_task_sets_run_their_share_of_the_desired_count(env):
    env.ecs.create_service(cluster="c", serviceName="ext", desiredCount=3, deploymentController={"type": "EXTERNAL"})
    task_set = env.ecs.create_task_set(
        cluster="c",
        service="ext",
        taskDefinition=env.task_definition(),
        launchType="FARGATE",
        networkConfiguration=env.network,
        loadBalancers=[{"targetGroupArn": env.tg, "containerName": "web", "containerPort": 8000}],
        scale={"unit": "PERCENT", "value": 50},
    )["taskSet"]
    env.advance(START + INTERVAL)
    [described] = env.ecs.describe_task_sets(cluster="c", service="ext")["taskSets"]
    assert described["computedDesiredCount"] == 2  # ceil(3 x 50%)
    assert (described["runningCount"], described["stabilityStatus"]) == (2, "STEADY_STATE")
    tasks = env.tasks(serviceName="ext")
    assert {t["startedBy"] for t in tasks} == {task_set["id"]}
    assert len(env.health()) == 2
    env.ecs.delete_task_set(cluster="c", service="ext", taskSet=task_set["taskSetArn"])
    assert env.tasks(serviceName="ext") == []
    assert len(env.tasks("STOPPED", serviceName="ext")) == 2


def test_the_task_group_api_runs_a_service_revision_behind_a_target_group():
    """What an ECS-native deployment engine does: a group of kind ``revision`` keeps its tasks running."""
    from moto import mock_aws
    from moto.ec2.models import ec2_backends
    from moto.ecs.models import ecs_backends

    from awsemu import reconcile
    from awsemu.core import STORE
    from awsemu.services import ecs_runtime, ecs_tasks, elbv2_routing  # noqa: F401 - installs the ELBv2 fixes
    from awsemu.services.ecs_tasks import TaskGroup

    account, region = "123456789012", "ap-northeast-2"
    with mock_aws():
        try:
            ecs = ecs_backends[account][region]
            cluster = ecs.create_cluster("c")
            definition = ecs.register_task_definition(
                "app",
                [{"name": "web", "image": "app:1", "portMappings": [{"containerPort": 8000}]}],
                requires_compatibilities=["FARGATE"],
                network_mode="awsvpc",
                cpu="256",
                memory="512",
            )
            subnet = next(iter(next(iter(ec2_backends[account][region].subnets.values())).values()))
            model = ecs_tasks.model_for(account, region)
            at = reconcile.now()
            up = at + ecs_runtime.start_seconds()
            model.add_group(
                TaskGroup(
                    key="arn:aws:ecs:ap-northeast-2:123456789012:service-revision/c/s/1",
                    kind="revision",
                    cluster_arn=cluster.arn,
                    task_definition_arn=definition.arn,
                    desired=2,
                    created_at=at,
                    started_by="ecs-svc/1",
                    group_name="service:s",
                    network_configuration={"awsvpcConfiguration": {"subnets": [subnet.id]}},
                )
            )
            model.advance(up)
            tasks = model.tasks_of("arn:aws:ecs:ap-northeast-2:123456789012:service-revision/c/s/1")
            assert [t.last_status for t in tasks] == ["RUNNING", "RUNNING"]
            assert model.ready_since("arn:aws:ecs:ap-northeast-2:123456789012:service-revision/c/s/1") is not None

            # a background thread reconciling while requests change the model: no error, one answer
            errors: list[BaseException] = []

            def loop() -> None:
                try:
                    for _ in range(200):
                        reconcile.reconcile(up)
                except BaseException as err:  # noqa: BLE001 - reported below
                    errors.append(err)

            thread = threading.Thread(target=loop)
            thread.start()
            for _ in range(200):
                with STORE.lock:
                    model.groups["arn:aws:ecs:ap-northeast-2:123456789012:service-revision/c/s/1"].desired = 2
                    model.advance(up)
            thread.join()
            assert errors == []
            model.retire_group("arn:aws:ecs:ap-northeast-2:123456789012:service-revision/c/s/1", up + 1.0)
            model.advance(up + 1.0)
            assert [t.last_status for t in tasks] == ["STOPPED", "STOPPED"]
        finally:
            STORE.reset()
