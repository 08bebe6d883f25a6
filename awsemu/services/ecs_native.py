"""ECS service deployments and service revisions, and the ECS-native blue/green, linear and canary engine.

AWS (ECS Developer Guide, "Amazon ECS blue/green deployments", "linear deployments", "canary deployments",
"Lifecycle hooks for Amazon ECS service deployments"; API reference: ServiceDeployment, ServiceRevision,
ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions, StopServiceDeployment,
ContinueServiceDeployment) reports every deployment of an ``ECS``-controlled service as a *service deployment*
from source *service revisions* to a target one; moto 5.2 has none of it. ``awsemu/NATIVE.md`` is the short
guide (stages, timings, what is modelled); this docstring is the reference.

**Every strategy has service deployments.** ``ROLLING``: the rolling scheduler (``awsemu.services.ecs_service``)
does the work; each of its deployments gets a service revision (same task group) and a service deployment
whose status follows the rollout (``IN_PROGRESS`` -> ``SUCCESSFUL``; circuit breaker with rollback ->
``ROLLBACK_IN_PROGRESS`` -> ``ROLLBACK_SUCCESSFUL``, without -> ``STOPPED``; a newer deployment -> ``STOPPED``).

**BLUE_GREEN, LINEAR, CANARY** are played here, on the task model (``awsemu.services.ecs_tasks``: each service
revision owns a task group of kind ``revision``, owner ``group``) and the clock, stage by stage, each stage
stamped with the emulated time it was due (``TIMINGS``):

``RECONCILE_SERVICE`` (only when more than one revision is ACTIVE: an aborted deployment left two; the ones
without production traffic are scaled in) -> ``PRE_SCALE_UP`` -> ``SCALE_UP`` (the green revision's tasks start
in the target group production does not use; the stage ends when they are all healthy) -> ``POST_SCALE_UP``
-> ``TEST_TRAFFIC_SHIFT`` (the test listener rule forwards 100% to green) -> ``POST_TEST_TRAFFIC_SHIFT`` ->
``PRODUCTION_TRAFFIC_SHIFT`` (ModifyRule of the production listener rule: BLUE_GREEN at once; CANARY
``canaryPercent``, ``canaryBakeTimeInMinutes``, then 100%; LINEAR ``stepPercent`` steps with
``stepBakeTimeInMinutes`` between them, not after 100%; hooks of ``PRE_PRODUCTION_TRAFFIC_SHIFT`` before and
of ``PRODUCTION_TRAFFIC_SHIFT`` after every step) -> ``POST_PRODUCTION_TRAFFIC_SHIFT`` -> ``BAKE_TIME``
(``bakeTimeInMinutes``, both revisions running) -> ``CLEAN_UP`` (the blue revision scales in; the deployment is
``SUCCESSFUL`` once its tasks are stopped).

Lifecycle hooks run, in the order configured, after the stage's own action: ``PAUSE`` waits
(``AWAITING_ACTION``) for ContinueServiceDeployment (CONTINUE, or ROLLBACK); ``AWS_LAMBDA`` is "invoked" with the
hook's ``roleArn`` (refused, and the hook FAILED, unless that role's policies allow ``lambda:InvokeFunction`` on the
function: ``awsemu.services.iam.principal_allows``): the invocation is recorded and answered from
``/_emulator/ecs_hooks`` (below); ``IN_PROGRESS`` re-invokes after
``callBackDelay`` (default 30 s), ``SUCCEEDED`` continues, ``FAILED`` (or a function that does not exist)
rolls back. A hook not resolved by ``timeoutInMinutes`` (default 1440) is ``TIMED_OUT`` and its
``timeoutConfiguration.action`` (default ROLLBACK) applies.

Rollback (a failed hook, ContinueServiceDeployment ROLLBACK, StopServiceDeployment ROLLBACK, an alarm of
``deploymentConfiguration.alarms`` in ALARM with ``rollback``, the deployment circuit breaker with
``rollback``): ``ROLLBACK_REQUESTED`` -> ``ROLLBACK_IN_PROGRESS`` (production and test rules forward 100% to the
blue revision again) -> the green revision scales in -> ``ROLLBACK_SUCCESSFUL``; the service's task definition
is the blue one's again. StopServiceDeployment ABORT: ``STOP_REQUESTED`` -> ``STOPPED``, nothing moves back:
both revisions stay ACTIVE and the rules keep their weights (the next deployment reconciles).

A blue/green service's target groups: ``loadBalancers[].targetGroupArn`` and
``advancedConfiguration.alternateTargetGroupArn`` are the pair; each revision resolves to one of them
(``resolvedConfiguration.loadBalancers`` of DescribeServiceRevisions): green is the one the production rule
does not forward to. The service's ``loadBalancers`` never change.

Controller changes (UpdateService ``deploymentController``): CODE_DEPLOY or EXTERNAL -> ECS adopts the
PRIMARY task set's tasks as the first service revision (no task restarts, same target group; refused while
a CodeDeploy deployment is in flight or the service has more than one task set); ECS -> CODE_DEPLOY or
EXTERNAL is refused while a service deployment is in progress, and then the current revision's tasks become
the service's PRIMARY task set. Strategy changes between ROLLING and the native ones hand the running tasks
over the same way.

Non-AWS test endpoints:

- ``GET|POST /_emulator/ecs_hooks``: ``{"functions": {"<lambda arn>": [{"hookStatus": "SUCCEEDED"}, ...]}}``
  queues the answers of a function's next invocations; ``{"default": {"<arn>": {"hookStatus": ...}}}`` the
  answer once its queue is empty (without either, a function answers ``IN_PROGRESS``: ECS calls again after
  30 s). GET lists every invocation: deployment, hook id, stage, payload (``serviceArn``,
  ``targetServiceRevisionArn``, ``testTrafficWeights``, ``productionTrafficWeights``, ``lifecycleStage``,
  ``hookDetails``) and the answer it got.
- ``GET|POST /_emulator/ecs_native``: the stage timings (``TIMINGS``); reset restores the defaults.
"""

from __future__ import annotations

import copy
import logging
import random
import string
from dataclasses import dataclass, field
from typing import Any

from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends

from awsemu import reconcile
from awsemu.core import STORE, AwsError, Request, admin, after, handles, on_reset, page_size, paginate
from awsemu.rules.ecs_native import NATIVE  # the strategies the rules accept are the ones played here
from awsemu.services import ecs_service, iam
from awsemu.services.ecs_tasks import TaskGroup, TaskModel, existing_backend, model_for, sync_task_sets
from awsemu.services.elbv2_routing import forward_weights, replace_forward

LOG = logging.getLogger("awsemu.ecs_native")

SERVICE = "ecs_native"
# ServiceDeployment.lifecycleStage, in the order a deployment passes them (ECS API reference, ServiceDeployment).
STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
)
ACTIVE_STATUSES = ("PENDING", "IN_PROGRESS", "STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS")
# LinearConfiguration / CanaryConfiguration defaults (ECS API reference).
LINEAR_DEFAULTS = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6}
CANARY_DEFAULTS = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10}
HOOK_TIMEOUT_MINUTES = 1440  # DeploymentLifecycleHookTimeoutConfiguration.timeoutInMinutes default
DEFAULT_CALLBACK_DELAY = 30.0  # "By default, the delay is 30 seconds" (Lambda hooks for ECS service deployments)

# Emulated seconds (see NATIVE.md): ``stage`` a stage without work of its own, ``trafficShift`` one ModifyRule
# taking effect, ``lambda`` one hook invocation, ``stop`` an ABORT taking effect.
DEFAULT_TIMINGS: dict[str, float] = {"stage": 1.0, "trafficShift": 5.0, "lambda": 1.0, "stop": 5.0}
TIMINGS: dict[str, float] = dict(DEFAULT_TIMINGS)


@on_reset
def _reset() -> None:
    TIMINGS.clear()
    TIMINGS.update(DEFAULT_TIMINGS)
    HOOK_SCRIPTS.clear()
    HOOK_DEFAULTS.clear()
    INVOCATIONS.clear()


@admin("ecs_native")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    """Timings (POST {"stage": 1, ...}); ``{"deployment": arn}`` adds that service deployment's timeline."""
    answer: dict[str, Any] = {}
    if method == "POST" and isinstance(payload, dict):
        for key, value in payload.items():
            if key in TIMINGS:
                TIMINGS[key] = float(value)
        if payload.get("deployment"):
            with STORE.lock:
                for _key, state in STORE.items(SERVICE):
                    dep = state.deployments.get(payload["deployment"])
                    if dep is not None:
                        answer["history"] = copy.deepcopy(dep.history)
    answer["timings"] = dict(TIMINGS)
    return answer


# Lambda hook answers (see the module docstring): function arn -> queued answers / the answer after them.
HOOK_SCRIPTS: dict[str, list[dict[str, Any]]] = {}
HOOK_DEFAULTS: dict[str, dict[str, Any]] = {}
INVOCATIONS: list[dict[str, Any]] = []


@admin("ecs_hooks")
def _admin_hooks(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST" and isinstance(payload, dict):
        for arn, answers in (payload.get("functions") or {}).items():
            HOOK_SCRIPTS.setdefault(arn, []).extend(copy.deepcopy(list(answers)))
        for arn, answer in (payload.get("default") or {}).items():
            HOOK_DEFAULTS[arn] = copy.deepcopy(answer)
    return {"invocations": copy.deepcopy(INVOCATIONS), "queued": copy.deepcopy(HOOK_SCRIPTS)}


def _random_id(length: int = 21) -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))


# ----------------------------------------------------------------------------------------------- state
@dataclass
class Revision:
    """A service revision (ECS API reference, ServiceRevision), with the task group that runs its tasks."""

    arn: str
    service_arn: str
    cluster_arn: str
    task_definition: str
    created_at: float
    group_key: str
    deployment_id: str  # the id of its entry in DescribeServices' deployments[]
    load_balancers: list[dict[str, Any]]  # the service's configuration (advancedConfiguration included)
    resolved: list[str]  # per load balancer: the target group this revision's tasks register in
    network_configuration: dict[str, Any] | None
    launch_type: str | None
    platform_version: str | None
    capacity_provider_strategy: list[dict[str, Any]] | None
    container_images: list[dict[str, str]]
    status: str = "ACTIVE"  # ACTIVE while it may run tasks for the service, INACTIVE after
    rollout: str = "IN_PROGRESS"
    rollout_reason: str = "ECS deployment is in progress."
    updated_at: float = 0.0


