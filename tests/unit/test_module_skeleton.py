"""The shared skeleton of every module: module_utils/errors.py (described AWS calls), module_utils/elbv2.py
(which target group is live, decided once), and the module that exposes it, elb_listener_traffic_info."""

from __future__ import annotations

import re
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import elbv2
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, fail, run
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import elb_listener_traffic_info as traffic_module

TG = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/{}/0123456789abcdef"
TG_CN = "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:targetgroup/{}/0123456789abcdef"
LB = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/helloapp-alb/0123456789abcdef"


def client_error(code):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "no"}}, "Op")


@aws_call("get thing {name}", missing="NoSuchThing", explain={"Busy": "thing {name} is busy"})
def get_thing(name, error=None):
    if error:
        raise client_error(error)
    return {"name": name}


@pytest.mark.parametrize(
    ("error", "outcome"),
    [
        (None, {"name": "x"}),
        ("NoSuchThing", None),
        ("AccessDenied", "Failed to get thing x"),
        ("Busy", "thing x is busy"),
    ],
)
def test_aws_call_names_what_failed(error, outcome):
    if error in (None, "NoSuchThing"):
        assert get_thing("x", error=error) == outcome
        return
    with pytest.raises(AnsibleAWSError) as info:
        get_thing("x", error=error)
    assert info.value.message == outcome
    assert info.value.exception.response["Error"]["Code"] == error


class FakeModule:
    def __init__(self):
        self.calls = []

    def fail_json_aws(self, exception, msg, **kwargs):
        self.calls.append(("fail_json_aws", msg, kwargs))
        raise SystemExit

    def fail_json(self, msg, **kwargs):
        self.calls.append(("fail_json", msg, kwargs))
        raise SystemExit

    def exit_json(self, **kwargs):
        self.calls.append(("exit_json", kwargs))
        raise SystemExit


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ModuleFailure("bad input", changed=False), ("fail_json", "bad input", {"changed": False})),
        (AnsibleAWSError(message="Failed to x", exception=client_error("E")), ("fail_json_aws", "Failed to x", {})),
    ],
)
def test_fail_ends_the_module_the_right_way(error, expected):
    module = FakeModule()
    with pytest.raises(SystemExit):
        fail(module, error)
    assert module.calls == [expected]


def ensure_thing(module, name, error=None, refuse=False):
    if refuse:
        raise ModuleFailure(f"name {name} is not allowed", changed=False)
    return {"changed": True, "thing": get_thing(name, error=error)}


@pytest.mark.parametrize(
    ("error", "refuse", "expected"),
    [
        (None, False, ("exit_json", {"changed": True, "thing": {"name": "x"}})),
        ("NoSuchThing", False, ("exit_json", {"changed": True, "thing": None})),
        ("AccessDenied", False, ("fail_json_aws", "Failed to get thing x", {})),
        (None, True, ("fail_json", "name x is not allowed", {"changed": False})),
    ],
)
def test_run_ends_the_module_once_with_the_result_or_the_failure(error, refuse, expected):
    module = FakeModule()
    with pytest.raises(SystemExit):
        run(module, ensure_thing, "x", error, refuse)
    assert module.calls == [expected]


# --- which target group is live ----------------------------------------------------------------------------

API_WEIGHTED = [
    {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [
                {"TargetGroupArn": TG.format("tg1"), "Weight": 10},
                {"TargetGroupArn": TG.format("tg2"), "Weight": 90},
            ]
        },
    }
]
SNAKE_WEIGHTED = [
    {
        "type": "forward",
        "forward_config": {
            "target_groups": [
                {"target_group_arn": TG.format("tg1"), "weight": 0},
                {"target_group_arn": TG.format("tg2"), "weight": 1},
            ]
        },
    }
]


