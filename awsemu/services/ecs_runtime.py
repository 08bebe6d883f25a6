"""Task runtimes: what runs (or pretends to run) the containers of an ECS task.

The task model (:mod:`awsemu.services.ecs_tasks`) decides the ECS side of a task's life (PROVISIONING,
ACTIVATING, DEACTIVATING, DEPROVISIONING, the network interface, target registration, the scheduler); a
*runtime* runs its containers. The model talks to exactly one runtime (:data:`RUNTIME`, swapped with
:func:`set_runtime`) through four calls, all under the store's lock, all given emulated epoch seconds:

- ``start(task, at)``: pull the images and start the containers of ``task`` (the model calls it when the
  task enters PENDING). ``task`` is an :class:`awsemu.services.ecs_tasks.Task`: ``task.containers`` are
  :class:`ContainerSpec`, ``task.private_ip`` its address, ``task.runtime_data`` a dict the runtime may
  keep its own handles in (a container id, a published port).
- ``status(task, now) -> RuntimeStatus``: what the containers are doing as of ``now``: pulling, running
  since, exited (exit code, reason, when), and each container's health check result (HEALTHY, UNHEALTHY,
  UNKNOWN, and since when). Every time in it is the emulated time the change happened (a runtime that
  observes changes late stamps them when it observed them).
- ``next_change(task, now) -> float | None``: the emulated time of the next change ``status`` will show
  that the runtime can already foresee (the API runtime knows its whole timeline; a runtime that only
  observes returns the time of a change it has seen but not yet reported, else ``None``). The model
  reconciles exactly at these times, so timelines do not depend on when requests arrive.
- ``stop(task, at, timeout)``: SIGTERM to every container at ``at``, SIGKILL ``timeout`` seconds later
  (the largest container ``stopTimeout``, 30 s by default). ``release(task, at)``: remove what is left
  (the model calls it when the task is DEPROVISIONING). ``reset()``: remove every container this runtime
  ever made (the emulator's reset).

:class:`ApiRuntime` (the default) runs nothing; its containers follow the emulated clock, driven by
``/_emulator/ecs_service`` settings (:data:`SETTINGS`) and per-task behaviour (``/_emulator/tasks``):

- the model spends a quarter of ``taskStartSeconds`` in PROVISIONING and a quarter in ACTIVATING; this
  runtime pulls for the half in between, then its containers run. An image in ``failingImages`` never
  pulls (``CannotPullContainerError``: the task stops with ``TaskFailedToStart``).
- a container with a ``healthCheck`` passes its first check one ``interval`` after it starts and is
  ``HEALTHY``; an image in ``containerUnhealthyImages`` fails every check and is ``UNHEALTHY`` after
  ``retries`` failures counted once ``startPeriod`` is over (Docker's rules).
- SIGTERM ends a container at once with exit code 0, unless its image is in ``sigtermIgnoringImages``:
  then SIGKILL ends it after the stop timeout with exit code 137.
- ``exit(task, at, exit_code, reason, container)`` makes a running container exit (a crash, an OOM kill).

A Docker runtime (real containers) implements the same five methods and is installed with
``set_runtime``; the model and the schedulers do not change.
"""

from __future__ import annotations

import copy
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_SETTINGS: dict[str, Any] = {
    "taskStartSeconds": 10.0,
    "failingImages": [],
    "containerUnhealthyImages": [],
    "sigtermIgnoringImages": [],
    "taskDeprovisionSeconds": 0.0,
}
SETTINGS: dict[str, Any] = copy.deepcopy(DEFAULT_SETTINGS)
# ECS container health check defaults (ContainerDefinition healthCheck, API reference).
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}
DEFAULT_STOP_TIMEOUT = 30.0  # seconds between SIGTERM and SIGKILL (ContainerDefinition stopTimeout, Fargate)
MAX_STOP_TIMEOUT = 120.0


def reset_settings() -> None:
    SETTINGS.clear()
    SETTINGS.update(copy.deepcopy(DEFAULT_SETTINGS))


def update_settings(payload: dict[str, Any]) -> None:
    """Apply a ``/_emulator/ecs_service`` POST (unknown keys are ignored, lists replace lists)."""
    if "taskStartSeconds" in payload:
        SETTINGS["taskStartSeconds"] = max(float(payload["taskStartSeconds"]), 0.001)
    if "taskDeprovisionSeconds" in payload:
        SETTINGS["taskDeprovisionSeconds"] = max(float(payload["taskDeprovisionSeconds"]), 0.0)
    for key in ("failingImages", "containerUnhealthyImages", "sigtermIgnoringImages"):
        if key in payload:
            SETTINGS[key] = list(payload[key] or [])


def start_seconds() -> float:
    return float(SETTINGS["taskStartSeconds"])


