"""ECS services with the rolling-update (``ECS``) deployment controller, as the ECS API reference describes them.

moto 5.2 keeps a service's ``runningCount`` at 0 (unless ``MOTO_ECS_SERVICE_RUNNING``), creates no new
deployment when UpdateService changes the task definition, never drains an old deployment (so the
``services_stable`` waiter never succeeds) and drops ``deploymentConfiguration`` and
``healthCheckGracePeriodSeconds``. This module keeps, beside moto's service, what a rolling deployment needs,
on the task model of ``awsemu.services.ecs_tasks``: each deployment is a task group (owner
``ecs-rolling:<service arn>``) whose tasks are real records, and every count is computed from them.

- CreateService (controller ``ECS``): one ``PRIMARY`` deployment, ``rolloutState`` ``IN_PROGRESS``.
- UpdateService: a new task definition, network configuration, platform version, load balancers or
  ``forceNewDeployment`` start a new ``PRIMARY`` deployment; the previous ones become ``ACTIVE`` and drain.
  A desired count change alone resizes the ``PRIMARY`` deployment in place.
- The scheduler runs whenever a task of the service changes (on the emulated clock): it replaces tasks
  that failed their health checks after ``healthCheckGracePeriodSeconds``, stops old tasks while the
  *healthy* tasks stay above ``minimumHealthyPercent`` of the desired count, then starts new ones up to
  ``maximumPercent``. A new task is healthy once it is RUNNING, its container health checks pass and its
  targets are healthy (ECS waits for the load balancer). When the ``PRIMARY`` deployment runs the desired
  count of healthy tasks and the old ones are stopped (their targets drained), the rollout is
  ``COMPLETED`` and the service "has reached a steady state".
- Deployment circuit breaker: ``failedTasks`` counts tasks that failed to start (an image in
  ``failingImages`` never pulls) or were stopped for failed health checks, and resets when a task turns
  healthy (``resetOnHealthyTask``, default true); at the threshold (``thresholdConfiguration``, default
  half the desired count, at least 3, at most 200) the rollout is ``FAILED`` and, with ``rollback``, a
  new deployment of the last completed task definition starts.
- Deployment alarms (``deploymentConfiguration.alarms``, ECS Developer Guide "How CloudWatch alarms detect Amazon
  ECS deployment failures",
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-alarm-failure.html): while the
  ``PRIMARY`` rollout is ``IN_PROGRESS`` a watched alarm in ALARM (moto's CloudWatch state; ``SetAlarmState``
  drives it, as on AWS) fails it and, with ``rollback``, starts a deployment of the last completed task
  definition, as the circuit breaker does. With alarms watched the rollout is ``COMPLETED`` only after a bake
  time once it is steady ("the rollout state begins in an IN_PROGRESS state. When the service reaches a steady
  state and the bake time is complete, the rollout state transitions to COMPLETED"); AWS computes it from the
  alarms and does not publish how, so here it is the longest ``Period`` x ``EvaluationPeriods`` of the watched
  alarms. A rollback deployment is not failed by the alarms again.
- DescribeServices, CreateService, UpdateService and DeleteService answer with these deployments and
  counts, the service events (``awsemu.services.ecs_tasks`` words them as ECS does), plus
  ``deploymentConfiguration``, ``healthCheckGracePeriodSeconds`` and ``createdAt``. DeleteService stops the
  service's tasks; the service is ``DRAINING`` until they are stopped (their targets drained), then
  ``INACTIVE``, and CreateService of that name is refused while it drains.

Services with another controller (``CODE_DEPLOY``, ``EXTERNAL``) only get the service-level fields and
events here; their tasks belong to their task sets (``ecs_tasks`` mirrors moto's task sets). Services of the
``ECS`` controller whose ``deploymentConfiguration.strategy`` is not ``ROLLING`` (BLUE_GREEN, LINEAR, CANARY)
belong to the native engine (``awsemu.services.ecs_native``); it plugs in through :data:`UPDATE_HOOKS`,
:data:`DESCRIBE_HOOKS` and :data:`DELETE_HOOKS`.

Non-AWS test endpoint: ``GET|POST /_emulator/ecs_service`` with ``{"taskStartSeconds": 10,
"failingImages": ["repo:bad"], "containerUnhealthyImages": [...], "sigtermIgnoringImages": [...],
"taskDeprovisionSeconds": 0}`` reads or changes the API runtime's settings (``awsemu.services.ecs_runtime``;
reset restores the defaults).
"""

