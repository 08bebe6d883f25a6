"""The hello_app image, built for real with the classic builder from hello_app/Dockerfile and run by Docker."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request

import pytest
from container_helpers import HARDENED_RUN_ARGS, RUN_ID, build_image, docker, http_get, image_config

pytestmark = pytest.mark.docker


@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/", "text/plain", "Hello World!"),
        ("/welcome", "text/plain", "Welcome!"),
        ("/healthz", "application/json", {"status": "ok"}),
    ],
)
def test_v2_routes_through_gunicorn(v2_container, path, content_type, body):
    status, headers, text = http_get(v2_container.url + path)
    assert status == 200
    assert headers["Content-Type"].startswith(content_type)
    assert headers.get("Server", "").startswith("gunicorn")
    assert (json.loads(text) if isinstance(body, dict) else text) == body


def test_v1_has_no_welcome_route(image_v1, run_container):
    container = run_container(image_v1)
    assert http_get(container.url + "/")[2] == "Hello World!"
    assert http_get(container.url + "/welcome")[0] == 404
    assert http_get(container.url + "/healthz")[0] == 200


def test_process_is_not_root(v2_container):
    assert v2_container.inspect("{{.Config.User}}") == "10001:10001"
    # PID 1 is gunicorn's master; its real and effective uids are the app user's.
    status = docker("exec", v2_container.id, "cat", "/proc/1/status").stdout
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uid_line.split()[1:]) == {"10001"}, uid_line
    assert docker("exec", v2_container.id, "id", "-u").stdout.strip() != "0"
    cmdline = docker("exec", v2_container.id, "cat", "/proc/1/cmdline").stdout
    assert "gunicorn" in cmdline


def test_image_settings(image_v2, timings):
    config, env, size_mb = image_config(image_v2)
    assert config.get("Healthcheck") is None  # ECS ignores it; health checks live in the task definition
    assert "8000/tcp" in config["ExposedPorts"]
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["HELLOAPP_WELCOME_ROUTE"] == "on"
    assert config["Cmd"][0] == "gunicorn"  # exec form: gunicorn is PID 1 and gets the signals
    timings.record("image_size_mb", size_mb)
    assert size_mb < 250


def test_logs_access_to_stdout_and_no_errors(v2_container):
    http_get(v2_container.url + "/healthz")
    logs = docker("logs", v2_container.id)
    assert '"GET /healthz HTTP/1.1" 200' in logs.stdout
    assert "[ERROR]" not in logs.stdout + logs.stderr


def test_docker_stop_is_graceful_and_quick(image_v2, run_container, timings):
    container = run_container(image_v2)
    assert http_get(container.url + "/")[0] == 200
    elapsed = container.stop_gracefully()  # gunicorn exits 0 on SIGTERM
    timings.record("docker_stop_seconds", elapsed)
    assert elapsed < 10


def _processes(container) -> list[dict[str, str]]:
    """/proc/<pid>/status of every process in the container, as dicts (one `docker exec`)."""
    out = docker("exec", container.id, "sh", "-c", "cat /proc/[0-9]*/status 2>/dev/null; true").stdout
    blocks = ("Name:" + block for block in out.split("Name:")[1:])
    return [{k: v.strip() for k, v in (line.split(":", 1) for line in b.splitlines() if ":" in line)} for b in blocks]


def test_serving_writes_nothing_to_the_image_filesystem(v2_container):
    """What makes readonlyRootFilesystem safe: after requests the container's writable layer is empty."""
    for path in ("/", "/welcome", "/healthz", "/missing"):
        http_get(v2_container.url + path)
    assert docker("diff", v2_container.id).stdout.strip() == ""


