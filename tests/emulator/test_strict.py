"""Strict mode (awsemu/strict.py): answers checked against botocore's output shapes, and how a test sees it.

The checker is fed answers AWS would never give and must name the member and the problem; answers as AWS
gives them must pass. Then the dispatcher: a wrong answer from behind it is recorded at /_emulator/strict,
and the request parsing strict mode and the rules rely on (awsemu/shapes.py) is checked on real botocore
requests.
"""

from __future__ import annotations

import json

import botocore.session
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from awsemu import shapes, strict
from awsemu.core import Request
from awsemu.server import Emulator

SESSION = botocore.session.get_session()


def check(service: str, operation: str, body: str | bytes, status: int = 200, headers: dict | None = None):
    model = SESSION.get_service_model(service)
    data = body.encode() if isinstance(body, str) else body
    return strict.check(model, model.operation_model(operation), status, headers or {}, data)


CLUSTER = {"clusterArn": "arn:aws:ecs:ap-northeast-2:123456789012:cluster/c", "clusterName": "c", "status": "ACTIVE"}
Q = '<{op}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><{op}Result>{body}</{op}Result></{op}Response>'
ROLE = (
    "<Role><Path>/</Path><RoleName>r</RoleName><RoleId>AROA1</RoleId><Arn>arn:aws:iam::1:role/r</Arn>"
    "<CreateDate>2026-01-01T00:00:00Z</CreateDate>{extra}</Role>"
)

