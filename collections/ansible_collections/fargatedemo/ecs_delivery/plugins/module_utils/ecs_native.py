# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared code of the ECS-native deployment modules (blue/green, linear, canary; lifecycle hooks).

Used by ``ecs_service`` (the deployment configuration and ``advancedConfiguration`` it manages compare-first),
``ecs_service_deployment`` (continue or stop a service deployment) and ``ecs_service_deployment_info`` (read and
follow one). Three layers, as in ``codedeploy.py``:

* pure functions: the options' validation against the ranges of the ECS API reference (DeploymentConfiguration,
  LinearConfiguration, CanaryConfiguration, DeploymentLifecycleHook, AdvancedConfiguration), the request shapes,
  the comparison of what a user set with what DescribeServices reports, the summary and one-line progress of a
  service deployment, and the release checkpoints;
* one small function per AWS read (``@aws_call``), on a client made with ``AWSRetry.jittered_backoff()``;
* ``follow()``: poll a service deployment with backoff until a checkpoint, a final status, a hook that waits
  for ContinueServiceDeployment, or the timeout, and return every progress line seen.

Mutating calls (UpdateService, StopServiceDeployment, ContinueServiceDeployment) stay in the modules, where
check mode is decided right before each call.
"""

import copy
import time

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn

from .codedeploy import poll
from .elbv2 import target_group_name
from .errors import ModuleFailure, aws_call

STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
NATIVE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")
# DeploymentLifecycleHookStage: where a hook may run.
HOOK_STAGES = (
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
)
# "PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages."
LAMBDA_ONLY_STAGES = ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")
# ServiceDeploymentLifecycleStage, in the order a deployment goes through them.
LIFECYCLE_STAGES = (
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
IN_PROGRESS_STATUSES = ("PENDING", "IN_PROGRESS")
ROLLING_BACK_STATUSES = ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED")
ACTIVE_STATUSES = IN_PROGRESS_STATUSES + ROLLING_BACK_STATUSES
TERMINAL_STATUSES = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
MAX_MINUTES = 1440  # bakeTimeInMinutes, stepBakeTimeInMinutes, canaryBakeTimeInMinutes: 0-1440
HOOK_TIMEOUT_MINUTES = (1, 20160)  # DeploymentLifecycleHookDuration
# AWS's defaults of what DescribeServices may leave out (compared as if reported).
SHIFT_DEFAULTS = {
    "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6},
    "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10},
}
HOOK_TIMEOUT_DEFAULT = {"timeoutInMinutes": 1440, "action": "ROLLBACK"}
# DescribeServiceDeployments / DescribeServiceRevisions take up to 20 ARNs.
DESCRIBE_BATCH = 20

# wait_until checkpoints of a release, in order (decided by checkpoint_reached()).
CHECKPOINTS = (
    "started",
    "scaled_up",
    "test_traffic_shifted",
    "production_traffic_shifting",
    "production_traffic_shifted",
    "successful",
)


class NativeDeploymentError(ModuleFailure):
    """A failure the modules report with fail_json (not an AWS API error)."""


# --------------------------------------------------------------------------------------------
# Validation of the module options (before any AWS call)
# --------------------------------------------------------------------------------------------


def _arn(value, service, prefixes):
    """Whether ``value`` is an ARN of ``service`` whose resource starts with one of ``prefixes``."""
    try:
        parsed = parse_aws_arn(value)
    except (TypeError, AttributeError):
        return False
    if not parsed or parsed.get("service") != service:
        return False
    return any(str(parsed.get("resource") or "").startswith(p) for p in prefixes)


def _minutes_problem(value, option, low=0, high=MAX_MINUTES):
    if value is None or low <= value <= high:
        return []
    return [f"{option} must be from {low} to {high} minutes, not {value}"]


def _percent_problem(value, option, low):
    if value is None:
        return []
    tenths = float(value) * 10
    if low <= float(value) <= 100.0 and abs(tenths - round(tenths)) < 1e-6:
        return []
    return [f"{option} must be a multiple of 0.1 from {low} to 100.0, not {value}"]


def hook_problems(hooks, option="deployment_configuration.lifecycle_hooks"):
    """Messages for the lifecycle hooks (module option shape) AWS would refuse."""
    problems = []
    for index, hook in enumerate(hooks or []):
        where = f"{option}[{index}]"
        kind = hook.get("target_type") or "AWS_LAMBDA"
        stages = hook.get("lifecycle_stages") or []
        if not stages:
            problems.append(f"{where}.lifecycle_stages needs at least one of {', '.join(HOOK_STAGES)}")
        if kind == "PAUSE":
            bad = [s for s in stages if s in LAMBDA_ONLY_STAGES]
            if bad:
                problems.append(
                    f"{where}: a PAUSE hook cannot run at {', '.join(bad)} (only AWS_LAMBDA hooks can); "
                    f"use PRE_PRODUCTION_TRAFFIC_SHIFT or POST_TEST_TRAFFIC_SHIFT, for instance"
                )
            for key in ("hook_target_arn", "hook_details"):
                if hook.get(key) is not None:
                    problems.append(f"{where}.{key} does not apply to a PAUSE hook")
        else:
            if not _arn(hook.get("hook_target_arn"), "lambda", ("function:",)):
                problems.append(
                    f"{where}.hook_target_arn must be a Lambda function ARN for an AWS_LAMBDA hook, "
                    f"not {hook.get('hook_target_arn')!r}"
                )
            if not _arn(hook.get("role_arn"), "iam", ("role/",)):
                problems.append(
                    f"{where}.role_arn must be the ARN of an IAM role ECS assumes to invoke the function, "
                    f"not {hook.get('role_arn')!r}"
                )
        timeout = hook.get("timeout_configuration") or {}
        low, high = HOOK_TIMEOUT_MINUTES
        problems += _minutes_problem(
            timeout.get("timeout_in_minutes"), f"{where}.timeout_configuration.timeout_in_minutes", low, high
        )
    return problems


def advanced_problems(load_balancers, strategy):
    """Messages for load_balancers[].advanced_configuration (module option shape) against the strategy."""
    problems = []
    for index, lb in enumerate(load_balancers or []):
        where = f"load_balancers[{index}].advanced_configuration"
        advanced = lb.get("advanced_configuration")
        if advanced is None:
            if strategy in NATIVE_STRATEGIES:
                problems.append(
                    f"{where} (alternate target group, production listener rule, role) is required with "
                    f"deployment_configuration.strategy {strategy}"
                )
            continue
        if strategy not in NATIVE_STRATEGIES:
            problems.append(
                f"{where} is only used by the BLUE_GREEN, LINEAR and CANARY strategies: set "
                f"deployment_configuration.strategy (it is {strategy or 'not set'})"
            )
            continue
        alternate = advanced.get("alternate_target_group_arn")
        if not _arn(alternate, "elasticloadbalancing", ("targetgroup/",)):
            problems.append(f"{where}.alternate_target_group_arn must be a target group ARN, not {alternate!r}")
        elif alternate == lb.get("target_group_arn"):
            problems.append(
                f"{where}.alternate_target_group_arn must differ from load_balancers[{index}].target_group_arn"
            )
        for key in ("production_listener_rule", "test_listener_rule"):
            value = advanced.get(key)
            if value is None and key == "test_listener_rule":
                continue
            if not _arn(value, "elasticloadbalancing", ("listener-rule/", "listener/")):
                problems.append(f"{where}.{key} must be a listener rule ARN (or an NLB listener ARN), not {value!r}")
        test = advanced.get("test_listener_rule")
        if test is not None and test == advanced.get("production_listener_rule"):
            problems.append(f"{where}.test_listener_rule must differ from production_listener_rule")
        if not _arn(advanced.get("role_arn"), "iam", ("role/",)):
            problems.append(
                f"{where}.role_arn must be the ARN of the ECS infrastructure role for load balancers, "
                f"not {advanced.get('role_arn')!r}"
            )
    return problems


def configuration_problems(config, load_balancers=None, controller=None):
    """Messages for what AWS would refuse in the deployment_configuration and load_balancers options.

    ``config`` is the module's O(deployment_configuration) (snake_case suboptions, None = not set); ``controller``
    the O(deployment_controller) (None = not set). Options that belong to a strategy need it set explicitly.
    """
    config = config or {}
    strategy = config.get("strategy")
    problems = []
    if strategy is not None and strategy not in STRATEGIES:
        problems.append(f"deployment_configuration.strategy must be one of {', '.join(STRATEGIES)}, not {strategy}")
    if strategy in NATIVE_STRATEGIES and controller not in (None, "ECS"):
        problems.append(
            f"deployment_configuration.strategy {strategy} needs deployment_controller ECS, not {controller}"
        )
    bake = config.get("bake_time_in_minutes")
    problems += _minutes_problem(bake, "deployment_configuration.bake_time_in_minutes")
    if strategy == "BLUE_GREEN" and bake is None:
        problems.append("deployment_configuration.bake_time_in_minutes is required with strategy BLUE_GREEN (0-1440)")
    if bake is not None and strategy not in NATIVE_STRATEGIES:
        problems.append(
            "deployment_configuration.bake_time_in_minutes needs deployment_configuration.strategy BLUE_GREEN, "
            f"LINEAR or CANARY (it is {strategy or 'not set'})"
        )
    for key, owner, percent, low, bake_key in (
        ("linear_configuration", "LINEAR", "step_percent", 3.0, "step_bake_time_in_minutes"),
        ("canary_configuration", "CANARY", "canary_percent", 0.1, "canary_bake_time_in_minutes"),
    ):
        shift = config.get(key)
        if shift is None:
            continue
        if strategy != owner:
            problems.append(
                f"deployment_configuration.{key} needs deployment_configuration.strategy {owner} "
                f"(it is {strategy or 'not set'})"
            )
        problems += _percent_problem(shift.get(percent), f"deployment_configuration.{key}.{percent}", low)
        problems += _minutes_problem(shift.get(bake_key), f"deployment_configuration.{key}.{bake_key}")
    hooks = config.get("lifecycle_hooks")
    if hooks and strategy not in NATIVE_STRATEGIES:
        problems.append(
            "deployment_configuration.lifecycle_hooks need deployment_configuration.strategy BLUE_GREEN, LINEAR "
            f"or CANARY (it is {strategy or 'not set'})"
        )
    problems += hook_problems(hooks)
    alarms = config.get("alarms")
    if alarms is not None and alarms.get("enable", True) and not alarms.get("alarm_names"):
        problems.append("deployment_configuration.alarms.alarm_names needs at least one alarm when enable is true")
    problems += advanced_problems(load_balancers, strategy)
    return problems


# --------------------------------------------------------------------------------------------
# Request shapes (only what the user set) and comparison with DescribeServices
# --------------------------------------------------------------------------------------------


def hook_request(hook):
    """A DeploymentLifecycleHook from the module's lifecycle_hooks element (keys given only)."""
    request = {"lifecycleStages": list(hook["lifecycle_stages"])}
    for option, key in (("target_type", "targetType"), ("hook_target_arn", "hookTargetArn"), ("role_arn", "roleArn")):
        if hook.get(option) is not None:
            request[key] = hook[option]
    if hook.get("hook_details") is not None:
        request["hookDetails"] = hook["hook_details"]
    timeout = hook.get("timeout_configuration") or {}
    sent = {}
    if timeout.get("timeout_in_minutes") is not None:
        sent["timeoutInMinutes"] = timeout["timeout_in_minutes"]
    if timeout.get("action") is not None:
        sent["action"] = timeout["action"]
    if sent:
        request["timeoutConfiguration"] = sent
    return request


