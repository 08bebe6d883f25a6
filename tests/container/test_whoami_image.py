"""The second sample app's image (sample_apps/whoami): built offline with the classic builder, run hardened.

Run the way a careful task definition runs it: read-only root filesystem, every capability dropped, no new
privileges. Nothing here involves hello_app's directory, port (8000) or health path (/healthz).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from container_helpers import RUN_ID, build_image, docker, http_get, image_config, start_container

from tests.support import WHOAMI_DIR

pytestmark = pytest.mark.docker

PORT = 9000
HEALTH_PATH = "/health/ready"
VERSION = "v2"  # not the Dockerfile's default, so the build argument is seen to reach the app
# ECS: readonlyRootFilesystem, linuxParameters.capabilities.drop ALL; Docker's no-new-privileges on top.
HARDENED = ("--read-only", "--cap-drop", "ALL", "--security-opt", "no-new-privileges")


def run(image: str, *run_args: str):
    return start_container(image, port=PORT, health_path=HEALTH_PATH, run_args=(*HARDENED, *run_args))


@pytest.fixture(scope="module")
def whoami_image(docker_engine, timings) -> Iterator[str]:
    tag = f"whoami-test:{RUN_ID}-{VERSION}"
    start = time.monotonic()
    proc = build_image(tag, "--build-arg", f"VERSION={VERSION}", context=WHOAMI_DIR)
    assert proc.returncode == 0, f"docker build failed:\n{proc.stdout}\n{proc.stderr}"
    timings.record("docker_build_whoami_seconds", time.monotonic() - start)
    yield tag
    docker("image", "rm", "--force", tag, check=False)


@pytest.fixture(scope="module")
def whoami(whoami_image):
    container = run(whoami_image, "--env", "WHOAMI_NAME=staging-whoami")
    yield container
    docker("rm", "--force", container.id, check=False)


def test_serves_through_uvicorn_on_a_read_only_root(whoami):
    assert whoami.inspect("{{.HostConfig.ReadonlyRootfs}}") == "true"
    status, headers, text = http_get(whoami.url + "/", timeout=5)
    assert status == 200
    assert headers["server"] == "uvicorn"
    answer = json.loads(text)
    assert (answer["name"], answer["version"]) == ("staging-whoami", VERSION)
    assert answer["hostname"] == whoami.inspect("{{.Config.Hostname}}")
    assert http_get(whoami.url + "/healthz")[0] == 404


def test_process_is_not_root_and_has_no_capabilities(whoami):
    status = docker("exec", whoami.id, "cat", "/proc/1/status").stdout
    fields = dict(line.split(":", 1) for line in status.splitlines())
    assert set(fields["Uid"].split()) == {"10001"}
    assert set(fields["Gid"].split()) == {"10001"}
    assert int(fields["CapEff"], 16) == 0 and int(fields["CapBnd"], 16) == 0
    assert fields["NoNewPrivs"].strip() == "1"
    assert "uvicorn" in docker("exec", whoami.id, "cat", "/proc/1/cmdline").stdout


def test_image_settings(whoami_image, timings):
    config, env, size_mb = image_config(whoami_image)
    assert config.get("Healthcheck") is None  # ECS ignores it; health checks live in the task definition
    assert list(config["ExposedPorts"]) == [f"{PORT}/tcp"]
    assert config["User"] == "10001:10001"
    assert config["Cmd"] == ["uvicorn", "whoami_app:app"]  # exec form: uvicorn is PID 1 and gets the signals
    assert env["UVICORN_PORT"] == str(PORT)
    assert env["WHOAMI_VERSION"] == VERSION
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    timings.record("whoami_image_size_mb", size_mb)
    assert size_mb < 250


def test_access_log_on_stdout(whoami):
    http_get(whoami.url + HEALTH_PATH)
    logs = docker("logs", whoami.id)
    assert f'"GET {HEALTH_PATH} HTTP/1.1" 200' in logs.stdout
    assert "ERROR" not in logs.stdout + logs.stderr


def test_sigterm_stops_it_gracefully_and_quickly(whoami_image, timings):
    container = run(whoami_image)
    try:
        assert http_get(container.url + "/")[0] == 200
        elapsed = container.stop_gracefully()
        timings.record("whoami_docker_stop_seconds", elapsed)
        assert "Application shutdown complete" in container.logs()  # uvicorn's own word for it
        assert elapsed < 10
    finally:
        docker("rm", "--force", container.id, check=False)


def test_bad_name_fails_the_start_not_a_request(whoami_image):
    proc = docker("run", "--rm", *HARDENED, "--env", "WHOAMI_NAME=two words", whoami_image, check=False, timeout=60)
    assert proc.returncode != 0
    assert "WHOAMI_NAME must be 1-64 letters" in proc.stderr
