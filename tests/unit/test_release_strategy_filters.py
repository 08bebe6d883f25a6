"""The release style filters (plugins/filter/release_strategy.py): no emulator, no Ansible run."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.release_strategy import (
    aws_partition,
    lifecycle_hook_functions,
    native_checkpoint,
    native_listener_rules,
    native_overlap_minutes,
    release_alarms,
    release_configuration,
    release_problems,
)

P = "app_release_"
TG1 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg1/1111"
TG2 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg2/2222"
OTHER = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/other/3333"


@pytest.mark.parametrize(
    ("style", "controller", "native"),
    [("rolling", "ECS", False), ("codedeploy", "CODE_DEPLOY", False), ("blue_green", "ECS", True)],
)
def test_the_style_gives_the_controller(style, controller, native):
    plan = release_configuration({f"{P}strategy": style, f"{P}canary_percent": 50}, P)
    assert (plan["controller"], plan["native"]) == (controller, native)
    assert ("strategy" in plan["deployment_configuration"]) is native
    # Deployment alarms are the ECS controller's (rolling and native): off without alarm names.
    assert ("alarms" in plan["deployment_configuration"]) is (controller == "ECS")


def test_deployment_alarms_reach_rolling_updates_too():
    config = release_configuration({f"{P}strategy": "rolling", f"{P}alarm_names": ["a", "b", "a"]}, P)
    assert config["deployment_configuration"] == {
        "alarms": {"alarm_names": ["a", "b"], "enable": True, "rollback": True}
    }
    off = release_configuration({f"{P}strategy": "blue_green", f"{P}alarm_rollback": "false", f"{P}alarm_names": []}, P)
    assert off["deployment_configuration"]["alarms"] == {"alarm_names": [], "enable": False, "rollback": False}
    assert release_problems({f"{P}strategy": "blue_green", f"{P}alarm_names": []}, P) == []


def test_empty_strategy_means_rolling():
    assert release_configuration({f"{P}strategy": ""}, P)["strategy"] == "ROLLING"


def test_only_the_chosen_strategys_settings_reach_the_module():
    values = {
        f"{P}strategy": "canary",
        f"{P}bake_time_minutes": "3",  # from -e: a string
        f"{P}canary_percent": 10,
        f"{P}canary_bake_minutes": 2,
        f"{P}linear_step_percent": 20,
        f"{P}alarm_names": ["high-5xx"],
    }
    config = release_configuration(values, P)["deployment_configuration"]
    assert config == {
        "strategy": "CANARY",
        "bake_time_in_minutes": 3,
        "canary_configuration": {"canary_percent": 10, "canary_bake_time_in_minutes": 2},
        "alarms": {"alarm_names": ["high-5xx"], "enable": True, "rollback": True},
    }
    linear = release_configuration({**values, f"{P}strategy": "linear"}, P)["deployment_configuration"]
    assert "canary_configuration" not in linear and linear["linear_configuration"]["step_percent"] == 20


def test_an_unknown_style_is_refused():
    with pytest.raises(AnsibleFilterError, match="app_release_strategy"):
        release_configuration({f"{P}strategy": "bluegreen"}, P)
    assert release_problems({f"{P}strategy": "bluegreen"}, P) == [
        "app_release_strategy is 'bluegreen': it must be one of rolling, codedeploy, blue_green, linear, canary."
    ]


@pytest.mark.parametrize(
    ("values", "variable", "words"),
    [
        ({f"{P}strategy": "blue_green", f"{P}bake_time_minutes": 1441}, f"{P}bake_time_minutes", "0 to 1440"),
        ({f"{P}strategy": "linear", f"{P}linear_step_percent": 2}, f"{P}linear_step_percent", "3.0 to 100.0"),
        ({f"{P}strategy": "linear", f"{P}linear_step_bake_minutes": -1}, f"{P}linear_step_bake_minutes", "0 to"),
        ({f"{P}strategy": "canary", f"{P}canary_percent": 0.05}, f"{P}canary_percent", "0.1"),
        ({f"{P}strategy": "canary", f"{P}canary_bake_minutes": 2000}, f"{P}canary_bake_minutes", "1440"),
        ({f"{P}strategy": "canary", f"{P}canary_percent": "ten"}, f"{P}canary_percent", "a number"),
        (
            {
                f"{P}strategy": "blue_green",
                f"{P}lifecycle_hooks": [{"target_type": "PAUSE", "lifecycle_stages": ["TEST_TRAFFIC_SHIFT"]}],
            },
            f"{P}lifecycle_hooks[0]",
            "PAUSE",
        ),
    ],
)
def test_settings_aws_refuses_are_reported_naming_the_variable(values, variable, words):
    found = release_problems(values, P)
    assert len(found) == 1, found
    assert found[0].startswith(variable) and words in found[0], found


def test_settings_of_another_strategy_are_not_checked():
    assert release_problems({f"{P}strategy": "blue_green", f"{P}canary_percent": 0}, P) == []
    assert release_problems({f"{P}strategy": "rolling", f"{P}bake_time_minutes": 99999}, P) == []


@pytest.mark.parametrize(
    ("style", "controller", "ok"),
    [
        ("rolling", "ECS", True),
        ("codedeploy", "CODE_DEPLOY", True),
        ("rolling", "CODE_DEPLOY", False),
        ("blue_green", "CODE_DEPLOY", False),
        ("codedeploy", "ECS", False),
        ("rolling", "BLUEGREEN", True),  # the input rules report that one
    ],
)
def test_an_old_explicit_controller_that_disagrees_gets_a_clear_message(style, controller, ok):
    found = release_problems(
        {f"{P}strategy": style, "app_deployment_controller": controller}, P, "app_deployment_controller"
    )
    assert (found == []) is ok, found
    if not ok:
        assert found[0].startswith("app_deployment_controller is ") and "app_release_strategy" in found[0]


def _listener(port, rule=None):
    return {"port": port, "listener_arn": f"listener-{port}", "rules": [{"priority": "default"}] + (rule or [])}


def _rule(port, groups, path="/*"):
    return [
        {
            "priority": "1",
            "rule_arn": f"rule-{port}",
            "conditions": [{"field": "path-pattern", "path_pattern_config": {"values": [path]}, "values": [path]}],
            "actions": [
                {
                    "type": "forward",
                    "forward_config": {"target_groups": [{"target_group_arn": g, "weight": w} for g, w in groups]},
                }
            ],
        }
    ]


def test_missing_rules_are_created_and_existing_ones_kept_whatever_their_weights():
    listeners = [_listener(80, _rule(80, [(TG1, 0), (TG2, 100)])), _listener(8080)]
    found = native_listener_rules(listeners, [80, 8080], [TG1, TG2])
    assert found == {"missing": [8080], "arns": ["rule-80", ""], "conflicts": []}


def test_a_foreign_rule_at_the_priority_is_a_conflict_not_overwritten():
    found = native_listener_rules([_listener(80, _rule(80, [(OTHER, 100)]))], [80], [TG1, TG2])
    assert found["missing"] == [] and "listener 80" in found["conflicts"][0]
    found = native_listener_rules([_listener(80, _rule(80, [(TG1, 100)], path="/api/*"))], [80], [TG1, TG2])
    assert found["conflicts"]


@pytest.mark.parametrize(
    ("given", "wanted"),
    [
        ("created", "started"),
        ("ready", "test_traffic_shifted"),
        ("traffic_shifted", "production_traffic_shifted"),
        ("succeeded", "successful"),
        ("production_traffic_shifting", "production_traffic_shifting"),
    ],
)
def test_deploy_wait_until_maps_onto_the_native_checkpoints(given, wanted):
    assert native_checkpoint(given) == wanted


def test_an_unknown_checkpoint_is_refused():
    with pytest.raises(AnsibleFilterError):
        native_checkpoint("done")


@pytest.mark.parametrize(
    ("values", "minutes"),
    [
        ({f"{P}strategy": "rolling", f"{P}bake_time_minutes": 5}, 0),
        ({f"{P}strategy": "blue_green", f"{P}bake_time_minutes": 5}, 5),
        ({f"{P}strategy": "canary", f"{P}bake_time_minutes": 5}, 15),  # + the default canary bake, 10
        ({f"{P}strategy": "linear", f"{P}linear_step_percent": 30, f"{P}linear_step_bake_minutes": 2}, 6),
        ({f"{P}strategy": "linear"}, 54),  # 9 step bakes of 6 minutes
    ],
)
def test_overlap_minutes(values, minutes):
    assert native_overlap_minutes(values, P) == minutes


@pytest.mark.parametrize(
    ("region", "partition"),
    [("ap-northeast-2", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"), ("", "aws")],
)
def test_partition(region, partition):
    assert aws_partition(region) == partition


FUNCTION = "arn:aws:lambda:ap-northeast-2:123456789012:function:check"
INFRA = "arn:aws:iam::123456789012:role/helloapp-ecs-infrastructure"
OWN = "arn:aws:iam::123456789012:role/hooks-own"
HOOKS = [
    {"hook_target_arn": FUNCTION, "lifecycle_stages": ["PRE_SCALE_UP"]},  # AWS_LAMBDA is the default type
    {
        "target_type": "AWS_LAMBDA",
        "hook_target_arn": FUNCTION + ":live",
        "role_arn": OWN,
        "lifecycle_stages": ["POST_SCALE_UP"],
    },
    {"target_type": "PAUSE", "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"]},
]


def test_lambda_hooks_without_a_role_get_the_stacks_role_and_others_are_kept():
    values = {f"{P}strategy": "blue_green", f"{P}lifecycle_hooks": HOOKS, f"{P}lifecycle_hook_role_arn": INFRA}
    hooks = release_configuration(values, P)["deployment_configuration"]["lifecycle_hooks"]
    assert [h.get("role_arn") for h in hooks] == [INFRA, OWN, None]
    assert HOOKS[0].get("role_arn") is None  # the input is not changed
    # Without the stack's role (before the infrastructure role is known) the hooks go as given.
    bare = release_configuration({**values, f"{P}lifecycle_hook_role_arn": ""}, P)
    assert [h.get("role_arn") for h in bare["deployment_configuration"]["lifecycle_hooks"]] == [None, OWN, None]


def test_the_stacks_role_may_invoke_only_the_functions_of_hooks_without_their_own_role():
    assert lifecycle_hook_functions(HOOKS) == [FUNCTION]
    assert lifecycle_hook_functions(HOOKS + [dict(HOOKS[0])]) == [FUNCTION]  # each once
    assert lifecycle_hook_functions([]) == []


def test_a_lambda_hook_without_a_role_passes_the_preflight_but_a_bad_function_arn_does_not():
    values = {f"{P}strategy": "linear", f"{P}lifecycle_hooks": HOOKS[:1]}
    assert release_problems(values, P) == []
    bad = {**values, f"{P}lifecycle_hooks": [{"hook_target_arn": "check", "lifecycle_stages": ["PRE_SCALE_UP"]}]}
    (problem,) = release_problems(bad, P)
    assert problem.startswith(f"{P}lifecycle_hooks[0].hook_target_arn must be a Lambda function ARN"), problem


LB = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/helloapp-alb/abcd"
SETTINGS = {"5xx_threshold": "5", "unhealthy_threshold": 1, "period": "60", "evaluation_periods": 2}


def test_release_alarms_watch_the_load_balancer_and_each_target_group():
    alarms = {a["name"]: a for a in release_alarms(LB, [TG1, TG2, TG1], "helloapp-helloapp", SETTINGS)}
    assert sorted(alarms) == [
        "helloapp-helloapp-elb-5xx",
        "helloapp-helloapp-target-5xx",
        "helloapp-helloapp-unhealthy-helloapp-tg1",
        "helloapp-helloapp-unhealthy-helloapp-tg2",
    ]
    five_xx = alarms["helloapp-helloapp-target-5xx"]
    assert five_xx["dimensions"] == {"LoadBalancer": "app/helloapp-alb/abcd"}
    assert (five_xx["metric_name"], five_xx["statistic"], five_xx["threshold"]) == (
        "HTTPCode_Target_5XX_Count",
        "Sum",
        5.0,
    )
    unhealthy = alarms["helloapp-helloapp-unhealthy-helloapp-tg2"]
    assert unhealthy["dimensions"] == {
        "LoadBalancer": "app/helloapp-alb/abcd",
        "TargetGroup": "targetgroup/helloapp-tg2/2222",
    }
    assert (unhealthy["period"], unhealthy["evaluation_periods"], unhealthy["treat_missing_data"]) == (
        60,
        2,
        "notBreaching",
    )


def test_release_alarms_refuse_what_is_not_an_elb_arn():
    with pytest.raises(AnsibleFilterError, match="loadbalancer"):
        release_alarms("helloapp-alb", [TG1], "p", SETTINGS)
