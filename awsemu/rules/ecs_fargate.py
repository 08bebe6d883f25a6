"""Amazon ECS rules: the container definition fields Fargate refuses, and the shape of ``secrets``.

moto registers any ``linuxParameters`` and any ``secrets``; AWS does not:

- "Amazon ECS task definition differences for Fargate": "for capabilities the only capability you can add is
  CAP_SYS_PTRACE. The devices, sharedMemorySize, and tmpfs parameters are not supported."
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html)
- Secret.valueFrom: "The supported values are either the full ARN of the AWS Secrets Manager secret or the full
  ARN of the parameter in the SSM Parameter Store"; a parameter in the task's Region may be given by its name
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html).
"""

from __future__ import annotations

import re

from awsemu.core import AwsError, validates

_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:(?P<service>[a-z0-9-]+):[a-z0-9-]*:\d{12}:(?P<resource>.+)")
_PARAMETER_NAME = re.compile(r"/?[A-Za-z0-9_.\-]+(?:/[A-Za-z0-9_.\-]+)*")
_NOT_ON_FARGATE = ("devices", "sharedMemorySize", "tmpfs")


def _value_from_ok(value) -> bool:
    if not isinstance(value, str) or not value:
        return False
    found = _ARN.fullmatch(value)
    if value.startswith("arn:"):
        return bool(found) and (
            (found["service"] == "secretsmanager" and found["resource"].startswith("secret:"))
            or (found["service"] == "ssm" and found["resource"].startswith("parameter/"))
        )
    return _PARAMETER_NAME.fullmatch(value) is not None


@validates("ecs", "RegisterTaskDefinition")
def fargate_container_definitions(req) -> None:
    params = req.params
    fargate = "FARGATE" in (params.get("requiresCompatibilities") or [])
    for container in params.get("containerDefinitions") or []:
        name = container.get("name")
        linux = container.get("linuxParameters") or {}
        if fargate:
            for key in _NOT_ON_FARGATE:
                if linux.get(key) not in (None, []):
                    raise AwsError(
                        "ClientException",
                        f"Container '{name}': linuxParameters.{key} is not supported on the Fargate launch type.",
                    )
            added = [str(c) for c in (linux.get("capabilities") or {}).get("add") or []]
            if any(c not in ("SYS_PTRACE", "CAP_SYS_PTRACE") for c in added):
                raise AwsError(
                    "ClientException",
                    f"Container '{name}': linuxParameters.capabilities 'add' only supports SYS_PTRACE on Fargate, "
                    f"not {', '.join(added)}.",
                )
        for secret in container.get("secrets") or []:
            if not _value_from_ok(secret.get("valueFrom")):
                raise AwsError(
                    "ClientException",
                    f"Container '{name}': secret '{secret.get('name')}' valueFrom '{secret.get('valueFrom')}' must be "
                    "the ARN of a Secrets Manager secret or of an SSM parameter, or an SSM parameter name.",
                )