def native_configuration_request(config):
    """The deploymentConfiguration keys of the ECS-native options the user set (camelCase)."""
    config = config or {}
    request = {}
    if config.get("strategy") is not None:
        request["strategy"] = config["strategy"]
    if config.get("bake_time_in_minutes") is not None:
        request["bakeTimeInMinutes"] = config["bake_time_in_minutes"]
    for option, key, fields in (
        ("linear_configuration", "linearConfiguration", ("stepPercent", "stepBakeTimeInMinutes")),
        ("canary_configuration", "canaryConfiguration", ("canaryPercent", "canaryBakeTimeInMinutes")),
    ):
        shift = config.get(option)
        if shift is None:
            continue
        snake = {
            "stepPercent": "step_percent",
            "stepBakeTimeInMinutes": "step_bake_time_in_minutes",
            "canaryPercent": "canary_percent",
            "canaryBakeTimeInMinutes": "canary_bake_time_in_minutes",
        }
        request[key] = {
            f: (float(shift[snake[f]]) if f.endswith("Percent") else shift[snake[f]])
            for f in fields
            if shift.get(snake[f]) is not None
        }
    if config.get("lifecycle_hooks") is not None:
        request["lifecycleHooks"] = [hook_request(h) for h in config["lifecycle_hooks"]]
    alarms = config.get("alarms")
    if alarms is not None:
        request["alarms"] = {
            "alarmNames": list(alarms.get("alarm_names") or []),
            "enable": bool(alarms.get("enable", True)),
            "rollback": bool(alarms.get("rollback", False)),
        }
    return request