@dataclass
class Hook:
    """One lifecycle hook run (DeploymentLifecycleHookDetail) at one stage."""

    hook_id: str
    stage: str
    config: dict[str, Any]
    status: str
    started_at: float
    expires_at: float
    next_call: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    resolved_at: float | None = None

    @property
    def target_type(self) -> str:
        return self.config.get("targetType") or "AWS_LAMBDA"

    @property
    def timeout_action(self) -> str:
        return ((self.config.get("timeoutConfiguration") or {}).get("action")) or "ROLLBACK"


@dataclass
class Deployment:
    """A service deployment (ECS API reference, ServiceDeployment)."""

    arn: str
    account: str
    region: str
    service_arn: str
    cluster_arn: str
    strategy: str
    config: dict[str, Any]
    created_at: float
    target: str
    sources: list[str]
    status: str = "PENDING"
    status_reason: str | None = None
    stage: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    stopped_at: float | None = None
    updated_at: float = 0.0
    rolling_id: str | None = None  # ROLLING: the ecs_service deployment it follows
    plan: list[tuple[str, int]] = field(default_factory=list)
    step: int = -1
    step_start: float = 0.0
    step_done: float | None = None  # when the current step's own action finished
    hooks: list[Hook] = field(default_factory=list)  # every hook run, in order
    pending_hooks: list[dict[str, Any]] = field(default_factory=list)  # the current step's hooks still to run
    current_hook: Hook | None = None
    shifts: list[float] = field(default_factory=list)  # production percentages of the shift steps
    production: float = 0.0  # green's share of production traffic now
    test: float = 0.0  # green's share of test traffic now
    rollback: dict[str, Any] | None = None
    rollback_phase: str | None = None  # restore -> drain
    triggered_alarms: list[str] = field(default_factory=list)
    breaker_status: str = "DISABLED"
    alarm_status: str = "DISABLED"
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def record(self, at: float, what: str, **details: Any) -> None:
        self.history.append({"at": at, "event": what, **details})
        self.updated_at = max(self.updated_at, at)


@dataclass
class NativeState:
    revisions: dict[str, Revision] = field(default_factory=dict)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    # service arn -> {"revisions": [ACTIVE revision arns, target first], "deployments": [arns, newest last]}
    services: dict[str, dict[str, Any]] = field(default_factory=dict)


def state_for(account: str, region: str) -> NativeState:
    return STORE.get((account, region), SERVICE, NativeState)


def _track(state: NativeState, service_arn: str) -> dict[str, Any]:
    return state.services.setdefault(service_arn, {"revisions": [], "deployments": []})


# ----------------------------------------------------------------------------------------------- helpers
def _ecs_state(account: str, region: str, service_arn: str) -> dict[str, Any] | None:
    return ecs_service._services(account, region).get(service_arn)


def _moto_service(account: str, region: str, service_arn: str) -> Any:
    backend = existing_backend(ecs_backends, account, region)
    if backend is None:
        return None
    for svc in backend.services.values():
        if svc.arn == service_arn:
            return svc
    return None


def strategy_of(config: dict[str, Any] | None) -> str:
    return (config or {}).get("strategy") or "ROLLING"


def _cluster_name(arn: str) -> str:
    return arn.split("/")[-1]


def _container_images(account: str, region: str, task_definition: str) -> list[dict[str, str]]:
    try:
        definition = ecs_backends[account][region].describe_task_definition(task_definition)
    except Exception:  # noqa: BLE001 - a deleted definition has no images to report
        return []
    return [{"containerName": c.get("name"), "image": c.get("image")} for c in definition.container_definitions]


def _new_revision(
    account: str,
    region: str,
    svc: dict[str, Any],
    task_definition: str,
    group_key: str,
    resolved: list[str],
    at: float,
    deployment_id: str,
) -> Revision:
    number = "".join(random.choices(string.digits, k=19))
    cluster = _cluster_name(svc["clusterArn"])
    return Revision(
        arn=f"arn:aws:ecs:{region}:{account}:service-revision/{cluster}/{svc['serviceName']}/{number}",
        service_arn=svc["serviceArn"],
        cluster_arn=svc["clusterArn"],
        task_definition=task_definition,
        created_at=at,
        updated_at=at,
        group_key=group_key,
        deployment_id=deployment_id,
        load_balancers=copy.deepcopy(svc.get("loadBalancers") or []),
        resolved=list(resolved),
        network_configuration=copy.deepcopy(svc.get("networkConfiguration")),
        launch_type=None if svc.get("capacityProviderStrategy") else (svc.get("launchType") or "FARGATE"),
        platform_version=svc.get("platformVersion"),
        capacity_provider_strategy=copy.deepcopy(svc.get("capacityProviderStrategy")),
        container_images=_container_images(account, region, task_definition),
    )


def _new_deployment(
    account: str, region: str, svc: dict[str, Any], config: dict[str, Any], target: str, sources: list[str], at: float
) -> Deployment:
    cluster = _cluster_name(svc["clusterArn"])
    return Deployment(
        arn=f"arn:aws:ecs:{region}:{account}:service-deployment/{cluster}/{svc['serviceName']}/{_random_id()}",
        account=account,
        region=region,
        service_arn=svc["serviceArn"],
        cluster_arn=svc["clusterArn"],
        strategy=strategy_of(config),
        config=copy.deepcopy(config),
        created_at=at,
        updated_at=at,
        target=target,
        sources=list(sources),
    )


# --- load balancer pairs and rules
def _elbv2(account: str, region: str) -> Any:
    return elbv2_backends[account][region]


def _rule(account: str, region: str, arn: str | None) -> Any:
    if not arn:
        return None
    try:
        rules = _elbv2(account, region).describe_rules(listener_arn=None, rule_arns=[arn])
    except Exception:  # noqa: BLE001 - a deleted rule shifts nothing
        return None
    return rules[0] if rules else None


def _rule_weights(rule: Any) -> dict[str, int]:
    return forward_weights(getattr(rule, "actions", None) or [])


def _pair(lb: dict[str, Any]) -> tuple[str, str] | None:
    advanced = lb.get("advancedConfiguration") or {}
    if not lb.get("targetGroupArn") or not advanced.get("alternateTargetGroupArn"):
        return None
    return lb["targetGroupArn"], advanced["alternateTargetGroupArn"]


def _live_group(account: str, region: str, lb: dict[str, Any]) -> str:
    """The target group of the pair the production rule sends (most of) its traffic to now."""
    pair = _pair(lb)
    if pair is None:
        return lb.get("targetGroupArn") or ""
    weights = _rule_weights(
        _rule(account, region, (lb.get("advancedConfiguration") or {}).get("productionListenerRule"))
    )
    best = max(pair, key=lambda arn: (weights.get(arn, -1), arn == pair[0]))
    return best if weights.get(best, 0) > 0 else pair[0]


def _other(lb: dict[str, Any], arn: str) -> str:
    pair = _pair(lb)
    if pair is None:
        return arn
    return pair[1] if arn == pair[0] else pair[0]


def _weights(percent: float) -> tuple[int, int]:
    """(blue, green) ALB weights (0-999) for green's share of traffic, to 0.1%."""
    if percent <= 0:
        return 100, 0
    if percent >= 100:
        return 0, 100
    green = int(round(percent * 10))
    return 1000 - green, green


def _set_rule(account: str, region: str, rule_arn: str | None, blue: str | None, green: str, percent: float) -> None:
    rule = _rule(account, region, rule_arn)
    if rule is None:
        return
    wb, wg = _weights(percent)
    groups = [{"TargetGroupArn": green, "Weight": wg}]
    if blue and blue != green:
        groups.insert(0, {"TargetGroupArn": blue, "Weight": wb})
    elif percent <= 0:
        groups = [{"TargetGroupArn": green, "Weight": 1}]
    actions, _replaced = replace_forward(
        rule.actions,
        lambda old: {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": groups,
                "TargetGroupStickinessConfig": copy.deepcopy(
                    (old.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {"Enabled": False}
                ),
            },
        },
    )
    _elbv2(account, region).modify_rule(rule_arn, [], actions)


# ----------------------------------------------------------------------------------------------- the plan
def _plan(dep: Deployment, reconcile_needed: bool) -> list[tuple[str, int]]:
    plan: list[tuple[str, int]] = []
    if reconcile_needed:
        plan.append(("RECONCILE_SERVICE", 0))
    plan += [("PRE_SCALE_UP", 0), ("SCALE_UP", 0), ("POST_SCALE_UP", 0), ("TEST_TRAFFIC_SHIFT", 0)]
    plan.append(("POST_TEST_TRAFFIC_SHIFT", 0))
    for index in range(len(dep.shifts)):
        plan += [("PRE_PRODUCTION_TRAFFIC_SHIFT", index), ("PRODUCTION_TRAFFIC_SHIFT", index)]
        if index < len(dep.shifts) - 1:
            plan.append(("SHIFT_BAKE", index))
    plan += [("POST_PRODUCTION_TRAFFIC_SHIFT", 0), ("BAKE_TIME", 0), ("CLEAN_UP", 0)]
    return plan


def traffic_shifts(config: dict[str, Any]) -> list[float]:
    """Green's production share after each shift step of a strategy (percent)."""
    strategy = strategy_of(config)
    if strategy == "CANARY":
        canary = {**CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {})}
        percent = float(canary["canaryPercent"])
        return [100.0] if percent >= 100 else [percent, 100.0]
    if strategy == "LINEAR":
        step = float({**LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {})}["stepPercent"])
        shares, current = [], 0.0
        while current < 100.0 - 1e-9:
            current = min(100.0, round(current + step, 1))
            shares.append(current)
        return shares
    return [100.0]


