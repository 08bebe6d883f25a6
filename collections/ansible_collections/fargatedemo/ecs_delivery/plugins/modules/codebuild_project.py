#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: community.aws.codebuild_project (10.0.0) calls UpdateProject on every run (changed
# every time) and has no check mode. This one reads the project first and updates only what differs.

DOCUMENTATION = r"""
---
module: codebuild_project
short_description: Create, update or delete an AWS CodeBuild project, comparing first
version_added: 0.1.0
description:
  - Creates a CodeBuild project, or updates it with C(UpdateProject) only when a requested setting
    differs from the project's current one, or deletes it.
  - Settings not given are left as AWS has them; lists (for example environment variables) must match
    in full and in order.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  name:
    description: Name of the project.
    required: true
    type: str
  state:
    description: Whether the project should exist.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the project.
    type: str
  service_role:
    description: Name or ARN of the IAM role CodeBuild assumes. Required to create a project.
    type: str
  source:
    description:
      - The project source, as the C(source) of the CodeBuild API in snake_case (for example
        C(type), C(buildspec), C(location)).
      - Required to create a project.
    type: dict
  artifacts:
    description:
      - The build output, as the C(artifacts) of the CodeBuild API in snake_case (for example C(type)).
      - Required to create a project.
    type: dict
  environment:
    description:
      - The build environment, as the C(environment) of the CodeBuild API in snake_case (C(type), C(image),
        C(compute_type), C(privileged_mode), C(environment_variables) with C(name), C(value), C(type)).
      - Required to create a project. Give the C(type) of every environment variable, as AWS returns it.
    type: dict
  logs_config:
    description: Logs settings, as the C(logsConfig) of the CodeBuild API in snake_case.
    type: dict
  timeout_in_minutes:
    description: Minutes a build may run before CodeBuild stops it (5 to 2160).
    type: int
  queued_timeout_in_minutes:
    description: Minutes a build may wait in the queue (5 to 480).
    type: int
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - amazon.aws.tags
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: A project that builds the image for CodePipeline
  fargatedemo.ecs_delivery.codebuild_project:
    name: helloapp-build
    service_role: helloapp-codebuild
    source:
      type: CODEPIPELINE
      buildspec: "{{ lookup('ansible.builtin.file', 'buildspec.yml') }}"
    artifacts:
      type: CODEPIPELINE
    environment:
      type: LINUX_CONTAINER
      image: aws/codebuild/amazonlinux-x86_64-standard:5.0
      compute_type: BUILD_GENERAL1_SMALL
      privileged_mode: true
      environment_variables:
        - {name: CONTAINER_NAME, value: helloapp, type: PLAINTEXT}
    logs_config:
      cloud_watch_logs:
        status: ENABLED
        group_name: /aws/codebuild/helloapp-build
"""

RETURN = r"""
project:
  description: The project as CodeBuild describes it (after the change; in check mode, as it is now).
  returned: when O(state=present) and the project exists (or was created)
  type: dict
  contains:
    name:
      description: Name of the project.
      type: str
    arn:
      description: ARN of the project.
      type: str
    environment:
      description: Build environment.
      type: dict
    source:
      description: Source settings.
      type: dict
differences:
  description: Settings that differed from the request (empty when nothing changed).
  returned: always
  type: list
  elements: str
  sample: ["environment.image"]
"""

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import compare
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

# option name -> UpdateProject/CreateProject field
DICT_OPTIONS = {"source": "source", "artifacts": "artifacts", "environment": "environment", "logs_config": "logsConfig"}
SCALAR_OPTIONS = {
    "description": "description",
    "timeout_in_minutes": "timeoutInMinutes",
    "queued_timeout_in_minutes": "queuedTimeoutInMinutes",
}


@aws_call("describe CodeBuild project {name}")
def get_project(client, name):
    projects = client.batch_get_projects(names=[name], aws_retry=True).get("projects", [])
    return projects[0] if projects else None


@aws_call("find IAM role {role}")
def role_arn(iam, role):
    return iam.get_role(RoleName=role, aws_retry=True)["Role"]["Arn"]


@aws_call("create CodeBuild project {name}")
def create_project(client, name, fields, tags):
    return client.create_project(name=name, tags=compare.tag_list(tags), aws_retry=True, **fields)["project"]


@aws_call("update CodeBuild project {name}")
def update_project(client, name, fields):
    return client.update_project(name=name, aws_retry=True, **fields)["project"]


@aws_call("delete CodeBuild project {name}")
def delete_project(client, name):
    client.delete_project(name=name, aws_retry=True)


def desired_fields(module):
    fields = {}
    for option, field in DICT_OPTIONS.items():
        if module.params[option] is not None:
            fields[field] = snake_dict_to_camel_dict(module.params[option])
    for option, field in SCALAR_OPTIONS.items():
        if module.params[option] is not None:
            fields[field] = module.params[option]
    role = module.params["service_role"]
    if role:
        iam = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
        fields["serviceRole"] = role if role.startswith("arn:") else role_arn(iam, role)
    return fields


def snake_project(project):
    # compare.snake_keys, not camel_dict_to_snake_dict: the latter drops its ignore_list inside lists.
    return compare.snake_keys(project, keep=("tags",)) if project else {}


def ensure_present(module, client):
    name, tags = module.params["name"], module.params["tags"]
    current = get_project(client, name)
    if current is None:
        missing = [o for o in ("service_role", "source", "artifacts", "environment") if not module.params[o]]
        if missing:
            raise ModuleFailure(f"To create project {name}, also give: {', '.join(missing)}")
    wanted = desired_fields(module)
    if current is None:
        result = {"changed": True, "differences": sorted(wanted)}
        if not module.check_mode:
            result["project"] = snake_project(create_project(client, name, wanted, tags))
        return compare.set_diff(module, result, {}, snake_project(wanted))

    found = compare.differences(wanted, current, exact_keys=("environmentVariables",))
    current_tags = compare.tag_dict(current.get("tags"))
    to_set, to_remove = compare.tag_changes(tags, current_tags, module.params["purge_tags"])
    if to_set or to_remove:
        found.append("tags")
    result = {"changed": bool(found), "differences": found, "project": snake_project(current)}
    if not found:
        return result
    update = dict(wanted)
    if to_set or to_remove:
        update["tags"] = compare.tag_list({**{k: v for k, v in current_tags.items() if k not in to_remove}, **to_set})
    if not module.check_mode:
        result["project"] = snake_project(update_project(client, name, update))
    return compare.set_diff(module, result, *compare.update_diff(current, wanted, snake_project, current_tags, tags))


def ensure_absent(module, client):
    name = module.params["name"]
    current = get_project(client, name)
    result = {"changed": current is not None, "differences": []}
    if current is not None and not module.check_mode:
        delete_project(client, name)
    return compare.set_diff(module, result, snake_project(current), {}) if current is not None else result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        service_role=dict(type="str"),
        source=dict(type="dict"),
        artifacts=dict(type="dict"),
        environment=dict(type="dict"),
        logs_config=dict(type="dict"),
        timeout_in_minutes=dict(type="int"),
        queued_timeout_in_minutes=dict(type="int"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("codebuild", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
