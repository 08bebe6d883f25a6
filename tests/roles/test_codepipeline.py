"""The codepipeline role: bad input and build files that do not line up fail before any AWS call; the
CodeConnections source; playbooks/pipeline.yml on the stack contract (converge, changed=0, --check).

The ECS/CodeDeployToECS round trip with idempotence is the Molecule scenario (molecule/codepipeline,
run by test_codepipeline_molecule.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.emulator
REGION = "ap-northeast-2"  # the test emulator's (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = "tests/roles/playbooks/codepipeline_role.yml"
BASE = {
    "codepipeline_artifact_bucket_name": "helloapp-artifacts-123456789012-ap-northeast-2",
    "codepipeline_image_repository_uri": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargatedemo/helloapp",
    "codepipeline_source_dir": str(ROOT / "hello_app"),
}


def aws_calls(aws) -> list[dict]:
    return aws.admin("requests")["requests"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"codepipeline_source": "GitHub"}, "codepipeline_source"),
        ({"codepipeline_deploy_provider": "EC2"}, "codepipeline_deploy_provider"),
        ({"codepipeline_container_port": "eighty"}, "codepipeline_container_port"),
        ({"codepipeline_source": "CodeConnections"}, "codepipeline_full_repository_id"),
        ({"codepipeline_artifact_bucket_name": "Bad_Bucket"}, "codepipeline_artifact_bucket_name"),
        ({"codepipeline_image_repository_uri": ""}, "codepipeline_image_repository_uri"),
        # the AppSpec would name port 8000 but the task definition is told 80: the cross-check catches it
        (
            {"codepipeline_container_port": 80, "codepipeline_taskdef_template": "WRONG_PORT"},
            "codepipeline_container_port",
        ),
    ],
)
def test_bad_input_fails_before_any_aws_call(aws, ansible_playbook, tmp_path, extra, message):
    extra = dict(extra)
    if extra.get("codepipeline_taskdef_template") == "WRONG_PORT":
        # A taskdef template whose port is fixed at 8000 while the role is told 80.
        template = (ROOT / "hello_app" / "taskdef.json.j2").read_text().replace("container_port | int", "8000")
        (tmp_path / "taskdef.json.j2").write_text(template)
        extra["codepipeline_taskdef_template"] = str(tmp_path / "taskdef.json.j2")
    result = ansible_playbook(PLAYBOOK, extra_vars={**BASE, **extra})
    assert result.rc != 0, str(result)
    assert message in result.stdout, str(result)
    assert aws_calls(aws) == [], "no AWS call may happen before the checks"


def test_mismatched_container_name_in_appspec_fails(aws, ansible_playbook, tmp_path):
    template = (ROOT / "hello_app" / "appspec.yml.j2").read_text().replace("container_name | to_json", '"web"')
    (tmp_path / "appspec.yml.j2").write_text(template)
    result = ansible_playbook(
        PLAYBOOK, extra_vars={**BASE, "codepipeline_appspec_template": str(tmp_path / "appspec.yml.j2")}
    )
    assert result.rc != 0
    assert "codepipeline_container_name" in result.stdout
    assert aws_calls(aws) == []


def test_codeconnections_source(aws, ansible_playbook):
    iam = aws.boto3_client("iam")
    for name, service in (("helloapp-codebuild", "codebuild"), ("helloapp-codepipeline", "codepipeline")):
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": f"{service}.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
        iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        )
    extra = {
        **BASE,
        "codepipeline_source": "CodeConnections",
        "codepipeline_connection_name": "helloapp-github",
        "codepipeline_full_repository_id": "example/helloapp",
    }
    result = ansible_playbook(PLAYBOOK, extra_vars=extra)
    assert result.rc == 0, str(result)
    assert "PENDING" in result.stdout + result.stderr  # the module warns that a person must accept it
    pipeline = aws.boto3_client("codepipeline").get_pipeline(name="helloapp-pipeline")["pipeline"]
    source = pipeline["stages"][0]["actions"][0]
    (conn,) = aws.boto3_client("codestar-connections").list_connections()["Connections"]
    assert source["actionTypeId"]["provider"] == "CodeStarSourceConnection"
    assert source["configuration"]["ConnectionArn"] == conn["ConnectionArn"]
    assert source["configuration"]["FullRepositoryId"] == "example/helloapp"
    assert pipeline["triggers"][0]["gitConfiguration"]["push"][0]["branches"]["includes"] == ["main"]
    assert aws.boto3_client("events").list_rules()["Rules"] == []
    assert aws.boto3_client("codecommit").list_repositories()["repositories"] == []
    again = ansible_playbook(PLAYBOOK, extra_vars=extra)
    assert again.rc == 0 and again.changed() == 0, str(again)

    # absent deletes the connection it made (it carries the owner tags); a same-named one another team made is left.
    connections = aws.boto3_client("codestar-connections")
    absent = {**extra, "codepipeline_state": "absent"}
    gone = ansible_playbook(PLAYBOOK, extra_vars=absent)
    assert gone.rc == 0, str(gone)
    assert connections.list_connections()["Connections"] == []
    connections.create_connection(ConnectionName="helloapp-github", ProviderType="GitHub")
    left = ansible_playbook(PLAYBOOK, extra_vars=absent)
    assert left.rc == 0 and left.changed() == 0, str(left)
    assert "Left connection helloapp-github" in " ".join((left.stdout + left.stderr).split()), str(left)
    assert [c["ConnectionName"] for c in connections.list_connections()["Connections"]] == ["helloapp-github"]


@pytest.mark.slow
def test_pipeline_playbook_on_the_stack_contract(aws, ansible_playbook):
    """playbooks/iam.yml then playbooks/pipeline.yml: converge, a second run and --check change nothing."""
    enabled = {"codepipeline_enabled": True}
    iam = ansible_playbook("playbooks/iam.yml", extra_vars=enabled)
    assert iam.rc == 0, str(iam)
    first = ansible_playbook("playbooks/pipeline.yml", extra_vars=enabled)
    assert first.rc == 0, str(first)
    second = ansible_playbook("playbooks/pipeline.yml", extra_vars=enabled)
    assert second.rc == 0 and second.changed() == 0, str(second)
    check = ansible_playbook("playbooks/pipeline.yml", extra_vars=enabled, check=True)
    assert check.rc == 0 and check.changed() == 0, str(check)
    # Everything the role creates carries the stack's ownership tags.
    owner = {"application": "helloapp", "environment": "production", "managed-by": "fargatedemo.ecs_delivery"}
    account = aws.boto3_client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:{{}}:{REGION}:{account}:{{}}"
    cp, cc = aws.boto3_client("codepipeline"), aws.boto3_client("codecommit")
    pipeline_tags = cp.list_tags_for_resource(resourceArn=arn.format("codepipeline", "helloapp-pipeline"))["tags"]
    (project,) = aws.boto3_client("codebuild").batch_get_projects(names=["helloapp-build"])["projects"]
    repository = cc.get_repository(repositoryName="helloapp")["repositoryMetadata"]["Arn"]
    # DescribeRule, not ListRules: moto's ListRules answer has a member (CreatedBy) botocore's Rule lacks.
    rule = aws.boto3_client("events").describe_rule(Name="helloapp-pipeline-codecommit")
    found = {
        "pipeline": {t["key"]: t["value"] for t in pipeline_tags},
        "project": {t["key"]: t["value"] for t in project["tags"]},
        "repository": cc.list_tags_for_resource(resourceArn=repository)["tags"],
        "rule": {
            t["Key"]: t["Value"]
            for t in aws.boto3_client("events").list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]
        },
    }
    assert found == dict.fromkeys(found, owner)
    # The artifact bucket refuses requests without TLS (Security Hub S3.5), read back as S3 stores it; the second run
    # and --check above found it equal (s3_bucket compares before it writes).
    bucket = f"helloapp-artifacts-{account}-{REGION}"
    assert json.loads(aws.boto3_client("s3").get_bucket_policy(Bucket=bucket)["Policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    # EventBridge may assume the events role for this rule only.
    events_trust = aws.boto3_client("iam").get_role(RoleName="helloapp-pipeline-events")["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert events_trust["Statement"][0]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": account},
        "ArnLike": {"aws:SourceArn": rule["Arn"]},
    }
    pipeline = aws.boto3_client("codepipeline").get_pipeline(name="helloapp-pipeline")["pipeline"]
    assert [s["actions"][0]["actionTypeId"]["provider"] for s in pipeline["stages"]] == [
        "CodeCommit",
        "CodeBuild",
        "ECS",
    ]
    # The manual approval (issue 11): an Approval stage between Build and Deploy, with only the keys given; a re-run
    # with it changes nothing, and turning it on again is one UpdatePipeline (a new version), not a new pipeline.
    approval = {
        **enabled,
        "app_pipeline_manual_approval": True,
        "app_pipeline_approval_message": "Check the test listener, then approve",
    }
    on = ansible_playbook("playbooks/pipeline.yml", extra_vars=approval)
    assert on.rc == 0 and on.changed() >= 1, str(on)
    again = ansible_playbook("playbooks/pipeline.yml", extra_vars=approval)
    assert again.rc == 0 and again.changed() == 0, str(again)
    pipeline = aws.boto3_client("codepipeline").get_pipeline(name="helloapp-pipeline")["pipeline"]
    assert [s["name"] for s in pipeline["stages"]] == ["Source", "Build", "Approval", "Deploy"]
    (approve,) = pipeline["stages"][2]["actions"]
    assert approve["actionTypeId"] == {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}
    assert approve["configuration"] == {"CustomData": "Check the test listener, then approve"}
