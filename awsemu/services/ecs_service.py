"""ECS services with the rolling-update (``ECS``) deployment controller, as the ECS API reference describes them.

moto 5.2 keeps a service's ``runningCount`` at 0 (unless ``MOTO_ECS_SERVICE_RUNNING``), creates no new
deployment when UpdateService changes the task definition, never drains an old deployment (so the
``services_stable`` waiter never succeeds) and drops ``deploymentConfiguration`` and
``healthCheckGracePeriodSeconds``. This module keeps, beside moto's service, what a rolling deployment needs:

- CreateService (controller ``ECS``): one ``PRIMARY`` deployment, ``rolloutState`` ``IN_PROGRESS``.
- UpdateService: a new task definition, network configuration, platform version, load balancers or
  ``forceNewDeployment`` start a new ``PRIMARY`` deployment; the previous ones become ``ACTIVE`` and drain.
  A desired count change alone resizes the ``PRIMARY`` deployment in place.
- Tasks take ``taskStartSeconds`` of emulated time (``awsemu.core.CLOCK``) to turn from pending to running.
  Each step the scheduler, as ECS does, first stops old tasks down to ``minimumHealthyPercent`` of the
  desired count, then starts new ones up to ``maximumPercent``; when the ``PRIMARY`` deployment runs the
  desired count and the old ones are drained, the rollout is ``COMPLETED`` and the service reports
  "has reached a steady state".
- Deployment circuit breaker: tasks whose image is listed in ``failingImages`` never start; once a
  deployment has ``failedTasks`` >= the threshold (half the desired count, at least 3, at most 200) its
  rollout is ``FAILED`` and, with ``rollback``, a new deployment of the last completed task definition starts.
- DescribeServices, CreateService, UpdateService and DeleteService answer with these deployments and
  counts, plus ``deploymentConfiguration``, ``healthCheckGracePeriodSeconds`` and ``createdAt``.

Services with another controller (``CODE_DEPLOY``, ``EXTERNAL``) only get the service-level fields; their
task sets belong to the CodeDeploy model.

Non-AWS test endpoint: ``GET|POST /_emulator/ecs_service`` with ``{"taskStartSeconds": 10,
"failingImages": ["repo:bad"]}`` reads or changes the scheduler's settings (reset restores the defaults).
"""

from __future__ import annotations

import copy
import math
import random
from typing import Any

from moto.ecs.models import ecs_backends

from awsemu.core import CLOCK, STORE, Request, admin, after, on_reset

DEFAULT_SETTINGS: dict[str, Any] = {"taskStartSeconds": 10.0, "failingImages": []}
SETTINGS: dict[str, Any] = copy.deepcopy(DEFAULT_SETTINGS)
DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}
# UpdateService parameters whose change starts a new deployment (the API reference's list for ECS).
REDEPLOY_FIELDS = ("networkConfiguration", "platformVersion", "loadBalancers", "capacityProviderStrategy")
MAX_EVENTS = 100


@on_reset
def _reset_settings() -> None:
    SETTINGS.clear()
    SETTINGS.update(copy.deepcopy(DEFAULT_SETTINGS))


@admin("ecs_service")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST" and isinstance(payload, dict):
        if "taskStartSeconds" in payload:
            SETTINGS["taskStartSeconds"] = max(float(payload["taskStartSeconds"]), 0.001)
        if "failingImages" in payload:
            SETTINGS["failingImages"] = list(payload["failingImages"] or [])
    return dict(SETTINGS)


def _services(req: Request) -> dict[str, dict[str, Any]]:
    return STORE.get(req, "ecs_service", dict)


def _tracked(req: Request, service: dict[str, Any]) -> dict[str, Any] | None:
    """What we keep beside moto's ``service`` (an ECS API Service shape), if we track it."""
    return _services(req).get(service.get("serviceArn", ""))


def _now() -> float:
    return CLOCK.timestamp()


def _deployment_id() -> str:
    return "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))


def _image_of(req: Request, task_definition_arn: str | None) -> list[str]:
    if not task_definition_arn:
        return []
    backend = ecs_backends[req.account_id][req.region]
    try:
        definition = backend.describe_task_definition(task_definition_arn)
    except Exception:  # noqa: BLE001 - a deleted definition simply has no images
        return []
    return [c.get("image", "") for c in definition.container_definitions]