@dataclass
class ContainerSpec:
    """One container of a task, as its task definition describes it (what a runtime needs to run it)."""

    name: str
    image: str
    essential: bool = True
    port_mappings: list[dict[str, Any]] = field(default_factory=list)
    health_check: dict[str, Any] | None = None
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    environment: list[dict[str, str]] = field(default_factory=list)
    command: list[str] | None = None
    entry_point: list[str] | None = None
    cpu: int = 0
    memory: int | None = None
    memory_reservation: int | None = None

    @classmethod
    def from_definition(cls, definition: dict[str, Any], overrides: dict[str, Any] | None = None) -> ContainerSpec:
        overrides = overrides or {}
        environment = list(definition.get("environment") or [])
        if overrides.get("environment"):
            names = {e["name"] for e in overrides["environment"]}
            environment = [e for e in environment if e.get("name") not in names] + list(overrides["environment"])
        timeout = definition.get("stopTimeout")
        return cls(
            name=definition.get("name", ""),
            image=definition.get("image", ""),
            essential=definition.get("essential", True) is not False,
            port_mappings=copy.deepcopy(definition.get("portMappings") or []),
            health_check=copy.deepcopy(definition.get("healthCheck")) or None,
            stop_timeout=min(float(timeout), MAX_STOP_TIMEOUT) if timeout is not None else DEFAULT_STOP_TIMEOUT,
            environment=environment,
            command=overrides.get("command") or definition.get("command"),
            entry_point=definition.get("entryPoint"),
            cpu=int(overrides.get("cpu", definition.get("cpu") or 0) or 0),
            memory=overrides.get("memory", definition.get("memory")),
            memory_reservation=overrides.get("memoryReservation", definition.get("memoryReservation")),
        )


@dataclass
class ContainerStatus:
    """What one container is doing, as a runtime reports it (times are emulated epoch seconds)."""

    status: str = "PENDING"  # PENDING (pulling, created) | RUNNING | STOPPED
    since: float = 0.0
    exit_code: int | None = None
    reason: str | None = None
    health: str = "UNKNOWN"  # HEALTHY | UNHEALTHY | UNKNOWN (no health check, or none decided yet)
    health_since: float | None = None
    runtime_id: str | None = None
    image_digest: str | None = None


@dataclass
class RuntimeStatus:
    """A task's containers as of a moment: ``failure`` set means they never started (and why)."""

    containers: dict[str, ContainerStatus]
    pull_started_at: float | None = None
    pull_stopped_at: float | None = None
    failure: str | None = None
    failed_at: float | None = None


class Runtime(Protocol):
    """The interface the task model drives (see the module docstring)."""

    name: str

    def start(self, task: Any, at: float) -> None: ...

    def status(self, task: Any, now: float) -> RuntimeStatus: ...

    def next_change(self, task: Any, now: float) -> float | None: ...

    def stop(self, task: Any, at: float, timeout: float) -> None: ...

    def release(self, task: Any, at: float) -> None: ...

    def reset(self) -> None: ...


def container_health_at(
    check: dict[str, Any], started: float, failing_since: float | None, now: float
) -> tuple[str, float | None, float | None]:
    """(health, since, next change) of a container health check by Docker's rules, as of ``now``.

    Checks run every ``interval`` seconds from ``started``; a passing check makes the container HEALTHY;
    ``retries`` consecutive failures, not counting those inside ``startPeriod``, make it UNHEALTHY.
    ``failing_since``: from when the checks fail (``None``: they always pass).
    """
    interval = float(check.get("interval") or HEALTH_CHECK_DEFAULTS["interval"])
    retries = int(check.get("retries") or HEALTH_CHECK_DEFAULTS["retries"])
    grace = float(check.get("startPeriod") or HEALTH_CHECK_DEFAULTS["startPeriod"])
    events: list[tuple[float, str]] = []
    k_fail = None if failing_since is None else max(1, math.ceil((failing_since - started) / interval - 1e-9))
    if k_fail is None or k_fail > 1:
        events.append((started + interval, "HEALTHY"))
    if k_fail is not None:
        first_counted = max(k_fail, math.floor(grace / interval + 1e-9) + 1)
        events.append((started + (first_counted + retries - 1) * interval, "UNHEALTHY"))
    health, since, upcoming = "UNKNOWN", None, None
    for at, state in events:
        if at <= now:
            health, since = state, at
        elif upcoming is None:
            upcoming = at
    return health, since, upcoming


def _digest(image: str) -> str:
    return "sha256:" + hashlib.sha256(image.encode()).hexdigest()


