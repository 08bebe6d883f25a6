# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hardened container definition and its secrets (issue 11): the fields, the ARN shapes, the IAM policy.

Plain Python (no Ansible): the ``task_hardening`` filters, the pre-flight (``limits``) and the tests share it.

- Fargate's limits on ``linuxParameters``: the only capability ``add`` allows is SYS_PTRACE; ``devices``,
  ``sharedMemorySize`` and ``tmpfs`` are not supported
  (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html). So gunicorn's worker
  heartbeat files stay on the runtime's ``/dev/shm`` (hello_app/gunicorn.conf.py) and the task needs no writable
  mount at all.
- ``secrets[].valueFrom``: a Secrets Manager secret ARN, optionally with ECS's ``:json-key:version-stage:version-id``
  suffix, or an SSM parameter ARN (ECS Developer Guide, "Pass sensitive data to an Amazon ECS container";
  https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Secret.html). The stack takes ARNs only, so the
  execution role's policy can name exactly them; the partition is read from each ARN, never assumed.
"""

from __future__ import annotations

import re
from typing import Any

# arn:<partition>: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, ...
_PARTITION = r"aws(?:-[a-z]+)*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
# A secret's full ARN ends with the 6 characters Secrets Manager appends to its name: an IAM policy names that ARN
# (a partial ARN, without them, matches no resource in a policy).
SECRETSMANAGER_ARN = re.compile(
    rf"(?P<arn>arn:(?P<partition>{_PARTITION}):secretsmanager:{_REGION}:\d{{12}}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{{6}})"
    r"(?P<suffix>:[^:]*:[^:]*:[^:]*)?"
)
SSM_PARAMETER_ARN = re.compile(
    rf"(?P<arn>arn:(?P<partition>{_PARTITION}):ssm:{_REGION}:\d{{12}}:parameter/[A-Za-z0-9_.\-/]{{1,1011}})"
)
KMS_KEY_ARN = re.compile(rf"arn:{_PARTITION}:kms:{_REGION}:\d{{12}}:key/[A-Za-z0-9-]{{1,128}}")
ENVIRONMENT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# ContainerDefinition user: user, user:group, uid, uid:gid, user:gid, uid:group (API reference, ContainerDefinition).
CONTAINER_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?")
ROOT_USERS = ("root", "0")

SECRETS_ALLOWED = (
    "a dict of environment variable names (a letter or _, then letters, digits and _) to a Secrets Manager secret's "
    "full ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>, optionally followed by "
    "ECS's :<json-key>:<version-stage>:<version-id>) or an SSM parameter's ARN "
    "(arn:<partition>:ssm:<region>:<account>:parameter/<name>)"
)


def secret_reference(value: Any) -> dict[str, str] | None:
    """What a secrets value names: {'service', 'arn' (the resource, without ECS's JSON-key suffix), 'partition'}."""
    if not isinstance(value, str):
        return None
    found = SECRETSMANAGER_ARN.fullmatch(value)
    if found:
        return {"service": "secretsmanager", "arn": found["arn"], "partition": found["partition"]}
    found = SSM_PARAMETER_ARN.fullmatch(value)
    if found:
        return {"service": "ssm", "arn": found["arn"], "partition": found["partition"]}
    return None


def shown_secrets(value: Any) -> str:
    """The secrets input as a message shows it: names, and a value only when it looks like an ARN (an ARN names a
    secret; anything else may be the secret itself, pasted by mistake, and must not reach Ansible's output)."""
    if not isinstance(value, dict):
        return f"a {type(value).__name__}, not a dict"
    parts = [
        f"{name}: {arn!r}"
        if isinstance(arn, str) and arn.startswith("arn:")
        else f"{name}: (a value that is not an ARN, not shown)"
        for name, arn in value.items()
    ]
    return "{" + ", ".join(parts) + "}"


def secrets_ok(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(name, str) and ENVIRONMENT_NAME.fullmatch(name) and secret_reference(arn) is not None
        for name, arn in value.items()
    )


def container_user_ok(value: Any) -> bool:
    return isinstance(value, str) and CONTAINER_USER.fullmatch(value) is not None


def runs_as_root(user: Any) -> bool:
    return isinstance(user, str) and user.split(":", 1)[0] in ROOT_USERS


def hardened_container(
    definition: dict[str, Any],
    readonly_root_filesystem: bool = True,
    user: str = "",
    drop_capabilities: bool = True,
    init_process: bool = True,
    secrets: dict[str, str] | None = None,
) -> dict[str, Any]:
    """``definition`` with the hardening fields: each one only when it is on (AWS leaves an unset field out of
    DescribeTaskDefinition, so an "off" input adds nothing and compares equal to a revision without it)."""
    out = dict(definition)
    if readonly_root_filesystem:
        out["readonlyRootFilesystem"] = True
    if user:
        out["user"] = str(user)
    linux: dict[str, Any] = {}
    if drop_capabilities:
        linux["capabilities"] = {"drop": ["ALL"]}
    if init_process:
        linux["initProcessEnabled"] = True
    if linux:
        out["linuxParameters"] = linux
    if secrets:
        out["secrets"] = [{"name": str(name), "valueFrom": str(arn)} for name, arn in sorted(secrets.items())]
    return out


def secrets_policy(secrets: dict[str, str] | None, kms_key_arn: str = "") -> dict[str, Any] | None:
    """The execution role's policy reading exactly ``secrets`` (and decrypting with ``kms_key_arn`` if given);
    None when there is nothing to read. ECS reads secrets with the execution role at task start: Secrets Manager
    GetSecretValue, SSM GetParameters (ECS Developer Guide, "Amazon ECS task execution IAM role", "Secrets Manager
    or Systems Manager Parameter Store permissions")."""
    refs = [secret_reference(arn) for arn in (secrets or {}).values()]
    if any(ref is None for ref in refs):
        raise ValueError("secrets_policy: every value must be a Secrets Manager secret or SSM parameter ARN")
    statements = []
    for sid, service, action in (
        ("ReadContainerSecrets", "secretsmanager", "secretsmanager:GetSecretValue"),
        ("ReadContainerParameters", "ssm", "ssm:GetParameters"),
    ):
        resources = sorted({ref["arn"] for ref in refs if ref["service"] == service})
        if resources:
            statements.append({"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": resources})
    if not statements:
        return None
    if kms_key_arn:
        statements.append(
            {"Sid": "DecryptContainerSecrets", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [kms_key_arn]}
        )
    return {"Version": "2012-10-17", "Statement": statements}


def secret_arns_ok(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(set(map(str, value))) == len(value)
        and all(secret_reference(arn) is not None for arn in value)
    )


def input_checks(values: dict[str, Any], prefix: str, kms_var: str = "") -> list[tuple[str, str]]:
    """The rules across the hardening inputs of ``prefix`` (app_ or ecs_service_): a name both plain environment and
    a secret, a root user, a KMS key without secrets. [(variable, rest of the sentence)], as limits' checks."""
    out = []
    secrets_var, env_var, user_var = (
        f"{prefix}container_secrets",
        f"{prefix}container_environment",
        f"{prefix}container_user",
    )
    secrets, environment = values.get(secrets_var), values.get(env_var)
    if isinstance(secrets, dict) and isinstance(environment, dict):
        both = sorted(set(secrets) & set(environment))
        if both:
            out.append(
                (
                    secrets_var,
                    f"names {', '.join(both)}, also in {env_var}: ECS sets a variable from one or the other, so give "
                    "each name once (a secret's value never belongs in the environment).",
                )
            )
    if runs_as_root(values.get(user_var)):
        out.append(
            (
                user_var,
                f"is {values.get(user_var)!r}, root: the task runs as a non-root user (Security Hub ECS.4/ECS.5); give "
                "the image's non-root uid:gid, or leave it empty to keep the image's own USER.",
            )
        )
    if kms_var and values.get(kms_var) and not values.get(secrets_var):
        out.append((kms_var, f"is set but {secrets_var} is empty: the key only decrypts the container's secrets."))
    return out
