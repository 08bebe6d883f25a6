# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``hardened_container`` and ``secrets_policy`` filters: the task's hardening and its secrets (issue 11)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: hardened_container
short_description: Add the hardening fields and the secrets to an ECS container definition
version_added: 1.1.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Returns the container definition with C(readonlyRootFilesystem), C(user),
    C(linuxParameters.capabilities.drop=[ALL]), C(linuxParameters.initProcessEnabled) and C(secrets), each only
    when asked for. Nothing Fargate refuses (no C(tmpfs), C(devices), C(sharedMemorySize), no added capability).
  - The companion filter C(secrets_policy) returns the task execution role's policy that reads exactly the secrets'
    ARNs (C(secretsmanager:GetSecretValue), C(ssm:GetParameters), C(kms:Decrypt) only with a key ARN), or C(none)
    when there are no secrets.
options:
  _input:
    description: The container definition (RegisterTaskDefinition shape).
    type: dict
    required: true
  readonly_root_filesystem:
    description: Set C(readonlyRootFilesystem) true.
    type: bool
    default: true
  user:
    description: The C(user) field (uid:gid); empty leaves it out (the image's USER).
    type: str
    default: ""
  drop_capabilities:
    description: Drop every Linux capability.
    type: bool
    default: true
  init_process:
    description: Run an init as PID 1 (C(initProcessEnabled)).
    type: bool
    default: true
  secrets:
    description: Environment variable name to a Secrets Manager secret ARN or SSM parameter ARN (C(valueFrom)).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The hardened container definition
  ansible.builtin.debug:
    msg: "{{ {'name': 'app', 'image': 'app:1'} | fargatedemo.ecs_delivery.hardened_container(user='10001:10001') }}"
"""

RETURN = r"""
_value:
  description: The container definition with the fields added.
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import task_hardening


def _secrets(secrets):
    if secrets in (None, "", {}):
        return {}
    if not isinstance(secrets, Mapping) or not task_hardening.secrets_ok(dict(secrets)):
        raise AnsibleFilterError(f"task_hardening: secrets must be {task_hardening.SECRETS_ALLOWED}")
    return dict(secrets)


def hardened_container(
    definition, readonly_root_filesystem=True, user="", drop_capabilities=True, init_process=True, secrets=None
):
    if not isinstance(definition, Mapping):
        raise AnsibleFilterError("hardened_container: the input must be a container definition (a dict)")
    return task_hardening.hardened_container(
        dict(definition),
        readonly_root_filesystem=bool(readonly_root_filesystem),
        user=str(user or ""),
        drop_capabilities=bool(drop_capabilities),
        init_process=bool(init_process),
        secrets=_secrets(secrets),
    )


def secrets_policy(secrets, kms_key_arn=""):
    """``secrets`` as the container's dict (name to ARN) or as the list of ARNs (the iam role's input)."""
    if isinstance(secrets, list | tuple):
        if not task_hardening.secret_arns_ok(list(secrets)):
            raise AnsibleFilterError(
                "secrets_policy: the list must hold distinct Secrets Manager secret or SSM parameter ARNs"
            )
        secrets = {f"S{i}": arn for i, arn in enumerate(secrets)}
    return task_hardening.secrets_policy(_secrets(secrets), str(kms_key_arn or ""))


class FilterModule:
    def filters(self):
        return {"hardened_container": hardened_container, "secrets_policy": secrets_policy}
