#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why our own module: community.aws.ecs_taskdefinition (10.0.0) decides whether a matching revision
# exists by comparing the container definitions, network mode and task role only; a change of task
# cpu, memory or execution role is "already there" and no revision is registered, so the seed's
# "scale up" (a new revision with more vCPU/memory) silently does nothing. This module compares the
# whole definition it manages against the family's latest ACTIVE revision, with AWS's defaults filled
# in, and registers a revision only when they differ.

DOCUMENTATION = r"""
---
module: ecs_taskdefinition
short_description: Register an ECS task definition revision only when the definition changed
version_added: 0.1.0
description:
  - Compares the wanted task definition with the latest C(ACTIVE) revision of O(family) and registers
    a new revision only when they differ, including task O(cpu), O(memory), O(execution_role_arn)
    and O(task_role_arn) (which M(community.aws.ecs_taskdefinition) ignores when it compares).
  - Values AWS fills in on registration (container C(cpu) 0, empty C(environment), C(mountPoints),
    C(volumesFrom), port mapping C(protocol) and C(hostPort), health check C(interval), C(timeout)
    and C(retries), C(essential)) are treated as equal to leaving them out, and so is a Fargate definition's
    C(runtimePlatform) C(LINUX)/C(X86_64), what a Fargate task runs on when the definition names none.
  - When the latest revision differs, the revisions of O(reuse_revisions) that are C(ACTIVE) and of O(family) are
    compared too, and the first that equals the wanted definition is returned instead of registering a copy of it.
  - With O(state=absent) every C(ACTIVE) revision of the family is deregistered.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description: V(present) registers a revision when needed; V(absent) deregisters all active revisions.
    type: str
    choices: [present, absent]
    default: present
  family:
    description: Task definition family.
    type: str
    required: true
  container_definitions:
    description:
      - Container definitions in the shape of the RegisterTaskDefinition API (camelCase keys, as in a
        C(taskdef.json)).
      - Required with O(state=present).
    type: list
    elements: dict
  cpu:
    description: Task CPU units (for Fargate one of the sizes AWS documents, for example V(256)).
    type: str
  memory:
    description: Task memory in MiB (for Fargate a size valid for O(cpu), for example V(512)).
    type: str
  network_mode:
    description: Docker networking mode of the containers.
    type: str
    choices: [awsvpc, bridge, host, none]
    default: awsvpc
  requires_compatibilities:
    description: Launch types the definition is validated against.
    type: list
    elements: str
    default: [FARGATE]
  execution_role_arn:
    description: Role ECS uses to pull the image and write logs.
    type: str
  task_role_arn:
    description: Role the application's own AWS calls use. Leave out for none.
    type: str
  runtime_platform:
    description: Operating system family and CPU architecture, API shape (C(cpuArchitecture), C(operatingSystemFamily)).
    type: dict
  reuse_revisions:
    description:
      - Task definition ARNs to reuse when one of them equals the wanted definition, compared after the family's
        latest C(ACTIVE) revision; ARNs of another family and revisions that are not C(ACTIVE) are passed over.
      - Pass the revision a service runs. After a release that was rolled back, the latest revision is the failed
        one. A converge with the inputs of the live revision then returns the live revision, rather than
        registering a copy that the service would ship as a new deployment.
    type: list
    elements: str
    default: []
  tags:
    description: Tags of a newly registered revision (existing revisions are not retagged).
    type: dict
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Register helloapp's task definition when it changed (and keep the revision the service runs if it matches)
  fargatedemo.ecs_delivery.ecs_taskdefinition:
    family: helloapp
    cpu: "256"
    memory: "512"
    execution_role_arn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole
    container_definitions:
      - name: helloapp
        image: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargatedemo/helloapp:v2
        essential: true
        portMappings:
          - containerPort: 8000
    # After a rolled-back release the family's latest revision is the failed one: this is the live one.
    reuse_revisions:
      - arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:2
  register: td

- name: Deregister every revision of the family
  fargatedemo.ecs_delivery.ecs_taskdefinition:
    family: helloapp
    state: absent
"""

