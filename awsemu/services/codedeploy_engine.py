"""The CodeDeploy ECS blue/green lifecycle, played on moto's ECS and ELBv2 state.

A :class:`Deployment` advances lazily: before every AWS request the emulator answers (any service, so
ECS and ELBv2 reads see the effects), :func:`advance` plays what is due at the emulated time of
``awsemu.core.CLOCK``, as a participant of ``awsemu.reconcile`` (after the task model, so an Install sees
its replacement's tasks as they are at that moment). Each phase has a duration in
emulated seconds (:data:`TIMINGS`); a transition is stamped with the time it was due, not the time it
was noticed, so the timeline only depends on the clock.

Phases, as the CodeDeploy user guide describes an ECS deployment:

``Created`` (``created`` s) -> ``InProgress``: the lifecycle events run in order, each
``Pending -> InProgress -> Succeeded | Failed | Skipped``:

- BeforeInstall, AfterInstall, AfterAllowTestTraffic, BeforeAllowTraffic, AfterAllowTraffic: hook events
  (``hook`` s when the AppSpec names a Lambda function for it, else ``event`` s; the function is not run).
- Install (at least ``install`` s): a replacement task set (externalId = deployment id) on the target
  group of the pair that production does not use, with the AppSpec's task definition, network
  configuration, platform version and capacity provider strategy. A service without task sets first gets
  one for its running state (the original). Install ends once the replacement's tasks (real records of
  ``awsemu.services.ecs_tasks``) are RUNNING and healthy: container health checks pass and their targets
  are healthy (or ``unused``: no listener forwards to that group yet, so the load balancer checks
  nothing); a replacement that never gets there fails the deployment after ``installTimeout`` (60 min).
- AllowTestTraffic (``allowTestTraffic`` s): the test listener forwards to the replacement target group.
- Ready wait (deploymentReadyOption STOP_DEPLOYMENT): status ``Ready`` after AfterAllowTestTraffic until
  ContinueDeployment(READY_WAIT), or ``Stopped`` after waitTimeInMinutes.
- AllowTraffic: the production listener's forward action moves to the replacement target group: at once,
  or by TimeBasedCanary / TimeBasedLinear steps (weighted forward actions), then ``allowTraffic`` s; the
  replacement task set becomes PRIMARY (the service's taskDefinition and loadBalancers follow it).
- Termination wait (terminationWaitTimeInMinutes, status stays ``InProgress``; ContinueDeployment
  TERMINATION_WAIT ends it early), then ``cleanup`` s: the original task set is deleted, ``Succeeded``.

Failure (fault injection: ``unhealthy`` makes the replacement's tasks fail their health checks, so ECS keeps
replacing them and Install times out; ``failEvent`` fails a lifecycle event) fails the current event, skips
the rest and, when the deployment's auto-rollback covers DEPLOYMENT_FAILURE, rolls back: listeners
restored, replacement task set deleted, original PRIMARY again, and a rollback deployment (creator
``codeDeployRollback``) that succeeds after ``rollback`` s. StopDeployment does the same with
DEPLOYMENT_STOP_ON_REQUEST semantics.

Before a deployment advances, each check of :data:`ADVANCE_CHECKS` may end it (``fn(dep, now) -> True``):
awsemu.services.codedeploy_alarms stops it while one of its group's CloudWatch alarms is in ALARM.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from awsemu import reconcile
from awsemu.core import STORE
from awsemu.services.elbv2_routing import forward_weights, replace_forward

LOG = logging.getLogger("awsemu.codedeploy")

EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
HOOK_EVENTS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")
ACTIVE_STATUSES = ("Created", "Queued", "InProgress", "Ready", "Baking")
DONE_STATUSES = ("Succeeded", "Failed", "Stopped")

# Emulated seconds per phase (see the module docstring). installTimeout: how long Install waits for a
# replacement that never turns healthy before failing (CodeDeploy's 60 minutes).
DEFAULT_TIMINGS: dict[str, float] = {
    "created": 2.0,
    "event": 1.0,
    "hook": 5.0,
    "install": 30.0,
    "allowTestTraffic": 5.0,
    "allowTraffic": 5.0,
    "cleanup": 5.0,
    "rollback": 10.0,
    "installTimeout": 3600.0,
}
TIMINGS: dict[str, float] = dict(DEFAULT_TIMINGS)

SERVICE = "codedeploy"


def new_deployment_id() -> str:
    return "d-" + "".join(random.choices(string.ascii_uppercase + string.digits, k=9))


def iso(ts: float | None) -> str | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.UTC).isoformat()


@dataclass
class Deployment:
    """One deployment of an ECS deployment group (our state; moto's objects are changed through it)."""

    id: str
    account: str
    region: str
    application: str
    group: str
    config_name: str
    routing: dict[str, Any]  # trafficRoutingConfig of the deployment config
    revision: dict[str, Any] | None
    appspec: dict[str, Any]  # parsed: taskDefinition, containerName, containerPort, ...
    group_snapshot: dict[str, Any]  # the group's settings when the deployment was created
    auto_rollback: dict[str, Any]
    create_time: float
    creator: str = "user"
    description: str | None = None
    previous_revision: dict[str, Any] | None = None
    fault: dict[str, Any] | None = None
    status: str = "Created"
    start_time: float | None = None
    complete_time: float | None = None
    error: dict[str, str] | None = None
    rollback_info: dict[str, str] | None = None
    stage: str = "created"  # created | event | ready | termination | cleanup | rollback | done
    stage_start: float = 0.0
    event_index: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    shifts: list[tuple[float, float]] = field(default_factory=list)
    shift_index: int = 0
    traffic: float = 0.0  # % of production traffic on the replacement
    original: dict[str, Any] = field(default_factory=dict)  # taskSetArn, identifer, targetGroupArn/Name
    replacement: dict[str, Any] = field(default_factory=dict)
    saved_actions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # listener arn -> actions
    test_rerouted: bool = False
    prod_touched: bool = False
    replacement_primary: bool = False
    termination_started: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    status_messages: list[str] = field(default_factory=list)
    additional_info: str | None = None
    last_updated: float = 0.0
    tags: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.events:
            self.events = [
                {"lifecycleEventName": name, "status": "Pending", "startTime": None, "endTime": None} for name in EVENTS
            ]
        self.stage_start = self.create_time
        self.last_updated = self.create_time

    # --- derived
    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def cluster_name(self) -> str:
        return self.group_snapshot["ecsServices"][0]["clusterName"].split("/")[-1]

    @property
    def service_name(self) -> str:
        return self.group_snapshot["ecsServices"][0]["serviceName"].split("/")[-1]

    @property
    def pair(self) -> dict[str, Any]:
        return self.group_snapshot["loadBalancerInfo"]["targetGroupPairInfoList"][0]

    @property
    def prod_listener(self) -> str | None:
        arns = (self.pair.get("prodTrafficRoute") or {}).get("listenerArns") or []
        return arns[0] if arns else None

    @property
    def test_listener(self) -> str | None:
        arns = (self.pair.get("testTrafficRoute") or {}).get("listenerArns") or []
        return arns[0] if arns else None

    @property
    def target_status(self) -> str:
        return {
            "Created": "Pending",
            "Queued": "Pending",
            "InProgress": "InProgress",
            "Baking": "InProgress",
            "Ready": "Ready",
            "Succeeded": "Succeeded",
            "Failed": "Failed",
            "Stopped": "Failed",
        }[self.status]

    def record(self, at: float, action: str, **details: Any) -> None:
        self.history.append({"time": at, "at": iso(at), "action": action, **details})
        self.last_updated = max(self.last_updated, at)


# ----------------------------------------------------------------------------------------------- moto glue
def _ecs(dep: Deployment) -> Any:
    from moto.ecs.models import ecs_backends

    return ecs_backends[dep.account][dep.region]


def _elbv2(dep: Deployment) -> Any:
    from moto.elbv2.models import elbv2_backends

    return elbv2_backends[dep.account][dep.region]


def _service(dep: Deployment) -> Any:
    service = _ecs(dep).services.get(f"{dep.cluster_name}:{dep.service_name}")
    if service is None or service.status != "ACTIVE":
        raise DeploymentError(
            "INVALID_ECS_SERVICE", f"The ECS service {dep.service_name} in cluster {dep.cluster_name} does not exist."
        )
    return service


def _when(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, tz=dt.UTC)


def _tg_name(dep: Deployment, arn: str) -> str:
    try:
        return _elbv2(dep).target_groups[arn].name
    except KeyError:
        return arn.split("/")[-2] if "/" in arn else arn


def _tg_arn(dep: Deployment, name: str) -> str | None:
    for arn, tg in _elbv2(dep).target_groups.items():
        if tg.name == name:
            return arn
    return None


def _listener(dep: Deployment, arn: str) -> Any:
    for lb in _elbv2(dep).load_balancers.values():
        if arn in lb.listeners:
            return lb.listeners[arn]
    raise DeploymentError("ELASTIC_LOAD_BALANCING_INVALID", f"The listener {arn} does not exist.")


def _actions(listener: Any) -> list[dict[str, Any]]:
    return [copy.deepcopy(a.data) for a in listener.default_actions]


def _set_forward(dep: Deployment, listener_arn: str, weights: dict[str, float]) -> None:
    listener = _listener(dep, listener_arn)
    live = [(arn, w) for arn, w in weights.items() if w > 0]
    if len(live) == 1:
        forward: dict[str, Any] = {"Type": "forward", "TargetGroupArn": live[0][0]}
    else:
        forward = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": arn, "Weight": int(round(w))} for arn, w in weights.items()],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    actions, replaced = replace_forward(_actions(listener), lambda _old: copy.deepcopy(forward))
    if not replaced:
        actions.append(forward)
    _elbv2(dep).modify_listener(listener_arn, actions=copy.deepcopy(actions))


def task_set_by_arn(dep: Deployment, arn: str | None) -> Any:
    if not arn:
        return None
    try:
        service = _service(dep)
    except DeploymentError:
        return None
    for ts in service.task_sets:
        if ts.task_set_arn == arn:
            return ts
    return None


def resize_task_sets(service: Any, at: float) -> None:
    """The task sets' tasks follow the service's desired count (each by its scale); counts come from the tasks.

    A task set runs ``ceil(desiredCount x scale%)`` tasks (ECS: "the result is always rounded up"); its
    ``runningCount``, ``pendingCount`` and ``stabilityStatus`` and the service's counts are derived from
    the task model (``awsemu.services.ecs_tasks``), never set here.
    """
    from awsemu.services import ecs_tasks

    account, region = service._account_id, service.region_name
    with reconcile.at_time(at):
        ecs_tasks.sync_task_sets(account, region, at)
        ecs_tasks.model_for(account, region).advance(at)
        ecs_tasks.sync_task_sets(account, region, at)


def _group(dep: Deployment, arn: str | None) -> Any:
    from awsemu.services import ecs_tasks

    return ecs_tasks.model_for(dep.account, dep.region).group(arn) if arn else None


def ensure_primary_task_set(backend: Any, service: Any, at: float) -> Any:
    """The task set that represents what the service runs (CreateService makes it for CODE_DEPLOY)."""
    for ts in service.task_sets:
        if ts.status == "PRIMARY":
            return ts
    if service.task_sets:
        ts = service.task_sets[0]
        ts.status = "PRIMARY"
        return ts
    if not service.task_definition:
        return None
    with reconcile.at_time(at):
        ts = backend.create_task_set(
            service.name,
            service.cluster_name,
            service.task_definition,
            network_configuration=service.network_configuration or None,
            load_balancers=copy.deepcopy(service.load_balancers),
            launch_type=service.launch_type or "FARGATE",
            platform_version=service.platform_version,
        )
        ts.status = "PRIMARY"
        ts.createdAt = ts.updatedAt = _when(at)
    return ts


class DeploymentError(Exception):
    """A lifecycle event failed: ``code`` is a CodeDeploy ErrorCode."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ----------------------------------------------------------------------------------------------- phases
def _hook(dep: Deployment, name: str) -> str | None:
    return (dep.appspec.get("hooks") or {}).get(name)


def _duration(dep: Deployment, name: str) -> float:
    if name in HOOK_EVENTS:
        return TIMINGS["hook"] if _hook(dep, name) else TIMINGS["event"]
    if name == "Install":
        return TIMINGS["install"]
    if name == "AllowTestTraffic":
        return TIMINGS["allowTestTraffic"] if dep.test_listener else TIMINGS["event"]
    if name == "AllowTraffic":
        return (dep.shifts[-1][0] if dep.shifts else 0.0) + TIMINGS["allowTraffic"]
    return TIMINGS["event"]


def traffic_shifts(routing: dict[str, Any]) -> list[tuple[float, float]]:
    """[(seconds after AllowTraffic starts, % on the replacement)] for a trafficRoutingConfig."""
    kind = routing.get("type", "AllAtOnce")
    if kind == "TimeBasedCanary":
        canary = routing["timeBasedCanary"]
        return [(0.0, float(canary["canaryPercentage"])), (canary["canaryInterval"] * 60.0, 100.0)]
    if kind == "TimeBasedLinear":
        linear = routing["timeBasedLinear"]
        step, interval = float(linear["linearPercentage"]), linear["linearInterval"] * 60.0
        shifts, weight, offset = [], 0.0, 0.0
        while weight < 100.0:
            weight = min(weight + step, 100.0)
            shifts.append((offset, weight))
            offset += interval
        return shifts
    return [(0.0, 100.0)]


def _begin_event(dep: Deployment, index: int, at: float) -> None:
    with reconcile.at_time(at):
        _begin_event_at(dep, index, at)


def _begin_event_at(dep: Deployment, index: int, at: float) -> None:
    event = dep.events[index]
    event.update(status="InProgress", startTime=at)
    dep.stage, dep.event_index, dep.stage_start = "event", index, at
    dep.last_updated = at
    name = event["lifecycleEventName"]
    if name == "Install":
        _install_start(dep, at)
    elif name == "AllowTestTraffic" and dep.test_listener:
        _reroute_test(dep, at)
    elif name == "AllowTraffic":
        dep.shifts = traffic_shifts(dep.routing)
        dep.shift_index = 0


def _fault_for(dep: Deployment, name: str) -> bool:
    fault = dep.fault or {}
    return fault.get("fault") == "failEvent" and fault.get("lifecycleEvent") == name


def _finish_event(dep: Deployment, name: str, at: float) -> None:
    """Effects due when ``name`` completes; raises DeploymentError when it fails."""
    with reconcile.at_time(at):
        _finish_event_at(dep, name, at)


def _finish_event_at(dep: Deployment, name: str, at: float) -> None:
    if _fault_for(dep, name):
        hook = _hook(dep, name)
        if name in HOOK_EVENTS:
            raise DeploymentError(
                "HOOK_EXECUTION_FAILURE",
                f"The deployment failed because a specified lifecycle hook ({hook or name}) returned a failed "
                "status or timed out.",
            )
        raise DeploymentError("ECS_UPDATE_ERROR", f"The deployment failed during {name} (injected fault).")
    if name == "Install":
        dep.record(at, "replacementTaskSetSteady", taskSetArn=dep.replacement.get("taskSetArn"))
    elif name == "AllowTraffic":
        _apply_shifts(dep, float("inf"))
        _make_replacement_primary(dep, at)


def _install_start(dep: Deployment, at: float) -> None:
    backend, service = _ecs(dep), _service(dep)
    if service.deployment_controller.get("type") != "CODE_DEPLOY":
        raise DeploymentError("INVALID_ECS_SERVICE", "The ECS service must use the CODE_DEPLOY deployment controller.")
    prod = dep.prod_listener
    if not prod:
        raise DeploymentError("MISSING_ELB_INFORMATION", "The deployment group has no production listener.")
    names = [g["name"] for g in dep.pair.get("targetGroups") or []]
    arns = [_tg_arn(dep, n) for n in names]
    if len(names) != 2 or None in arns:
        raise DeploymentError("ELASTIC_LOAD_BALANCING_INVALID", f"Target groups {names} must both exist.")
    for arn in filter(None, (prod, dep.test_listener)):
        dep.saved_actions[arn] = _actions(_listener(dep, arn))
    live = forward_weights(dep.saved_actions[prod])
    live_arn = max(live, key=lambda k: live[k]) if live else None
    if live_arn not in arns:
        raise DeploymentError("ECS_UPDATE_ERROR", f"Primary taskset target group must be behind listener {prod}")
    repl_arn = arns[1 - arns.index(live_arn)]
    # leftovers of a deployment stopped without rollback are not part of this one
    original = ensure_primary_task_set(backend, service, at)
    for ts in list(service.task_sets):
        if ts is not original:
            backend.delete_task_set(dep.cluster_name, dep.service_name, ts.task_set_arn)
    if original is not None:
        lbs = original.load_balancers or []
        if not any(lb.get("targetGroupArn") == live_arn for lb in lbs) and lbs:
            original.load_balancers = [{**lbs[0], "targetGroupArn": live_arn}]
        dep.original = {"taskSetArn": original.task_set_arn, "identifer": original.id}
    dep.original.update(targetGroupArn=live_arn, targetGroupName=_tg_name(dep, live_arn))
    # the AppSpec's task definition and container must exist
    spec = dep.appspec
    try:
        task_def = backend.describe_task_definition(spec["taskDefinition"])
    except Exception as err:  # moto raises its own not-found error types
        raise DeploymentError("ECS_UPDATE_ERROR", f"Invalid task definition {spec['taskDefinition']}: {err}") from None
    containers = {c.get("name"): c for c in task_def.container_definitions}
    container = containers.get(spec["containerName"])
    ports = {p.get("containerPort") for p in (container or {}).get("portMappings") or []}
    if container is None or int(spec["containerPort"]) not in ports:
        raise DeploymentError(
            "ECS_UPDATE_ERROR",
            f"The container {spec['containerName']} does not have a container port {spec['containerPort']} "
            f"defined in task definition {task_def.arn}.",
        )
    network = spec.get("networkConfiguration") or service.network_configuration or None
    cps = spec.get("capacityProviderStrategy")
    with reconcile.at_time(at):
        ts = backend.create_task_set(
            dep.service_name,
            dep.cluster_name,
            task_def.arn,
            external_id=dep.id,
            network_configuration=network,
            load_balancers=[
                {
                    "targetGroupArn": repl_arn,
                    "containerName": spec["containerName"],
                    "containerPort": spec["containerPort"],
                }
            ],
            launch_type=None if cps else (service.launch_type or "FARGATE"),
            capacity_provider_strategy=cps,
            platform_version=spec.get("platformVersion") or service.platform_version,
        )
    if cps:
        ts.launch_type = None
    ts.createdAt = _when(at)
    group = _group(dep, ts.task_set_arn)
    if group is not None and dep.fault and dep.fault.get("fault") == "unhealthy":
        # fault injection: the replacement's tasks fail their health checks (ECS keeps replacing them)
        group.forced_failure = f"Task failed ELB health checks in (target-group {repl_arn})"
    dep.replacement = {
        "taskSetArn": ts.task_set_arn,
        "identifer": ts.id,
        "targetGroupArn": repl_arn,
        "targetGroupName": _tg_name(dep, repl_arn),
    }
    dep.record(
        at, "replacementTaskSetCreated", taskSetArn=ts.task_set_arn, targetGroup=dep.replacement["targetGroupName"]
    )


def _reroute_test(dep: Deployment, at: float) -> None:
    _set_forward(dep, dep.test_listener, {dep.replacement["targetGroupArn"]: 100.0})
    dep.test_rerouted = True
    dep.record(
        at,
        "listenerModified",
        route="test",
        listenerArn=dep.test_listener,
        weights={dep.replacement["targetGroupName"]: 100.0},
    )


def _apply_shifts(dep: Deployment, now: float) -> None:
    while dep.shift_index < len(dep.shifts):
        offset, weight = dep.shifts[dep.shift_index]
        at = dep.stage_start + offset
        if at > now:
            return
        orig, repl = dep.original["targetGroupArn"], dep.replacement["targetGroupArn"]
        with reconcile.at_time(at):
            _set_forward(dep, dep.prod_listener, {orig: 100.0 - weight, repl: weight})
        dep.traffic, dep.prod_touched = weight, True
        dep.shift_index += 1
        dep.record(
            at,
            "listenerModified",
            route="production",
            listenerArn=dep.prod_listener,
            weights={dep.original["targetGroupName"]: 100.0 - weight, dep.replacement["targetGroupName"]: weight},
        )


def _make_replacement_primary(dep: Deployment, at: float) -> None:
    arn = dep.replacement.get("taskSetArn")
    if task_set_by_arn(dep, arn) is None:
        return
    _ecs(dep).update_service_primary_task_set(dep.cluster_name, dep.service_name, arn)
    dep.replacement_primary = True
    dep.record(at, "primaryTaskSetUpdated", taskSetArn=arn)


def _close_events(dep: Deployment, at: float, failed_index: int | None, running: str) -> None:
    """The failed event (if any) Failed, one still running ``running``, the pending ones Skipped."""
    for i, event in enumerate(dep.events):
        if i == failed_index:
            event.update(status="Failed", endTime=at)
        elif event["status"] == "InProgress":
            event.update(status=running, endTime=at)
        elif event["status"] == "Pending":
            event["status"] = "Skipped"


def _fail(dep: Deployment, at: float, err: DeploymentError, index: int) -> None:
    dep.events[index]["diagnostics"] = {
        "errorCode": "ScriptFailed" if err.code == "HOOK_EXECUTION_FAILURE" else "UnknownError",
        "scriptName": _hook(dep, dep.events[index]["lifecycleEventName"]) or "",
        "message": err.message,
        "logTail": "",
    }
    _close_events(dep, at, index, "Skipped")
    dep.error = {"code": err.code, "message": err.message}
    dep.record(at, "failed", code=err.code, message=err.message, lifecycleEvent=dep.events[index]["lifecycleEventName"])
    events = (dep.auto_rollback or {}).get("events") or []
    if dep.auto_rollback.get("enabled") and "DEPLOYMENT_FAILURE" in events:
        roll_back(dep, at, "Failed")
    else:
        _finish(dep, at, "Failed")


def _finish(dep: Deployment, at: float, status: str) -> None:
    dep.status, dep.complete_time, dep.stage = status, at, "done"
    dep.last_updated = at
    dep.record(at, "status", status=status)


def roll_back(dep: Deployment, at: float, status: str, message: str | None = None) -> Deployment:
    """Undo ``dep`` on moto's state at ``at``, end it with ``status`` and start its rollback deployment."""
    _undo(dep, at)
    state = STORE.get((dep.account, dep.region), SERVICE, dict)
    rollback = Deployment(
        id=new_deployment_id(),
        account=dep.account,
        region=dep.region,
        application=dep.application,
        group=dep.group,
        config_name=dep.config_name,
        routing={"type": "AllAtOnce"},
        revision=dep.previous_revision or original_revision(dep),
        appspec=dep.appspec,
        group_snapshot=dep.group_snapshot,
        auto_rollback={"enabled": False, "events": []},
        create_time=at,
        creator="codeDeployRollback",
        previous_revision=dep.revision,
        description=f"Rollback of deployment {dep.id}",
    )
    rollback.status, rollback.start_time, rollback.stage, rollback.stage_start = "InProgress", at, "rollback", at
    for event in rollback.events:
        if event["lifecycleEventName"] == "AllowTraffic":
            event.update(status="InProgress", startTime=at)
        else:
            event["status"] = "Skipped"
    rollback.rollback_info = {
        "rollbackTriggeringDeploymentId": dep.id,
        "rollbackMessage": f"Rollback of deployment {dep.id}: traffic rerouted to the original task set.",
    }
    rollback.original = dict(dep.original)
    state.setdefault("deployments", {})[rollback.id] = rollback
    dep.rollback_info = {
        "rollbackDeploymentId": rollback.id,
        "rollbackMessage": message or f"Deployment {dep.id} was rolled back by deployment {rollback.id}.",
    }
    dep.record(at, "rollbackStarted", rollbackDeploymentId=rollback.id)
    _finish(dep, at, status)
    return rollback


def original_revision(dep: Deployment) -> dict[str, Any] | None:
    ts = task_set_by_arn(dep, dep.original.get("taskSetArn"))
    if ts is None:
        return None
    spec = {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": ts.task_definition,
                        "LoadBalancerInfo": {
                            "ContainerName": dep.appspec["containerName"],
                            "ContainerPort": dep.appspec["containerPort"],
                        },
                    },
                }
            }
        ],
    }
    import hashlib

    content = json.dumps(spec)
    return {
        "revisionType": "AppSpecContent",
        "appSpecContent": {"content": content, "sha256": hashlib.sha256(content.encode()).hexdigest()},
    }