from __future__ import annotations

import copy
import math
import random
from typing import Any

from moto.ecs.models import ecs_backends

from awsemu import reconcile
from awsemu.core import STORE, AwsError, Request, admin, after, before_request, on_reset
from awsemu.services import ecs_runtime
from awsemu.services.ecs_tasks import (
    GRACE_PERIODS,
    SCHEDULERS,
    TaskGroup,
    TaskModel,
    model_for,
    sync_task_sets,
    update_steady,
)
from awsemu.services.ecs_tasks import regions as ecs_tasks_regions

DEFAULT_DEPLOYMENT_CONFIGURATION: dict[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}
# UpdateService parameters whose change starts a new deployment (the API reference's list for ECS).
REDEPLOY_FIELDS = ("networkConfiguration", "platformVersion", "loadBalancers", "capacityProviderStrategy")
OWNER = "ecs-rolling"
# fn(model, req, state, service, at), called by UpdateService after the deployment configuration is merged and
# before the rolling scheduler acts: the native engine adopts or hands over a service's tasks when the
# controller or the strategy changes (``awsemu.services.ecs_native``).
UPDATE_HOOKS: list[Any] = []
# fn(req, service) -> service, applied by DescribeServices after this module's view: the native engine's
# currentServiceDeployment, currentServiceRevisions and deployments.
DESCRIBE_HOOKS: list[Any] = []
# fn(model, req, service, at), called by DeleteService once the rolling scheduler's tasks are stopping: the native
# engine's revisions stop too and a deployment in flight with them.
DELETE_HOOKS: list[Any] = []


def plug(hooks: list[Any], fn: Any) -> None:
    """Add ``fn`` to one of the hook lists above, replacing an earlier copy of it (a re-imported module)."""
    name = (fn.__module__, fn.__qualname__)
    hooks[:] = [h for h in hooks if (h.__module__, h.__qualname__) != name] + [fn]


# Kept for callers of the old module API: the runtime's settings are the ones that count.
SETTINGS = ecs_runtime.SETTINGS


@on_reset
def _reset_settings() -> None:
    ecs_runtime.reset_settings()


@admin("ecs_service")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST" and isinstance(payload, dict):
        ecs_runtime.update_settings(payload)
    return copy.deepcopy(ecs_runtime.SETTINGS)


def _services(account: str, region: str) -> dict[str, dict[str, Any]]:
    return STORE.get((account, region), "ecs_service", dict)


def _tracked(req: Request, service: dict[str, Any]) -> dict[str, Any] | None:
    """What we keep beside moto's ``service`` (an ECS API Service shape), if we track it."""
    return _services(req.account_id, req.region).get(service.get("serviceArn", ""))


def _deployment_id() -> str:
    return "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))


def _grace_of(account: str, region: str, service_arn: str) -> float | None:
    state = _services(account, region).get(service_arn)
    return None if state is None else float(state.get("healthCheckGracePeriodSeconds") or 0)


GRACE_PERIODS[:] = [g for g in GRACE_PERIODS if g.__module__ != __name__] + [_grace_of]


# --- the scheduler model -------------------------------------------------------------------------------


def _owner(state: dict[str, Any]) -> str:
    return f"{OWNER}:{state['service']['serviceArn']}"


def _task_tags(req_account: str, region: str, state: dict[str, Any], task_definition: str | None) -> list[dict]:
    propagate = state["service"].get("propagateTags") or "NONE"
    if propagate == "SERVICE":
        return copy.deepcopy(state["service"].get("tags") or [])
    if propagate == "TASK_DEFINITION" and task_definition:
        try:
            return copy.deepcopy(ecs_backends[req_account][region].describe_task_definition(task_definition).tags)
        except Exception:  # noqa: BLE001 - no definition, no tags
            return []
    return []


