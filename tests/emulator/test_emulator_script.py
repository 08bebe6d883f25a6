"""scripts/emulator.sh (make local-up / local-down / local-status) on a free port of its own."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "emulator.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def script(tmp_path):
    port = _free_port()
    env = {**os.environ, "AWSEMU_PORT": str(port), "AWSEMU_TIME_SCALE": "7"}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=90, check=False)

    run.port = port  # type: ignore[attr-defined]
    run.pidfile = ROOT / "build" / f"awsemu-{port}.pid"  # type: ignore[attr-defined]
    run.codefile = ROOT / "build" / f"awsemu-{port}.code"  # type: ignore[attr-defined]
    yield run
    run("down")
    (ROOT / "build" / f"awsemu-{port}.log").unlink(missing_ok=True)


def _health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_emulator/health", timeout=5) as response:
        return json.load(response)


def test_up_twice_status_down(script):
    assert script("status").returncode == 3
    script.pidfile.parent.mkdir(exist_ok=True)
    script.pidfile.write_text("999999\n")  # a stale pid file from a crashed run
    first = script("up")
    assert first.returncode == 0, first.stderr
    assert "stale pid file" in first.stdout
    pid = int(script.pidfile.read_text())
    assert pid != 999999
    health = _health(script.port)
    assert health["time_scale"] == 7.0  # AWSEMU_TIME_SCALE passes through
    assert health["iam_managed_policies"] is True

    second = script("up")
    assert second.returncode == 0
    assert "already running" in second.stdout
    assert int(script.pidfile.read_text()) == pid  # one emulator

    status = script("status")
    assert status.returncode == 0 and f"pid {pid}" in status.stdout

    down = script("down")
    assert down.returncode == 0 and "stopped" in down.stdout
    assert not script.pidfile.exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
    assert script("status").returncode == 3
    assert script("down").returncode == 0  # idempotent


def test_up_restarts_an_emulator_whose_code_changed(script):
    assert script("up").returncode == 0
    pid = int(script.pidfile.read_text())
    fingerprint = script.codefile.read_text()
    # As if awsemu/ or requirements.txt had been edited since that emulator started.
    script.codefile.write_text("0" * 64 + "\n")

    again = script("up")

    assert again.returncode == 0, again.stderr
    assert "code changed" in again.stdout
    assert int(script.pidfile.read_text()) != pid
    assert script.codefile.read_text() == fingerprint
    assert _health(script.port)["status"] == "ok"
    assert "already running" in script("up").stdout


def test_port_taken_by_another_program_is_refused(script):
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", script.port))
        sock.listen()
        result = script("up")
    assert result.returncode == 1
    assert "taken by another program" in result.stderr
    assert not script.pidfile.exists()