def _restore_listener(dep: Deployment, at: float, route: str, listener_arn: str) -> None:
    """The ``route`` listener's saved actions (all traffic to the original target group) back, as history says."""
    saved = dep.saved_actions.get(listener_arn)
    if saved:
        _elbv2(dep).modify_listener(listener_arn, actions=copy.deepcopy(saved))
    weights = {dep.original.get("targetGroupName"): 100.0}
    dep.record(at, "listenerModified", route=route, listenerArn=listener_arn, weights=weights)


def _undo(dep: Deployment, at: float) -> None:
    """Production and test listeners back on the original target group, the replacement task set gone."""
    with reconcile.at_time(at):
        _undo_at(dep, at)


def _undo_at(dep: Deployment, at: float) -> None:
    try:
        if dep.prod_touched and dep.prod_listener:
            _restore_listener(dep, at, "production", dep.prod_listener)
            dep.traffic = 0.0
        if dep.test_rerouted and dep.test_listener:
            _restore_listener(dep, at, "test", dep.test_listener)
        original = task_set_by_arn(dep, dep.original.get("taskSetArn"))
        if dep.replacement_primary and original is not None:
            _ecs(dep).update_service_primary_task_set(dep.cluster_name, dep.service_name, original.task_set_arn)
            dep.replacement_primary = False
        if task_set_by_arn(dep, dep.replacement.get("taskSetArn")) is not None:
            _ecs(dep).delete_task_set(dep.cluster_name, dep.service_name, dep.replacement["taskSetArn"])
            dep.record(at, "taskSetDeleted", taskSetArn=dep.replacement["taskSetArn"], label="Green")
            dep.replacement["deleted"] = True
    except DeploymentError as err:  # the resources are gone: nothing left to restore
        dep.record(at, "rollbackIncomplete", message=err.message)