def advanced_request(advanced):
    """An AdvancedConfiguration from the module's advanced_configuration (keys given only)."""
    request = {
        "alternateTargetGroupArn": advanced["alternate_target_group_arn"],
        "productionListenerRule": advanced["production_listener_rule"],
        "roleArn": advanced["role_arn"],
    }
    if advanced.get("test_listener_rule"):
        request["testListenerRule"] = advanced["test_listener_rule"]
    return request


def _hook_comparable(hook):
    timeout = dict(
        HOOK_TIMEOUT_DEFAULT, **{k: v for k, v in (hook.get("timeoutConfiguration") or {}).items() if v is not None}
    )
    return {
        "targetType": hook.get("targetType") or "AWS_LAMBDA",
        "hookTargetArn": hook.get("hookTargetArn"),
        "roleArn": hook.get("roleArn"),
        "lifecycleStages": sorted(hook.get("lifecycleStages") or []),
        "hookDetails": hook.get("hookDetails") if hook.get("hookDetails") not in ({}, None) else None,
        "timeoutConfiguration": timeout,
    }


def _alarms_comparable(alarms):
    alarms = alarms or {}
    # Alarms that are not watched: their names do not matter (merged_configuration() keeps the service's).
    return {
        "alarmNames": sorted(alarms.get("alarmNames") or []) if alarms.get("enable") else [],
        "enable": bool(alarms.get("enable")),
        "rollback": bool(alarms.get("rollback")),
    }


