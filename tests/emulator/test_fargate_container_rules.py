"""The emulator refuses the container definitions Fargate refuses (awsemu/rules/ecs_fargate.py).

What the hardened task sends (readonlyRootFilesystem, user, linuxParameters, secrets) and its edges. AWS:
"Amazon ECS task definition differences for Fargate": "for capabilities the only capability you can add is
CAP_SYS_PTRACE. The devices, sharedMemorySize, and tmpfs parameters are not supported"
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html); ContainerDefinition
and Secret (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html,
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html). ``None``: AWS accepts it (the rule is not
stricter than AWS).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

ROLE_ARN = "arn:aws:iam::123456789012:role/helloapp-execution"
SECRET = "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:helloapp/db-AbCdEf"
PARAMETER = "arn:aws:ssm:ap-northeast-2:123456789012:parameter/helloapp/api-key"
HARDENED = {
    "readonlyRootFilesystem": True,
    "user": "10001:10001",
    "linuxParameters": {"capabilities": {"drop": ["ALL"]}, "initProcessEnabled": True},
}


def task(compatibilities: tuple[str, ...] = ("FARGATE",), **container: Any) -> dict[str, Any]:
    definition = {"name": "helloapp", "image": "127.0.0.1:4566/helloapp:v1", "essential": True, **container}
    return {
        "family": "helloapp",
        "networkMode": "awsvpc",
        "requiresCompatibilities": list(compatibilities),
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": ROLE_ARN,
        "containerDefinitions": [definition],
    }


def linux(**params: Any) -> dict[str, Any]:
    return {"linuxParameters": params}


CASES = [
    ("hardened", task(**HARDENED), None),
    (
        "secrets-arns",
        task(secrets=[{"name": "DB", "valueFrom": SECRET + ":password::"}, {"name": "KEY", "valueFrom": PARAMETER}]),
        None,
    ),
    ("secret-parameter-name", task(secrets=[{"name": "KEY", "valueFrom": "helloapp-api-key"}]), None),
    ("add-sys-ptrace", task(**linux(capabilities={"add": ["SYS_PTRACE"], "drop": ["ALL"]})), None),
    (
        "add-net-admin",
        task(**linux(capabilities={"add": ["NET_ADMIN"]})),
        ("ClientException", "capabilities 'add' only supports SYS_PTRACE on Fargate"),
    ),
    (
        "tmpfs",
        task(**linux(tmpfs=[{"containerPath": "/tmp", "size": 16}])),
        ("ClientException", "tmpfs"),
    ),
    (
        "devices",
        task(**linux(devices=[{"hostPath": "/dev/fuse"}])),
        ("ClientException", "devices"),
    ),
    ("shared-memory", task(**linux(sharedMemorySize=64)), ("ClientException", "sharedMemorySize")),
    # EC2 task definitions may use them: the rule is Fargate's only.
    ("tmpfs-ec2", {**task(("EC2",), **linux(tmpfs=[{"containerPath": "/tmp", "size": 16}]))}, None),
    (
        "secret-value-from-empty",
        task(secrets=[{"name": "DB", "valueFrom": ""}]),
        ("ClientException", "valueFrom"),
    ),
    (
        "secret-value-from-other-service",
        task(secrets=[{"name": "DB", "valueFrom": "arn:aws:s3:::bucket/db.txt"}]),
        ("ClientException", "valueFrom"),
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fargate_container_rules(aws, kwargs, expected):
    ecs = aws.boto3_client("ecs")
    if expected is None:
        ecs.register_task_definition(**kwargs)
        return
    code, fragment = expected
    with pytest.raises(ClientError) as err:
        ecs.register_task_definition(**kwargs)
    assert err.value.response["Error"]["Code"] == code, err.value.response["Error"]
    assert fragment in err.value.response["Error"]["Message"]


def test_the_hardened_fields_read_back_as_registered(aws):
    """What the role compares against: DescribeTaskDefinition answers the fields as they were sent."""
    ecs = aws.boto3_client("ecs")
    arn = ecs.register_task_definition(**task(**HARDENED, secrets=[{"name": "KEY", "valueFrom": PARAMETER}]))[
        "taskDefinition"
    ]["taskDefinitionArn"]
    container = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]
    assert {k: container[k] for k in (*HARDENED, "secrets")} == {
        **HARDENED,
        "secrets": [{"name": "KEY", "valueFrom": PARAMETER}],
    }
