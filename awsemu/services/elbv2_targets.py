"""Elastic Load Balancing v2 targets: registration, draining and health, as DescribeTargetHealth reports them.

moto 5.2 reports every registered target ``healthy`` at once and forgets a deregistered one at once. This
module keeps, per account and region (``STORE`` key ``elbv2_targets``), a record of every target of every
target group (registered by RegisterTargets or by ECS for a task) and answers DescribeTargetHealth with
AWS's states and reason codes (ELBv2 API reference, TargetHealth; "Health checks for Application Load
Balancer target groups"):

- ``initial`` / ``Elb.RegistrationInProgress`` until the first health check, ``initial`` /
  ``Elb.InitialHealthChecking`` while a target that never passed fails fewer than UnhealthyThresholdCount
  checks; ``healthy`` once it passes one check ("after your target is registered, it must pass one health
  check to be considered healthy"); ``unhealthy`` with ``Target.ResponseCodeMismatch``, ``Target.Timeout``
  or ``Target.FailedHealthChecks`` after UnhealthyThresholdCount consecutive failures, ``healthy`` again
  after HealthyThresholdCount passes.
- ``unused`` / ``Target.NotInUse`` while no listener default action or rule of any load balancer forwards
  to the target group (the load balancer sends no health checks then; they start when one does);
  ``unused`` / ``Target.NotRegistered`` for a target asked for that is not registered.
- ``draining`` / ``Target.DeregistrationInProgress`` for ``deregistration_delay.timeout_seconds`` after
  DeregisterTargets (300 s by default); then the target is gone.
- ``unavailable`` / ``Target.HealthCheckDisabled`` when the target group's health checks are off.

Health checks are made by a *health checker* (:data:`CHECKER`, swapped with :func:`set_checker`):
``observe(target, group, checks_from, now) -> Observation`` (``initial``, ``healthy`` or ``unhealthy``,
reason, description, since when), ``next_change(target, group, checks_from, now) -> float | None`` (the
emulated time its answer changes next, if it can foresee it), ``forget(target)`` and ``reset()``.
``checks_from`` is when the load balancer started checking that target (registration, or the moment a
listener started forwarding to its group). :class:`ApiHealthChecker` (the default) decides by the emulated
clock: checks every HealthCheckIntervalSeconds from ``checks_from``; whether they pass depends on what is
behind the target, as *resolvers* report it (``RESOLVERS``: the ECS task model resolves its tasks' IPs to
the task's images, when its containers started and stopped): an image listed in
``/_emulator/elbv2 {"targetUnhealthyImages": {"repo:tag": "Target.ResponseCodeMismatch"}}`` (or a list:
ResponseCodeMismatch with HTTP 500) fails them, a stopped container refuses connections
(``Target.FailedHealthChecks``), an IP nothing answers on times out (``Target.Timeout``), a running EC2
instance passes. A real checker (HTTP checks through HAProxy) implements the same four methods.

The ECS model registers and deregisters its tasks with :func:`register` / :func:`deregister` (the same
path RegisterTargets and DeregisterTargets take) and asks :func:`target_state` and :func:`next_change`.
"""

from __future__ import annotations

import copy
import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from moto.elbv2.models import ELBv2Backend, elbv2_backends

from awsemu import reconcile
from awsemu.core import STORE, admin, on_reset

SERVICE = "elbv2_targets"
DEFAULT_SETTINGS: dict[str, Any] = {"targetUnhealthyImages": {}}
SETTINGS: dict[str, Any] = copy.deepcopy(DEFAULT_SETTINGS)
REASON_DESCRIPTIONS = {
    "Elb.RegistrationInProgress": "Target registration is in progress",
    "Elb.InitialHealthChecking": "Initial health checks in progress",
    "Target.ResponseCodeMismatch": "Health checks failed with these codes: [500]",
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Target.NotRegistered": "Target is not registered to the target group",
    "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
    "Target.HealthCheckDisabled": "Health checks are disabled",
}
FAILURE_REASONS = ("Target.ResponseCodeMismatch", "Target.Timeout", "Target.FailedHealthChecks")
NO_OVERRIDE = {
    "State": "no_override",
    "Reason": "AdministrativeOverride.NoOverride",
    "Description": "No override is currently active on target",
}
DEFAULT_DEREGISTRATION_DELAY = 300.0


@dataclass
class Target:
    """One registration of (``id``, ``port``) in a target group."""

    group_arn: str
    id: str
    port: int
    availability_zone: str | None
    registered_at: float
    source: str = "api"  # "api" (RegisterTargets) or "ecs" (a task)
    task_arn: str | None = None
    draining_since: float | None = None
    drain_until: float | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.port)