def native_differences(wanted, existing):
    """The deploymentConfiguration keys of ``wanted`` (native_configuration_request()) that ``existing`` (the
    service's deploymentConfiguration) does not match. AWS reports ``strategy`` ROLLING when none was set."""
    existing = existing or {}
    found = []
    for key, value in wanted.items():
        have = existing.get(key)
        if key == "strategy":
            same = value == (have or "ROLLING")
        elif key in SHIFT_DEFAULTS:
            have = dict(SHIFT_DEFAULTS[key], **(have or {}))
            same = all(
                (round(float(v), 1) == round(float(have.get(k)), 1)) if k.endswith("Percent") else v == have.get(k)
                for k, v in value.items()
            )
        elif key == "lifecycleHooks":
            same = [_hook_comparable(h) for h in value] == [_hook_comparable(h) for h in have or []]
        elif key == "alarms":
            same = _alarms_comparable(value) == _alarms_comparable(have)
        else:
            same = value == have
        if not same:
            found.append(key)
    return found


def merged_configuration(wanted, existing):
    """The deploymentConfiguration to send: ``wanted`` over what the service has, so a key the user did not set
    keeps its value whether UpdateService merges or replaces; keys the resulting strategy refuses are dropped."""
    merged = copy.deepcopy(existing or {})
    for key, value in wanted.items():
        if key == "deploymentCircuitBreaker" and isinstance(merged.get(key), dict):
            merged[key] = dict(merged[key], **value)
        elif key == "alarms" and not value.get("enable") and not value.get("alarmNames"):
            # Turning the watch off without names: DeploymentAlarms requires alarmNames, so the service's own are
            # kept, disabled; a service that has none needs nothing sent.
            have = (existing or {}).get("alarms") or {}
            if have.get("alarmNames"):
                merged[key] = dict(value, alarmNames=list(have["alarmNames"]))
            else:
                merged.pop(key, None)
        else:
            merged[key] = value
    strategy = merged.get("strategy") or "ROLLING"
    if strategy != "LINEAR":
        merged.pop("linearConfiguration", None)
    if strategy != "CANARY":
        merged.pop("canaryConfiguration", None)
    if strategy not in NATIVE_STRATEGIES:
        merged.pop("lifecycleHooks", None)
        merged.pop("bakeTimeInMinutes", None)
    return merged


