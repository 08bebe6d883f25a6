"""The pipeline templates in hello_app/ render to what CodeBuild, ECS and CodeDeploy accept.

They are rendered the way ansible.builtin.template does (Jinja2, trim_blocks, Ansible's quote and to_json
filters); the task definition is checked against the ECS RegisterTaskDefinition input shape of botocore.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import botocore.session
import pytest
import yaml
from ansible.plugins.filter.core import FilterModule
from botocore.validate import ParamValidator
from jinja2 import Environment, FileSystemLoader, StrictUndefined

APP_DIR = Path(__file__).resolve().parents[2] / "hello_app"
REPOSITORY_URI = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargatedemo/helloapp"
EXECUTION_ROLE_ARN = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"


def render(name: str, **variables) -> str:
    env = Environment(
        loader=FileSystemLoader(APP_DIR), undefined=StrictUndefined, trim_blocks=True, keep_trailing_newline=True
    )
    ansible_filters = FilterModule().filters()
    env.filters.update(quote=ansible_filters["quote"], to_json=ansible_filters["to_json"])
    return env.get_template(name).render(**variables)


TASKDEF_VARS = {
    "task_family": "helloapp",
    "container_name": "helloapp",
    "container_port": 8000,
    "execution_role_arn": EXECUTION_ROLE_ARN,
    "task_cpu": 256,
    "task_memory": "512",
    "log_group_name": "/ecs/helloapp",
    "aws_region": "ap-northeast-2",
}


# --- buildspec.yml
@pytest.fixture
def buildspec() -> dict:
    text = render(
        "buildspec.yml.j2",
        image_repository_uri=REPOSITORY_URI,
        container_name="helloapp",
        docker_build_args={"WELCOME_ROUTE": "on", "NOTE": "two words"},
    )
    return yaml.safe_load(text)


def test_buildspec_shape(buildspec):
    assert buildspec["version"] == 0.2
    assert list(buildspec["phases"]) == ["pre_build", "build", "post_build"]
    assert buildspec["env"]["variables"] == {"REPOSITORY_URI": REPOSITORY_URI, "CONTAINER_NAME": "helloapp"}
    assert buildspec["artifacts"] == {
        "files": ["imagedefinitions.json", "imageDetail.json", "taskdef.json", "appspec.yml"],
        "discard-paths": True,
    }
    # A failed login or build must not go on to push.
    assert buildspec["phases"]["pre_build"]["on-failure"] == "ABORT"
    assert buildspec["phases"]["build"]["on-failure"] == "ABORT"


def test_buildspec_uses_modern_ecr_login_and_commit_tag(buildspec):
    pre_build = "\n".join(buildspec["phases"]["pre_build"]["commands"])
    assert "aws ecr get-login-password" in pre_build
    assert "docker login --username AWS --password-stdin" in pre_build
    assert "get-login " not in pre_build  # the removed AWS CLI v1 command of the seed
    assert 'IMAGE_TAG="$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c 1-7)"' in pre_build


def _command(commands: list[str], start: str) -> str:
    """The shell line of ``commands`` that starts with ``start`` (inside a multi-line command too)."""
    lines = [line.strip() for command in commands for line in command.splitlines()]
    return next(line for line in lines if line.startswith(start))


def test_buildspec_builds_and_pushes_the_commit_tag_only(buildspec):
    build = buildspec["phases"]["build"]["commands"]
    words = shlex.split(_command(build, "docker build"))
    assert words[-1] == "."
    assert "--build-arg" in words and "WELCOME_ROUTE=on" in words and "NOTE=two words" in words
    assert words[words.index("--tag") + 1] == "$REPOSITORY_URI:$IMAGE_TAG"
    post_build = buildspec["phases"]["post_build"]["commands"]
    assert 'docker push "$REPOSITORY_URI:$IMAGE_TAG"' in _command(post_build, "if")
    # The repository is immutable: a tag is pushed once, so no moving tag (latest) at all.
    assert "latest" not in yaml.safe_dump(buildspec)
    assert any("> imagedefinitions.json" in cmd for cmd in post_build)
    assert any("> imageDetail.json" in cmd for cmd in post_build)


def test_buildspec_defaults_without_build_args():
    spec = yaml.safe_load(render("buildspec.yml.j2", image_repository_uri=REPOSITORY_URI, container_name="helloapp"))
    assert "--build-arg" not in _command(spec["phases"]["build"]["commands"], "docker build")


def test_buildspec_imagedefinitions_is_valid_json(buildspec, tmp_path):
    """Run the post_build printf lines in a shell and parse what they write."""
    import subprocess

    lines = [cmd for cmd in buildspec["phases"]["post_build"]["commands"] if cmd.startswith("printf")]
    script = "\n".join(["set -e", f"REPOSITORY_URI={REPOSITORY_URI}", "CONTAINER_NAME=helloapp", "IMAGE_TAG=abc1234"])
    subprocess.run(["sh", "-c", script + "\n" + "\n".join(lines)], cwd=tmp_path, check=True)
    image = f"{REPOSITORY_URI}:abc1234"
    assert json.loads((tmp_path / "imagedefinitions.json").read_text()) == [{"name": "helloapp", "imageUri": image}]
    assert json.loads((tmp_path / "imageDetail.json").read_text()) == {"ImageURI": image}


# --- taskdef.json
@pytest.mark.parametrize("task_role_arn", [None, "", "arn:aws:iam::123456789012:role/helloapp-task"])
def test_taskdef_is_a_valid_register_task_definition_input(task_role_arn):
    variables = dict(TASKDEF_VARS)
    if task_role_arn is not None:
        variables["task_role_arn"] = task_role_arn
    taskdef = json.loads(render("taskdef.json.j2", **variables))
    model = botocore.session.get_session().get_service_model("ecs").operation_model("RegisterTaskDefinition")
    report = ParamValidator().validate(taskdef, model.input_shape)
    assert not report.has_errors(), report.generate_report()
    assert taskdef["family"] == "helloapp"
    assert taskdef["requiresCompatibilities"] == ["FARGATE"]
    assert taskdef["networkMode"] == "awsvpc"
    assert (taskdef["cpu"], taskdef["memory"]) == ("256", "512")
    assert taskdef["executionRoleArn"] == EXECUTION_ROLE_ARN
    assert taskdef.get("taskRoleArn") == (task_role_arn or None)
    (container,) = taskdef["containerDefinitions"]
    assert container["name"] == "helloapp"
    assert container["image"] == "<IMAGE1_NAME>"
    assert container["portMappings"][0]["containerPort"] == 8000
    assert container["logConfiguration"]["options"]["awslogs-group"] == "/ecs/helloapp"
    assert "http://127.0.0.1:8000/healthz" in container["healthCheck"]["command"][-1]


def test_taskdef_needs_its_variables():
    variables = dict(TASKDEF_VARS)
    del variables["execution_role_arn"]
    with pytest.raises(Exception, match="Undefined"):  # ansible-playbook names the variable itself
        render("taskdef.json.j2", **variables)


# --- appspec.yml
def test_appspec_shape():
    appspec = yaml.safe_load(render("appspec.yml.j2", container_name="helloapp", container_port=8000))
    assert appspec == {
        "version": 0.0,
        "Resources": [
            {
                "TargetService": {
                    "Type": "AWS::ECS::Service",
                    "Properties": {
                        "TaskDefinition": "<TASK_DEFINITION>",
                        "LoadBalancerInfo": {"ContainerName": "helloapp", "ContainerPort": 8000},
                    },
                }
            }
        ],
    }