# The ECS container definition's hardening, as `docker run` options (HARDENED_RUN_ARGS), with gunicorn's worker
# heartbeat files on the runtime's /dev/shm (the image default) or on a tmpfs mount the task definition adds
# (linuxParameters.tmpfs, GUNICORN_WORKER_TMP_DIR in its environment).
@pytest.mark.parametrize(
    "extra_args",
    [
        pytest.param((), id="dev-shm"),
        pytest.param(
            ("--tmpfs", "/tmp:rw,noexec,nosuid,size=16m", "--env", "GUNICORN_WORKER_TMP_DIR=/tmp"), id="tmpfs"
        ),
    ],
)
def test_hardened_container_serves_and_stops_gracefully(image_v2, run_container, timings, extra_args):
    container = run_container(image_v2, *HARDENED_RUN_ARGS, *extra_args)
    host_config = json.loads(container.inspect("{{json .HostConfig}}"))
    assert host_config["ReadonlyRootfs"] is True and host_config["CapDrop"] == ["ALL"] and host_config["Init"] is True
    assert http_get(container.url + "/")[2] == "Hello World!"
    assert http_get(container.url + "/welcome")[0] == 200

    # PID 1 is the init (initProcessEnabled); gunicorn's master is its child and every process has no capability.
    processes = _processes(container)
    init = next(fields for fields in processes if fields["Pid"] == "1")
    assert init["Name"].startswith(("docker-init", "tini")), init
    gunicorn = [fields for fields in processes if fields["Name"].startswith("gunicorn")]
    assert len(gunicorn) == 3, processes  # the master and its two workers
    assert {fields["PPid"] for fields in gunicorn} >= {"1"}  # the master is the init's child
    for fields in processes:
        assert set(fields["Uid"].split()) == {"10001"} and set(fields["Gid"].split()) == {"10001"}, fields
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            assert int(fields[cap], 16) == 0, (cap, fields[cap])
    # The root filesystem refuses writes, even where the app user could write on a normal container.
    write = docker("exec", container.id, "touch", "/app/probe", check=False)
    assert write.returncode != 0 and "Read-only file system" in write.stderr

    start = time.monotonic()
    docker("stop", "--time", "10", container.id, timeout=30)
    elapsed = time.monotonic() - start
    timings.record(f"docker_stop_hardened_{'tmpfs' if extra_args else 'dev_shm'}_seconds", elapsed)
    # The init passes on gunicorn's exit code: 0 is a graceful SIGTERM shutdown, 137 a SIGKILL after 10 s.
    assert container.inspect("{{.State.ExitCode}}") == "0", container.logs()
    assert elapsed < 10
    logs = container.logs()
    assert "Read-only file system" not in logs and "[ERROR]" not in logs, logs


def test_bad_welcome_route_fails_the_build(image_v2):
    tag = f"helloapp-test:{RUN_ID}-bad"
    proc = build_image(tag, "--build-arg", "WELCOME_ROUTE=maybe")
    docker("image", "rm", "--force", tag, check=False)
    assert proc.returncode != 0
    assert "HELLOAPP_WELCOME_ROUTE must be 'on' or 'off'" in proc.stdout + proc.stderr


def test_push_and_pull_back_by_digest(image_v2, registry, timings):
    repository = f"{registry}/fargatedemo/helloapp-test"
    ref = f"{repository}:{RUN_ID}"
    image_id = docker("image", "inspect", image_v2, "--format", "{{.Id}}").stdout.strip()
    docker("tag", image_v2, ref)
    digest_ref = None
    try:
        start = time.monotonic()
        docker("push", ref)
        timings.record("docker_push_seconds", time.monotonic() - start)
        digests = json.loads(docker("image", "inspect", ref, "--format", "{{json .RepoDigests}}").stdout)
        digest_ref = next(d for d in digests if d.startswith(repository + "@sha256:"))
        digest = digest_ref.split("@", 1)[1]

        # The registry serves that manifest under that digest.
        request = urllib.request.Request(
            f"http://{registry}/v2/fargatedemo/helloapp-test/manifests/{digest}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers["Docker-Content-Digest"] == digest

        docker("image", "rm", ref)
        assert docker("image", "inspect", ref, check=False).returncode != 0
        pulled = docker("pull", digest_ref)
        assert digest in pulled.stdout
        assert docker("image", "inspect", digest_ref, "--format", "{{.Id}}").stdout.strip() == image_id
    finally:
        docker("image", "rm", ref, check=False)
        if digest_ref:
            docker("image", "rm", digest_ref, check=False)
            delete = urllib.request.Request(
                f"http://{registry}/v2/fargatedemo/helloapp-test/manifests/{digest_ref.split('@', 1)[1]}",
                method="DELETE",
            )
            with contextlib.suppress(OSError):
                urllib.request.urlopen(delete, timeout=10).close()
