#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: neither amazon.aws nor community.aws reads ECS service deployments (ListServiceDeployments,
# DescribeServiceDeployments, DescribeServiceRevisions), and "where is this release, and where does production
# traffic go?" is a decision every playbook would write again in Jinja. module_utils/ecs_native.py makes it once.

DOCUMENTATION = r"""
---
module: ecs_service_deployment_info
short_description: Read an ECS service's deployments (lifecycle stage, traffic split, hooks) and follow one
version_added: 0.1.0
description:
  - Reads the service's current deployment (the one in progress or rolling back, else the newest) or
    O(service_deployment_arn), with its revisions' target groups and the production and test traffic weights,
    and a one-line RV(progress).
  - Also returns the service's recent deployments (RV(deployments), newest first, at most O(max_deployments))
    and, with O(include_revisions), the revisions of the current deployment as DescribeServiceRevisions
    returns them.
  - With O(wait_until) it follows the deployment to a release checkpoint, polling with a backoff capped at
    O(poll_max_delay) seconds for at most O(wait_timeout) seconds, and returns every progress line it saw in
    RV(history) and a verdict in RV(outcome). Following stops early at a final status and at a lifecycle hook
    that waits for an action (a C(PAUSE) hook; continue it with M(fargatedemo.ecs_delivery.ecs_service_deployment)).
  - It never fails because the deployment failed or rolled back; RV(outcome) says so.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  cluster:
    description: Cluster name or ARN of the service.
    type: str
    default: default
  service:
    description: Service name or ARN. Required unless O(service_deployment_arn) is given.
    type: str
  service_deployment_arn:
    description: The service deployment to read instead of the service's current one.
    type: str
  max_deployments:
    description: How many of the service's recent deployments RV(deployments) lists (1-100; V(0) lists none).
    type: int
    default: 5
  include_revisions:
    description: Also return the current deployment's service revisions (RV(revisions)).
    type: bool
    default: false
  wait_until:
    description:
      - Follow the deployment until this checkpoint, a final status, a hook awaiting action or O(wait_timeout).
      - V(started) it is no longer C(PENDING); V(scaled_up) the new revision's tasks run (past C(SCALE_UP));
        V(test_traffic_shifted) the test listener rule sends all test traffic to the new revision;
        V(production_traffic_shifting) part of production traffic reaches it (a canary or linear step);
        V(production_traffic_shifted) all production traffic reaches it (bake time and clean-up may follow);
        V(successful) the deployment is C(SUCCESSFUL). C(SUCCESSFUL) reaches every checkpoint.
      - Not given, the deployment is read once.
    type: str
    choices: [started, scaled_up, test_traffic_shifted, production_traffic_shifting, production_traffic_shifted,
              successful]
  wait_timeout:
    description: Seconds to follow the deployment for O(wait_until). V(0) reads once.
    type: int
    default: 3600
  poll_max_delay:
    description: Upper bound, in seconds, of the delay between two polls (it starts at 2 s and grows by half).
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it makes no changes).
"""

