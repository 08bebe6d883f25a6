"""ECS tasks as first-class records, owned by task groups, driven by one reconcile loop.

Every task the emulator reports is a :class:`Task` here (per account and region, ``STORE`` key
``ecs_tasks``): the tasks of rolling deployments (``awsemu.services.ecs_service``), of task sets
(CODE_DEPLOY and EXTERNAL services, mirrored from moto's task sets), of RunTask, and of whatever else
creates a :class:`TaskGroup` (ECS-native service revisions). Counts that ECS reports (a deployment's or task
set's ``runningCount``, ``pendingCount``, ``failedTasks``, a service's and a cluster's) are computed from
these tasks, never kept beside them.

**Task groups.** A :class:`TaskGroup` is what owns tasks: a desired count, the task definition, the
network configuration, the load balancers (target group, container name and port) its running tasks
register in, ``startedBy`` and ``group`` for its tasks, the health check grace period, and an ``owner``:
the scheduler that decides how many of its tasks run. Owner ``"group"`` (task sets, service revisions,
RunTask) keeps the group at its desired count by itself: it starts missing tasks, stops surplus ones and
replaces tasks that exited or failed their health checks after the grace period (``replace=False``,
RunTask: never replaces). Another owner (``"ecs-rolling:<service arn>"``) registers a scheduler in
:data:`SCHEDULERS` that decides across several groups (minimum healthy and maximum percent). Create one
with :meth:`TaskModel.add_group`, change ``desired``, end it with :meth:`TaskModel.retire_group` (its tasks
stop; it disappears when they have).

**A task's life** (ECS "Task lifecycle"): PROVISIONING (the awsvpc network interface is created in one of
the group's subnets, a private IPv4 address from the subnet's CIDR) -> PENDING (the runtime pulls and
starts the containers) -> ACTIVATING (ECS registers the IP and container port in each target group) ->
RUNNING. Stopping: DEACTIVATING (targets deregistered; ECS waits for the target groups' deregistration
delay) -> STOPPING (SIGTERM, SIGKILL after the container ``stopTimeout``) -> DEPROVISIONING (the interface
is deleted) -> STOPPED, with ``stopCode`` (TaskFailedToStart, EssentialContainerExited, UserInitiated,
ServiceSchedulerInitiated) and ``stoppedReason``. The runtime (``awsemu.services.ecs_runtime``) runs the
containers; target health comes from ``awsemu.services.elbv2_targets``. A task is *healthy* for its
scheduler once it is RUNNING, its essential containers with a health check are HEALTHY and every target
is ``healthy`` (or ``unused``/``unavailable``: no listener forwards to that group, or its checks are off,
so there is nothing to wait for); it *fails* when a container is UNHEALTHY or a target ``unhealthy``, and
its scheduler acts on that once ``healthCheckGracePeriodSeconds`` since it started have passed. Stopped
tasks stay visible for an hour (DescribeTasks, ``ListTasks desiredStatus=STOPPED``).

**Reconcile.** :meth:`TaskModel.advance` plays every transition due up to ``now`` in time order: it asks
the runtime and the target registry for their next foreseeable change, applies each at the time it was
due, and runs the schedulers of the owners whose tasks changed, at that time. ``reconcile(account,
region, now)`` (in :mod:`awsemu.reconcile`) runs it together with the other clock-driven models (the
CodeDeploy engine); the request path calls it before every AWS request, a background thread may call
``awsemu.reconcile.reconcile()`` as well (everything runs under ``STORE.lock``).

API: ListTasks (cluster, serviceName, startedBy, family, launchType, desiredStatus, paging), DescribeTasks
(failures for unknown tasks, ``include=["TAGS"]``), StopTask, RunTask (Fargate). Service events as ECS
words them ("(service x) has started 2 tasks: (task ...) (task ...).", "registered 1 targets in
(target-group ...)", "has begun draining connections on 1 tasks."). DescribeClusters' task counts.

Non-AWS: ``GET /_emulator/tasks`` lists every task (group, state, address, targets);
``POST /_emulator/tasks`` with ``{"action": "exit", "task": "<arn or id>", "exitCode": 137, "reason":
"OutOfMemoryError: Container killed due to memory usage"}`` makes a running container exit,
``{"action": "failHealthChecks", "task": ...}`` makes its container health checks fail from now,
``{"action": "failTargetHealth", "task": ..., "reason": "Target.Timeout"}`` its load balancer checks.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.ec2.models import ec2_backends
from moto.ecs.models import EC2ContainerServiceBackend, ecs_backends

from awsemu import reconcile
from awsemu.core import STORE, AwsError, Request, admin, after, before_request, handles, page_size, paginate
from awsemu.services import ecs_runtime, elbv2_targets
from awsemu.services.ecs_runtime import ContainerSpec, ContainerStatus

LOG = logging.getLogger("awsemu.ecs_tasks")

SERVICE = "ecs_tasks"
ACTIVE = ("PROVISIONING", "PENDING", "ACTIVATING", "RUNNING")
PENDING_STATES = ("PROVISIONING", "PENDING", "ACTIVATING")
STOPPED_RETENTION = 3600.0  # "stopped tasks ... appear in DescribeTasks for at least one hour"
MAX_STOPPED_PER_GROUP = 100
MAX_EVENTS = 100
MAX_STEPS = 20000  # per advance: a bound, never reached in practice
PASSING_TARGET_STATES = ("healthy", "unused", "unavailable")
FARGATE_PLATFORM = "1.4.0"

# Owner schedulers: SCHEDULERS[prefix](model, key, at) for owners "prefix:key"; "group" is built in.
SCHEDULERS: dict[str, Callable[[TaskModel, str, float], None]] = {}


def iso(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.UTC)


@dataclass
class TaskGroup:
    """What owns tasks (see the module docstring): one rolling deployment, task set, service revision or RunTask."""

    key: str  # unique in the model (a deployment id, a task set ARN, ...)
    kind: str  # deployment | taskset | revision | standalone
    cluster_arn: str
    task_definition_arn: str
    desired: int
    created_at: float
    owner: str = "group"
    started_by: str = ""
    group_name: str = ""
    service_arn: str | None = None
    service_name: str | None = None
    network_configuration: dict[str, Any] | None = None
    load_balancers: list[dict[str, Any]] = field(default_factory=list)
    launch_type: str | None = "FARGATE"
    capacity_provider_strategy: list[dict[str, Any]] | None = None
    platform_version: str | None = None
    health_check_grace_period: float = 0.0
    replace: bool = True
    tags: list[dict[str, str]] = field(default_factory=list)
    overrides: dict[str, Any] | None = None
    enable_execute_command: bool = False
    reset_failures_on_healthy: bool = True
    # state
    failed_tasks: int = 0
    retired: bool = False
    retire_reason: str = ""
    steady_since: float | None = None
    forced_failure: str | None = None  # fault injection: every task of the group fails its health checks
    launch_not_before: float = 0.0  # after a task failed at once (no network), the next launch waits
    label: str = ""  # how service events name it: "service x" or "service x, taskSet ecs-svc/1"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Task:
    arn: str
    id: str
    group_key: str
    cluster_arn: str
    task_definition_arn: str
    containers: list[ContainerSpec]
    created_at: float
    start_seconds: float
    started_by: str = ""
    group: str = ""
    launch_type: str = "FARGATE"
    capacity_provider_name: str | None = None
    platform_version: str = FARGATE_PLATFORM
    cpu: str | None = None
    memory: str | None = None
    last_status: str = "PROVISIONING"
    desired_status: str = "RUNNING"
    status_since: float = 0.0
    # network
    subnet_id: str | None = None
    availability_zone: str | None = None
    eni_id: str | None = None
    private_ip: str | None = None
    mac_address: str | None = None
    private_dns_name: str | None = None
    attachment_id: str = ""
    attachment_status: str = "PRECREATED"
    # timestamps
    pull_started_at: float | None = None
    pull_stopped_at: float | None = None
    started_at: float | None = None
    connectivity_at: float | None = None
    stopping_at: float | None = None
    execution_stopped_at: float | None = None
    stopped_at: float | None = None
    # stop
    stop_code: str | None = None
    stopped_reason: str | None = None
    deactivate_until: float | None = None
    deprovision_until: float | None = None
    # health
    health_status: str = "UNKNOWN"
    healthy_since: float | None = None
    failing: tuple[float, str] | None = None  # (since, stoppedReason) of a failed health check
    failure_acted: bool = False  # the owner has had a pass since the failure became actionable
    target_failure: tuple[float, str] | None = None  # ELB checks fail from (time, reason) (test control)
    registrations: list[tuple[str, int]] = field(default_factory=list)
    container_states: dict[str, ContainerStatus] = field(default_factory=dict)
    container_arns: dict[str, str] = field(default_factory=dict)
    runtime_data: dict[str, Any] = field(default_factory=dict)
    runtime: Any = None
    tags: list[dict[str, str]] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    enable_execute_command: bool = False
    version: int = 1

    @property
    def active(self) -> bool:
        return self.desired_status == "RUNNING" and self.last_status in ACTIVE

    @property
    def live(self) -> bool:
        return self.last_status != "STOPPED"

    @property
    def running(self) -> bool:
        return self.last_status == "RUNNING"

    @property
    def healthy(self) -> bool:
        return self.active and self.running and self.healthy_since is not None


@dataclass
class Counts:
    desired: int
    running: int
    pending: int
    failed: int


class TaskModel:
    """The tasks and task groups of one account and region."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self.tasks: dict[str, Task] = {}
        self.groups: dict[str, TaskGroup] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}  # service arn -> ECS service events, newest first
        self.notes: dict[tuple[str, str, str], list[str]] = {}  # (service arn, label, kind) -> task ids / arns
        self.dirty: dict[str, float] = {}  # owner -> when it needs a scheduler pass
        self.clock = 0.0  # the latest time the model was advanced to

    # ------------------------------------------------------------------------------------- groups
    def add_group(self, group: TaskGroup, at: float | None = None) -> TaskGroup:
        """Add ``group``; its owner's scheduler starts its tasks at ``at`` (default: its creation time)."""
        if not group.label:
            group.label = f"service {group.service_name}" if group.service_name else f"group {group.key}"
        self.groups[group.key] = group
        self.mark(group.owner, group.created_at if at is None else at)
        return group

    def group(self, key: str) -> TaskGroup | None:
        return self.groups.get(key)

    def retire_group(self, key: str, at: float, reason: str | None = None) -> None:
        """No more tasks for ``key``: its tasks stop at ``at``; the group goes once they are stopped."""
        group = self.groups.get(key)
        if group is None or group.retired:
            return
        group.retired, group.desired = True, 0
        group.retire_reason = reason or f"Scaling activity initiated by (deployment {group.started_by or key})"
        for task in self.tasks_of(key):
            if task.desired_status == "RUNNING":
                self.stop_task(task, at, "ServiceSchedulerInitiated", group.retire_reason)
        self.mark(group.owner, at)

    def tasks_of(self, key: str, live_only: bool = False) -> list[Task]:
        return [t for t in self.tasks.values() if t.group_key == key and (t.live or not live_only)]

    def counts(self, key: str) -> Counts:
        group = self.groups.get(key)
        tasks = self.tasks_of(key)
        return Counts(
            desired=group.desired if group else 0,
            running=sum(1 for t in tasks if t.last_status == "RUNNING"),
            pending=sum(1 for t in tasks if t.desired_status == "RUNNING" and t.last_status in PENDING_STATES),
            failed=group.failed_tasks if group else 0,
        )

    def has_live_tasks(self, key: str) -> bool:
        return any(t.live for t in self.tasks.values() if t.group_key == key)

    def ready_since(self, key: str) -> float | None:
        """Since when the group has run its desired count of healthy tasks (and nothing else), or None."""
        group = self.groups.get(key)
        return None if group is None else group.steady_since

    def mark(self, owner: str, at: float) -> None:
        """Ask for a scheduler pass of ``owner`` at ``at``.

        A pass asked for in the past (a participant that plays a change due at ``at`` after the model was
        advanced beyond it, e.g. a revision's tasks started by the native deployment engine) rewinds the
        model's clock to ``at``, so what follows from it (target health turning healthy, the next checks) is
        played in time order from there, not only from the latest time the model reached.
        """
        self.dirty[owner] = min(self.dirty.get(owner, at), at)
        self.clock = min(self.clock, at)

    # ------------------------------------------------------------------------------------- events
    def note(self, group: TaskGroup, kind: str, item: str) -> None:
        if group.service_arn:
            self.notes.setdefault((group.service_arn, group.label, kind), []).append(item)

    def event(self, service_arn: str, message: str, at: float) -> None:
        """A service event (``message`` already starts with "(service x)")."""
        self.flush(at, service_arn)
        events = self.events.setdefault(service_arn, [])
        events.insert(0, {"id": str(uuid.uuid4()), "createdAt": at, "message": message})
        del events[MAX_EVENTS:]

    def flush(self, at: float, service_arn: str | None = None) -> None:
        """Turn the notes of one moment into ECS's aggregated service events."""
        order = ("started", "draining", "deregistered", "stopped", "registered", "unhealthy")
        for kind in order:
            for key in [k for k in self.notes if k[2] == kind and (service_arn is None or k[0] == service_arn)]:
                arn, label, _ = key
                items = self.notes.pop(key)
                events = self.events.setdefault(arn, [])
                for message in _messages(label, kind, items):
                    events.insert(0, {"id": str(uuid.uuid4()), "createdAt": at, "message": message})
                del events[MAX_EVENTS:]

    # ------------------------------------------------------------------------------------- tasks
    def launch(self, group: TaskGroup, count: int, at: float) -> list[Task]:
        """Start ``count`` tasks of ``group`` at ``at`` (PROVISIONING)."""
        backend = ecs_backends[self.account][self.region]
        try:
            definition = backend.describe_task_definition(group.task_definition_arn)
        except Exception:  # noqa: BLE001 - a deregistered and deleted definition starts nothing
            LOG.warning("task definition %s is gone: no task started", group.task_definition_arn)
            return []
        overrides = {o.get("name"): o for o in ((group.overrides or {}).get("containerOverrides") or [])}
        cluster = group.cluster_arn.split("/")[-1]
        made = []
        for _ in range(count):
            task_id = uuid.uuid4().hex
            containers = [
                ContainerSpec.from_definition(c, overrides.get(c.get("name"))) for c in definition.container_definitions
            ]
            task = Task(
                arn=f"arn:aws:ecs:{self.region}:{self.account}:task/{cluster}/{task_id}",
                id=task_id,
                group_key=group.key,
                cluster_arn=group.cluster_arn,
                task_definition_arn=definition.arn,
                containers=containers,
                created_at=at,
                status_since=at,
                start_seconds=ecs_runtime.start_seconds(),
                started_by=group.started_by,
                group=group.group_name or f"family:{definition.family}",
                launch_type="FARGATE",
                capacity_provider_name=_capacity_provider(group),
                platform_version=_platform(group.platform_version),
                cpu=definition.cpu,
                memory=definition.memory,
                attachment_id=str(uuid.uuid4()),
                runtime=ecs_runtime.RUNTIME,
                tags=copy.deepcopy(group.tags),
                overrides={
                    "containerOverrides": [
                        {k: v for k, v in {"name": c.name, **overrides.get(c.name, {})}.items()} for c in containers
                    ],
                    "inferenceAcceleratorOverrides": [],
                },
                enable_execute_command=group.enable_execute_command,
            )
            task.container_arns = {
                c.name: f"arn:aws:ecs:{self.region}:{self.account}:container/{cluster}/{task_id}/{uuid.uuid4()}"
                for c in containers
            }
            self.tasks[task.arn] = task
            problem = self._attach_network(group, task)
            if problem:
                self._fail_start(task, at, f"ResourceInitializationError: {problem}")
                group.launch_not_before = at + task.start_seconds
                self.mark(group.owner, group.launch_not_before)
            made.append(task)
            self.note(group, "started", task_id)
        return made

    def _attach_network(self, group: TaskGroup, task: Task) -> str | None:
        config = (group.network_configuration or {}).get("awsvpcConfiguration") or {}
        subnets = list(config.get("subnets") or [])
        if not subnets:
            return "no subnets in the task's network configuration"
        ec2 = ec2_backends[self.account][self.region]
        in_use: dict[str, int] = dict.fromkeys(subnets, 0)
        for other in self.tasks_of(group.key, live_only=True):
            if other.subnet_id in in_use and other is not task:
                in_use[other.subnet_id] += 1
        subnet_id = min(subnets, key=lambda s: (in_use[s], subnets.index(s)))
        try:
            subnet = ec2.get_subnet(subnet_id)
        except Exception:  # noqa: BLE001 - moto's InvalidSubnetID.NotFound
            return f"unable to create the network interface: the subnet ID '{subnet_id}' does not exist"
        eni = ec2.create_network_interface(
            subnet=subnet,
            private_ip_address=None,
            group_ids=list(config.get("securityGroups") or []),
            description=f"arn:aws:ecs:{self.region}:{self.account}:attachment/{task.attachment_id}",
        )
        try:
            ip = subnet.get_available_subnet_ip(eni)
        except StopIteration:
            ec2.delete_network_interface(eni.id)
            return f"the subnet {subnet_id} has no free IPv4 address"
        eni.private_ip_address = ip
        eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": ip}]
        eni.requester_managed = True
        eni.status = "in-use"
        eni.private_dns_name = f"ip-{ip.replace('.', '-')}.{self.region}.compute.internal"
        task.subnet_id, task.availability_zone = subnet.id, subnet.availability_zone
        task.eni_id, task.private_ip, task.mac_address = eni.id, ip, eni.mac_address
        task.private_dns_name = f"ip-{ip.replace('.', '-')}.{self.region}.compute.internal"
        return None

    def _release_network(self, task: Task) -> None:
        if not task.eni_id:
            return
        ec2 = ec2_backends[self.account][self.region]
        try:
            subnet = ec2.get_subnet(task.subnet_id)
            subnet.del_subnet_ip(task.private_ip)
        except Exception:  # noqa: BLE001,S110 - the subnet is gone: nothing to give back
            pass
        if task.eni_id in ec2.enis:
            ec2.delete_network_interface(task.eni_id)
        task.attachment_status = "DELETED"

    def stop_task(self, task: Task, at: float, code: str, reason: str) -> None:
        """ECS sets ``task``'s desired status to STOPPED at ``at``; the lifecycle does the rest."""
        if task.desired_status == "STOPPED":
            return
        task.desired_status, task.stop_code, task.stopped_reason = "STOPPED", code, reason
        task.stopping_at = at
        task.version += 1
        group = self.groups.get(task.group_key)
        if group is not None:
            self.mark(group.owner, at)
        self._step(task, at)

    def _fail_start(self, task: Task, at: float, reason: str) -> None:
        group = self.groups.get(task.group_key)
        if group is not None:
            group.failed_tasks += 1
        task.desired_status, task.stop_code, task.stopped_reason = "STOPPED", "TaskFailedToStart", reason
        task.stopping_at = at
        for name in task.container_arns:
            previous = task.container_states.get(name) or ContainerStatus()
            previous.status, previous.since, previous.reason = "STOPPED", at, reason
            task.container_states[name] = previous
        self._set(task, "DEPROVISIONING", at)
        task.deprovision_until = at + float(ecs_runtime.SETTINGS["taskDeprovisionSeconds"])
        if group is not None:
            self.mark(group.owner, at)

    # ------------------------------------------------------------------------------------- the lifecycle
    def _set(self, task: Task, status: str, at: float) -> None:
        task.last_status, task.status_since = status, at
        task.version += 1

    def _due(self, task: Task, now: float) -> float | None:
        """When ``task`` changes next after ``now`` (or the time of a change already seen at ``now``), or None."""
        status = task.last_status
        quarter = task.start_seconds / 4.0
        runtime = task.runtime
        if status == "PROVISIONING":
            return task.stopping_at if task.desired_status == "STOPPED" else task.created_at + quarter
        if status == "PENDING":
            if task.desired_status == "STOPPED":
                return task.stopping_at
            seen = runtime.status(task, now)
            if seen.failure:
                return seen.failed_at
            essential = [seen.containers.get(c.name) for c in task.containers if c.essential]
            if essential and all(s is not None and s.status == "RUNNING" for s in essential):
                return max(s.since for s in essential if s is not None)
            if any(s is not None and s.status == "STOPPED" for s in essential):
                return min(s.since for s in essential if s is not None and s.status == "STOPPED")
            return runtime.next_change(task, now)
        if status == "ACTIVATING":
            if task.desired_status == "STOPPED":
                return task.stopping_at
            return task.status_since + quarter
        if status == "RUNNING":
            if task.desired_status == "STOPPED":
                return task.stopping_at
            seen = runtime.status(task, now)
            upcoming = []
            for spec in task.containers:
                state = seen.containers.get(spec.name)
                known = task.container_states.get(spec.name)
                if state is None:
                    continue
                if state.status == "STOPPED" and (known is None or known.status != "STOPPED"):
                    upcoming.append(state.since)
                if state.health != (known.health if known else "UNKNOWN") and state.health_since is not None:
                    upcoming.append(state.health_since)
            later = runtime.next_change(task, now)
            if later is not None:
                upcoming.append(later)
            return min(upcoming) if upcoming else None
        if status == "DEACTIVATING":
            return task.deactivate_until
        if status == "STOPPING":
            seen = runtime.status(task, now)
            states = [seen.containers.get(c.name) for c in task.containers]
            if all(s is None or s.status == "STOPPED" for s in states):
                return max([s.since for s in states if s is not None] or [task.status_since])
            return runtime.next_change(task, now)
        if status == "DEPROVISIONING":
            return task.deprovision_until
        return None

    def _step(self, task: Task, at: float) -> bool:
        """Apply the transition of ``task`` due at or before ``at``; True when one was applied."""
        group = self.groups.get(task.group_key)
        status = task.last_status
        runtime = task.runtime
        before = (task.last_status, task.version)
        if status in ("PROVISIONING", "PENDING") and task.desired_status == "STOPPED":
            if status == "PENDING":
                runtime.stop(task, at, 0.0)
            task.execution_stopped_at = at
            self._set(task, "DEPROVISIONING", at)
            task.attachment_status = "DELETED" if not task.eni_id else "DETACHING"
            task.deprovision_until = at + float(ecs_runtime.SETTINGS["taskDeprovisionSeconds"])
        elif status == "PROVISIONING":
            self._set(task, "PENDING", at)
            task.attachment_status = "ATTACHED"
            task.connectivity_at = at
            runtime.start(task, at)
        elif status == "PENDING":
            seen = runtime.status(task, at)
            task.pull_started_at = seen.pull_started_at
            if seen.failure:
                task.pull_stopped_at = seen.failed_at
                self._fail_start(task, seen.failed_at or at, seen.failure)
            else:
                self._observe_containers(task, seen)
                essential = [seen.containers.get(c.name) for c in task.containers if c.essential]
                if any(s is not None and s.status == "STOPPED" for s in essential):
                    self._container_exited(task, seen, at)
                elif essential and all(s is not None and s.status == "RUNNING" for s in essential):
                    task.pull_stopped_at = seen.pull_stopped_at or at
                    self._set(task, "ACTIVATING", at)
                    self._register(task, group, at)
        elif status == "ACTIVATING" and task.desired_status == "STOPPED":
            self._deactivate(task, at)
        elif status == "ACTIVATING":
            self._set(task, "RUNNING", at)
            task.started_at = at
        elif status == "RUNNING" and task.desired_status == "STOPPED":
            self._deactivate(task, at)
        elif status == "RUNNING":
            seen = runtime.status(task, at)
            self._observe_containers(task, seen)
            if any(
                seen.containers.get(c.name) and seen.containers[c.name].status == "STOPPED"
                for c in task.containers
                if c.essential
            ):
                self._container_exited(task, seen, at)
        elif status == "DEACTIVATING":
            self._set(task, "STOPPING", at)
            timeout = max([c.stop_timeout for c in task.containers] or [ecs_runtime.DEFAULT_STOP_TIMEOUT])
            runtime.stop(task, at, timeout)
        elif status == "STOPPING":
            seen = runtime.status(task, at)
            self._observe_containers(task, seen)
            states = [seen.containers.get(c.name) for c in task.containers]
            if all(s is None or s.status == "STOPPED" for s in states):
                task.execution_stopped_at = max([s.since for s in states if s is not None] or [at])
                self._set(task, "DEPROVISIONING", at)
                task.attachment_status = "DETACHING"
                task.deprovision_until = at + float(ecs_runtime.SETTINGS["taskDeprovisionSeconds"])
        elif status == "DEPROVISIONING":
            runtime.release(task, at)
            self._release_network(task)
            self._set(task, "STOPPED", at)
            task.stopped_at = at
        changed = (task.last_status, task.version) != before
        if changed and group is not None:
            self.mark(group.owner, at)
        return changed

    def _observe_containers(self, task: Task, seen: Any) -> None:
        for spec in task.containers:
            state = seen.containers.get(spec.name)
            if state is not None:
                task.container_states[spec.name] = copy.copy(state)
        checked = [task.container_states.get(c.name) for c in task.containers if c.essential and c.health_check]
        if not checked:
            task.health_status = "UNKNOWN"
        elif any(s is not None and s.health == "UNHEALTHY" for s in checked):
            task.health_status = "UNHEALTHY"
        elif all(s is not None and s.health == "HEALTHY" for s in checked):
            task.health_status = "HEALTHY"
        else:
            task.health_status = "UNKNOWN"

    def _container_exited(self, task: Task, seen: Any, at: float) -> None:
        stopped = [
            seen.containers[c.name]
            for c in task.containers
            if c.essential and seen.containers.get(c.name) and seen.containers[c.name].status == "STOPPED"
        ]
        when = min([s.since for s in stopped] or [at])
        self.stop_task(task, when, "EssentialContainerExited", "Essential container in task exited")

    def _register(self, task: Task, group: TaskGroup | None, at: float) -> None:
        if group is None or not task.private_ip:
            return
        for lb in group.load_balancers:
            arn, port = lb.get("targetGroupArn"), int(lb.get("containerPort") or 0)
            if not arn:
                continue
            made = elbv2_targets.register(
                self.account,
                self.region,
                arn,
                [{"Id": task.private_ip, "Port": port}],
                at=at,
                source="ecs",
                task_arn=task.arn,
            )
            if made:
                task.registrations.append((arn, port))
                self.note(group, "registered", arn)

    def _deactivate(self, task: Task, at: float) -> None:
        group = self.groups.get(task.group_key)
        self._set(task, "DEACTIVATING", at)
        delay = 0.0
        for arn, port in task.registrations:
            backend_group = elbv2_targets._group(self.account, self.region, arn)
            elbv2_targets.deregister(self.account, self.region, arn, [{"Id": task.private_ip, "Port": port}], at=at)
            if backend_group is not None:
                delay = max(delay, elbv2_targets.deregistration_delay(backend_group))
                if group is not None:
                    self.note(group, "deregistered", arn)
        if task.registrations and group is not None:
            self.note(group, "draining", task.id)
        task.registrations = []
        task.deactivate_until = at + delay

    # ------------------------------------------------------------------------------------- health gates
    def evaluate(self, task: Task, at: float) -> None:
        """ECS's view of a running task's health at ``at``: the latch ``healthy_since`` and ``failing``."""
        if not (task.active and task.running):
            return
        group = self.groups.get(task.group_key)
        failure = None
        if task.health_status == "UNHEALTHY":
            failure = "Task failed container health checks"
        waiting = any(c.essential and c.health_check for c in task.containers) and task.health_status != "HEALTHY"
        for arn, port in task.registrations:
            state, reason, _description, _since = elbv2_targets.target_state(
                self.account, self.region, arn, task.private_ip or "", port, at
            )
            if state == "unhealthy" and failure is None:
                failure = f"Task failed ELB health checks in (target-group {arn})"
                if group is not None and (task.failing is None):
                    self.note(
                        group,
                        "unhealthy",
                        f"(task {task.id}) (port {port}) is unhealthy in (target-group {arn}) "
                        f"due to (reason {elbv2_targets.REASON_DESCRIPTIONS.get(reason or '', reason)})",
                    )
            if state not in PASSING_TARGET_STATES:
                waiting = True
        if group is not None and group.forced_failure and failure is None:
            failure = group.forced_failure
        if failure is not None:
            if task.failing is None:
                task.failing, task.failure_acted = (at, failure), False
                if group is not None:
                    self.mark(group.owner, at)
            return
        task.failing = None
        if not waiting and task.healthy_since is None:
            task.healthy_since = at
            task.version += 1
            if group is not None:
                if group.reset_failures_on_healthy:
                    group.failed_tasks = 0
                self.mark(group.owner, at)

    def failure_due(self, task: Task) -> float | None:
        """When the scheduler may act on ``task``'s failed health check (after the grace period)."""
        if task.failing is None or not task.active or task.failure_acted:
            return None
        group = self.groups.get(task.group_key)
        grace = group.health_check_grace_period if group else 0.0
        return max(task.failing[0], (task.started_at or task.failing[0]) + grace)

    def failed_health(self, task: Task, at: float) -> str | None:
        """The reason to replace ``task`` at ``at`` (a failed health check past the grace period), or None."""
        due = self.failure_due(task)
        return task.failing[1] if due is not None and due <= at and task.failing else None

    # ------------------------------------------------------------------------------------- the loop
    def next_due(self) -> float | None:
        """The earliest pending change (possibly before ``clock``: a group created in the past), or None."""
        candidates = list(self.dirty.values())
        for task in self.tasks.values():
            if task.last_status == "STOPPED":
                continue
            due = self._due(task, self.clock)
            if due is not None:
                candidates.append(due)
            failure = self.failure_due(task)
            if failure is not None:
                candidates.append(failure)
        target = elbv2_targets.next_change(self.account, self.region, self.clock)
        if target is not None:
            candidates.append(target)
        return min(candidates) if candidates else None

    def advance(self, now: float) -> bool:
        """Play everything due up to ``now`` in time order (see the module docstring); True if anything was."""
        played = False
        for _ in range(MAX_STEPS):
            due = self.next_due()
            if due is None or due > now:
                break
            self._play(due)
            self.clock = max(self.clock, due)
            played = True
        else:  # pragma: no cover - a runaway model is a bug; never hang a request on it
            LOG.error("ecs_tasks: more than %s steps up to %s, stopping", MAX_STEPS, now)
        self.clock = max(self.clock, now)
        self.prune(now)
        return played

    def _play(self, at: float) -> None:
        for task in list(self.tasks.values()):
            for _ in range(10):
                if task.last_status == "STOPPED":
                    break
                due = self._due(task, at)
                if due is None or due > at or not self._step(task, at):
                    break
        for task in list(self.tasks.values()):
            self.evaluate(task, at)
            due = self.failure_due(task)
            group = self.groups.get(task.group_key)
            if due is not None and due <= at and group is not None:
                self.mark(group.owner, at)  # the grace period is over: its scheduler decides now
        for owner, when in sorted(self.dirty.items(), key=lambda item: item[1]):
            if when <= at:
                del self.dirty[owner]
                self._schedule(owner, at)
        for task in self.tasks.values():
            due = self.failure_due(task)
            if due is not None and due <= at:
                task.failure_acted = True  # its owner has seen it; a new failure re-arms it
        self.flush(at)

    def _schedule(self, owner: str, at: float) -> None:
        prefix, _, key = owner.partition(":")
        if prefix == "group":
            for group in [g for g in self.groups.values() if g.owner == owner]:
                maintain(self, group, at)
            return
        scheduler = SCHEDULERS.get(prefix)
        if scheduler is None:
            return
        try:
            scheduler(self, key, at)
        except Exception:  # noqa: BLE001 - one broken scheduler must not stop the others
            LOG.exception("scheduler %s failed at %s", owner, at)

    def prune(self, now: float) -> None:
        by_group: dict[str, list[Task]] = {}
        for task in self.tasks.values():
            if task.last_status == "STOPPED":
                by_group.setdefault(task.group_key, []).append(task)
        for key, stopped in by_group.items():
            stopped.sort(key=lambda t: t.stopped_at or 0.0)
            for i, task in enumerate(stopped):
                if (task.stopped_at or 0.0) + STOPPED_RETENTION < now or i < len(stopped) - MAX_STOPPED_PER_GROUP:
                    del self.tasks[task.arn]
            group = self.groups.get(key)
            if group is not None and group.retired and not self.has_live_tasks(key) and not self.tasks_of(key):
                del self.groups[key]
        for key in [k for k, g in self.groups.items() if (g.retired or not g.replace) and not self.tasks_of(k)]:
            del self.groups[key]  # a retired group, or a RunTask whose stopped tasks are forgotten