@dataclass
class Observation:
    state: str  # initial | healthy | unhealthy
    reason: str | None = None
    description: str | None = None
    since: float | None = None


@dataclass
class Backend:
    """What a resolver says is behind a target: up since when, down since when, failing checks since when."""

    up_since: float | None
    down_since: float | None = None
    failing_since: float | None = None
    failing_reason: str | None = None
    images: tuple[str, ...] = ()


# fn(account, region, target) -> Backend | None (None: not mine)
RESOLVERS: list[Callable[[str, str, Target], Backend | None]] = []


class HealthChecker(Protocol):
    name: str

    def observe(self, target: Target, group: Any, checks_from: float, now: float) -> Observation: ...

    def next_change(self, target: Target, group: Any, checks_from: float, now: float) -> float | None: ...

    def forget(self, target: Target) -> None: ...

    def reset(self) -> None: ...


def _failure_of(image: str) -> str | None:
    configured = SETTINGS["targetUnhealthyImages"]
    if image not in configured:
        return None
    reason = configured[image]
    return reason if reason in FAILURE_REASONS else "Target.ResponseCodeMismatch"


class ApiHealthChecker:
    """Health checks on the emulated clock (see the module docstring)."""

    name = "api"

    def _failing(self, account: str, region: str, target: Target, group: Any) -> tuple[float | None, str]:
        """(checks fail from, reason): ``None`` when they keep passing."""
        for resolve in RESOLVERS:
            backend = resolve(account, region, target)
            if backend is None:
                continue
            candidates: list[tuple[float, str]] = []
            if backend.failing_since is not None:
                candidates.append((backend.failing_since, backend.failing_reason or "Target.ResponseCodeMismatch"))
            for image in backend.images:
                reason = _failure_of(image)
                if reason and backend.up_since is not None:
                    candidates.append((backend.up_since, reason))
            if backend.down_since is not None:
                candidates.append((backend.down_since, "Target.FailedHealthChecks"))
            if backend.up_since is None:
                candidates.append((target.registered_at, "Target.FailedHealthChecks"))
            return min(candidates) if candidates else (None, "")
        if target.id.startswith("i-"):
            instance = group.ec2_backend.get_instance_by_id(target.id) if hasattr(group, "ec2_backend") else None
            if instance is not None and instance.state == "running":
                return None, ""
            return target.registered_at, "Target.Timeout"
        if getattr(group, "target_type", "ip") in ("lambda", "alb"):
            return None, ""
        return target.registered_at, "Target.Timeout"  # nothing answers at that address

    def _timeline(self, target: Target, group: Any, checks_from: float) -> list[tuple[float, Observation]]:
        interval = float(getattr(group, "health_check_interval_seconds", 30) or 30)
        healthy_n = int(getattr(group, "healthy_threshold_count", 5) or 5)
        unhealthy_n = int(getattr(group, "unhealthy_threshold_count", 2) or 2)
        account, region = _owner(group)
        failing_since, reason = self._failing(account, region, target, group)
        first = checks_from + interval
        events = [
            (
                checks_from,
                Observation("initial", "Elb.RegistrationInProgress", REASON_DESCRIPTIONS["Elb.RegistrationInProgress"]),
            ),
        ]
        k_fail = None if failing_since is None else max(1, math.ceil((failing_since - checks_from) / interval - 1e-9))
        if k_fail is None or k_fail > 1:
            events.append((first, Observation("healthy")))
        else:
            events.append(
                (
                    first,
                    Observation(
                        "initial", "Elb.InitialHealthChecking", REASON_DESCRIPTIONS["Elb.InitialHealthChecking"]
                    ),
                )
            )
        if k_fail is not None:
            at = checks_from + (k_fail + unhealthy_n - 1) * interval
            events.append((at, Observation("unhealthy", reason, REASON_DESCRIPTIONS.get(reason))))
        del healthy_n  # checks never pass again once they fail in this model
        return events

    def observe(self, target: Target, group: Any, checks_from: float, now: float) -> Observation:
        current = Observation(
            "initial", "Elb.RegistrationInProgress", REASON_DESCRIPTIONS["Elb.RegistrationInProgress"]
        )
        current.since = checks_from
        for at, observation in self._timeline(target, group, checks_from):
            if at <= now:
                current = Observation(observation.state, observation.reason, observation.description, at)
        return current

    def next_change(self, target: Target, group: Any, checks_from: float, now: float) -> float | None:
        for at, _observation in self._timeline(target, group, checks_from):
            if at > now:
                return at
        return None

    def forget(self, target: Target) -> None:
        return None

    def reset(self) -> None:
        return None


