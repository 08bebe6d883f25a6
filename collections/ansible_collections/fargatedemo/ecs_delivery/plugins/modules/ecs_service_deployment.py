#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: amazon.aws and community.aws have no call of ContinueServiceDeployment or StopServiceDeployment,
# and both need the service's current deployment and its waiting hook found first, idempotently (nothing in
# progress is no change, not an error), which is module work, not a playbook's.

DOCUMENTATION = r"""
---
module: ecs_service_deployment
short_description: Continue or stop (roll back, abort) an ECS service's deployment in progress
version_added: 0.1.0
description:
  - Acts on the service's deployment in progress (or O(service_deployment_arn)).
  - O(state=continued) answers the lifecycle hook waiting for an action (a C(PAUSE) hook, C(AWAITING_ACTION))
    with ContinueServiceDeployment, O(action=CONTINUE) or O(action=ROLLBACK). With no hook waiting, or no
    deployment in progress, nothing changes and RV(msg) says why.
  - O(state=stopped) calls StopServiceDeployment, O(stop_type=ROLLBACK) (production traffic back to the previous
    revision, the new one stopped) or O(stop_type=ABORT) (traffic left where it is; the next deployment
    reconciles). A deployment that is not C(PENDING) or C(IN_PROGRESS) (already rolling back or finished) is
    left alone.
  - With O(wait) it follows the deployment (backoff polling, the code of
    M(fargatedemo.ecs_delivery.ecs_service_deployment_info)) until a final status, a hook awaiting action
    (other than the one just continued) or O(wait_timeout), and fails unless the end is what was asked for
    (C(SUCCESSFUL) after a continue, C(ROLLBACK_SUCCESSFUL) after a rollback, C(STOPPED) after an abort).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description: V(continued) answers the waiting hook; V(stopped) stops the deployment.
    type: str
    choices: [continued, stopped]
    required: true
  cluster:
    description: Cluster name or ARN of the service.
    type: str
    default: default
  service:
    description: Service name or ARN. Required unless O(service_deployment_arn) is given.
    type: str
  service_deployment_arn:
    description: The deployment to act on instead of the service's deployment in progress.
    type: str
  hook_id:
    description:
      - The hook to answer (O(state=continued)). When omitted, the hook in C(AWAITING_ACTION). When given and not
        waiting, nothing changes.
    type: str
  action:
    description: V(CONTINUE) the release, or V(ROLLBACK) it (O(state=continued)).
    type: str
    choices: [CONTINUE, ROLLBACK]
    default: CONTINUE
  stop_type:
    description: V(ROLLBACK) to the previous revision, or V(ABORT) leaving traffic where it is (O(state=stopped)).
    type: str
    choices: [ROLLBACK, ABORT]
    default: ROLLBACK
  wait:
    description: Follow the deployment until it ends (or waits at another hook).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to follow it at most.
    type: int
    default: 1800
  poll_max_delay:
    description: Upper bound, in seconds, of the delay between two polls (it starts at 2 s and grows by half).
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let the release held by a PAUSE hook go on, and wait for its end
  fargatedemo.ecs_delivery.ecs_service_deployment:
    cluster: helloapp
    service: helloapp
    state: continued
    wait: true

- name: Roll back the release in progress (production back on the previous revision's target group)
  fargatedemo.ecs_delivery.ecs_service_deployment:
    cluster: helloapp
    service: helloapp
    state: stopped
    wait: true
  register: stopped

- name: Print where production traffic goes now
  ansible.builtin.debug:
    msg: "{{ stopped.deployment.progress }}"
"""