# (id, service, operation, status, body, expected: None = no violation, else (path, part of the problem))
CASES = [
    ("json-ok", "ecs", "DescribeClusters", 200, json.dumps({"clusters": [CLUSTER], "failures": []}), None),
    (
        "json-null",
        "ecs",
        "DescribeClusters",
        200,
        json.dumps({"clusters": [{**CLUSTER, "status": None}]}),
        ("clusters[0].status", "null"),
    ),
    (
        "json-unknown-member",
        "ecs",
        "DescribeClusters",
        200,
        json.dumps({"clusters": [{**CLUSTER, "colour": "red"}]}),
        ("clusters[0].colour", "not a member of Cluster"),
    ),
    (
        "json-integer-as-text",
        "ecs",
        "DescribeClusters",
        200,
        json.dumps({"clusters": [{**CLUSTER, "runningTasksCount": "2"}]}),
        ("clusters[0].runningTasksCount", "expected an integer"),
    ),
    (
        "json-boolean-as-text",
        "ecr",
        "DescribeRepositories",
        200,
        json.dumps({"repositories": [{"repositoryName": "r", "imageScanningConfiguration": {"scanOnPush": "true"}}]}),
        ("repositories[0].imageScanningConfiguration.scanOnPush", "expected a boolean"),
    ),
    (
        "json-enum",
        "ecr",
        "DescribeRepositories",
        200,
        json.dumps({"repositories": [{"repositoryName": "r", "imageTagMutability": "SOMETIMES"}]}),
        ("repositories[0].imageTagMutability", "'SOMETIMES' is not one of"),
    ),
    (
        "json-timestamp-as-text",
        "ecr",
        "DescribeRepositories",
        200,
        json.dumps({"repositories": [{"repositoryName": "r", "createdAt": "2026-01-01T00:00:00Z"}]}),
        ("repositories[0].createdAt", "expected epoch seconds"),
    ),
    (
        "json-timestamp-epoch",
        "ecr",
        "DescribeRepositories",
        200,
        json.dumps({"repositories": [{"repositoryName": "r", "createdAt": 1767225600.5}]}),
        None,
    ),
    (
        "json-list-expected",
        "ecs",
        "DescribeClusters",
        200,
        json.dumps({"clusters": CLUSTER}),
        ("clusters", "expected a list"),
    ),
    ("json-map", "ecs", "ListTagsForResource", 200, json.dumps({"tags": {"key": "a"}}), ("tags", "expected a list")),
    (
        "json-required",
        "codedeploy",
        "BatchGetDeploymentTargets",
        200,
        json.dumps(
            {
                "deploymentTargets": [
                    {"ecsTarget": {"lifecycleEvents": [{"lifecycleEventName": "Install", "status": "Done"}]}}
                ]
            }
        ),
        ("deploymentTargets[0].ecsTarget.lifecycleEvents[0].status", "'Done' is not one of"),
    ),
    ("json-error-ok", "ecs", "DescribeClusters", 400, json.dumps({"__type": "ClientException", "message": "no"}), None),
    (
        "json-error-no-code",
        "ecs",
        "DescribeClusters",
        400,
        json.dumps({"message": "no"}),
        ("(answer)", "without an error code"),
    ),
    ("xml-ok", "iam", "GetRole", 200, Q.format(op="GetRole", body=ROLE.format(extra="")), None),
    (
        "xml-required",
        "iam",
        "GetRole",
        200,
        Q.format(op="GetRole", body="<Role><RoleName>r</RoleName></Role>"),
        ("Role.Path", "required member of Role"),
    ),
    (
        "xml-unknown-element",
        "iam",
        "GetRole",
        200,
        Q.format(op="GetRole", body=ROLE.format(extra="<Colour>red</Colour>")),
        ("Role.Colour", "not a member of Role"),
    ),
    (
        "xml-boolean",
        "elbv2",
        "DescribeTargetGroups",
        200,
        "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><member><HealthCheckEnabled>True"
        "</HealthCheckEnabled></member></TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>",
        ("TargetGroups[0].HealthCheckEnabled", "reads anything else as False"),
    ),
    (
        "xml-integer",
        "elbv2",
        "DescribeTargetGroups",
        200,
        "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><member><Port>eighty</Port></member>"
        "</TargetGroups></DescribeTargetGroupsResult></DescribeTargetGroupsResponse>",
        ("TargetGroups[0].Port", "expected an integer"),
    ),
    (
        "xml-timestamp-without-zone",
        "iam",
        "GetRole",
        200,
        Q.format(op="GetRole", body=ROLE.format(extra="").replace("00:00:00Z", "00:00:00")),
        ("Role.CreateDate", "ISO 8601 timestamp with a time zone"),
    ),
    (
        "xml-no-result-wrapper",
        "iam",
        "GetRole",
        200,
        "<GetRoleResponse><Role/></GetRoleResponse>",
        ("Role", "unexpected element"),
    ),
    (
        "xml-wrapped-list-member",
        "elbv2",
        "DescribeTargetGroups",
        200,
        "<DescribeTargetGroupsResponse><DescribeTargetGroupsResult><TargetGroups><item/></TargetGroups>"
        "</DescribeTargetGroupsResult></DescribeTargetGroupsResponse>",
        ("TargetGroups.item", "holds <member> elements only"),
    ),
    (
        "ec2-item-list",
        "ec2",
        "DescribeVpcs",
        200,
        '<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>1</requestId><vpcSet><item>'
        "<vpcId>vpc-1</vpcId><isDefault>true</isDefault><state>available</state></item></vpcSet></DescribeVpcsResponse>",
        None,
    ),
    (
        "ec2-enum",
        "ec2",
        "DescribeVpcs",
        200,
        "<DescribeVpcsResponse><vpcSet><item><state>ready</state></item></vpcSet></DescribeVpcsResponse>",
        ("Vpcs[0].State", "'ready' is not one of"),
    ),
    (
        "ec2-documented-model-exception",
        "ec2",
        "DescribeInternetGateways",
        200,
        "<DescribeInternetGatewaysResponse><internetGatewaySet><item><attachmentSet><item><state>available</state>"
        "<vpcId>vpc-1</vpcId></item></attachmentSet></item></internetGatewaySet></DescribeInternetGatewaysResponse>",
        None,
    ),
    (
        "xml-error-ok",
        "iam",
        "GetRole",
        404,
        "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>x</Message></Error></ErrorResponse>",
        None,
    ),
    (
        "ec2-error-ok",
        "ec2",
        "DescribeVpcs",
        400,
        "<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>x</Message></Error></Errors></Response>",
        None,
    ),
    (
        "rest-xml-ok",
        "s3",
        "GetBucketVersioning",
        200,
        '<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status>'
        "</VersioningConfiguration>",
        None,
    ),
    (
        "rest-xml-enum",
        "s3",
        "GetBucketVersioning",
        200,
        "<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
        ("Status", "'On' is not one of"),
    ),
    (
        "rest-xml-other-answer",
        "s3",
        "GetBucketRequestPayment",
        200,
        "<ListBucketResult><Name>b</Name><IsTruncated>false</IsTruncated></ListBucketResult>",
        ("Name", "not a member of GetBucketRequestPaymentOutput"),
    ),
    # A string payload is the body itself: GetBucketPolicy answers the policy JSON, not XML
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html, "Response Syntax").
    (
        "rest-xml-string-payload-ok",
        "s3",
        "GetBucketPolicy",
        200,
        json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*"}]}),
        None,
    ),
    ("rest-xml-string-payload-not-text", "s3", "GetBucketPolicy", 200, b"\xff\xfe{", ("Policy", "not UTF-8")),
]