CHECKER: HealthChecker = ApiHealthChecker()


def set_checker(checker: HealthChecker) -> HealthChecker:
    """Install ``checker`` (e.g. real HTTP checks); returns the previous one."""
    global CHECKER
    previous, CHECKER = CHECKER, checker
    return previous


@on_reset
def _reset() -> None:
    SETTINGS.clear()
    SETTINGS.update(copy.deepcopy(DEFAULT_SETTINGS))
    CHECKER.reset()


@admin("elbv2")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST" and isinstance(payload, dict) and "targetUnhealthyImages" in payload:
        value = payload["targetUnhealthyImages"] or {}
        if isinstance(value, list):
            value = dict.fromkeys(value, "Target.ResponseCodeMismatch")
        SETTINGS["targetUnhealthyImages"] = dict(value)
    elif method == "DELETE":
        _reset()
    return {**copy.deepcopy(SETTINGS), "checker": CHECKER.name}


# ----------------------------------------------------------------------------------------------- state
def _state(account: str, region: str) -> dict[str, Any]:
    return STORE.get((account, region), SERVICE, lambda: {"targets": {}, "usage": {}})


def _owner(group: Any) -> tuple[str, str]:
    return getattr(group, "account_id", ""), getattr(group, "region_name", "")


def _backend(account: str, region: str) -> ELBv2Backend:
    return elbv2_backends[account][region]


def _group(account: str, region: str, arn: str) -> Any:
    return _backend(account, region).target_groups.get(arn)


def deregistration_delay(group: Any) -> float:
    try:
        return float(group.attributes.get("deregistration_delay.timeout_seconds", DEFAULT_DEREGISTRATION_DELAY))
    except (TypeError, ValueError, AttributeError):
        return DEFAULT_DEREGISTRATION_DELAY


def _health_check_port(group: Any, target: Target) -> str:
    port = getattr(group, "health_check_port", None)
    return str(target.port) if port in (None, "traffic-port") else str(port)


def forwarded_groups(backend: ELBv2Backend) -> set[str]:
    """Target groups some listener default action or rule forwards to (weight 0 included)."""
    used: set[str] = set()
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            for rule in listener.rules.values():
                for action in rule.actions:
                    used.update(backend._get_target_group_arns_from(action_data=action.data))
    return used


def refresh_usage(account: str, region: str, at: float | None = None) -> None:
    """Note when each target group started (or stopped) being forwarded to, at ``at`` (default: now)."""
    at = reconcile.stamp() if at is None else at
    with STORE.lock:
        usage = _state(account, region)["usage"]
        try:
            used = forwarded_groups(_backend(account, region))
        except KeyError:
            return
        for arn in used:
            if usage.get(arn) is None:
                usage[arn] = at
        for arn in list(usage):
            if arn not in used:
                usage[arn] = None


def _checks_from(account: str, region: str, target: Target) -> float | None:
    since = _state(account, region)["usage"].get(target.group_arn)
    return None if since is None else max(since, target.registered_at)


def _zone_of(account: str, region: str, group: Any, target_id: str) -> str | None:
    """The Availability Zone of an IP target in the target group's VPC (AWS detects it)."""
    try:
        address = ipaddress.ip_address(target_id)
    except ValueError:
        return None
    for subnet in _all_subnets(group.ec2_backend):
        if subnet.vpc_id == group.vpc_id and address in ipaddress.ip_network(subnet.cidr_block):
            return subnet.availability_zone
    return None


def _all_subnets(ec2_backend: Any) -> list[Any]:
    subnets: list[Any] = []
    for by_id in ec2_backend.subnets.values():
        subnets.extend(by_id.values())
    return subnets


# ----------------------------------------------------------------------------------------------- API of the model
def register(
    account: str,
    region: str,
    group_arn: str,
    targets: list[dict[str, Any]],
    at: float | None = None,
    source: str = "api",
    task_arn: str | None = None,
    moto: bool = True,
) -> list[Target]:
    """Register ``targets`` ([{Id, Port, AvailabilityZone}]) at ``at``; ``moto``: also in moto's target group."""
    at = reconcile.stamp() if at is None else at
    with STORE.lock:
        group = _group(account, region, group_arn)
        if group is None:
            return []
        if moto:
            _moto_register(_backend(account, region), group_arn, copy.deepcopy(targets))
        records = _state(account, region)["targets"].setdefault(group_arn, {})
        made = []
        for spec in targets:
            port = int(spec.get("Port") or group.port or 0)
            key = (spec["Id"], port)
            existing = records.get(key)
            if existing is not None and existing.draining_since is None:
                made.append(existing)  # registering a registered target changes nothing
                continue
            record = Target(
                group_arn=group_arn,
                id=spec["Id"],
                port=port,
                availability_zone=spec.get("AvailabilityZone") or _zone_of(account, region, group, spec["Id"]),
                registered_at=at,
                source=source,
                task_arn=task_arn,
            )
            records[key] = record
            made.append(record)
        refresh_usage(account, region, at)
        return made


