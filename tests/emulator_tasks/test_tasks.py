"""ECS tasks as records (awsemu/services/ecs_tasks.py): lifecycle, ListTasks, DescribeTasks, StopTask, RunTask."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import DRAIN, PORT, START, ip_of


def code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_a_service_task_goes_through_the_lifecycle_on_the_clock(env):
    env.service(taskDefinition=env.task_definition(health_check=True))
    # (seconds since CreateService, lastStatus, attachment status, container health, target state/reason)
    timeline = [
        (0, "PROVISIONING", "PRECREATED", "UNKNOWN", None),
        (3, "PENDING", "ATTACHED", "UNKNOWN", None),
        (7, "ACTIVATING", "ATTACHED", "UNKNOWN", ("initial", "Elb.RegistrationInProgress")),
        (9, "RUNNING", "ATTACHED", "UNKNOWN", ("initial", "Elb.RegistrationInProgress")),
        (11, "RUNNING", "ATTACHED", "HEALTHY", ("healthy", None)),
    ]
    elapsed = 0.0
    for at, status, attachment, health, target in timeline:
        env.advance(at - elapsed)
        elapsed = at
        tasks = env.tasks()
        assert [t["lastStatus"] for t in tasks] == [status, status], at
        assert {t["attachments"][0]["status"] for t in tasks} == {attachment}, at
        assert {t["healthStatus"] for t in tasks} == {health}, at
        if target is None:
            assert env.health() == {}, at
        else:
            assert set(env.health().values()) == {target}, at
    [first, second] = env.tasks()
    service = env.describe()
    deployment = service["deployments"][0]
    assert {first["startedBy"], second["startedBy"]} == {deployment["id"]}
    assert {first["group"], second["group"]} == {"service:s"}
    assert deployment["rolloutState"] == "COMPLETED" and service["runningCount"] == 2
    # spread over the two subnets, each with an address of its subnet's CIDR
    details = [{d["name"]: d["value"] for d in t["attachments"][0]["details"]} for t in (first, second)]
    assert {d["subnetId"] for d in details} == set(list(env.subnets)[:2])
    assert all(env.in_subnet(d["privateIPv4Address"], d["subnetId"]) for d in details)
    eni = env.ec2.describe_network_interfaces(NetworkInterfaceIds=[details[0]["networkInterfaceId"]])
    assert eni["NetworkInterfaces"][0]["PrivateIpAddress"] == details[0]["privateIPv4Address"]
    assert first["connectivity"] == "CONNECTED"
    assert first["pullStartedAt"] < first["pullStoppedAt"] < first["startedAt"]
    assert (first["cpu"], first["memory"], first["launchType"], first["platformVersion"]) == (
        "256",
        "512",
        "FARGATE",
        "1.4.0",
    )
    [container] = first["containers"]
    assert container["lastStatus"] == "RUNNING" and container["healthStatus"] == "HEALTHY"
    assert container["networkInterfaces"][0]["privateIpv4Address"] == details[0]["privateIPv4Address"]
    messages = env.events()
    assert messages[0].startswith("(service s) has started 2 tasks: (task ")
    assert f"(service s) registered 2 targets in (target-group {env.tg})" in messages
    assert messages[-1] == "(service s) has reached a steady state."


def test_list_tasks_filters_and_pages(env):
    env.service("a", desired=3, lb=False)
    env.service("b", desired=1, lb=False)
    env.advance(START)
    everything = env.ecs.list_tasks(cluster="c")["taskArns"]
    assert len(everything) == 4
    assert len(env.ecs.list_tasks(cluster="c", serviceName="a")["taskArns"]) == 3
    deployment = env.describe("b")["deployments"][0]["id"]
    assert len(env.ecs.list_tasks(cluster="c", startedBy=deployment)["taskArns"]) == 1
    assert len(env.ecs.list_tasks(cluster="c", family="app")["taskArns"]) == 4
    assert env.ecs.list_tasks(cluster="c", family="other")["taskArns"] == []
    assert env.ecs.list_tasks(cluster="c", desiredStatus="STOPPED")["taskArns"] == []
    assert env.ecs.list_tasks(cluster="c", desiredStatus="PENDING")["taskArns"] == []
    first = env.ecs.list_tasks(cluster="c", maxResults=3)
    assert len(first["taskArns"]) == 3 and first["nextToken"]
    rest = env.ecs.list_tasks(cluster="c", maxResults=3, nextToken=first["nextToken"])
    assert len(rest["taskArns"]) == 1 and "nextToken" not in rest
    paged = [
        arn
        for page in env.ecs.get_paginator("list_tasks").paginate(cluster="c", PaginationConfig={"PageSize": 2})
        for arn in page["taskArns"]
    ]
    assert sorted(paged) == sorted(everything)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda ecs: ecs.list_tasks(cluster="nope"), "ClusterNotFoundException"),
        (lambda ecs: ecs.list_tasks(cluster="c", serviceName="nope"), "ServiceNotFoundException"),
        (lambda ecs: ecs.list_tasks(cluster="c", nextToken="garbage"), "InvalidParameterException"),
        (lambda ecs: ecs.describe_tasks(cluster="c", tasks=[]), "InvalidParameterException"),
        (lambda ecs: ecs.describe_tasks(cluster="nope", tasks=["x"]), "ClusterNotFoundException"),
        (lambda ecs: ecs.stop_task(cluster="c", task="0123456789abcdef0123456789abcdef"), "InvalidParameterException"),
    ],
    ids=["cluster", "service", "token", "no-tasks", "describe-cluster", "stop-unknown"],
)
def test_task_api_errors(env, call, error):
    with pytest.raises(ClientError) as excinfo:
        call(env.ecs)
    assert code(excinfo) == error


def test_describe_tasks_reports_unknown_tasks_as_failures(env):
    env.service(desired=1, lb=False)
    [arn] = env.ecs.list_tasks(cluster="c")["taskArns"]
    answer = env.ecs.describe_tasks(cluster="c", tasks=[arn.split("/")[-1], "0" * 32])
    assert [t["taskArn"] for t in answer["tasks"]] == [arn]
    assert answer["failures"] == [
        {"arn": "arn:aws:ecs:ap-northeast-2:123456789012:task/c/" + "0" * 32, "reason": "MISSING"}
    ]


def test_stop_task_drains_then_stops_and_the_service_replaces_it(env):
    env.service(desired=1)
    env.advance(12)
    [task] = env.tasks()
    ip = ip_of(task)
    stopped = env.ecs.stop_task(cluster="c", task=task["taskArn"], reason="testing")["task"]
    assert (stopped["desiredStatus"], stopped["lastStatus"], stopped["stopCode"]) == (
        "STOPPED",
        "DEACTIVATING",
        "UserInitiated",
    )
    assert stopped["stoppedReason"] == "testing"
    assert env.health()[ip] == ("draining", "Target.DeregistrationInProgress")
    [replacement] = env.tasks()
    assert replacement["taskArn"] != task["taskArn"] and replacement["lastStatus"] == "PROVISIONING"
    env.advance(DRAIN - 1)
    assert env.task(task["taskArn"])["lastStatus"] == "DEACTIVATING"
    env.advance(1)
    done = env.task(task["taskArn"])
    assert done["lastStatus"] == "STOPPED" and done["attachments"][0]["status"] == "DELETED"
    assert done["containers"][0]["exitCode"] == 0 and done["stoppingAt"] <= done["executionStoppedAt"]
    assert ip not in env.health()
    assert [t["taskArn"] for t in env.tasks("STOPPED")] == [task["taskArn"]]
    messages = env.events()
    assert "(service s) has begun draining connections on 1 tasks." in messages
    assert f"(service s) deregistered 1 targets in (target-group {env.tg})" in messages


def test_a_container_that_ignores_sigterm_is_killed_after_its_stop_timeout(env):
    env.settings(sigtermIgnoringImages=["app:stubborn"])
    env.service(desired=1, lb=False, taskDefinition=env.task_definition("app:stubborn", stopTimeout=12))
    env.advance(START)
    [task] = env.tasks()
    env.ecs.stop_task(cluster="c", task=task["taskArn"])
    assert env.task(task["taskArn"])["lastStatus"] == "STOPPING"
    env.advance(11)
    assert env.task(task["taskArn"])["lastStatus"] == "STOPPING"
    env.advance(1)
    done = env.task(task["taskArn"])
    assert done["lastStatus"] == "STOPPED" and done["containers"][0]["exitCode"] == 137
    assert done["stoppedReason"] == "Task stopped by user"


@pytest.mark.parametrize(
    ("exit_code", "reason"),
    [(137, "OutOfMemoryError: Container killed due to memory usage"), (1, None)],
    ids=["oom", "crash"],
)
def test_an_exited_essential_container_stops_the_task_and_the_service_replaces_it(env, exit_code, reason):
    env.service(desired=1, lb=False)
    env.advance(START)
    [task] = env.tasks()
    payload = {"action": "exit", "task": task["taskArn"], "exitCode": exit_code}
    if reason:
        payload["reason"] = reason
    env.aws.admin("tasks", "POST", payload)
    done = env.task(task["taskArn"])
    assert (done["lastStatus"], done["stopCode"], done["stoppedReason"]) == (
        "STOPPED",
        "EssentialContainerExited",
        "Essential container in task exited",
    )
    assert done["containers"][0]["exitCode"] == exit_code
    assert done["containers"][0].get("reason") == reason
    [replacement] = env.tasks()
    assert replacement["lastStatus"] == "PROVISIONING"
    env.advance(START)
    assert env.describe()["runningCount"] == 1


def test_an_image_that_cannot_be_pulled_fails_to_start(env):
    env.settings(failingImages=["app:missing"])
    env.service(desired=1, lb=False, taskDefinition=env.task_definition("app:missing"))
    env.advance(START)
    [failed] = env.tasks("STOPPED")
    assert failed["stopCode"] == "TaskFailedToStart"
    assert failed["stoppedReason"].startswith("CannotPullContainerError:")
    assert failed["containers"][0]["reason"].startswith("CannotPullContainerError:")
    assert "startedAt" not in failed and "exitCode" not in failed["containers"][0]
    assert env.describe()["deployments"][0]["failedTasks"] >= 1


def test_run_task_starts_standalone_tasks_that_are_not_replaced(env):
    answer = env.ecs.run_task(
        cluster="c",
        taskDefinition=env.task_definition(),
        count=2,
        launchType="FARGATE",
        networkConfiguration=env.network,
        startedBy="nightly-job",
        tags=[{"key": "team", "value": "a"}],
        overrides={"containerOverrides": [{"name": "web", "command": ["migrate"]}]},
    )
    assert answer["failures"] == [] and len(answer["tasks"]) == 2
    assert {t["group"] for t in answer["tasks"]} == {"family:app"}
    env.advance(START)
    tasks = env.tasks(startedBy="nightly-job")
    assert [t["lastStatus"] for t in tasks] == ["RUNNING", "RUNNING"]
    assert tasks[0]["tags"] == [{"key": "team", "value": "a"}]
    assert tasks[0]["overrides"]["containerOverrides"] == [{"name": "web", "command": ["migrate"]}]
    env.ecs.stop_task(cluster="c", task=tasks[0]["taskArn"])
    assert len(env.tasks(startedBy="nightly-job")) == 1  # nothing replaces a standalone task


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"count": 11}, "InvalidParameterException"),
        ({"networkConfiguration": None}, "InvalidParameterException"),
        ({"taskDefinition": "nope:1"}, "ClientException"),
        ({"launchType": "EC2"}, "InvalidParameterException"),
        ({"capacityProviderStrategy": [{"capacityProvider": "FARGATE"}]}, "InvalidParameterException"),
    ],
    ids=["count", "network", "definition", "ec2-without-instances", "type-and-strategy"],
)
def test_run_task_validation(env, overrides, error):
    params = {
        "cluster": "c",
        "taskDefinition": env.task_definition(),
        "launchType": "FARGATE",
        "networkConfiguration": env.network,
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    with pytest.raises(ClientError) as excinfo:
        env.ecs.run_task(**params)
    assert code(excinfo) == error
    assert env.ecs.list_tasks(cluster="c")["taskArns"] == []


def test_cluster_counts_and_delete_cluster_come_from_the_tasks(env):
    env.service(desired=2, lb=False)
    cluster = env.ecs.describe_clusters(clusters=["c"])["clusters"][0]
    assert (cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (0, 2)
    env.advance(START)
    cluster = env.ecs.describe_clusters(clusters=["c"])["clusters"][0]
    assert (cluster["runningTasksCount"], cluster["pendingTasksCount"]) == (2, 0)
    env.ecs.update_service(cluster="c", service="s", desiredCount=0)
    env.ecs.delete_service(cluster="c", service="s")
    env.ecs.run_task(
        cluster="c", taskDefinition=env.task_definition(), launchType="FARGATE", networkConfiguration=env.network
    )
    with pytest.raises(ClientError) as excinfo:
        env.ecs.delete_cluster(cluster="c")
    assert code(excinfo) == "ClusterContainsTasksException"


def test_reset_forgets_tasks_and_their_network_interfaces(env):
    env.service(desired=2)
    env.advance(START)
    assert len(env.aws.admin("tasks")["tasks"]) == 2
    env.aws.reset()
    assert env.aws.admin("tasks")["tasks"] == []
    ec2 = env.aws.boto3_client("ec2")
    assert [
        e for e in ec2.describe_network_interfaces()["NetworkInterfaces"] if "ecs" in e.get("Description", "")
    ] == []


def test_admin_tasks_refuses_unknown_tasks_and_actions(env):
    env.service(desired=1, lb=False)
    [task] = env.aws.admin("tasks")["tasks"]
    assert task["runtime"] == "api" and task["kind"] == "deployment" and task["service"] == "s"
    with pytest.raises(env.aws.AdminError) as excinfo:
        env.aws.admin("tasks", "POST", {"action": "exit", "task": "nope"})
    assert excinfo.value.status == 400
    with pytest.raises(env.aws.AdminError):
        env.aws.admin("tasks", "POST", {"action": "explode", "task": task["taskArn"]})


def test_task_port_is_the_container_port(env):
    env.service(desired=1)
    env.advance(START)
    [description] = env.elbv2.describe_target_health(TargetGroupArn=env.tg)["TargetHealthDescriptions"]
    assert description["Target"]["Port"] == PORT and description["HealthCheckPort"] == str(PORT)
    assert description["Target"]["AvailabilityZone"].startswith("ap-northeast-2")
    assert description["AdministrativeOverride"]["State"] == "no_override"