@pytest.mark.parametrize(
    ("service", "operation", "status", "body", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_answers_against_botocore_shapes(service, operation, status, body, expected):
    problems = check(service, operation, body, status)
    if expected is None:
        assert problems == []
        return
    path, fragment = expected
    assert any(p == path and fragment in problem for p, problem in problems), problems


def test_every_model_exception_is_documented():
    for key, (values, evidence) in strict.MODEL_EXCEPTIONS.items():
        assert values and "API reference" in evidence, key


# --- the dispatcher records what the checker finds
def _fake_moto(body: bytes, content_type: str = "application/x-amz-json-1.1"):
    def app(environ, start_response):
        return Response(body, status=200, content_type=content_type)(environ, start_response)

    return app


SIGNED = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-northeast-2/{service}/aws4_request, SignedHeaders=host, "
    "Signature=x"
)


@pytest.fixture
def strict_on(monkeypatch):
    monkeypatch.setenv("AWSEMU_STRICT", "1")


def test_a_wrong_answer_is_recorded_with_operation_path_and_problem(strict_on):
    emulator = Emulator(moto_app=_fake_moto(json.dumps({"clusters": [{"clusterName": 7}]}).encode()), load=False)
    client = Client(emulator)
    answer = client.post(
        "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeClusters",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": SIGNED.format(service="ecs"),
        },
    )
    # The strict layer records the wrong value and passes it on (the task model adds the task counts).
    assert answer.status_code == 200 and json.loads(answer.data)["clusters"][0]["clusterName"] == 7
    found = json.loads(client.get("/_emulator/strict").data)
    assert found["enabled"] is True and found["checked"] == 1
    # The handler is moto, or moto+awsemu once the task model's DescribeClusters hook is loaded in this process.
    assert [(v["service"], v["operation"], v["path"]) for v in found["violations"]] == [
        ("ecs", "DescribeClusters", "clusters[0].clusterName")
    ]
    assert found["violations"][0]["handler"] in ("moto", "moto+awsemu")
    assert "expected a string" in found["violations"][0]["problem"]
    client.delete("/_emulator/strict")
    assert json.loads(client.get("/_emulator/strict").data)["violations"] == []


def test_strict_mode_off_checks_nothing(monkeypatch):
    monkeypatch.delenv("AWSEMU_STRICT", raising=False)
    emulator = Emulator(moto_app=_fake_moto(b'{"clusters": 1}'), load=False)
    client = Client(emulator)
    client.post(
        "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.DescribeClusters",
            "Authorization": SIGNED.format(service="ecs"),
        },
    )
    assert json.loads(client.get("/_emulator/strict").data) == {
        "enabled": False,
        "checked": 0,
        "violations": [],
        "dropped": 0,
    }


def test_the_suite_runs_its_emulator_strict(emulator):
    assert emulator.admin("strict")["enabled"] is True
    assert emulator.admin("health")["strict"] is True


