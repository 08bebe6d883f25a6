# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the release style (issue 12): what ``<prefix>strategy`` and its settings mean for the modules.

One place decides, for the stack (``app_release_*``) and the ecs_service role (``ecs_service_release_*``) alike:

* ``release_configuration``: the strategy's deployment controller, whether it is ECS-native, and the
  ``ecs_service`` module's ``deployment_configuration`` keys of the strategy (only those that apply to it);
* ``release_problems``: what AWS would refuse in those settings, checked by the modules' own
  ``ecs_native.configuration_problems()`` before any AWS call, each message naming the variable the user set;
* ``native_listener_rules``: which of the load balancer's listeners still lack the rule a native release shifts,
  and the rule ARNs (a rule that exists is never rewritten: ECS moves its weights);
* ``native_checkpoint``: the native checkpoint of a ``deploy_wait_until`` value;
* ``lifecycle_hook_functions``: the Lambda functions of the hooks the stack's role must be allowed to invoke;
* ``release_alarms``: the CloudWatch alarms that guard a release (issue 11): the load balancer's 5xx counts and
  each target group's unhealthy hosts, as cloudwatch_metric_alarms's ``alarms`` entries;
* ``aws_partition``: the ARN partition of a region.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_configuration
short_description: The deployment controller and ECS-native deployment configuration of a release style
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Maps a release style (V(rolling), V(codedeploy), V(blue_green), V(linear), V(canary)) and its settings onto
    the C(fargatedemo.ecs_delivery.ecs_service) module's C(deployment_controller) and the strategy keys of its
    C(deployment_configuration).
  - The same file holds the filters C(release_problems), C(native_listener_rules), C(native_checkpoint),
    C(lifecycle_hook_functions), C(release_alarms) and C(aws_partition).
options:
  _input:
    description:
      - The settings, name to value, with the names of the variables they came from (C(<prefix>strategy),
        C(<prefix>bake_time_minutes), C(<prefix>linear_step_percent), C(<prefix>linear_step_bake_minutes),
        C(<prefix>canary_percent), C(<prefix>canary_bake_minutes), C(<prefix>lifecycle_hooks),
        C(<prefix>lifecycle_hook_role_arn), C(<prefix>alarm_names), C(<prefix>alarm_rollback)).
      - C(<prefix>lifecycle_hook_role_arn) is the role an V(AWS_LAMBDA) hook without its own C(role_arn) is given
        (the stack gives the ECS infrastructure role, whose inline policy may invoke exactly those functions).
    type: dict
    required: true
  prefix:
    description: The variables' common prefix (V(app_release_) for the stack, V(ecs_service_release_) for the role).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The module's deployment configuration of the stack's release style
  ansible.builtin.debug:
    msg: "{{ {'app_release_strategy': 'canary', 'app_release_canary_percent': 10}
             | fargatedemo.ecs_delivery.release_configuration('app_release_') }}"
"""

RETURN = r"""
_value:
  description:
    - C(strategy) (the API's name, V(ROLLING) for V(rolling) and V(codedeploy)), C(controller) (V(ECS) or
      V(CODE_DEPLOY)), C(native) (a boolean) and C(deployment_configuration) (the module's strategy keys; for
      V(rolling) only C(alarms), for V(codedeploy) empty).
  type: dict
"""

import math
from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import ecs_native

STYLES = ("rolling", "codedeploy", "blue_green", "linear", "canary")
NATIVE_STYLES = ("blue_green", "linear", "canary")
CONTROLLERS = ("ECS", "CODE_DEPLOY")
HOOK_ROLE_STAND_IN = "arn:aws:iam::123456789012:role/stack-ecs-infrastructure"
# deploy_wait_until (the CodeDeploy checkpoints the playbooks and AWX offer) -> ecs_service_deployment_info wait_until.
NATIVE_CHECKPOINTS = {
    "created": "started",
    "ready": "test_traffic_shifted",
    "traffic_shifted": "production_traffic_shifted",
    "succeeded": "successful",
}
# The module's option paths in configuration_problems()' messages -> the settings' names (after the prefix).
OPTION_NAMES = (
    ("deployment_configuration.linear_configuration.step_percent", "linear_step_percent"),
    ("deployment_configuration.linear_configuration.step_bake_time_in_minutes", "linear_step_bake_minutes"),
    ("deployment_configuration.canary_configuration.canary_percent", "canary_percent"),
    ("deployment_configuration.canary_configuration.canary_bake_time_in_minutes", "canary_bake_minutes"),
    ("deployment_configuration.bake_time_in_minutes", "bake_time_minutes"),
    ("deployment_configuration.lifecycle_hooks", "lifecycle_hooks"),
    ("deployment_configuration.alarms.alarm_names", "alarm_names"),
)


def _get(values, prefix, key, default=None):
    value = values.get(prefix + key, default)
    return default if value is None or value == "" else value


def _number(value):
    """A number as Ansible may hand it over (a string from -e or a survey); the value itself when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return float(value) if "." in value else int(value)
        except ValueError:
            return value
    return value