def _messages(label: str, kind: str, items: list[str]) -> list[str]:
    prefix = f"({label})"
    if kind == "started":
        return [f"{prefix} has started {len(items)} tasks: {' '.join(f'(task {i})' for i in items)}."]
    if kind == "stopped":
        return [f"{prefix} has stopped {len(items)} running tasks: {' '.join(f'(task {i})' for i in items)}."]
    if kind == "draining":
        return [f"{prefix} has begun draining connections on {len(items)} tasks."]
    if kind in ("registered", "deregistered"):
        counts: dict[str, int] = {}
        for arn in items:
            counts[arn] = counts.get(arn, 0) + 1
        return [f"{prefix} {kind} {n} targets in (target-group {arn})" for arn, n in counts.items()]
    if kind == "unhealthy":
        return [f"{prefix} {item}." for item in items]
    return []


def maintain(model: TaskModel, group: TaskGroup, at: float) -> None:
    """The built-in owner: keep ``group`` at its desired count, replacing failed tasks (see the module docstring)."""
    tasks = model.tasks_of(group.key)
    if group.retired:
        for task in tasks:
            if task.desired_status == "RUNNING":
                model.stop_task(task, at, "ServiceSchedulerInitiated", group.retire_reason)
        group.steady_since = None
        return
    active = [t for t in tasks if t.desired_status == "RUNNING"]
    if group.replace:
        for task in active:
            reason = model.failed_health(task, at)
            if reason:
                group.failed_tasks += 1
                model.stop_task(task, at, "ServiceSchedulerInitiated", reason)
        active = [t for t in active if t.desired_status == "RUNNING"]
    surplus = len(active) - group.desired
    if surplus > 0:
        victims = sorted(active, key=lambda t: (t.running, t.healthy_since is not None, -t.created_at))[:surplus]
        for task in victims:
            model.stop_task(task, at, "ServiceSchedulerInitiated", group.retire_reason or _scale_in_reason(group))
            model.note(group, "stopped", task.id)
    elif surplus < 0 and (group.replace or not tasks) and group.launch_not_before <= at:
        model.launch(group, -surplus, at)
    update_steady(model, group, at)


