# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared code of the fargatedemo.ecs_delivery CodeDeploy modules.

Three layers:

* pure functions (AppSpec builder, normalisers, lifecycle/traffic extraction, the release checkpoints,
  the poll loop with an injectable clock) that never touch AWS and are unit tested directly;
* one small function per AWS call (``@aws_call``, module_utils/errors.py), taking a client the module made
  with ``retry_decorator=AWSRetry.jittered_backoff()``, paging through ``paginated_query_with_retries``;
* ``follow()``: wait for a release checkpoint with backoff and return every progress line seen. The
  modules (``codedeploy_deployment``, ``codedeploy_deployment_info``) are the only callers; playbooks print.

Mutating calls stay in the modules, where check mode is decided right before each call.
"""

import hashlib
import json
import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)

from .elbv2 import describe_listener, live_target_group
from .errors import ModuleFailure, aws_call

# Deployment configurations AWS provides; never created or deleted by us.
PREDEFINED_CONFIG_PREFIX = "CodeDeployDefault."

# ECS blue/green lifecycle events in the order CodeDeploy runs them.
LIFECYCLE_EVENTS = (
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
)
# The events an AppSpec may attach a Lambda hook to (Install, AllowTestTraffic, AllowTraffic are
# run by CodeDeploy itself).
HOOK_EVENTS = ("BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic")

TERMINAL_STATUSES = ("Succeeded", "Failed", "Stopped")
IN_FLIGHT_STATUSES = ["Created", "Queued", "InProgress", "Baking", "Ready"]
DONE_EVENT_STATUSES = ("Succeeded", "Skipped")

# wait_until checkpoints, in order.
CHECKPOINTS = ("created", "ready", "traffic_shifted", "succeeded")


class CodeDeployError(ModuleFailure):
    """An error the module reports with fail_json (not an AWS API error)."""

    @property
    def msg(self):
        return self.message


# --------------------------------------------------------------------------------------------
# AppSpec
# --------------------------------------------------------------------------------------------


def build_appspec(
    task_definition_arn,
    container_name,
    container_port,
    platform_version=None,
    network_configuration=None,
    capacity_provider_strategy=None,
    hooks=None,
):
    """Return the AppSpec (a dict) of an ECS blue/green deployment.

    ``network_configuration``: {"subnets": [...], "security_groups": [...], "assign_public_ip": bool}
    ``capacity_provider_strategy``: [{"capacity_provider": str, "weight": int, "base": int}]
    ``hooks``: {"BeforeInstall": "fn-name-or-arn", ...}
    """
    properties = {
        "TaskDefinition": task_definition_arn,
        "LoadBalancerInfo": {"ContainerName": container_name, "ContainerPort": int(container_port)},
    }
    if platform_version:
        properties["PlatformVersion"] = platform_version
    if network_configuration:
        awsvpc = {}
        if network_configuration.get("subnets"):
            awsvpc["Subnets"] = list(network_configuration["subnets"])
        if network_configuration.get("security_groups"):
            awsvpc["SecurityGroups"] = list(network_configuration["security_groups"])
        if network_configuration.get("assign_public_ip") is not None:
            awsvpc["AssignPublicIp"] = "ENABLED" if network_configuration["assign_public_ip"] else "DISABLED"
        if awsvpc:
            properties["NetworkConfiguration"] = {"AwsvpcConfiguration": awsvpc}
    if capacity_provider_strategy:
        strategy = []
        for item in capacity_provider_strategy:
            entry = {"CapacityProvider": item["capacity_provider"]}
            if item.get("base") is not None:
                entry["Base"] = int(item["base"])
            if item.get("weight") is not None:
                entry["Weight"] = int(item["weight"])
            strategy.append(entry)
        properties["CapacityProviderStrategy"] = strategy
    appspec = {
        "version": 0.0,
        "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": properties}}],
    }
    if hooks:
        unknown = sorted(set(hooks) - set(HOOK_EVENTS))
        if unknown:
            raise CodeDeployError(
                "hooks: unknown lifecycle event(s) {}; hooks may be attached to {}".format(
                    ", ".join(unknown), ", ".join(HOOK_EVENTS)
                )
            )
        appspec["Hooks"] = [{event: hooks[event]} for event in HOOK_EVENTS if hooks.get(event)]
    return appspec


def appspec_revision(appspec):
    """The CreateDeployment ``revision`` for an AppSpec dict: JSON content and its sha256."""
    content = json.dumps(appspec, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return {"revisionType": "AppSpecContent", "appSpecContent": {"content": content, "sha256": digest}}


def task_definition_of_revision(revision):
    """The TaskDefinition an AppSpecContent revision deploys (None when it cannot be told)."""
    content = ((revision or {}).get("appSpecContent") or {}).get("content")
    if not content:
        return None
    try:
        appspec = json.loads(content)
    except ValueError:
        try:
            import yaml  # AppSpec content may be YAML too

            appspec = yaml.safe_load(content)
        except Exception:  # pylint: disable=broad-except
            return None
    try:
        for resource in appspec.get("Resources") or []:
            for value in resource.values():
                if value.get("Type") == "AWS::ECS::Service":
                    return value.get("Properties", {}).get("TaskDefinition")
    except AttributeError:
        return None
    return None


def check_container(task_definition, container_name, container_port, label=None):
    """Raise CodeDeployError unless ``container_name`` exists and maps ``container_port``.

    ``task_definition`` is a describe_task_definition()["taskDefinition"] or a RegisterTaskDefinition
    request dict (both have ``containerDefinitions``).
    """
    label = label or task_definition.get("taskDefinitionArn") or task_definition.get("family") or "task definition"
    containers = task_definition.get("containerDefinitions") or []
    names = [c.get("name") for c in containers]
    matching = [c for c in containers if c.get("name") == container_name]
    if not matching:
        raise CodeDeployError(
            "container_name '{}' is not a container of {} (its containers: {}); the AppSpec's "
            "LoadBalancerInfo.ContainerName must name a container of the task definition".format(
                container_name, label, ", ".join(str(n) for n in names) or "none"
            )
        )
    ports = [int(p["containerPort"]) for p in matching[0].get("portMappings") or [] if p.get("containerPort")]
    if int(container_port) not in ports:
        raise CodeDeployError(
            "container '{}' of {} does not expose containerPort {} (its port mappings: {}); "
            "container_port must be one of them".format(
                container_name, label, container_port, ", ".join(str(p) for p in ports) or "none"
            )
        )


# --------------------------------------------------------------------------------------------
# Deployment groups
# --------------------------------------------------------------------------------------------


def deployment_group_request(params):
    """The CreateDeploymentGroup/UpdateDeploymentGroup fields (less names and tags) from module params."""
    pair = {"targetGroups": [{"name": n} for n in params["target_group_names"]]}
    pair["prodTrafficRoute"] = {"listenerArns": list(params["prod_listener_arns"])}
    if params.get("test_listener_arns"):
        pair["testTrafficRoute"] = {"listenerArns": list(params["test_listener_arns"])}
    ready = {"actionOnTimeout": params["deployment_ready_action"]}
    if params["deployment_ready_action"] == "STOP_DEPLOYMENT":
        ready["waitTimeInMinutes"] = int(params.get("deployment_ready_wait_minutes") or 0)
    events = list(params.get("auto_rollback_events") or [])
    alarms = list(params.get("alarms") or [])
    request = {
        "serviceRoleArn": params["service_role_arn"],
        "deploymentConfigName": params["deployment_config_name"],
        "deploymentStyle": {"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        "blueGreenDeploymentConfiguration": {
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "TERMINATE",
                "terminationWaitTimeInMinutes": int(params["termination_wait_minutes"]),
            },
            "deploymentReadyOption": ready,
        },
        "loadBalancerInfo": {"targetGroupPairInfoList": [pair]},
        "ecsServices": [{"serviceName": params["ecs_service"], "clusterName": params["ecs_cluster"]}],
        "autoRollbackConfiguration": {"enabled": bool(events), "events": events},
        "alarmConfiguration": {
            "enabled": bool(alarms),
            "ignorePollAlarmFailure": bool(params.get("alarm_ignore_poll_failure")),
            "alarms": [{"name": a} for a in alarms],
        },
    }
    return request


def _cluster_name(value):
    # AWS returns the cluster name; accept an ARN too when comparing.
    return value.split("/")[-1] if value and value.startswith("arn:") else value


def normalise_deployment_group(group):
    """A comparable view of a deployment group (GetDeploymentGroup's deploymentGroupInfo or a request)."""
    group = group or {}
    bg = group.get("blueGreenDeploymentConfiguration") or {}
    terminate = bg.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    ready = bg.get("deploymentReadyOption") or {}
    action = ready.get("actionOnTimeout") or "CONTINUE_DEPLOYMENT"
    pairs = []
    for pair in (group.get("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or []:
        pairs.append(
            {
                "target_groups": [tg.get("name") for tg in pair.get("targetGroups") or []],
                "prod_listener_arns": sorted((pair.get("prodTrafficRoute") or {}).get("listenerArns") or []),
                "test_listener_arns": sorted((pair.get("testTrafficRoute") or {}).get("listenerArns") or []),
            }
        )
    rollback = group.get("autoRollbackConfiguration") or {}
    rollback_enabled = bool(rollback.get("enabled"))
    alarm = group.get("alarmConfiguration") or {}
    alarm_names = sorted(a.get("name") for a in alarm.get("alarms") or [])
    alarm_enabled = bool(alarm.get("enabled")) and bool(alarm_names)
    style = group.get("deploymentStyle") or {}
    return {
        "service_role_arn": group.get("serviceRoleArn"),
        "deployment_config_name": group.get("deploymentConfigName") or "CodeDeployDefault.ECSAllAtOnce",
        "deployment_type": style.get("deploymentType"),
        "deployment_option": style.get("deploymentOption"),
        "termination_action": terminate.get("action") or "TERMINATE",
        "termination_wait_minutes": int(terminate.get("terminationWaitTimeInMinutes") or 0),
        "deployment_ready_action": action,
        "deployment_ready_wait_minutes": int(ready.get("waitTimeInMinutes") or 0) if action == "STOP_DEPLOYMENT" else 0,
        "target_group_pairs": pairs,
        "ecs_services": sorted(
            "{}/{}".format(_cluster_name(s.get("clusterName")), s.get("serviceName"))
            for s in group.get("ecsServices") or []
        ),
        "auto_rollback_events": sorted(rollback.get("events") or []) if rollback_enabled else [],
        "alarms": alarm_names if alarm_enabled else [],
        "alarm_ignore_poll_failure": bool(alarm.get("ignorePollAlarmFailure")) if alarm_enabled else False,
    }


# --------------------------------------------------------------------------------------------
# Deployments: extraction of lifecycle, traffic and checkpoints
# --------------------------------------------------------------------------------------------


def _iso(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def ecs_target_of(targets):
    """The ecsTarget of BatchGetDeploymentTargets' deploymentTargets (ECS deployments have one)."""
    for target in targets or []:
        if target.get("ecsTarget"):
            return target["ecsTarget"]
    return {}


def lifecycle_events(ecs_target):
    """[{name, status, start_time, end_time}] in CodeDeploy's order (unknown names at the end)."""
    events = list(ecs_target.get("lifecycleEvents") or [])
    order = {name: i for i, name in enumerate(LIFECYCLE_EVENTS)}
    events.sort(key=lambda e: order.get(e.get("lifecycleEventName"), len(order)))
    result = []
    for event in events:
        item = {
            "name": event.get("lifecycleEventName"),
            "status": event.get("status"),
            "start_time": _iso(event.get("startTime")),
            "end_time": _iso(event.get("endTime")),
        }
        diagnostics = event.get("diagnostics") or {}
        if diagnostics.get("message") or diagnostics.get("errorCode"):
            item["diagnostics"] = {"error_code": diagnostics.get("errorCode"), "message": diagnostics.get("message")}
        result.append(item)
    return result


def task_sets(ecs_target):
    """[{identifier, label, status, traffic_weight, target_group, desired/pending/running count}]."""
    result = []
    for ts in ecs_target.get("taskSetsInfo") or []:
        result.append(
            {
                # The API spells it "identifer"; accept the correct spelling too.
                "identifier": ts.get("identifer") or ts.get("identifier"),
                "label": ts.get("taskSetLabel"),
                "status": ts.get("status"),
                "traffic_weight": ts.get("trafficWeight"),
                "target_group": (ts.get("targetGroup") or {}).get("name"),
                "desired_count": ts.get("desiredCount"),
                "pending_count": ts.get("pendingCount"),
                "running_count": ts.get("runningCount"),
            }
        )
    return result


def live_target_group_from_task_sets(sets):
    """The target group serving production according to taskSetsInfo (trafficWeight 100, else PRIMARY)."""
    full = [ts for ts in sets if ts.get("traffic_weight") is not None and float(ts["traffic_weight"]) >= 100]
    if len(full) == 1:
        return full[0].get("target_group")
    primary = [ts for ts in sets if ts.get("status") == "PRIMARY"]
    if len(primary) == 1:
        return primary[0].get("target_group")
    return None


def event_status(events, name):
    for event in events:
        if event["name"] == name:
            return event["status"]
    return None


def checkpoint_reached(checkpoint, deployment, events):
    """Has a deployment (BatchGetDeployments' deploymentInfo) reached a wait_until checkpoint?"""
    status = deployment.get("status")
    if checkpoint == "created":
        return True
    if status == "Succeeded":
        return True
    if status in TERMINAL_STATUSES:
        return False
    if checkpoint == "ready":
        if status == "Ready":
            return True
        return all(
            event_status(events, e) in DONE_EVENT_STATUSES for e in ("AllowTestTraffic", "AfterAllowTestTraffic")
        )
    if checkpoint == "traffic_shifted":
        if deployment.get("instanceTerminationWaitTimeStarted"):
            return True
        return event_status(events, "AllowTraffic") == "Succeeded"
    return False


def continue_wait_type(deployment, events):
    """READY_WAIT, TERMINATION_WAIT or None: what a ContinueDeployment would end for this deployment."""
    status = deployment.get("status")
    if status == "Ready":
        return "READY_WAIT"
    if status == "InProgress" and (
        deployment.get("instanceTerminationWaitTimeStarted")
        or (
            event_status(events, "AllowTraffic") == "Succeeded"
            and event_status(events, "AfterAllowTraffic") in DONE_EVENT_STATUSES
        )
    ):
        return "TERMINATION_WAIT"
    return None


def progress_line(summary):
    """One human line: '<id> <status> | BeforeInstall ok, Install ... | tg1 0% tg2 100%'."""
    marks = {"Succeeded": "ok", "InProgress": "...", "Failed": "FAILED", "Skipped": "skipped", "Pending": "-"}
    events = ", ".join(
        "{} {}".format(e["name"], marks.get(e["status"], e["status"])) for e in summary.get("lifecycle_events") or []
    )
    traffic = " ".join(
        "{} {}%".format(ts.get("target_group"), ts.get("traffic_weight"))
        for ts in summary.get("task_sets") or []
        if ts.get("target_group")
    )
    parts = ["{} {}".format(summary.get("deployment_id"), summary.get("status"))]
    if summary.get("status") == "InProgress" and summary.get("waiting_for"):
        parts[0] += " (waiting: {})".format(summary["waiting_for"])
    if events:
        parts.append(events)
    if traffic:
        parts.append(traffic)
    if summary.get("live_target_group"):
        parts.append("live: {}".format(summary["live_target_group"]))
    return " | ".join(parts)


def summarise(deployment, targets=None, live=None):
    """The result shape shared by codedeploy_deployment and codedeploy_deployment_info (snake_case)."""
    ecs_target = ecs_target_of(targets)
    events = lifecycle_events(ecs_target)
    sets = task_sets(ecs_target)
    rollback = deployment.get("rollbackInfo") or {}
    error = deployment.get("errorInformation") or {}
    overview = deployment.get("deploymentOverview") or {}
    wait_type = continue_wait_type(deployment, events)
    summary = {
        "deployment_id": deployment.get("deploymentId"),
        "application_name": deployment.get("applicationName"),
        "deployment_group_name": deployment.get("deploymentGroupName"),
        "deployment_config_name": deployment.get("deploymentConfigName"),
        "status": deployment.get("status"),
        "description": deployment.get("description"),
        "creator": deployment.get("creator"),
        "create_time": _iso(deployment.get("createTime")),
        "start_time": _iso(deployment.get("startTime")),
        "complete_time": _iso(deployment.get("completeTime")),
        "task_definition_arn": task_definition_of_revision(deployment.get("revision")),
        "error": {"code": error.get("code"), "message": error.get("message")} if error else None,
        "lifecycle_events": events,
        "deployment_overview": {k.lower(): v for k, v in overview.items()},
        "task_sets": sets,
        "traffic_weights": {ts["target_group"]: ts["traffic_weight"] for ts in sets if ts.get("target_group")},
        "live_target_group": live or live_target_group_from_task_sets(sets),
        "termination_wait_started": bool(deployment.get("instanceTerminationWaitTimeStarted")),
        "waiting_for": wait_type,
        "rollback_deployment_id": rollback.get("rollbackDeploymentId"),
        "rollback_triggering_deployment_id": rollback.get("rollbackTriggeringDeploymentId"),
        "rollback_message": rollback.get("rollbackMessage"),
        "finished": deployment.get("status") in TERMINAL_STATUSES,
    }
    summary["progress"] = progress_line(summary)
    return summary


# --------------------------------------------------------------------------------------------
# Poll loop
# --------------------------------------------------------------------------------------------


def backoff_delays(initial=2.0, factor=1.5, maximum=30.0):
    """2, 3, 4.5, ... capped at ``maximum`` seconds, forever."""
    delay = float(initial)
    while True:
        yield min(delay, maximum)
        delay = min(delay * factor, maximum)


def poll(fetch, done, timeout, initial=2.0, maximum=30.0, sleep=None, clock=None):
    """Call ``fetch()`` until ``done(state)`` or ``timeout`` seconds pass.

    Returns (state, timed_out). ``done`` returns True to stop. Never sleeps past the deadline.
    ``sleep``/``clock`` default to time.sleep/time.monotonic, looked up at call time (tests patch them).
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + float(timeout)
    delays = backoff_delays(initial=initial, maximum=maximum)
    while True:
        state = fetch()
        if done(state):
            return state, False
        remaining = deadline - clock()
        if remaining <= 0:
            return state, True
        sleep(min(next(delays), remaining))


# --------------------------------------------------------------------------------------------
# AWS calls (clients wrapped with AWSRetry.jittered_backoff(); each names what failed)
# --------------------------------------------------------------------------------------------


@aws_call("get CodeDeploy application {name}", missing="ApplicationDoesNotExistException")
def get_application(client, name):
    """GetApplication's application, or None when the application does not exist."""
    return client.get_application(applicationName=name, aws_retry=True)["application"]


@aws_call("get deployment configuration {name}", missing="DeploymentConfigDoesNotExistException")
def get_deployment_config(client, name):
    """deploymentConfigInfo, or None when the deployment configuration does not exist."""
    return client.get_deployment_config(deploymentConfigName=name, aws_retry=True)["deploymentConfigInfo"]


@aws_call(
    "get deployment group {group_name} of application {application_name}",
    missing=["DeploymentGroupDoesNotExistException", "ApplicationDoesNotExistException"],
)
def get_deployment_group(client, application_name, group_name):
    """deploymentGroupInfo or None when the application or the group does not exist."""
    return client.get_deployment_group(
        applicationName=application_name, deploymentGroupName=group_name, aws_retry=True
    )["deploymentGroupInfo"]


@aws_call("get deployment {deployment_id}", missing="DeploymentDoesNotExistException")
def get_deployment(client, deployment_id):
    """deploymentInfo, or None when there is no such deployment."""
    return client.get_deployment(deploymentId=deployment_id, aws_retry=True)["deploymentInfo"]


@aws_call("read the targets of deployment {deployment_id}", missing="DeploymentNotStartedException", default=[])
def get_targets(client, deployment_id):
    """BatchGetDeploymentTargets for all targets of a deployment ([] before CodeDeploy created them)."""
    ids = paginated_query_with_retries(client, "list_deployment_targets", deploymentId=deployment_id).get("targetIds")
    targets = []
    for start in range(0, len(ids or []), 25):
        answer = client.batch_get_deployment_targets(
            deploymentId=deployment_id, targetIds=ids[start : start + 25], aws_retry=True
        )
        targets.extend(answer.get("deploymentTargets") or [])
    return targets


@aws_call("list the deployments of deployment group {group_name}")
def in_flight_deployments(client, application_name, group_name):
    """deploymentInfo of the group's deployments that are not finished, newest first."""
    ids = paginated_query_with_retries(
        client,
        "list_deployments",
        applicationName=application_name,
        deploymentGroupName=group_name,
        includeOnlyStatuses=list(IN_FLIGHT_STATUSES),
    ).get("deployments")
    infos = []
    for start in range(0, len(ids or []), 25):
        answer = client.batch_get_deployments(deploymentIds=ids[start : start + 25], aws_retry=True)
        infos.extend(answer.get("deploymentsInfo") or [])
    infos.sort(key=lambda d: _iso(d.get("createTime")) or "", reverse=True)
    return infos


@aws_call("describe ECS service {service} of cluster {cluster}")
def live_task_definition(ecs, cluster, service):
    """The task definition ARN serving a CODE_DEPLOY service: PRIMARY task set's, else the service's."""
    answer = ecs.describe_services(cluster=cluster, services=[service], aws_retry=True)
    services = [s for s in answer.get("services") or [] if s.get("status") != "INACTIVE"]
    if not services:
        return None
    svc = services[0]
    for ts in svc.get("taskSets") or []:
        if ts.get("status") == "PRIMARY":
            return ts.get("taskDefinition")
    return svc.get("taskDefinition")


def live_target_group_from_listener(elbv2, listener_arn):
    """The target group name the production listener's default action forwards to (module_utils/elbv2.py)."""
    for listener in describe_listener(elbv2, listener_arn):
        live = live_target_group(listener.get("DefaultActions"))
        if live:
            return live
    return None


def prod_listener_of(group):
    for pair in ((group or {}).get("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or []:
        arns = (pair.get("prodTrafficRoute") or {}).get("listenerArns") or []
        if arns:
            return arns[0]
    return None


def ecs_service_of(group):
    services = (group or {}).get("ecsServices") or []
    if not services:
        return None, None
    return _cluster_name(services[0].get("clusterName")), services[0].get("serviceName")


def summarise_read(client, deployment_id, deployment, elbv2=None, listener_arn=None):
    """summarise() of a deployment already read (its deploymentInfo), reading its targets and, when given,
    the live listener."""
    targets = get_targets(client, deployment_id)
    live = None
    if elbv2 is not None and listener_arn:
        live = live_target_group_from_listener(elbv2, listener_arn)
    return summarise(deployment, targets, live)


def describe(client, deployment_id, elbv2=None, listener_arn=None):
    """(deploymentInfo, summarise_read()) of one deployment; CodeDeployError when it does not exist."""
    deployment = get_deployment(client, deployment_id)
    if deployment is None:
        raise CodeDeployError(f"Deployment {deployment_id} does not exist")
    return deployment, summarise_read(client, deployment_id, deployment, elbv2, listener_arn)


# --------------------------------------------------------------------------------------------
# Following a release to a checkpoint (the one place this is decided)
# --------------------------------------------------------------------------------------------


def follow(client, deployment_id, checkpoint, timeout, elbv2=None, listener_arn=None, poll_max_delay=15):
    """Poll a deployment until ``checkpoint`` (or a final status) or ``timeout`` seconds.

    Returns ``(deployment, summary, reached, timed_out, history)``; ``history`` holds one entry per change of
    the progress line ({"elapsed_seconds", "status", "progress"}), in order: every lifecycle step seen.
    ``timeout`` 0 reads once and reaches only ``created``.
    """
    started = time.monotonic()
    history = []

    def fetch():
        state = describe(client, deployment_id)
        line = state[1]["progress"]
        if not history or history[-1]["progress"] != line:
            elapsed = round(time.monotonic() - started, 1)
            history.append({"elapsed_seconds": elapsed, "status": state[1]["status"], "progress": line})
        return state

    def done(state):
        deployment, summary = state
        return summary["finished"] or checkpoint_reached(checkpoint, deployment, summary["lifecycle_events"])

    if checkpoint == "created" or timeout <= 0:
        timed_out = False
        fetch()
    else:
        _state, timed_out = poll(fetch, done, timeout, maximum=poll_max_delay)
    deployment, summary = describe(client, deployment_id, elbv2, listener_arn)
    reached = checkpoint_reached(checkpoint, deployment, summary["lifecycle_events"])
    if checkpoint != "created" and timeout <= 0:
        reached = False
    return deployment, summary, reached, timed_out, history


def outcome(summary, checkpoint, reached, timeout):
    """(ok, message) of a followed release: failed or stopped, short of the checkpoint in time, or reached."""
    deployment_id, status = summary.get("deployment_id"), summary.get("status")
    live = summary.get("live_target_group") or "?"
    if status in ("Failed", "Stopped"):
        error = summary.get("error") or {}
        why = error.get("message") or error.get("code")
        msg = f"Deployment {deployment_id} is {status}"
        if why:
            msg += f" ({why})"
        if summary.get("rollback_deployment_id"):
            msg += " and was rolled back by {}".format(summary["rollback_deployment_id"])
        return False, f"{msg}. Production traffic goes to {live}."
    if not reached:
        return False, (
            f"Deployment {deployment_id} is {status} and did not reach '{checkpoint}' within {timeout} s; "
            f"it goes on. Production traffic goes to {live}."
        )
    return True, f"Deployment {deployment_id} reached '{checkpoint}' ({status}); production traffic goes to {live}."


# --------------------------------------------------------------------------------------------
# Tags (applications and deployment groups)
# --------------------------------------------------------------------------------------------


def resource_arn(module, kind, name):
    """arn:<partition>:codedeploy:<region>:<account>:<kind>:<name> (kind: application, deploymentgroup)."""
    account_id, partition = get_aws_account_info(module)
    return f"arn:{partition}:codedeploy:{module.region}:{account_id}:{kind}:{name}"


@aws_call("list the tags of {arn}")
def current_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=arn, aws_retry=True).get("Tags"))


@aws_call("tag {arn}")
def tag_resource(client, arn, tags):
    client.tag_resource(ResourceArn=arn, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)


@aws_call("untag {arn}")
def untag_resource(client, arn, keys):
    client.untag_resource(ResourceArn=arn, TagKeys=list(keys), aws_retry=True)


def sync_tags(module, client, arn, desired, purge):
    """Make the resource's tags match; returns (changed, before, after). Check mode decided before each call."""
    before = current_tags(client, arn)
    to_set, to_unset = compare_aws_tags(before, desired or {}, purge_tags=purge)
    after = {k: v for k, v in before.items() if k not in to_unset}
    after.update(to_set)
    if to_unset and not module.check_mode:
        untag_resource(client, arn, to_unset)
    if to_set and not module.check_mode:
        tag_resource(client, arn, to_set)
    return bool(to_set or to_unset), before, after
