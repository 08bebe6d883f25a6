"""Amazon ECS rules for deployment strategies, lifecycle hooks, advanced load balancer settings and controllers.

What CreateService and UpdateService refuse (``InvalidParameterException``) for the fields of ECS-native
blue/green, linear and canary deployments (ECS API reference: DeploymentConfiguration, LinearConfiguration,
CanaryConfiguration, DeploymentLifecycleHook, DeploymentLifecycleHookTimeoutConfiguration, AdvancedConfiguration,
DeploymentController; Developer Guide: "Application Load Balancer resources for blue/green, linear, and canary
deployments", "Lifecycle hooks for Amazon ECS service deployments", "Migrate CodeDeploy blue/green deployments
to Amazon ECS blue/green deployments"):

- ``strategy`` is ROLLING, BLUE_GREEN, LINEAR or CANARY, and a strategy other than ROLLING needs the ``ECS``
  deployment controller; ``bakeTimeInMinutes`` 0-1440 ("You must provide this parameter when you use the
  BLUE_GREEN deployment strategy"); ``linearConfiguration.stepPercent`` a multiple of 0.1 from 3.0 to 100.0,
  ``stepBakeTimeInMinutes`` 0-1440, only with LINEAR; ``canaryConfiguration.canaryPercent`` a multiple of 0.1
  from 0.1 to 100.0, ``canaryBakeTimeInMinutes`` 0-1440, only with CANARY.
- ``lifecycleHooks``: ``targetType`` AWS_LAMBDA (the default; needs ``hookTargetArn``, a Lambda function ARN,
  and ``roleArn``, an IAM role that exists) or PAUSE (no ``hookTargetArn``; not at TEST_TRAFFIC_SHIFT or
  PRODUCTION_TRAFFIC_SHIFT: "These stages are only valid for AWS_LAMBDA hooks"); ``lifecycleStages`` required,
  from the documented list; ``timeoutInMinutes`` 1-20160; ``action`` CONTINUE or ROLLBACK. Hooks belong to
  the native strategies.
- ``loadBalancers[].advancedConfiguration`` (native strategies only, and required by them for a target group):
  ``alternateTargetGroupArn``, ``productionListenerRule`` and ``roleArn`` are required; both target groups
  exist, differ and have the same target type; each listener rule exists, is not a listener's default rule
  (ECS changes it with ModifyRule), forwards only to the two target groups (at least one of them), and both
  rules are on listeners of the same load balancer; the test rule differs from the production rule;
  ``roleArn`` is an IAM role that exists and that ``ecs.amazonaws.com`` may assume.
- UpdateService ``deploymentController``: to ``ECS`` from CODE_DEPLOY or EXTERNAL only while no CodeDeploy
  deployment of the service is in flight and the service has at most one task set, its PRIMARY one; from
  ``ECS`` only while no service deployment is in progress.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any

from awsemu.core import STORE, AwsError, validates

STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
NATIVE = STRATEGIES[1:]
CONTROLLERS = ("ECS", "CODE_DEPLOY", "EXTERNAL")
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
LAMBDA_ONLY = ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")
MAX_BAKE_MINUTES = 1440
# deploymentConfiguration.<key>: the strategy it belongs to, its percent field and that field's lowest value (a
# multiple of 0.1 up to 100.0), its bake-time field (LinearConfiguration, CanaryConfiguration).
SHIFT_CONFIGURATIONS = {
    "linearConfiguration": ("LINEAR", "stepPercent", 3.0, "stepBakeTimeInMinutes"),
    "canaryConfiguration": ("CANARY", "canaryPercent", 0.1, "canaryBakeTimeInMinutes"),
}
HOOK_TIMEOUT_RANGE = (1, 20160)
LAMBDA_ARN = re.compile(r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?")
ROLE_ARN = re.compile(r"arn:aws[a-zA-Z-]*:iam::\d{12}:role/(?:[\x21-\x7e]*/)?([\w+=,.@-]{1,64})")


def _bad(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


def _minutes(value: Any, what: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BAKE_MINUTES:
        raise _bad(f"{what} must be an integer from 0 to {MAX_BAKE_MINUTES}, not {value!r}.")


def _percent(value: Any, what: str, low: float) -> None:
    if value is None:
        return
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        raise _bad(f"{what} must be a number.") from err
    tenths = number * 10
    if not low <= number <= 100.0 or abs(tenths - round(tenths)) > 1e-6:
        raise _bad(f"{what} must be a multiple of 0.1 from {low} to 100.0, not {value!r}.")


def _current(req) -> tuple[dict[str, Any] | None, Any]:
    """UpdateService: what the emulator keeps of the service (ecs_service's state) and moto's service."""
    from moto.ecs.models import ecs_backends

    from awsemu.services import ecs_service
    from awsemu.services.ecs_tasks import existing_backend

    backend = existing_backend(ecs_backends, req.account_id, req.region)
    if backend is None:
        return None, None
    cluster = str(req.param("cluster") or "default").split("/")[-1]
    svc = backend.services.get(f"{cluster}:{str(req.param('service') or '').split('/')[-1]}")
    if svc is None:
        return None, None
    return ecs_service._services(req.account_id, req.region).get(svc.arn), svc


def _role(req, arn: Any, what: str, trusted: str | None = None) -> None:
    if not isinstance(arn, str) or not ROLE_ARN.fullmatch(arn):
        raise _bad(f"{what} '{arn}' is not a valid IAM role ARN.")
    from moto.iam.models import iam_backends

    name = ROLE_ARN.fullmatch(arn).group(1)
    try:
        role = iam_backends[req.account_id]["global"].get_role(name)
    except Exception as err:  # noqa: BLE001 - NoSuchEntity
        raise _bad(f"{what} '{arn}': the role does not exist.") from err
    if trusted is None:
        return
    document = role.assume_role_policy_document
    if isinstance(document, str):
        try:
            document = json.loads(urllib.parse.unquote(document))
        except ValueError:
            document = {}
    statements = document.get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = (
            (statement.get("Principal") or {}).get("Service") if isinstance(statement.get("Principal"), dict) else None
        )
        principals = principal if isinstance(principal, list) else [principal]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if trusted in principals and any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            return
    raise _bad(f"{what} '{arn}': Amazon ECS ({trusted}) is not allowed to assume the role (its trust policy).")


def _hooks(req, hooks: Any) -> None:
    if not isinstance(hooks, list):
        raise _bad("lifecycleHooks must be a list.")
    for index, hook in enumerate(hooks):
        where = f"lifecycleHooks[{index}]"
        kind = hook.get("targetType") or "AWS_LAMBDA"
        if kind not in ("AWS_LAMBDA", "PAUSE"):
            raise _bad(f"{where}.targetType '{kind}' is not valid: use AWS_LAMBDA or PAUSE.")
        stages = hook.get("lifecycleStages")
        if not stages:
            raise _bad(f"{where}.lifecycleStages is required.")
        for stage in stages:
            if stage not in HOOK_STAGES:
                raise _bad(f"{where}.lifecycleStages: '{stage}' is not valid; valid stages: {', '.join(HOOK_STAGES)}.")
            if kind == "PAUSE" and stage in LAMBDA_ONLY:
                raise _bad(
                    f"{where}: PAUSE hooks cannot be configured at {stage}; {' and '.join(LAMBDA_ONLY)} are only "
                    "valid for AWS_LAMBDA hooks."
                )
        if kind == "AWS_LAMBDA":
            target = hook.get("hookTargetArn")
            if not target or not LAMBDA_ARN.fullmatch(str(target)):
                raise _bad(
                    f"{where}.hookTargetArn must be a Lambda function ARN for an AWS_LAMBDA hook, not {target!r}."
                )
            _role(req, hook.get("roleArn"), f"{where}.roleArn")
        elif hook.get("hookTargetArn"):
            raise _bad(f"{where}.hookTargetArn is not applicable to a PAUSE hook.")
        timeout = hook.get("timeoutConfiguration") or {}
        minutes = timeout.get("timeoutInMinutes")
        low, high = HOOK_TIMEOUT_RANGE
        if minutes is not None and (
            isinstance(minutes, bool) or not isinstance(minutes, int) or not low <= minutes <= high
        ):
            raise _bad(f"{where}.timeoutConfiguration.timeoutInMinutes must be from {low} to {high}, not {minutes!r}.")
        action = timeout.get("action")
        if action is not None and action not in ("ROLLBACK", "CONTINUE"):
            raise _bad(f"{where}.timeoutConfiguration.action '{action}' is not valid: use ROLLBACK or CONTINUE.")


def _rule(req, arn: Any, what: str) -> Any:
    from moto.elbv2.models import elbv2_backends

    if not isinstance(arn, str) or ":listener-rule/" not in arn:
        raise _bad(f"{what} '{arn}' is not a listener rule ARN.")
    backend = elbv2_backends[req.account_id][req.region]
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            rule = listener.rules.get(arn)
            if rule is not None:
                if rule.is_default:
                    raise _bad(f"{what} '{arn}' is a listener's default rule: name a rule ECS can change (ModifyRule).")
                return rule, balancer.arn
    raise _bad(f"{what} '{arn}': the listener rule does not exist.")


def _forwards(rule: Any) -> set[str]:
    found: set[str] = set()
    for action in rule.actions:
        data = action.data
        if (data.get("Type") or "").lower() != "forward":
            continue
        if data.get("TargetGroupArn"):
            found.add(data["TargetGroupArn"])
        for group in (data.get("ForwardConfig") or {}).get("TargetGroups") or []:
            found.add(group.get("TargetGroupArn"))
    return found


def _advanced(req, lb: dict[str, Any], index: int) -> None:
    from moto.elbv2.models import elbv2_backends

    where = f"loadBalancers[{index}].advancedConfiguration"
    advanced = lb.get("advancedConfiguration") or {}
    for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
        if not advanced.get(key):
            raise _bad(f"{where}.{key} is required for a blue/green, linear or canary deployment.")
    groups = elbv2_backends[req.account_id][req.region].target_groups
    primary, alternate = lb.get("targetGroupArn"), advanced["alternateTargetGroupArn"]
    if primary not in groups:
        raise _bad(f"loadBalancers[{index}].targetGroupArn '{primary}': the target group does not exist.")
    if alternate not in groups:
        raise _bad(f"{where}.alternateTargetGroupArn '{alternate}': the target group does not exist.")
    if alternate == primary:
        raise _bad(f"{where}.alternateTargetGroupArn must differ from loadBalancers[{index}].targetGroupArn.")
    if groups[primary].target_type != groups[alternate].target_type:
        raise _bad(f"{where}: the two target groups must have the same target type.")
    pair = {primary, alternate}
    balancers = set()
    for key in ("productionListenerRule", "testListenerRule"):
        if not advanced.get(key):
            continue
        rule, balancer = _rule(req, advanced[key], f"{where}.{key}")
        forwards = _forwards(rule)
        if not forwards or not forwards <= pair:
            raise _bad(
                f"{where}.{key} '{advanced[key]}' must forward to the service's target groups only "
                f"({primary} and {alternate})."
            )
        balancers.add(balancer)
    if advanced.get("testListenerRule") == advanced["productionListenerRule"]:
        raise _bad(f"{where}.testListenerRule must differ from productionListenerRule.")
    if len(balancers) > 1:
        raise _bad(f"{where}: the production and test listener rules must belong to the same load balancer.")
    _role(req, advanced["roleArn"], f"{where}.roleArn", trusted="ecs.amazonaws.com")


def _effective(req, current: dict[str, Any] | None) -> dict[str, Any]:
    config = dict((current or {}).get("deploymentConfiguration") or {})
    config.update(req.param("deploymentConfiguration") or {})
    return config


def _check_configuration(req, config: dict[str, Any], requested: dict[str, Any]) -> str:
    strategy = config.get("strategy") or "ROLLING"
    if strategy not in STRATEGIES:
        raise _bad(f"deploymentConfiguration.strategy '{strategy}' is not valid: use {', '.join(STRATEGIES)}.")
    _minutes(requested.get("bakeTimeInMinutes"), "deploymentConfiguration.bakeTimeInMinutes")
    if strategy == "BLUE_GREEN" and config.get("bakeTimeInMinutes") is None:
        raise _bad("deploymentConfiguration.bakeTimeInMinutes is required with the BLUE_GREEN strategy.")
    for key, (owner, percent, low, bake) in SHIFT_CONFIGURATIONS.items():
        shift = requested.get(key)
        if shift is None:
            continue
        if strategy != owner:
            raise _bad(f"deploymentConfiguration.{key} can only be set with the {owner} strategy.")
        _percent(shift.get(percent), f"{key}.{percent}", low)
        _minutes(shift.get(bake), f"{key}.{bake}")
    if requested.get("lifecycleHooks") is not None:
        _hooks(req, requested["lifecycleHooks"])
    if config.get("lifecycleHooks") and strategy not in NATIVE:
        raise _bad("deploymentConfiguration.lifecycleHooks need the BLUE_GREEN, LINEAR or CANARY strategy.")
    return strategy


@validates("ecs", "CreateService")
def create_service(req) -> None:
    requested = req.param("deploymentConfiguration") or {}
    config = _effective(req, None)
    strategy = _check_configuration(req, config, requested)
    controller = (req.param("deploymentController") or {}).get("type", "ECS")
    if controller not in CONTROLLERS:
        raise _bad(f"deploymentController.type '{controller}' is not valid: use {', '.join(CONTROLLERS)}.")
    _load_balancers(req, req.param("loadBalancers") or [], strategy, controller)


def _load_balancers(req, lbs: list[dict[str, Any]], strategy: str, controller: str) -> None:
    if strategy in NATIVE and controller != "ECS":
        raise _bad(f"The {strategy} deployment strategy needs the ECS deployment controller, not {controller}.")
    for index, lb in enumerate(lbs):
        if lb.get("advancedConfiguration") and strategy not in NATIVE:
            raise _bad(
                f"loadBalancers[{index}].advancedConfiguration is only used by the BLUE_GREEN, LINEAR and CANARY "
                "strategies."
            )
        if strategy in NATIVE and lb.get("targetGroupArn"):
            _advanced(req, lb, index)


def _codedeploy_in_flight(req, svc: Any) -> bool:
    for _key, state in STORE.items("codedeploy"):
        for dep in (state.get("deployments") or {}).values():
            same = dep.account == req.account_id and dep.service_name == svc.name
            if dep.active and same and dep.cluster_name in (svc.cluster_name, svc.cluster_arn):
                return True
    return False


@validates("ecs", "UpdateService")
def update_service(req) -> None:
    current, svc = _current(req)
    if svc is None:
        return  # moto answers ServiceNotFoundException
    requested = req.param("deploymentConfiguration") or {}
    config = _effective(req, current)
    strategy = _check_configuration(req, config, requested)
    old = (svc.deployment_controller or {}).get("type", "ECS")
    new = (req.param("deploymentController") or {}).get("type", old)
    if new not in CONTROLLERS:
        raise _bad(f"deploymentController.type '{new}' is not valid: use {', '.join(CONTROLLERS)}.")
    if new != old and old != "ECS":
        task_sets = list(svc.task_sets)
        if _codedeploy_in_flight(req, svc) or len(task_sets) > 1 or any(t.status != "PRIMARY" for t in task_sets):
            raise _bad(
                f"The deployment controller of service {svc.name} cannot change while a deployment is in progress: "
                "wait until the service has only its PRIMARY task set."
            )
    if new != old and old == "ECS":
        from awsemu.services import ecs_native

        if ecs_native.in_progress(req.account_id, req.region, svc.arn) is not None:
            raise _bad(
                f"The deployment controller of service {svc.name} cannot change while a service deployment is in "
                "progress."
            )
    lbs = req.param("loadBalancers")
    if lbs is None:
        lbs = [dict(lb) for lb in (svc.load_balancers or [])]
    _load_balancers(req, lbs, strategy if new == "ECS" else "ROLLING", new)
    was_rolling = (current or {}).get("deploymentConfiguration", {}).get("strategy", "ROLLING") == "ROLLING"
    rolling_busy = any(
        d.get("rolloutState") == "IN_PROGRESS" or d.get("status") != "PRIMARY"
        for d in (current or {}).get("deployments") or []
    )
    if new == "ECS" and strategy in NATIVE and was_rolling and rolling_busy:
        raise _bad(
            f"Service {svc.name} has a rolling deployment in progress: wait for it to complete before changing "
            f"the deployment strategy to {strategy}."
        )