# --- the scheduler model -------------------------------------------------------------------------------


def _new_deployment(state: dict[str, Any], task_definition: str | None, desired: int, at: float) -> dict[str, Any]:
    svc = state["service"]
    return {
        "id": _deployment_id(),
        "status": "PRIMARY",
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "pendingCount": 0,
        "runningCount": 0,
        "failedTasks": 0,
        "createdAt": at,
        "updatedAt": at,
        "launchType": svc.get("launchType"),
        "capacityProviderStrategy": svc.get("capacityProviderStrategy"),
        "platformVersion": svc.get("platformVersion"),
        "platformFamily": "Linux" if svc.get("launchType") == "FARGATE" else None,
        "networkConfiguration": copy.deepcopy(svc.get("networkConfiguration")),
        "rolloutState": "IN_PROGRESS",
        "rolloutStateReason": "ECS deployment is in progress.",
    }


def _event(state: dict[str, Any], message: str, at: float) -> None:
    name = state["service"]["serviceName"]
    state["events"].insert(0, {"id": _deployment_id()[8:], "createdAt": at, "message": f"(service {name}) {message}"})
    del state["events"][MAX_EVENTS:]


def _threshold(desired: int) -> int:
    return min(max(3, math.ceil(desired * 0.5)), 200)


def _schedule(req: Request, state: dict[str, Any], at: float) -> None:
    """One scheduler pass: stop old tasks down to the minimum, start new ones up to the maximum."""
    deployments = state["deployments"]
    primary = deployments[0]
    config = state["deploymentConfiguration"]
    desired = primary["desiredCount"]
    lower = math.ceil(desired * config.get("minimumHealthyPercent", 100) / 100)
    upper = math.floor(desired * config.get("maximumPercent", 200) / 100)
    olds = deployments[1:]

    def healthy() -> int:
        return primary["runningCount"] + sum(d["runningCount"] for d in olds)

    def total() -> int:
        return healthy() + primary["pendingCount"]

    # Pending tasks of old deployments are abandoned; surplus primary tasks are stopped (scale in).
    for old in olds:
        old["pendingCount"] = 0
    surplus = primary["runningCount"] + primary["pendingCount"] - desired
    if surplus > 0:
        cancelled = min(surplus, primary["pendingCount"])
        primary["pendingCount"] -= cancelled
        primary["runningCount"] -= surplus - cancelled
        _event(state, f"has stopped {surplus} running tasks.", at)
    # Stop old tasks, oldest deployment first, while the healthy count stays at or above the minimum
    # and never keep more healthy tasks than desired once the new ones run.
    stopped = 0
    for old in reversed(olds):
        while old["runningCount"] > 0 and healthy() > lower:
            old["runningCount"] -= 1
            stopped += 1
    if stopped:
        _event(state, f"has stopped {stopped} running tasks.", at)
    # Start new tasks up to the maximum.
    room = min(desired - primary["runningCount"] - primary["pendingCount"], upper - total())
    if room <= 0 and not olds and primary["runningCount"] + primary["pendingCount"] < desired:
        room = desired - primary["runningCount"] - primary["pendingCount"]
    if room > 0:
        primary["pendingCount"] += room
        _event(state, f"has started {room} tasks.", at)
    for dep in deployments:
        dep["desiredCount"] = desired if dep is primary else dep["runningCount"]
        dep["updatedAt"] = at
    state["deployments"] = [primary] + [d for d in olds if d["runningCount"] > 0]
    _settle(state, at)


def _settle(state: dict[str, Any], at: float) -> None:
    primary = state["deployments"][0]
    if (
        primary["rolloutState"] == "IN_PROGRESS"
        and len(state["deployments"]) == 1
        and primary["runningCount"] == primary["desiredCount"]
        and primary["pendingCount"] == 0
    ):
        primary["rolloutState"] = "COMPLETED"
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
        state["lastCompletedTaskDefinition"] = primary["taskDefinition"]
        _event(state, f"(deployment {primary['id']}) deployment completed.", at)
        _event(state, "has reached a steady state.", at)


