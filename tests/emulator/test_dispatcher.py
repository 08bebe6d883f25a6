"""The dispatcher's contract, through a real emulator process and boto3: admin endpoints, faults,
reset, clock, request log, error shapes. In-process tests cover what needs a handler of our own."""

from __future__ import annotations

import json
import time

import botocore.config
import botocore.exceptions
import pytest
from werkzeug.test import Client

from awsemu import core
from awsemu.server import Emulator


def test_health_lists_extensions_and_managed_policies_flag(aws):
    health = aws.admin("health")
    assert health["status"] == "ok"
    assert "codecommit.ListRepositories" in health["handlers"]
    assert "codebuild.CreateProject" in health["handlers"]
    assert health["iam_managed_policies"] is True
    assert {"health", "clock", "requests", "faults", "settings"} <= set(health["admin"])


def test_unknown_emulator_path_is_404(aws):
    with pytest.raises(aws.AdminError) as err:
        aws.admin("no-such-endpoint")
    assert err.value.status == 404
    assert "no such emulator endpoint" in json.loads(err.value.body)["error"]


def test_fault_on_json_protocol_has_aws_error_shape(aws):
    aws.admin(
        "faults",
        "POST",
        {
            "service": "codecommit",
            "action": "ListRepositories",
            "code": "ThrottlingException",
            "message": "slow down",
            "status": 400,
            "count": 1,
        },
    )
    client = aws.boto3_client("codecommit", config=botocore.config.Config(retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ClientError) as err:
        client.list_repositories()
    assert err.value.response["Error"]["Code"] == "ThrottlingException"
    assert err.value.response["Error"]["Message"] == "slow down"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # count=1: the next call goes through
    assert client.list_repositories()["repositories"] == []
    faults = aws.admin("faults")["faults"]
    assert faults[0]["count"] == 0


def test_fault_json_body_uses_type_field(aws):
    import urllib.request

    aws.admin(
        "faults",
        "POST",
        {
            "service": "codebuild",
            "action": "ListProjects",
            "code": "AccessDeniedException",
            "message": "no",
            "status": 400,
        },
    )
    request = urllib.request.Request(
        f"{aws.url}/",
        data=b"{}",
        headers={
            "X-Amz-Target": "CodeBuild_20161006.ListProjects",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-northeast-2/codebuild/aws4_request, "
            "SignedHeaders=host, Signature=x",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=10)
    body = json.loads(err.value.read())
    assert body == {"__type": "AccessDeniedException", "message": "no"}
    assert err.value.headers["x-amzn-ErrorType"] == "AccessDeniedException"


def test_fault_on_query_protocol_is_xml_error(aws):
    aws.admin(
        "faults",
        "POST",
        {
            "service": "sts",
            "action": "GetCallerIdentity",
            "code": "ExpiredToken",
            "message": "expired",
            "status": 403,
            "count": 1,
        },
    )
    with pytest.raises(botocore.exceptions.ClientError) as err:
        aws.boto3_client("sts").get_caller_identity()
    assert err.value.response["Error"]["Code"] == "ExpiredToken"
    assert aws.boto3_client("sts").get_caller_identity()["Account"] == "123456789012"


def test_fault_needs_service_and_action(aws):
    with pytest.raises(aws.AdminError) as err:
        aws.admin("faults", "POST", {"service": "ecs"})
    assert err.value.status == 400


def test_delete_faults(aws):
    aws.admin("faults", "POST", {"service": "codecommit", "action": "ListRepositories"})
    assert aws.admin("faults", "DELETE") == {"faults": []}
    assert aws.boto3_client("codecommit").list_repositories()["repositories"] == []


def test_reset_clears_moto_and_our_state(aws):
    cc = aws.boto3_client("codecommit")
    arn = cc.create_repository(repositoryName="helloapp", tags={"team": "a"})["repositoryMetadata"]["Arn"]
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "a"}
    aws.boto3_client("logs").create_log_group(logGroupName="/ecs/helloapp")
    aws.admin("faults", "POST", {"service": "ecs", "action": "ListClusters"})
    aws.admin("clock", "POST", {"scale": 100})
    aws.admin("settings", "POST", {"page_size": {"codecommit.ListRepositories": 1}})

    aws.reset()

    assert cc.list_repositories()["repositories"] == []
    assert aws.boto3_client("logs").describe_log_groups()["logGroups"] == []
    cc.create_repository(repositoryName="helloapp")  # our tag store was cleared with moto's repository
    assert cc.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    assert aws.admin("faults")["faults"] == []
    assert aws.admin("clock")["scale"] == float(aws.time_scale)
    assert aws.admin("settings")["page_size"] == {}
    log = aws.admin("requests")["requests"]
    assert [r["action"] for r in log] == [
        "ListRepositories",
        "DescribeLogGroups",
        "CreateRepository",
        "ListTagsForResource",
    ]


def test_reset_forgets_s3_buckets_across_the_shared_bucket_namespace(aws):
    """A bucket created before a reset is gone after it: HeadBucket answers 404, not 500, and the name is free."""
    s3 = aws.boto3_client("s3")
    bucket = "helloapp-artifacts-123456789012-ap-northeast-2"
    location = {"LocationConstraint": "ap-northeast-2"}
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    s3.put_object(Bucket=bucket, Key="artifact.zip", Body=b"zip")

    aws.reset()

    with pytest.raises(botocore.exceptions.ClientError) as missing:
        s3.head_bucket(Bucket=bucket)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=location)
    assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []


def test_clock_scale_and_advance(aws):
    before = aws.admin("clock")
    after_advance = aws.admin("clock", "POST", {"advance": 3600})
    assert after_advance["timestamp"] - before["timestamp"] >= 3600
    scaled = aws.admin("clock", "POST", {"scale": 1000})
    assert scaled["scale"] == 1000
    import time

    time.sleep(0.05)
    later = aws.admin("clock")
    assert later["timestamp"] - scaled["timestamp"] >= 40  # 50 ms real is >= 40 s emulated at 1000x
    assert aws.admin("health")["time_scale"] == 1000


def test_request_log_records_handler_and_status(aws):
    aws.boto3_client("codecommit").list_repositories()
    aws.boto3_client("sts").get_caller_identity()
    with pytest.raises(botocore.exceptions.ClientError):
        aws.boto3_client("codecommit").get_repository(repositoryName="missing")
    log = aws.admin("requests")["requests"]
    assert [(r["service"], r["action"], r["handler"], r["status"]) for r in log] == [
        ("codecommit", "ListRepositories", "awsemu", 200),
        ("sts", "GetCallerIdentity", "moto", 200),
        ("codecommit", "GetRepository", "moto+awsemu", 400),
    ]
    assert all(r["region"] == "ap-northeast-2" and r["account"] == "123456789012" for r in log)
    # Real start time and handling time of each call (make bench: the share of a run spent inside AWS calls).
    assert [r["started"] for r in log] == sorted(r["started"] for r in log)
    assert abs(log[0]["started"] - time.time()) < 60
    assert all(0 < r["seconds"] < 30 for r in log)
    assert aws.admin("requests", "DELETE") == {"requests": []}