EXAMPLES = r"""
- name: Where is the release of helloapp?
  fargatedemo.ecs_delivery.ecs_service_deployment_info:
    cluster: helloapp
    service: helloapp
  register: release

- name: Print one line (status, stage, traffic per target group, a waiting hook)
  ansible.builtin.debug:
    msg: "{{ release.progress }}"

- name: Follow it stage by stage until it succeeds (at most an hour)
  fargatedemo.ecs_delivery.ecs_service_deployment_info:
    cluster: helloapp
    service: helloapp
    wait_until: successful
  register: followed

- name: Print every stage and traffic step it went through
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
  description: Whether a deployment was found (false also when the service or the cluster does not exist).
  returned: always
  type: bool
service_deployment_arn:
  description: The deployment read (null when none).
  returned: always
  type: str
id:
  description: The last part of its ARN.
  returned: always
  type: str
status:
  description: PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS,
    ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED.
  returned: always
  type: str
status_reason:
  description: Why the deployment is in its status, as ECS says.
  returned: always
  type: str
strategy:
  description: The deployment's strategy (ROLLING, BLUE_GREEN, LINEAR, CANARY).
  returned: always
  type: str
lifecycle_stage:
  description: The stage of a native deployment (RECONCILE_SERVICE ... CLEAN_UP).
  returned: always
  type: str
created_at:
  description: When it was created (ISO 8601); also started_at, finished_at, stopped_at.
  returned: always
  type: str
target_revision_arn:
  description: The service revision it deploys.
  returned: always
  type: str
source_revision_arns:
  description: The revisions it replaces.
  returned: always
  type: list
  elements: str
traffic:
  description: Per revision (the target first), its target group and the production and test traffic weights
    ECS requested (native strategies only), and its task counts.
  returned: always
  type: list
  elements: dict
  contains:
    revision_arn:
      description: The service revision.
      type: str
    role:
      description: V(target) (the new revision) or V(source).
      type: str
    task_definition:
      description: The revision's task definition.
      type: str
    target_group_arn:
      description: The target group its tasks are registered with.
      type: str
    target_group:
      description: That target group's name.
      type: str
    production_weight:
      description: Percent of production traffic.
      type: float
    test_weight:
      description: Percent of test traffic.
      type: float
    requested_task_count:
      description: Tasks requested; also running_task_count, pending_task_count.
      type: int
production_target_group:
  description: Name of the target group with the largest share of production traffic (all of it once shifted).
  returned: always
  type: str
production_target_group_arn:
  description: Its ARN.
  returned: always
  type: str
lifecycle_hooks:
  description: The hooks run so far (hook_id, target_type, target_arn, status, expires_at, timeout_action).
  returned: always
  type: list
  elements: dict
awaiting_hook:
  description:
    - The hook waiting for ContinueServiceDeployment, else null.
    - C(hook_id), C(target_type), C(lifecycle_stage) (the stage it holds the deployment at), C(expires_at) and
      C(timeout_action) (what ECS does when it expires).
  returned: always
  type: dict
rollback:
  description: The rollback (reason, started_at, service_revision_arn), else null.
  returned: always
  type: dict
circuit_breaker:
  description: The circuit breaker (status, failure_count, threshold).
  returned: always
  type: dict
alarms:
  description: The deployment alarms (status, alarm_names, triggered_alarm_names).
  returned: always
  type: dict
finished:
  description: Whether the deployment reached SUCCESSFUL, STOPPED, ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED.
  returned: always
  type: bool
in_progress:
  description: Whether it is still running or rolling back.
  returned: always
  type: bool
progress:
  description: One human readable line.
  returned: always
  type: str
  sample: "a1b2c3 IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT | production tg2 10% tg1 90% | test tg2 100% | tg1 0%"
deployments:
  description: The service's recent deployments, newest first (service_deployment_arn, id, status, created_at,
    started_at, finished_at, target_revision_arn).
  returned: always
  type: list
  elements: dict
revisions:
  description: The current deployment's revisions as DescribeServiceRevisions returns them (snake_cased).
  returned: when O(include_revisions) is true and a deployment was found
  type: list
  elements: dict
checkpoint_reached:
  description: Whether the deployment reached O(wait_until).
  returned: when O(wait_until) is given and a deployment was found
  type: bool
timed_out:
  description: Whether O(wait_timeout) ran out first.
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
    lifecycle_stage:
      description: Its stage then.
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
      description:
        - False when the deployment rolled back or stopped, waits for a hook, or did not reach O(wait_until) in time.
      type: bool
    msg:
      description: What happened, with the production target group.
      type: str
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import ecs_native
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import run


def brief(item):
    return {
        "service_deployment_arn": item.get("serviceDeploymentArn"),
        "id": ecs_native.short_id(item.get("serviceDeploymentArn")),
        "status": item.get("status"),
        "status_reason": item.get("statusReason"),
        "created_at": ecs_native._iso(item.get("createdAt")),
        "started_at": ecs_native._iso(item.get("startedAt")),
        "finished_at": ecs_native._iso(item.get("finishedAt")),
        "target_revision_arn": item.get("targetServiceRevisionArn"),
    }


def not_found(msg, deployments=None):
    result = dict(ecs_native.summarise({}), changed=False, found=False, deployments=deployments or [], msg=msg)
    result["progress"] = "no deployment"
    return result


def read(module, client):
    params = module.params
    recent = []
    if params["service"] and params["max_deployments"]:
        listed = ecs_native.list_deployments(
            client, params["cluster"], params["service"], limit=params["max_deployments"]
        )
        if listed is None:
            return not_found(f"Service {params['service']} of cluster {params['cluster']} does not exist")
        recent = [brief(item) for item in listed]
    if params["service_deployment_arn"]:
        arn = params["service_deployment_arn"]
    else:
        arn, exists = ecs_native.current_deployment_arn(client, params["cluster"], params["service"])
        if not exists:
            return not_found(f"Service {params['service']} of cluster {params['cluster']} does not exist")
        if arn is None:
            return not_found(f"Service {params['service']} has no service deployment", recent)
    checkpoint = params["wait_until"]
    timeout = params["wait_timeout"] if checkpoint else 0
    summary, reached, timed_out, history, reader = ecs_native.follow(
        client, arn, checkpoint, timeout, params["poll_max_delay"]
    )
    result = dict(summary, changed=False, found=True, deployments=recent)
    if params["include_revisions"]:
        result["revisions"] = [camel_dict_to_snake_dict(r) for r in reader.revisions.values()]
    if checkpoint:
        ok, msg = ecs_native.outcome(summary, checkpoint, reached, timeout)
        result.update(checkpoint_reached=reached, timed_out=timed_out, history=history, outcome={"ok": ok, "msg": msg})
    return result


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            cluster=dict(type="str", default="default"),
            service=dict(type="str"),
            service_deployment_arn=dict(type="str"),
            max_deployments=dict(type="int", default=5),
            include_revisions=dict(type="bool", default=False),
            wait_until=dict(type="str", choices=list(ecs_native.CHECKPOINTS)),
            wait_timeout=dict(type="int", default=3600),
            poll_max_delay=dict(type="int", default=15),
        ),
        supports_check_mode=True,
        required_one_of=[("service", "service_deployment_arn")],
    )
    params = module.params
    if not 0 <= params["max_deployments"] <= 100:
        module.fail_json(msg=f"max_deployments must be from 0 to 100, not {params['max_deployments']}")
    if params["wait_timeout"] < 0 or params["poll_max_delay"] < 1:
        module.fail_json(msg="wait_timeout must be 0 or more seconds and poll_max_delay 1 or more")
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    run(module, read, client)


if __name__ == "__main__":
    main()
