"""ELBv2 listener rules as AWS documents them, and the one routing view of the emulator's load balancers.

Fixes to moto 5.2's rules (ELBv2 API reference: Action, ForwardActionConfig, TargetGroupTuple,
TargetGroupStickinessConfig, DescribeRules; "Listener rules for your Application Load Balancer"):

- A forward action names one to five target groups (``ValidationError`` otherwise; moto takes none or
  any number), each at most once, with a ``Weight`` from 0 to 999 (moto takes any); ``TargetGroupArn``
  together with a ``ForwardConfig`` must name the same single target group; enabled target group
  stickiness needs ``DurationSeconds`` from 1 to 604800. This holds for CreateRule, ModifyRule,
  CreateListener and ModifyListener alike.
- DescribeRules lists a listener's rules by priority, the default rule last (moto: in creation order).
- DescribeTargetGroups' ``LoadBalancerArns`` are the load balancers whose listeners forward to the group
  now, each once (moto appends on every CreateRule and never removes one).

**The routing view** (:func:`routing_view`, also ``GET /_emulator/elbv2/routing``) is what a data plane
needs to serve the emulator's load balancers, normalised from moto's state at the moment it is asked, so a
ModifyRule or ModifyListener shows at once::

    {"LoadBalancers": [{"LoadBalancerArn", "LoadBalancerName", "Type", "Scheme", "DNSName", "State",
                        "Listeners": [{"ListenerArn", "Port", "Protocol",
                                       ("SslPolicy", "Certificates": [{"CertificateArn"}]: HTTPS only),
                                       "DefaultActions": [action, ...],
                                       "Rules": [{"RuleArn", "Priority", "IsDefault", "Conditions", "Actions"}]}]}],
     "TargetGroups": {arn: {"TargetGroupArn", "TargetGroupName", "Protocol", "Port", "TargetType", "VpcId",
                            "HealthCheck": {"Enabled", "Protocol", "Port", "Path", "IntervalSeconds",
                                            "TimeoutSeconds", "HealthyThresholdCount",
                                            "UnhealthyThresholdCount", "Matcher"},
                            "DeregistrationDelaySeconds", "LoadBalancerArns",
                            "Targets": [{"Id", "Port", "AvailabilityZone", "State", "Reason", "Description",
                                         "Since", "TaskArn"}]}},
     "Fingerprint": "<sha256 of the rest>"}

Rules are sorted by priority (an int; the default rule, ``Priority`` ``"default"``, last) and carry the
listener's default actions as the default rule. Every action is normalised: ``Type`` and ``Order`` (AWS's
implicit order: the list position + 1), and a forward action always has ``ForwardConfig`` with
``TargetGroups`` ([{"TargetGroupArn", "Weight"}], weight 1 when unset) and ``TargetGroupStickinessConfig``,
whether it was written with ``TargetGroupArn`` or with weights. Targets are listed with the state
DescribeTargetHealth would answer (``awsemu.services.elbv2_targets``). ``Fingerprint`` changes whenever
anything in the view does: compare it to know when to re-render.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, elbv2_backends

from awsemu import reconcile
from awsemu.core import STORE, admin
from awsemu.services import elbv2_targets

MAX_TARGET_GROUPS_PER_FORWARD = 5  # "Target groups per action" (Application Load Balancer quotas)
MAX_WEIGHT = 999
MAX_STICKINESS_SECONDS = 604800


class ValidationError(ELBClientError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationError", message)


def _forward_groups(action: dict[str, Any]) -> list[dict[str, Any]]:
    return list(((action.get("ForwardConfig") or {}).get("TargetGroups")) or [])


def _data(action: Any) -> dict[str, Any]:
    return action.data if hasattr(action, "data") else action  # moto's FakeAction or an Action shape


def forward_weights(actions: list[Any]) -> dict[str, int]:
    """{target group arn: weight} of the first forward action among ``actions`` (moto's actions or Action
    shapes); a forward written with ``TargetGroupArn`` alone, or a group without a weight, weighs 1."""
    for action in map(_data, actions or []):
        if (action.get("Type") or "").lower() != "forward":
            continue
        groups = _forward_groups(action)
        if groups:
            return {g["TargetGroupArn"]: int(1 if g.get("Weight") is None else g["Weight"]) for g in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


def replace_forward(actions: list[Any], make: Any) -> tuple[list[dict[str, Any]], bool]:
    """Copies of ``actions`` with the first forward action replaced by ``make(that action)``, which keeps its
    ``Order``; and whether there was one to replace. How the release engines (CodeDeploy, ECS-native) shift
    traffic: a ModifyListener or ModifyRule that changes the forward and leaves every other action as it was."""
    out, replaced = [], False
    for action in map(_data, actions or []):
        if replaced or (action.get("Type") or "").lower() != "forward":
            out.append(copy.deepcopy(action))
            continue
        forward = make(action)
        if "Order" in action:
            forward["Order"] = action["Order"]
        out.append(forward)
        replaced = True
    return out, replaced


def validate_actions(actions: list[dict[str, Any]] | None) -> None:
    """Raise AWS's ValidationError for a forward action AWS refuses (see the module docstring)."""
    for index, action in enumerate(actions or [], start=1):
        if (action.get("Type") or "").lower() != "forward":
            continue
        config = action.get("ForwardConfig")
        arn = action.get("TargetGroupArn")
        if config is None:
            if not arn:
                raise ValidationError(f"A target group ARN must be specified for action {index}")
            continue
        groups = _forward_groups(action)
        if not groups:
            raise ValidationError(f"You must specify at least one target group in 'ForwardConfig' of action {index}")
        if len(groups) > MAX_TARGET_GROUPS_PER_FORWARD:
            raise ValidationError(
                f"You cannot specify more than {MAX_TARGET_GROUPS_PER_FORWARD} target groups in a forward action"
            )
        arns = [g.get("TargetGroupArn") for g in groups]
        if len(set(arns)) != len(arns):
            raise ValidationError("A target group can be specified only once in a forward action")
        for group in groups:
            weight = group.get("Weight")
            if weight is not None and not 0 <= int(weight) <= MAX_WEIGHT:
                raise ValidationError(
                    f"Weight '{weight}' must be between 0 and {MAX_WEIGHT} (target group {group.get('TargetGroupArn')})"
                )
        if arn and (len(groups) != 1 or arns[0] != arn):
            raise ValidationError(
                "You cannot specify both a target group ARN and a forward config with a different or more than "
                "one target group"
            )
        stickiness = config.get("TargetGroupStickinessConfig") or {}
        if stickiness.get("Enabled"):
            duration = stickiness.get("DurationSeconds")
            if duration is None or not 1 <= int(duration) <= MAX_STICKINESS_SECONDS:
                raise ValidationError(
                    f"Target group stickiness duration must be between 1 and {MAX_STICKINESS_SECONDS} seconds"
                )


