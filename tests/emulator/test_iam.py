"""IAM policy simulation (awsemu/services/iam.py) through boto3: the least-privilege tests' judge."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

REPO = "arn:aws:ecr:ap-northeast-2:123456789012:repository/fargatedemo/helloapp"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
PUSH = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {"Effect": "Allow", "Action": ["ecr:PutImage", "ecr:Upload*", "ecr:InitiateLayerUpload"], "Resource": REPO},
        {"Effect": "Deny", "Action": "ecr:DeleteRepository", "Resource": "*"},
    ],
}


@pytest.fixture
def iam(aws):
    return aws.boto3_client("iam")


def _decisions(response):
    return [(r["EvalActionName"], r["EvalResourceName"], r["EvalDecision"]) for r in response["EvaluationResults"]]


def test_simulate_principal_policy_inline_and_managed(iam):
    role = iam.create_role(RoleName="helloapp-codebuild", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="helloapp-codebuild", PolicyName="push", PolicyDocument=json.dumps(PUSH))
    iam.attach_role_policy(
        RoleName="helloapp-codebuild", PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )
    other = REPO.replace("fargatedemo/helloapp", "someone/else")
    result = iam.simulate_principal_policy(
        PolicySourceArn=role,
        ActionNames=["ecr:PutImage", "ECR:uploadlayerpart", "ecr:DeleteRepository", "s3:GetObject"],
        ResourceArns=[REPO, other],
    )
    assert _decisions(result) == [
        ("ecr:PutImage", REPO, "allowed"),
        ("ecr:PutImage", other, "implicitDeny"),
        ("ECR:uploadlayerpart", REPO, "allowed"),  # actions match case-insensitively
        ("ECR:uploadlayerpart", other, "implicitDeny"),
        ("ecr:DeleteRepository", REPO, "explicitDeny"),
        ("ecr:DeleteRepository", other, "explicitDeny"),
        ("s3:GetObject", REPO, "implicitDeny"),
        ("s3:GetObject", other, "implicitDeny"),
    ]
    assert result["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyId"] == "push"
    managed = iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["logs:PutLogEvents"])
    (only,) = managed["EvaluationResults"]
    assert (only["EvalResourceName"], only["EvalDecision"]) == ("*", "allowed")
    assert only["MatchedStatements"][0]["SourcePolicyType"] == "aws-managed"


def test_simulate_custom_policy_conditions_and_not_resource(iam):
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:PassRole",
                "Resource": "arn:aws:iam::123456789012:role/helloapp-*",
                "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            },
            {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3:::secret/*"},
        ],
    }
    common = {"PolicyInputList": [json.dumps(policy)]}
    passed = iam.simulate_custom_policy(
        **common,
        ActionNames=["iam:PassRole"],
        ResourceArns=["arn:aws:iam::123456789012:role/helloapp-task", "arn:aws:iam::123456789012:role/admin"],
        ContextEntries=[
            {
                "ContextKeyName": "iam:PassedToService",
                "ContextKeyValues": ["ecs-tasks.amazonaws.com"],
                "ContextKeyType": "string",
            }
        ],
    )
    assert [r["EvalDecision"] for r in passed["EvaluationResults"]] == ["allowed", "implicitDeny"]
    wrong_service = iam.simulate_custom_policy(
        **common,
        ActionNames=["iam:PassRole"],
        ResourceArns=["arn:aws:iam::123456789012:role/helloapp-task"],
        ContextEntries=[
            {
                "ContextKeyName": "iam:PassedToService",
                "ContextKeyValues": ["lambda.amazonaws.com"],
                "ContextKeyType": "string",
            }
        ],
    )
    assert wrong_service["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    unknown = iam.simulate_custom_policy(
        **common, ActionNames=["iam:PassRole"], ResourceArns=["arn:aws:iam::123456789012:role/helloapp-task"]
    )
    assert unknown["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    assert unknown["EvaluationResults"][0]["MissingContextValues"] == ["iam:PassedToService"]
    s3 = iam.simulate_custom_policy(
        **common, ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::public/a", "arn:aws:s3:::secret/a"]
    )
    assert [r["EvalDecision"] for r in s3["EvaluationResults"]] == ["allowed", "implicitDeny"]


def test_simulate_principal_policy_unknown_role(iam):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        iam.simulate_principal_policy(PolicySourceArn="arn:aws:iam::123456789012:role/nobody", ActionNames=["s3:*"])
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
