"""End to end: ``site.yml -i inventory/local`` stands the rolling-update stack up on a fresh emulator (issue 3).

One module-scoped converge is shared by the tests that read it; the tests that change the stack run in file
order (second run, check, deploy, cpu/memory, teardown). Every playbook run's duration goes to
build/e2e-site-ecs-timings.json and is printed at the end of the module.

Images are built and pushed to the emulator's ECR registry (its own host:port) by the ecr role in every
converge, so the tests that converge need Docker: they skip without it, and fail when REQUIRE_DOCKER=1.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Docker availability (skip, or fail under REQUIRE_DOCKER=1) is the suite's docker_ready fixture.
from tests.container.container_helpers import docker

# Every test runs whole playbooks; the ones that converge (the ecr role builds and pushes) also carry `docker`.
# The only tests that use (and tear down) the seed's repository name fargatedemo/helloapp; each emulator's
# registry keeps its images apart from every other emulator's.
pytestmark = [pytest.mark.slow, pytest.mark.emulator]

ROOT = Path(__file__).resolve().parents[2]
TIMINGS_FILE = ROOT / "build" / "e2e-site-ecs-timings.json"
APP = "helloapp"
# The emulator's account (moto's default).
ACCOUNT = "123456789012"
FAMILY = APP
CLUSTER = APP
SERVICE = APP
ALB = f"{APP}-alb"
TARGET_GROUPS = [f"{APP}-tg1", f"{APP}-tg2"]
REPOSITORY = "fargatedemo/helloapp"
LOG_GROUP = f"/ecs/{APP}"
# The stack owns its roles: names derived from app_name (inventory/local), never the account-wide console ones.
ROLES = [f"{APP}-task-execution", f"{APP}-codedeploy"]
# Tags of this session only: the registry stand-in outlives the emulator and is shared with other runs.
RUN = uuid.uuid4().hex[:6]
TAG_V1 = f"e2e-{RUN}-v1"
TAG_V2 = f"e2e-{RUN}-v2"
# Read-only API calls; everything else changes something.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet")
# What a deploy must never change: IAM, the network and load balancer, the log group, the cluster, the repository.
DEPLOY_FORBIDDEN_SERVICES = {"iam", "ec2", "elasticloadbalancing", "logs"}
DEPLOY_FORBIDDEN_ACTIONS = {
    ("ecs", action)
    for action in ("CreateCluster", "UpdateCluster", "UpdateClusterSettings", "PutClusterCapacityProviders")
} | {
    ("ecr", action)
    for action in (
        "CreateRepository",
        "PutLifecyclePolicy",
        "PutImageScanningConfiguration",
        "PutImageTagMutability",
        "SetRepositoryPolicy",
    )
}


# --- fixtures and helpers
@dataclass
class Timings:
    runs: list[dict[str, Any]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def record(self, label: str, seconds: float, rc: int) -> None:
        self.runs.append({"run": label, "seconds": round(seconds, 1), "rc": rc})
        self.write()

    def write(self) -> None:
        TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        total = round(time.monotonic() - self.started, 1)
        TIMINGS_FILE.write_text(json.dumps({"module_seconds": total, "runs": self.runs}, indent=2) + "\n")


@pytest.fixture(scope="module")
def timings() -> Iterator[Timings]:
    record = Timings()
    yield record
    record.write()
    lines = [f"  {run['seconds']:7.1f}s rc={run['rc']} {run['run']}" for run in record.runs]
    total = round(time.monotonic() - record.started, 1)
    print(f"\ntest_site_ecs playbook runs ({total}s in the module):\n" + "\n".join(lines))


def requests_log(emulator) -> list[dict[str, Any]]:
    return emulator.admin("requests")["requests"]


def clear_requests(emulator) -> None:
    emulator.admin("requests", "DELETE")


def calls(log: list[dict[str, Any]]) -> Counter:
    return Counter((entry["service"], entry["action"]) for entry in log)


def mutating(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["service"], e["action"]) for e in log if e["action"] and not e["action"].startswith(READ_PREFIXES)]


@pytest.fixture(scope="module")
def play(emulator, ansible_playbook, timings):
    """``play(label, playbook, extra_vars, **options) -> (PlaybookResult, request log of that run)``."""

    def run(label: str, playbook: str = "site.yml", extra_vars: dict[str, Any] | None = None, **options: Any):
        clear_requests(emulator)
        start = time.monotonic()
        result = ansible_playbook(playbook, extra_vars=extra_vars, **options)
        timings.record(label, time.monotonic() - start, result.rc)
        return result, requests_log(emulator)

    return run


def revisions(emulator) -> list[str]:
    ecs = emulator.boto3_client("ecs")
    return ecs.list_task_definitions(familyPrefix=FAMILY, status="ACTIVE")["taskDefinitionArns"]


def live_service(emulator) -> dict[str, Any]:
    services = emulator.boto3_client("ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    assert services, f"service {SERVICE} not found in cluster {CLUSTER}"
    return services[0]


def leftovers(emulator) -> dict[str, list[str]]:
    """Everything of the stack that still exists in the emulator (empty lists: nothing)."""
    iam = emulator.boto3_client("iam")
    ecr = emulator.boto3_client("ecr")
    elbv2 = emulator.boto3_client("elbv2")
    ecs = emulator.boto3_client("ecs")
    logs = emulator.boto3_client("logs")
    found: dict[str, list[str]] = {}
    found["iam roles"] = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] in ROLES]
    found["ecr repositories"] = [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]
    found["load balancers"] = [lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]]
    found["target groups"] = [tg["TargetGroupName"] for tg in elbv2.describe_target_groups()["TargetGroups"]]
    found["clusters"] = [
        c["clusterName"]
        for c in ecs.describe_clusters(clusters=[CLUSTER])["clusters"]
        if c.get("status") not in ("INACTIVE",)
    ]
    found["services"] = (
        [
            s["serviceName"]
            for s in ecs.describe_services(cluster=CLUSTER, services=[SERVICE]).get("services", [])
            if s.get("status") not in ("INACTIVE",)
        ]
        if found["clusters"]
        else []
    )
    found["active task definitions"] = revisions(emulator)
    found["log groups"] = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    # The stack's own alarms (issue 11): the ecs_service role deletes them with the service.
    found["alarms"] = [a["AlarmName"] for a in emulator.boto3_client("cloudwatch").describe_alarms()["MetricAlarms"]]
    found["security groups"] = [
        g["GroupName"]
        for g in emulator.boto3_client("ec2").describe_security_groups()["SecurityGroups"]
        if g["GroupName"].startswith(APP)
    ]
    return {kind: names for kind, names in found.items() if names}


@dataclass
class Stack:
    result: Any
    log: list[dict[str, Any]]
    # The extra vars the stack was last converged with; later runs start from these.
    extra_vars: dict[str, Any]


@pytest.fixture(scope="module")
def stack(emulator, docker_ready, play) -> Iterator[Stack]:
    """A fresh emulator and one converge of site.yml (image TAG_V1); this session's images removed afterwards."""
    emulator.reset()
    extra_vars = {"app_image_tag": TAG_V1}
    try:
        result, log = play("converge", "site.yml", extra_vars)
        assert result.rc == 0 and result.failed() == 0, str(result)
        yield Stack(result, log, extra_vars)
    finally:
        docker("image", "rm", *(f"{emulator.registry}/{REPOSITORY}:{tag}" for tag in (TAG_V1, TAG_V2)), check=False)


