"""codebuild_project and codepipeline_pipeline (the compare-first modules) against Stubbers, and the
shared helpers of module_utils/compare.py."""

from __future__ import annotations

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import compare
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codebuild_project as build_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import codepipeline_pipeline as pipeline_module
from botocore.stub import Stubber

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
_CLIENTS = {}


@pytest.fixture
def aws(monkeypatch):
    """Stubbers on codebuild, codepipeline and iam clients, handed out by AnsibleAWSModule.client."""
    stubbers = {}
    for service in ("codebuild", "codepipeline", "iam"):
        if service not in _CLIENTS:
            _CLIENTS[service] = boto3.session.Session().client(
                service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
            )
        stubbers[service] = Stubber(_CLIENTS[service])
        stubbers[service].activate()

    def client(self, service, retry_decorator=None, **extra):
        conn = _CLIENTS[service]
        return conn if retry_decorator is None else RetryingBotoClientWrapper(conn, retry_decorator)

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    try:
        yield stubbers
        for stubber in stubbers.values():
            stubber.assert_no_pending_responses()
    finally:
        for stubber in stubbers.values():
            stubber.deactivate()


# --- compare.py helpers ----------------------------------------------------------------------


def test_tag_list_and_tag_dict_round_trip():
    assert compare.tag_list({"b": "2", "a": "1"}) == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}]
    assert compare.tag_list({}) == []
    assert compare.tag_dict([{"key": "a", "value": "1"}, {"key": "b"}]) == {"a": "1", "b": ""}
    assert compare.tag_dict(None) == {}


@pytest.mark.parametrize(
    ("tags", "expected_before", "expected_after"),
    [
        (None, {"name": "x", "timeout": 5}, {"name": "x", "timeout": 10}),
        (
            {"k": "new"},
            {"name": "x", "timeout": 5, "tags": {"k": "old"}},
            {"name": "x", "timeout": 10, "tags": {"k": "new"}},
        ),
    ],
)
def test_update_diff(tags, expected_before, expected_after):
    current = {"name": "x", "timeout": 5, "extra": "ignored"}
    wanted = {"name": "x", "timeout": 10}
    before, after = compare.update_diff(current, wanted, dict, {"k": "old"}, tags)
    assert before == expected_before and after == expected_after


# --- codebuild_project -----------------------------------------------------------------------