RETURN = r"""
task_definition_arn:
  description: ARN of the revision that matches the wanted definition (in check mode, the ARN it would get).
  returned: when state is present
  type: str
  sample: arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:3
revision:
  description: Revision number of that revision.
  returned: when state is present
  type: int
  sample: 3
registered:
  description: Whether a new revision was (or, in check mode, would be) registered.
  returned: when state is present
  type: bool
differences:
  description:
    - Top-level fields that differ from the latest active revision (empty when none or no revision exists).
    - Filled also when a revision of O(reuse_revisions) was returned instead.
  returned: when state is present
  type: list
  elements: str
  sample: [cpu, memory]
task_definition:
  description:
    - The task definition as DescribeTaskDefinition returns it.
    - Keys are snake_cased except inside the container definitions, which stay as AWS returns them.
  returned: when state is present and not in check mode with a change
  type: dict
deregistered:
  description: ARNs of the revisions deregistered.
  returned: when state is absent
  type: list
  elements: str
"""

import copy

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import paginated_query_with_retries
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

# Top-level fields this module manages, API name -> module option.
MANAGED = {
    "cpu": "cpu",
    "memory": "memory",
    "networkMode": "network_mode",
    "requiresCompatibilities": "requires_compatibilities",
    "executionRoleArn": "execution_role_arn",
    "taskRoleArn": "task_role_arn",
    "runtimePlatform": "runtime_platform",
    "containerDefinitions": "container_definitions",
}
# Lists whose order AWS does not keep meaningful: compared sorted by this key.
SORT_KEYS = {"environment": "name", "secrets": "name", "ulimits": "name", "environmentFiles": "value"}
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3}
# What a Fargate task runs on when its definition names no runtimePlatform (RegisterTaskDefinition, runtimePlatform).
FARGATE_PLATFORM = {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}


def _empty(value):
    return value is None or value == [] or value == {} or value == "" or value is False or value == 0


def _normalise_container(container, network_mode):
    c = copy.deepcopy(container)
    c.setdefault("essential", True)
    mappings = []
    for mapping in c.get("portMappings") or []:
        m = dict(mapping)
        m.setdefault("protocol", "tcp")
        if network_mode == "awsvpc" and m.get("containerPort") is not None:
            m.setdefault("hostPort", m["containerPort"])
        mappings.append(m)
    c["portMappings"] = mappings
    if c.get("healthCheck"):
        hc = dict(HEALTH_CHECK_DEFAULTS)
        hc.update({k: v for k, v in c["healthCheck"].items() if v is not None})
        c["healthCheck"] = hc
    for key, sort_key in SORT_KEYS.items():
        if c.get(key):
            c[key] = sorted(c[key], key=lambda item, k=sort_key: str(item.get(k, "")))
    return c


def normalise(definition):
    """The comparable form of a task definition (API shape): AWS defaults filled in, empties dropped."""
    network_mode = definition.get("networkMode") or "bridge"
    result = {}
    for key in MANAGED:
        value = definition.get(key)
        if key == "containerDefinitions":
            value = sorted(
                (_normalise_container(c, network_mode) for c in value or []), key=lambda c: c.get("name", "")
            )
        elif key == "requiresCompatibilities":
            value = sorted(value or [])
        elif key in ("cpu", "memory") and value is not None:
            value = str(value)
        elif key == "runtimePlatform" and "FARGATE" in (definition.get("requiresCompatibilities") or []):
            value = {**FARGATE_PLATFORM, **{k: v for k, v in (value or {}).items() if v}}
        result[key] = value
    return _prune(result)


def _prune(value):
    if isinstance(value, dict):
        pruned = {k: _prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not _empty(v)}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def differences(wanted, existing):
    """Top-level managed fields whose normalised values differ."""
    a, b = normalise(wanted), normalise(existing)
    return [key for key in MANAGED if a.get(key) != b.get(key)]


def wanted_definition(params):
    definition = {}
    for key, option in MANAGED.items():
        if params.get(option) is not None:
            definition[key] = params[option]
    return definition


# ECS answers ClientException for a family with no revision.
@aws_call("describe task definition family {family}", missing="ClientException")
def latest_active(client, family):
    definition = client.describe_task_definition(taskDefinition=family, include=["TAGS"], aws_retry=True)[
        "taskDefinition"
    ]
    return definition if definition.get("status") == "ACTIVE" else None


# A revision that does not exist (or was deleted) is passed over like an inactive one.
@aws_call("describe task definition {arn}", missing="ClientException")
def active_revision(client, arn):
    definition = client.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]
    return definition if definition.get("status") == "ACTIVE" else None