def deregister(
    account: str, region: str, group_arn: str, targets: list[dict[str, Any]], at: float | None = None, moto: bool = True
) -> None:
    """Start draining ``targets`` at ``at`` for the group's deregistration delay."""
    at = reconcile.stamp() if at is None else at
    with STORE.lock:
        group = _group(account, region, group_arn)
        if group is None:
            return
        if moto:
            present = [t for t in targets if t["Id"] in group.targets]
            if present:
                _moto_deregister(_backend(account, region), group_arn, present)
        records = _state(account, region)["targets"].get(group_arn, {})
        delay = deregistration_delay(group)
        for spec in targets:
            record = records.get((spec["Id"], int(spec.get("Port") or group.port or 0)))
            if record is None or record.draining_since is not None:
                continue
            record.draining_since, record.drain_until = at, at + delay


def _live(account: str, region: str, group_arn: str, now: float) -> dict[tuple[str, int], Target]:
    """The group's records that still count at ``now`` (drained ones are dropped)."""
    records = _state(account, region)["targets"].get(group_arn, {})
    for key, record in list(records.items()):
        if record.drain_until is not None and record.drain_until <= now:
            del records[key]
            CHECKER.forget(record)
    return records


def target_state(
    account: str, region: str, group_arn: str, target_id: str, port: int, now: float
) -> tuple[str, str | None, str | None, float | None]:
    """(State, Reason, Description, since) of one target at ``now``, as DescribeTargetHealth says it."""
    with STORE.lock:
        group = _group(account, region, group_arn)
        record = _live(account, region, group_arn, now).get((target_id, int(port))) if group is not None else None
        if record is None:
            return "unused", "Target.NotRegistered", REASON_DESCRIPTIONS["Target.NotRegistered"], None
        return _describe(account, region, group, record, now)


def _describe(
    account: str, region: str, group: Any, record: Target, now: float
) -> tuple[str, str | None, str | None, float | None]:
    if record.draining_since is not None:
        reason = "Target.DeregistrationInProgress"
        return "draining", reason, REASON_DESCRIPTIONS[reason], record.draining_since
    checks_from = _checks_from(account, region, record)
    if checks_from is None:
        return "unused", "Target.NotInUse", REASON_DESCRIPTIONS["Target.NotInUse"], None
    if not getattr(group, "health_check_enabled", True):
        reason = "Target.HealthCheckDisabled"
        return "unavailable", reason, REASON_DESCRIPTIONS[reason], checks_from
    seen = CHECKER.observe(record, group, checks_from, now)
    return seen.state, seen.reason, seen.description, seen.since


def next_change(account: str, region: str, now: float) -> float | None:
    """The emulated time of the next target state change in this account and region that can be foreseen."""
    with STORE.lock:
        state = _state(account, region)
        upcoming: list[float] = []
        for group_arn, records in state["targets"].items():
            group = _group(account, region, group_arn)
            if group is None:
                continue
            for record in list(records.values()):
                if record.drain_until is not None:
                    if record.drain_until > now:
                        upcoming.append(record.drain_until)
                    continue
                checks_from = _checks_from(account, region, record)
                if checks_from is None or not getattr(group, "health_check_enabled", True):
                    continue
                at = CHECKER.next_change(record, group, checks_from, now)
                if at is not None and at > now:
                    upcoming.append(at)
        return min(upcoming) if upcoming else None


def targets_of(account: str, region: str, group_arn: str, now: float) -> list[dict[str, Any]]:
    """Every target of a group with its health: the routing view's and DescribeTargetHealth's list."""
    with STORE.lock:
        group = _group(account, region, group_arn)
        if group is None:
            return []
        result = []
        for record in _live(account, region, group_arn, now).values():
            state, reason, description, since = _describe(account, region, group, record, now)
            result.append(
                {
                    "Id": record.id,
                    "Port": record.port,
                    "AvailabilityZone": record.availability_zone,
                    "State": state,
                    "Reason": reason,
                    "Description": description,
                    "Since": since,
                    "TaskArn": record.task_arn,
                    "Source": record.source,
                }
            )
        return result


