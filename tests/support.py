"""Helpers shared by the test packages (plain functions; the fixtures built on them are in tests/conftest.py).

- What the Docker tests need, and the one rule for when it is missing: skip on a laptop, fail under
  ``REQUIRE_DOCKER=1`` (.ci/run sets it, so CI cannot pass without running them).
- ``molecule()``: ``molecule test -s <scenario>`` against a test emulator.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
# The collection: its one home in the repository (galaxy.yml, meta/, plugins/, roles/), found by ansible.cfg's
# collections_path (./collections) and by pytest's pythonpath as ansible_collections.fargatedemo.ecs_delivery.
COLLECTION = "fargatedemo.ecs_delivery"
COLLECTION_DIR = ROOT / "collections" / "ansible_collections" / "fargatedemo" / "ecs_delivery"
VENV_BIN = ROOT / ".venv" / "bin"
APP_DIR = ROOT / "hello_app"
# The second sample app (plain ASGI on uvicorn, port 9000, /health/ready): nothing of hello_app in its path.
WHOAMI_DIR = ROOT / "sample_apps" / "whoami"
# Debian's docker-registry (make host-deps): the plain registry the container tests push to, and the blob store
# behind each emulator's ECR registry (which is the emulator's own host:port: EmulatorProcess.registry).
REGISTRY_BACKEND = "127.0.0.1:5000"
# The build arguments the local inventory gives the ecr role (BASE_IMAGE, the offline wheelhouse install).
INVENTORY_BUILD_ARGS: dict[str, str] = yaml.safe_load(
    (ROOT / "inventory" / "local" / "group_vars" / "all" / "main.yml").read_text()
)["app_image_build_args"]
BASE_IMAGE = INVENTORY_BUILD_ARGS["BASE_IMAGE"]


# The ECS blue/green lifecycle events in the order the AWS CodeDeploy docs give ("AppSpec 'hooks' section
# for an Amazon ECS deployment"): the tests' own oracle, spelled once, not imported from the code they check.
ECS_LIFECYCLE_EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)


def unavailable(reason: str) -> None:
    """Skip the test for want of ``reason``, or fail it when REQUIRE_DOCKER=1."""
    if os.environ.get("REQUIRE_DOCKER") == "1":
        pytest.fail(f"REQUIRE_DOCKER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def registry_problem() -> str | None:
    """Why the registry on 127.0.0.1:5000 (behind the emulators' ECR registries) cannot be used, or None."""
    try:
        with urllib.request.urlopen(f"http://{REGISTRY_BACKEND}/v2/", timeout=5) as response:
            status: Any = response.status
    except OSError as err:
        status = f"unreachable ({err})"
    return None if status == 200 else f"no registry answers on {REGISTRY_BACKEND} (make host-deps): {status}"


def docker_problem(*, registry: bool = True) -> str | None:
    """Why images cannot be built (and pushed, with ``registry``) here, or None.

    Checks, in order: the docker CLI, an engine that answers, the base image and the wheelhouse
    (make base-image), the registry on 127.0.0.1:5000 (make host-deps).
    """
    if shutil.which("docker") is None:
        return "the docker CLI is not installed (make host-deps)"
    try:
        info = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True, timeout=30
        )
        if info.returncode != 0:
            return f"no Docker engine answers (make host-deps): {info.stderr.strip()[:200]}"
        if subprocess.run(["docker", "image", "inspect", BASE_IMAGE], capture_output=True, timeout=30).returncode:
            return f"base image {BASE_IMAGE} is missing (make base-image)"
    except subprocess.TimeoutExpired:
        return "the Docker engine does not answer (make host-deps)"
    for app in (APP_DIR, WHOAMI_DIR):
        if not any((app / "wheels").glob("*.whl")):
            return f"the wheelhouse {app.relative_to(ROOT)}/wheels/ is empty (make base-image)"
    return registry_problem() if registry else None


def remove_local_images(registry: str, repository: str) -> None:
    """Remove the Docker engine's images of ``registry/repository`` (every tag), if any."""
    if shutil.which("docker") is None:
        return
    listed = subprocess.run(
        ["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", f"{registry}/{repository}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    if listed:
        subprocess.run(["docker", "image", "rm", "--force", *listed], capture_output=True, check=False)


def default_network(ec2: Any) -> tuple[str, list[dict[str, Any]]]:
    """The default VPC's id and its subnets (EC2 Subnet shapes), sorted by Availability Zone."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    return vpc, sorted(subnets, key=lambda s: s["AvailabilityZone"])


def app_task_definition(ecs: Any, image: str, port: int, **container: Any) -> str:
    """Register a revision of family ``app`` for Fargate (0.25 vCPU, 512 MiB, awsvpc): one essential container
    ``web`` running ``image`` on ``port``, plus the ContainerDefinition fields in ``container``; its ARN."""
    definition = {"name": "web", "image": image, "essential": True, "portMappings": [{"containerPort": port}]}
    return ecs.register_task_definition(
        family="app",
        cpu="256",
        memory="512",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        containerDefinitions=[{**definition, **container}],
    )["taskDefinition"]["taskDefinitionArn"]


def ip_target_group(elbv2: Any, name: str, vpc: str, port: int, *, interval: int, drain: int) -> str:
    """An HTTP target group of ``ip`` targets checked on /healthz every ``interval`` seconds (two checks to turn
    healthy or unhealthy) that drains a deregistered target for ``drain`` seconds; its ARN."""
    arn = elbv2.create_target_group(
        Name=name,
        Protocol="HTTP",
        Port=port,
        VpcId=vpc,
        TargetType="ip",
        HealthCheckPath="/healthz",
        HealthCheckIntervalSeconds=interval,
        HealthyThresholdCount=2,
        UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": str(drain)}]
    )
    return arn


def molecule(
    scenario: str, emulator: Any, *, env: dict[str, str] | None = None, timeout: float = 1500
) -> subprocess.CompletedProcess:
    """``molecule test -s scenario`` against ``emulator`` with ``env`` added; the caller's own AWS_, MOLECULE_ and
    ANSIBLE_ variables are left out, so a developer's shell cannot point the scenario elsewhere."""
    run_env = emulator.run_env(drop=("AWS_", "MOLECULE_", "ANSIBLE_"), extra={"NO_COLOR": "1", **(env or {})})
    start = time.monotonic()
    proc = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", scenario],
        cwd=ROOT,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    proc.seconds = time.monotonic() - start  # type: ignore[attr-defined]
    return proc


def assert_molecule_passes(
    scenario: str, emulator: Any, *, env: dict[str, str] | None = None, timeout: float = 1500
) -> None:
    proc = molecule(scenario, emulator, env=env, timeout=timeout)
    assert proc.returncode == 0, (
        f"molecule test -s {scenario} failed after {proc.seconds:.0f}s:\n"  # type: ignore[attr-defined]
        f"{proc.stdout[-8000:]}\n{proc.stderr[-4000:]}"
    )


def put_elb_alarm(cloudwatch: Any, name: str, metric: str, statistic: str) -> None:
    """A one-period AWS/ApplicationELB alarm at threshold 1 (tests drive its state with SetAlarmState)."""
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName=metric,
        Namespace="AWS/ApplicationELB",
        Statistic=statistic,
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
