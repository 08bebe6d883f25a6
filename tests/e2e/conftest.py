"""End-to-end fixtures: a whole stack stood up by site.yml on the session emulator, once per test module.

``e2e_stack`` (module scope) resets the emulator, speeds its clock up, runs ``site.yml -i inventory/local`` with
the image built by the ecr role (Docker, the registry 127.0.0.1:5000 behind the emulator's and the base image
helloapp-base:bookworm; ``make base-image``) and returns an :class:`E2EStack`: ``play()`` runs further playbooks
against the same emulator with the stack's extra vars, and boto3 helpers read what the stack looks like.

Parametrise it by deployment controller (default ``ECS``)::

    pytestmark = pytest.mark.parametrize("e2e_stack", ["CODE_DEPLOY"], indirect=True)

Without Docker, the base image or the registry the tests skip, unless ``REQUIRE_DOCKER=1`` (then they fail).
Every playbook run's duration is printed in the terminal summary ("e2e playbook runs").
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import remove_local_images

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
# Emulated seconds per real second while the stack runs: a CodeDeploy deployment (about a minute of emulated
# time with the emulator's default timings) then takes a few real seconds.
TIME_SCALE = 20
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")
TIMINGS: list[tuple[str, float, int]] = []


@dataclass
class Run:
    """One ansible-playbook run: rc, output, PLAY RECAP counts of localhost and the wall-clock duration."""

    command: list[str]
    rc: int
    stdout: str
    stderr: str
    seconds: float
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return self.stats.get("changed", -1)

    @property
    def failed(self) -> int:
        return self.stats.get("failed", -1)

    def __str__(self) -> str:  # what an assertion message shows
        head = f"$ {' '.join(self.command)}\nrc={self.rc} ({self.seconds:.0f}s)"
        return f"{head}\n{self.stdout[-8000:]}\n{self.stderr[-3000:]}"


def _recap(output: str) -> dict[str, int]:
    stats: dict[str, int] = {}
    for line in output.splitlines()[::-1]:
        match = RECAP.match(line.strip())
        if match and match["host"] == "localhost":
            stats = {key: int(value) for key, value in (item.split("=") for item in match["counts"].split())}
            break
    return stats


@dataclass
class E2EStack:
    emulator: Any
    controller: str
    extra_vars: dict[str, Any]
    runs: list[Run] = field(default_factory=list)

    # --- playbooks
    def play(
        self,
        playbook: str,
        extra_vars: dict[str, Any] | None = None,
        *,
        tags: str | None = None,
        skip_tags: str | None = None,
        check: bool = False,
        timeout: float = 1200,
    ) -> Run:
        """Run a playbook of the project against the stack's emulator (extra vars: the stack's, then these)."""
        command = [str(VENV_BIN / "ansible-playbook"), "-i", "inventory/local", playbook]
        command += ["-e", json.dumps({**self.extra_vars, **(extra_vars or {})})]
        if tags:
            command += ["--tags", tags]
        if skip_tags:
            command += ["--skip-tags", skip_tags]
        if check:
            command.append("--check")
        env = self.emulator.run_env()
        start = time.monotonic()
        proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
        seconds = time.monotonic() - start
        label = " ".join([playbook, *(f"{k}={v}" for k, v in (extra_vars or {}).items())])
        label += f" --tags {tags}" if tags else ""
        label += f" --skip-tags {skip_tags}" if skip_tags else ""
        TIMINGS.append((f"[{self.controller}] {label}", seconds, proc.returncode))
        run = Run(command, proc.returncode, proc.stdout, proc.stderr, seconds, _recap(proc.stdout))
        self.runs.append(run)
        return run

    # --- AWS reads (boto3 against the emulator)
    def client(self, service: str) -> Any:
        return self.emulator.boto3_client(service)

    def service(self) -> dict[str, Any]:
        name = self.extra_vars.get("app_name", "helloapp")
        return self.client("ecs").describe_services(cluster=name, services=[name])["services"][0]

    def listener_weights(self, port: int) -> dict[str, float]:
        """{target group name: percent of traffic} of the listener on ``port`` (groups with weight 0 left out)."""
        elbv2 = self.client("elbv2")
        alb = elbv2.describe_load_balancers(Names=[f"{self.extra_vars.get('app_name', 'helloapp')}-alb"])
        listeners = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancers"][0]["LoadBalancerArn"])["Listeners"]
        (listener,) = [item for item in listeners if item["Port"] == port]
        action = listener["DefaultActions"][0]
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or [
            {"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}
        ]
        names = {
            tg["TargetGroupArn"]: tg["TargetGroupName"]
            for tg in elbv2.describe_target_groups(TargetGroupArns=[g["TargetGroupArn"] for g in groups])[
                "TargetGroups"
            ]
        }
        total = sum(float(g.get("Weight", 1)) for g in groups) or 1.0
        # Percent of the traffic per target group that gets any: a plain forward and a weighted one compare equal.
        return {
            names[g["TargetGroupArn"]]: 100.0 * float(g.get("Weight", 1)) / total for g in groups if g.get("Weight", 1)
        }

    def live_target_group(self, port: int = 80) -> str:
        weights = self.listener_weights(port)
        return max(weights, key=lambda name: weights[name])

    def deployments(self) -> list[dict[str, Any]]:
        """The emulator's CodeDeploy timeline (GET /_emulator/codedeploy), oldest first."""
        return self.emulator.admin("codedeploy")["deployments"]


def stand_up(emulator: Any, extra_vars: dict[str, Any], controller: str = "ECS") -> E2EStack:
    """A fresh emulator on the scaled clock, then ``site.yml`` with ``extra_vars``: the stack, converged."""
    emulator.reset()
    emulator.admin("clock", "POST", {"scale": TIME_SCALE})
    stack = E2EStack(emulator, controller, extra_vars)
    up = stack.play("site.yml")
    assert up.rc == 0, f"site.yml failed:\n{up}"
    return stack


@pytest.fixture(scope="module")
def e2e_stack(request: pytest.FixtureRequest, emulator: Any, docker_ready: None) -> Any:
    """The stack stood up by site.yml (controller: the fixture's param, default ECS); images removed afterwards."""
    controller = getattr(request, "param", "ECS")
    run_id = uuid.uuid4().hex[:8]
    emulator.reset()
    emulator.admin("clock", "POST", {"scale": TIME_SCALE})
    stack = E2EStack(
        emulator,
        controller,
        {
            # The release style derives the controller (app_deployment_controller is the inventory's to derive).
            "app_release_strategy": "codedeploy" if controller == "CODE_DEPLOY" else "rolling",
            # A repository of its own in the shared local registry, so parallel runs never see each other's tags.
            "app_repository_name": f"e2e-{run_id}/helloapp",
            "app_image_tag": "v1",
            "app_welcome_route": False,
        },
    )
    up = stack.play("site.yml")
    assert up.rc == 0, f"site.yml failed:\n{up}"
    stack.extra_vars.pop("app_welcome_route")
    try:
        yield stack
    finally:
        remove_local_images(emulator.registry, f"e2e-{run_id}/helloapp")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.section("e2e playbook runs")
        for label, seconds, rc in TIMINGS:
            terminalreporter.write_line(f"{seconds:7.1f}s rc={rc} {label}")
        terminalreporter.write_line(f"{sum(s for _, s, _ in TIMINGS):7.1f}s total")
