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
  - With O(wait_until) it follows the deployment to a release checkpoint (polling with a backoff capped at
    O(poll_max_delay) seconds, for at most O(wait_timeout) seconds) and returns every progress line it saw in
    RV(history) and a verdict in RV(outcome), so a playbook only prints them. The checkpoints are decided in the
    collection's module_utils, the same code M(fargatedemo.ecs_delivery.codedeploy_deployment) waits with.
  - It never fails because the deployment failed or did not reach the checkpoint; RV(outcome) says so.
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
  wait_until:
    description:
      - Follow the deployment until this checkpoint, a final status or O(wait_timeout).
      - V(created) the deployment exists; V(ready) test traffic is shifted (AllowTestTraffic and
        AfterAllowTestTraffic done) or the deployment waits in Ready; V(traffic_shifted) production traffic is
        shifted (AllowTraffic succeeded), without the termination wait; V(succeeded) the deployment succeeded.
      - Not given, the deployment is read once.
    type: str
    choices: [created, ready, traffic_shifted, succeeded]
  wait_timeout:
    description:
      - Seconds to follow the deployment for O(wait_until). V(0) reads once.
    type: int
    default: 3600
  poll_max_delay:
    description:
      - Upper bound, in seconds, of the delay between two polls (the delay starts at 2 s and grows by half).
    type: int
    default: 15
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

- name: Follow the deployment until production traffic is shifted (at most 30 minutes)
  fargatedemo.ecs_delivery.codedeploy_deployment_info:
    deployment_id: "{{ deploy.deployment_id }}"
    wait_until: traffic_shifted
    wait_timeout: 1800
  register: followed

- name: Print every step it went through
  ansible.builtin.debug:
    msg: "{{ followed.history | map(attribute='progress') }}"

- name: Fail unless it reached the checkpoint
  ansible.builtin.assert:
    that: followed.outcome.ok
    fail_msg: "{{ followed.outcome.msg }}"
    success_msg: "{{ followed.outcome.msg }}"
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
checkpoint_reached:
  description: Whether the deployment reached O(wait_until).
  returned: when O(wait_until) is given and a deployment was found
  type: bool
timed_out:
  description: Whether O(wait_timeout) ran out before the checkpoint or a final status.
  returned: when O(wait_until) is given and a deployment was found
  type: bool
history:
  description: Each progress line seen while following, in order (one entry per change).
  returned: when O(wait_until) is given and a deployment was found
  type: list
  elements: dict
  contains:
    elapsed_seconds:
      description: Seconds since the module started following.
      type: float
    status:
      description: The deployment's status then.
      type: str
    progress:
      description: The progress line then (see RV(progress)).
      type: str
outcome:
  description: The verdict on the followed release.
  returned: when O(wait_until) is given and a deployment was found
  type: dict
  contains:
    ok:
      description: False when the deployment failed, was stopped, or did not reach O(wait_until) in time.
      type: bool
    msg:
      description: What happened, with the live target group.
      type: str
      sample: "Deployment d-ABCDEF123 reached 'succeeded' (Succeeded); production traffic goes to helloapp-tg2."
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import run


def not_found(progress, msg=None):
    result = dict(cd.summarise({}), changed=False, found=False, in_flight=False, progress=progress)
    if msg:
        result["msg"] = msg
    return result


def pick(client, params):
    """(deployment id or None, the deployment group or None): deployment_id, else the group's in-flight one,
    else its last attempted one."""
    if params["deployment_id"]:
        return params["deployment_id"], None
    group = cd.get_deployment_group(client, params["application_name"], params["deployment_group_name"])
    if group is None:
        return None, None
    flying = cd.in_flight_deployments(client, params["application_name"], params["deployment_group_name"])
    if flying:
        return flying[0]["deploymentId"], group
    return (group.get("lastAttemptedDeployment") or {}).get("deploymentId"), group


def read(module, client, elbv2):
    params = module.params
    deployment_id, group = pick(client, params)
    if deployment_id is None and group is None and not params["deployment_id"]:
        return not_found(
            "no deployment group",
            "Deployment group '{}' of application '{}' does not exist".format(
                params["deployment_group_name"], params["application_name"]
            ),
        )
    if deployment_id is None:
        return not_found("no deployment")
    deployment = cd.get_deployment(client, deployment_id)
    if deployment is None:
        raise cd.CodeDeployError(f"Deployment {deployment_id} does not exist")
    if group is None:
        group = cd.get_deployment_group(client, deployment["applicationName"], deployment["deploymentGroupName"])
    listener = cd.prod_listener_of(group)
    if params["wait_until"] is None:
        result = cd.summarise_read(client, deployment_id, deployment, elbv2, listener)
        return dict(result, changed=False, found=True, in_flight=not result["finished"])
    checkpoint, timeout = params["wait_until"], params["wait_timeout"]
    _deployment, result, reached, timed_out, history = cd.follow(
        client, deployment_id, checkpoint, timeout, elbv2, listener, params["poll_max_delay"]
    )
    ok, msg = cd.outcome(result, checkpoint, reached, timeout)
    return dict(
        result,
        changed=False,
        found=True,
        in_flight=not result["finished"],
        checkpoint_reached=reached,
        timed_out=timed_out,
        history=history,
        outcome={"ok": ok, "msg": msg},
    )


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            deployment_id=dict(type="str"),
            application_name=dict(type="str"),
            deployment_group_name=dict(type="str"),
            wait_until=dict(type="str", choices=list(cd.CHECKPOINTS)),
            wait_timeout=dict(type="int", default=3600),
            poll_max_delay=dict(type="int", default=15),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("deployment_id", "application_name")],
        required_together=[("application_name", "deployment_group_name")],
        required_one_of=[("deployment_id", "application_name")],
    )
    if module.params["wait_timeout"] < 0 or module.params["poll_max_delay"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more seconds and poll_max_delay 1 or more")
    retry = AWSRetry.jittered_backoff()
    client = module.client("codedeploy", retry_decorator=retry)
    elbv2 = module.client("elbv2", retry_decorator=retry)
    run(module, read, client, elbv2)


if __name__ == "__main__":
    main()
