"""Helpers of the container tests (the docker CLI, HTTP, image builds); fixtures are in conftest.py."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

# INVENTORY_BUILD_ARGS: what the local inventory gives the ecr role (BASE_IMAGE, the offline wheelhouse
# install), so these tests prove that exactly those work.
from tests.support import APP_DIR, BASE_IMAGE, INVENTORY_BUILD_ARGS, ROOT, unavailable  # noqa: F401

TIMINGS_FILE = ROOT / "build" / "container-test-timings.json"
RUN_ID = uuid.uuid4().hex[:8]
# Image ids printed by test builds that failed (on purpose), removed at the end of the session when nothing
# tags them. Untagged images of successful builds are Docker's build cache (the first stage, the steps):
# they are kept, so the next build (make demo, the ecr role) starts warm.
BUILT_IMAGE_IDS: set[str] = set()
_CACHE_IMAGE_IDS: set[str] = set()
_BUILD_STEP_ID = re.compile(r"^(?: ---> |Successfully built )([0-9a-f]{12})\s*$", re.MULTILINE)


def docker(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the docker CLI; the classic builder, as community.docker.docker_image and CodeBuild use."""
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} -> rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def http_get(url: str, timeout: float = 5) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


class Timings:
    """Figures worth reporting (build and stop times, image size), written to build/container-test-timings.json."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}

    def record(self, name: str, value: float) -> None:
        self.values[name] = round(value, 2)
        TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
        TIMINGS_FILE.write_text(json.dumps(self.values, indent=2) + "\n")


def remove_untagged_build_images() -> None:
    for image_id in sorted(BUILT_IMAGE_IDS - _CACHE_IMAGE_IDS):
        tags = docker("image", "inspect", image_id, "--format", "{{len .RepoTags}}", check=False)
        if tags.returncode == 0 and tags.stdout.strip() == "0":
            docker("image", "rm", image_id, check=False)


def build_image(tag: str, *extra_args: str, context: Path = APP_DIR) -> subprocess.CompletedProcess:
    """``docker build`` of ``context`` (hello_app unless told) with the local inventory's build arguments."""
    proc = docker(
        "build",
        "--force-rm",
        "--network",
        "none",  # proves the build needs no network: everything comes from the base image and the wheelhouse
        *(arg for name, value in INVENTORY_BUILD_ARGS.items() for arg in ("--build-arg", f"{name}={value}")),
        *extra_args,
        "--tag",
        tag,
        str(context),
        check=False,
        timeout=600,
    )
    step_ids = set(_BUILD_STEP_ID.findall(proc.stdout))
    if proc.returncode == 0:
        _CACHE_IMAGE_IDS.update(step_ids)
    else:
        BUILT_IMAGE_IDS.update(step_ids)
    return proc


@dataclass
class Container:
    id: str
    url: str

    def logs(self) -> str:
        proc = docker("logs", self.id, check=False)
        return proc.stdout + proc.stderr

    def inspect(self, template: str) -> str:
        return docker("inspect", "--format", template, self.id).stdout.strip()

    def stop_gracefully(self, grace: int = 10) -> float:
        """``docker stop --time grace``: the seconds it took, after checking the app exited 0 on SIGTERM (137
        would mean Docker had to SIGKILL it once the grace period was over, as ECS does after stopTimeout)."""
        start = time.monotonic()
        docker("stop", "--time", str(grace), self.id, timeout=grace + 20)
        elapsed = time.monotonic() - start
        assert self.inspect("{{.State.ExitCode}}") == "0", self.logs()
        return elapsed


def image_config(image: str) -> tuple[dict, dict[str, str], float]:
    """``docker image inspect``: the image's Config, its Env as a dict, and its size in MB."""
    config = json.loads(docker("image", "inspect", image, "--format", "{{json .Config}}").stdout)
    env = dict(item.split("=", 1) for item in config.get("Env") or [])
    size_mb = int(docker("image", "inspect", image, "--format", "{{.Size}}").stdout) / 1e6
    return config, env, size_mb


# The `docker run` equivalent of the hardened ECS container definition (the ecs_service role sets these fields):
#   readonlyRootFilesystem: true                  -> --read-only
#   user: "10001:10001"                           -> --user 10001:10001
#   linuxParameters.capabilities.drop: ["ALL"]    -> --cap-drop ALL
#   linuxParameters.initProcessEnabled: true      -> --init (an init as PID 1 forwards SIGTERM, reaps zombies)
# Nothing else: dockerSecurityOptions (no-new-privileges) is not supported on Fargate, so the test does not lean on
# it. https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
HARDENED_RUN_ARGS = (
    "--read-only",
    "--user",
    "10001:10001",
    "--cap-drop",
    "ALL",
    "--init",
)


def start_container(
    image: str,
    ready_timeout: float = 30,
    *,
    port: int = 8000,
    health_path: str = "/healthz",
    run_args: tuple[str, ...] = (),
) -> Container:
    """Run the image published on 127.0.0.1 only, on a port Docker picks; wait for its health path.

    ``port`` and ``health_path`` are the app's (hello_app's by default); ``run_args`` go to ``docker run``.
    """
    name = f"helloapp-test-{RUN_ID}-{uuid.uuid4().hex[:6]}"
    cid = docker("run", "--detach", "--name", name, "--publish", f"127.0.0.1::{port}", *run_args, image).stdout.strip()
    host_port = docker("port", cid, f"{port}/tcp").stdout.split()[0].rsplit(":", 1)[1]
    container = Container(id=cid, url=f"http://127.0.0.1:{host_port}")
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        try:
            if http_get(f"{container.url}{health_path}", timeout=2)[0] == 200:
                return container
        except OSError:
            pass
        if container.inspect("{{.State.Running}}") != "true":
            break
        time.sleep(0.2)
    logs = container.logs()
    docker("rm", "--force", cid, check=False)
    raise AssertionError(f"container of {image} never answered {health_path}:\n{logs}")
