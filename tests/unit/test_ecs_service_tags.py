"""ecs_service: an existing service's tags come to O(tags) from the DescribeServices the module reads anyway
(botocore's Stubber checks TagResource and UntagResource against the ECS model); aws: tags stay; check mode
writes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_service as svc

ARN = "arn:aws:ecs:ap-northeast-2:123456789012:service/helloapp/helloapp"


@pytest.fixture
def client(stubs):
    return stubs.ecs, stubs.retrying("ecs")


def module(tags, purge=True, check=False):
    return SimpleNamespace(params={"tags": tags, "purge_tags": purge}, check_mode=check, _diff=True)


def existing(tags):
    return {"serviceArn": ARN, "tags": [{"key": k, "value": v} for k, v in tags.items()]}


def test_equal_tags_make_no_call(client):
    _stub, ecs = client
    result = {"changed": False}
    assert svc.converge_tags(module({"a": "1"}), ecs, existing({"a": "1"}), result) == ({}, {})
    assert result["changed"] is False


def test_tags_are_set_and_purged_and_aws_tags_kept(client):
    stub, ecs = client
    stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["team"]})
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": [{"key": "a", "value": "2"}]})
    result = {"changed": False}
    before, after = svc.converge_tags(module({"a": 2}), ecs, existing({"a": "1", "team": "x", "aws:x": "y"}), result)
    assert result["changed"] is True
    assert before == {"tags": {"a": "1", "team": "x", "aws:x": "y"}} and after == {"tags": {"a": "2", "aws:x": "y"}}


def test_omitted_tags_or_no_purge_leave_the_others(client):
    stub, ecs = client
    assert svc.converge_tags(module(None), ecs, existing({"team": "x"}), {}) == ({}, {})
    stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": [{"key": "a", "value": "1"}]})
    _before, after = svc.converge_tags(module({"a": "1"}, purge=False), ecs, existing({"team": "x"}), {})
    assert after == {"tags": {"team": "x", "a": "1"}}


def test_check_mode_reports_and_writes_nothing(client):
    _stub, ecs = client
    result = {"changed": False}
    assert svc.converge_tags(module({"a": "1"}, check=True), ecs, existing({}), result) == (
        {"tags": {}},
        {"tags": {"a": "1"}},
    )
    assert result["changed"] is True