def _scale_in_reason(group: TaskGroup) -> str:
    return f"Scaling activity initiated by (deployment {group.started_by or group.key})"


def update_steady(model: TaskModel, group: TaskGroup, at: float) -> None:
    tasks = model.tasks_of(group.key, live_only=True)
    healthy = [t for t in tasks if t.healthy]
    steady = not group.retired and len(healthy) == group.desired and len(tasks) == group.desired
    if steady and group.steady_since is None:
        group.steady_since = at
    elif not steady:
        group.steady_since = None


def _capacity_provider(group: TaskGroup) -> str | None:
    strategy = group.capacity_provider_strategy or []
    return strategy[0].get("capacityProvider") if strategy else None


def _platform(version: str | None) -> str:
    return FARGATE_PLATFORM if version in (None, "", "LATEST") else version


# ----------------------------------------------------------------------------------------------- access
def existing_backend(backends: Any, account: str, region: str) -> Any:
    """moto's backend for ``account`` and ``region`` if it exists (indexing would create it)."""
    by_account = dict.get(backends, account)
    return None if by_account is None else dict.get(by_account, region)


def model_for(account: str, region: str) -> TaskModel:
    return STORE.get((account, region), SERVICE, lambda: TaskModel(account, region))


def regions() -> list[tuple[str, str]]:
    pairs = [key for key, _value in STORE.items(SERVICE)]
    for account, by_region in ecs_backends.items():
        for region, backend in by_region.items():
            if any(s.task_sets for s in backend.services.values()):
                pairs.append((account, region))
    return sorted(set(pairs))


