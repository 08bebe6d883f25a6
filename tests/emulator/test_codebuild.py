"""CodeBuild projects through boto3: what moto gets wrong, fixed per the CodeBuild API reference."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

BUILDSPEC = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo hello\n"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "codebuild.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
ENVIRONMENT = {
    "type": "LINUX_CONTAINER",
    "image": "aws/codebuild/amazonlinux2-x86_64-standard:5.0",
    "computeType": "BUILD_GENERAL1_SMALL",
    "privilegedMode": True,
    "environmentVariables": [
        {"name": "REPOSITORY_URI", "value": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargatedemo/helloapp"},
        {"name": "CONTAINER_NAME", "value": "helloapp", "type": "PLAINTEXT"},
    ],
}
LOGS = {"cloudWatchLogs": {"status": "ENABLED", "groupName": "/codebuild/helloapp-build"}}


@pytest.fixture
def codebuild(aws):
    return aws.boto3_client("codebuild")


@pytest.fixture
def role(aws):
    iam = aws.boto3_client("iam")
    return iam.create_role(RoleName="helloapp-codebuild", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]


def _pipeline_project(role, **overrides):
    project = {
        "name": "helloapp-build",
        "description": "Builds helloapp",
        "source": {"type": "CODEPIPELINE", "buildspec": BUILDSPEC},
        "artifacts": {"type": "CODEPIPELINE"},
        "environment": ENVIRONMENT,
        "serviceRole": role,
        "logsConfig": LOGS,
    }
    project.update(overrides)
    return project


def _error(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"], err.value.response["Error"]["Message"]


def test_codepipeline_source_needs_no_location_and_reads_back(codebuild, role):
    created = codebuild.create_project(**_pipeline_project(role))["project"]
    got = codebuild.batch_get_projects(names=["helloapp-build"])
    assert got["projectsNotFound"] == []
    (project,) = got["projects"]
    assert project == created
    assert project["arn"] == "arn:aws:codebuild:ap-northeast-2:123456789012:project/helloapp-build"
    assert project["source"] == {"type": "CODEPIPELINE", "buildspec": BUILDSPEC, "insecureSsl": False}
    assert project["artifacts"]["type"] == "CODEPIPELINE"
    assert "location" not in project["artifacts"]
    env = project["environment"]
    assert env["privilegedMode"] is True
    assert env["image"] == ENVIRONMENT["image"]
    assert env["environmentVariables"] == [
        {"name": "REPOSITORY_URI", "value": ENVIRONMENT["environmentVariables"][0]["value"], "type": "PLAINTEXT"},
        {"name": "CONTAINER_NAME", "value": "helloapp", "type": "PLAINTEXT"},
    ]
    assert project["logsConfig"]["cloudWatchLogs"] == LOGS["cloudWatchLogs"]
    assert project["logsConfig"]["s3Logs"]["status"] == "DISABLED"
    assert project["serviceRole"] == role
    assert project["timeoutInMinutes"] == 60 and project["queuedTimeoutInMinutes"] == 480
    assert project["created"] == project["lastModified"]
    assert project["description"] == "Builds helloapp"


def test_no_source_needs_a_buildspec(codebuild, role):
    no_source = {"type": "NO_SOURCE", "buildspec": BUILDSPEC}
    codebuild.create_project(**_pipeline_project(role, source=no_source, artifacts={"type": "NO_ARTIFACTS"}))
    code, message = _error(
        codebuild.create_project,
        **_pipeline_project(role, name="other", source={"type": "NO_SOURCE"}, artifacts={"type": "NO_ARTIFACTS"}),
    )
    assert code == "InvalidInputException" and "buildspec" in message


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"source": {"type": "CODECOMMIT"}}, "source location is required"),
        ({"source": {"type": "SVN", "location": "x"}}, "Project source type"),
        ({"artifacts": {"type": "S3"}}, "location is required"),
        ({"artifacts": {"type": "NO_ARTIFACTS"}}, "CODEPIPELINE"),
        ({"environment": {**ENVIRONMENT, "computeType": "HUGE"}}, "compute type"),
        ({"name": "-bad"}, "alphanumeric"),
        ({"logsConfig": {"s3Logs": {"status": "ENABLED"}}}, "s3Logs location"),
        ({"timeoutInMinutes": 5000}, "timeoutInMinutes"),
    ],
)
def test_invalid_projects_are_refused(codebuild, role, overrides, fragment):
    code, message = _error(codebuild.create_project, **_pipeline_project(role, **overrides))
    assert code == "InvalidInputException"
    assert fragment in message
    assert codebuild.list_projects()["projects"] == []


def test_service_role_must_exist_and_trust_codebuild(aws, codebuild, role):
    missing = "arn:aws:iam::123456789012:role/nobody"
    code, message = _error(codebuild.create_project, **_pipeline_project(missing))
    assert (code, message) == (
        "InvalidInputException",
        f"CodeBuild is not authorized to perform: sts:AssumeRole on {missing}",
    )
    iam = aws.boto3_client("iam")
    wrong_trust = json.loads(json.dumps(TRUST))
    wrong_trust["Statement"][0]["Principal"]["Service"] = "ecs-tasks.amazonaws.com"
    ecs_role = iam.create_role(RoleName="ecs", AssumeRolePolicyDocument=json.dumps(wrong_trust))["Role"]["Arn"]
    assert _error(codebuild.create_project, **_pipeline_project(ecs_role))[0] == "InvalidInputException"
    other_account = "arn:aws:iam::210987654321:role/helloapp-codebuild"
    assert "account" in _error(codebuild.create_project, **_pipeline_project(other_account))[1]


def test_duplicate_project(codebuild, role):
    codebuild.create_project(**_pipeline_project(role))
    code, message = _error(codebuild.create_project, **_pipeline_project(role))
    assert code == "ResourceAlreadyExistsException"
    assert message.endswith("project/helloapp-build")


def test_update_project_then_read_back(codebuild, role):
    codebuild.create_project(**_pipeline_project(role))
    env = {**ENVIRONMENT, "computeType": "BUILD_GENERAL1_MEDIUM", "environmentVariables": [{"name": "A", "value": "1"}]}
    updated = codebuild.update_project(name="helloapp-build", environment=env, timeoutInMinutes=30)["project"]
    assert "lastModifiedDate" not in updated
    (project,) = codebuild.batch_get_projects(names=["helloapp-build"])["projects"]
    assert project == updated
    assert project["environment"]["computeType"] == "BUILD_GENERAL1_MEDIUM"
    assert project["environment"]["environmentVariables"] == [{"name": "A", "value": "1", "type": "PLAINTEXT"}]
    assert project["timeoutInMinutes"] == 30
    assert project["source"]["type"] == "CODEPIPELINE"  # untouched fields stay
    assert project["lastModified"] >= project["created"]
    assert _error(codebuild.update_project, name="missing", description="x")[0] == "ResourceNotFoundException"


def test_batch_get_projects_by_arn_and_not_found(codebuild, role):
    arn = codebuild.create_project(**_pipeline_project(role))["project"]["arn"]
    got = codebuild.batch_get_projects(names=[arn, "missing"])
    assert [p["name"] for p in got["projects"]] == ["helloapp-build"]
    assert got["projectsNotFound"] == ["missing"]


def test_list_projects_sorts_and_pages(aws, codebuild, role):
    for name in ("bb", "aa", "cc"):
        codebuild.create_project(**_pipeline_project(role, name=name))
    assert codebuild.list_projects()["projects"] == ["aa", "bb", "cc"]
    assert codebuild.list_projects(sortBy="NAME", sortOrder="DESCENDING")["projects"] == ["cc", "bb", "aa"]
    assert codebuild.list_projects(sortBy="CREATED_TIME")["projects"] == ["bb", "aa", "cc"]
    aws.admin("settings", "POST", {"page_size": {"codebuild.ListProjects": 2}})
    first = codebuild.list_projects()
    assert first["projects"] == ["aa", "bb"]
    last = codebuild.list_projects(nextToken=first["nextToken"])
    assert last["projects"] == ["cc"]
    assert "nextToken" not in last
    pages = codebuild.get_paginator("list_projects").paginate()
    assert [n for page in pages for n in page["projects"]] == ["aa", "bb", "cc"]


def test_delete_project_is_idempotent_and_builds_still_work(codebuild, role):
    codebuild.create_project(**_pipeline_project(role))
    build = codebuild.start_build(projectName="helloapp-build")["build"]  # moto's, on our project
    assert codebuild.list_builds_for_project(projectName="helloapp-build")["ids"] == [build["id"]]
    codebuild.delete_project(name="helloapp-build")
    codebuild.delete_project(name="helloapp-build")
    assert codebuild.list_projects()["projects"] == []
    assert codebuild.batch_get_projects(names=["helloapp-build"])["projectsNotFound"] == ["helloapp-build"]
