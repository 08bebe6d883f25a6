#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: codedeploy_deployment_info
short_description: Read an AWS CodeDeploy ECS deployment (status, lifecycle events, traffic, live target group)
version_added: 0.1.0
description:
  - Returns one deployment in the shape M(fargatedemo.ecs_delivery.codedeploy_deployment) returns.
  - Selects O(deployment_id), or the deployment group's newest in-flight deployment, or, when none is in flight,
    the group's last attempted deployment.
  - Made for polling a deployment started with C(async) and C(poll=0) and printing RV(progress) each poll.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  deployment_id:
    description:
      - The deployment to read.
    type: str
  application_name:
    description:
      - The CodeDeploy application of the deployment group. Used without O(deployment_id).
    type: str
  deployment_group_name:
    description:
      - The deployment group whose in-flight (else last attempted) deployment is read.
    type: str
notes:
  - Reads the production listener of the deployment group to tell which target group is live
    (elasticloadbalancing:DescribeListeners).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read a deployment
  fargatedemo.ecs_delivery.codedeploy_deployment_info:
    deployment_id: d-ABCDEF123
  register: deployment

- name: Wait quietly for the group's deployment of a given revision to finish
  fargatedemo.ecs_delivery.codedeploy_deployment_info:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
  register: progress
  until: progress.task_definition_arn == task_definition_arn and progress.finished
  retries: 360
  delay: 10

- name: Print one progress line (status, lifecycle events, traffic weights, live target group)
  ansible.builtin.debug:
    msg: "{{ progress.progress }}"
"""

RETURN = r"""
found:
  description: Whether a deployment was found (false also when the deployment group does not exist).
  returned: always
  type: bool
deployment_id:
  description: The deployment read (null when none).
  returned: always
  type: str
status:
  description: Created, Queued, InProgress, Ready, Succeeded, Failed or Stopped.
  returned: always
  type: str
task_definition_arn:
  description: The task definition the deployment deploys (from its AppSpec content).
  returned: always
  type: str
lifecycle_events:
  description: Lifecycle events (name, status, start_time, end_time) in CodeDeploy's order.
  returned: always
  type: list
  elements: dict
task_sets:
  description: Task sets (identifier, label, status, traffic_weight, target_group, counts).
  returned: always
  type: list
  elements: dict
traffic_weights:
  description: Production traffic weight per target group name.
  returned: always
  type: dict
live_target_group:
  description: The target group the production listener forwards to now.
  returned: always
  type: str
deployment_overview:
  description: Target counts per status.
  returned: always
  type: dict
waiting_for:
  description: READY_WAIT or TERMINATION_WAIT when the deployment waits for a continue.
  returned: always
  type: str
termination_wait_started:
  description: Whether the termination wait of the original task set has started.
  returned: always
  type: bool
rollback_deployment_id:
  description: The deployment that rolled this one back, if any.
  returned: always
  type: str
rollback_triggering_deployment_id:
  description: For a rollback deployment, the deployment it rolls back.
  returned: always
  type: str
error:
  description: errorInformation (code, message) of a failed or stopped deployment.
  returned: always
  type: dict
finished:
  description: Whether the deployment reached Succeeded, Failed or Stopped.
  returned: always
  type: bool
in_flight:
  description: Whether the deployment is still running.
  returned: always
  type: bool
progress:
  description: One human readable line.
  returned: always
  type: str
  sample: "d-ABCDEF123 InProgress | BeforeInstall ok, Install ok, AllowTestTraffic ... | helloapp-tg1 100.0%"
"""

try:  # noqa: SIM105 (amazon.aws idiom: HAS_BOTO3 is checked by AnsibleAWSModule)
    import botocore  # noqa: F401
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd


def read(module, client, elbv2):
    params = module.params
    deployment_id = params["deployment_id"]
    group = None
    if not deployment_id:
        group = cd.get_deployment_group(client, params["application_name"], params["deployment_group_name"])
        if group is None:
            result = cd.summarise({})
            result.update(
                found=False,
                in_flight=False,
                progress="no deployment group",
                msg="Deployment group '{}' of application '{}' does not exist".format(
                    params["deployment_group_name"], params["application_name"]
                ),
            )
            return result
        flying = cd.in_flight_deployments(client, params["application_name"], params["deployment_group_name"])
        if flying:
            deployment_id = flying[0]["deploymentId"]
        else:
            deployment_id = (group.get("lastAttemptedDeployment") or {}).get("deploymentId")
    if not deployment_id:
        result = cd.summarise({})
        result.update(found=False, in_flight=False, progress="no deployment")
        return result
    try:
        deployment = cd.get_deployment(client, deployment_id)
    except is_boto3_error_code("DeploymentDoesNotExistException"):
        module.fail_json(msg=f"Deployment {deployment_id} does not exist")
    if group is None:
        group = cd.get_deployment_group(client, deployment["applicationName"], deployment["deploymentGroupName"])
    result = cd.summarise_read(client, deployment_id, deployment, elbv2, cd.prod_listener_of(group))
    result.update(found=True, in_flight=not result["finished"])
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            deployment_id=dict(type="str"),
            application_name=dict(type="str"),
            deployment_group_name=dict(type="str"),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("deployment_id", "application_name")],
        required_together=[("application_name", "deployment_group_name")],
        required_one_of=[("deployment_id", "application_name")],
    )
    retry = AWSRetry.jittered_backoff()
    client = module.client("codedeploy", retry_decorator=retry)
    elbv2 = module.client("elbv2", retry_decorator=retry)
    try:
        result = read(module, client, elbv2)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Failed to read the deployment")
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