def find_task(model: TaskModel, ref: str, cluster_arn: str | None = None) -> Task | None:
    """A task by ARN or id (optionally within a cluster)."""
    for task in model.tasks.values():
        matches = ref in (task.arn, task.id) or task.arn.endswith("/" + ref)
        if matches and (cluster_arn is None or task.cluster_arn == cluster_arn):
            return task
    return None


def service_events(account: str, region: str, service_arn: str) -> list[dict[str, Any]]:
    with STORE.lock:
        return copy.deepcopy(model_for(account, region).events.get(service_arn, []))


def active_tasks(account: str, region: str, cluster_arn: str) -> list[Task]:
    with STORE.lock:
        return [t for t in model_for(account, region).tasks.values() if t.cluster_arn == cluster_arn and t.live]


# ----------------------------------------------------------------------------------------------- task sets
def group_for_task_set(model: TaskModel, service: Any, task_set: Any, at: float) -> TaskGroup:
    """The task group that mirrors a moto task set (created on first sight, kept in step after)."""
    desired = math.ceil(service.desired_count * float((task_set.scale or {}).get("value", 100.0)) / 100.0 - 1e-9)
    group = model.groups.get(task_set.task_set_arn)
    if group is None:  # ``at``: when the change is made (moto's createdAt is wall-clock time, not emulated)
        group = model.add_group(
            TaskGroup(
                key=task_set.task_set_arn,
                kind="taskset",
                cluster_arn=service.cluster_arn,
                task_definition_arn=task_set.task_definition,
                desired=desired,
                created_at=at,
                started_by=task_set.id,
                group_name=f"service:{service.name}",
                service_arn=service.arn,
                service_name=service.name,
                network_configuration=copy.deepcopy(task_set.network_configuration or service.network_configuration),
                load_balancers=copy.deepcopy(task_set.load_balancers or []),
                launch_type=task_set.launch_type or "FARGATE",
                capacity_provider_strategy=copy.deepcopy(task_set.capacity_provider_strategy or None),
                platform_version=task_set.platform_version,
                health_check_grace_period=_grace(model, service),
                label=f"service {service.name}, taskSet {task_set.id}",
                tags=[],
            ),
            at=at,
        )
    elif group.desired != desired and not group.retired:
        group.desired = desired
        model.mark(group.owner, at)
    group.load_balancers = copy.deepcopy(task_set.load_balancers or [])
    return group