def _shift_bake_seconds(config: dict[str, Any]) -> float:
    strategy = strategy_of(config)
    if strategy == "CANARY":
        return 60.0 * float({**CANARY_DEFAULTS, **(config.get("canaryConfiguration") or {})}["canaryBakeTimeInMinutes"])
    if strategy == "LINEAR":
        return 60.0 * float({**LINEAR_DEFAULTS, **(config.get("linearConfiguration") or {})}["stepBakeTimeInMinutes"])
    return 0.0


def _stage_name(step: str) -> str:
    """The lifecycleStage reported while a plan step runs."""
    if step in ("PRE_PRODUCTION_TRAFFIC_SHIFT", "SHIFT_BAKE"):
        return "PRODUCTION_TRAFFIC_SHIFT"
    return step


# ----------------------------------------------------------------------------------------------- engine
def _revision(state: NativeState, arn: str | None) -> Revision | None:
    return state.revisions.get(arn or "")


def _blue(state: NativeState, dep: Deployment) -> Revision | None:
    return _revision(state, dep.sources[0]) if dep.sources else None


def _desired(account: str, region: str, service_arn: str) -> int:
    svc = _moto_service(account, region, service_arn)
    return int(svc.desired_count) if svc is not None else 0


def _lbs_of(rev: Revision) -> list[dict[str, Any]]:
    """The task group's load balancers: each configured container port in the revision's resolved target group."""
    return [
        {"targetGroupArn": tg, "containerName": lb.get("containerName"), "containerPort": lb.get("containerPort")}
        for lb, tg in zip(rev.load_balancers, rev.resolved, strict=False)
        if tg
    ]


def _start_group(model: TaskModel, ecs_state: dict[str, Any], rev: Revision, desired: int, at: float) -> None:
    svc = ecs_state["service"]
    model.add_group(
        TaskGroup(
            key=rev.group_key,
            kind="revision",
            cluster_arn=rev.cluster_arn,
            task_definition_arn=rev.task_definition,
            desired=desired,
            created_at=at,
            owner="group",
            started_by=rev.deployment_id,
            group_name=f"service:{svc['serviceName']}",
            service_arn=rev.service_arn,
            service_name=svc["serviceName"],
            network_configuration=copy.deepcopy(rev.network_configuration),
            load_balancers=_lbs_of(rev),
            launch_type=rev.launch_type or "FARGATE",
            capacity_provider_strategy=copy.deepcopy(rev.capacity_provider_strategy),
            platform_version=rev.platform_version,
            health_check_grace_period=float(ecs_state.get("healthCheckGracePeriodSeconds") or 0),
            tags=ecs_service._task_tags(model.account, model.region, ecs_state, rev.task_definition),
            enable_execute_command=bool(ecs_state.get("enableExecuteCommand")),
            reset_failures_on_healthy=(ecs_state["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}).get(
                "resetOnHealthyTask", True
            )
            is not False,
        ),
        at=at,
    )


def _event(model: TaskModel, service_arn: str, name: str, message: str, at: float) -> None:
    model.event(service_arn, f"(service {name}) {message}", at)


def _service_name(service_arn: str) -> str:
    return service_arn.split("/")[-1]


def start_native(
    model: TaskModel, req_account: str, region: str, ecs_state: dict[str, Any], task_definition: str, at: float
) -> Deployment:
    """A new BLUE_GREEN, LINEAR or CANARY service deployment of ``task_definition`` (UpdateService/CreateService)."""
    state = state_for(req_account, region)
    svc = ecs_state["service"]
    track = _track(state, svc["serviceArn"])
    # A deployment still running is superseded: it stops where it is and its revisions become sources.
    for arn in track["deployments"]:
        old = state.deployments[arn]
        if old.active:
            old.status, old.status_reason = "STOPPED", "Service deployment superseded by a newer service deployment."
            old.stopped_at = old.finished_at = at
            old.current_hook = None
            old.record(at, "superseded")
    sources = [a for a in track["revisions"] if a in state.revisions]
    # The blue revision: the one production forwards to (the first of the list after a completed deployment).
    sources.sort(key=lambda a: -_production_share(state, state.revisions[a]))
    lbs = svc.get("loadBalancers") or []
    blue = state.revisions[sources[0]] if sources else None
    resolved = []
    for index, lb in enumerate(lbs):
        live = (
            blue.resolved[index]
            if blue is not None and index < len(blue.resolved)
            else _live_group(req_account, region, lb)
        )
        resolved.append(_other(lb, live) if blue is not None else live)
    dep_id = ecs_service._deployment_id()
    rev = _new_revision(req_account, region, svc, task_definition, dep_id, resolved, at, dep_id)
    state.revisions[rev.arn] = rev
    dep = _new_deployment(req_account, region, svc, ecs_state["deploymentConfiguration"], rev.arn, sources, at)
    dep.shifts = traffic_shifts(dep.config) if blue is not None else [100.0]
    dep.plan = _plan(dep, len(sources) > 1)
    dep.breaker_status = "MONITORING" if _breaker(dep).get("enable") else "DISABLED"
    dep.alarm_status = "MONITORING" if _alarms(dep).get("enable") else "DISABLED"
    state.deployments[dep.arn] = dep
    track["deployments"].append(dep.arn)
    track["revisions"] = [rev.arn] + sources
    _event(model, svc["serviceArn"], svc["serviceName"], f"(service-deployment {dep.arn}) has started.", at)
    return dep


def _production_share(state: NativeState, rev: Revision) -> float:
    """How much production traffic ``rev`` gets now (percent of its first load balancer's production rule)."""
    if not rev.load_balancers or not rev.resolved:
        return 100.0 if rev.status == "ACTIVE" else 0.0
    lb = rev.load_balancers[0]
    rule_arn = (lb.get("advancedConfiguration") or {}).get("productionListenerRule")
    account, region = rev.arn.split(":")[4], rev.arn.split(":")[3]
    weights = _rule_weights(_rule(account, region, rule_arn))
    total = sum(weights.values())
    return 100.0 * weights.get(rev.resolved[0], 0) / total if total else 0.0


def _breaker(dep: Deployment) -> dict[str, Any]:
    return dep.config.get("deploymentCircuitBreaker") or {}


def _alarms(dep: Deployment) -> dict[str, Any]:
    return dep.config.get("alarms") or {}


def _begin_step(state: NativeState, model: TaskModel, dep: Deployment, index: int, at: float) -> None:
    dep.step, dep.step_start, dep.step_done = index, at, None
    step, shift = dep.plan[index]
    dep.stage = _stage_name(step)
    dep.record(at, "stage", step=step, lifecycleStage=dep.stage, shift=shift)
    hooks = [h for h in (dep.config.get("lifecycleHooks") or []) if step in (h.get("lifecycleStages") or [])]
    dep.pending_hooks = copy.deepcopy(hooks)
    dep.current_hook = None
    ecs_state = _ecs_state(dep.account, dep.region, dep.service_arn)
    target = _revision(state, dep.target)
    blue = _blue(state, dep)
    with reconcile.at_time(at):
        if step == "RECONCILE_SERVICE" and blue is not None:
            for index_lb, lb in enumerate(blue.load_balancers):
                advanced = lb.get("advancedConfiguration") or {}
                tg = blue.resolved[index_lb]
                for rule in (advanced.get("productionListenerRule"), advanced.get("testListenerRule")):
                    _set_rule(dep.account, dep.region, rule, None, tg, 100.0)
            for arn in dep.sources[1:]:
                _retire(model, state, arn, at)
            dep.sources = dep.sources[:1]
        elif step == "SCALE_UP" and target is not None and ecs_state is not None:
            _start_group(model, ecs_state, target, _desired(dep.account, dep.region, dep.service_arn), at)
        elif step == "TEST_TRAFFIC_SHIFT" and target is not None:
            _shift(dep, blue, target, test=100.0)
        elif step == "PRODUCTION_TRAFFIC_SHIFT" and target is not None:
            _shift(dep, blue, target, production=dep.shifts[shift])
        elif step == "CLEAN_UP" and blue is not None:
            _retire(model, state, blue.arn, at)


def _shift(
    dep: Deployment, blue: Revision | None, green: Revision, test: float | None = None, production: float | None = None
) -> None:
    for index, lb in enumerate(green.load_balancers):
        advanced = lb.get("advancedConfiguration") or {}
        blue_tg = blue.resolved[index] if blue is not None and index < len(blue.resolved) else None
        green_tg = green.resolved[index]
        if test is not None:
            _set_rule(dep.account, dep.region, advanced.get("testListenerRule"), blue_tg, green_tg, test)
        if production is not None:
            _set_rule(dep.account, dep.region, advanced.get("productionListenerRule"), blue_tg, green_tg, production)
    if test is not None:
        dep.test = test
    if production is not None:
        dep.production = production
    dep.record(reconcile.stamp(), "traffic", production=dep.production, test=dep.test)


def _retire(model: TaskModel, state: NativeState, arn: str, at: float) -> None:
    rev = state.revisions.get(arn)
    if rev is None or rev.status != "ACTIVE":
        return
    rev.status, rev.updated_at = "INACTIVE", at
    model.retire_group(rev.group_key, at, f"Scaling activity initiated by (deployment {rev.deployment_id})")
    track = _track(state, rev.service_arn)
    track["revisions"] = [a for a in track["revisions"] if a != arn]


def _action_done(state: NativeState, model: TaskModel, dep: Deployment, now: float) -> float | None:
    """When the current step's own action finished (None: not yet)."""
    step, _shift_index = dep.plan[dep.step]
    start = dep.step_start
    if step == "SCALE_UP":
        target = _revision(state, dep.target)
        ready = model.ready_since(target.group_key) if target is not None else start
        return None if ready is None else max(start + TIMINGS["stage"], ready)
    if step in ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "RECONCILE_SERVICE"):
        if step == "TEST_TRAFFIC_SHIFT" and not _has_rule(state, dep, "testListenerRule"):
            return start + TIMINGS["stage"]
        if step == "RECONCILE_SERVICE":
            return start + TIMINGS["trafficShift"]
        return start + TIMINGS["trafficShift"] if _has_rule(state, dep, "productionListenerRule") else start
    if step == "SHIFT_BAKE":
        return start + _shift_bake_seconds(dep.config)
    if step == "BAKE_TIME":
        return start + 60.0 * float(dep.config.get("bakeTimeInMinutes") or 0)
    if step == "CLEAN_UP":
        blue = _blue(state, dep)
        if blue is None or not model.has_live_tasks(blue.group_key):
            return max(start + TIMINGS["stage"], _stopped_at(model, blue) if blue is not None else start)
        return None
    return start + TIMINGS["stage"] if step != "PRE_PRODUCTION_TRAFFIC_SHIFT" else start