RETURN = r"""
msg:
  description: What was done, or why nothing was.
  returned: always
  type: str
  sample: "Stopped service deployment a1b2c3 (ROLLBACK)."
service_deployment_arn:
  description: The deployment acted on (null when none was found).
  returned: always
  type: str
hook_id:
  description: The hook answered (O(state=continued)).
  returned: when a hook was answered
  type: str
deployment:
  description:
    - The deployment after the call (and the wait), in the shape of
      M(fargatedemo.ecs_delivery.ecs_service_deployment_info) (status, lifecycle_stage, traffic,
      production_target_group, awaiting_hook, rollback, progress, ...).
  returned: when a deployment was found
  type: dict
history:
  description: Each progress line seen while waiting (elapsed_seconds, status, lifecycle_stage, progress).
  returned: when O(wait) is true and a deployment was acted on
  type: list
  elements: dict
waited_seconds:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import ecs_native
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

# The end each request asks for.
EXPECTED = {"CONTINUE": "SUCCESSFUL", "ROLLBACK": "ROLLBACK_SUCCESSFUL", "ABORT": "STOPPED"}


@aws_call("continue service deployment {arn} (hook {hook_id}, {action})")
def continue_deployment(client, arn, hook_id, action):
    client.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook_id, action=action, aws_retry=True)


@aws_call(
    "stop service deployment {arn} ({stop_type})",
    explain={"ConflictException": "Service deployment {arn} is no longer in progress: it cannot be stopped"},
)
def stop_deployment(client, arn, stop_type):
    client.stop_service_deployment(serviceDeploymentArn=arn, stopType=stop_type, aws_retry=True)


def find(client, params):
    """The ServiceDeployment to act on, or None (no deployment); ModuleFailure when the service does not exist."""
    if params["service_deployment_arn"]:
        return ecs_native.read_deployment(client, params["service_deployment_arn"])
    deployment, exists = ecs_native.current_deployment(client, params["cluster"], params["service"])
    if not exists:
        raise ModuleFailure(f"Service {params['service']} of cluster {params['cluster']} does not exist")
    return deployment


def unchanged(msg, deployment=None):
    result = {"changed": False, "msg": msg, "waited_seconds": 0.0, "service_deployment_arn": None}
    if deployment:
        result["service_deployment_arn"] = deployment["serviceDeploymentArn"]
        result["deployment"] = ecs_native.summarise(deployment)
    return result


def follow(module, client, result, request, ignore_hooks=()):
    """Wait for the end (or another waiting hook); ModuleFailure unless it ends as ``request`` asks."""
    params = module.params
    started = time.monotonic()
    summary, _reached, timed_out, history, _reader = ecs_native.follow(
        client, result["service_deployment_arn"], None, params["wait_timeout"], params["poll_max_delay"], ignore_hooks
    )
    result.update(deployment=summary, history=history, waited_seconds=round(time.monotonic() - started, 1))
    if summary["finished"] and summary["status"] == EXPECTED[request]:
        return result
    _ok, why = ecs_native.outcome(summary, None, summary["finished"], params["wait_timeout"])
    if summary.get("awaiting_hook") and not summary["finished"]:
        result["msg"] += " " + why
        return result  # held by the next hook: the caller answers it
    if timed_out:
        raise ModuleFailure(f"{result['msg']} {why}", **result)
    raise ModuleFailure(f"{result['msg']} Expected {EXPECTED[request]}: {why}", **result)


def ensure_continued(module, client):
    params = module.params
    deployment = find(client, params)
    if deployment is None:
        return unchanged("The service has no service deployment: nothing to continue.")
    ident = ecs_native.short_id(deployment["serviceDeploymentArn"])
    if deployment.get("status") not in ecs_native.IN_PROGRESS_STATUSES:
        return unchanged(f"Service deployment {ident} is {deployment.get('status')}: nothing to continue.", deployment)
    hook = ecs_native.awaiting_hook(deployment)
    if hook is None or (params["hook_id"] and hook.get("hookId") != params["hook_id"]):
        which = f"hook {params['hook_id']}" if params["hook_id"] else "no hook"
        return unchanged(
            f"Service deployment {ident} is {deployment.get('status')} at {deployment.get('lifecycleStage')} and "
            f"{which} waits for an action: nothing to continue.",
            deployment,
        )
    result = {
        "changed": True,
        "service_deployment_arn": deployment["serviceDeploymentArn"],
        "hook_id": hook["hookId"],
        "msg": f"Answered hook {hook['hookId']} of service deployment {ident} with {params['action']}.",
        "waited_seconds": 0.0,
    }
    if module.check_mode:
        result["deployment"] = ecs_native.summarise(deployment)
        return result
    continue_deployment(client, deployment["serviceDeploymentArn"], hook["hookId"], params["action"])
    if params["wait"]:
        return follow(module, client, result, params["action"], ignore_hooks=(hook["hookId"],))
    result["deployment"] = ecs_native.summarise(ecs_native.read_deployment(client, deployment["serviceDeploymentArn"]))
    return result


def ensure_stopped(module, client):
    params = module.params
    deployment = find(client, params)
    if deployment is None:
        return unchanged("The service has no service deployment: nothing to stop.")
    ident = ecs_native.short_id(deployment["serviceDeploymentArn"])
    if deployment.get("status") not in ecs_native.IN_PROGRESS_STATUSES:
        result = unchanged(f"Service deployment {ident} is {deployment.get('status')}: nothing to stop.", deployment)
        if params["wait"] and deployment.get("status") in ecs_native.ROLLING_BACK_STATUSES and not module.check_mode:
            return follow(module, client, result, "ABORT" if deployment["status"] == "STOP_REQUESTED" else "ROLLBACK")
        return result
    result = {
        "changed": True,
        "service_deployment_arn": deployment["serviceDeploymentArn"],
        "msg": f"Stopped service deployment {ident} ({params['stop_type']}).",
        "waited_seconds": 0.0,
    }
    if module.check_mode:
        result["deployment"] = ecs_native.summarise(deployment)
        return result
    stop_deployment(client, deployment["serviceDeploymentArn"], params["stop_type"])
    if params["wait"]:
        held = ecs_native.awaiting_hook(deployment)  # a stopped release does not wait for its paused hook
        return follow(module, client, result, params["stop_type"], ignore_hooks=(held["hookId"],) if held else ())
    result["deployment"] = ecs_native.summarise(ecs_native.read_deployment(client, deployment["serviceDeploymentArn"]))
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", choices=["continued", "stopped"], required=True),
            cluster=dict(type="str", default="default"),
            service=dict(type="str"),
            service_deployment_arn=dict(type="str"),
            hook_id=dict(type="str"),
            action=dict(type="str", choices=["CONTINUE", "ROLLBACK"], default="CONTINUE"),
            stop_type=dict(type="str", choices=["ROLLBACK", "ABORT"], default="ROLLBACK"),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=1800),
            poll_max_delay=dict(type="int", default=15),
        ),
        supports_check_mode=True,
        required_one_of=[("service", "service_deployment_arn")],
    )
    params = module.params
    if params["wait_timeout"] < 0 or params["poll_max_delay"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more seconds and poll_max_delay 1 or more")
    if params["state"] == "stopped" and params["hook_id"]:
        module.fail_json(msg="hook_id is only used with state=continued")
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    run(module, ensure_continued if params["state"] == "continued" else ensure_stopped, client)


if __name__ == "__main__":
    main()
