"""End to end: the second sample app (sample_apps/whoami) through the same roles, with no hello_app path involved.

``site.yml -i inventory/local`` with the stack contract's app inputs only (issue 16, "Any app"): ``app_source_dir``
``sample_apps/whoami`` (a relative path, resolved against the project root), its port 9000 and health path
``/health/ready``, its own build argument (``app_build_args`` VERSION) over the environment's (base image, offline
wheelhouse) and a container environment (``app_container_environment`` WHOAMI_NAME). Then a new version ships
(``--tags deploy`` with a new build argument, tag and environment) and a whole re-run changes nothing.

The image the service runs is also started for real (Docker, published on 127.0.0.1 only) with the task
definition's environment, and must answer its health path and report the version and name the stack gave it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.container.container_helpers import docker, http_get, image_config, start_container
from tests.e2e.conftest import E2EStack, stand_up
from tests.support import remove_local_images

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

APP = "whoami"
PORT = 9000
HEALTH = "/health/ready"
# A repository of this session's own: the registry behind every emulator is shared with other runs.
REPOSITORY = f"e2e-{uuid.uuid4().hex[:8]}/whoami"
V1 = {"app_image_tag": "v1", "app_build_args": {"VERSION": "v1"}, "app_container_environment": {"WHOAMI_NAME": "e2e-1"}}
V2 = {"app_image_tag": "v2", "app_build_args": {"VERSION": "v2"}, "app_container_environment": {"WHOAMI_NAME": "e2e-2"}}


@pytest.fixture(scope="module")
def whoami(emulator: Any, docker_ready: None) -> Any:
    """The whoami stack stood up by site.yml on a fresh emulator (rolling updates); its images removed afterwards."""
    stack = stand_up(
        emulator,
        {
            "app_name": APP,
            "app_repository_name": REPOSITORY,
            "app_source_dir": "sample_apps/whoami",
            "app_container_port": PORT,
            "app_health_check_path": HEALTH,
            **V1,
        },
    )
    try:
        yield stack
    finally:
        remove_local_images(emulator.registry, REPOSITORY)


def task_definition(stack: E2EStack) -> dict[str, Any]:
    return stack.client("ecs").describe_task_definition(taskDefinition=stack.service()["taskDefinition"])[
        "taskDefinition"
    ]


def answer(image: str, container: dict[str, Any]) -> dict[str, Any]:
    """Run ``image`` with the container definition's environment; its health path answers, then GET / does."""
    env = [arg for item in container.get("environment", []) for arg in ("--env", f"{item['name']}={item['value']}")]
    running = start_container(image, port=PORT, health_path=HEALTH, run_args=tuple(env))
    try:
        status, _, body = http_get(f"{running.url}/")
        assert status == 200, body
        return json.loads(body)
    finally:
        docker("rm", "--force", running.id, check=False)


def test_whoami_goes_up_on_its_own_port_and_health_path(emulator, whoami):
    definition = task_definition(whoami)
    (container,) = definition["containerDefinitions"]
    assert container["image"] == f"{emulator.registry}/{REPOSITORY}:v1"
    assert [m["containerPort"] for m in container["portMappings"]] == [PORT]
    assert container["environment"] == [{"name": "WHOAMI_NAME", "value": "e2e-1"}]
    assert f"http://localhost:{PORT}{HEALTH}" in container["healthCheck"]["command"][1]
    assert "command" not in container, "no app_container_command: the image's own CMD runs"
    assert definition["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}

    elbv2 = whoami.client("elbv2")
    groups = elbv2.describe_target_groups(Names=[f"{APP}-tg1", f"{APP}-tg2"])["TargetGroups"]
    assert {(g["TargetGroupName"], g["HealthCheckPath"], g["Port"]) for g in groups} == {
        (f"{APP}-tg1", HEALTH, PORT),
        (f"{APP}-tg2", HEALTH, PORT),
    }
    service = whoami.service()
    assert service["runningCount"] == service["desiredCount"] == 2
    assert service["loadBalancers"][0]["containerPort"] == PORT
    targets = elbv2.describe_target_health(TargetGroupArn=service["loadBalancers"][0]["targetGroupArn"])
    assert sorted((t["Target"]["Port"], t["TargetHealth"]["State"]) for t in targets["TargetHealthDescriptions"]) == [
        (PORT, "healthy"),
        (PORT, "healthy"),
    ]
    # The image is whoami's (uvicorn, its VERSION build argument), and nothing of hello_app was read or built.
    config, env, _ = image_config(container["image"])
    assert config["Cmd"] == ["uvicorn", "whoami_app:app"]
    assert env["WHOAMI_VERSION"] == "v1"
    assert "hello_app" not in whoami.runs[0].stdout


def test_whoami_image_answers_its_health_path_with_the_task_environment(whoami):
    (container,) = task_definition(whoami)["containerDefinitions"]
    reply = answer(container["image"], container)
    assert (reply["name"], reply["version"]) == ("e2e-1", "v1")


def test_a_new_version_ships_with_its_build_argument_and_environment(emulator, whoami):
    before = whoami.service()["taskDefinition"]
    ship = whoami.play("site.yml", V2, tags="deploy")
    assert ship.rc == 0, ship
    assert ship.changed > 0, ship
    whoami.extra_vars.update(V2)

    service = whoami.service()
    assert service["taskDefinition"] != before
    assert [(d["status"], d["taskDefinition"]) for d in service["deployments"]] == [
        ("PRIMARY", service["taskDefinition"])
    ]
    (container,) = task_definition(whoami)["containerDefinitions"]
    assert container["image"] == f"{emulator.registry}/{REPOSITORY}:v2"
    assert container["environment"] == [{"name": "WHOAMI_NAME", "value": "e2e-2"}]
    reply = answer(container["image"], container)
    assert (reply["name"], reply["version"]) == ("e2e-2", "v2")


def test_a_second_run_changes_nothing(whoami):
    again = whoami.play("site.yml")
    assert again.rc == 0, again
    assert again.changed == 0, again
