"""The ecs_cluster role against the test emulator: Molecule scenario, playbook wiring, settings changes,
refusal to delete a cluster with services, and input validation before any AWS call."""

from __future__ import annotations

from pathlib import Path

import pytest
from role_validation import run_invalid_cases

from tests.support import assert_molecule_passes

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ROLE_PLAYBOOK = "tests/roles/playbooks/ecs_cluster_role.yml"
STACK_PLAYBOOK = "playbooks/ecs_cluster.yml"
# The stack's ownership tags (inventory/local: app_name helloapp, app_environment production).
OWNER_TAGS = {"application": "helloapp", "environment": "production", "managed-by": "fargatedemo.ecs_delivery"}


def describe(aws, name: str = "helloapp") -> dict:
    clusters = aws.boto3_client("ecs").describe_clusters(clusters=[name], include=["SETTINGS", "TAGS"])["clusters"]
    return clusters[0] if clusters else {}


@pytest.mark.slow
def test_molecule_scenario(aws):
    assert_molecule_passes("ecs_cluster", aws, timeout=1200)


INVALID = [
    ({"ecs_cluster_name": "bad name!"}, "ecs_cluster_name"),
    ({"ecs_cluster_container_insights": "on"}, "ecs_cluster_container_insights"),
    ({"ecs_cluster_capacity_providers": ["EC2"]}, "ecs_cluster_capacity_providers"),
    (
        {"ecs_cluster_default_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 2000}]},
        "ecs_cluster_default_capacity_provider_strategy",
    ),
    (
        {
            "ecs_cluster_default_capacity_provider_strategy": [
                {"capacity_provider": "FARGATE", "base": 1, "weight": 1},
                {"capacity_provider": "FARGATE_SPOT", "base": 1, "weight": 1},
            ]
        },
        "ecs_cluster_default_capacity_provider_strategy",
    ),
    (
        {
            "ecs_cluster_capacity_providers": ["FARGATE"],
            "ecs_cluster_default_capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}],
        },
        "ecs_cluster_default_capacity_provider_strategy",
    ),
]


def test_invalid_input_fails_before_any_aws_call(aws, ansible_playbook, tmp_path):
    messages = run_invalid_cases(ansible_playbook, tmp_path, "ecs_cluster", [c for c, _ in INVALID])
    for (overrides, variable), message in zip(INVALID, messages, strict=True):
        assert message is not None and variable in message, (overrides, variable, message)
    assert aws.admin("requests")["requests"] == [], "validation must fail before any AWS call"


# Tests on an empty account (`aws` resets the emulator) come first; the ones below share one converge.
@pytest.fixture(scope="module")
def converged(emulator, ansible_playbook):
    """playbooks/ecs_cluster.yml on an empty account: check mode creates nothing, then converge (once per module)."""
    emulator.reset()
    check = ansible_playbook(STACK_PLAYBOOK, check=True)
    assert check.rc == 0, check
    assert check.changed() == 1, check
    assert describe(emulator) == {}
    first = ansible_playbook(STACK_PLAYBOOK)
    assert first.rc == 0, first
    assert first.changed() > 0, first
    return emulator


def test_playbook_converges_idempotently_and_check_mode_is_clean(converged, ansible_playbook):
    aws = converged
    cluster = describe(aws)
    assert cluster["status"] == "ACTIVE"
    assert cluster["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "base": 1, "weight": 1}]
    assert cluster["settings"] == [{"name": "containerInsights", "value": "disabled"}]
    assert {t["key"]: t["value"] for t in cluster["tags"]} == OWNER_TAGS

    second = ansible_playbook(STACK_PLAYBOOK)
    assert second.rc == 0, second
    assert second.changed() == 0, second
    recheck = ansible_playbook(STACK_PLAYBOOK, check=True)
    assert recheck.changed() == 0, recheck


def test_settings_strategy_and_tags_change_in_place(converged, ansible_playbook):
    aws = converged
    arn = describe(aws)["clusterArn"]
    wanted = {
        "ecs_cluster_container_insights": "enhanced",
        "ecs_cluster_default_capacity_provider_strategy": [
            {"capacity_provider": "FARGATE_SPOT", "weight": 4},
            {"capacity_provider": "FARGATE", "base": 2, "weight": 1},
        ],
        "ecs_cluster_tags": {"team": "delivery"},
    }
    check = ansible_playbook(ROLE_PLAYBOOK, extra_vars=wanted, check=True, diff=True)
    assert check.rc == 0, check
    # the strategy (community.aws.ecs_cluster), then settings and tags in one task (ecs_cluster_settings)
    assert check.changed() == 2, check
    assert describe(aws)["settings"] == [{"name": "containerInsights", "value": "disabled"}]

    result = ansible_playbook(ROLE_PLAYBOOK, extra_vars=wanted)
    assert result.rc == 0, result
    assert result.changed() == 2, result
    cluster = describe(aws)
    assert cluster["clusterArn"] == arn
    assert cluster["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    assert cluster["defaultCapacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 4},
        {"capacityProvider": "FARGATE", "base": 2, "weight": 1},
    ]
    assert {t["key"]: t["value"] for t in cluster["tags"]} == {**OWNER_TAGS, "team": "delivery"}
    again = ansible_playbook(ROLE_PLAYBOOK, extra_vars=wanted)
    assert again.changed() == 0, again


def test_absent_refuses_while_a_service_is_active(converged, ansible_playbook):  # last: deletes the cluster
    aws = converged
    ecs = aws.boto3_client("ecs")
    ecs.register_task_definition(
        family="helloapp",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[{"name": "helloapp", "image": "helloapp:v1", "essential": True}],
    )
    ecs.create_service(cluster="helloapp", serviceName="helloapp", taskDefinition="helloapp", desiredCount=0)

    refused = ansible_playbook(ROLE_PLAYBOOK, extra_vars={"ecs_cluster_state": "absent"})
    assert refused.rc != 0, refused
    assert "still has 1 active service(s): helloapp" in refused.stdout, refused
    assert describe(aws)["status"] == "ACTIVE"

    ecs.delete_service(cluster="helloapp", service="helloapp")
    deleted = ansible_playbook(ROLE_PLAYBOOK, extra_vars={"ecs_cluster_state": "absent"})
    assert deleted.rc == 0, deleted
    assert deleted.changed() == 1, deleted
    assert describe(aws)["status"] == "INACTIVE"
    # A cluster of the same name that is not the stack's (another team's) is left: absent changes nothing.
    ecs.create_cluster(clusterName="helloapp", tags=[{"key": "managed-by", "value": "another-team"}])
    left = ansible_playbook(ROLE_PLAYBOOK, extra_vars={"ecs_cluster_state": "absent"})
    assert left.rc == 0, left
    assert left.changed() == 0, left
    assert "Left ECS cluster helloapp: not tagged as this stack" in left.stdout, left
    assert describe(aws)["status"] == "ACTIVE"
