# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which target group is live: decided here, once, for every caller.

Stable interface (modules, filter plugins and scripts import these; keep their names and meaning):

* ``live_target_group_arn(actions)``: the ARN of the target group a listener's default actions send the
  traffic to: of a forward action's weighted target groups the heaviest (the first of equals), else the
  action's ``TargetGroupArn``; None when the listener forwards nowhere. ``actions`` is a listener's
  ``DefaultActions`` as the ELBv2 API returns it, or ``default_actions`` as amazon.aws's
  ``elb_application_lb_info`` returns it (snake_case): both shapes are read.
* ``live_target_group(actions)``: the name of that target group (None when there is none).
* ``target_group_name(arn)``: the name part of a target group ARN.
* ``forward_weights(actions)``: ``{target group name: percent of the traffic}`` of the forward actions,
  target groups with weight 0 left out.
"""

from __future__ import annotations

from ansible_collections.amazon.aws.plugins.module_utils.arn import parse_aws_arn
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries

from .errors import aws_call

# (API key, elb_application_lb_info key)
_KEYS = {
    "type": ("Type", "type"),
    "forward": ("ForwardConfig", "forward_config"),
    "groups": ("TargetGroups", "target_groups"),
    "arn": ("TargetGroupArn", "target_group_arn"),
    "weight": ("Weight", "weight"),
}


def _get(item, key, default=None):
    camel, snake = _KEYS[key]
    if camel in item:
        return item[camel]
    return item.get(snake, default)


def _forwarded(actions):
    """[(target group ARN, weight)] of the forward actions, in order."""
    found = []
    for action in actions or []:
        if str(_get(action, "type", "")).lower() != "forward":
            continue
        groups = _get(_get(action, "forward") or {}, "groups") or []
        if groups:
            for group in groups:
                weight = _get(group, "weight")
                found.append((_get(group, "arn"), 1 if weight is None else int(weight)))
        elif _get(action, "arn"):
            found.append((_get(action, "arn"), 1))
    return found


def target_group_name(arn):
    """``arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>`` -> ``<name>``."""
    if not arn:
        return None
    parsed = parse_aws_arn(arn)
    resource = (parsed or {}).get("resource") or arn
    parts = resource.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "targetgroup" else resource


def live_target_group_arn(actions):
    best = None
    for arn, weight in _forwarded(actions):
        if weight > 0 and (best is None or weight > best[1]):
            best = (arn, weight)
    return best[0] if best else None


def live_target_group(actions):
    return target_group_name(live_target_group_arn(actions))


def forward_weights(actions):
    groups = [(arn, weight) for arn, weight in _forwarded(actions) if weight > 0]
    total = sum(weight for _arn, weight in groups) or 1
    return {target_group_name(arn): 100.0 * weight / total for arn, weight in groups}


@aws_call("describe listener {listener_arn}", missing="ListenerNotFound", default=[])
def describe_listener(client, listener_arn):
    return client.describe_listeners(ListenerArns=[listener_arn], aws_retry=True).get("Listeners") or []


@aws_call("describe load balancer {name}", missing="LoadBalancerNotFound")
def describe_load_balancer(client, name):
    return client.describe_load_balancers(Names=[name], aws_retry=True)["LoadBalancers"][0]


@aws_call("describe the listeners of load balancer {load_balancer_arn}")
def describe_listeners(client, load_balancer_arn):
    return (
        paginated_query_with_retries(client, "describe_listeners", LoadBalancerArn=load_balancer_arn).get("Listeners")
        or []
    )
