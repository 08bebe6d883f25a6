#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: codedeploy_deployment_group
short_description: Manage an AWS CodeDeploy deployment group for ECS blue/green deployments
version_added: 0.1.0
description:
  - Creates, updates or deletes a CodeDeploy deployment group of an ECS service (blue/green with traffic control).
  - The current settings are normalised and compared with the wanted ones; UpdateDeploymentGroup is called only
    when they differ, and the diff shows both.
  - The application must exist (M(fargatedemo.ecs_delivery.codedeploy_application), compute platform ECS) and
    the ECS service must use the C(CODE_DEPLOY) deployment controller.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  application_name:
    description: The CodeDeploy application.
    type: str
    required: true
  name:
    description: The deployment group name.
    type: str
    required: true
    aliases: [deployment_group_name]
  state:
    description: Whether the deployment group exists.
    type: str
    choices: [present, absent]
    default: present
  service_role:
    description:
      - The IAM role CodeDeploy assumes (with the AWSCodeDeployRoleForECS policy or equivalent), as an ARN or a
        role name (the ARN is then built from the caller's account).
      - Required with O(state=present).
    type: str
    aliases: [service_role_arn]
  ecs_cluster:
    description: The ECS cluster of the service. Required with O(state=present).
    type: str
  ecs_service:
    description: The ECS service (deployment controller C(CODE_DEPLOY)). Required with O(state=present).
    type: str
  deployment_config_name:
    description:
      - The deployment configuration, predefined (C(CodeDeployDefault.ECSAllAtOnce),
        C(CodeDeployDefault.ECSCanary10Percent5Minutes), ...) or custom
        (M(fargatedemo.ecs_delivery.codedeploy_deployment_config)).
    type: str
    default: CodeDeployDefault.ECSAllAtOnce
  target_group_names:
    description:
      - The two target groups of the blue/green pair (names). Required with O(state=present).
    type: list
    elements: str
  prod_listener_arns:
    description:
      - The production listener(s) whose traffic CodeDeploy reroutes. Required with O(state=present).
    type: list
    elements: str
  test_listener_arns:
    description:
      - The test listener(s) the replacement task set gets first (optional).
    type: list
    elements: str
  termination_wait_minutes:
    description:
      - Minutes the original task set is kept after production traffic moved, ready for an instant rollback,
        before it is terminated (0 to 2880).
    type: int
    default: 0
  deployment_ready_action:
    description:
      - V(CONTINUE_DEPLOYMENT) reroutes production traffic as soon as the replacement is ready; V(STOP_DEPLOYMENT)
        waits in Ready for a continue (M(fargatedemo.ecs_delivery.codedeploy_deployment) O(state=continued)) up to
        O(deployment_ready_wait_minutes), then stops the deployment.
    type: str
    choices: [CONTINUE_DEPLOYMENT, STOP_DEPLOYMENT]
    default: CONTINUE_DEPLOYMENT
  deployment_ready_wait_minutes:
    description:
      - Minutes to wait in Ready with V(STOP_DEPLOYMENT).
    type: int
    default: 0
  auto_rollback_events:
    description:
      - Events that roll a deployment back automatically; an empty list disables automatic rollback.
    type: list
    elements: str
    choices: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST]
    default: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_REQUEST]
  alarms:
    description:
      - CloudWatch alarm names; an alarm in ALARM state stops the deployment. Empty disables the alarm check.
    type: list
    elements: str
    default: []
  alarm_ignore_poll_failure:
    description:
      - Go on with the deployment when the alarm state cannot be read.
    type: bool
    default: false
notes:
  - Updating listeners or target groups while a deployment is in flight is refused by CodeDeploy.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - amazon.aws.tags
"""

EXAMPLES = r"""
- name: Blue/green deployment group of the helloapp service
  fargatedemo.ecs_delivery.codedeploy_deployment_group:
    application_name: AppECS-helloapp-helloapp
    name: DgpECS-helloapp-helloapp
    service_role: ecsCodeDeployRole
    ecs_cluster: helloapp
    ecs_service: helloapp
    target_group_names: [helloapp-tg1, helloapp-tg2]
    prod_listener_arns: ["{{ prod_listener_arn }}"]
    test_listener_arns: ["{{ test_listener_arn }}"]
    deployment_config_name: CodeDeployDefault.ECSAllAtOnce
    termination_wait_minutes: 60
    deployment_ready_action: CONTINUE_DEPLOYMENT
    auto_rollback_events: [DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM, DEPLOYMENT_STOP_ON_REQUEST]
    alarms: [helloapp-5xx]
    tags:
      project: helloapp

- name: Delete the deployment group
  fargatedemo.ecs_delivery.codedeploy_deployment_group:
    application_name: AppECS-helloapp-helloapp
    name: DgpECS-helloapp-helloapp
    state: absent