def advanced_comparable(advanced):
    """AdvancedConfiguration as a comparable tuple (None when there is none)."""
    if not advanced:
        return None
    return tuple(
        advanced.get(k) for k in ("alternateTargetGroupArn", "productionListenerRule", "testListenerRule", "roleArn")
    )


# --------------------------------------------------------------------------------------------
# Service deployments: summary, progress line, checkpoints
# --------------------------------------------------------------------------------------------


def _iso(value):
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def short_id(arn):
    """The last part of a service deployment or revision ARN (its id)."""
    return str(arn or "").rsplit("/", 1)[-1] or None


def revision_target_group(revision):
    """The target group ARN a service revision's tasks use (resolvedConfiguration, else its load balancers)."""
    for lb in ((revision or {}).get("resolvedConfiguration") or {}).get("loadBalancers") or []:
        if lb.get("targetGroupArn"):
            return lb["targetGroupArn"]
    for lb in (revision or {}).get("loadBalancers") or []:
        if lb.get("targetGroupArn"):
            return lb["targetGroupArn"]
    return None


def traffic(deployment, revisions=None):
    """[{revision_arn, role (target/source), task_definition, target_group_arn, target_group, production_weight,
    test_weight, requested/running/pending counts}], target first."""
    revisions = revisions or {}
    items = []
    summaries = [("target", deployment.get("targetServiceRevision"))]
    summaries += [("source", s) for s in deployment.get("sourceServiceRevisions") or []]
    for role, summary in summaries:
        if not summary:
            continue
        revision = revisions.get(summary.get("arn")) or {}
        group = revision_target_group(revision)
        items.append(
            {
                "revision_arn": summary.get("arn"),
                "role": role,
                "task_definition": revision.get("taskDefinition"),
                "target_group_arn": group,
                "target_group": target_group_name(group) if group else None,
                "production_weight": summary.get("requestedProductionTrafficWeight"),
                "test_weight": summary.get("requestedTestTrafficWeight"),
                "requested_task_count": summary.get("requestedTaskCount"),
                "running_task_count": summary.get("runningTaskCount"),
                "pending_task_count": summary.get("pendingTaskCount"),
            }
        )
    return items


def hooks(deployment):
    """lifecycleHookDetails in snake_case."""
    return [
        {
            "hook_id": h.get("hookId"),
            "target_type": h.get("targetType"),
            "target_arn": h.get("targetArn"),
            "status": h.get("status"),
            "expires_at": _iso(h.get("expiresAt")),
            "timeout_action": h.get("timeoutAction"),
        }
        for h in deployment.get("lifecycleHookDetails") or []
    ]


def awaiting_hook(deployment, ignore=()):
    """The hook of a deployment in AWAITING_ACTION (a PAUSE hook waiting for ContinueServiceDeployment), or None."""
    if deployment.get("status") not in ACTIVE_STATUSES:
        return None
    for hook in deployment.get("lifecycleHookDetails") or []:
        if hook.get("status") == "AWAITING_ACTION" and hook.get("hookId") not in ignore:
            return hook
    return None


def _weight(value):
    if value is None:
        return "?"
    number = float(value)
    return f"{number:g}%"