def family_of(arn):
    """The family of a task definition ARN (or family:revision)."""
    return arn.split("/")[-1].rsplit(":", 1)[0]


def reusable(client, family, wanted, arns, latest_arn):
    """The first ACTIVE revision of ``family`` among ``arns`` that equals ``wanted``, else None (one read each)."""
    for arn in dict.fromkeys(arns):
        if arn == latest_arn or family_of(arn) != family:
            continue
        candidate = active_revision(client, arn)
        if candidate is not None and not differences(wanted, candidate):
            return candidate
    return None


@aws_call("list task definitions of family {family}")
def family_arns(client, family, status="ACTIVE"):
    pages = paginated_query_with_retries(client, "list_task_definitions", familyPrefix=family, status=status)
    # familyPrefix matches prefixes: keep this family only.
    return [arn for arn in pages.get("taskDefinitionArns", []) if family_of(arn) == family]


@aws_call("register a revision of task definition family {family}")
def register(client, family, definition, tags):
    params = dict(family=family, **definition)
    if tags:
        params["tags"] = ansible_dict_to_boto3_tag_list(tags, "key", "value")
    return client.register_task_definition(aws_retry=True, **params)["taskDefinition"]


@aws_call("deregister task definition {arn}")
def deregister(client, arn):
    client.deregister_task_definition(taskDefinition=arn, aws_retry=True)


def snake(definition):
    return camel_dict_to_snake_dict(definition, ignore_list=["containerDefinitions", "tags"])


def predicted_arn(module, client, family, existing):
    """(revision, ARN) AWS would give the next revision: one above the highest the family ever had."""
    if existing is not None:
        return existing["revision"] + 1, existing["taskDefinitionArn"].rsplit(":", 1)[0]
    arns = family_arns(client, family, "INACTIVE")
    revision = max([int(arn.rsplit(":", 1)[-1]) for arn in arns] + [0]) + 1
    account_id, partition = get_aws_account_info(module)
    return revision, f"arn:{partition}:ecs:{module.region}:{account_id}:task-definition/{family}"


def ensure_present(module, client):
    family = module.params["family"]
    if not module.params["container_definitions"]:
        raise ModuleFailure("container_definitions is required when state is present")
    wanted = wanted_definition(module.params)
    existing = latest_active(client, family)
    result = {"changed": False, "registered": False, "differences": []}
    if existing is not None:
        result["differences"] = differences(wanted, existing)
        if not result["differences"]:
            result.update(
                task_definition_arn=existing["taskDefinitionArn"],
                revision=existing["revision"],
                task_definition=snake(existing),
            )
            return result
    # Not the latest: maybe the one the caller runs (the latest can be a release that was rolled back).
    kept = reusable(
        client, family, wanted, module.params["reuse_revisions"], existing and existing["taskDefinitionArn"]
    )
    if kept is not None:
        result.update(
            task_definition_arn=kept["taskDefinitionArn"], revision=kept["revision"], task_definition=snake(kept)
        )
        return result
    result.update(changed=True, registered=True)
    set_diff(module, result, normalise(existing) if existing else {}, normalise(wanted))
    if module.check_mode:
        revision, prefix = predicted_arn(module, client, family, existing)
        result.update(revision=revision, task_definition_arn=f"{prefix}:{revision}")
        return result
    definition = register(client, family, wanted, module.params["tags"])
    result.update(
        task_definition_arn=definition["taskDefinitionArn"],
        revision=definition["revision"],
        task_definition=snake(definition),
    )
    return result


def ensure_absent(module, client):
    arns = family_arns(client, module.params["family"])
    result = {"changed": bool(arns), "deregistered": arns}
    for arn in arns:
        if not module.check_mode:
            deregister(client, arn)
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        family=dict(type="str", required=True),
        container_definitions=dict(type="list", elements="dict"),
        cpu=dict(type="str"),
        memory=dict(type="str"),
        network_mode=dict(type="str", choices=["awsvpc", "bridge", "host", "none"], default="awsvpc"),
        requires_compatibilities=dict(type="list", elements="str", default=["FARGATE"]),
        execution_role_arn=dict(type="str"),
        task_role_arn=dict(type="str"),
        runtime_platform=dict(type="dict"),
        reuse_revisions=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