def _stopped_at(model: TaskModel, rev: Revision | None) -> float:
    if rev is None:
        return 0.0
    times = [t.stopped_at or 0.0 for t in model.tasks.values() if t.group_key == rev.group_key]
    return max(times) if times else 0.0


def _has_rule(state: NativeState, dep: Deployment, name: str) -> bool:
    target = _revision(state, dep.target)
    return bool(target and any((lb.get("advancedConfiguration") or {}).get(name) for lb in target.load_balancers))


def _payload(state: NativeState, dep: Deployment, stage: str, hook: dict[str, Any]) -> dict[str, Any]:
    target = _revision(state, dep.target)
    blue = _blue(state, dep)
    prod = {dep.target: dep.production}
    test = {dep.target: dep.test}
    if blue is not None:
        prod[blue.arn] = 100.0 - dep.production
        test[blue.arn] = 100.0 - dep.test
    return {
        "serviceArn": dep.service_arn,
        "targetServiceRevisionArn": target.arn if target else dep.target,
        "testTrafficWeights": test,
        "productionTrafficWeights": prod,
        "lifecycleStage": stage,
        "hookDetails": copy.deepcopy(hook.get("hookDetails")),
    }


def _function_exists(account: str, region: str, arn: str) -> bool:
    try:
        from moto.awslambda.models import lambda_backends

        backend = existing_backend(lambda_backends, account, region)
        if backend is None:
            return False
        backend.get_function(arn)
        return True
    except Exception:  # noqa: BLE001 - not found
        return False


def _invoke(state: NativeState, dep: Deployment, hook: Hook, at: float) -> None:
    """One Lambda hook invocation at ``at``: the scripted answer decides what happens next."""
    arn = hook.config.get("hookTargetArn") or ""
    payload = _payload(state, dep, hook.stage, hook.config)
    if hook.details:
        payload["hookDetails"] = copy.deepcopy(hook.details)
    role = hook.config.get("roleArn") or ""
    # ECS invokes the function with the hook's role: without lambda:InvokeFunction on it the call is refused and the
    # hook fails ("Permissions required for Lambda functions in Amazon ECS blue/green deployments").
    if not iam.principal_allows(dep.account, role, "lambda:InvokeFunction", arn):
        answer: dict[str, Any] = {
            "error": "AccessDeniedException",
            "message": f"{role} is not authorized to perform: lambda:InvokeFunction on resource: {arn}",
        }
    elif not _function_exists(dep.account, dep.region, arn):
        answer = {"error": "ResourceNotFoundException", "message": f"Function not found: {arn}"}
    elif HOOK_SCRIPTS.get(arn):
        answer = HOOK_SCRIPTS[arn].pop(0)
    else:
        answer = copy.deepcopy(HOOK_DEFAULTS.get(arn) or {"hookStatus": "IN_PROGRESS"})
    INVOCATIONS.append(
        {
            "serviceDeploymentArn": dep.arn,
            "hookId": hook.hook_id,
            "hookTargetArn": arn,
            "lifecycleStage": hook.stage,
            "at": at,
            "payload": payload,
            "answer": copy.deepcopy(answer),
        }
    )
    status = answer.get("hookStatus")
    if status == "SUCCEEDED":
        hook.status, hook.resolved_at, hook.next_call = "SUCCEEDED", at + TIMINGS["lambda"], None
    elif status == "IN_PROGRESS":
        if answer.get("hookDetails"):
            hook.details = copy.deepcopy(answer["hookDetails"])
        delay = float(answer.get("callBackDelay") or DEFAULT_CALLBACK_DELAY)
        hook.next_call = at + TIMINGS["lambda"] + delay
    else:  # FAILED, no valid hookStatus, or the invocation failed
        hook.status, hook.resolved_at, hook.next_call = "FAILED", at + TIMINGS["lambda"], None


def _start_hook(state: NativeState, dep: Deployment, at: float) -> None:
    config = dep.pending_hooks.pop(0)
    step = dep.plan[dep.step][0]
    minutes = float((config.get("timeoutConfiguration") or {}).get("timeoutInMinutes") or HOOK_TIMEOUT_MINUTES)
    kind = config.get("targetType") or "AWS_LAMBDA"
    hook = Hook(
        hook_id=_random_id(),
        stage=step,
        config=config,
        status="AWAITING_ACTION" if kind == "PAUSE" else "IN_PROGRESS",
        started_at=at,
        expires_at=at + 60.0 * minutes,
        next_call=at if kind == "AWS_LAMBDA" else None,
    )
    dep.hooks.append(hook)
    dep.current_hook = hook
    dep.record(at, "hook", hookId=hook.hook_id, targetType=kind, step=step)


def _advance(state: NativeState, model: TaskModel, dep: Deployment, now: float) -> bool:
    """Play one transition of ``dep`` due at or before ``now``; False when nothing is due."""
    if dep.status == "PENDING":
        dep.status, dep.started_at = "IN_PROGRESS", dep.created_at
        dep.record(dep.created_at, "IN_PROGRESS")
        _begin_step(state, model, dep, 0, dep.created_at)
        return True
    if dep.status == "STOP_REQUESTED":
        at = dep.step_start
        if at > now:
            return False
        dep.status, dep.stopped_at, dep.finished_at = "STOPPED", at, at
        dep.current_hook = None
        dep.record(at, "STOPPED")
        return True
    if dep.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"):
        return _advance_rollback(state, model, dep, now)
    if dep.status != "IN_PROGRESS":
        return False
    # Monitors: the circuit breaker and the alarms watch the whole deployment.
    trigger = _monitor(model, state, dep, now)
    if trigger is not None:
        at, reason, rollback = trigger
        if rollback:
            request_rollback(state, model, dep, at, reason)
        else:
            dep.status, dep.status_reason, dep.stopped_at, dep.finished_at = "STOPPED", reason, at, at
            dep.record(at, "STOPPED")
        return True
    hook = dep.current_hook
    if hook is not None:
        if hook.status in ("SUCCEEDED", "FAILED") and hook.resolved_at is not None:
            if hook.resolved_at > now:
                return False
            dep.current_hook = None
            if hook.status == "FAILED":
                request_rollback(state, model, dep, hook.resolved_at, f"Lifecycle hook {hook.hook_id} failed.")
                return True
            return _next(state, model, dep, hook.resolved_at)
        due = min(x for x in (hook.expires_at, hook.next_call) if x is not None)
        if due > now:
            return False
        if hook.next_call is not None and hook.next_call < hook.expires_at:
            _invoke(state, dep, hook, hook.next_call)
            return True
        hook.status, hook.resolved_at = "TIMED_OUT", hook.expires_at
        dep.current_hook = None
        if hook.timeout_action == "ROLLBACK":
            request_rollback(state, model, dep, hook.expires_at, f"Lifecycle hook {hook.hook_id} timed out.")
            return True
        return _next(state, model, dep, hook.expires_at)
    if dep.step_done is None:
        done = _action_done(state, model, dep, now)
        if done is None or done > now:
            return False
        dep.step_done = done
        return True
    return _next(state, model, dep, dep.step_done)


def _next(state: NativeState, model: TaskModel, dep: Deployment, at: float) -> bool:
    """The current step's action is done and its hook (if any) resolved: the next hook, step, or the end."""
    if dep.pending_hooks:
        _start_hook(state, dep, at)
        return True
    if dep.step + 1 < len(dep.plan):
        _begin_step(state, model, dep, dep.step + 1, at)
        return True
    dep.status, dep.finished_at = "SUCCESSFUL", at
    dep.status_reason = None
    dep.breaker_status = "MONITORING_COMPLETE" if dep.breaker_status == "MONITORING" else dep.breaker_status
    dep.alarm_status = "MONITORING_COMPLETE" if dep.alarm_status == "MONITORING" else dep.alarm_status
    target = _revision(state, dep.target)
    if target is not None:
        target.rollout, target.rollout_reason, target.updated_at = (
            "COMPLETED",
            f"ECS deployment {target.deployment_id} completed.",
            at,
        )
        ecs_state = _ecs_state(dep.account, dep.region, dep.service_arn)
        if ecs_state is not None:
            ecs_state["lastCompletedTaskDefinition"] = target.task_definition
    dep.record(at, "SUCCESSFUL")
    name = _service_name(dep.service_arn)
    _event(model, dep.service_arn, name, f"(service-deployment {dep.arn}) has completed.", at)
    _event(model, dep.service_arn, name, "has reached a steady state.", at)
    return True


def _monitor(model: TaskModel, state: NativeState, dep: Deployment, now: float) -> tuple[float, str, bool] | None:
    """(when, reason, roll back?) if the circuit breaker or an alarm ends the deployment by ``now``."""
    breaker = _breaker(dep)
    target = _revision(state, dep.target)
    if breaker.get("enable") and target is not None:
        group = model.group(target.group_key)
        limit = ecs_service.threshold(_desired(dep.account, dep.region, dep.service_arn), breaker)
        if group is not None and group.failed_tasks >= limit:
            dep.breaker_status = "TRIGGERED"
            # When the limit was reached: the stop of the failure that reached it (the tasks keep the times).
            failed = sorted(
                t.stopped_at or now
                for t in model.tasks.values()
                if t.group_key == group.key
                and (t.stop_code == "TaskFailedToStart" or (t.stopped_reason or "").startswith("Task failed"))
            )
            at = failed[limit - 1] if len(failed) >= limit else (failed[-1] if failed else now)
            at = min(now, max(dep.created_at, at))
            return at, "ECS deployment circuit breaker: tasks failed to start.", bool(breaker.get("rollback"))
    alarms = _alarms(dep)
    if alarms.get("enable") and alarms.get("alarmNames"):
        firing = _alarms_in_alarm(dep.account, dep.region, alarms["alarmNames"])
        if firing:
            dep.triggered_alarms = [name for name, _since in firing]
            dep.alarm_status = "TRIGGERED"
            reason = f"One or more CloudWatch alarms are in ALARM state: {', '.join(dep.triggered_alarms)}."
            if alarms.get("rollback"):
                since = max(s for _n, s in firing)
                return min(now, max(dep.created_at, since)), reason, True
    return None