@pytest.mark.parametrize(
    ("actions", "live", "weights"),
    [
        ([{"Type": "forward", "TargetGroupArn": TG.format("tg1")}], "tg1", {"tg1": 100.0}),
        (API_WEIGHTED, "tg2", {"tg1": 10.0, "tg2": 90.0}),
        (SNAKE_WEIGHTED, "tg2", {"tg2": 100.0}),  # elb_application_lb_info's shape, weight 0 left out
        ([{"Type": "fixed-response"}], None, {}),
        ([], None, {}),
        ([{"Type": "forward", "TargetGroupArn": TG_CN.format("china")}], "china", {"china": 100.0}),
    ],
    ids=["plain", "weighted", "snake-case", "no-forward", "none", "other-partition"],
)
def test_live_target_group(actions, live, weights):
    assert elbv2.live_target_group(actions) == live
    assert elbv2.forward_weights(actions) == weights


def test_the_first_of_equal_weights_is_live():
    groups = [{"TargetGroupArn": TG.format(n), "Weight": 50} for n in ("tg1", "tg2")]
    assert elbv2.live_target_group([{"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}]) == "tg1"


def test_listener_traffic_info(stubs, run_module):
    stubs.elbv2.add_response(
        "describe_load_balancers", {"LoadBalancers": [{"LoadBalancerArn": LB}]}, {"Names": ["helloapp-alb"]}
    )
    stubs.elbv2.add_response(
        "describe_listeners",
        {
            "Listeners": [
                {"ListenerArn": f"{LB}/8080", "Port": 8080, "Protocol": "HTTP", "DefaultActions": API_WEIGHTED},
                {
                    "ListenerArn": f"{LB}/80",
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG.format("tg1")}],
                },
            ]
        },
        {"LoadBalancerArn": LB},
    )

    result = run_module(traffic_module.main, {"load_balancer_name": "helloapp-alb"})

    assert result["changed"] is False and result["load_balancer_exists"] is True
    assert [(item["port"], item["live_target_group"]) for item in result["listeners"]] == [(80, "tg1"), (8080, "tg2")]
    assert result["listeners"][1]["weights"] == {"tg1": 10.0, "tg2": 90.0}


def test_listener_traffic_info_without_the_load_balancer(stubs, run_module):
    stubs.elbv2.add_client_error("describe_load_balancers", service_error_code="LoadBalancerNotFound")
    result = run_module(traffic_module.main, {"load_balancer_name": "gone", "ports": [80]})
    assert result["failed"] is False and result["load_balancer_exists"] is False and result["listeners"] == []


PLUGINS = Path(__file__).resolve().parents[2] / "collections/ansible_collections/fargatedemo/ecs_delivery/plugins"


def _paginated_operations():
    """(file, operation) of every paginated_query_with_retries call in the collection's plugins."""
    calls = []
    for path in sorted(PLUGINS.rglob("*.py")):
        text = path.read_text()
        for match in re.finditer(r'paginated_query_with_retries\(\s*\w+,\s*"(\w+)"', text):
            calls.append((path.name, match.group(1)))
    return calls


def _services():
    services = set()
    for path in PLUGINS.rglob("*.py"):
        services.update(re.findall(r'\.client\(\s*"([a-z0-9-]+)"', path.read_text()))
    return sorted(services)


def test_the_plugins_call_paginated_query_with_retries_at_least_once():
    assert len(_paginated_operations()) >= 5


@pytest.mark.parametrize(("source", "operation"), _paginated_operations())
def test_every_paginated_query_names_an_operation_botocore_can_paginate(source, operation):
    # amazon.aws's paginated_query_with_retries needs a botocore paginator; an operation without one (e.g.
    # codestar-connections ListConnections) fails at run time with "Operation cannot be paginated".
    session = boto3.session.Session(region_name="ap-northeast-2", aws_access_key_id="x", aws_secret_access_key="x")
    clients = [session.client(service) for service in _services()]
    pageable = [c for c in clients if hasattr(c, operation) and c.can_paginate(operation)]
    assert pageable, f"{source}: no client the collection uses can paginate {operation}"
