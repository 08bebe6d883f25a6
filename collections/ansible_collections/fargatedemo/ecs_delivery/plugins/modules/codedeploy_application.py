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

try:  # noqa: SIM105 (amazon.aws idiom: HAS_BOTO3 is checked by AnsibleAWSModule)
    import botocore  # noqa: F401
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd


def ensure(module, client):
    params = module.params
    name = params["name"]
    current = cd.get_application(client, name)
    result = {"changed": False}
    before = {"application_name": name, "compute_platform": current["computePlatform"]} if current else {}
    after = {"application_name": name, "compute_platform": params["compute_platform"]}

    if params["state"] == "absent":
        after = {}
        if current:
            result["changed"] = True
            if not module.check_mode:
                client.delete_application(applicationName=name, aws_retry=True)
        result["application"] = {}
    elif current is None:
        result["changed"] = True
        if params["tags"]:
            after["tags"] = params["tags"]
        if module.check_mode:
            result["application"] = after
            result["tags"] = params["tags"] or {}
        else:
            kwargs = {"applicationName": name, "computePlatform": params["compute_platform"]}
            if params["tags"]:
                kwargs["tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
            client.create_application(aws_retry=True, **kwargs)
            result["application"] = camel_dict_to_snake_dict(cd.get_application(client, name) or {})
            result["tags"] = params["tags"] or {}
    else:
        if current.get("computePlatform") != params["compute_platform"]:
            module.fail_json(
                msg="Application {} has compute platform {}, not {}; the platform cannot change: delete the "
                "application or use another name".format(
                    name, current.get("computePlatform"), params["compute_platform"]
                )
            )
        result["application"] = camel_dict_to_snake_dict(current)
        arn = cd.resource_arn(module, "application", name)
        if params["tags"] is not None:
            changed, tags_before, tags_after = cd.sync_tags(module, client, arn, params["tags"], params["purge_tags"])
            result["changed"] = changed
        else:
            tags_before = tags_after = cd.current_tags(client, arn)
        result["tags"] = tags_after
        before["tags"] = tags_before
        after["tags"] = tags_after
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


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
    cd.run_ensure(module, ensure, "Failed to manage CodeDeploy application {}".format(module.params["name"]))


if __name__ == "__main__":
    main()