def _check_inputs(values, prefix):
    if not isinstance(values, Mapping):
        raise AnsibleFilterError("release filters: the input must be a dict of variable names to values")
    if not isinstance(prefix, str) or not prefix:
        raise AnsibleFilterError("release filters: give the variables' prefix (app_release_ or ecs_service_release_)")


def release_configuration(values, prefix):
    """{strategy, controller, native, deployment_configuration} of the release style ``<prefix>strategy``."""
    _check_inputs(values, prefix)
    style = str(_get(values, prefix, "strategy", "rolling"))
    if style not in STYLES:
        raise AnsibleFilterError(f"{prefix}strategy is {style!r}: it must be one of {', '.join(STYLES)}")
    native = style in NATIVE_STYLES
    config = {}
    if native:
        config["strategy"] = style.upper()
        config["bake_time_in_minutes"] = _number(_get(values, prefix, "bake_time_minutes", 0))
        if style == "linear":
            config["linear_configuration"] = {
                "step_percent": _number(_get(values, prefix, "linear_step_percent", 10.0)),
                "step_bake_time_in_minutes": _number(_get(values, prefix, "linear_step_bake_minutes", 6)),
            }
        if style == "canary":
            config["canary_configuration"] = {
                "canary_percent": _number(_get(values, prefix, "canary_percent", 5.0)),
                "canary_bake_time_in_minutes": _number(_get(values, prefix, "canary_bake_minutes", 10)),
            }
        hooks = _get(values, prefix, "lifecycle_hooks", [])
        if hooks:
            config["lifecycle_hooks"] = with_hook_role(hooks, _get(values, prefix, "lifecycle_hook_role_arn", ""))
    if style != "codedeploy":
        # Deployment alarms (issue 11): rolling updates and the native styles alike (the ECS controller; a
        # CODE_DEPLOY service rolls back on its deployment group's alarms instead). No alarm: the watch is turned
        # off, so alarms the stack stopped making are not watched any more (the module keeps their names).
        alarms = [str(name) for name in _get(values, prefix, "alarm_names", []) or []]
        alarms = list(dict.fromkeys(alarms))
        rollback = _get(values, prefix, "alarm_rollback", True)
        config["alarms"] = {
            "alarm_names": alarms,
            "enable": bool(alarms),
            "rollback": bool(alarms) and str(rollback).lower() in ("true", "yes", "1", "on"),
        }
    return {
        "style": style,
        "strategy": style.upper() if native else "ROLLING",
        "controller": "CODE_DEPLOY" if style == "codedeploy" else "ECS",
        "native": native,
        "deployment_configuration": config,
    }


def _lambda_hook(hook):
    return isinstance(hook, Mapping) and (hook.get("target_type") or "AWS_LAMBDA") == "AWS_LAMBDA"


def with_hook_role(hooks, role_arn):
    """The hooks, each AWS_LAMBDA one without a ``role_arn`` given ``role_arn`` (when there is one)."""
    out = []
    for hook in hooks or []:
        if role_arn and _lambda_hook(hook) and not hook.get("role_arn"):
            hook = {**hook, "role_arn": role_arn}
        out.append(hook)
    return out


def lifecycle_hook_functions(hooks):
    """The Lambda function ARNs of the AWS_LAMBDA hooks that bring no ``role_arn`` of their own: the ones the
    stack's role (the ECS infrastructure role) must be allowed to invoke, sorted, each once."""
    return sorted(
        {
            str(hook["hook_target_arn"])
            for hook in hooks or []
            if _lambda_hook(hook) and not hook.get("role_arn") and hook.get("hook_target_arn")
        }
    )


def _numbers_problems(values, prefix, style):
    keys = ["bake_time_minutes"]
    keys += {
        "linear": ["linear_step_percent", "linear_step_bake_minutes"],
        "canary": ["canary_percent", "canary_bake_minutes"],
    }.get(style, [])
    out = []
    for key in keys:
        value = _number(_get(values, prefix, key))
        if value is not None and (isinstance(value, (bool, str)) or not isinstance(value, (int, float))):
            out.append(f"{prefix}{key} is {value!r}: it must be a number")
    return out