def _grace(model: TaskModel, service: Any) -> float:
    for hook in GRACE_PERIODS:
        value = hook(model.account, model.region, service.arn)
        if value is not None:
            return float(value)
    return 0.0


# fn(account, region, service arn) -> healthCheckGracePeriodSeconds or None (ecs_service registers it)
GRACE_PERIODS: list[Callable[[str, str, str], float | None]] = []


def sync_task_sets(account: str, region: str, at: float | None = None) -> None:
    """Task groups follow moto's task sets (new, resized, deleted); their counts go back onto moto's objects."""
    at = reconcile.stamp() if at is None else at
    with STORE.lock:
        model = model_for(account, region)
        backend = existing_backend(ecs_backends, account, region)
        if backend is None:
            return
        seen: set[str] = set()
        for service in backend.services.values():
            if service.status != "ACTIVE":
                continue  # a deleted service's task sets run no tasks
            for task_set in service.task_sets:
                seen.add(task_set.task_set_arn)
                group_for_task_set(model, service, task_set, at)
        for group in list(model.groups.values()):
            if group.kind == "taskset" and group.key not in seen and not group.retired:
                model.retire_group(group.key, at, _scale_in_reason(group))
        project(model, backend, at)


def project(model: TaskModel, backend: Any, at: float) -> None:
    """Counts derived from the tasks, written where moto's own answers read them (task sets, services)."""
    for service in backend.services.values():
        if not service.task_sets and (service.deployment_controller or {}).get("type", "ECS") == "ECS":
            continue
        running = pending = 0
        for task_set in service.task_sets:
            group = model.groups.get(task_set.task_set_arn)
            counts = model.counts(task_set.task_set_arn) if group else Counts(0, 0, 0, 0)
            task_set.computed_desired_count = counts.desired
            task_set.running_count, task_set.pending_count = counts.running, counts.pending
            stability = "STEADY_STATE" if group is not None and group.steady_since is not None else "STABILIZING"
            if getattr(task_set, "stabilityStatus", None) != stability:
                task_set.stabilityStatus = stability
                task_set.stabilityStatusAt = iso(at)
            running += counts.running
            pending += counts.pending
        if (service.deployment_controller or {}).get("type", "ECS") != "ECS":
            service.running_count, service.pending_count = running, pending


