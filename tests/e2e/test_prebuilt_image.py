"""End to end: a prebuilt image URI (app_image_uri) deploys without a build, pinned by its digest (issue 16).

A team's CI pushed an image to ECR (here: the whoami image, built once by this module and pushed to the emulator's
registry under a repository of its own). ``site.yml`` with ``app_image_uri`` naming it by tag, as the ECR console
shows it (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>``), and an ``app_source_dir`` that does not
even exist: the stack checks the image is in ECR (DescribeImages), builds and pushes nothing, and the task definition
names the image by the digest ECR holds. An image that is not there fails before anything is changed, naming
app_image_uri.
"""

from __future__ import annotations

import base64
import subprocess
import uuid
from typing import Any

import pytest

from tests.container.container_helpers import docker
from tests.e2e.conftest import TIME_SCALE, E2EStack
from tests.support import INVENTORY_BUILD_ARGS, WHOAMI_DIR, remove_local_images

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

ACCOUNT = "123456789012"  # the emulator's (moto's default)
REGION = "ap-northeast-2"
RUN = uuid.uuid4().hex[:8]
CI_REPOSITORY = f"e2e-{RUN}/ci"  # where "CI" pushed the image
STACK_REPOSITORY = f"e2e-{RUN}/stack"  # the stack's own repository: it must stay empty
TAG = "ci-7"
PORT = 9000
HEALTH = "/health/ready"
MUTATING_PREFIXES = ("Create", "Put", "Update", "Delete", "Register", "Tag", "Untag", "Attach", "Modify", "Set")


@pytest.fixture(scope="module")
def pushed(emulator: Any, docker_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The emulator, reset, with the whoami image pushed to CI_REPOSITORY:TAG as CI would (an ECR login, docker
    push); yields ECR's digest of it."""
    emulator.reset()
    emulator.admin("clock", "POST", {"scale": TIME_SCALE})
    ecr = emulator.boto3_client("ecr")
    ecr.create_repository(repositoryName=CI_REPOSITORY)
    image = f"{emulator.registry}/{CI_REPOSITORY}:{TAG}"
    build_args = [arg for k, v in INVENTORY_BUILD_ARGS.items() for arg in ("--build-arg", f"{k}={v}")]
    docker("build", "--network", "none", *build_args, "--build-arg", f"VERSION={TAG}", "--tag", image, str(WHOAMI_DIR))
    # A Docker client configuration of this module's own: the login stays out of the shared ~/.docker.
    config = str(tmp_path_factory.mktemp("docker-config"))
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, password = base64.b64decode(token).decode().split(":", 1)
    login = subprocess.run(
        ["docker", "--config", config, "login", "--username", user, "--password-stdin", emulator.registry],
        input=password,
        capture_output=True,
        text=True,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    docker("--config", config, "push", image)
    details = ecr.describe_images(repositoryName=CI_REPOSITORY, imageIds=[{"imageTag": TAG}])
    try:
        yield details["imageDetails"][0]["imageDigest"]
    finally:
        remove_local_images(emulator.registry, CI_REPOSITORY)
        remove_local_images(emulator.registry, STACK_REPOSITORY)


def stack(emulator: Any, uri: str) -> E2EStack:
    return E2EStack(
        emulator,
        "ECS",
        {
            "app_name": "prebuilt",
            "app_repository_name": STACK_REPOSITORY,
            "app_image_uri": uri,
            # Nothing is built: the app's directory is never read, so it need not exist.
            "app_source_dir": f"/nonexistent/{RUN}",
            "app_container_port": PORT,
            "app_health_check_path": HEALTH,
        },
    )


def ecr_uri(repository: str, suffix: str) -> str:
    return f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{repository}{suffix}"


def local_images(emulator: Any, repository: str) -> list[str]:
    return docker("image", "ls", "--quiet", f"{emulator.registry}/{repository}").stdout.split()


def test_an_image_that_is_not_in_ecr_fails_before_any_change_naming_app_image_uri(emulator, pushed):
    emulator.admin("requests", "DELETE")
    run = stack(emulator, ecr_uri(CI_REPOSITORY, ":not-pushed")).play("site.yml")
    assert run.rc != 0, run
    assert "app_image_uri" in run.stdout and "has no image not-pushed" in run.stdout, run
    calls = [(r["service"], r["action"]) for r in emulator.admin("requests")["requests"]]
    assert ("ecr", "DescribeImages") in calls
    assert [c for c in calls if c[1].startswith(MUTATING_PREFIXES)] == [], "nothing may change before the check"


def test_a_prebuilt_image_deploys_without_a_build_pinned_by_its_digest(emulator, pushed):
    emulator.admin("requests", "DELETE")
    prebuilt = stack(emulator, ecr_uri(CI_REPOSITORY, f":{TAG}"))
    up = prebuilt.play("site.yml")
    assert up.rc == 0, up

    (container,) = prebuilt.client("ecs").describe_task_definition(taskDefinition="prebuilt")["taskDefinition"][
        "containerDefinitions"
    ]
    assert container["image"] == ecr_uri(CI_REPOSITORY, f"@{pushed}")
    assert [m["containerPort"] for m in container["portMappings"]] == [PORT]
    service = prebuilt.service()
    assert service["runningCount"] == 2 and service["taskDefinition"].endswith("/prebuilt:1")
    # No build and no push: no ECR login, no image of the stack's repository here or in ECR, the build task skipped.
    calls = {(r["service"], r["action"]) for r in emulator.admin("requests")["requests"]}
    assert ("ecr", "GetAuthorizationToken") not in calls
    assert local_images(emulator, STACK_REPOSITORY) == []
    ecr = prebuilt.client("ecr")
    assert ecr.describe_images(repositoryName=STACK_REPOSITORY)["imageDetails"] == []
    assert "Build, tag and push the image" not in up.stdout
    assert ": Look the image up in its ECR repository]" in up.stdout

    again = prebuilt.play("site.yml")
    assert again.rc == 0 and again.changed == 0, again


def test_the_same_image_by_digest_is_the_same_revision(emulator, pushed):
    by_digest = stack(emulator, ecr_uri(CI_REPOSITORY, f"@{pushed}")).play("site.yml")
    assert by_digest.rc == 0, by_digest
    assert by_digest.changed == 0, by_digest