def _start_tasks(req: Request, state: dict[str, Any], at: float) -> None:
    """Pending tasks of the primary deployment start (or fail, for an image marked failing)."""
    primary = state["deployments"][0]
    if not primary["pendingCount"]:
        return
    failing = set(SETTINGS["failingImages"]) & set(_image_of(req, primary["taskDefinition"]))
    if not failing:
        primary["runningCount"] += primary["pendingCount"]
        primary["pendingCount"] = 0
        return
    primary["failedTasks"] += primary["pendingCount"]
    _event(state, f"has {primary['pendingCount']} tasks that failed to start: CannotPullContainerError.", at)
    primary["pendingCount"] = 0
    breaker = state["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
    if breaker.get("enable") and primary["failedTasks"] >= _threshold(primary["desiredCount"]):
        primary["status"] = "ACTIVE"
        primary["rolloutState"] = "FAILED"
        primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
        _event(state, f"deployment {primary['id']} deployment failed: tasks failed to start.", at)
        previous = state.get("lastCompletedTaskDefinition")
        if breaker.get("rollback") and previous:
            rollback = _new_deployment(state, previous, primary["desiredCount"], at)
            rollback["rolloutStateReason"] = (
                f"ECS deployment circuit breaker: rolling back to deploymentId {primary['id']}."
            )
            state["deployments"].insert(0, rollback)
            state["service"]["taskDefinition"] = previous
            _event(state, f"rolling back to task definition {previous}.", at)


def _advance(req: Request, state: dict[str, Any]) -> None:
    """Run the scheduler for every step that fits into the emulated time since the last one."""
    step = float(SETTINGS["taskStartSeconds"])
    now = _now()
    while state["nextStepAt"] <= now:
        at = state["nextStepAt"]
        _start_tasks(req, state, at)
        _schedule(req, state, at)
        state["nextStepAt"] = at + step
        primary = state["deployments"][0]
        if primary["rolloutState"] != "IN_PROGRESS" and not primary["pendingCount"] and len(state["deployments"]) == 1:
            state["nextStepAt"] = float("inf")


def _kick(req: Request, state: dict[str, Any]) -> None:
    at = _now()
    _schedule(req, state, at)
    state["nextStepAt"] = at + float(SETTINGS["taskStartSeconds"])


# --- answers ---------------------------------------------------------------------------------------------


def _is_ecs_controller(service: dict[str, Any]) -> bool:
    return (service.get("deploymentController") or {}).get("type", "ECS") == "ECS"


def _decorate(req: Request, service: dict[str, Any]) -> dict[str, Any]:
    state = _tracked(req, service)
    if state is None:
        return service
    service["deploymentConfiguration"] = copy.deepcopy(state["deploymentConfiguration"])
    service["createdAt"] = state["createdAt"]
    service.setdefault("enableECSManagedTags", state.get("enableECSManagedTags", False))
    service.setdefault("enableExecuteCommand", state.get("enableExecuteCommand", False))
    if state.get("healthCheckGracePeriodSeconds") is not None:
        service["healthCheckGracePeriodSeconds"] = state["healthCheckGracePeriodSeconds"]
    for key in ("capacityProviderStrategy",):
        if state["service"].get(key):
            service[key] = copy.deepcopy(state["service"][key])
            service.pop("launchType", None)
    if not _is_ecs_controller(service) or service.get("status") != "ACTIVE":
        return service
    _advance(req, state)
    service["taskDefinition"] = state["service"]["taskDefinition"]
    service["deployments"] = [
        {k: v for k, v in d.items() if v is not None} for d in copy.deepcopy(state["deployments"])
    ]
    service["runningCount"] = sum(d["runningCount"] for d in state["deployments"])
    service["pendingCount"] = sum(d["pendingCount"] for d in state["deployments"])
    service["desiredCount"] = state["deployments"][0]["desiredCount"]
    service["events"] = copy.deepcopy(state["events"])
    return service


@after("ecs", "CreateService")
def create_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    at = _now()
    config = copy.deepcopy(DEFAULT_DEPLOYMENT_CONFIGURATION)
    for key, value in (req.param("deploymentConfiguration") or {}).items():
        config[key] = value
    if req.param("capacityProviderStrategy"):
        service["capacityProviderStrategy"] = req.param("capacityProviderStrategy")
    state = {
        "service": service,
        "createdAt": at,
        "deploymentConfiguration": config,
        "healthCheckGracePeriodSeconds": req.param("healthCheckGracePeriodSeconds"),
        "enableECSManagedTags": bool(req.param("enableECSManagedTags", False)),
        "enableExecuteCommand": bool(req.param("enableExecuteCommand", False)),
        "deployments": [],
        "events": [],
        "nextStepAt": float("inf"),
    }
    with STORE.lock:
        _services(req)[service.get("serviceArn", "")] = state
        if _is_ecs_controller(service):
            state["deployments"] = [_new_deployment(state, service.get("taskDefinition"), service["desiredCount"], at)]
            _kick(req, state)
        body["service"] = _decorate(req, service)
    return body


def _update_deployments(req: Request, state: dict[str, Any], service: dict[str, Any], at: float) -> None:
    """UpdateService of an ``ECS``-controlled service: a new ``PRIMARY`` deployment, or the primary resized."""
    previous = state["service"]
    redeploy = bool(req.param("forceNewDeployment"))
    new_definition = service.get("taskDefinition")
    if new_definition and new_definition != previous.get("taskDefinition"):
        redeploy = True
    for key in REDEPLOY_FIELDS:
        if req.param(key) is not None and service.get(key, req.param(key)) != previous.get(key):
            redeploy = True
        if key == "capacityProviderStrategy" and req.param(key) is not None:
            service[key] = req.param(key)
    state["service"] = service
    desired = req.param("desiredCount")
    desired = state["deployments"][0]["desiredCount"] if desired is None else int(desired)
    if redeploy:
        for dep in state["deployments"]:
            dep["status"] = "ACTIVE"
        state["deployments"].insert(0, _new_deployment(state, new_definition, desired, at))
    else:
        primary = state["deployments"][0]
        if primary["desiredCount"] != desired and primary["rolloutState"] == "COMPLETED":
            primary["rolloutState"] = "IN_PROGRESS"
            primary["rolloutStateReason"] = "ECS deployment is in progress."
        primary["desiredCount"] = desired
        if primary["rolloutState"] == "COMPLETED":
            return
    _kick(req, state)


@after("ecs", "UpdateService")
def update_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        state = _tracked(req, service)
        if state is None:
            return body
        if _is_ecs_controller(service) and state["deployments"]:
            _advance(req, state)
        at = _now()
        for key, value in (req.param("deploymentConfiguration") or {}).items():
            state["deploymentConfiguration"][key] = value
        for key in ("healthCheckGracePeriodSeconds", "enableECSManagedTags", "enableExecuteCommand"):
            if req.param(key) is not None:
                state[key] = req.param(key)
        if _is_ecs_controller(service):
            _update_deployments(req, state, service, at)
        body["service"] = _decorate(req, service)
    return body


@after("ecs", "DescribeServices")
def describe_services(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    with STORE.lock:
        body["services"] = [_decorate(req, s) for s in body.get("services", [])]
    return body


@after("ecs", "DeleteService")
def delete_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        state = _services(req).pop(service.get("serviceArn", ""), None)
        if state is not None:  # the answer keeps the service's settings; its tasks are gone
            service["deploymentConfiguration"] = copy.deepcopy(state["deploymentConfiguration"])
            service["createdAt"] = state["createdAt"]
            service.update(runningCount=0, pendingCount=0, desiredCount=0)
    return body


def resize(req: Request, service_arn: str, desired: int) -> None:
    """Another AWS service (Application Auto Scaling) set ``service_arn``'s desired count: as UpdateService
    with ``desiredCount`` alone would, the ``PRIMARY`` deployment is resized in place."""
    with STORE.lock:
        state = _services(req).get(service_arn)
        if state is None or not _is_ecs_controller(state["service"]) or not state["deployments"]:
            return
        state["service"]["desiredCount"] = desired
        primary = state["deployments"][0]
        if primary["desiredCount"] == desired:
            return
        if primary["rolloutState"] == "COMPLETED":
            primary["rolloutState"] = "IN_PROGRESS"
            primary["rolloutStateReason"] = "ECS deployment is in progress."
        primary["desiredCount"] = desired
        _kick(req, state)