def stop(dep: Deployment, at: float, rollback: bool) -> None:
    """StopDeployment: ``Stopped``; with rollback the listeners and task sets are restored."""
    started = dep.stage != "created"
    _close_events(dep, at, None, "Skipped")
    dep.error = {"code": "MANUAL_STOP", "message": "The deployment was stopped by the user."}
    if rollback and started:  # nothing to roll back before the deployment started
        roll_back(dep, at, "Stopped")
    else:
        _finish(dep, at, "Stopped")


def continue_ready(dep: Deployment, at: float) -> None:
    dep.status = "InProgress"
    dep.record(at, "continued", waitType="READY_WAIT")
    _begin_event(dep, EVENTS.index("BeforeAllowTraffic"), at)


def continue_termination(dep: Deployment, at: float) -> None:
    dep.record(at, "continued", waitType="TERMINATION_WAIT")
    dep.stage, dep.stage_start = "cleanup", at


def _ready_option(dep: Deployment) -> dict[str, Any]:
    bg = dep.group_snapshot.get("blueGreenDeploymentConfiguration") or {}
    return bg.get("deploymentReadyOption") or {}


def _termination(dep: Deployment) -> dict[str, Any]:
    bg = dep.group_snapshot.get("blueGreenDeploymentConfiguration") or {}
    return bg.get("terminateBlueInstancesOnDeploymentSuccess") or {}