class ApiRuntime:
    """Containers that follow the emulated clock (see the module docstring); nothing really runs."""

    name = "api"

    # --- the runtime interface
    def start(self, task: Any, at: float) -> None:
        start = start_seconds()
        data = task.runtime_data
        data.update(pull_started=at, pull_stopped=at + start / 2.0, exits={})
        failing = [c.image for c in task.containers if c.image in SETTINGS["failingImages"]]
        if failing:
            data["failure"] = (
                f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
                f"{failing[0]}: not found"
            )
        unhealthy = set(SETTINGS["containerUnhealthyImages"])
        data["health_failing"] = {c.name: at + start / 2.0 for c in task.containers if c.image in unhealthy}
        data["ignores_sigterm"] = {c.name for c in task.containers if c.image in SETTINGS["sigtermIgnoringImages"]}

    def status(self, task: Any, now: float) -> RuntimeStatus:
        data = task.runtime_data
        if "pull_started" not in data:
            return RuntimeStatus(containers={c.name: ContainerStatus(since=task.created_at) for c in task.containers})
        pulled = data["pull_stopped"]
        result = RuntimeStatus(containers={}, pull_started_at=data["pull_started"])
        if data.get("failure"):
            if now >= pulled:
                result.failure, result.failed_at = data["failure"], pulled
                for c in task.containers:
                    result.containers[c.name] = ContainerStatus(status="STOPPED", since=pulled, reason=data["failure"])
            else:
                result.containers = {c.name: ContainerStatus(since=data["pull_started"]) for c in task.containers}
            return result
        for c in task.containers:
            result.containers[c.name] = self._container(task, c, now)
        if now >= pulled:
            result.pull_stopped_at = pulled
        return result

    def next_change(self, task: Any, now: float) -> float | None:
        data = task.runtime_data
        if "pull_started" not in data:
            return None
        candidates: list[float] = []
        if data["pull_stopped"] > now:
            candidates.append(data["pull_stopped"])
        if not data.get("failure"):
            for c in task.containers:
                exit_at = self._exit(task, c)
                if exit_at is not None and exit_at[0] > now:
                    candidates.append(exit_at[0])
                if c.health_check and now >= data["pull_stopped"]:
                    _h, _s, upcoming = container_health_at(
                        c.health_check, data["pull_stopped"], data["health_failing"].get(c.name), now
                    )
                    stopped = exit_at[0] if exit_at else None
                    if upcoming is not None and upcoming > now and (stopped is None or upcoming < stopped):
                        candidates.append(upcoming)
        return min(candidates) if candidates else None

    def stop(self, task: Any, at: float, timeout: float) -> None:
        data = task.runtime_data
        data.setdefault("exits", {})
        data["sigterm"] = at
        for c in task.containers:
            if c.name in data["exits"] and data["exits"][c.name][0] <= at:
                continue  # already exited
            if c.name in data.get("ignores_sigterm", ()):
                data["exits"][c.name] = (at + min(c.stop_timeout, timeout), 137, None)
            else:
                data["exits"][c.name] = (at, 0, None)

    def release(self, task: Any, at: float) -> None:
        task.runtime_data["released"] = at

    def reset(self) -> None:
        return None

    # --- test controls (``/_emulator/tasks``)
    def exit(
        self, task: Any, at: float, exit_code: int, reason: str | None = None, container: str | None = None
    ) -> None:
        """The container (default: the first essential one) exits at ``at``."""
        names = [c.name for c in task.containers]
        if container is None:
            container = next((c.name for c in task.containers if c.essential), names[0] if names else None)
        if container not in names:
            raise KeyError(container)
        task.runtime_data.setdefault("exits", {})[container] = (at, int(exit_code), reason)

    def fail_health(self, task: Any, at: float, container: str | None = None) -> None:
        """From ``at`` the container's health check fails (it turns UNHEALTHY after ``retries`` checks)."""
        for c in task.containers:
            if container in (None, c.name) and c.health_check:
                task.runtime_data.setdefault("health_failing", {}).setdefault(c.name, at)

    # --- helpers
    @staticmethod
    def _exit(task: Any, spec: ContainerSpec) -> tuple[float, int, str | None] | None:
        return (task.runtime_data.get("exits") or {}).get(spec.name)

    def _container(self, task: Any, spec: ContainerSpec, now: float) -> ContainerStatus:
        data = task.runtime_data
        started = data["pull_stopped"]
        runtime_id = f"{task.id}-{hashlib.sha1(spec.name.encode()).hexdigest()[:10]}"
        if now < started:
            return ContainerStatus(status="PENDING", since=data["pull_started"])
        exit_at = self._exit(task, spec)
        if exit_at is not None and exit_at[0] <= now:
            at, code, reason = exit_at
            status = ContainerStatus(status="STOPPED", since=at, exit_code=code, reason=reason, runtime_id=runtime_id)
            status.image_digest = _digest(spec.image)
            if spec.health_check:
                health, since, _next = container_health_at(
                    spec.health_check, started, data["health_failing"].get(spec.name), at
                )
                status.health, status.health_since = health, since
            return status
        status = ContainerStatus(
            status="RUNNING", since=started, runtime_id=runtime_id, image_digest=_digest(spec.image)
        )
        if spec.health_check:
            health, since, _next = container_health_at(
                spec.health_check, started, data["health_failing"].get(spec.name), now
            )
            status.health, status.health_since = health, since
        return status


RUNTIME: Runtime = ApiRuntime()


def set_runtime(runtime: Runtime) -> Runtime:
    """Install ``runtime`` for every task started from now on; returns the previous one."""
    global RUNTIME
    previous, RUNTIME = RUNTIME, runtime
    return previous