# --- invalid input: fails before any AWS call, naming the variable
@pytest.mark.parametrize(
    ("extra_vars", "variable"),
    [
        ({"ecs_service_task_cpu": 256, "ecs_service_task_memory": 4096}, "ecs_service_task_memory"),
        ({"app_repository_name": "FargateDemo/HelloApp"}, "repository_name"),
        ({"ecs_service_desired_count": -1}, "ecs_service_desired_count"),
    ],
    ids=["cpu256-memory4096", "uppercase-repository", "negative-desired-count"],
)
def test_invalid_input_fails_before_any_aws_call(emulator, play, extra_vars, variable):
    emulator.reset()
    # Should the run get past validation, its first AWS call fails at once instead of building the stack.
    for service, action in (("sts", "GetCallerIdentity"), ("ec2", "DescribeVpcs")):
        emulator.admin("faults", "POST", {"service": service, "action": action, "code": "AccessDenied"})
    try:
        result, log = play(f"invalid {sorted(extra_vars)}", "site.yml", {"app_image_tag": TAG_V1, **extra_vars})
    finally:
        emulator.admin("faults", "DELETE")
    assert result.rc != 0, str(result)
    assert log == [], f"AWS calls before the input was rejected: {sorted(calls(log))}\n{result}"
    assert variable in result.stdout + result.stderr, str(result)


