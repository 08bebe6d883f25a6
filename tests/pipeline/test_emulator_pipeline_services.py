"""The emulator's additions for the pipeline: CodeCommit contents, CodeConnections, CodePipeline checks, UpdateProject.

boto3 is the judge: every call goes through the real client against the session emulator, and errors are
the codes of the AWS API reference.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.emulator


def trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def code(err: pytest.ExceptionInfo) -> str:
    return err.value.response["Error"]["Code"]


@pytest.fixture
def cc(aws):
    client = aws.boto3_client("codecommit")
    client.create_repository(repositoryName="app")
    return client


def test_first_commit_creates_the_default_branch(cc):
    answer = cc.create_commit(
        repositoryName="app",
        branchName="main",
        putFiles=[
            {"filePath": "a.txt", "fileContent": b"hello\n"},
            {"filePath": "src/run.sh", "fileContent": b"#!/bin/sh\n", "fileMode": "EXECUTABLE"},
        ],
        commitMessage="first",
    )
    assert [f["absolutePath"] for f in answer["filesAdded"]] == ["a.txt", "src/run.sh"]
    assert cc.get_branch(repositoryName="app", branchName="main")["branch"]["commitId"] == answer["commitId"]
    assert cc.get_repository(repositoryName="app")["repositoryMetadata"]["defaultBranch"] == "main"
    root = cc.get_folder(repositoryName="app", folderPath="/")
    assert [f["relativePath"] for f in root["files"]] == ["a.txt"]
    assert [f["absolutePath"] for f in root["subFolders"]] == ["src"]
    sub = cc.get_folder(repositoryName="app", folderPath="src", commitSpecifier="main")
    assert sub["files"][0]["fileMode"] == "EXECUTABLE"
    assert cc.get_file(repositoryName="app", filePath="src/run.sh")["fileContent"] == b"#!/bin/sh\n"
    commit = cc.get_commit(repositoryName="app", commitId=answer["commitId"])["commit"]
    assert commit["message"] == "first" and commit["parents"] == []


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_object_ids_are_git_ids(cc, tmp_path):
    answer = cc.create_commit(
        repositoryName="app",
        branchName="main",
        putFiles=[
            {"filePath": "a.txt", "fileContent": b"hello\n"},
            {"filePath": "src/b.py", "fileContent": b"print(1)\n", "fileMode": "EXECUTABLE"},
        ],
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "a.txt").write_bytes(b"hello\n")
    (tmp_path / "src" / "b.py").write_bytes(b"print(1)\n")
    (tmp_path / "src" / "b.py").chmod(0o755)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    tree = subprocess.run(["git", "-C", str(tmp_path), "write-tree"], capture_output=True, text=True, check=True)
    assert answer["treeId"] == tree.stdout.strip()
    blob = subprocess.run(["git", "hash-object", str(tmp_path / "a.txt")], capture_output=True, text=True, check=True)
    assert answer["filesAdded"][0]["blobId"] == blob.stdout.strip()


def test_commits_need_the_tip_as_parent_and_a_change(cc):
    first = cc.create_commit(repositoryName="app", branchName="main", putFiles=[{"filePath": "a", "fileContent": b"1"}])
    with pytest.raises(ClientError) as err:
        cc.create_commit(repositoryName="app", branchName="main", putFiles=[{"filePath": "a", "fileContent": b"2"}])
    assert code(err) == "ParentCommitIdRequiredException"
    with pytest.raises(ClientError) as err:
        cc.create_commit(
            repositoryName="app",
            branchName="main",
            parentCommitId=first["commitId"],
            putFiles=[{"filePath": "a", "fileContent": b"1"}],
        )
    assert code(err) == "NoChangeException"
    second = cc.create_commit(
        repositoryName="app",
        branchName="main",
        parentCommitId=first["commitId"],
        putFiles=[{"filePath": "b", "fileContent": b"2"}],
        deleteFiles=[{"filePath": "a"}],
    )
    assert [f["absolutePath"] for f in second["filesDeleted"]] == ["a"]
    with pytest.raises(ClientError) as err:
        cc.create_commit(
            repositoryName="app",
            branchName="main",
            parentCommitId=first["commitId"],
            putFiles=[{"filePath": "c", "fileContent": b"3"}],
        )
    assert code(err) == "ParentCommitIdOutdatedException"
    with pytest.raises(ClientError) as err:
        cc.get_file(repositoryName="app", filePath="a")
    assert code(err) == "FileDoesNotExistException"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"repositoryName": "nope", "branchName": "main"}, "RepositoryDoesNotExistException"),
        ({"repositoryName": "app", "branchName": "main"}, "FileEntryRequiredException"),
        (
            {"repositoryName": "app", "branchName": "main", "putFiles": [{"filePath": "../x", "fileContent": b"1"}]},
            "InvalidPathException",
        ),
        (
            {"repositoryName": "app", "branchName": "main", "putFiles": [{"filePath": "x"}]},
            "SourceFileOrContentRequiredException",
        ),
    ],
)
def test_create_commit_errors(cc, kwargs, expected):
    with pytest.raises(ClientError) as err:
        cc.create_commit(**kwargs)
    assert code(err) == expected


def test_branch_errors(cc):
    with pytest.raises(ClientError) as err:
        cc.get_branch(repositoryName="app", branchName="main")
    assert code(err) == "BranchDoesNotExistException"
    cc.delete_repository(repositoryName="app")
    cc.create_repository(repositoryName="app")
    assert cc.list_branches(repositoryName="app")["branches"] == []


def test_connections_are_pending_until_the_handshake(aws):
    client = aws.boto3_client("codestar-connections")
    arn = client.create_connection(ProviderType="GitHub", ConnectionName="gh")["ConnectionArn"]
    assert arn.startswith("arn:aws:codestar-connections:ap-northeast-2:123456789012:connection/")
    assert client.get_connection(ConnectionArn=arn)["Connection"]["ConnectionStatus"] == "PENDING"
    aws.admin("codeconnections", "POST", {"ConnectionArn": arn, "ConnectionStatus": "AVAILABLE"})
    listed = client.list_connections(ProviderTypeFilter="GitHub")["Connections"]
    assert [(c["ConnectionName"], c["ConnectionStatus"]) for c in listed] == [("gh", "AVAILABLE")]
    client.delete_connection(ConnectionArn=arn)
    with pytest.raises(ClientError) as err:
        client.get_connection(ConnectionArn=arn)
    assert code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        client.create_connection(ProviderType="Nope", ConnectionName="x")
    assert code(err) in ("UnsupportedProviderTypeException", "ValidationException")


def _pipeline(aws, **overrides):
    iam = aws.boto3_client("iam")
    doc = trust("codepipeline.amazonaws.com")
    try:
        role = iam.create_role(RoleName="cp", AssumeRolePolicyDocument=doc)["Role"]["Arn"]
    except ClientError:
        role = iam.get_role(RoleName="cp")["Role"]["Arn"]
    source = {
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
        "configuration": {"RepositoryName": "app", "BranchName": "main", "PollForSourceChanges": "false"},
        "outputArtifacts": [{"name": "SourceArtifact"}],
    }
    build = {
        "name": "Build",
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "configuration": {"ProjectName": "p"},
        "inputArtifacts": [{"name": "SourceArtifact"}],
        "outputArtifacts": [{"name": "BuildArtifact"}],
    }
    pipeline = {
        "name": "pl",
        "roleArn": role,
        "artifactStore": {"type": "S3", "location": "bucket"},
        "stages": [{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}],
        "pipelineType": "V2",
    }
    pipeline.update(overrides)
    return pipeline


def test_pipeline_defaults_and_state(aws):
    client = aws.boto3_client("codepipeline")
    pipeline = _pipeline(aws)
    del pipeline["pipelineType"]
    client.create_pipeline(pipeline=pipeline)
    stored = client.get_pipeline(name="pl")["pipeline"]
    assert stored["pipelineType"] == "V1" and stored["executionMode"] == "SUPERSEDED"
    state = client.get_pipeline_state(name="pl")
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Build"]
    assert state["pipelineVersion"] == 1
    client.start_pipeline_execution(name="pl")
    state = client.get_pipeline_state(name="pl")
    assert state["stageStates"][0]["latestExecution"]["status"] == "Succeeded"


@pytest.mark.parametrize(
    "change",
    [
        "input_not_produced",
        "triggers_on_v1",
        "trigger_without_connection_source",
        "duplicate_stage",
        "source_not_first",
    ],
)
def test_pipeline_structure_errors(aws, change):
    client = aws.boto3_client("codepipeline")
    pipeline = _pipeline(aws)
    trigger = {
        "providerType": "CodeStarSourceConnection",
        "gitConfiguration": {"sourceActionName": "Source", "push": [{"branches": {"includes": ["main"]}}]},
    }
    if change == "input_not_produced":
        pipeline["stages"][1]["actions"][0]["inputArtifacts"] = [{"name": "Nope"}]
    elif change == "triggers_on_v1":
        pipeline.update(pipelineType="V1", triggers=[trigger])
    elif change == "trigger_without_connection_source":
        pipeline["triggers"] = [trigger]
    elif change == "duplicate_stage":
        pipeline["stages"][1]["name"] = "Source"
    elif change == "source_not_first":
        pipeline["stages"].reverse()
    with pytest.raises(ClientError) as err:
        client.create_pipeline(pipeline=pipeline)
    assert code(err) == "InvalidStructureException"


def test_update_project_changes_only_what_is_given(aws):
    iam = aws.boto3_client("iam")
    doc = trust("codebuild.amazonaws.com")
    role = iam.create_role(RoleName="cb", AssumeRolePolicyDocument=doc)["Role"]["Arn"]
    client = aws.boto3_client("codebuild")
    env = {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        "computeType": "BUILD_GENERAL1_SMALL",
    }
    client.create_project(
        name="proj",
        source={"type": "CODEPIPELINE", "buildspec": "version: 0.2\n"},
        artifacts={"type": "CODEPIPELINE"},
        environment=env,
        serviceRole=role,
    )
    updated = client.update_project(name="proj", environment={**env, "privilegedMode": True})["project"]
    assert updated["environment"]["privilegedMode"] is True
    assert updated["source"]["buildspec"] == "version: 0.2\n"
    with pytest.raises(ClientError) as err:
        client.update_project(name="nope", description="x")
    assert code(err) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        client.update_project(name="proj", artifacts={"type": "NO_ARTIFACTS"})
    assert code(err) == "InvalidInputException"