def release_problems(values, prefix, controller_var=None):
    """Messages for what is wrong with the release style's settings, each starting with the variable's name.

    ``controller_var`` names the deployment controller variable the style derives (``app_deployment_controller``):
    a value of it that disagrees with the style (an old explicit setting) is reported too.
    """
    _check_inputs(values, prefix)
    style = str(_get(values, prefix, "strategy", "rolling"))
    if style not in STYLES:
        return [f"{prefix}strategy is {style!r}: it must be one of {', '.join(STYLES)}."]
    problems = []
    if controller_var:
        controller = values.get(controller_var)
        wanted = "CODE_DEPLOY" if style == "codedeploy" else "ECS"
        # A controller outside ECS/CODE_DEPLOY is the input rules' to report (input_problems).
        if controller in CONTROLLERS and controller != wanted:
            suggestion = "codedeploy" if controller == "CODE_DEPLOY" else "rolling (or blue_green, linear, canary)"
            problems.append(
                f"{controller_var} is {controller} but {prefix}strategy {style} needs {wanted}: the controller is "
                f"derived from {prefix}strategy now. Set {prefix}strategy to {suggestion} and leave "
                f"{controller_var} out."
            )
    if style not in NATIVE_STYLES:
        return problems
    numbers = _numbers_problems(values, prefix, style)
    if numbers:
        return problems + numbers
    # A Lambda hook without a role_arn gets the stack's role (<prefix>lifecycle_hook_role_arn), which the pre-flight
    # does not know yet: a well-formed stand-in lets the modules' checks judge the rest of the hook.
    stand_in = _get(values, prefix, "lifecycle_hook_role_arn", "") or HOOK_ROLE_STAND_IN
    plan = release_configuration({**values, prefix + "lifecycle_hook_role_arn": stand_in}, prefix)
    for message in ecs_native.configuration_problems(plan["deployment_configuration"], controller="ECS"):
        for option, key in OPTION_NAMES:
            message = message.replace(option, prefix + key)
        problems.append(message.rstrip(".") + f" (with {prefix}strategy {style}).")
    return problems


def native_listener_rules(listeners, ports, target_group_arns, path="/*", priority=1):
    """What a native release needs of the listeners on ``ports`` (production, test): one rule each at
    ``priority`` for ``path`` forwarding only to the two target groups.

    ``listeners`` are elb_application_lb_info's (with ``rules``). Returns {"missing": [ports without the rule],
    "arns": [rule ARN or '' per port], "conflicts": ["<port>: why"]}. A rule at ``priority`` that matches is kept
    whatever its weights (a release moved them); one that does not match is a conflict (never overwritten).
    """
    groups = set(target_group_arns or [])
    by_port = {int(item.get("port", 0)): item for item in listeners or []}
    missing, arns, conflicts = [], [], []
    for port in [int(p) for p in ports]:
        listener = by_port.get(port)
        if listener is None:
            missing.append(port)
            arns.append("")
            continue
        rule = next(
            (r for r in listener.get("rules") or [] if str(r.get("priority")) == str(priority)),
            None,
        )
        if rule is None:
            missing.append(port)
            arns.append("")
            continue
        paths = [
            v
            for c in rule.get("conditions") or []
            if c.get("field") == "path-pattern"
            for v in ((c.get("path_pattern_config") or {}).get("values") or c.get("values") or [])
        ]
        forwarded = set()
        others = 0
        for action in rule.get("actions") or []:
            if action.get("type") != "forward":
                others += 1
                continue
            if action.get("target_group_arn"):
                forwarded.add(action["target_group_arn"])
            for tg in (action.get("forward_config") or {}).get("target_groups") or []:
                forwarded.add(tg.get("target_group_arn"))
        if paths != [path] or others or not forwarded or not forwarded <= groups:
            conflicts.append(
                f"listener {port}: its rule at priority {priority} is not this stack's ({path} forwarding only to "
                f"the two target groups); remove or move it"
            )
        arns.append(rule.get("rule_arn", ""))
    return {"missing": missing, "arns": arns, "conflicts": conflicts}