def _alarms_in_alarm(account: str, region: str, names: list[str]) -> list[tuple[str, float]]:
    """(name, emulated time it went into ALARM) of the named alarms that are in ALARM now."""
    from moto.cloudwatch.models import cloudwatch_backends

    backend = existing_backend(cloudwatch_backends, account, region)
    if backend is None:
        return []
    found = []
    for name in names:
        alarm = backend.alarms.get(name)
        if alarm is not None and alarm.state_value == "ALARM":
            found.append((name, float(getattr(alarm, "awsemu_state_since", 0.0) or 0.0)))
    return found


def _stamp_alarm_states() -> None:
    """moto stamps an alarm's state change with the wall clock; the engine needs the emulated moment."""
    from moto.cloudwatch.models import Alarm as FakeAlarm

    original = FakeAlarm.update_state
    if getattr(original, "__module__", "") == __name__:
        return

    def update_state(self: Any, reason: str, reason_data: str, state_value: str) -> None:
        changed = state_value != getattr(self, "state_value", None)
        original(self, reason, reason_data, state_value)
        if changed:
            self.awsemu_state_since = reconcile.stamp()

    update_state.__module__ = __name__
    FakeAlarm.update_state = update_state


_stamp_alarm_states()


def request_rollback(state: NativeState, model: TaskModel, dep: Deployment, at: float, reason: str) -> None:
    """Roll ``dep`` back to its blue revision (see the module docstring)."""
    blue = _blue(state, dep)
    dep.current_hook, dep.pending_hooks = None, []
    for hook in dep.hooks:
        if hook.status in ("AWAITING_ACTION", "IN_PROGRESS"):
            hook.status, hook.resolved_at = "FAILED", at
    if blue is None:
        dep.status, dep.status_reason, dep.finished_at = (
            "ROLLBACK_FAILED",
            f"{reason} No service revision to roll back to.",
            at,
        )
        dep.record(at, "ROLLBACK_FAILED")
        return
    dep.status, dep.status_reason = "ROLLBACK_REQUESTED", reason
    dep.rollback = {"reason": reason, "startedAt": at, "serviceRevisionArn": blue.arn}
    dep.rollback_phase, dep.step_start = "requested", at
    dep.record(at, "ROLLBACK_REQUESTED")
    ecs_state = _ecs_state(dep.account, dep.region, dep.service_arn)
    if ecs_state is not None:
        ecs_state["service"]["taskDefinition"] = blue.task_definition
    track = _track(state, dep.service_arn)
    track["revisions"] = [blue.arn] + [a for a in track["revisions"] if a != blue.arn]
    _event(
        model,
        dep.service_arn,
        _service_name(dep.service_arn),
        f"(service-deployment {dep.arn}) rolling back: {reason}",
        at,
    )


def _advance_rollback(state: NativeState, model: TaskModel, dep: Deployment, now: float) -> bool:
    blue, green = _blue(state, dep), _revision(state, dep.target)
    if dep.rollback_phase == "requested":
        at = dep.step_start
        if at > now:
            return False
        dep.status, dep.rollback_phase, dep.stage = "ROLLBACK_IN_PROGRESS", "restore", "PRODUCTION_TRAFFIC_SHIFT"
        with reconcile.at_time(at):
            if blue is not None and model.group(blue.group_key) is None:
                pass
            if green is not None:
                for index, lb in enumerate(green.load_balancers):
                    advanced = lb.get("advancedConfiguration") or {}
                    blue_tg = blue.resolved[index] if blue is not None else None
                    for rule in (advanced.get("productionListenerRule"), advanced.get("testListenerRule")):
                        if blue_tg:
                            _set_rule(dep.account, dep.region, rule, None, blue_tg, 100.0)
        dep.production = dep.test = 0.0
        dep.record(at, "traffic", production=0.0, test=0.0)
        dep.step_start = at
        dep.record(at, "ROLLBACK_IN_PROGRESS")
        return True
    if dep.rollback_phase == "restore":
        at = dep.step_start + TIMINGS["trafficShift"]
        if at > now:
            return False
        dep.rollback_phase, dep.stage, dep.step_start = "drain", "CLEAN_UP", at
        if green is not None:
            _retire(model, state, green.arn, at)
            green.rollout, green.rollout_reason = "FAILED", f"ECS deployment {green.deployment_id} rolled back."
        return True
    if dep.rollback_phase == "drain":
        if green is not None and model.has_live_tasks(green.group_key):
            return False
        at = max(dep.step_start + TIMINGS["stage"], _stopped_at(model, green))
        if at > now:
            return False
        dep.status, dep.finished_at, dep.rollback_phase = "ROLLBACK_SUCCESSFUL", at, None
        dep.record(at, "ROLLBACK_SUCCESSFUL")
        _event(
            model, dep.service_arn, _service_name(dep.service_arn), f"(service-deployment {dep.arn}) rolled back.", at
        )
        return True
    return False


# --- ROLLING: service deployments that follow the rolling scheduler
def follow_rolling(model: TaskModel, account: str, region: str, ecs_state: dict[str, Any], at: float) -> None:
    """Give the rolling service's newest deployment a service revision and service deployment (once)."""
    if not ecs_state.get("deployments"):
        return
    state = state_for(account, region)
    svc = ecs_state["service"]
    primary = ecs_state["deployments"][0]
    track = _track(state, svc["serviceArn"])
    if any(state.deployments[a].rolling_id == primary["id"] for a in track["deployments"]):
        return
    lbs = svc.get("loadBalancers") or []
    rev = _new_revision(
        account,
        region,
        svc,
        primary.get("taskDefinition") or "",
        primary["group"],
        [lb.get("targetGroupArn") or "" for lb in lbs],
        at,
        primary["id"],
    )
    state.revisions[rev.arn] = rev
    sources = [a for a in track["revisions"] if a in state.revisions]
    dep = _new_deployment(account, region, svc, ecs_state["deploymentConfiguration"], rev.arn, sources, at)
    dep.rolling_id = primary["id"]
    dep.status, dep.started_at = "IN_PROGRESS", at
    dep.breaker_status = "MONITORING" if _breaker(dep).get("enable") else "DISABLED"
    dep.alarm_status = "MONITORING" if _alarms(dep).get("enable") else "DISABLED"
    for arn in track["deployments"]:
        old = state.deployments[arn]
        if old.active and old.rolling_id is not None:
            if primary.get("rolloutStateReason", "").startswith("ECS deployment circuit breaker: rolling back"):
                old.status, old.status_reason = (
                    "ROLLBACK_IN_PROGRESS",
                    "ECS deployment circuit breaker: tasks failed to start.",
                )
                old.rollback = {"reason": old.status_reason, "startedAt": at, "serviceRevisionArn": rev.arn}
                dep.status_reason = f"Rolling back service deployment {old.arn}."
                dep.record(at, "rollback", of=old.arn)
                old_rollback_of = old.arn
                dep.config["_rollback_of"] = old_rollback_of
            else:
                old.status, old.status_reason = (
                    "STOPPED",
                    "Service deployment superseded by a newer service deployment.",
                )
                old.stopped_at = old.finished_at = at
    state.deployments[dep.arn] = dep
    track["deployments"].append(dep.arn)
    track["revisions"] = [rev.arn] + sources


def _advance_rolling(state: NativeState, model: TaskModel, dep: Deployment, now: float) -> bool:
    ecs_state = _ecs_state(dep.account, dep.region, dep.service_arn)
    if ecs_state is None:
        return False
    rolling = next((d for d in ecs_state.get("deployments") or [] if d["id"] == dep.rolling_id), None)
    changed = False
    track = _track(state, dep.service_arn)
    # Sources scale in as their rolling deployments drain away.
    for arn in list(track["revisions"]):
        rev = state.revisions.get(arn)
        if rev is None or arn == dep.target:
            continue
        if not model.has_live_tasks(rev.group_key) and not any(
            d["group"] == rev.group_key for d in ecs_state.get("deployments") or []
        ):
            rev.status, rev.updated_at = "INACTIVE", now
            track["revisions"].remove(arn)
            changed = True
    target = _revision(state, dep.target)
    if dep.status == "ROLLBACK_IN_PROGRESS":
        return changed
    if rolling is None:
        return changed
    state_name = rolling.get("rolloutState")
    if target is not None:
        target.rollout, target.rollout_reason = state_name, rolling.get("rolloutStateReason", "")
    if state_name == "COMPLETED" and dep.status == "IN_PROGRESS":
        at = float(rolling.get("updatedAt") or now)
        dep.status, dep.finished_at = "SUCCESSFUL", at
        dep.breaker_status = "MONITORING_COMPLETE" if dep.breaker_status == "MONITORING" else dep.breaker_status
        dep.alarm_status = "MONITORING_COMPLETE" if dep.alarm_status == "MONITORING" else dep.alarm_status
        dep.record(at, "SUCCESSFUL")
        failed = dep.config.pop("_rollback_of", None)
        if failed and failed in state.deployments:
            old = state.deployments[failed]
            old.status, old.finished_at = "ROLLBACK_SUCCESSFUL", at
        return True
    if state_name == "FAILED" and dep.status == "IN_PROGRESS" and ecs_state["deployments"][0]["id"] == dep.rolling_id:
        dep.status, dep.status_reason = "STOPPED", rolling.get("rolloutStateReason")
        dep.stopped_at = dep.finished_at = now
        dep.breaker_status = "TRIGGERED"
        return True
    if state_name == "FAILED" and dep.breaker_status != "TRIGGERED":
        dep.breaker_status = "TRIGGERED"
        return True
    return changed