# fn(dep, now) -> True when it ended ``dep`` at ``now``; run before every advance (see the module docstring).
ADVANCE_CHECKS: list[Callable[[Deployment, float], bool]] = []


def advance(dep: Deployment, now: float) -> None:
    """Play every transition of ``dep`` that is due at ``now`` (emulated epoch seconds)."""
    if any(check(dep, now) for check in ADVANCE_CHECKS):
        return
    for _ in range(1000):  # bounded: each pass plays at least one transition or returns
        if not _step(dep, now):
            return


def _step(dep: Deployment, now: float) -> bool:
    if dep.stage == "created":
        at = dep.create_time + TIMINGS["created"]
        if at > now:
            return False
        dep.status, dep.start_time = "InProgress", at
        dep.record(at, "status", status="InProgress")
        try:
            _begin_event(dep, 0, at)
        except DeploymentError as err:
            _fail(dep, at, err, 0)
        return True
    if dep.stage == "event":
        index = dep.event_index
        name = dep.events[index]["lifecycleEventName"]
        end = dep.stage_start + _duration(dep, name)
        if name == "Install":
            # Install ends once the replacement task set runs its desired count of healthy tasks (and
            # not before the Install phase's own duration); one that never does fails after installTimeout.
            ready = _ready_since(dep)
            deadline = dep.stage_start + TIMINGS["installTimeout"]
            if (ready is None or ready > deadline) and deadline <= now:
                # Before a timeout is judged, the task model plays the replacement's tasks up to now: this
                # engine may have created the task set earlier in this same reconcile round (at a past
                # emulated time), after the task model had its turn, and one clock jump past the deadline
                # must not fail a release whose tasks turned healthy in time.
                _catch_up_tasks(dep, now)
                ready = _ready_since(dep)
            if ready is None or ready > deadline:
                if deadline > now:
                    return False
                _fail(dep, deadline, DeploymentError("ECS_UPDATE_ERROR", _install_timeout_message()), index)
                return True
            end = max(end, ready)
        try:
            if name == "AllowTraffic":
                _apply_shifts(dep, now)
        except DeploymentError as err:
            _fail(dep, dep.stage_start, err, index)
            return True
        if end > now:
            return False
        try:
            _finish_event(dep, name, end)
        except DeploymentError as err:
            _fail(dep, end, err, index)
            return True
        dep.events[index].update(status="Succeeded", endTime=end)
        dep.last_updated = end
        if name == "AfterAllowTestTraffic" and _ready_option(dep).get("actionOnTimeout") == "STOP_DEPLOYMENT":
            dep.stage, dep.stage_start, dep.status = "ready", end, "Ready"
            dep.record(end, "status", status="Ready")
            return True
        if name == "AfterAllowTraffic":
            termination = _termination(dep)
            if termination.get("action", "TERMINATE") == "KEEP_ALIVE":
                dep.additional_info = "The original task set was kept (KEEP_ALIVE)."
                _finish(dep, end, "Succeeded")
            else:
                dep.termination_started = True
                dep.stage, dep.stage_start = "termination", end
                dep.record(end, "terminationWaitStarted", minutes=termination.get("terminationWaitTimeInMinutes", 0))
            return True
        try:
            _begin_event(dep, index + 1, end)
        except DeploymentError as err:
            _fail(dep, end, err, index + 1)
        return True
    if dep.stage == "ready":
        at = dep.stage_start + float(_ready_option(dep).get("waitTimeInMinutes") or 0) * 60.0
        if at > now:
            return False
        _close_events(dep, at, None, "Skipped")
        dep.error = {
            "code": "TIMEOUT",
            "message": "The deployment was stopped because traffic was not rerouted before the end of the wait "
            "time (deploymentReadyOption STOP_DEPLOYMENT).",
        }
        _undo(dep, at)
        _finish(dep, at, "Stopped")
        return True
    if dep.stage == "termination":
        at = dep.stage_start + float(_termination(dep).get("terminationWaitTimeInMinutes") or 0) * 60.0
        if at > now:
            return False
        dep.stage, dep.stage_start = "cleanup", at
        return True
    if dep.stage == "cleanup":
        at = dep.stage_start + TIMINGS["cleanup"]
        if at > now:
            return False
        if task_set_by_arn(dep, dep.original.get("taskSetArn")) is not None:
            with reconcile.at_time(at):
                _ecs(dep).delete_task_set(dep.cluster_name, dep.service_name, dep.original["taskSetArn"])
            dep.original["deleted"] = True
            dep.record(at, "taskSetDeleted", taskSetArn=dep.original["taskSetArn"], label="Blue")
        _finish(dep, at, "Succeeded")
        return True
    if dep.stage == "rollback":
        at = dep.stage_start + TIMINGS["rollback"]
        if at > now:
            return False
        for event in dep.events:
            if event["status"] == "InProgress":
                event.update(status="Succeeded", endTime=at)
        _finish(dep, at, "Succeeded")
        return True
    return False