"""

RETURN = r"""
deployment_group:
  description: GetDeploymentGroup's deploymentGroupInfo (snake_case); empty when absent.
  returned: always
  type: dict
  contains:
    deployment_group_id:
      description: Its id.
      type: str
    deployment_group_name:
      description: Its name.
      type: str
    service_role_arn:
      description: The service role.
      type: str
    ecs_services:
      description: The ECS service (cluster_name, service_name).
      type: list
    load_balancer_info:
      description: The target group pair and listeners.
      type: dict
    blue_green_deployment_configuration:
      description: Termination wait and deployment ready option.
      type: dict
settings:
  description: The normalised settings compared to decide on an update (also the diff's before/after).
  returned: when state is present
  type: dict
tags:
  description: Tags of the deployment group.
  returned: when state is present and tags are managed
  type: dict
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("create deployment group {name} of application {app}")
def create_deployment_group(client, app, name, request, tags):
    kwargs = dict(request, applicationName=app, deploymentGroupName=name)
    if tags:
        kwargs["tags"] = ansible_dict_to_boto3_tag_list(tags)
    client.create_deployment_group(aws_retry=True, **kwargs)


@aws_call("update deployment group {name} of application {app}")
def update_deployment_group(client, app, name, request):
    client.update_deployment_group(applicationName=app, currentDeploymentGroupName=name, aws_retry=True, **request)


@aws_call("delete deployment group {name} of application {app}")
def delete_deployment_group(client, app, name):
    client.delete_deployment_group(applicationName=app, deploymentGroupName=name, aws_retry=True)


def role_arn(module, role):
    """An IAM role ARN from a name, in the caller's account and partition."""
    if role.startswith("arn:"):
        return role
    account_id, partition = get_aws_account_info(module)
    return f"arn:{partition}:iam::{account_id}:role/{role}"


def ensure_present(module, client):
    params = module.params
    app, name, tags = params["application_name"], params["name"], params["tags"]
    if len(params["target_group_names"]) != 2:
        raise ModuleFailure("target_group_names must name exactly two target groups (the blue/green pair)")
    request = cd.deployment_group_request(dict(params, service_role_arn=role_arn(module, params["service_role"])))
    after = cd.normalise_deployment_group(request)
    current = cd.get_deployment_group(client, app, name)
    result = {"changed": False, "settings": after}
    if tags is not None:
        result["tags"] = tags
    if current is None:
        result["changed"] = True
        if not module.check_mode:
            create_deployment_group(client, app, name, request, tags)
        before = {}
    else:
        before = cd.normalise_deployment_group(current)
        if before != after:
            result["changed"] = True
            if not module.check_mode:
                update_deployment_group(client, app, name, request)
        if tags is not None:
            arn = cd.resource_arn(module, "deploymentgroup", f"{app}/{name}")
            tags_changed, tags_before, result["tags"] = cd.sync_tags(module, client, arn, tags, params["purge_tags"])
            result["changed"] = result["changed"] or tags_changed
            before, after = dict(before, tags=tags_before), dict(after, tags=result["tags"])
    if module.check_mode and result["changed"]:
        group = dict(current or {}, **request)
    else:
        group = cd.get_deployment_group(client, app, name) if result["changed"] else current
    result["deployment_group"] = camel_dict_to_snake_dict(group or {})
    return set_diff(module, result, before, after)


def ensure_absent(module, client):
    app, name = module.params["application_name"], module.params["name"]
    current = cd.get_deployment_group(client, app, name)
    result = {"changed": current is not None, "deployment_group": {}}
    if current is not None and not module.check_mode:
        delete_deployment_group(client, app, name)
    return set_diff(module, result, cd.normalise_deployment_group(current) if current else {}, {})


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            application_name=dict(type="str", required=True),
            name=dict(type="str", required=True, aliases=["deployment_group_name"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            service_role=dict(type="str", aliases=["service_role_arn"]),
            ecs_cluster=dict(type="str"),
            ecs_service=dict(type="str"),
            deployment_config_name=dict(type="str", default="CodeDeployDefault.ECSAllAtOnce"),
            target_group_names=dict(type="list", elements="str"),
            prod_listener_arns=dict(type="list", elements="str"),
            test_listener_arns=dict(type="list", elements="str"),
            termination_wait_minutes=dict(type="int", default=0),
            deployment_ready_action=dict(
                type="str", choices=["CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"], default="CONTINUE_DEPLOYMENT"
            ),
            deployment_ready_wait_minutes=dict(type="int", default=0),
            auto_rollback_events=dict(
                type="list",
                elements="str",
                choices=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST"],
                default=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST"],
            ),
            alarms=dict(type="list", elements="str", default=[]),
            alarm_ignore_poll_failure=dict(type="bool", default=False),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
        required_if=[
            (
                "state",
                "present",
                ("service_role", "ecs_cluster", "ecs_service", "target_group_names", "prod_listener_arns"),
            )
        ],
    )
    client = module.client("codedeploy", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