def native_checkpoint(checkpoint):
    """ecs_service_deployment_info's wait_until for a deploy_wait_until value (the native ones pass through)."""
    if checkpoint in NATIVE_CHECKPOINTS:
        return NATIVE_CHECKPOINTS[checkpoint]
    if checkpoint in ecs_native.CHECKPOINTS:
        return checkpoint
    raise AnsibleFilterError(
        f"native_checkpoint: {checkpoint!r} is neither one of {', '.join(NATIVE_CHECKPOINTS)} nor of "
        f"{', '.join(ecs_native.CHECKPOINTS)}"
    )


def native_overlap_minutes(values, prefix):
    """Minutes both task sets run side by side beyond the shifts themselves: bake time plus step bakes."""
    plan = release_configuration(values, prefix)
    if not plan["native"]:
        return 0
    config = plan["deployment_configuration"]
    minutes = float(config["bake_time_in_minutes"])
    if "canary_configuration" in config:
        minutes += float(config["canary_configuration"]["canary_bake_time_in_minutes"])
    if "linear_configuration" in config:
        step = float(config["linear_configuration"]["step_percent"])
        minutes += (math.ceil(100.0 / step) - 1) * float(config["linear_configuration"]["step_bake_time_in_minutes"])
    return minutes


def _dimension(arn, marker):
    """The CloudWatch dimension value of an ELBv2 ARN: what follows ``marker`` (app/NAME/ID, targetgroup/NAME/ID)."""
    arn = str(arn or "")
    if marker not in arn:
        raise AnsibleFilterError(f"release_alarms: {arn!r} is not an Elastic Load Balancing ARN with {marker!r}")
    tail = arn.split(marker, 1)[1]
    return tail if marker == ":loadbalancer/" else "targetgroup/" + tail


def release_alarms(load_balancer_arn, target_group_arns, prefix, settings):
    """The stack's alarms, the ``alarms`` entries of cloudwatch_metric_alarms (``name`` first).

    ``settings``: ``5xx_threshold`` (5xx answers per period, of the targets and of the load balancer itself),
    ``unhealthy_threshold`` (unhealthy hosts of one target group), ``period`` (seconds) and
    ``evaluation_periods``. Missing data is not breaching: a target group without targets (the idle one of a
    blue/green pair) or an hour without errors is OK (AWS/ApplicationELB publishes a 5xx count only when there
    is one: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html).
    """
    lb = _dimension(load_balancer_arn, ":loadbalancer/")
    common = {
        "namespace": "AWS/ApplicationELB",
        "comparison": "GreaterThanOrEqualToThreshold",
        "period": int(_number(settings["period"])),
        "evaluation_periods": int(_number(settings["evaluation_periods"])),
        "treat_missing_data": "notBreaching",
    }
    five_xx = float(_number(settings["5xx_threshold"]))
    # The two 5xx counts of the load balancer: its targets' answers, and its own (no healthy target, timeouts).
    alarms = [
        dict(
            common,
            name=f"{prefix}-{suffix}",
            metric_name=metric,
            statistic="Sum",
            threshold=five_xx,
            dimensions={"LoadBalancer": lb},
            description=f"5xx answers of {whose} (a release in flight rolls back).",
        )
        for suffix, metric, whose in (
            ("target-5xx", "HTTPCode_Target_5XX_Count", f"the targets of {lb}"),
            ("elb-5xx", "HTTPCode_ELB_5XX_Count", f"{lb} itself, no healthy target or timeouts"),
        )
    ]
    for arn in list(dict.fromkeys(target_group_arns or [])):
        group = _dimension(arn, ":targetgroup/")
        alarms.append(
            dict(
                common,
                name=f"{prefix}-unhealthy-{group.split('/')[1]}",
                metric_name="UnHealthyHostCount",
                statistic="Maximum",
                threshold=float(_number(settings["unhealthy_threshold"])),
                dimensions={"LoadBalancer": lb, "TargetGroup": group},
                description=f"Unhealthy hosts of {group} behind {lb} (a release in flight rolls back).",
            )
        )
    return alarms


def aws_partition(region):
    """The ARN partition of ``region`` (aws, aws-cn, aws-us-gov; aws when the region is empty)."""
    region = str(region or "")
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class FilterModule:
    def filters(self):
        return {
            "release_configuration": release_configuration,
            "release_problems": release_problems,
            "native_listener_rules": native_listener_rules,
            "native_checkpoint": native_checkpoint,
            "native_overlap_minutes": native_overlap_minutes,
            "lifecycle_hook_functions": lifecycle_hook_functions,
            "release_alarms": release_alarms,
            "aws_partition": aws_partition,
        }
