"""A handle on a running emulator, for the programs that start one of their own: the test suite
(``tests/conftest.py``, which runs ``python -m awsemu``) and ``make bench`` (``bench/measure.py``, which runs
``scripts/emulator.sh``). How they start and stop it differs; where it listens, what a subprocess needs to use
it, boto3 clients and the non-AWS admin API (``/_emulator/<name>``, see ``awsemu/server.py``) do not.

Only the standard library at import time (boto3 when a client is asked for), so ``bench`` runs without pytest.
"""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
REGION = "ap-northeast-2"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now (another process may take it before the emulator binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AdminError(Exception):
    """An HTTP error answer of the emulator's admin API (or of moto's reset endpoint)."""

    def __init__(self, status: int, body: str):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


class EmulatorHandle:
    """Mixed into a class that sets ``port`` (and starts the emulator there)."""

    port: int
    # How long one admin call may take; a reset of a large account takes a while.
    http_timeout: float = 30.0
    AdminError = AdminError  # what admin() raises (tests: ``pytest.raises(emulator.AdminError)``)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def registry(self) -> str:
        """The emulator's ECR registry (host:port for docker login/push/pull): the emulator itself."""
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """What a subprocess (ansible-playbook, the AWS CLI, molecule) needs to use this emulator."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }

    def run_env(self, drop: tuple[str, ...] = ("AWS_",), extra: dict[str, str] | None = None) -> dict[str, str]:
        """This process's environment for a program run from the repository root against this emulator
        (ansible-playbook, the AWS CLI): without the caller's variables of the ``drop`` prefixes (a real
        account's AWS_PROFILE must never reach it), with :attr:`env`, the repository's ansible.cfg, no colours,
        the project's virtualenv first on PATH, then ``extra``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
        env.update(self.env)
        env.update(
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        )
        env.update(extra or {})
        return env

    def _http(self, method: str, path: str, payload: Any = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.http_timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as err:
            raise AdminError(err.code, err.read().decode(errors="replace")) from None
        return json.loads(body) if body.strip() else {}

    def admin(self, name: str, method: str = "GET", payload: Any = None) -> Any:
        """Call ``/_emulator/<name>`` (health, clock, requests, strict, faults, and service modules' endpoints)."""
        return self._http(method, f"/_emulator/{name}", payload)

    def reset(self) -> None:
        """Forget all AWS state (moto's and ours), the request log and faults; restore the clock scale."""
        self._http("POST", "/moto-api/reset")

    def take_violations(self) -> list[dict[str, Any]]:
        """The strict-mode violations recorded since the last call (and forget them)."""
        return self.admin("strict", "DELETE").get("violations", [])

    def boto3_client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        params: dict[str, Any] = {"endpoint_url": self.url, "region_name": REGION, **CREDENTIALS, **kwargs}
        return boto3.session.Session().client(service, **params)
