"""resource_tags: the ARN decides the service, a missing resource is not an error unless it is to be tagged, tags are
brought to what was asked (aws: keys never removed), and check mode changes nothing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import resource_tags as rt

ARN = "arn:aws:ecr:ap-northeast-2:123456789012:repository/fargatedemo/helloapp"


class FakeAdapter:
    """A service whose resource has ``tags`` (None: it does not exist); records what was written."""

    client = "ecr"

    def __init__(self, tags):
        self.tags, self.calls = tags, []

    def read(self, client, arn):
        return rt.MISSING if self.tags is None else dict(self.tags)

    def add(self, client, arn, tags):
        self.calls.append(("add", tags))

    def remove(self, client, arn, keys):
        self.calls.append(("remove", keys))


def module(tags=None, purge=False, check=False):
    params = {"resource_arn": ARN, "resource": None, "service": None, "tags": tags, "purge_tags": purge}
    return SimpleNamespace(params=params, check_mode=check, _diff=True, client=lambda *a, **k: object())


@pytest.fixture
def adapter(monkeypatch):
    def use(tags):
        fake = FakeAdapter(tags)
        monkeypatch.setattr(rt, "adapter_for", lambda arn: fake)
        return fake

    return use


@pytest.mark.parametrize(
    ("arn", "adapter_cls"),
    [
        (ARN, rt.Ecr),
        ("arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp", rt.Ecs),
        ("arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/a/1/2", rt.Elbv2),
        ("arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/helloapp:*", rt.Logs),
        ("arn:aws:s3:::helloapp-artifacts", rt.S3),
    ],
)
def test_the_arn_names_the_service(arn, adapter_cls):
    assert rt.adapter_for(arn) is adapter_cls


@pytest.mark.parametrize("arn", ["helloapp", "arn:aws:iam::123456789012:role/helloapp"])
def test_an_unsupported_or_malformed_arn_fails_naming_resource_arn(arn):
    with pytest.raises(ModuleFailure, match="resource_arn"):
        rt.adapter_for(arn)


def test_reading_a_missing_resource_is_not_an_error(adapter):
    adapter(None)
    assert rt.ensure(module()) == {"changed": False, "resource_arn": ARN, "exists": False, "tags": {}}


def test_tagging_a_missing_resource_fails(adapter):
    adapter(None)
    with pytest.raises(ModuleFailure, match="does not exist"):
        rt.ensure(module(tags={"a": "b"}))


@pytest.mark.parametrize(
    ("current", "wanted", "purge", "calls", "after"),
    [
        ({"a": "1"}, {"a": "1"}, True, [], {"a": "1"}),
        ({"a": "1", "x": "y"}, {"a": "2"}, False, [("add", {"a": "2"})], {"a": "2", "x": "y"}),
        (
            {"a": "1", "x": "y", "aws:cloudformation": "z"},
            {"a": "1"},
            True,
            [("remove", ["x"])],
            {"a": "1", "aws:cloudformation": "z"},
        ),
    ],
    ids=["unchanged", "changed-kept", "purged-aws-kept"],
)
def test_tags_are_brought_to_what_was_asked(adapter, current, wanted, purge, calls, after):
    fake = adapter(current)
    result = rt.ensure(module(tags=wanted, purge=purge))
    assert fake.calls == calls
    assert result["tags"] == after
    assert result["changed"] is bool(calls)
    assert result["diff"] == {"before": {"tags": current}, "after": {"tags": after}}


def test_check_mode_reports_and_writes_nothing(adapter):
    fake = adapter({"a": "1"})
    result = rt.ensure(module(tags={"a": "2"}, check=True))
    assert result["changed"] and result["tags"] == {"a": "2"}
    assert fake.calls == []


@pytest.mark.parametrize(
    ("error_code", "expected"),
    [("NoSuchBucket", rt.MISSING), ("NoSuchTagSet", {})],
    ids=["bucket-missing", "bucket-without-tags"],
)
def test_s3_tells_a_missing_bucket_from_one_without_tags(error_code, expected):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("s3", region_name="ap-northeast-2", aws_access_key_id="a", aws_secret_access_key="b")
    with Stubber(client) as stub:
        stub.add_client_error("get_bucket_tagging", service_error_code=error_code, http_status_code=404)
        # the module's clients take aws_retry; a stubbed plain client does not, so drop it
        original = client.get_bucket_tagging
        client.get_bucket_tagging = lambda aws_retry=False, **kw: original(**kw)
        assert rt.S3.read(client, "arn:aws:s3:::helloapp-artifacts") == expected


def test_check_mode_predicts_the_tags_of_a_resource_not_made_yet(adapter):
    fake = adapter(None)
    result = rt.ensure(module(tags={"a": 1}, check=True))
    assert result["changed"] and result["exists"] is False and result["tags"] == {"a": "1"}
    assert result["diff"] == {"before": {"tags": {}}, "after": {"tags": {"a": "1"}}}
    assert fake.calls == []