# --- request parsing (awsemu/shapes.py) on what botocore really sends
def _request(service: str, operation: str, params: dict) -> Request:
    """The Request the dispatcher would parse from botocore's serialisation of ``params``."""
    from urllib.parse import parse_qsl, urlsplit

    from botocore.serialize import create_serializer

    model = SESSION.get_service_model(service)
    op = model.operation_model(operation)
    wire = create_serializer(model.resolved_protocol, include_validation=False).serialize_to_request(params, op)
    url = urlsplit(wire["url_path"])
    query = (
        {k: str(v) for k, v in (wire["query_string"] or {}).items()} if isinstance(wire["query_string"], dict) else {}
    )
    query.update(dict(parse_qsl(url.query, keep_blank_values=True)))
    body = wire["body"]
    headers = {k.lower(): v for k, v in wire["headers"].items()}
    if model.resolved_protocol in ("query", "ec2"):
        form = body if isinstance(body, dict) else dict(parse_qsl(body.decode(), keep_blank_values=True))
        form = {k: str(v) for k, v in form.items()}
        return Request(
            model.metadata.get("signingName") or model.endpoint_prefix,
            operation,
            "ap-northeast-2",
            "123456789012",
            "query",
            form,
            headers,
            url.path,
            wire["method"],
        )
    if model.resolved_protocol == "json":
        return Request(
            model.endpoint_prefix,
            operation,
            "ap-northeast-2",
            "123456789012",
            "json",
            json.loads(body or b"{}"),
            headers,
            url.path,
            wire["method"],
        )
    return Request(
        model.endpoint_prefix,
        "",
        "ap-northeast-2",
        "123456789012",
        "rest",
        body or b"",
        headers,
        url.path,
        wire["method"],
        raw=body if isinstance(body, bytes) else (body or "").encode(),
        query=query,
    )


@pytest.mark.parametrize(
    ("service", "operation", "params"),
    [
        (
            "elbv2",
            "CreateTargetGroup",
            {
                "Name": "tg",
                "Port": 80,
                "HealthCheckEnabled": True,
                "Matcher": {"HttpCode": "200"},
                "Tags": [{"Key": "a", "Value": "b"}],
            },
        ),
        ("elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": "arn", "Attributes": [{"Key": "k", "Value": "v"}]}),
        ("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "Tags": [{"Key": "a", "Value": ""}]}),
        (
            "ec2",
            "AuthorizeSecurityGroupIngress",
            {
                "GroupId": "sg-1",
                "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
                ],
            },
        ),
        ("ecs", "CreateCluster", {"clusterName": "c"}),
        ("s3", "CreateBucket", {"Bucket": "my-bucket"}),
        ("s3", "GetBucketInventoryConfiguration", {"Bucket": "my-bucket", "Id": "inv"}),
    ],
)
def test_requests_are_identified_and_rebuilt(service, operation, params):
    req = _request(service, operation, params)
    model, op = shapes.identify(req)
    assert (model.service_name, op.name) == (service, operation)
    assert req.params == params


@pytest.mark.parametrize(
    ("method", "path", "query", "operation"),
    [
        ("GET", "/b", {"lifecycle": ""}, "GetBucketLifecycleConfiguration"),  # not the deprecated GetBucketLifecycle
        ("GET", "/b", {"inventory": ""}, "ListBucketInventoryConfigurations"),
        ("GET", "/b", {"inventory": "", "id": "x"}, "GetBucketInventoryConfiguration"),
        ("GET", "/b", {"list-type": "2"}, "ListObjectsV2"),
        ("GET", "/b", {}, "ListObjects"),
        ("PUT", "/b", {}, "CreateBucket"),
        ("PUT", "/b/some/key.txt", {}, "PutObject"),
        ("HEAD", "/b", {}, "HeadBucket"),
    ],
)
def test_rest_operations_are_matched_as_s3_defines_them(method, path, query, operation):
    op, _labels = shapes.match_rest(SESSION.get_service_model("s3"), method, path, query)
    assert op.name == operation