# ----------------------------------------------------------------------------------------------- reconcile
def _advance_region(account: str, region: str, now: float) -> bool:
    backend = existing_backend(ecs_backends, account, region)
    if backend is None:  # no ECS call was ever made here: nothing to play
        return False
    model = model_for(account, region)
    if any(s.task_sets for s in backend.services.values()) or any(g.kind == "taskset" for g in model.groups.values()):
        sync_task_sets(account, region, now)
    played = model.advance(now)
    project(model, backend, now)
    return played


reconcile.participant("ecs-tasks", regions)(_advance_region)
# For a participant that must see the tasks as of ``now`` before an irreversible decision (a timeout).
catch_up = _advance_region


@before_request
def _catch_up(req: Request) -> None:
    """Every clock-driven model of the caller's account and region plays what is due before the answer."""
    reconcile.reconcile_region(req.account_id, req.region)


def _resolve(account: str, region: str, target: elbv2_targets.Target) -> elbv2_targets.Backend | None:
    """What is behind an IP target: one of our tasks (for the API health checker)."""
    model = STORE.get((account, region), SERVICE, lambda: TaskModel(account, region))
    task = model.tasks.get(target.task_arn or "")
    if task is None:
        task = next((t for t in model.tasks.values() if t.private_ip == target.id and t.live), None)
    if task is None:
        return None
    essential = [task.container_states.get(c.name) for c in task.containers if c.essential]
    down = [s.since for s in essential if s is not None and s.status == "STOPPED"]
    failing_since, failing_reason = task.target_failure if task.target_failure else (None, None)
    group = model.groups.get(task.group_key)
    if group is not None and group.forced_failure and failing_since is None:
        failing_since, failing_reason = task.pull_stopped_at, "Target.ResponseCodeMismatch"
    return elbv2_targets.Backend(
        up_since=task.pull_stopped_at,
        down_since=min(down) if down else None,
        failing_since=failing_since,
        failing_reason=failing_reason,
        images=tuple(c.image for c in task.containers),
    )


elbv2_targets.RESOLVERS[:] = [r for r in elbv2_targets.RESOLVERS if r.__module__ != __name__] + [_resolve]


