"""playbooks/migrate.yml's decisions (plugins/filter/controller_migration.py): no emulator, no Ansible run."""

from __future__ import annotations

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.controller_migration import (
    controller_migration,
    migration_problems,
    release_switch_problems,
)

TG1 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg1/1111"
TG2 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg2/2222"
NAMES = {"cluster": "helloapp", "service": "helloapp", "application": "AppECS-x", "group": "DgpECS-x"}
IDLE = {"found": True, "in_flight": False, "deployment_id": "d-OLD", "status": "Succeeded"}


def code_deploy(*task_sets: tuple[str, str]) -> dict:
    return {
        "serviceName": "helloapp",
        "status": "ACTIVE",
        "deploymentController": {"type": "CODE_DEPLOY"},
        "deploymentConfiguration": {"strategy": "ROLLING"},
        "loadBalancers": [{"targetGroupArn": task_sets[0][1] if task_sets else TG1}],
        "taskSets": [{"status": status, "loadBalancers": [{"targetGroupArn": tg}]} for status, tg in task_sets],
    }


@pytest.mark.parametrize("style", ["blue_green", "linear", "canary"])
def test_native_styles_may_migrate(style):
    assert migration_problems({"app_release_strategy": style, "codepipeline_enabled": False}) == []


@pytest.mark.parametrize("style", ["rolling", "codedeploy", "", None, "bluegreen"])
def test_other_styles_are_refused_naming_the_variable(style):
    (problem,) = migration_problems({"app_release_strategy": style})
    assert problem.startswith(f"app_release_strategy is {style!r}: playbooks/migrate.yml")
    assert "blue_green, linear, canary" in problem


@pytest.mark.parametrize("enabled", [True, "true", "yes"])
def test_the_pipeline_is_refused(enabled):
    (problem,) = migration_problems({"app_release_strategy": "blue_green", "codepipeline_enabled": enabled})
    assert problem.startswith("codepipeline_enabled is true")


def test_a_deployment_in_flight_is_refused_naming_it_and_how_to_end_it():
    flying = {"found": True, "in_flight": True, "deployment_id": "d-FLYING", "status": "InProgress"}
    plan = controller_migration(code_deploy(("PRIMARY", TG1), ("ACTIVE", TG2)), flying, TG1, NAMES)
    assert not plan["switch"]
    (problem,) = plan["problems"]
    assert "CodeDeploy deployment d-FLYING of deployment group DgpECS-x" in problem and "(InProgress)" in problem
    assert "playbooks/rollback.yml" in problem and "Nothing was changed" in problem


@pytest.mark.parametrize("live", [TG1, TG2])
def test_production_stays_on_the_group_the_primary_task_set_serves(live):
    plan = controller_migration(code_deploy(("PRIMARY", live)), IDLE, live, NAMES)
    assert plan == {"switch": True, "migrated": False, "live_target_group_arn": live, "problems": []}


def test_two_task_sets_without_a_deployment_in_flight_are_refused():
    plan = controller_migration(code_deploy(("PRIMARY", TG1), ("ACTIVE", TG2)), IDLE, TG1, NAMES)
    assert not plan["switch"] and "has 2 task sets" in plan["problems"][0]


def test_production_elsewhere_than_the_primary_task_set_is_refused():
    plan = controller_migration(code_deploy(("PRIMARY", TG1)), IDLE, TG2, NAMES)
    assert not plan["switch"]
    assert (
        "serves target group helloapp-tg1 but the production listener forwards to helloapp-tg2" in plan["problems"][0]
    )


def test_an_already_migrated_service_has_nothing_to_switch():
    service = {
        "status": "ACTIVE",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": "BLUE_GREEN"},
    }
    plan = controller_migration(service, {"found": False, "in_flight": False}, TG2, NAMES)
    assert plan == {"switch": False, "migrated": True, "live_target_group_arn": "", "problems": []}


@pytest.mark.parametrize(
    ("service", "words"),
    [
        ({}, "does not exist"),
        ({"status": "INACTIVE"}, "does not exist"),
        ({"status": "ACTIVE", "deploymentController": {"type": "ECS"}}, "ROLLING strategy, not CodeDeploy"),
        ({"status": "ACTIVE", "deploymentController": {"type": "EXTERNAL"}}, "EXTERNAL controller"),
    ],
)
def test_what_is_not_a_codedeploy_service_is_refused(service, words):
    plan = controller_migration(service, IDLE, TG1, NAMES)
    assert not plan["switch"] and words in plan["problems"][0], plan


SWITCH = {"cluster": "c", "service": "s"}


def _ecs(strategy):
    return {
        "status": "ACTIVE",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {"strategy": strategy},
    }


@pytest.mark.parametrize("style", ["rolling", "codedeploy"])
@pytest.mark.parametrize("strategy", ["BLUE_GREEN", "LINEAR", "CANARY"])
def test_a_native_service_cannot_go_back_in_place(style, strategy):
    [problem] = release_switch_problems(_ecs(strategy), style, SWITCH)
    assert problem.startswith(
        f"app_release_strategy is {style!r} but service s of cluster c runs ECS-native {strategy}"
    )
    assert f"Keep app_release_strategy {strategy.lower()!r}" in problem and "teardown" in problem


@pytest.mark.parametrize(
    ("service", "style"),
    [
        (None, "rolling"),  # first run: no service yet
        ({"status": "INACTIVE", "deploymentConfiguration": {"strategy": "BLUE_GREEN"}}, "rolling"),
        (_ecs("ROLLING"), "rolling"),
        (_ecs("ROLLING"), "blue_green"),
        (_ecs("BLUE_GREEN"), "canary"),
        ({"status": "ACTIVE", "deploymentController": {"type": "CODE_DEPLOY"}}, "rolling"),
    ],
)
def test_other_switches_are_left_to_the_roles(service, style):
    assert release_switch_problems(service, style, SWITCH) == []