def _ready_since(dep: Deployment) -> float | None:
    """Since when the replacement task set has run its desired count of healthy tasks (the task model's word)."""
    group = _group(dep, dep.replacement.get("taskSetArn"))
    return None if group is None else group.steady_since


def _catch_up_tasks(dep: Deployment, now: float) -> None:
    from awsemu.services import ecs_tasks

    ecs_tasks.catch_up(dep.account, dep.region, now)


def _install_timeout_message() -> str:
    return (
        "The deployment timed out while waiting for the replacement task set to become healthy. "
        f"This time out period is {int(TIMINGS['installTimeout'] // 60)} minutes."
    )


def _fingerprint(dep: Deployment) -> tuple[Any, ...]:
    return (dep.status, dep.stage, dep.event_index, dep.shift_index, len(dep.history), dep.last_updated)


def _advance_region(account: str, region: str, now: float) -> bool:
    """The reconcile participant: every active deployment of one account and region plays what is due."""
    state = STORE.get((account, region), SERVICE, dict)
    changed = False
    for dep in sorted(state.get("deployments", {}).values(), key=lambda d: d.create_time):
        if dep.active:
            before = _fingerprint(dep)
            try:
                advance(dep, now)
            except Exception:  # never let one broken deployment break every request
                LOG.exception("advancing deployment %s failed", dep.id)
            changed = changed or _fingerprint(dep) != before
    return changed


def _regions() -> list[tuple[str, str]]:
    return [key for key, state in STORE.items(SERVICE) if any(d.active for d in state.get("deployments", {}).values())]


reconcile.participant("codedeploy", _regions, order=10)(_advance_region)


def advance_state(state: dict[str, Any], now: float | None = None) -> None:
    """Bring the account and region of every active deployment in ``state`` up to ``now`` (with their tasks)."""
    for account, region in sorted({(d.account, d.region) for d in state.get("deployments", {}).values() if d.active}):
        reconcile.reconcile_region(account, region, now)


def advance_all() -> None:
    reconcile.reconcile()