ROLE = f"arn:aws:iam::{ACCOUNT}:role/helloapp-codebuild"
PROJECT_ARGS = {
    "name": "helloapp-build",
    "service_role": "helloapp-codebuild",
    "source": {"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
    "artifacts": {"type": "CODEPIPELINE"},
    "environment": {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "compute_type": "BUILD_GENERAL1_SMALL",
    },
    "tags": {"project": "helloapp"},
}

# What the module sends for PROJECT_ARGS' settings (create and update alike).
SETTINGS = {
    "serviceRole": ROLE,
    "source": {"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
    "artifacts": {"type": "CODEPIPELINE"},
    "environment": {
        "type": "LINUX_CONTAINER",
        "image": "aws/codebuild/standard:7.0",
        "computeType": "BUILD_GENERAL1_SMALL",
    },
}
PROJECT = {
    "name": "helloapp-build",
    "arn": f"arn:aws:codebuild:{REGION}:{ACCOUNT}:project/helloapp-build",
    **SETTINGS,
    "environment": {**SETTINGS["environment"], "environmentVariables": []},
    "timeoutInMinutes": 60,
    "tags": [{"key": "project", "value": "helloapp"}],
}


def expect_role(aws):
    aws["iam"].add_response(
        "get_role",
        {
            "Role": {
                "Path": "/",
                "RoleName": "helloapp-codebuild",
                "RoleId": "AROAEXAMPLEEXAMPLE123",
                "Arn": ROLE,
                "CreateDate": "2024-01-01T00:00:00Z",
            }
        },
        {"RoleName": "helloapp-codebuild"},
    )


@pytest.mark.parametrize("check_mode", [False, True])
def test_project_is_created(aws, run_module, check_mode):
    aws["codebuild"].add_response("batch_get_projects", {"projects": []}, {"names": ["helloapp-build"]})
    expect_role(aws)
    if not check_mode:
        aws["codebuild"].add_response(
            "create_project",
            {"project": PROJECT},
            {
                "name": "helloapp-build",
                "tags": [{"key": "project", "value": "helloapp"}],
                **SETTINGS,
            },
        )
    result = run_module(build_module.main, PROJECT_ARGS, check_mode=check_mode, diff=True)
    assert result["changed"] is True and result["failed"] is False
    assert result["differences"] == ["artifacts", "environment", "serviceRole", "source"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["environment"]["compute_type"] == "BUILD_GENERAL1_SMALL"
    assert result["diff"]["after"]["service_role"] == ROLE
    if check_mode:
        assert "project" not in result
    else:
        assert result["project"]["environment"]["compute_type"] == "BUILD_GENERAL1_SMALL"
        assert result["project"]["tags"] == [{"key": "project", "value": "helloapp"}]


def test_project_create_needs_the_required_settings(aws, run_module):
    aws["codebuild"].add_response("batch_get_projects", {"projects": []}, {"names": ["helloapp-build"]})
    result = run_module(build_module.main, {"name": "helloapp-build"})
    assert result["failed"] is True
    assert result["msg"] == "To create project helloapp-build, also give: service_role, source, artifacts, environment"


def test_project_noop(aws, run_module):
    aws["codebuild"].add_response("batch_get_projects", {"projects": [PROJECT]}, {"names": ["helloapp-build"]})
    expect_role(aws)
    result = run_module(build_module.main, PROJECT_ARGS, diff=True)
    assert result == {
        "changed": False,
        "differences": [],
        "project": build_module.snake_project(PROJECT),
        "failed": False,
    }


@pytest.mark.parametrize("check_mode", [False, True])
def test_project_update_with_tags(aws, run_module, check_mode):
    aws["codebuild"].add_response("batch_get_projects", {"projects": [PROJECT]}, {"names": ["helloapp-build"]})
    expect_role(aws)
    args = dict(PROJECT_ARGS, timeout_in_minutes=30, tags={"team": "web"})
    updated = dict(PROJECT, timeoutInMinutes=30, tags=[{"key": "team", "value": "web"}])
    if not check_mode:
        aws["codebuild"].add_response(
            "update_project",
            {"project": updated},
            {
                "name": "helloapp-build",
                **SETTINGS,
                "timeoutInMinutes": 30,
                "tags": [{"key": "team", "value": "web"}],
            },
        )
    result = run_module(build_module.main, args, check_mode=check_mode, diff=True)
    assert result["changed"] is True
    assert result["differences"] == ["timeoutInMinutes", "tags"]
    assert result["diff"]["before"]["timeout_in_minutes"] == 60
    assert result["diff"]["after"]["timeout_in_minutes"] == 30
    assert result["diff"]["before"]["tags"] == {"project": "helloapp"}
    assert result["diff"]["after"]["tags"] == {"team": "web"}
    assert result["project"]["timeout_in_minutes"] == (60 if check_mode else 30)


def test_project_update_keeps_tags_when_not_purging(aws, run_module):
    aws["codebuild"].add_response("batch_get_projects", {"projects": [PROJECT]}, {"names": ["helloapp-build"]})
    aws["codebuild"].add_response(
        "update_project",
        {"project": PROJECT},
        {
            "name": "helloapp-build",
            "tags": [{"key": "project", "value": "helloapp"}, {"key": "team", "value": "web"}],
        },
    )
    result = run_module(
        build_module.main, {"name": "helloapp-build", "tags": {"team": "web"}, "purge_tags": False}, diff=True
    )
    assert result["changed"] is True and result["differences"] == ["tags"]
    assert result["diff"] == {"before": {"tags": {"project": "helloapp"}}, "after": {"tags": {"team": "web"}}}


# --- codepipeline_pipeline -------------------------------------------------------------------

PIPELINE_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:helloapp-pipeline"
STAGES = [
    {
        "name": "Source",
        "actions": [
            {
                "name": "Source",
                "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
                "configuration": {"RepositoryName": "helloapp", "BranchName": "main", "PollForSourceChanges": False},
                "outputArtifacts": [{"name": "SourceArtifact"}],
            }
        ],
    },
    {
        "name": "Build",
        "actions": [
            {
                "name": "Build",
                "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": 1},
                "configuration": {"ProjectName": "helloapp-build"},
                "inputArtifacts": [{"name": "SourceArtifact"}],
            }
        ],
    },
]
PIPELINE_ARGS = {
    "name": "helloapp-pipeline",
    "role_arn": f"arn:aws:iam::{ACCOUNT}:role/helloapp-codepipeline",
    "artifact_store": {"type": "S3", "location": "helloapp-artifacts"},
    "stages": STAGES,
    "tags": {"project": "helloapp"},
}
DECLARATION = pipeline_module.desired_declaration(
    dict(PIPELINE_ARGS, pipeline_type="V2", execution_mode="SUPERSEDED", triggers=[], variables=[])
)
CURRENT = dict(DECLARATION, version=1)


def expect_pipeline(aws, pipeline=CURRENT):
    if pipeline is None:
        aws["codepipeline"].add_client_error("get_pipeline", service_error_code="PipelineNotFoundException")
    else:
        aws["codepipeline"].add_response(
            "get_pipeline",
            {"pipeline": pipeline, "metadata": {"pipelineArn": PIPELINE_ARN}},
            {"name": "helloapp-pipeline"},
        )


def expect_tags(aws, tags):
    aws["codepipeline"].add_response(
        "list_tags_for_resource",
        {"tags": [{"key": k, "value": v} for k, v in tags.items()]},
        {"resourceArn": PIPELINE_ARN},
    )


@pytest.mark.parametrize("check_mode", [False, True])
def test_pipeline_is_created(aws, run_module, check_mode):
    expect_pipeline(aws, None)
    if not check_mode:
        aws["codepipeline"].add_response(
            "create_pipeline",
            {"pipeline": CURRENT},
            {"pipeline": DECLARATION, "tags": [{"key": "project", "value": "helloapp"}]},
        )
        expect_pipeline(aws)
    result = run_module(pipeline_module.main, PIPELINE_ARGS, check_mode=check_mode, diff=True)
    assert result["changed"] is True and result["differences"] == ["pipeline"]
    assert result["diff"] == {"before": {}, "after": pipeline_module.snake(DECLARATION)}
    if check_mode:
        assert "pipeline" not in result
    else:
        assert result["pipeline_arn"] == PIPELINE_ARN
        assert result["pipeline"]["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"] == "false"


def test_pipeline_noop(aws, run_module):
    expect_pipeline(aws)
    expect_tags(aws, {"project": "helloapp"})
    result = run_module(pipeline_module.main, PIPELINE_ARGS, diff=True)
    assert result == {
        "changed": False,
        "differences": [],
        "pipeline": pipeline_module.snake(CURRENT),
        "pipeline_arn": PIPELINE_ARN,
        "failed": False,
    }


@pytest.mark.parametrize("check_mode", [False, True])
def test_pipeline_update_and_tags(aws, run_module, check_mode):
    expect_pipeline(aws)
    expect_tags(aws, {"project": "helloapp", "old": "x"})
    args = dict(PIPELINE_ARGS, execution_mode="QUEUED", tags={"project": "helloapp", "team": "web"})
    wanted = dict(DECLARATION, executionMode="QUEUED")
    if not check_mode:
        aws["codepipeline"].add_response("update_pipeline", {"pipeline": dict(wanted, version=2)}, {"pipeline": wanted})
        aws["codepipeline"].add_response(
            "tag_resource", {}, {"resourceArn": PIPELINE_ARN, "tags": [{"key": "team", "value": "web"}]}
        )
        aws["codepipeline"].add_response("untag_resource", {}, {"resourceArn": PIPELINE_ARN, "tagKeys": ["old"]})
    result = run_module(pipeline_module.main, args, check_mode=check_mode, diff=True)
    assert result["changed"] is True
    assert result["differences"] == ["executionMode", "tags"]
    assert result["diff"]["before"]["execution_mode"] == "SUPERSEDED"
    assert result["diff"]["after"]["execution_mode"] == "QUEUED"
    assert result["diff"]["before"]["tags"] == {"project": "helloapp", "old": "x"}
    assert result["diff"]["after"]["tags"] == {"project": "helloapp", "team": "web"}
    assert result["pipeline"]["version"] == (1 if check_mode else 2)


def test_pipeline_tags_only(aws, run_module):
    expect_pipeline(aws)
    expect_tags(aws, {})
    aws["codepipeline"].add_response(
        "tag_resource", {}, {"resourceArn": PIPELINE_ARN, "tags": [{"key": "project", "value": "helloapp"}]}
    )
    result = run_module(pipeline_module.main, PIPELINE_ARGS)
    assert result["changed"] is True and result["differences"] == ["tags"]
    assert "diff" not in result


# --- state=absent, the same contract in both modules (module_utils/compare.py delete_if_present) -----------


def expect_project(aws, project=PROJECT):
    aws["codebuild"].add_response(
        "batch_get_projects", {"projects": [project] if project else []}, {"names": ["helloapp-build"]}
    )


ABSENT = {
    "codebuild_project": (
        build_module,
        "codebuild",
        expect_project,
        "delete_project",
        "helloapp-build",
        lambda: build_module.snake_project(PROJECT),
        "AccessDeniedException",
        "Failed to delete CodeBuild project helloapp-build",
    ),
    "codepipeline_pipeline": (
        pipeline_module,
        "codepipeline",
        expect_pipeline,
        "delete_pipeline",
        "helloapp-pipeline",
        lambda: pipeline_module.snake(CURRENT),
        "ValidationException",
        "Failed to delete pipeline helloapp-pipeline",
    ),
}


@pytest.mark.parametrize("module_name", sorted(ABSENT))
@pytest.mark.parametrize(("exists", "check_mode"), [(True, False), (True, True), (False, False)])
def test_delete(aws, run_module, module_name, exists, check_mode):
    module, service, expect_current, delete, name, snaked, _code, _msg = ABSENT[module_name]
    if exists:
        expect_current(aws)
    else:
        expect_current(aws, None)
    if exists and not check_mode:
        aws[service].add_response(delete, {}, {"name": name})
    result = run_module(module.main, {"name": name, "state": "absent"}, check_mode=check_mode, diff=True)
    assert result["changed"] is exists and result["differences"] == []
    if exists:
        assert result["diff"] == {"before": snaked(), "after": {}}
    else:
        assert "diff" not in result


@pytest.mark.parametrize("module_name", sorted(ABSENT))
def test_delete_failure(aws, run_module, module_name):
    module, service, expect_current, delete, name, _snaked, code, msg = ABSENT[module_name]
    expect_current(aws)
    aws[service].add_client_error(delete, service_error_code=code)
    result = run_module(module.main, {"name": name, "state": "absent"})
    assert result["failed"] is True and result["msg"].startswith(msg)