# --- check mode on an empty account
@pytest.mark.docker
def test_check_on_empty_account_creates_nothing(emulator, docker_ready, play):
    emulator.reset()
    result, log = play("check (empty account)", "site.yml", {"app_image_tag": TAG_V1}, check=True)
    assert result.rc == 0 and result.failed() == 0, str(result)
    assert mutating(log) == [], f"check mode called mutating APIs: {mutating(log)}"
    assert leftovers(emulator) == {}


# --- converge
@pytest.mark.docker
def test_converge_holds_the_seed_names_and_settings(emulator, stack):
    iam = emulator.boto3_client("iam")
    for role in ROLES:
        assert iam.get_role(RoleName=role)["Role"]["RoleName"] == role

    repo = emulator.boto3_client("ecr").describe_repositories(repositoryNames=[REPOSITORY])["repositories"][0]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True

    elbv2 = emulator.boto3_client("elbv2")
    alb = elbv2.describe_load_balancers(Names=[ALB])["LoadBalancers"][0]
    assert alb["Type"] == "application"
    assert alb["Scheme"] == "internet-facing"
    assert len(alb["AvailabilityZones"]) >= 2
    groups = elbv2.describe_target_groups(Names=TARGET_GROUPS)["TargetGroups"]
    assert sorted(g["TargetGroupName"] for g in groups) == TARGET_GROUPS
    for group in groups:
        assert (group["TargetType"], group["Protocol"], group["Port"]) == ("ip", "HTTP", 8000), group
        assert group["HealthCheckPath"] == "/healthz", group
    listeners = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert sorted(listener["Port"] for listener in listeners) == [80, 8080]
    by_name = {g["TargetGroupName"]: g["TargetGroupArn"] for g in groups}
    production = next(listener for listener in listeners if listener["Port"] == 80)
    assert production["DefaultActions"][0]["TargetGroupArn"] == by_name[TARGET_GROUPS[0]]

    ecs = emulator.boto3_client("ecs")
    cluster = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]
    assert cluster["status"] == "ACTIVE"
    assert {"FARGATE", "FARGATE_SPOT"} <= set(cluster.get("capacityProviders", []))

    service = live_service(emulator)
    assert service["desiredCount"] == 2
    assert service["runningCount"] == 2
    assert service["deploymentController"]["type"] == "ECS"
    assert service["loadBalancers"][0]["targetGroupArn"] == by_name[TARGET_GROUPS[0]]
    assert service["loadBalancers"][0]["containerPort"] == 8000
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert len(network["subnets"]) >= 1

    taskdef = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert taskdef["family"] == FAMILY
    assert (taskdef["cpu"], taskdef["memory"]) == ("256", "512")
    assert taskdef["requiresCompatibilities"] == ["FARGATE"]
    assert taskdef["networkMode"] == "awsvpc"
    assert taskdef["executionRoleArn"].endswith(f":role/{APP}-task-execution")
    container = taskdef["containerDefinitions"][0]
    assert container["name"] == APP
    assert container["image"].endswith(f"/{REPOSITORY}:{TAG_V1}")
    assert container["portMappings"][0]["containerPort"] == 8000
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    assert container["logConfiguration"]["options"]["awslogs-group"] == LOG_GROUP
    assert "healthCheck" in container

    assert [g["logGroupName"] for g in emulator.boto3_client("logs").describe_log_groups()["logGroups"]] == [LOG_GROUP]


@pytest.mark.docker
def test_summary_shows_alb_image_revision_tasks_and_cost(emulator, stack):
    dns = emulator.boto3_client("elbv2").describe_load_balancers(Names=[ALB])["LoadBalancers"][0]["DNSName"]
    revision = live_service(emulator)["taskDefinition"].rsplit("/", 1)[1]
    out = stack.result.stdout
    assert f"http://{dns}" in out
    assert "(HTTP only: no app_certificate_arn is set)" in " ".join(out.split()), (
        "the summary says why there is no HTTPS"
    )
    assert f"{emulator.registry}/{REPOSITORY}:{TAG_V1}" in out
    assert f"Task definition: {revision}" in out
    assert "2 running / 2 desired" in out
    assert "USD/hour" in out and "USD/month" in out


@pytest.mark.docker
def test_second_run_changes_nothing(emulator, stack, play):
    result, log = play("second run", "site.yml", stack.extra_vars)
    assert result.rc == 0 and result.changed() == 0, str(result)
    assert mutating(log) == [], f"an idempotent run called mutating APIs: {mutating(log)}"