# ----------------------------------------------------------------------------------------------- reconcile
def _fingerprint(dep: Deployment) -> tuple[Any, ...]:
    hook = dep.current_hook
    return (
        dep.status,
        dep.step,
        dep.step_done,
        len(dep.hooks),
        hook.status if hook else None,
        len(dep.history),
        dep.rollback_phase,
        dep.breaker_status,
        dep.alarm_status,
    )


def _advance_region(account: str, region: str, now: float) -> bool:
    state = STORE.get((account, region), SERVICE, NativeState)
    model = model_for(account, region)
    changed = False
    for dep in sorted(state.deployments.values(), key=lambda d: d.created_at):
        if not dep.active:
            continue
        before = _fingerprint(dep)
        try:
            if dep.rolling_id is not None:
                _advance_rolling(state, model, dep, now)
            else:
                for _ in range(500):
                    if not dep.active or not _advance(state, model, dep, now):
                        break
        except Exception:  # never let one broken deployment break every request
            LOG.exception("advancing service deployment %s failed", dep.arn)
        changed = changed or _fingerprint(dep) != before
    return changed


def _regions() -> list[tuple[str, str]]:
    return [key for key, st in STORE.items(SERVICE) if any(d.active for d in st.deployments.values())]


reconcile.participant("ecs-native", _regions, order=20)(_advance_region)


# ----------------------------------------------------------------------------------------------- API hooks
def _config_of(ecs_state: dict[str, Any]) -> dict[str, Any]:
    return ecs_state["deploymentConfiguration"]


@after("ecs", "CreateService")
def create_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        ecs_state = _ecs_state(req.account_id, req.region, service.get("serviceArn", ""))
        if ecs_state is None or not ecs_service._is_ecs_controller(service):
            return body
        model = model_for(req.account_id, req.region)
        at = reconcile.now()
        _config_of(ecs_state).setdefault("strategy", "ROLLING")
        if strategy_of(_config_of(ecs_state)) in NATIVE:
            start_native(model, req.account_id, req.region, ecs_state, service.get("taskDefinition") or "", at)
        else:
            follow_rolling(model, req.account_id, req.region, ecs_state, at)
        reconcile.reconcile_region(req.account_id, req.region, at)
        body["service"] = _decorate(req, service)
    return body


def _redeploys(req: Request, previous: dict[str, Any], service: dict[str, Any]) -> bool:
    if req.param("forceNewDeployment"):
        return True
    definition = req.param("taskDefinition")
    if definition and service.get("taskDefinition") != previous.get("taskDefinition"):
        return True
    for key in ecs_service.REDEPLOY_FIELDS:
        if req.param(key) is not None and req.param(key) != previous.get(key):
            return True
    return False


def _update_hook(model: TaskModel, req: Request, ecs_state: dict[str, Any], service: dict[str, Any], at: float) -> None:
    """UpdateService, before the rolling scheduler acts: controller and strategy changes, native deployments."""
    state = state_for(req.account_id, req.region)
    previous = ecs_state["service"]
    old_controller = (previous.get("deploymentController") or {}).get("type", "ECS")
    new_controller = (service.get("deploymentController") or {}).get("type", "ECS")
    strategy = strategy_of(_config_of(ecs_state))
    track = _track(state, service["serviceArn"])
    if old_controller != "ECS" and new_controller == "ECS":
        _adopt_task_set(model, req, ecs_state, service, at)
    elif old_controller == "ECS" and new_controller != "ECS":
        _hand_to_task_set(model, req, ecs_state, service, at)
        ecs_state["service"] = service
        return
    if new_controller != "ECS":
        return
    if strategy == "ROLLING":
        if not ecs_state["deployments"] and track["revisions"]:
            _hand_to_rolling(model, state, ecs_state, at)
        return
    # A native strategy: rolling deployments hand their tasks over first.
    if ecs_state["deployments"]:
        _adopt_rolling(model, req, state, ecs_state, at)
    if old_controller != "ECS":  # the switch itself keeps the adopted tasks; a new definition deploys
        adopted = ecs_state["service"].get("taskDefinition")
        redeploy = bool(req.param("forceNewDeployment")) or (
            bool(req.param("taskDefinition")) and service.get("taskDefinition") != adopted
        )
    else:
        redeploy = _redeploys(req, previous, service)
    for key in ("propagateTags", "tags"):
        if previous.get(key) is not None and service.get(key) is None:
            service[key] = previous[key]
    ecs_state["service"] = service
    if redeploy or not track["revisions"]:
        start_native(model, req.account_id, req.region, ecs_state, service.get("taskDefinition") or "", at)
    else:
        _resize(model, state, service, at)


def _resize(model: TaskModel, state: NativeState, service: dict[str, Any], at: float) -> None:
    """A desired count change alone: the target revision (and, mid-deployment, the blue one) follow it."""
    desired = int(service.get("desiredCount") or 0)
    track = _track(state, service["serviceArn"])
    for arn in track["revisions"][:1]:
        group = model.group(state.revisions[arn].group_key)
        if group is not None and not group.retired and group.desired != desired:
            group.desired = desired
            model.mark(group.owner, at)


def _adopt_rolling(model: TaskModel, req: Request, state: NativeState, ecs_state: dict[str, Any], at: float) -> None:
    """ROLLING -> a native strategy: the rolling deployments' groups become revisions owned by their own count."""
    for dep in ecs_state["deployments"]:
        group = model.group(dep["group"])
        if group is None:
            continue
        group.owner, group.kind = "group", "revision"
        model.mark("group", at)
    track = _track(state, ecs_state["service"]["serviceArn"])
    for arn in track["deployments"]:
        old = state.deployments[arn]
        if old.active and old.rolling_id:
            old.status, old.status_reason = "STOPPED", "Service deployment superseded by a newer service deployment."
            old.stopped_at = old.finished_at = at
    ecs_state["deployments"] = []


def _hand_to_rolling(model: TaskModel, state: NativeState, ecs_state: dict[str, Any], at: float) -> None:
    """A native strategy -> ROLLING: the current revision's tasks become the rolling PRIMARY deployment."""
    track = _track(state, ecs_state["service"]["serviceArn"])
    rev = state.revisions[track["revisions"][0]]
    group = model.group(rev.group_key)
    if group is None:
        return
    group.owner, group.kind = ecs_service._owner(ecs_state), "deployment"
    group.started_by = rev.deployment_id
    ecs_state["deployments"] = [
        {
            "id": rev.deployment_id,
            "group": rev.group_key,
            "status": "PRIMARY",
            "taskDefinition": rev.task_definition,
            "desiredCount": group.desired,
            "createdAt": rev.created_at,
            "updatedAt": at,
            "launchType": rev.launch_type,
            "capacityProviderStrategy": rev.capacity_provider_strategy,
            "platformVersion": rev.platform_version,
            "platformFamily": "Linux",
            "networkConfiguration": copy.deepcopy(rev.network_configuration),
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {rev.deployment_id} completed.",
        }
    ]
    for arn in track["revisions"][1:]:
        _retire(model, state, arn, at)
    ecs_state["steady"] = True


def _adopt_task_set(
    model: TaskModel, req: Request, ecs_state: dict[str, Any], service: dict[str, Any], at: float
) -> None:
    """CODE_DEPLOY/EXTERNAL -> ECS: the PRIMARY task set's tasks become the first service revision (no restart)."""
    state = state_for(req.account_id, req.region)
    svc = _moto_service(req.account_id, req.region, service["serviceArn"])
    task_sets = list(svc.task_sets) if svc is not None else []
    primary = next((ts for ts in task_sets if ts.status == "PRIMARY"), None)
    group = model.group(primary.task_set_arn) if primary is not None else None
    svc.task_sets = []
    rolling = strategy_of(_config_of(ecs_state)) == "ROLLING"
    if group is None:
        return
    dep_id = ecs_service._deployment_id()
    group.kind, group.started_by = ("deployment" if rolling else "revision"), dep_id
    group.label = f"service {service['serviceName']}"
    tg = [lb.get("targetGroupArn") for lb in group.load_balancers]
    lbs = service.get("loadBalancers") or []
    resolved = []
    for index, lb in enumerate(lbs):
        resolved.append(tg[index] if index < len(tg) else lb.get("targetGroupArn") or "")
    view = dict(service)
    view["loadBalancers"] = lbs
    rev = _new_revision(req.account_id, req.region, view, primary.task_definition, group.key, resolved, at, dep_id)
    rev.rollout, rev.rollout_reason = "COMPLETED", f"ECS deployment {dep_id} completed."
    state.revisions[rev.arn] = rev
    track = _track(state, service["serviceArn"])
    track["revisions"] = [rev.arn]
    dep = _new_deployment(req.account_id, req.region, service, _config_of(ecs_state), rev.arn, [], at)
    dep.status, dep.started_at, dep.finished_at, dep.stage = "SUCCESSFUL", at, at, None
    dep.record(at, "adopted", taskSetArn=primary.task_set_arn)
    state.deployments[dep.arn] = dep
    track["deployments"].append(dep.arn)
    previous = ecs_state["service"]
    ecs_state["service"] = {**service, "taskDefinition": primary.task_definition}
    group.load_balancers = _lbs_of(rev)
    if rolling:
        group.owner = ecs_service._owner(ecs_state)
        ecs_state["deployments"] = [
            {
                "id": dep_id,
                "group": group.key,
                "status": "PRIMARY",
                "taskDefinition": primary.task_definition,
                "desiredCount": group.desired,
                "createdAt": at,
                "updatedAt": at,
                "launchType": previous.get("launchType"),
                "platformVersion": previous.get("platformVersion"),
                "platformFamily": "Linux",
                "networkConfiguration": copy.deepcopy(previous.get("networkConfiguration")),
                "rolloutState": "COMPLETED",
                "rolloutStateReason": f"ECS deployment {dep_id} completed.",
            }
        ]
        dep.rolling_id = dep_id
        ecs_state["steady"] = True
    else:
        group.owner = "group"
    model.mark(group.owner, at)
    sync_task_sets(req.account_id, req.region, at)