# ----------------------------------------------------------------------------------------------- moto glue
_moto_create_rule = ELBv2Backend.create_rule
_moto_modify_rule = ELBv2Backend.modify_rule
_moto_create_listener = ELBv2Backend.create_listener
_moto_modify_listener = ELBv2Backend.modify_listener
_moto_describe_rules = ELBv2Backend.describe_rules
_moto_describe_target_groups = ELBv2Backend.describe_target_groups


def create_rule(self: ELBv2Backend, listener_arn: str, conditions: Any, priority: Any, actions: Any, **kw: Any) -> Any:
    validate_actions(actions)
    return _moto_create_rule(self, listener_arn, conditions, priority, actions, **kw)


def modify_rule(self: ELBv2Backend, rule_arn: str, conditions: Any, actions: Any) -> Any:
    validate_actions(actions)
    return _moto_modify_rule(self, rule_arn, conditions, actions)


def create_listener(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    validate_actions(kwargs.get("actions") if "actions" in kwargs else (args[5] if len(args) > 5 else None))
    return _moto_create_listener(self, *args, **kwargs)


def modify_listener(self: ELBv2Backend, arn: str, *args: Any, **kwargs: Any) -> Any:
    validate_actions(kwargs.get("actions") if "actions" in kwargs else (args[4] if len(args) > 4 else None))
    return _moto_modify_listener(self, arn, *args, **kwargs)


def _priority_key(rule: Any) -> tuple[int, int]:
    return (1, 0) if rule.priority == "default" or getattr(rule, "is_default", False) else (0, int(rule.priority))


def describe_rules(self: ELBv2Backend, listener_arn: str | None, rule_arns: list[str] | None) -> list[Any]:
    return sorted(_moto_describe_rules(self, listener_arn, rule_arns), key=_priority_key)


def _associations(self: ELBv2Backend) -> dict[str, list[str]]:
    """{target group arn: [load balancer arns whose listeners forward to it now]}."""
    found: dict[str, list[str]] = {}
    for balancer in self.load_balancers.values():
        for listener in balancer.listeners.values():
            for rule in listener.rules.values():
                for action in rule.actions:
                    for arn in self._get_target_group_arns_from(action_data=action.data):
                        owners = found.setdefault(arn, [])
                        if balancer.arn not in owners:
                            owners.append(balancer.arn)
    return found


def describe_target_groups(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
    associations = _associations(self)
    for group in self.target_groups.values():
        group.load_balancer_arns = list(associations.get(group.arn, []))
    return _moto_describe_target_groups(self, *args, **kwargs)


def _chain(name: str, fn: Any) -> None:
    """Install ``fn`` over ELBv2Backend.``name``, calling whatever is there now (other modules wrap it too)."""
    current = getattr(ELBv2Backend, name)
    if getattr(current, "__module__", "") == __name__:
        return
    globals()[f"_moto_{name}"] = current
    fn.__module__ = __name__
    setattr(ELBv2Backend, name, fn)


for _name, _fn in (
    ("create_rule", create_rule),
    ("modify_rule", modify_rule),
    ("create_listener", create_listener),
    ("modify_listener", modify_listener),
    ("describe_rules", describe_rules),
    ("describe_target_groups", describe_target_groups),
):
    _chain(_name, _fn)


# ----------------------------------------------------------------------------------------------- the view
def normalise_action(action: dict[str, Any], position: int) -> dict[str, Any]:
    """One action as the routing view gives it (see the module docstring)."""
    data = copy.deepcopy(action)
    kind = (data.get("Type") or "").lower()
    out: dict[str, Any] = {"Type": kind, "Order": int(data.get("Order") or position)}
    if kind == "forward":
        groups = _forward_groups(data) or (
            [{"TargetGroupArn": data["TargetGroupArn"]}] if data.get("TargetGroupArn") else []
        )
        stickiness = (data.get("ForwardConfig") or {}).get("TargetGroupStickinessConfig") or {"Enabled": False}
        out["ForwardConfig"] = {
            "TargetGroups": [
                {"TargetGroupArn": g["TargetGroupArn"], "Weight": int(g.get("Weight", 1))} for g in groups
            ],
            "TargetGroupStickinessConfig": {k: v for k, v in stickiness.items() if v is not None},
        }
        if len(groups) == 1:
            out["TargetGroupArn"] = groups[0]["TargetGroupArn"]
    for key, value in data.items():
        if key not in ("Type", "Order", "TargetGroupArn", "ForwardConfig"):
            out[key] = value
    return out


def _actions(actions: list[Any]) -> list[dict[str, Any]]:
    return sorted(
        (normalise_action(_data(a), i) for i, a in enumerate(actions, start=1)),
        key=lambda a: a["Order"],
    )


def _health_check(group: Any) -> dict[str, Any]:
    return {
        "Enabled": bool(getattr(group, "health_check_enabled", True)),
        "Protocol": group.health_check_protocol,
        "Port": group.health_check_port,
        "Path": group.health_check_path,
        "IntervalSeconds": int(group.health_check_interval_seconds),
        "TimeoutSeconds": int(group.health_check_timeout_seconds),
        "HealthyThresholdCount": int(group.healthy_threshold_count),
        "UnhealthyThresholdCount": int(group.unhealthy_threshold_count),
        "Matcher": copy.deepcopy(getattr(group, "matcher", None)),
    }


def routing_view(account: str, region: str, load_balancer_arn: str | None = None) -> dict[str, Any]:
    """The load balancers (one, or all) of an account and region with listeners, rules and targets."""
    now = reconcile.now()
    with STORE.lock:
        backend = elbv2_backends[account][region]
        associations = _associations(backend)
        balancers = []
        for balancer in backend.load_balancers.values():
            if load_balancer_arn and balancer.arn != load_balancer_arn:
                continue
            listeners = []
            for listener in sorted(balancer.listeners.values(), key=lambda item: int(item.port)):
                rules = [
                    {
                        "RuleArn": rule.arn,
                        "Priority": "default" if rule.is_default else int(rule.priority),
                        "IsDefault": bool(rule.is_default),
                        "Conditions": copy.deepcopy(rule.conditions),
                        "Actions": _actions(rule.actions),
                    }
                    for rule in sorted(listener.rules.values(), key=_priority_key)
                ]
                listeners.append(
                    {
                        "ListenerArn": listener.arn,
                        "Port": int(listener.port),
                        "Protocol": listener.protocol,
                        "DefaultActions": _actions(listener.default_actions),
                        "Rules": rules,
                        # What a data plane needs to terminate TLS (ACM holds an imported certificate's key).
                        **(
                            {
                                "SslPolicy": listener.ssl_policy,
                                "Certificates": [{"CertificateArn": arn} for arn in listener.certificates if arn],
                            }
                            if listener.protocol == "HTTPS"
                            else {}
                        ),
                    }
                )
            balancers.append(
                {
                    "LoadBalancerArn": balancer.arn,
                    "LoadBalancerName": balancer.name,
                    "Type": balancer.type,
                    "Scheme": balancer.scheme,
                    "DNSName": balancer.dns_name,
                    "State": (balancer.state or {}).get("Code") if isinstance(balancer.state, dict) else balancer.state,
                    "Listeners": listeners,
                }
            )
        wanted = {
            g
            for b in balancers
            for lst in b["Listeners"]
            for r in lst["Rules"]
            for a in r["Actions"]
            for g in [t["TargetGroupArn"] for t in (a.get("ForwardConfig") or {}).get("TargetGroups", [])]
        }
        groups = {}
        for arn, group in backend.target_groups.items():
            if load_balancer_arn and arn not in wanted:
                continue
            groups[arn] = {
                "TargetGroupArn": arn,
                "TargetGroupName": group.name,
                "Protocol": group.protocol,
                "Port": int(group.port) if group.port is not None else None,
                "TargetType": group.target_type,
                "VpcId": group.vpc_id,
                "HealthCheck": _health_check(group),
                "DeregistrationDelaySeconds": elbv2_targets.deregistration_delay(group),
                "LoadBalancerArns": list(associations.get(arn, [])),
                "Targets": sorted(
                    elbv2_targets.targets_of(account, region, arn, now), key=lambda t: (t["Id"], t["Port"])
                ),
            }
        view: dict[str, Any] = {"LoadBalancers": balancers, "TargetGroups": groups}
        view["Fingerprint"] = hashlib.sha256(json.dumps(view, sort_keys=True, default=str).encode()).hexdigest()
        return view


@admin("elbv2/routing")
def _admin_routing(method: str, payload: Any) -> dict[str, Any]:
    """``GET /_emulator/elbv2/routing`` ({"account", "region", "loadBalancerArn"} optional): the routing view."""
    payload = payload if isinstance(payload, dict) else {}
    reconcile.reconcile()
    account = payload.get("account") or "123456789012"
    region = payload.get("region") or "ap-northeast-2"
    return routing_view(account, region, payload.get("loadBalancerArn"))