def _new_deployment(
    model: TaskModel, state: dict[str, Any], task_definition: str | None, desired: int, at: float
) -> dict[str, Any]:
    svc = state["service"]
    dep_id = _deployment_id()
    model.add_group(
        TaskGroup(
            key=dep_id,
            kind="deployment",
            cluster_arn=svc.get("clusterArn", ""),
            task_definition_arn=task_definition or "",
            desired=desired,
            created_at=at,
            owner=_owner(state),
            started_by=dep_id,
            group_name=f"service:{svc['serviceName']}",
            service_arn=svc["serviceArn"],
            service_name=svc["serviceName"],
            network_configuration=copy.deepcopy(svc.get("networkConfiguration")),
            load_balancers=copy.deepcopy(svc.get("loadBalancers") or []),
            launch_type=svc.get("launchType") or "FARGATE",
            capacity_provider_strategy=copy.deepcopy(svc.get("capacityProviderStrategy")),
            platform_version=svc.get("platformVersion"),
            health_check_grace_period=float(state.get("healthCheckGracePeriodSeconds") or 0),
            tags=_task_tags(model.account, model.region, state, task_definition),
            enable_execute_command=bool(state.get("enableExecuteCommand")),
            reset_failures_on_healthy=_breaker(state).get("resetOnHealthyTask", True) is not False,
        ),
        at=at,
    )
    return {
        "id": dep_id,
        "group": dep_id,
        "status": "PRIMARY",
        "taskDefinition": task_definition,
        "desiredCount": desired,
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


def _event(model: TaskModel, state: dict[str, Any], message: str, at: float) -> None:
    service = state["service"]
    model.event(service["serviceArn"], f"(service {service['serviceName']}) {message}", at)


def _breaker(state: dict[str, Any]) -> dict[str, Any]:
    return state["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}


def threshold(desired: int, breaker: dict[str, Any] | None = None) -> int:
    """The circuit breaker's failed-task threshold (DeploymentCircuitBreaker, ThresholdConfiguration)."""
    config = (breaker or {}).get("thresholdConfiguration") or {}
    kind, value = config.get("type", "BOUNDED_PERCENT"), float(config.get("value", 50))
    if kind == "COUNT":
        return max(int(value), 1)
    computed = math.ceil(desired * value / 100.0)
    if kind == "UNBOUNDED_PERCENT":
        return max(computed, 1)
    return min(max(3, computed), 200)


def _schedule(model: TaskModel, service_arn: str, at: float) -> None:
    """One scheduler pass of a rolling service (see the module docstring)."""
    state = _services(model.account, model.region).get(service_arn)
    if state is None or not state["deployments"]:
        return
    deployments = state["deployments"]
    primary, olds = deployments[0], deployments[1:]
    group = model.group(primary["group"])
    if group is None:
        return
    config = state["deploymentConfiguration"]
    desired = int(primary["desiredCount"])
    group.desired = desired
    lower = math.ceil(desired * config.get("minimumHealthyPercent", 100) / 100)
    upper = math.floor(desired * config.get("maximumPercent", 200) / 100)

    def active(dep: dict[str, Any]) -> list[Any]:
        return [t for t in model.tasks_of(dep["group"]) if t.desired_status == "RUNNING"]

    def healthy_total() -> int:
        return sum(1 for dep in deployments for t in active(dep) if t.healthy)

    # Tasks that failed their health checks after the grace period are replaced (and count as failures).
    for dep in deployments:
        owner_group = model.group(dep["group"])
        for task in active(dep):
            reason = model.failed_health(task, at)
            if reason:
                if owner_group is not None:
                    owner_group.failed_tasks += 1
                model.stop_task(task, at, "ServiceSchedulerInitiated", reason)
                if owner_group is not None:
                    model.note(owner_group, "stopped", task.id)
    # Pending tasks of old deployments are abandoned; surplus primary tasks are stopped (scale in).
    for old in olds:
        for task in active(old):
            if not task.running:
                model.stop_task(task, at, "ServiceSchedulerInitiated", _scale_in(primary))
    primary_tasks = active(primary)
    surplus = len(primary_tasks) - desired
    if surplus > 0:
        victims = sorted(primary_tasks, key=lambda t: (t.running, t.healthy, -t.created_at))[:surplus]
        for task in victims:
            model.stop_task(task, at, "ServiceSchedulerInitiated", _scale_in(primary))
            model.note(group, "stopped", task.id)
    # Stop old tasks, oldest deployment first, unhealthy ones first, while the healthy count stays at or
    # above the minimum.
    for old in reversed(olds):
        old_group = model.group(old["group"])
        for task in sorted(active(old), key=lambda t: (t.healthy, t.created_at)):
            if task.healthy and healthy_total() <= lower:
                break
            model.stop_task(task, at, "ServiceSchedulerInitiated", _scale_in(primary))
            if old_group is not None:
                model.note(old_group, "stopped", task.id)
    # Start new tasks up to the maximum (not while the breaker has stopped the deployment).
    if primary["rolloutState"] != "FAILED" and group.launch_not_before <= at:
        count = len(active(primary))
        total = sum(len(active(dep)) for dep in deployments)
        room = min(desired - count, upper - total)
        if room <= 0 and not olds and count < desired:
            room = desired - count
        if room > 0:
            model.launch(group, room, at)
    _circuit_breaker(model, state, at)
    _deployment_alarms(model, state, at)
    for dep in state["deployments"]:
        if dep is not state["deployments"][0]:
            dep["desiredCount"] = len(active(dep))
        dep["updatedAt"] = at
    kept = [state["deployments"][0]]
    for dep in state["deployments"][1:]:
        if model.has_live_tasks(dep["group"]):
            kept.append(dep)
        else:
            model.retire_group(dep["group"], at)
    state["deployments"] = kept
    update_steady(model, group, at)
    _settle(model, state, at)


def _scale_in(primary: dict[str, Any]) -> str:
    return f"Scaling activity initiated by (deployment {primary['id']})"


def _circuit_breaker(model: TaskModel, state: dict[str, Any], at: float) -> None:
    primary = state["deployments"][0]
    group = model.group(primary["group"])
    breaker = _breaker(state)
    if group is None or not breaker.get("enable") or primary["rolloutState"] != "IN_PROGRESS":
        return
    if group.failed_tasks < threshold(primary["desiredCount"], breaker):
        return
    primary["rolloutState"] = "FAILED"
    primary["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
    _event(model, state, f"(deployment {primary['id']}) deployment failed: tasks failed to start.", at)
    if breaker.get("rollback"):
        _roll_back(model, state, f"ECS deployment circuit breaker: rolling back to deploymentId {primary['id']}.", at)


def _roll_back(model: TaskModel, state: dict[str, Any], reason: str, at: float) -> None:
    """A new PRIMARY deployment of the last completed task definition (none: nothing to roll back to)."""
    primary = state["deployments"][0]
    previous = state.get("lastCompletedTaskDefinition")
    if not previous:
        return
    primary["status"] = "ACTIVE"
    rollback = _new_deployment(model, state, previous, primary["desiredCount"], at)
    rollback["rolloutStateReason"] = reason
    state["deployments"].insert(0, rollback)
    state.setdefault("rollbackDeployments", []).append(rollback["id"])
    state["service"]["taskDefinition"] = previous
    _event(model, state, f"rolling back to deployment {state.get('lastCompletedDeployment', previous)}.", at)
    model.mark(_owner(state), at)


# --- deployment alarms (see the module docstring) --------------------------------------------------------------


def _alarm_watch(state: dict[str, Any]) -> dict[str, Any]:
    """The service's deploymentConfiguration.alarms when they are watched (enabled, with names), else {}."""
    alarms = state["deploymentConfiguration"].get("alarms") or {}
    return alarms if alarms.get("enable") and alarms.get("alarmNames") else {}


def _watched(state: dict[str, Any]) -> bool:
    """The PRIMARY rollout is in progress, alarms are watched, and it is not a rollback."""
    if not state["deployments"] or not _alarm_watch(state):
        return False
    primary = state["deployments"][0]
    return primary["rolloutState"] == "IN_PROGRESS" and primary["id"] not in state.get("rollbackDeployments", [])


def _firing(account: str, region: str, state: dict[str, Any], at: float) -> list[str]:
    """The watched alarms that are in ALARM, and went there by ``at`` (or before the deployment started)."""
    from awsemu.services.ecs_native import _alarms_in_alarm

    created = float(state["deployments"][0]["createdAt"])
    names = _alarm_watch(state)["alarmNames"]
    return [name for name, since in _alarms_in_alarm(account, region, names) if max(created, since) <= at]


def bake_seconds(account: str, region: str, names: list[str]) -> float:
    """The bake time of a rolling deployment watched by ``names``: the longest Period x EvaluationPeriods."""
    from moto.cloudwatch.models import cloudwatch_backends

    alarms = cloudwatch_backends[account][region].alarms
    return max(
        (float(alarms[n].period or 0) * float(alarms[n].evaluation_periods or 1) for n in names if n in alarms),
        default=0.0,
    )


def _deployment_alarms(model: TaskModel, state: dict[str, Any], at: float) -> None:
    if not _watched(state):
        return
    firing = _firing(model.account, model.region, state, at)
    if not firing:
        return
    primary = state["deployments"][0]
    primary["rolloutState"] = "FAILED"
    primary["rolloutStateReason"] = f"ECS deployment failed: alarm(s) {', '.join(firing)} in ALARM state."
    _event(model, state, f"(deployment {primary['id']}) deployment failed: alarm(s) {', '.join(firing)} detected.", at)
    if _alarm_watch(state).get("rollback"):
        _roll_back(model, state, f"ECS deployment alarms: rolling back to deploymentId {primary['id']}.", at)


def _watch_alarms(account: str, region: str, now: float) -> bool:
    """Reconcile participant: a scheduler pass of a rolling service when one of its watched alarms went off
    (SetAlarmState changes no task, so nothing else would ask for one)."""
    services = STORE.get((account, region), "ecs_service", dict)
    marked = False
    for state in services.values():
        if not _watched(state) or not is_rolling(state, state["service"]):
            continue
        from awsemu.services.ecs_native import _alarms_in_alarm

        created = float(state["deployments"][0]["createdAt"])
        found = _alarms_in_alarm(account, region, _alarm_watch(state)["alarmNames"])
        if not found:
            continue
        at = min(now, max(created, min(since for _name, since in found)))
        model = model_for(account, region)
        owner = _owner(state)
        if model.dirty.get(owner, float("inf")) > at:
            model.mark(owner, at)
            marked = True
    return marked


reconcile.participant("ecs-rolling-alarms", ecs_tasks_regions, order=5)(_watch_alarms)


def _settle(model: TaskModel, state: dict[str, Any], at: float) -> None:
    primary = state["deployments"][0]
    group = model.group(primary["group"])
    steady = len(state["deployments"]) == 1 and group is not None and group.steady_since is not None
    if steady and primary["rolloutState"] == "IN_PROGRESS" and _watched(state):
        # The bake time: the alarms are watched a while longer before the rollout is COMPLETED.
        due = float(group.steady_since) + bake_seconds(model.account, model.region, _alarm_watch(state)["alarmNames"])
        if at < due:
            model.mark(_owner(state), due)
            return
    if steady and primary["rolloutState"] == "IN_PROGRESS":
        primary["rolloutState"] = "COMPLETED"
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
        state["lastCompletedTaskDefinition"] = primary["taskDefinition"]
        state["lastCompletedDeployment"] = primary["id"]
        _event(model, state, f"(deployment {primary['id']}) deployment completed.", at)
    if steady and not state.get("steady") and primary["rolloutState"] == "COMPLETED":
        _event(model, state, "has reached a steady state.", at)
    state["steady"] = steady


SCHEDULERS[OWNER] = _schedule


# --- answers ---------------------------------------------------------------------------------------------


def _is_ecs_controller(service: dict[str, Any]) -> bool:
    return (service.get("deploymentController") or {}).get("type", "ECS") == "ECS"


def is_rolling(state: dict[str, Any], service: dict[str, Any]) -> bool:
    """The rolling scheduler owns the service: the ``ECS`` controller with the ``ROLLING`` strategy (the default)."""
    strategy = (state.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
    return _is_ecs_controller(service) and strategy == "ROLLING"


def _deployment_json(model: TaskModel, dep: dict[str, Any]) -> dict[str, Any]:
    counts = model.counts(dep["group"])
    data = {k: v for k, v in copy.deepcopy(dep).items() if k != "group" and v is not None}
    data.update(pendingCount=counts.pending, runningCount=counts.running, failedTasks=counts.failed)
    return data


def _draining(req: Request, service: dict[str, Any]) -> bool:
    """A deleted service is DRAINING while any of its tasks is still stopping (then INACTIVE)."""
    name, cluster = service.get("serviceName"), service.get("clusterArn")
    model = model_for(req.account_id, req.region)
    return any(t.live and t.group == f"service:{name}" and t.cluster_arn == cluster for t in model.tasks.values())


def _decorate(req: Request, service: dict[str, Any]) -> dict[str, Any]:
    if service.get("status") == "INACTIVE" and _draining(req, service):
        service["status"] = "DRAINING"
    state = _tracked(req, service)
    if state is None:
        return service
    model = model_for(req.account_id, req.region)
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
    service["events"] = copy.deepcopy(model.events.get(service.get("serviceArn", ""), []))
    if not is_rolling(state, service) or service.get("status") != "ACTIVE":
        return service
    service["taskDefinition"] = state["service"]["taskDefinition"]
    deployments = [_deployment_json(model, d) for d in state["deployments"]]
    service["deployments"] = deployments
    service["runningCount"] = sum(d["runningCount"] for d in deployments)
    service["pendingCount"] = sum(d["pendingCount"] for d in deployments)
    service["desiredCount"] = state["deployments"][0]["desiredCount"]
    return service


@after("ecs", "CreateService")
def create_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    at = reconcile.now()
    config = copy.deepcopy(DEFAULT_DEPLOYMENT_CONFIGURATION)
    for key, value in (req.param("deploymentConfiguration") or {}).items():
        config[key] = value
    if req.param("capacityProviderStrategy"):
        service["capacityProviderStrategy"] = req.param("capacityProviderStrategy")
    if req.param("propagateTags"):
        service["propagateTags"] = req.param("propagateTags")
    state = {
        "service": service,
        "createdAt": at,
        "deploymentConfiguration": config,
        "healthCheckGracePeriodSeconds": req.param("healthCheckGracePeriodSeconds"),
        "enableECSManagedTags": bool(req.param("enableECSManagedTags", False)),
        "enableExecuteCommand": bool(req.param("enableExecuteCommand", False)),
        "deployments": [],
    }
    with STORE.lock:
        model = model_for(req.account_id, req.region)
        _services(req.account_id, req.region)[service.get("serviceArn", "")] = state
        if is_rolling(state, service):
            state["deployments"] = [
                _new_deployment(model, state, service.get("taskDefinition"), service["desiredCount"], at)
            ]
        model.advance(at)
        body["service"] = _decorate(req, service)
    return body


def _update_deployments(
    model: TaskModel, req: Request, state: dict[str, Any], service: dict[str, Any], at: float
) -> None:
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
    for key in ("propagateTags", "tags"):
        if previous.get(key) is not None and service.get(key) is None:
            service[key] = previous[key]
    state["service"] = service
    desired = req.param("desiredCount")
    desired = state["deployments"][0]["desiredCount"] if desired is None else int(desired)
    if redeploy:
        for dep in state["deployments"]:
            dep["status"] = "ACTIVE"
        state["deployments"].insert(0, _new_deployment(model, state, new_definition, desired, at))
    else:
        primary = state["deployments"][0]
        if primary["desiredCount"] != desired and primary["rolloutState"] == "COMPLETED":
            primary["rolloutState"] = "IN_PROGRESS"
            primary["rolloutStateReason"] = "ECS deployment is in progress."
        primary["desiredCount"] = desired
    for dep in state["deployments"]:
        group = model.group(dep["group"])
        if group is not None:
            group.health_check_grace_period = float(state.get("healthCheckGracePeriodSeconds") or 0)
    model.mark(_owner(state), at)


@after("ecs", "UpdateService")
def update_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        state = _tracked(req, service)
        if state is None:
            return body
        model = model_for(req.account_id, req.region)
        at = reconcile.now()
        for key, value in (req.param("deploymentConfiguration") or {}).items():
            state["deploymentConfiguration"][key] = value
        for key in ("healthCheckGracePeriodSeconds", "enableECSManagedTags", "enableExecuteCommand"):
            if req.param(key) is not None:
                state[key] = req.param(key)
        for hook in UPDATE_HOOKS:
            hook(model, req, state, service, at)
        if is_rolling(state, service) and state["deployments"]:
            _update_deployments(model, req, state, service, at)
        model.advance(at)
        body["service"] = _decorate(req, service)
    return body


@after("ecs", "DescribeServices")
def describe_services(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    with STORE.lock:
        services = [_decorate(req, s) for s in body.get("services", [])]
        for hook in DESCRIBE_HOOKS:
            services = [hook(req, s) for s in services]
        body["services"] = services
    return body


@after("ecs", "DeleteService")
def delete_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        state = _services(req.account_id, req.region).pop(service.get("serviceArn", ""), None)
        model = model_for(req.account_id, req.region)
        at = reconcile.now()
        if state is not None:  # the answer keeps the service's settings; its tasks stop
            for dep in state["deployments"]:
                model.retire_group(dep["group"], at, _scale_in(dep))
            service["deploymentConfiguration"] = copy.deepcopy(state["deploymentConfiguration"])
            service["createdAt"] = state["createdAt"]
            service.update(runningCount=0, pendingCount=0, desiredCount=0)
        model.advance(at)
        sync_task_sets(req.account_id, req.region, at)  # a CODE_DEPLOY service's task sets stop too
        if _draining(req, service):
            service["status"] = "DRAINING"
        for hook in DELETE_HOOKS:
            hook(model, req, service, at)
    return body


@before_request
def _refuse_create_while_draining(req: Request) -> None:
    """ECS: a service name cannot be reused while the deleted service of that name is still draining."""
    if (req.service, req.action) != ("ecs", "CreateService") or not isinstance(req.body, dict):
        return
    cluster = str(req.param("cluster") or "default").split("/")[-1]
    name = str(req.param("serviceName") or "")
    with STORE.lock:
        try:
            existing = ecs_backends[req.account_id][req.region].services.get(f"{cluster}:{name}")
        except KeyError:
            return
        if (
            existing is not None
            and existing.status == "INACTIVE"
            and _draining(req, {"serviceName": name, "clusterArn": existing.cluster_arn})
        ):
            raise AwsError("InvalidParameterException", "Unable to Start a service that is still Draining.")


def resize(req: Request, service_arn: str, desired: int) -> None:
    """Another AWS service (Application Auto Scaling) set ``service_arn``'s desired count: as UpdateService
    with ``desiredCount`` alone would, the ``PRIMARY`` deployment is resized in place."""
    with STORE.lock:
        state = _services(req.account_id, req.region).get(service_arn)
        if state is None or not is_rolling(state, state["service"]) or not state["deployments"]:
            return
        state["service"]["desiredCount"] = desired
        primary = state["deployments"][0]
        if primary["desiredCount"] == desired:
            return
        if primary["rolloutState"] == "COMPLETED":
            primary["rolloutState"] = "IN_PROGRESS"
            primary["rolloutStateReason"] = "ECS deployment is in progress."
        primary["desiredCount"] = desired
        model = model_for(req.account_id, req.region)
        model.mark(_owner(state), reconcile.now())
