"""The AWS CLI is the judge: ``aws ecs deploy --codedeploy-appspec`` and ``aws deploy wait`` on the emulator."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from .conftest import APP, CONTAINER, GROUP, PORT, task_definition_kwargs

ROOT = Path(__file__).resolve().parents[2]
AWS = ROOT / ".venv" / "bin" / "aws"

APPSPEC = f"""\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "<TASK_DEFINITION>"
        LoadBalancerInfo:
          ContainerName: "{CONTAINER}"
          ContainerPort: {PORT}
"""


def run_aws(stack, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(stack.aws.env)  # AWS_ENDPOINT_URL: `aws ecs deploy` builds its CodeDeploy client without --endpoint-url
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"),
        AWS_PAGER="",
    )
    return subprocess.run(
        [str(AWS), *args], env=env, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path
    )


def test_aws_ecs_deploy_and_deploy_wait_succeed(stack, make_group, tmp_path):
    make_group()
    stack.aws.admin("clock", "POST", {"scale": 100000})  # a whole deployment in milliseconds of real time
    (tmp_path / "taskdef.json").write_text(json.dumps(task_definition_kwargs("helloapp:v2")))
    (tmp_path / "appspec.yaml").write_text(APPSPEC)

    deploy = run_aws(
        stack,
        tmp_path,
        "ecs",
        "deploy",
        "--cluster",
        stack.cluster,
        "--service",
        stack.service,
        "--task-definition",
        str(tmp_path / "taskdef.json"),
        "--codedeploy-appspec",
        str(tmp_path / "appspec.yaml"),
        "--codedeploy-application",
        APP,
        "--codedeploy-deployment-group",
        GROUP,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert "Successfully registered new ECS task definition" in deploy.stdout
    match = re.search(r"Successfully created deployment (d-[A-Z0-9]{9})", deploy.stdout)
    assert match, deploy.stdout
    assert "Successfully deployed" in deploy.stdout

    wait = run_aws(stack, tmp_path, "deploy", "wait", "deployment-successful", "--deployment-id", match.group(1))
    assert wait.returncode == 0, wait.stdout + wait.stderr

    info = stack.deployment(match.group(1))
    assert info["status"] == "Succeeded"
    new_task_definition = json.loads(info["revision"]["appSpecContent"]["content"])["Resources"][0]
    new_task_definition = new_task_definition["TargetService"]["Properties"]["TaskDefinition"]
    assert new_task_definition.endswith(":2")
    assert stack.described_service()["taskDefinition"] == new_task_definition
    assert stack.forward(stack.prod_listener) == {"tg2": 100}

    got = run_aws(stack, tmp_path, "deploy", "get-deployment", "--deployment-id", match.group(1))
    assert got.returncode == 0 and json.loads(got.stdout)["deploymentInfo"]["status"] == "Succeeded"


def test_aws_deploy_wait_fails_on_a_failed_deployment(stack, make_group, tmp_path):
    make_group()
    stack.aws.admin("codedeploy-faults", "POST", {"fault": "unhealthy"})
    deployment_id = stack.deploy()
    stack.advance(4000)
    wait = run_aws(stack, tmp_path, "deploy", "wait", "deployment-successful", "--deployment-id", deployment_id)
    assert wait.returncode != 0
    assert "Failed" in wait.stderr or "failure" in wait.stderr.lower()