# ----------------------------------------------------------------------------------------------- moto glue
def _wrap_task_set_method(name: str) -> None:
    original = getattr(EC2ContainerServiceBackend, name)
    if getattr(original, "__module__", "") == __name__:
        return

    def wrapper(self: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
        scale = kwargs.pop("scale", None) if name == "create_task_set" else None
        result = original(self, *args, **kwargs)  # moto would RunTask for a scale: the model starts the tasks
        if scale:
            result.scale = scale
        sync_task_sets(self.account_id, self.region_name)
        return result

    wrapper.__name__ = name
    wrapper.__module__ = __name__
    wrapper.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(EC2ContainerServiceBackend, name, wrapper)


for _name in ("create_task_set", "delete_task_set", "update_task_set", "update_service_primary_task_set"):
    _wrap_task_set_method(_name)


# ----------------------------------------------------------------------------------------------- answers
def task_json(task: Task, include_tags: bool = False) -> dict[str, Any]:
    """``task`` in the ECS API's Task shape."""
    details = [{"name": "subnetId", "value": task.subnet_id}] if task.subnet_id else []
    if task.eni_id:
        details += [
            {"name": "networkInterfaceId", "value": task.eni_id},
            {"name": "macAddress", "value": task.mac_address},
            {"name": "privateDnsName", "value": task.private_dns_name},
            {"name": "privateIPv4Address", "value": task.private_ip},
        ]
    containers = []
    for spec in task.containers:
        state = task.container_states.get(spec.name) or ContainerStatus()
        container: dict[str, Any] = {
            "containerArn": task.container_arns.get(spec.name),
            "taskArn": task.arn,
            "name": spec.name,
            "image": spec.image,
            "lastStatus": state.status if task.last_status != "STOPPED" or state.status == "STOPPED" else "STOPPED",
            "networkBindings": [],
            "networkInterfaces": (
                [{"attachmentId": task.attachment_id, "privateIpv4Address": task.private_ip}] if task.private_ip else []
            ),
            "healthStatus": state.health if spec.health_check else "UNKNOWN",
            "cpu": str(spec.cpu),
        }
        if state.image_digest:
            container["imageDigest"] = state.image_digest
        if state.runtime_id:
            container["runtimeId"] = state.runtime_id
        if state.exit_code is not None:
            container["exitCode"] = state.exit_code
        if state.reason:
            container["reason"] = state.reason
        if spec.memory is not None:
            container["memory"] = str(spec.memory)
        if spec.memory_reservation is not None:
            container["memoryReservation"] = str(spec.memory_reservation)
        containers.append(container)
    data: dict[str, Any] = {
        "attachments": [
            {
                "id": task.attachment_id,
                "type": "ElasticNetworkInterface",
                "status": task.attachment_status,
                "details": details,
            }
        ],
        "attributes": [{"name": "ecs.cpu-architecture", "value": "x86_64"}],
        "availabilityZone": task.availability_zone,
        "capacityProviderName": task.capacity_provider_name,
        "clusterArn": task.cluster_arn,
        "connectivity": "CONNECTED" if task.connectivity_at is not None and task.last_status != "STOPPED" else None,
        "connectivityAt": task.connectivity_at,
        "containers": containers,
        "cpu": task.cpu,
        "createdAt": task.created_at,
        "desiredStatus": task.desired_status,
        "enableExecuteCommand": task.enable_execute_command,
        "executionStoppedAt": task.execution_stopped_at,
        "group": task.group,
        "healthStatus": task.health_status,
        "lastStatus": task.last_status,
        "launchType": task.launch_type,
        "memory": task.memory,
        "overrides": copy.deepcopy(task.overrides),
        "platformVersion": task.platform_version,
        "platformFamily": "Linux",
        "pullStartedAt": task.pull_started_at,
        "pullStoppedAt": task.pull_stopped_at,
        "startedAt": task.started_at,
        "startedBy": task.started_by or None,
        "stopCode": task.stop_code,
        "stoppedAt": task.stopped_at,
        "stoppedReason": task.stopped_reason,
        "stoppingAt": task.stopping_at,
        "taskArn": task.arn,
        "taskDefinitionArn": task.task_definition_arn,
        "version": task.version,
        "ephemeralStorage": {"sizeInGiB": 20},
        "fargateEphemeralStorage": {"sizeInGiB": 20},
    }
    if task.connectivity_at is not None and task.last_status == "STOPPED":
        data["connectivity"] = "DISCONNECTED"
    if include_tags:
        data["tags"] = copy.deepcopy(task.tags)
    return {k: v for k, v in data.items() if v is not None}


def _cluster_arn(req: Request) -> str:
    backend = ecs_backends[req.account_id][req.region]
    name = str(req.param("cluster") or "default").split("/")[-1]
    cluster = backend.clusters.get(name)
    if cluster is None or getattr(cluster, "status", "ACTIVE") == "INACTIVE":
        raise AwsError("ClusterNotFoundException", "Cluster not found.")
    return cluster.arn


@handles("ecs", "DescribeTasks")
def describe_tasks(req: Request) -> dict[str, Any]:
    cluster_arn = _cluster_arn(req)
    refs = req.param("tasks")
    if not refs:
        raise AwsError("InvalidParameterException", "Tasks cannot be empty.")
    if len(refs) > 100:
        raise AwsError("InvalidParameterException", "Tasks cannot contain more than 100 elements.")
    include_tags = "TAGS" in (req.param("include") or [])
    with STORE.lock:
        model = model_for(req.account_id, req.region)
        tasks, failures = [], []
        for ref in refs:
            task = find_task(model, str(ref), cluster_arn)
            if task is None:
                arn = ref if str(ref).startswith("arn:") else req.arn("ecs", f"task/{cluster_arn.split('/')[-1]}/{ref}")
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                tasks.append(task_json(task, include_tags))
        return {"tasks": tasks, "failures": failures}


@handles("ecs", "ListTasks")
def list_tasks(req: Request) -> dict[str, Any]:
    cluster_arn = _cluster_arn(req)
    desired = req.param("desiredStatus") or "RUNNING"
    if desired not in ("RUNNING", "PENDING", "STOPPED"):
        raise AwsError("InvalidParameterException", f"Invalid desiredStatus: {desired}")
    max_results = req.param("maxResults")
    if max_results is not None and not 1 <= int(max_results) <= 100:
        raise AwsError("InvalidParameterException", "maxResults must be between 1 and 100.")
    service_name = req.param("serviceName")
    family = req.param("family")
    started_by = req.param("startedBy")
    launch_type = req.param("launchType")
    if req.param("containerInstance"):
        return {"taskArns": []}  # Fargate tasks run on no container instance
    with STORE.lock:
        backend = ecs_backends[req.account_id][req.region]
        group_filter = None
        if service_name:
            name = str(service_name).split("/")[-1]
            service = backend.services.get(f"{cluster_arn.split('/')[-1]}:{name}")
            if service is None:
                raise AwsError("ServiceNotFoundException", "Service not found.")
            group_filter = f"service:{name}"
        model = model_for(req.account_id, req.region)
        arns = []
        for task in sorted(model.tasks.values(), key=lambda t: (t.created_at, t.arn)):
            if task.cluster_arn != cluster_arn:
                continue
            if desired == "PENDING":
                continue  # "filtering by PENDING returns no results" (ListTasks API reference)
            if task.desired_status != desired:
                continue
            if group_filter and task.group != group_filter:
                continue
            if started_by and task.started_by != started_by:
                continue
            if family and task.task_definition_arn.split("/")[-1].rsplit(":", 1)[0] != family:
                continue
            if launch_type and task.launch_type != launch_type:
                continue
            arns.append(task.arn)
        size = int(max_results) if max_results else page_size(req, 100)
        page, token = paginate(arns, req.param("nextToken"), size, "InvalidParameterException")
        answer: dict[str, Any] = {"taskArns": page}
        if token:
            answer["nextToken"] = token
        return answer


@handles("ecs", "StopTask")
def stop_task(req: Request) -> dict[str, Any]:
    cluster_arn = _cluster_arn(req)
    ref = req.param("task")
    if not ref:
        raise AwsError("InvalidParameterException", "Task must be specified.")
    reason = req.param("reason") or "Task stopped by user"
    if len(reason) > 1024:
        raise AwsError("InvalidParameterException", "Reason must be 1024 characters or fewer.")
    with STORE.lock:
        model = model_for(req.account_id, req.region)
        task = find_task(model, str(ref), cluster_arn)
        if task is None:
            raise AwsError("InvalidParameterException", "The referenced task was not found.")
        at = reconcile.now()
        model.stop_task(task, at, "UserInitiated", reason)
        model.advance(at)
        return {"task": task_json(task)}


@handles("ecs", "RunTask")
def run_task(req: Request) -> dict[str, Any]:
    cluster_arn = _cluster_arn(req)
    backend = ecs_backends[req.account_id][req.region]
    definition_ref = req.require("taskDefinition")
    try:
        definition = backend.describe_task_definition(definition_ref)
    except Exception:  # noqa: BLE001 - moto's own not-found error
        raise AwsError("ClientException", "TaskDefinition not found.") from None
    if getattr(definition, "status", "ACTIVE") != "ACTIVE":
        raise AwsError("ClientException", "TaskDefinition is inactive")
    count = int(req.param("count", 1))
    if not 1 <= count <= 10:
        raise AwsError("InvalidParameterException", "count must be between 1 and 10.")
    launch_type = req.param("launchType")
    strategy = req.param("capacityProviderStrategy")
    if launch_type and strategy:
        raise AwsError(
            "InvalidParameterException", "Specify either a launch type or a capacity provider strategy, but not both."
        )
    cluster = backend.clusters[cluster_arn.split("/")[-1]]
    if not launch_type and not strategy:
        strategy = getattr(cluster, "default_capacity_provider_strategy", None) or None
    fargate = launch_type == "FARGATE" or any(
        (s.get("capacityProvider") or "") in ("FARGATE", "FARGATE_SPOT") for s in strategy or []
    )
    if not fargate:
        raise AwsError("InvalidParameterException", "No Container Instances were found in your cluster.")
    if "FARGATE" not in (definition.requires_compatibilities or []) and "FARGATE" not in definition.compatibilities:
        raise AwsError("InvalidParameterException", "Task definition does not support launch_type FARGATE.")
    network = req.param("networkConfiguration")
    if definition.network_mode == "awsvpc" and not (network or {}).get("awsvpcConfiguration", {}).get("subnets"):
        raise AwsError(
            "InvalidParameterException",
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
        )
    started_by = req.param("startedBy") or ""
    if len(started_by) > 128:
        raise AwsError("InvalidParameterException", "startedBy must be 128 characters or fewer.")
    at = reconcile.now()
    with STORE.lock:
        model = model_for(req.account_id, req.region)
        group = model.add_group(
            TaskGroup(
                key=f"run/{uuid.uuid4().hex}",
                kind="standalone",
                cluster_arn=cluster_arn,
                task_definition_arn=definition.arn,
                desired=count,
                created_at=at,
                started_by=started_by,
                group_name=req.param("group") or f"family:{definition.family}",
                network_configuration=copy.deepcopy(network),
                launch_type="FARGATE",
                capacity_provider_strategy=copy.deepcopy(strategy) if not launch_type else None,
                platform_version=req.param("platformVersion"),
                replace=False,
                tags=copy.deepcopy(req.param("tags") or []),
                overrides=copy.deepcopy(req.param("overrides") or {}),
                enable_execute_command=bool(req.param("enableExecuteCommand", False)),
            ),
            at=at,
        )
        tasks = model.launch(group, count, at)
        model.advance(at)
        return {"tasks": [task_json(t) for t in tasks], "failures": []}


@after("ecs", "DescribeClusters")
def cluster_task_counts(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A cluster's running and pending task counts are its tasks' (moto counts nothing for services)."""
    with STORE.lock:
        model = model_for(req.account_id, req.region)
        for cluster in body.get("clusters", []):
            tasks = [t for t in model.tasks.values() if t.cluster_arn == cluster.get("clusterArn")]
            cluster["runningTasksCount"] = sum(1 for t in tasks if t.last_status == "RUNNING")
            cluster["pendingTasksCount"] = sum(
                1 for t in tasks if t.desired_status == "RUNNING" and t.last_status in PENDING_STATES
            )
    return body


# ----------------------------------------------------------------------------------------------- /_emulator/tasks
def _summary(model: TaskModel, task: Task, now: float) -> dict[str, Any]:
    group = model.groups.get(task.group_key)
    targets = []
    for arn, port in task.registrations:
        state, reason, _d, _s = elbv2_targets.target_state(
            model.account, model.region, arn, task.private_ip or "", port, now
        )
        targets.append({"targetGroupArn": arn, "port": port, "state": state, "reason": reason})
    return {
        "account": model.account,
        "region": model.region,
        "taskArn": task.arn,
        "group": task.group_key,
        "kind": group.kind if group else None,
        "service": group.service_name if group else None,
        "startedBy": task.started_by,
        "image": [c.image for c in task.containers],
        "lastStatus": task.last_status,
        "desiredStatus": task.desired_status,
        "healthStatus": task.health_status,
        "healthy": task.healthy,
        "privateIpv4Address": task.private_ip,
        "stopCode": task.stop_code,
        "stoppedReason": task.stopped_reason,
        "targets": targets,
        "runtime": getattr(task.runtime, "name", None),
    }


@admin("tasks")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    reconcile.reconcile()
    now = reconcile.now()
    with STORE.lock:
        if method == "POST":
            payload = payload or {}
            action, ref = payload.get("action"), str(payload.get("task") or "")
            found = None
            for _key, model in STORE.items(SERVICE):
                task = find_task(model, ref)
                if task is not None:
                    found = (model, task)
                    break
            if found is None:
                raise AwsError("InvalidParameter", f"no such task: {ref!r}")
            model, task = found
            runtime = task.runtime
            if action == "exit":
                if not hasattr(runtime, "exit"):
                    raise AwsError("InvalidParameter", f"the {runtime.name} runtime cannot make a container exit")
                try:
                    runtime.exit(
                        task, now, int(payload.get("exitCode", 1)), payload.get("reason"), payload.get("container")
                    )
                except KeyError as err:
                    raise AwsError("InvalidParameter", f"no such container: {err}") from None
            elif action == "failHealthChecks":
                if not hasattr(runtime, "fail_health"):
                    raise AwsError("InvalidParameter", f"the {runtime.name} runtime cannot fail health checks")
                runtime.fail_health(task, now, payload.get("container"))
            elif action == "failTargetHealth":
                reason = payload.get("reason") or "Target.ResponseCodeMismatch"
                if reason not in elbv2_targets.FAILURE_REASONS:
                    raise AwsError("InvalidParameter", f"reason must be one of {list(elbv2_targets.FAILURE_REASONS)}")
                task.target_failure = (now, reason)
            else:
                raise AwsError("InvalidParameter", "action must be exit, failHealthChecks or failTargetHealth")
            group = model.groups.get(task.group_key)
            if group is not None:
                model.mark(group.owner, now)
            model.advance(now)
        tasks = []
        for _key, model in STORE.items(SERVICE):
            tasks.extend(_summary(model, t, now) for t in sorted(model.tasks.values(), key=lambda t: t.created_at))
        return {"runtime": ecs_runtime.RUNTIME.name, "tasks": tasks}