def progress_line(summary):
    """'<id> IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT | production tg1 90% tg2 10% | test tg2 100% | hook ...'."""
    head = "{} {}".format(summary.get("id"), summary.get("status"))
    if summary.get("lifecycle_stage"):
        head += " " + summary["lifecycle_stage"]
    parts = [head]
    split = summary.get("traffic") or []

    def label(item):
        return item.get("target_group") or short_id(item.get("revision_arn"))

    for kind in ("production", "test"):
        weights = [(label(i), i.get(f"{kind}_weight")) for i in split if i.get(f"{kind}_weight") is not None]
        if weights:
            parts.append(kind + " " + " ".join(f"{name} {_weight(w)}" for name, w in weights))
    waiting = summary.get("awaiting_hook")
    if waiting:
        parts.append("hook {} {} AWAITING_ACTION".format(waiting.get("target_type"), waiting.get("hook_id")))
    if summary.get("rollback"):
        parts.append("rollback: {}".format(summary["rollback"].get("reason") or "requested"))
    elif summary.get("status_reason") and summary.get("status") in TERMINAL_STATUSES:
        parts.append(summary["status_reason"])
    return " | ".join(parts)


def production_target_group(items):
    """(ARN, name) of the target group all production traffic goes to per the deployment, else the heaviest."""
    weighted = [i for i in items if i.get("production_weight") is not None and i.get("target_group_arn")]
    if not weighted:
        target = next((i for i in items if i.get("role") == "target"), None)
        if target:
            return target.get("target_group_arn"), target.get("target_group")
        return None, None
    best = max(weighted, key=lambda i: float(i["production_weight"]))
    return best.get("target_group_arn"), best.get("target_group")


def summarise(deployment, revisions=None):
    """The result shape of ecs_service_deployment(_info) for one ServiceDeployment (snake_case)."""
    deployment = deployment or {}
    items = traffic(deployment, revisions)
    waiting = awaiting_hook(deployment)
    rollback = deployment.get("rollback") or {}
    group_arn, group = production_target_group(items)
    config = deployment.get("deploymentConfiguration") or {}
    summary = {
        "service_deployment_arn": deployment.get("serviceDeploymentArn"),
        "id": short_id(deployment.get("serviceDeploymentArn")),
        "service_arn": deployment.get("serviceArn"),
        "cluster_arn": deployment.get("clusterArn"),
        "status": deployment.get("status"),
        "status_reason": deployment.get("statusReason"),
        "strategy": config.get("strategy") or ("ROLLING" if deployment else None),
        "lifecycle_stage": deployment.get("lifecycleStage"),
        "created_at": _iso(deployment.get("createdAt")),
        "started_at": _iso(deployment.get("startedAt")),
        "finished_at": _iso(deployment.get("finishedAt")),
        "stopped_at": _iso(deployment.get("stoppedAt")),
        "target_revision_arn": (deployment.get("targetServiceRevision") or {}).get("arn"),
        "source_revision_arns": [s.get("arn") for s in deployment.get("sourceServiceRevisions") or []],
        "traffic": items,
        "production_target_group_arn": group_arn,
        "production_target_group": group,
        "lifecycle_hooks": hooks(deployment),
        # The hook detail has no stage of its own: it waits at the deployment's (ServiceDeployment.lifecycleStage).
        "awaiting_hook": {
            "hook_id": waiting.get("hookId"),
            "target_type": waiting.get("targetType"),
            "lifecycle_stage": deployment.get("lifecycleStage"),
            "expires_at": _iso(waiting.get("expiresAt")),
            "timeout_action": waiting.get("timeoutAction"),
        }
        if waiting
        else None,
        "rollback": {
            "reason": rollback.get("reason"),
            "started_at": _iso(rollback.get("startedAt")),
            "service_revision_arn": rollback.get("serviceRevisionArn"),
        }
        if rollback
        else None,
        "circuit_breaker": {
            "status": (deployment.get("deploymentCircuitBreaker") or {}).get("status"),
            "failure_count": (deployment.get("deploymentCircuitBreaker") or {}).get("failureCount"),
            "threshold": (deployment.get("deploymentCircuitBreaker") or {}).get("threshold"),
        },
        "alarms": {
            "status": (deployment.get("alarms") or {}).get("status"),
            "alarm_names": list((deployment.get("alarms") or {}).get("alarmNames") or []),
            "triggered_alarm_names": list((deployment.get("alarms") or {}).get("triggeredAlarmNames") or []),
        },
        "finished": deployment.get("status") in TERMINAL_STATUSES,
        "in_progress": deployment.get("status") in ACTIVE_STATUSES,
    }
    summary["progress"] = progress_line(summary)
    return summary