@pytest.mark.docker
def test_check_on_converged_stack_changes_nothing(emulator, stack, play):
    result, log = play("check (converged)", "site.yml", stack.extra_vars, check=True)
    assert result.rc == 0 and result.changed() == 0, str(result)
    assert mutating(log) == [], f"check mode called mutating APIs: {mutating(log)}"


# --- shipping changes: exactly one new revision and one service update each
def assert_one_rollout(emulator, before: list[str], log: list[dict[str, Any]]) -> dict[str, Any]:
    after = revisions(emulator)
    assert len(after) == len(before) + 1, f"revisions before {before}, after {after}"
    count = calls(log)
    assert count[("ecs", "RegisterTaskDefinition")] == 1, count
    assert count[("ecs", "UpdateService")] == 1, count
    service = live_service(emulator)
    assert service["taskDefinition"] == sorted(set(after) - set(before))[0]
    assert (service["desiredCount"], service["runningCount"]) == (2, 2)
    return emulator.boto3_client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]


@pytest.mark.docker
def test_deploy_tag_ships_only_the_new_image(emulator, stack, play):
    before = revisions(emulator)
    stack.extra_vars = {**stack.extra_vars, "app_image_tag": TAG_V2}
    result, log = play("--tags deploy (image v2)", "site.yml", stack.extra_vars, tags="deploy")
    assert result.rc == 0, str(result)
    taskdef = assert_one_rollout(emulator, before, log)
    assert taskdef["containerDefinitions"][0]["image"].endswith(f":{TAG_V2}")
    assert (taskdef["cpu"], taskdef["memory"]) == ("256", "512")
    forbidden = [
        call for call in mutating(log) if call[0] in DEPLOY_FORBIDDEN_SERVICES or call in DEPLOY_FORBIDDEN_ACTIONS
    ]
    assert forbidden == [], f"a deploy changed more than the image and the service: {forbidden}"
    assert f"{emulator.registry}/{REPOSITORY}:{TAG_V2}" in result.stdout


@pytest.mark.docker
def test_cpu_memory_change_rolls_one_new_revision(emulator, stack, play):
    before = revisions(emulator)
    stack.extra_vars = {**stack.extra_vars, "ecs_service_task_cpu": 512, "ecs_service_task_memory": 1024}
    result, log = play("cpu 512 / memory 1024", "site.yml", stack.extra_vars)
    assert result.rc == 0, str(result)
    taskdef = assert_one_rollout(emulator, before, log)
    assert (taskdef["cpu"], taskdef["memory"]) == ("512", "1024")
    assert taskdef["containerDefinitions"][0]["image"].endswith(f":{TAG_V2}")


# --- teardown
@pytest.mark.parametrize(
    ("confirm", "reads"),
    [("", True), (APP, False), (f"{APP}@000000000000", True)],
    ids=["unconfirmed", "app-only", "other-account"],
)
def test_teardown_without_the_right_confirmation_changes_nothing(emulator, play, confirm, reads):
    """The teardown names the account and what it deletes, and goes on only with <app_name>@<account id>:
    a malformed confirmation fails in the pre-flight (no AWS call), an empty or wrong one after read-only calls."""
    result, log = play("teardown unconfirmed", "playbooks/teardown.yml", {"teardown_confirm": confirm})
    assert result.rc != 0, str(result)
    output = " ".join((result.stdout + result.stderr).split())
    assert "teardown_confirm" in output, str(result)
    assert mutating(log) == [], f"mutating AWS calls before the confirmation was checked: {mutating(log)}"
    if reads:
        assert f"teardown_confirm={APP}@{ACCOUNT}" in output, str(result)
        assert f"Account {ACCOUNT}, region" in output, str(result)
    else:
        assert log == [], f"AWS calls before the pre-flight refused the confirmation: {sorted(calls(log))}"


@pytest.mark.docker
def test_teardown_leaves_nothing_and_a_second_teardown_changes_nothing(emulator, stack, play):
    confirm = {**stack.extra_vars, "teardown_confirm": f"{APP}@{ACCOUNT}"}
    result, _ = play("teardown", "playbooks/teardown.yml", confirm)
    assert result.rc == 0 and result.failed() == 0, str(result)
    assert leftovers(emulator) == {}
    again, log = play("teardown again", "playbooks/teardown.yml", confirm)
    assert again.rc == 0 and again.changed() == 0, str(again)
    assert mutating(log) == [], f"a second teardown called mutating APIs: {mutating(log)}"
