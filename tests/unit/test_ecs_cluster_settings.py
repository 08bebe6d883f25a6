"""ecs_cluster_settings: Container Insights and tags from one DescribeClusters, written only where they differ
(botocore's Stubber checks each call against the ECS model); aws: tags are never removed; check mode writes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_cluster_settings as ecs

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp"


def module(tags=None, purge=True, insights="enabled", check=False):
    params = {"cluster": "helloapp", "container_insights": insights, "tags": tags, "purge_tags": purge}
    return SimpleNamespace(params=params, check_mode=check, _diff=True)


def described(settings, tags):
    return {
        "clusters": [
            {
                "clusterArn": ARN,
                "clusterName": "helloapp",
                "status": "ACTIVE",
                "settings": [{"name": "containerInsights", "value": settings}],
                "tags": [{"key": k, "value": v} for k, v in tags.items()],
            }
        ]
    }


@pytest.fixture
def client(stubs):
    return stubs.ecs, stubs.retrying("ecs")


def expect_describe(stub, settings, tags):
    stub.add_response(
        "describe_clusters", described(settings, tags), {"clusters": ["helloapp"], "include": ["SETTINGS", "TAGS"]}
    )


def test_nothing_to_change_is_one_read(client):
    stub, ecs_client = client
    expect_describe(stub, "enabled", {"application": "helloapp"})
    result = ecs.ensure_present(module(tags={"application": "helloapp"}), ecs_client)
    assert result["changed"] is False and result["tags"] == {"application": "helloapp"}


def test_tags_are_set_and_purged_but_aws_tags_kept(client):
    stub, ecs_client = client
    expect_describe(stub, "enabled", {"application": "old", "team": "x", "aws:cloudformation:stack-name": "s"})
    stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["team"]})
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": [{"key": "application", "value": "helloapp"}]})
    result = ecs.ensure_present(module(tags={"application": "helloapp"}), ecs_client)
    assert result["changed"] is True
    assert result["tags"] == {"application": "helloapp", "aws:cloudformation:stack-name": "s"}
    assert result["diff"]["before"]["tags"]["team"] == "x"


def test_without_purge_other_tags_stay(client):
    stub, ecs_client = client
    expect_describe(stub, "enabled", {"team": "x"})
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": [{"key": "application", "value": "helloapp"}]})
    result = ecs.ensure_present(module(tags={"application": "helloapp"}, purge=False), ecs_client)
    assert result["tags"] == {"team": "x", "application": "helloapp"}


def test_tags_omitted_leave_them_and_settings_still_converge(client):
    stub, ecs_client = client
    expect_describe(stub, "disabled", {"team": "x"})
    stub.add_response(
        "update_cluster_settings",
        {"cluster": {"clusterArn": ARN, "settings": [{"name": "containerInsights", "value": "enabled"}]}},
        {"cluster": ARN, "settings": [{"name": "containerInsights", "value": "enabled"}]},
    )
    result = ecs.ensure_present(module(tags=None), ecs_client)
    assert result["changed"] is True and result["tags"] == {"team": "x"}


def test_check_mode_reports_and_writes_nothing(client):
    stub, ecs_client = client
    expect_describe(stub, "disabled", {"team": "x"})
    result = ecs.ensure_present(module(tags={"application": "helloapp"}, check=True), ecs_client)
    assert result["changed"] is True and result["tags"] == {"application": "helloapp"}