def _hand_to_task_set(
    model: TaskModel, req: Request, ecs_state: dict[str, Any], service: dict[str, Any], at: float
) -> None:
    """ECS -> CODE_DEPLOY/EXTERNAL: the current revision's tasks become the service's PRIMARY task set."""
    from awsemu.services import codedeploy_engine

    state = state_for(req.account_id, req.region)
    track = _track(state, service["serviceArn"])
    if ecs_state["deployments"]:
        _adopt_rolling(model, req, state, ecs_state, at)
    if not track["revisions"]:
        return
    rev = state.revisions[track["revisions"][0]]
    for arn in track["revisions"][1:]:
        _retire(model, state, arn, at)
    group = model.group(rev.group_key)
    backend = ecs_backends[req.account_id][req.region]
    svc = _moto_service(req.account_id, req.region, service["serviceArn"])
    svc.task_definition = rev.task_definition
    svc.load_balancers = _lbs_of(rev)
    if group is not None:
        model.groups.pop(group.key, None)
    task_set = codedeploy_engine.ensure_primary_task_set(backend, svc, at)
    if group is not None and task_set is not None:
        fresh = model.groups.get(task_set.task_set_arn)
        if fresh is not None:  # the task set keeps the revision's tasks rather than starting new ones
            for task in list(model.tasks_of(fresh.key)):
                model.tasks.pop(task.arn, None)
            model.groups.pop(fresh.key, None)
        group.key, group.kind, group.owner = task_set.task_set_arn, "taskset", "group"
        group.started_by = task_set.id
        group.label = f"service {service['serviceName']}, taskSet {task_set.id}"
        for task in model.tasks.values():
            if task.group_key == rev.group_key:
                task.group_key = task_set.task_set_arn
        model.groups[group.key] = group
        rev.group_key = group.key
    rev.status = "INACTIVE"
    track["revisions"] = []
    sync_task_sets(req.account_id, req.region, at)


ecs_service.plug(ecs_service.UPDATE_HOOKS, _update_hook)


@after("ecs", "UpdateService")
def update_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    service = body.get("service") or {}
    with STORE.lock:
        ecs_state = _ecs_state(req.account_id, req.region, service.get("serviceArn", ""))
        if ecs_state is None:
            return body
        model = model_for(req.account_id, req.region)
        at = reconcile.now()
        if ecs_service.is_rolling(ecs_state, service):
            _config_of(ecs_state).setdefault("strategy", "ROLLING")
            follow_rolling(model, req.account_id, req.region, ecs_state, at)
        reconcile.reconcile_region(req.account_id, req.region, at)
        body["service"] = _decorate(req, service)
    return body


def _placement(rev: Revision) -> dict[str, Any]:
    """Where a revision's tasks run, as both Deployment (DescribeServices) and ServiceRevision report it."""
    data: dict[str, Any] = {}
    if rev.capacity_provider_strategy:
        data["capacityProviderStrategy"] = copy.deepcopy(rev.capacity_provider_strategy)
    else:
        data["launchType"] = rev.launch_type or "FARGATE"
    if rev.platform_version:
        data["platformVersion"] = rev.platform_version
    if rev.network_configuration:
        data["networkConfiguration"] = copy.deepcopy(rev.network_configuration)
    return data


def _revision_deployment_json(model: TaskModel, rev: Revision, primary: bool) -> dict[str, Any]:
    counts = model.counts(rev.group_key)
    return {
        "id": rev.deployment_id,
        "status": "PRIMARY" if primary else "ACTIVE",
        "taskDefinition": rev.task_definition,
        "desiredCount": counts.desired,
        "pendingCount": counts.pending,
        "runningCount": counts.running,
        "failedTasks": counts.failed,
        "createdAt": rev.created_at,
        "updatedAt": rev.updated_at,
        "platformFamily": "Linux",
        "rolloutState": rev.rollout,
        "rolloutStateReason": rev.rollout_reason,
        **_placement(rev),
    }


def _decorate(req: Request, service: dict[str, Any]) -> dict[str, Any]:
    """DescribeServices & co: currentServiceDeployment, currentServiceRevisions and, for native services, the rest."""
    if service.get("status") != "ACTIVE" or not ecs_service._is_ecs_controller(service):
        return service
    state = state_for(req.account_id, req.region)
    track = state.services.get(service.get("serviceArn", ""))
    ecs_state = _ecs_state(req.account_id, req.region, service.get("serviceArn", ""))
    if track is None or ecs_state is None:
        return service
    model = model_for(req.account_id, req.region)
    if track["deployments"]:
        service["currentServiceDeployment"] = track["deployments"][-1]
    revisions = [state.revisions[a] for a in track["revisions"] if a in state.revisions]
    summaries = []
    for rev in revisions:
        counts = model.counts(rev.group_key)
        summaries.append(
            {
                "arn": rev.arn,
                "requestedTaskCount": counts.desired,
                "runningTaskCount": counts.running,
                "pendingTaskCount": counts.pending,
            }
        )
    service["currentServiceRevisions"] = summaries
    if ecs_service.is_rolling(ecs_state, service):
        return service
    deployments = [_revision_deployment_json(model, rev, i == 0) for i, rev in enumerate(revisions)]
    service["deployments"] = deployments
    service["taskDefinition"] = ecs_state["service"].get("taskDefinition") or service.get("taskDefinition")
    service["runningCount"] = sum(d["runningCount"] for d in deployments)
    service["pendingCount"] = sum(d["pendingCount"] for d in deployments)
    return service


def _delete_hook(model: TaskModel, req: Request, service: dict[str, Any], at: float) -> None:
    """DeleteService: a native service's revisions stop their tasks; a deployment in flight stops with them."""
    state = state_for(req.account_id, req.region)
    track = state.services.get(service.get("serviceArn", ""))
    if track is None:
        return
    for arn in list(track["revisions"]):
        _retire(model, state, arn, at)
    for arn in track["deployments"]:
        dep = state.deployments[arn]
        if dep.active:
            dep.status, dep.status_reason = "STOPPED", "The service was deleted."
            dep.stopped_at = dep.finished_at = at
            dep.current_hook = None
    model.advance(at)
    service.update(runningCount=0, pendingCount=0, desiredCount=0)


ecs_service.plug(ecs_service.DESCRIBE_HOOKS, _decorate)
ecs_service.plug(ecs_service.DELETE_HOOKS, _delete_hook)


# ----------------------------------------------------------------------------------------------- new operations
MAX_DESCRIBE = 20  # DescribeServiceDeployments / DescribeServiceRevisions: "up to 20" ARNs


def _deployment_brief(dep: Deployment) -> dict[str, Any]:
    """What ServiceDeploymentBrief (ListServiceDeployments) and ServiceDeployment share."""
    data: dict[str, Any] = {
        "serviceDeploymentArn": dep.arn,
        "serviceArn": dep.service_arn,
        "clusterArn": dep.cluster_arn,
        "createdAt": dep.created_at,
        "status": dep.status,
    }
    if dep.started_at is not None:
        data["startedAt"] = dep.started_at
    if dep.finished_at is not None:
        data["finishedAt"] = dep.finished_at
    if dep.status_reason:
        data["statusReason"] = dep.status_reason
    return data


def _deployment_json(state: NativeState, dep: Deployment) -> dict[str, Any]:
    model = model_for(dep.account, dep.region)

    def summary(arn: str, target: bool) -> dict[str, Any]:
        rev = state.revisions.get(arn)
        counts = model.counts(rev.group_key) if rev else None
        data: dict[str, Any] = {"arn": arn}
        if counts is not None:
            data.update(
                requestedTaskCount=counts.desired, runningTaskCount=counts.running, pendingTaskCount=counts.pending
            )
        if dep.rolling_id is None and dep.strategy in NATIVE:
            data["requestedProductionTrafficWeight"] = float(dep.production if target else 100.0 - dep.production)
            data["requestedTestTrafficWeight"] = float(dep.test if target else 100.0 - dep.test)
        return data

    config = {k: copy.deepcopy(v) for k, v in dep.config.items() if not k.startswith("_")}
    data: dict[str, Any] = {
        **_deployment_brief(dep),
        "updatedAt": dep.updated_at,
        "sourceServiceRevisions": [summary(a, False) for a in dep.sources],
        "targetServiceRevision": summary(dep.target, True),
        "deploymentConfiguration": config,
        "deploymentCircuitBreaker": {"status": dep.breaker_status, "failureCount": 0, "threshold": 0},
        "alarms": {"status": dep.alarm_status},
    }
    target = state.revisions.get(dep.target)
    group = model.group(target.group_key) if target else None
    breaker = _breaker(dep)
    desired = _desired(dep.account, dep.region, dep.service_arn)
    data["deploymentCircuitBreaker"].update(
        failureCount=group.failed_tasks if group is not None else 0,
        threshold=ecs_service.threshold(desired, breaker) if breaker.get("enable") else 0,
    )
    if _alarms(dep).get("alarmNames"):
        data["alarms"]["alarmNames"] = list(_alarms(dep)["alarmNames"])
    if dep.triggered_alarms:
        data["alarms"]["triggeredAlarmNames"] = list(dep.triggered_alarms)
    if dep.stopped_at is not None:
        data["stoppedAt"] = dep.stopped_at
    if dep.stage and dep.rolling_id is None and dep.strategy in NATIVE:
        data["lifecycleStage"] = dep.stage
    hooks = []
    for hook in dep.hooks:
        detail: dict[str, Any] = {
            "hookId": hook.hook_id,
            "targetType": hook.target_type,
            "status": hook.status,
            "expiresAt": hook.expires_at,
            "timeoutAction": hook.timeout_action,
        }
        if hook.target_type == "AWS_LAMBDA" and hook.config.get("hookTargetArn"):
            detail["targetArn"] = hook.config["hookTargetArn"]
        hooks.append(detail)
    if hooks:
        data["lifecycleHookDetails"] = hooks
    if dep.rollback:
        data["rollback"] = copy.deepcopy(dep.rollback)
    return data