def regions() -> list[tuple[str, str]]:
    return [key for key, _value in STORE.items(SERVICE)]


# ----------------------------------------------------------------------------------------------- moto glue
_moto_register = ELBv2Backend.register_targets
_moto_deregister = ELBv2Backend.deregister_targets
_moto_describe_health = ELBv2Backend.describe_target_health
_moto_delete_group = ELBv2Backend.delete_target_group


def register_targets(self: ELBv2Backend, target_group_arn: str, instances: list[Any]) -> None:
    _moto_register(self, target_group_arn, copy.deepcopy(instances))
    register(self.account_id, self.region_name, target_group_arn, instances, moto=False)


def deregister_targets(self: ELBv2Backend, target_group_arn: str, instances: list[dict[str, Any]]) -> None:
    group = self.target_groups.get(target_group_arn)
    records = _state(self.account_id, self.region_name)["targets"].get(target_group_arn, {})
    if group is not None:
        # a target still draining is no longer in moto's group but is still known: deregistering it is no error
        unknown = [t for t in instances if t["Id"] not in group.targets]
        known_here = [t for t in unknown if any(k[0] == t["Id"] for k in records)]
        rest = [t for t in instances if t not in known_here]
        if rest:
            _moto_deregister(self, target_group_arn, rest)
    else:
        _moto_deregister(self, target_group_arn, instances)
    deregister(self.account_id, self.region_name, target_group_arn, instances, moto=False)


def describe_target_health(self: ELBv2Backend, target_group_arn: str, targets: list[dict[str, Any]]) -> list[Any]:
    group = self.target_groups.get(target_group_arn)
    if group is None:
        return _moto_describe_health(self, target_group_arn, targets)  # moto's TargetGroupNotFound
    account, region = self.account_id, self.region_name
    now = reconcile.now()
    with STORE.lock:
        live = _live(account, region, target_group_arn, now)
        if targets:
            wanted = [(t["Id"], int(t.get("Port") or group.port or 0), bool(t.get("Port"))) for t in targets]
        else:
            wanted = [(key[0], key[1], True) for key in live]
        answer = []
        for target_id, port, explicit_port in wanted:
            record = live.get((target_id, port))
            if record is None and not explicit_port:
                record = next((r for k, r in live.items() if k[0] == target_id), None)
            if record is None:
                description: dict[str, Any] = {"Id": target_id, "Port": port}
                reason = "Target.NotRegistered"
                state, text = "unused", REASON_DESCRIPTIONS[reason]
                health_port = _health_check_port(group, Target(target_group_arn, target_id, port, None, now))
            else:
                description = {"Id": record.id, "Port": record.port}
                if record.availability_zone:
                    description["AvailabilityZone"] = record.availability_zone
                state, reason, text, _since = _describe(account, region, group, record, now)
                health_port = _health_check_port(group, record)
            health: dict[str, Any] = {"State": state}
            if reason:
                health.update(Reason=reason, Description=text)
            answer.append(
                {
                    "Target": description,
                    "HealthCheckPort": health_port,
                    "TargetHealth": health,
                    "AdministrativeOverride": dict(NO_OVERRIDE),
                }
            )
        return answer


def delete_target_group(self: ELBv2Backend, target_group_arn: str) -> Any:
    deleted = _moto_delete_group(self, target_group_arn)
    with STORE.lock:
        state = _state(self.account_id, self.region_name)
        for record in state["targets"].pop(target_group_arn, {}).values():
            CHECKER.forget(record)
        state["usage"].pop(target_group_arn, None)
    return deleted


def _usage_after(method_name: str) -> Callable[..., Any]:
    original = getattr(ELBv2Backend, method_name)

    def wrapper(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        refresh_usage(self.account_id, self.region_name)
        return result

    wrapper.__name__ = method_name
    wrapper.__module__ = __name__
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    return wrapper


def _install() -> None:
    if getattr(ELBv2Backend.register_targets, "__module__", "") == __name__:
        return
    ELBv2Backend.register_targets = register_targets
    ELBv2Backend.deregister_targets = deregister_targets
    ELBv2Backend.describe_target_health = describe_target_health
    ELBv2Backend.delete_target_group = delete_target_group
    for name in (
        "create_listener",
        "modify_listener",
        "delete_listener",
        "create_rule",
        "modify_rule",
        "delete_rule",
        "delete_load_balancer",
    ):
        setattr(ELBv2Backend, name, _usage_after(name))


_install()
