"""The collection's table of AWS limits (plugin_utils/limits.py) and the filters built on it, without Ansible runs.

Each rule is checked on a value AWS accepts and on values it refuses (the edges: one character over a length,
the first port out of range); the contracts on whole sets of inputs, cross-field rules included; the ownership
helpers on the tag shapes the AWS APIs return.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.input_problems import input_problems
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.ownership_plan import ownership_plan
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.release_wait_seconds import release_wait_seconds
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.unknown_inputs import unknown_inputs
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import limits, tags

# (rule, accepted values, refused values): the edges AWS documents.
RULE_CASES = [
    ("region", ["ap-northeast-2", "us-gov-west-1"], ["ap_northeast_2", "Seoul", ""]),
    ("account_id", ["123456789012"], ["12345", "12345678901a", 123456789012]),
    ("vpc_id", ["vpc-0123abcd", "vpc-0123456789abcdef0"], ["vpc-xyz", "vpc-0123abc", "subnet-0123abcd"]),
    ("cidr_ipv4", ["0.0.0.0/0", "203.0.113.0/24"], ["10.0.0.0/33", "10.0.0/8", "::/0", "any"]),
    ("load_balancer_name", ["helloapp-alb", "a" * 32], ["a" * 33, "-alb", "alb-", "internal-x", "my_alb"]),
    ("target_group_name", ["helloapp-tg1", "t" * 32], ["t" * 33, "tg-", "tg.1"]),
    ("iam_role_name", ["ecsTaskExecutionRole", "r+=,.@_-" + "x" * 56], ["x" * 65, "my role", ""]),
    ("ecs_name", ["helloapp", "a_b-c"], ["a" * 256, "hello app", "a.b"]),
    ("ecr_repository_name", ["fargatedemo/helloapp", "ab"], ["a", "Fargatedemo/helloapp", "a//b", "/a", "a" * 257]),
    ("image_tag", ["v1.2.3", "abc1234"], ["", "-x", "a" * 129, "a b"]),
    ("log_group_name", ["/ecs/helloapp"], ["", "a" * 513, "/ecs/hello app*"]),
    ("codedeploy_name", ["AppECS-helloapp-helloapp", "a" * 100], ["a" * 101, ""]),
    ("termination_wait_minutes", [0, 60, "2880"], [-1, 2881, "soon"]),
    ("s3_bucket_name", ["helloapp-artifacts-123456789012-ap-northeast-2"], ["Bucket", "ab", "a" * 64, "xn--a", "a..b"]),
    ("port", [1, "80", 65535], [0, 65536, 70000, "http"]),
    ("health_check_path", ["/healthz", "/"], ["healthz", ""]),
    ("health_check_interval", [5, 300], [4, 301]),
    ("health_check_timeout", [2, 120], [1, 121]),
    ("health_check_threshold", [2, 10], [1, 11]),
    ("health_check_matcher", ["200", "200-299", "200,302"], ["2xx", "99", "600"]),
    ("deregistration_delay", [0, 3600], [-1, 3601]),
    ("desired_count", [0, 3], [-1, "two"]),
    ("minimum_healthy_percent", [0, 100], [101, -1]),
    ("maximum_percent", [100, 200], [99]),
    ("bool", [True, "false", "yes"], ["maybe", None]),
    ("deployment_controller", ["ECS", "CODE_DEPLOY"], ["BLUEGREEN", "ecs"]),
    (
        "codedeploy_ecs_config",
        ["CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSCanary10Percent5Minutes"],
        ["CodeDeployDefault.AllAtOnce", ""],
    ),
    ("tags", [{}, {"team": "platform"}], [{"aws:x": "y"}, {"k" * 129: "v"}, {"k": "v" * 257}, ["team"]]),
    ("checkpoint", list(limits.CHECKPOINTS), ["done"]),
    ("alarm_period", [10, 30, 60, "300", 86400], [0, 20, 45, 90, -60, "minute"]),
]


@pytest.mark.parametrize(("rule", "good", "bad"), RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_rule_accepts_what_aws_accepts_and_refuses_the_rest(rule, good, bad):
    checker = limits.RULES[rule]
    assert checker.allowed, "every rule says what is allowed"
    for value in good:
        assert checker.ok(value), (rule, value)
    for value in bad:
        assert not checker.ok(value), (rule, value)


def test_every_contract_field_names_a_known_rule():
    for name, contract in limits.CONTRACTS.items():
        for f in contract.fields:
            assert f.rule in limits.RULES, (name, f.name, f.rule)


@pytest.mark.parametrize(
    ("values", "contract", "variable", "words"),
    [
        ({"iam_task_execution_role_name": "x" * 65}, "iam", "iam_task_execution_role_name", "1-64"),
        (
            {"iam_task_execution_role_name": "same", "iam_codedeploy_role_name": "same", "iam_task_role_name": ""},
            "iam",
            "iam_codedeploy_role_name",
            "same",
        ),
        ({"stack_facts_public_subnet_ids": ["subnet-0123abcd"]}, "stack", "stack_facts_public_subnet_ids", "two"),
        ({"stack_facts_tags": {"aws:owner": "me"}}, "stack", "stack_facts_tags", "aws:"),
    ],
)
def test_problems_name_the_variable_and_what_is_allowed(values, contract, variable, words):
    found = input_problems(values, contract)
    assert len(found) == 1, found
    assert found[0].startswith(variable + " "), found
    assert words in found[0], found


@pytest.mark.parametrize(
    ("values", "contract", "variable", "words"),
    [
        (
            {"ecs_service_alarm_period": 3600, "ecs_service_alarm_evaluation_periods": 25},
            "ecs_service",
            "ecs_service_alarm_evaluation_periods",
            "86400",
        ),
        ({"ecs_service_alarm_5xx_threshold": 0}, "ecs_service", "ecs_service_alarm_5xx_threshold", "1 or more"),
        (
            {"app_release_strategy": "codedeploy", "app_release_alarm_names": [f"a{n}" for n in range(7)]},
            "inventory",
            "app_release_alarm_names",
            "at most 10",
        ),
        ({"app_alarm_period": 45}, "inventory", "app_alarm_period", "multiple of 60"),
    ],
)
def test_alarm_inputs_are_checked_naming_the_variable(values, contract, variable, words):
    found = [m for m in input_problems(values, contract) if "alarm" in m.split()[0]]
    assert len(found) == 1, found
    assert found[0].startswith(variable + " "), found
    assert words in found[0], found
    ok = {"app_release_strategy": "codedeploy", "app_release_alarm_names": [f"a{n}" for n in range(6)]}
    assert not [m for m in input_problems(ok, "inventory") if m.startswith("app_release_alarm_names")]


def test_a_variable_that_fails_alone_is_not_reported_again_by_a_cross_field_rule():
    found = limits.problems(
        {"iam_task_execution_role_name": "bad name", "iam_codedeploy_role_name": "bad name", "iam_task_role_name": ""},
        "iam",
    )
    assert [m.split()[0] for m in found] == ["iam_task_execution_role_name", "iam_codedeploy_role_name"]


def test_input_problems_refuses_an_unknown_contract_and_a_non_dict():
    with pytest.raises(AnsibleFilterError, match="no contract"):
        input_problems({}, "nope")
    with pytest.raises(AnsibleFilterError, match="dict"):
        input_problems(["iam_state"], "iam")


@pytest.mark.parametrize(
    ("checkpoint", "config", "termination", "minutes"),
    [
        ("succeeded", "CodeDeployDefault.ECSAllAtOnce", 60, 60 + limits.RELEASE_MARGIN_MINUTES),
        ("succeeded", "CodeDeployDefault.ECSLinear10PercentEvery3Minutes", "5", 27 + 5 + limits.RELEASE_MARGIN_MINUTES),
        ("traffic_shifted", "CodeDeployDefault.ECSCanary10Percent15Minutes", 60, 15 + limits.RELEASE_MARGIN_MINUTES),
        ("ready", "CodeDeployDefault.ECSAllAtOnce", 2880, limits.RELEASE_MARGIN_MINUTES),
    ],
)
def test_release_wait_covers_the_configuration_and_the_termination_wait(checkpoint, config, termination, minutes):
    assert release_wait_seconds(checkpoint, config, termination) == minutes * 60


def test_release_wait_of_an_own_configuration_must_be_given():
    with pytest.raises(AnsibleFilterError, match="give the timeout"):
        release_wait_seconds("succeeded", "MyConfig", 5)
    with pytest.raises(AnsibleFilterError, match="checkpoint"):
        release_wait_seconds("finished", "CodeDeployDefault.ECSAllAtOnce", 5)


@pytest.mark.parametrize(
    "shape",
    [
        {"team": "a", "managed-by": "fargatedemo.ecs_delivery"},
        [{"Key": "team", "Value": "a"}, {"Key": "managed-by", "Value": "fargatedemo.ecs_delivery"}],
        [{"key": "team", "value": "a"}, {"key": "managed-by", "value": "fargatedemo.ecs_delivery"}],
        [{"TagKey": "team", "TagValue": "a"}, {"TagKey": "managed-by", "TagValue": "fargatedemo.ecs_delivery"}],
    ],
    ids=["dict", "Key/Value", "key/value", "TagKey/TagValue"],
)
def test_tags_in_every_aws_shape(shape):
    assert tags.as_dict(shape) == {"team": "a", "managed-by": "fargatedemo.ecs_delivery"}
    assert tags.owned_by(shape, {"managed-by": "fargatedemo.ecs_delivery"})
    assert not tags.owned_by(shape, tags.ownership_tags("helloapp", "production"))


def test_ownership_plan_sorts_own_others_and_missing_from_info_results():
    owner = tags.ownership_tags("helloapp", "production")
    results = [
        {
            "item": {"kind": "task execution role", "name": "ecsTaskExecutionRole"},
            "iam_roles": [{"tags": {"team": "platform"}}],
        },
        {"item": {"kind": "CodeDeploy role", "name": "helloapp-codedeploy"}, "iam_roles": [{"tags": dict(owner)}]},
        {"item": {"kind": "task role", "name": "helloapp-task"}, "iam_roles": []},
        # Same application, another environment: not ours either.
        {
            "item": {"kind": "CodeBuild role", "name": "helloapp-codebuild"},
            "iam_roles": [{"tags": {**owner, "environment": "staging"}}],
        },
    ]
    plan = ownership_plan(results, owner, found="iam_roles")
    assert [(p["name"], p["action"]) for p in plan] == [
        ("ecsTaskExecutionRole", "leave"),
        ("helloapp-codedeploy", "delete"),
        ("helloapp-task", "none"),
        ("helloapp-codebuild", "leave"),
    ]
    assert "lacks" in plan[0]["why"] and "managed-by" in plan[0]["why"]
    assert plan[3]["why"].endswith('(lacks {"environment": "production"})'), plan[3]["why"]


def test_ownership_plan_from_plain_descriptors():
    plan = ownership_plan([{"name": "x", "exists": True, "tags": None}], {})
    assert plan[0]["action"] == "delete", "no owner tags: every existing resource is the caller's"


def test_unknown_inventory_names_suggest_the_close_one():
    found = unknown_inputs(["app_name", "app_contianer_port", "deploy_wait_until", "some_other_var"])
    assert len(found) == 1 and "app_contianer_port" in found[0] and "app_container_port" in found[0], found


_BLUE_GREEN_SERVICE = {
    "ecs_service_deployment_controller": "CODE_DEPLOY",
    "ecs_service_codedeploy_wait_until": "succeeded",
    "ecs_service_codedeploy_config_name": "CodeDeployDefault.ECSAllAtOnce",
    "ecs_service_codedeploy_termination_wait_minutes": 60,
}


@pytest.mark.parametrize(
    ("overrides", "refused"),
    [
        ({"ecs_service_codedeploy_wait_timeout": 0}, False),  # derived: 60 + 15 minutes
        ({"ecs_service_codedeploy_wait_timeout": 3600}, False),  # just covers the termination wait
        ({"ecs_service_codedeploy_wait_timeout": 1800}, True),  # the old default: a healthy release timed out
        ({"ecs_service_codedeploy_wait_timeout": 1800, "ecs_service_codedeploy_wait_until": "traffic_shifted"}, False),
        ({"ecs_service_codedeploy_wait_timeout": 0, "ecs_service_codedeploy_config_name": "MyConfig"}, True),
        ({"ecs_service_codedeploy_wait_timeout": 1, "ecs_service_deployment_controller": "ECS"}, False),
    ],
)
def test_a_release_wait_that_cannot_cover_the_checkpoint_is_refused(overrides, refused):
    found = [
        m
        for m in limits.problems({**_BLUE_GREEN_SERVICE, **overrides}, "ecs_service")
        if m.startswith("ecs_service_codedeploy_wait_timeout ")
    ]
    assert bool(found) == refused, found
