#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: codedeploy_application
short_description: Create or delete an AWS CodeDeploy application
version_added: 0.1.0
description:
  - Creates, tags or deletes a CodeDeploy application (ECS, Server or Lambda compute platform).
  - The compute platform of an existing application cannot change; the module fails when it differs.
  - Deleting an application deletes its deployment groups too (CodeDeploy's behaviour).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  name:
    description: The application name.
    type: str
    required: true
    aliases: [application_name]
  compute_platform:
    description: The compute platform.
    type: str
    choices: [ECS, Server, Lambda]
    default: ECS
  state:
    description: Whether the application exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - amazon.aws.tags
"""

EXAMPLES = r"""
- name: CodeDeploy application for the ECS service (the console's default name)
  fargatedemo.ecs_delivery.codedeploy_application:
    name: AppECS-helloapp-helloapp
    compute_platform: ECS
    tags:
      project: helloapp

- name: Delete it (and its deployment groups)
  fargatedemo.ecs_delivery.codedeploy_application:
    name: AppECS-helloapp-helloapp
    state: absent
"""

RETURN = r"""
application:
  description: The application (GetApplication's application, snake_case), empty when absent.
  returned: always
  type: dict
  contains:
    application_id:
      description: Its id.
      type: str
    application_name:
      description: Its name.
      type: str
    compute_platform:
      description: ECS, Server or Lambda.
      type: str
    create_time:
      description: Creation time.
      type: str
  sample: {application_name: AppECS-helloapp-helloapp, compute_platform: ECS}
tags:
  description: Tags of the application.
  returned: when state is present
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("create CodeDeploy application {name}")
def create_application(client, name, compute_platform, tags):
    kwargs = {"applicationName": name, "computePlatform": compute_platform}
    if tags:
        kwargs["tags"] = ansible_dict_to_boto3_tag_list(tags)
    client.create_application(aws_retry=True, **kwargs)


@aws_call("delete CodeDeploy application {name}")
def delete_application(client, name):
    client.delete_application(applicationName=name, aws_retry=True)


def view(name, compute_platform, tags=None):
    """The diff's view of an application."""
    shown = {"application_name": name, "compute_platform": compute_platform}
    if tags is not None:
        shown["tags"] = tags
    return shown


def ensure_present(module, client):
    params = module.params
    name, platform, tags = params["name"], params["compute_platform"], params["tags"]
    current = cd.get_application(client, name)
    if current is None:
        result = {"changed": True, "application": view(name, platform), "tags": tags or {}}
        if not module.check_mode:
            create_application(client, name, platform, tags)
            result["application"] = camel_dict_to_snake_dict(cd.get_application(client, name) or {})
        return set_diff(module, result, {}, view(name, platform, tags or None))
    if current.get("computePlatform") != platform:
        raise ModuleFailure(
            f"Application {name} has compute platform {current.get('computePlatform')}, not {platform}; the "
            "platform cannot change: delete the application or use another name"
        )
    arn = cd.resource_arn(module, "application", name)
    if tags is None:
        changed, tags_before = False, cd.current_tags(client, arn)
        tags_after = tags_before
    else:
        changed, tags_before, tags_after = cd.sync_tags(module, client, arn, tags, params["purge_tags"])
    result = {"changed": changed, "application": camel_dict_to_snake_dict(current), "tags": tags_after}
    return set_diff(module, result, view(name, platform, tags_before), view(name, platform, tags_after))


def ensure_absent(module, client):
    name = module.params["name"]
    current = cd.get_application(client, name)
    result = {"changed": current is not None, "application": {}}
    if current is not None and not module.check_mode:
        delete_application(client, name)
    before = view(name, current["computePlatform"]) if current else {}
    return set_diff(module, result, before, {})


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True, aliases=["application_name"]),
            compute_platform=dict(type="str", choices=["ECS", "Server", "Lambda"], default="ECS"),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    client = module.client("codedeploy", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