def _find_deployment(req: Request, arn: str) -> Deployment:
    dep = state_for(req.account_id, req.region).deployments.get(arn or "")
    if dep is None:
        raise AwsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")
    return dep


def _describe(req: Request, what: str, table: str, to_json: Any) -> dict[str, Any]:
    """DescribeService<What>s: ``<what>Arns`` (1 to 20) answered from ``state.<table>``; an unknown ARN is a
    ``MISSING`` failure, not an error (ECS API reference, DescribeServiceDeployments / DescribeServiceRevisions)."""
    arns = req.param(f"{what}Arns") or []
    if not arns or len(arns) > MAX_DESCRIBE:
        raise AwsError("InvalidParameterException", f"{what}Arns must contain 1 to {MAX_DESCRIBE} ARNs.")
    with STORE.lock:
        state = state_for(req.account_id, req.region)
        found, failures = [], []
        for arn in arns:
            item = getattr(state, table).get(arn)
            if item is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(to_json(state, item))
    return {f"{what}s": found, "failures": failures}


@handles("ecs", "DescribeServiceDeployments")
def describe_service_deployments(req: Request) -> dict[str, Any]:
    return _describe(req, "serviceDeployment", "deployments", _deployment_json)


def _revision_json(rev: Revision) -> dict[str, Any]:
    data: dict[str, Any] = {
        "serviceRevisionArn": rev.arn,
        "serviceArn": rev.service_arn,
        "clusterArn": rev.cluster_arn,
        "taskDefinition": rev.task_definition,
        "platformFamily": "Linux",
        "containerImages": copy.deepcopy(rev.container_images),
        "guardDutyEnabled": False,
        "createdAt": rev.created_at,
        **_placement(rev),
    }
    if rev.load_balancers:
        data["loadBalancers"] = copy.deepcopy(rev.load_balancers)
    if any(_pair(lb) for lb in rev.load_balancers):
        data["resolvedConfiguration"] = {
            "loadBalancers": [
                {
                    "targetGroupArn": tg,
                    **(
                        {"productionListenerRule": lb["advancedConfiguration"]["productionListenerRule"]}
                        if (lb.get("advancedConfiguration") or {}).get("productionListenerRule")
                        else {}
                    ),
                }
                for lb, tg in zip(rev.load_balancers, rev.resolved, strict=False)
            ]
        }
    return data


@handles("ecs", "DescribeServiceRevisions")
def describe_service_revisions(req: Request) -> dict[str, Any]:
    return _describe(req, "serviceRevision", "revisions", lambda _state, rev: _revision_json(rev))


def _service_for(req: Request) -> Any:
    cluster = str(req.param("cluster") or "default").split("/")[-1]
    name = str(req.require("service")).split("/")[-1]
    backend = ecs_backends[req.account_id][req.region]
    if cluster not in backend.clusters:
        raise AwsError("ClusterNotFoundException", "Cluster not found.")
    svc = backend.services.get(f"{cluster}:{name}")
    if svc is None or svc.status == "INACTIVE":
        raise AwsError("ServiceNotFoundException", "Service not found.")
    return svc


def _epoch(value: Any) -> float | None:
    if value is None:
        return None
    from awsemu.core import epoch_seconds

    try:
        return float(epoch_seconds(value))
    except (TypeError, ValueError):
        return None


@handles("ecs", "ListServiceDeployments")
def list_service_deployments(req: Request) -> dict[str, Any]:
    svc = _service_for(req)
    statuses = req.param("status") or []
    created = req.param("createdAt") or {}
    before, after_ = _epoch(created.get("before")), _epoch(created.get("after"))
    limit = req.param("maxResults")
    if limit is not None and not 1 <= int(limit) <= 100:
        raise AwsError("InvalidParameterException", "maxResults must be between 1 and 100.")
    with STORE.lock:
        state = state_for(req.account_id, req.region)
        track = state.services.get(svc.arn) or {"deployments": []}
        items = []
        for arn in reversed(track["deployments"]):  # newest first
            dep = state.deployments[arn]
            if statuses and dep.status not in statuses:
                continue
            if before is not None and dep.created_at >= before:
                continue
            if after_ is not None and dep.created_at <= after_:
                continue
            items.append({**_deployment_brief(dep), "targetServiceRevisionArn": dep.target})
        page, token = paginate(
            items, req.param("nextToken"), int(limit or page_size(req, 20)), "InvalidParameterException"
        )
    answer: dict[str, Any] = {"serviceDeployments": page}
    if token:
        answer["nextToken"] = token
    return answer


def _choice(req: Request, name: str, allowed: tuple[str, ...]) -> str:
    """An enum parameter of Stop/ContinueServiceDeployment; absent, the first of ``allowed`` (its default)."""
    value = req.param(name) or allowed[0]
    if value not in allowed:
        raise AwsError("InvalidParameterException", f"{name} '{value}' is not valid: use {' or '.join(allowed)}.")
    return value


def _acting_on(req: Request, arn: str) -> tuple[Deployment, NativeState, TaskModel, float]:
    """The deployment a Stop/Continue call names, with the state, task model and time it acts with (under the lock)."""
    dep = _find_deployment(req, arn)
    return dep, state_for(req.account_id, req.region), model_for(req.account_id, req.region), reconcile.now()


@handles("ecs", "StopServiceDeployment")
def stop_service_deployment(req: Request) -> dict[str, Any]:
    arn = req.require("serviceDeploymentArn")
    stop_type = _choice(req, "stopType", ("ROLLBACK", "ABORT"))
    with STORE.lock:
        dep, state, model, at = _acting_on(req, arn)
        if dep.status not in ("PENDING", "IN_PROGRESS"):
            raise AwsError(
                "ConflictException",
                f"The service deployment {arn} is {dep.status} and cannot be stopped: only a PENDING or IN_PROGRESS "
                "service deployment can.",
            )
        if dep.rolling_id is not None:
            _stop_rolling(req, state, model, dep, stop_type, at)
        elif stop_type == "ROLLBACK":
            request_rollback(state, model, dep, at, "Service deployment rolled back by StopServiceDeployment.")
        else:
            dep.status, dep.status_reason, dep.step_start = (
                "STOP_REQUESTED",
                "Stopped by StopServiceDeployment.",
                at + TIMINGS["stop"],
            )
            dep.current_hook, dep.pending_hooks = None, []
            dep.record(at, "STOP_REQUESTED")
        reconcile.reconcile_region(req.account_id, req.region, at)
    return {"serviceDeploymentArn": arn}


def _stop_rolling(
    req: Request, state: NativeState, model: TaskModel, dep: Deployment, stop_type: str, at: float
) -> None:
    """A rolling deployment: ABORT stops it where it is; ROLLBACK starts a deployment of the previous revision."""
    ecs_state = _ecs_state(req.account_id, req.region, dep.service_arn)
    source = _revision(state, dep.sources[0]) if dep.sources else None
    if stop_type == "ABORT" or ecs_state is None or source is None:
        dep.status, dep.status_reason, dep.stopped_at, dep.finished_at = (
            "STOPPED",
            "Stopped by StopServiceDeployment.",
            at,
            at,
        )
        rolling = next((d for d in (ecs_state or {}).get("deployments") or [] if d["id"] == dep.rolling_id), None)
        if rolling is not None and rolling.get("rolloutState") == "IN_PROGRESS":
            rolling["rolloutState"], rolling["rolloutStateReason"] = "FAILED", "ECS deployment stopped."
        return
    primary = ecs_state["deployments"][0]
    primary["status"] = "ACTIVE"
    primary["rolloutState"], primary["rolloutStateReason"] = "FAILED", "ECS deployment stopped: rolling back."
    rollback = ecs_service._new_deployment(model, ecs_state, source.task_definition, int(primary["desiredCount"]), at)
    rollback["rolloutStateReason"] = f"ECS deployment rolling back to deploymentId {source.deployment_id}."
    ecs_state["deployments"].insert(0, rollback)
    ecs_state["service"]["taskDefinition"] = source.task_definition
    model.mark(ecs_service._owner(ecs_state), at)
    dep.status, dep.status_reason = "ROLLBACK_IN_PROGRESS", "Service deployment rolled back by StopServiceDeployment."
    dep.rollback = {"reason": dep.status_reason, "startedAt": at, "serviceRevisionArn": source.arn}
    follow_rolling(model, req.account_id, req.region, ecs_state, at)
    newest = state.deployments[_track(state, dep.service_arn)["deployments"][-1]]
    newest.config["_rollback_of"] = dep.arn


@handles("ecs", "ContinueServiceDeployment")
def continue_service_deployment(req: Request) -> dict[str, Any]:
    arn = req.require("serviceDeploymentArn")
    hook_id = req.require("hookId")
    action = _choice(req, "action", ("CONTINUE", "ROLLBACK"))
    with STORE.lock:
        dep, state, model, at = _acting_on(req, arn)
        hook = dep.current_hook
        if hook is None or hook.hook_id != hook_id or hook.status != "AWAITING_ACTION" or dep.status != "IN_PROGRESS":
            raise AwsError(
                "InvalidParameterException",
                f"The lifecycle hook {hook_id} of service deployment {arn} is not awaiting action.",
            )
        if action == "CONTINUE":
            hook.status, hook.resolved_at = "SUCCEEDED", at
        else:
            hook.status, hook.resolved_at = "FAILED", at
            dep.current_hook = None
            request_rollback(state, model, dep, at, f"Rolled back by ContinueServiceDeployment at hook {hook_id}.")
        reconcile.reconcile_region(req.account_id, req.region, at)
    return {"serviceDeploymentArn": arn}


def deployments_of(account: str, region: str, service_arn: str) -> list[Deployment]:
    """The service deployments of a service, oldest first (for other engines and tests)."""
    state = state_for(account, region)
    return [state.deployments[a] for a in (state.services.get(service_arn) or {}).get("deployments", [])]


def in_progress(account: str, region: str, service_arn: str) -> Deployment | None:
    return next((d for d in deployments_of(account, region, service_arn) if d.active), None)