def _stage_index(stage):
    try:
        return LIFECYCLE_STAGES.index(stage)
    except ValueError:
        return -1


def checkpoint_reached(checkpoint, summary):
    """Has a service deployment (summarise()) reached a wait_until checkpoint? SUCCESSFUL reaches every one;
    a rollback or a stop reaches none but ``started``."""
    status = summary.get("status")
    if status == "SUCCESSFUL":
        return True
    if checkpoint == "started":
        return status is not None and status != "PENDING"
    if status != "IN_PROGRESS":
        return False
    stage = _stage_index(summary.get("lifecycle_stage"))
    target = next((i for i in summary.get("traffic") or [] if i.get("role") == "target"), {})
    production = float(target.get("production_weight") or 0)
    if checkpoint == "scaled_up":
        return stage >= _stage_index("POST_SCALE_UP")
    if checkpoint == "test_traffic_shifted":
        return stage >= _stage_index("POST_TEST_TRAFFIC_SHIFT")
    if checkpoint == "production_traffic_shifting":
        return production > 0 or stage >= _stage_index("POST_PRODUCTION_TRAFFIC_SHIFT")
    if checkpoint == "production_traffic_shifted":
        return stage >= _stage_index("POST_PRODUCTION_TRAFFIC_SHIFT")
    return False


# --------------------------------------------------------------------------------------------
# AWS reads (clients wrapped with AWSRetry.jittered_backoff(); each names what failed)
# --------------------------------------------------------------------------------------------


@aws_call(
    "list the service deployments of service {service} in cluster {cluster}",
    missing=["ServiceNotFoundException", "ClusterNotFoundException"],
)
def list_deployments(client, cluster, service, statuses=None, limit=None):
    """ServiceDeploymentBrief list, newest first (None when the service or cluster does not exist).

    botocore has no paginator for ListServiceDeployments, so this follows ``nextToken`` itself, up to ``limit``.
    """
    params = {"cluster": cluster, "service": service}
    if statuses:
        params["status"] = list(statuses)
    found = []
    while True:
        if limit:
            params["maxResults"] = min(100, limit - len(found))
        answer = client.list_service_deployments(aws_retry=True, **params)
        found.extend(answer.get("serviceDeployments") or [])
        token = answer.get("nextToken")
        if not token or (limit and len(found) >= limit):
            return found
        params["nextToken"] = token


@aws_call("describe service deployments {arns}")
def describe_deployments(client, arns):
    """ServiceDeployments of ``arns`` in their order (DescribeServiceDeployments, 20 at a time); unknown left out."""
    found = {}
    arns = list(arns or [])
    for start in range(0, len(arns), DESCRIBE_BATCH):
        answer = client.describe_service_deployments(
            serviceDeploymentArns=arns[start : start + DESCRIBE_BATCH], aws_retry=True
        )
        for deployment in answer.get("serviceDeployments") or []:
            found[deployment["serviceDeploymentArn"]] = deployment
    return [found[a] for a in arns if a in found]


@aws_call("describe service revisions {arns}")
def describe_revisions(client, arns):
    """{revision ARN: ServiceRevision} (DescribeServiceRevisions, 20 at a time)."""
    found = {}
    arns = [a for a in dict.fromkeys(arns or []) if a]
    for start in range(0, len(arns), DESCRIBE_BATCH):
        answer = client.describe_service_revisions(
            serviceRevisionArns=arns[start : start + DESCRIBE_BATCH], aws_retry=True
        )
        for revision in answer.get("serviceRevisions") or []:
            found[revision["serviceRevisionArn"]] = revision
    return found


def revision_arns(deployment):
    arns = [(deployment.get("targetServiceRevision") or {}).get("arn")]
    arns += [s.get("arn") for s in deployment.get("sourceServiceRevisions") or []]
    return [a for a in arns if a]


def current_deployment_arn(client, cluster, service):
    """(ARN or None, found service): the service's deployment in progress (or rolling back), else its newest.
    (None, False) when the service or the cluster does not exist."""
    active = list_deployments(client, cluster, service, statuses=ACTIVE_STATUSES)
    if active is None:
        return None, False
    briefs = active or list_deployments(client, cluster, service, limit=1) or []
    return (briefs[0]["serviceDeploymentArn"] if briefs else None), True