def test_our_state_follows_moto_account_resolution(aws):
    # Credentials from AssumeRole into another account belong to that account, for moto and for us.
    creds = aws.boto3_client("sts").assume_role(
        RoleArn="arn:aws:iam::111122223333:role/deployer", RoleSessionName="test"
    )["Credentials"]
    keys = {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
    assert aws.boto3_client("sts", **keys).get_caller_identity()["Account"] == "111122223333"
    other = aws.boto3_client("codecommit", **keys)
    other.create_repository(repositoryName="theirs")  # moto's handler
    assert [r["repositoryName"] for r in other.list_repositories()["repositories"]] == ["theirs"]  # ours
    assert aws.boto3_client("codecommit").list_repositories()["repositories"] == []
    assert {r["account"] for r in aws.admin("requests")["requests"] if r["service"] == "codecommit"} == {
        "111122223333",
        "123456789012",
    }


# --- in process: behaviour that needs a handler of the test's own
class _FakeMoto:
    def __call__(self, environ, start_response):
        data = json.dumps({"from": "moto"}).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1")])
        return [data]


def _call(client, action, body=None):
    return client.post(
        "/",
        data=json.dumps(body or {}),
        headers={
            "X-Amz-Target": f"Test_20200101.{action}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-northeast-2/awsemutest/aws4_request",
        },
    )


@pytest.fixture
def local_app():
    added = []

    def register(table, key, value):
        table[key] = value
        added.append((table, key))

    yield Client(Emulator(moto_app=_FakeMoto(), load=False)), register
    for table, key in added:
        table.pop(key, None)


def test_handler_bug_answers_internal_failure_json(local_app):
    client, register = local_app

    def broken(req):
        raise ValueError("boom")

    register(core.HANDLERS, ("awsemutest", "Broken"), broken)
    response = _call(client, "Broken")
    assert response.status_code == 500
    assert json.loads(response.data)["__type"] == "InternalFailure"
    assert "ValueError: boom" in json.loads(response.data)["message"]


def test_after_hooks_chain_in_order_and_apply_to_handlers(local_app):
    client, register = local_app
    register(
        core.AFTER,
        ("awsemutest", "Chained"),
        [lambda req, body: {**body, "a": 1}, lambda req, body: {**body, "b": body["a"] + 1}],
    )
    assert json.loads(_call(client, "Chained").data) == {"from": "moto", "a": 1, "b": 2}
    register(core.HANDLERS, ("awsemutest", "Chained"), lambda req: {"from": "handler"})
    assert json.loads(_call(client, "Chained").data) == {"from": "handler", "a": 1, "b": 2}


def test_awserror_status_and_code(local_app):
    client, register = local_app

    def missing(req):
        raise core.AwsError("ResourceNotFoundException", f"{req.require('name')} not found", 404)

    register(core.HANDLERS, ("awsemutest", "Get"), missing)
    response = _call(client, "Get", {"name": "x"})
    assert (response.status_code, json.loads(response.data)) == (
        404,
        {"__type": "ResourceNotFoundException", "message": "x not found"},
    )
    response = _call(client, "Get")
    assert json.loads(response.data)["__type"] == "InvalidParameterException"


def test_unsigned_requests_go_to_moto(local_app):
    client, _ = local_app
    assert json.loads(client.get("/anything").data) == {"from": "moto"}


def test_paginate_tokens_are_opaque_and_checked():
    items = list(range(5))
    page, token = core.paginate(items, None, 2)
    assert page == [0, 1] and token
    page, token = core.paginate(items, token, 2)
    assert page == [2, 3]
    page, token = core.paginate(items, token, 2)
    assert page == [4] and token is None
    with pytest.raises(core.AwsError) as err:
        core.paginate(items, "not-a-token", 2, "InvalidContinuationTokenException")
    assert err.value.code == "InvalidContinuationTokenException"


def test_clock_reset_restores_start_scale_without_rewinding():
    clock = core.Clock()
    clock.set_initial_scale(60)
    clock.set_scale(1)
    clock.advance(100)
    before = clock.timestamp()
    clock.reset()
    assert clock.scale == 60
    assert clock.timestamp() >= before


def test_iam_access_keys_resolve_to_their_account_and_survive_reset_cycle(aws):
    iam = aws.boto3_client("iam")
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    sts = aws.boto3_client("sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/deployer"
    aws.reset()
    assert aws.boto3_client("iam").list_users()["Users"] == []
    policy = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
    assert aws.boto3_client("iam").get_policy(PolicyArn=policy)["Policy"]["Arn"] == policy


def test_before_request_hooks_see_every_aws_request(local_app):
    client, register = local_app
    seen = []
    hook = seen.append
    core.BEFORE_HOOKS.append(hook)
    try:
        register(core.HANDLERS, ("awsemutest", "Mine"), lambda req: {})
        _call(client, "Mine")
        _call(client, "MotoOne")
    finally:
        core.BEFORE_HOOKS.remove(hook)
    assert [(r.service, r.action) for r in seen] == [("awsemutest", "Mine"), ("awsemutest", "MotoOne")]