def current_deployment(client, cluster, service):
    """(ServiceDeployment or None, found service) of current_deployment_arn()."""
    arn, exists = current_deployment_arn(client, cluster, service)
    if arn is None:
        return None, exists
    found = describe_deployments(client, [arn])
    return (found[0] if found else None), True


def read_deployment(client, arn):
    """A ServiceDeployment; NativeDeploymentError when there is none with that ARN."""
    found = describe_deployments(client, [arn])
    if not found:
        raise NativeDeploymentError(f"Service deployment {arn} does not exist")
    return found[0]


class Reader:
    """Reads one deployment and its revisions (cached: a revision never changes), summarised."""

    def __init__(self, client, arn):
        self.client, self.arn, self.revisions = client, arn, {}

    def __call__(self):
        deployment = read_deployment(self.client, self.arn)
        missing = [a for a in revision_arns(deployment) if a not in self.revisions]
        if missing:
            self.revisions.update(describe_revisions(self.client, missing))
        return deployment, summarise(deployment, self.revisions)


# --------------------------------------------------------------------------------------------
# Following a release (the one place this is decided)
# --------------------------------------------------------------------------------------------


def follow(client, arn, checkpoint, timeout, poll_max_delay=15, ignore_hooks=()):
    """Poll a service deployment until ``checkpoint`` (None: a final status), a final status, a hook awaiting
    action (other than ``ignore_hooks``), or ``timeout`` seconds.

    Returns ``(summary, reached, timed_out, history, reader)``; ``history`` holds one entry per change of the
    progress line ({"elapsed_seconds", "status", "lifecycle_stage", "progress"}): every stage and traffic step
    seen. ``timeout`` 0 reads once.
    """
    started = time.monotonic()
    history = []
    reader = Reader(client, arn)

    def fetch():
        _deployment, summary = reader()
        if not history or history[-1]["progress"] != summary["progress"]:
            history.append(
                {
                    "elapsed_seconds": round(time.monotonic() - started, 1),
                    "status": summary["status"],
                    "lifecycle_stage": summary["lifecycle_stage"],
                    "progress": summary["progress"],
                }
            )
        return _deployment, summary

    def done(state):
        deployment, summary = state
        if summary["finished"] or awaiting_hook(deployment, ignore_hooks) is not None:
            return True
        return checkpoint is not None and checkpoint_reached(checkpoint, summary)

    if timeout <= 0:
        state, timed_out = fetch(), False
    else:
        state, timed_out = poll(fetch, done, timeout, maximum=poll_max_delay)
    summary = state[1]
    reached = checkpoint_reached(checkpoint, summary) if checkpoint else summary["finished"]
    return summary, reached, timed_out, history, reader


def outcome(summary, checkpoint, reached, timeout):
    """(ok, message) of a followed release."""
    ident, status = summary.get("id"), summary.get("status")
    live = summary.get("production_target_group") or summary.get("production_target_group_arn") or "?"
    goal = f"'{checkpoint}'" if checkpoint else "a final status"
    if reached and (checkpoint or status == "SUCCESSFUL"):
        return True, f"Service deployment {ident} reached {goal} ({status}); production traffic goes to {live}."
    if summary.get("awaiting_hook") and not summary.get("finished"):
        hook = summary["awaiting_hook"]
        return False, (
            f"Service deployment {ident} waits at {summary.get('lifecycle_stage')} for hook {hook['hook_id']} "
            f"({hook['target_type']}): continue it (fargatedemo.ecs_delivery.ecs_service_deployment state=continued) "
            f"or roll it back. Production traffic goes to {live}."
        )
    if summary.get("finished"):
        why = (summary.get("rollback") or {}).get("reason") or summary.get("status_reason")
        msg = f"Service deployment {ident} ended {status}"
        if why:
            msg += f" ({why})"
        return False, f"{msg}. Production traffic goes to {live}."
    return False, (
        f"Service deployment {ident} is {status} at {summary.get('lifecycle_stage')} and did not reach {goal} "
        f"within {timeout} s; it goes on. Production traffic goes to {live}."
    )
