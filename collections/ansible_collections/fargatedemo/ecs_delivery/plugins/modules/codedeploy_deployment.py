#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: codedeploy_deployment
short_description: Run, continue or stop an AWS CodeDeploy ECS blue/green deployment
version_added: 0.1.0
description:
  - Deploys a task definition revision to an ECS service whose deployment controller is C(CODE_DEPLOY),
    through an existing CodeDeploy deployment group (see M(fargatedemo.ecs_delivery.codedeploy_deployment_group)).
  - Builds the AppSpec (C(TaskDefinition), C(LoadBalancerInfo) container name and port, optional
    C(PlatformVersion), C(NetworkConfiguration), C(CapacityProviderStrategy) and lifecycle hooks) and creates the
    deployment from AppSpec content with its sha256.
  - Before any change it checks that O(container_name) is a container of the task definition and that the
    container maps O(container_port); a mismatch fails naming both.
  - Does nothing when the task definition revision is already live (the PRIMARY task set of the service runs it)
    and no deployment of it is in flight. When a deployment of the same revision is in flight, the module attaches
    to it and waits instead of starting another.
  - Waits with its own poll loop (exponential backoff capped at O(poll_max_delay) seconds) bounded by
    O(wait_timeout), not by botocore's waiter, and can stop waiting at a checkpoint (O(wait_until)).
  - O(state=continued) continues a deployment waiting in Ready (C(READY_WAIT)) or in the termination wait of the
    original task set (C(TERMINATION_WAIT)); O(state=stopped) stops a deployment, by default with rollback.
  - Ansible modules cannot stream output. To follow a long deployment, run this module with C(async) and
    C(poll=0) and poll M(fargatedemo.ecs_delivery.codedeploy_deployment_info), which returns the same fields and
    a one-line RV(progress) (see EXAMPLES).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description:
      - V(present) deploys O(task_definition) (or O(task_definition_spec)).
      - V(continued) sends ContinueDeployment to the deployment O(deployment_id), or to the group's in-flight one.
      - V(stopped) sends StopDeployment to the deployment O(deployment_id), or to the group's in-flight one.
    type: str
    choices: [present, continued, stopped]
    default: present
  application_name:
    description:
      - The CodeDeploy application. Required unless O(deployment_id) is given with O(state=continued) or
        O(state=stopped).
    type: str
  deployment_group_name:
    description:
      - The deployment group (ECS compute platform, one ECS service). Required with O(application_name).
    type: str
  deployment_id:
    description:
      - The deployment to continue or stop. Default is the group's newest in-flight deployment.
      - Not used with O(state=present).
    type: str
  task_definition:
    description:
      - The task definition to deploy, as an ARN or C(family:revision).
      - Mutually exclusive with O(task_definition_spec).
    type: str
  task_definition_spec:
    description:
      - A task definition to register (the RegisterTaskDefinition request, camelCase keys as in C(taskdef.json)).
      - A new revision is registered only when neither the live revision (when of the same family) nor the
        family's latest active revision matches it. The comparison ignores what AWS adds (defaults such as
        C(essential) or C(hostPort)) and the C(tags).
    type: dict
  container_name:
    description:
      - The container receiving load balancer traffic (AppSpec C(LoadBalancerInfo.ContainerName)).
      - Required with O(state=present).
    type: str
  container_port:
    description:
      - The container port the target groups send traffic to (AppSpec C(LoadBalancerInfo.ContainerPort)).
      - Required with O(state=present).
    type: int
  platform_version:
    description:
      - The Fargate platform version of the replacement task set (for example V(LATEST) or V(1.4.0)).
    type: str
  network_configuration:
    description:
      - The awsvpc network configuration of the replacement task set. Default is the service's.
    type: dict
    suboptions:
      subnets:
        description: Subnet IDs.
        type: list
        elements: str
      security_groups:
        description: Security group IDs.
        type: list
        elements: str
      assign_public_ip:
        description: Give the tasks public IP addresses.
        type: bool
  capacity_provider_strategy:
    description:
      - The capacity provider strategy of the replacement task set.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: The capacity provider (for example V(FARGATE) or V(FARGATE_SPOT)).
        type: str
        required: true
      weight:
        description: Relative weight.
        type: int
      base:
        description: Tasks to run on this provider first.
        type: int
  hooks:
    description:
      - Lambda functions (names or ARNs) CodeDeploy invokes at lifecycle events.
    type: dict
    suboptions:
      before_install:
        description: C(BeforeInstall) hook.
        type: str
      after_install:
        description: C(AfterInstall) hook.
        type: str
      after_allow_test_traffic:
        description: C(AfterAllowTestTraffic) hook.
        type: str
      before_allow_traffic:
        description: C(BeforeAllowTraffic) hook.
        type: str
      after_allow_traffic:
        description: C(AfterAllowTraffic) hook.
        type: str
  deployment_config_name:
    description:
      - Overrides the deployment group's deployment configuration for this deployment.
    type: str
  description:
    description:
      - A description of the deployment.
    type: str
  if_in_progress:
    description:
      - What to do when another deployment (of a different revision) is in flight for the group.
      - V(fail) fails naming it; V(wait) waits for it to finish (within O(wait_timeout)) and then deploys.
    type: str
    choices: [fail, wait]
    default: fail
  wait_until:
    description:
      - The checkpoint to wait for.
      - V(created) returns once the deployment exists.
      - V(ready) once test traffic is shifted (AllowTestTraffic and AfterAllowTestTraffic done) or the deployment
        waits in Ready for a continue.
      - V(traffic_shifted) once production traffic is shifted (AllowTraffic succeeded), without sitting through
        the termination wait of the original task set.
      - V(succeeded) once the deployment succeeded.
      - With O(state=stopped), the wait is for the stopped deployment to finish, and V(succeeded) also waits for
        the rollback deployment, if any.
    type: str
    choices: [created, ready, traffic_shifted, succeeded]
    default: succeeded
  wait_timeout:
    description:
      - Seconds to wait for O(wait_until). V(0) does not wait.
      - When it expires the module fails (the deployment goes on) unless O(rollback_on_timeout=true).
    type: int
    default: 3600
  rollback_on_timeout:
    description:
      - When O(wait_timeout) expires, stop the deployment with rollback, then fail.
    type: bool
    default: false
  auto_rollback:
    description:
      - With O(state=stopped), roll back to the original task set (StopDeployment C(autoRollbackEnabled)).
    type: bool
    default: true
  wait_type:
    description:
      - With O(state=continued), which wait to end. V(auto) picks C(READY_WAIT) for a deployment in Ready and
        C(TERMINATION_WAIT) for one whose production traffic is shifted.
    type: str
    choices: [auto, READY_WAIT, TERMINATION_WAIT]
    default: auto
  poll_max_delay:
    description:
      - Upper bound, in seconds, of the delay between two polls (the delay starts at 2 s and grows by half).
    type: int
    default: 15
notes:
  - Check mode reports what would change and makes no change (no task definition is registered).
  - The no-op decision is made on the task definition revision only; a change of network configuration or
    platform version alone does not start a deployment.
  - A deployment group whose ready option is V(STOP_DEPLOYMENT) waits in Ready until continued; waiting for
    V(traffic_shifted) or V(succeeded) then lasts until O(wait_timeout) or CodeDeploy's own ready timeout.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy a revision blue/green and wait until it succeeded
  fargatedemo.ecs_delivery.codedeploy_deployment:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
    task_definition: "{{ taskdef.task_definition.taskDefinitionArn }}"
    container_name: helloapp
    container_port: 8000
    wait_timeout: 3600
    rollback_on_timeout: true
  register: deploy

- name: Register the task definition if needed, deploy it, return once production traffic is shifted
  fargatedemo.ecs_delivery.codedeploy_deployment:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
    task_definition_spec: "{{ lookup('ansible.builtin.file', 'taskdef.json') | from_json }}"
    container_name: helloapp
    container_port: 8000
    network_configuration:
      subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
      security_groups: [sg-0123456789abcdef0]
      assign_public_ip: false
    hooks:
      after_allow_test_traffic: helloapp-smoke-test
    wait_until: traffic_shifted

# Progress you can follow: start the deployment in the background, then poll the info module, printing one
# line per poll (lifecycle events, traffic weights, live target group) until the background job ends.
- name: Start the deployment in the background
  fargatedemo.ecs_delivery.codedeploy_deployment:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
    task_definition: "{{ task_definition_arn }}"
    container_name: helloapp
    container_port: 8000
    wait_timeout: 3600
    rollback_on_timeout: true
  async: 3700
  poll: 0
  register: deploy_job
  changed_when: false  # starting a job is no change; the collected result below says whether one was made

- name: Follow it (tasks/follow_deployment.yml, below, includes itself until the job ends)
  ansible.builtin.include_tasks: follow_deployment.yml

# tasks/follow_deployment.yml:
# - name: Is the background deployment task finished?
#   ansible.builtin.async_status:
#     jid: "{{ deploy_job.ansible_job_id }}"
#   register: deploy_job_state
#   failed_when: false
# - name: Read the deployment
#   fargatedemo.ecs_delivery.codedeploy_deployment_info:
#     application_name: AppECS-helloapp-helloapp
#     deployment_group_name: DgpECS-helloapp-helloapp
#   register: progress
# - name: Show progress
#   ansible.builtin.debug:
#     msg: "{{ progress.progress }}"
# - name: Poll again until the background task ends
#   when: not deploy_job_state.finished
#   block:
#     - name: Pause between polls
#       ansible.builtin.pause:
#         seconds: 10
#     - name: Poll again
#       ansible.builtin.include_tasks: follow_deployment.yml

- name: Collect the result of the background deployment (fails as the module did)
  ansible.builtin.async_status:
    jid: "{{ deploy_job.ansible_job_id }}"
  register: deploy
  until: deploy.finished
  retries: 30
  delay: 2

- name: Let a deployment waiting in Ready (STOP_DEPLOYMENT ready option) go on to production
  fargatedemo.ecs_delivery.codedeploy_deployment:
    state: continued
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp

- name: End the termination wait now (terminate the original task set)
  fargatedemo.ecs_delivery.codedeploy_deployment:
    state: continued
    deployment_id: "{{ deploy.deployment_id }}"
    wait_type: TERMINATION_WAIT

- name: Stop the in-flight deployment and roll back
  fargatedemo.ecs_delivery.codedeploy_deployment:
    state: stopped
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
  register: stopped

- name: Show the rollback deployment
  ansible.builtin.debug:
    var: stopped.rollback_deployment_id
"""

RETURN = r"""
deployment_id:
  description: The deployment created, attached to, continued or stopped (null in check mode or when none).
  returned: always
  type: str
  sample: d-ABCDEF123
status:
  description: Its status (Created, Queued, InProgress, Ready, Succeeded, Failed, Stopped).
  returned: always
  type: str
  sample: Succeeded
task_definition_arn:
  description: The task definition the deployment deploys (from its AppSpec content), or the one resolved.
  returned: always
  type: str
  sample: arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:7
live_task_definition_arn:
  description: With O(state=present), the task definition the service's PRIMARY task set ran before the module.
  returned: when state is present
  type: str
lifecycle_events:
  description: The lifecycle events of the ECS target in CodeDeploy's order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Event name (BeforeInstall, Install, AfterInstall, AllowTestTraffic, ...).
      type: str
    status:
      description: Pending, InProgress, Succeeded, Failed, Skipped or Unknown.
      type: str
    start_time:
      description: ISO 8601 start time.
      type: str
    end_time:
      description: ISO 8601 end time.
      type: str
  sample:
    - {name: BeforeInstall, status: Succeeded, start_time: "2026-11-27T10:00:00+00:00",
       end_time: "2026-11-27T10:00:01+00:00"}
task_sets:
  description: The task sets of the deployment (ecsTarget.taskSetsInfo).
  returned: always
  type: list
  elements: dict
  contains:
    identifier:
      description: Task set id.
      type: str
    label:
      description: Blue (original) or Green (replacement).
      type: str
    status:
      description: PRIMARY, ACTIVE or DRAINING.
      type: str
    traffic_weight:
      description: Percentage of production traffic.
      type: float
    target_group:
      description: Target group name of the task set.
      type: str
traffic_weights:
  description: Production traffic weight per target group name.
  returned: always
  type: dict
  sample: {helloapp-tg1: 0.0, helloapp-tg2: 100.0}
live_target_group:
  description: The target group production traffic goes to (from the production listener, else the task sets).
  returned: always
  type: str
  sample: helloapp-tg2
deployment_overview:
  description: Target counts per status (pending, inprogress, succeeded, failed, skipped, ready).
  returned: always
  type: dict
waiting_for:
  description: READY_WAIT or TERMINATION_WAIT when the deployment waits for a continue, else null.
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
rollback:
  description: With O(state=stopped) and O(wait_until=succeeded), the summary of the rollback deployment.
  returned: when a rollback deployment was waited for
  type: dict
error:
  description: CodeDeploy's errorInformation (code, message) of a failed or stopped deployment.
  returned: always
  type: dict
finished:
  description: Whether the deployment reached Succeeded, Failed or Stopped.
  returned: always
  type: bool
progress:
  description: One human readable line (status, lifecycle events, traffic weights, live target group).
  returned: always
  type: str
  sample: "d-ABCDEF123 InProgress | BeforeInstall ok, Install ok, AllowTestTraffic ... | helloapp-tg1 100.0%"
appspec:
  description: The AppSpec sent (or that would be sent) with O(state=present).
  returned: when state is present and the task definition ARN is known (not in check mode before a registration)
  type: dict
checkpoint_reached:
  description: Whether O(wait_until) was reached.
  returned: always
  type: bool
"""

try:  # noqa: SIM105 (amazon.aws idiom: HAS_BOTO3 is checked by AnsibleAWSModule)
    import botocore  # noqa: F401
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd

HOOK_OPTIONS = {
    "before_install": "BeforeInstall",
    "after_install": "AfterInstall",
    "after_allow_test_traffic": "AfterAllowTestTraffic",
    "before_allow_traffic": "BeforeAllowTraffic",
    "after_allow_traffic": "AfterAllowTraffic",
}
EMPTY_SUMMARY = cd.summarise({})


class Deployer:
    """The module's logic on three clients (codedeploy, ecs, elbv2), each wrapped with a retry decorator."""

    def __init__(self, module, codedeploy, ecs, elbv2):
        self.module = module
        self.params = module.params
        self.cd = codedeploy
        self.ecs = ecs
        self.elbv2 = elbv2
        self.group = None
        self.changed = False

    # -- helpers -----------------------------------------------------------------------------

    def fail(self, msg, summary=None, **extra):
        result = dict(EMPTY_SUMMARY)
        result.update(summary or {})
        result.update(extra)
        result.pop("changed", None)
        self.module.fail_json(msg=msg, changed=self.changed, **result)

    def exit(self, summary, **extra):
        result = dict(summary)
        result.update(extra)
        self.module.exit_json(changed=self.changed, **result)

    def load_group(self, application_name, group_name):
        try:
            group = cd.get_deployment_group(self.cd, application_name, group_name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Failed to read deployment group {group_name}")
        if group is None and self.module.check_mode:
            # In check mode the group may be one an earlier task would have created: report, do not fail.
            self.changed = self.params["state"] == "present"
            self.exit(
                EMPTY_SUMMARY,
                checkpoint_reached=False,
                msg=f"Deployment group '{group_name}' does not exist (yet); nothing to read in check mode",
            )
        if group is None:
            self.fail(
                f"Deployment group '{group_name}' of application '{application_name}' does not exist (create it with "
                "fargatedemo.ecs_delivery.codedeploy_deployment_group)"
            )
        if group.get("computePlatform") not in (None, "ECS"):
            self.fail(f"Deployment group '{group_name}' is not an ECS deployment group")
        self.group = group
        return group

    def describe(self, deployment_id, with_listener=False):
        listener = cd.prod_listener_of(self.group) if with_listener else None
        try:
            return cd.describe(self.cd, deployment_id, self.elbv2 if listener else None, listener)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Failed to read deployment {deployment_id}")

    def wait(self, deployment_id, checkpoint, timeout):
        """Poll until the checkpoint or a final status; returns (deployment, summary, reached, timed_out)."""

        def fetch():
            return self.describe(deployment_id)

        def done(state):
            deployment, summary = state
            return summary["finished"] or cd.checkpoint_reached(checkpoint, deployment, summary["lifecycle_events"])

        if checkpoint == "created" or timeout <= 0:
            state, timed_out = fetch(), False
        else:
            state, timed_out = cd.poll(fetch, done, timeout, maximum=self.params["poll_max_delay"])
        deployment, summary = self.describe(deployment_id, with_listener=True)
        reached = cd.checkpoint_reached(checkpoint, deployment, summary["lifecycle_events"])
        if checkpoint != "created" and timeout <= 0:
            reached = False
        return deployment, summary, reached, timed_out

    def find_target(self):
        """The deployment to continue/stop: deployment_id, else the group's newest in-flight one."""
        if self.params["deployment_id"]:
            deployment, summary = self.describe(self.params["deployment_id"])
            self.load_group(deployment["applicationName"], deployment["deploymentGroupName"])
            return self.params["deployment_id"]
        self.load_group(self.params["application_name"], self.params["deployment_group_name"])
        try:
            flying = cd.in_flight_deployments(
                self.cd, self.params["application_name"], self.params["deployment_group_name"]
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to list deployments")
        return flying[0]["deploymentId"] if flying else None

    def finish(self, deployment_id, checkpoint, timeout, **extra):
        """Wait for a checkpoint and exit/fail accordingly (rollback_on_timeout included)."""
        deployment, summary, reached, timed_out = self.wait(deployment_id, checkpoint, timeout)
        extra["checkpoint_reached"] = reached
        if summary["status"] in ("Failed", "Stopped"):
            msg = "Deployment {} {}".format(deployment_id, summary["status"].lower())
            if summary.get("error") and summary["error"].get("message"):
                msg += ": {}".format(summary["error"]["message"])
            if summary.get("rollback_deployment_id"):
                msg += " (rolled back by deployment {})".format(summary["rollback_deployment_id"])
            self.fail(msg, summary, **extra)
        if timed_out and not reached:
            msg = "Timed out after {} s waiting for deployment {} to reach '{}' (status {})".format(
                timeout, deployment_id, checkpoint, summary["status"]
            )
            if self.params["rollback_on_timeout"]:
                summary = self.stop(deployment_id, auto_rollback=True, timeout=min(timeout, 300))
                msg += "; stopped it with rollback"
                if summary.get("rollback_deployment_id"):
                    msg += " (rollback deployment {})".format(summary["rollback_deployment_id"])
            else:
                msg += "; the deployment goes on"
            self.fail(msg, summary, **extra)
        self.exit(summary, **extra)

    def stop(self, deployment_id, auto_rollback, timeout):
        """StopDeployment, then wait (bounded) for the stop to finish; returns the summary."""
        try:
            self.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=auto_rollback, aws_retry=True)
        except is_boto3_error_code("DeploymentAlreadyCompletedException"):
            pass
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to stop deployment {deployment_id}")
        self.changed = True

        def fetch():
            return self.describe(deployment_id)

        def done(state):
            return state[1]["finished"]

        if timeout > 0:
            cd.poll(fetch, done, timeout, maximum=self.params["poll_max_delay"])
        summary = self.describe(deployment_id, with_listener=True)[1]
        if auto_rollback and not summary.get("rollback_deployment_id"):
            summary["rollback_deployment_id"] = self.rollback_of(deployment_id)
        return summary

    def rollback_of(self, deployment_id):
        """A deployment whose rollbackInfo says it rolls back ``deployment_id`` (in flight), if any."""
        try:
            flying = cd.in_flight_deployments(self.cd, self.group["applicationName"], self.group["deploymentGroupName"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to list deployments")
        for deployment in flying:
            if (deployment.get("rollbackInfo") or {}).get("rollbackTriggeringDeploymentId") == deployment_id:
                return deployment["deploymentId"]
        return None

    # -- task definition -------------------------------------------------------------------------

    def describe_task_definition(self, name, missing_ok=False):
        try:
            return self.ecs.describe_task_definition(taskDefinition=name, aws_retry=True)["taskDefinition"]
        except is_boto3_error_code("ClientException") as e:
            if missing_ok:
                return None
            self.module.fail_json_aws(e, msg=f"Task definition {name} not found")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {name}")

    def resolve_task_definition(self, live):
        """The task definition ARN to deploy, or None when task_definition_spec must be registered.

        A spec matching the live revision, else the family's latest active revision, reuses it.
        """
        params = self.params
        if params["task_definition"]:
            taskdef = self.describe_task_definition(params["task_definition"])
            self.check_container(taskdef, taskdef["taskDefinitionArn"])
            return taskdef["taskDefinitionArn"]
        spec = params["task_definition_spec"]
        candidates = []
        if live and live.split("/")[-1].split(":")[0] == spec["family"]:
            candidates.append(live)
        candidates.append(spec["family"])
        for name in candidates:
            current = self.describe_task_definition(name, missing_ok=True)
            if current and current.get("status", "ACTIVE") == "ACTIVE" and cd.task_definition_matches(spec, current):
                return current["taskDefinitionArn"]
        return None

    def register_task_definition(self):
        spec = self.params["task_definition_spec"]
        try:
            registered = self.ecs.register_task_definition(aws_retry=True, **spec)["taskDefinition"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to register task definition {}".format(spec["family"]))
        self.changed = True
        return registered["taskDefinitionArn"]

    def check_container(self, taskdef, label):
        try:
            cd.check_container(taskdef, self.params["container_name"], self.params["container_port"], label)
        except cd.CodeDeployError as e:
            self.fail(e.msg)

    # -- actions ---------------------------------------------------------------------------------

    def appspec(self, arn):
        params = self.params
        hooks = {HOOK_OPTIONS[k]: v for k, v in (params["hooks"] or {}).items() if v}
        try:
            return cd.build_appspec(
                arn,
                params["container_name"],
                params["container_port"],
                platform_version=params["platform_version"],
                network_configuration=params["network_configuration"],
                capacity_provider_strategy=params["capacity_provider_strategy"],
                hooks=hooks,
            )
        except cd.CodeDeployError as e:
            self.fail(e.msg)

    def present(self):
        params = self.params
        if params["task_definition_spec"]:
            # The naming trap, caught before any AWS call.
            family = params["task_definition_spec"].get("family")
            if not family:
                self.fail("task_definition_spec must have a 'family'")
            self.check_container(params["task_definition_spec"], f"task_definition_spec (family {family})")
        group = self.load_group(params["application_name"], params["deployment_group_name"])
        cluster, service = cd.ecs_service_of(group)
        try:
            live = cd.live_task_definition(self.ecs, cluster, service) if cluster else None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to describe the ECS service")
        arn = self.resolve_task_definition(live)
        try:
            flying = cd.in_flight_deployments(self.cd, params["application_name"], params["deployment_group_name"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg="Failed to list the deployment group's deployments")
        extra = {"task_definition_arn": arn, "live_task_definition_arn": live}
        if arn:
            extra["appspec"] = self.appspec(arn)
        timeout = params["wait_timeout"]
        checkpoint = params["wait_until"]

        same = [d for d in flying if arn and cd.task_definition_of_revision(d.get("revision")) == arn]
        if same:
            # A deployment of this very revision is running: follow it rather than start another.
            self.finish(same[0]["deploymentId"], checkpoint, timeout, **extra)
        if flying:
            other = flying[0]
            if params["if_in_progress"] == "fail":
                self.fail(
                    "Deployment {} ({}) is in progress for deployment group {}; wait for it "
                    "(if_in_progress=wait), or stop it (state=stopped) first".format(
                        other["deploymentId"], other.get("status"), params["deployment_group_name"]
                    ),
                    in_progress_deployment_id=other["deploymentId"],
                    **extra,
                )
            if self.module.check_mode:
                self.changed = True
                self.exit(EMPTY_SUMMARY, in_progress_deployment_id=other["deploymentId"], **extra)
            _, summary, _, timed_out = self.wait(other["deploymentId"], "succeeded", timeout)
            if timed_out and not summary["finished"]:
                self.fail(
                    "Timed out after {} s waiting for deployment {} to finish before deploying".format(
                        timeout, other["deploymentId"]
                    ),
                    in_progress_deployment_id=other["deploymentId"],
                    **extra,
                )
            try:
                live = cd.live_task_definition(self.ecs, cluster, service)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                self.module.fail_json_aws(e, msg="Failed to describe the ECS service")
            extra["live_task_definition_arn"] = live

        if arn and live == arn:
            summary = dict(EMPTY_SUMMARY)
            last = (group.get("lastSuccessfulDeployment") or {}).get("deploymentId")
            if last:
                _, last_summary = self.describe(last, with_listener=True)
                if last_summary.get("task_definition_arn") in (None, arn):
                    summary = last_summary
            self.exit(summary, checkpoint_reached=True, msg=f"Task definition {arn} is already live", **extra)

        if self.module.check_mode:
            self.changed = True
            self.exit(EMPTY_SUMMARY, checkpoint_reached=False, would_register_task_definition=arn is None, **extra)

        if arn is None:
            arn = self.register_task_definition()
            extra.update(task_definition_arn=arn, appspec=self.appspec(arn))
        request = {
            "applicationName": params["application_name"],
            "deploymentGroupName": params["deployment_group_name"],
            "revision": cd.appspec_revision(extra["appspec"]),
        }
        if params["deployment_config_name"]:
            request["deploymentConfigName"] = params["deployment_config_name"]
        if params["description"]:
            request["description"] = params["description"]
        try:
            deployment_id = self.cd.create_deployment(aws_retry=True, **request)["deploymentId"]
        except is_boto3_error_code("DeploymentLimitExceededException") as e:
            self.module.fail_json_aws(
                e,
                msg="Another deployment is in progress for deployment group {}".format(params["deployment_group_name"]),
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="Failed to create the deployment")
        self.changed = True
        self.finish(deployment_id, checkpoint, timeout, **extra)

    def continued(self):
        deployment_id = self.find_target()
        if deployment_id is None:
            self.exit(EMPTY_SUMMARY, checkpoint_reached=False, msg="No deployment in flight")
        deployment, summary = self.describe(deployment_id)
        if summary["finished"]:
            self.exit(summary, checkpoint_reached=summary["status"] == "Succeeded")
        wait_type = self.params["wait_type"]
        if wait_type == "auto":
            wait_type = summary["waiting_for"]
            if wait_type is None:
                self.fail(
                    "Deployment {} is {} and not waiting for a continue (neither in Ready nor in the termination "
                    "wait); wait for it first (state=present or wait_until), or set wait_type".format(
                        deployment_id, summary["status"]
                    ),
                    summary,
                )
        if self.module.check_mode:
            self.changed = True
            self.exit(summary, checkpoint_reached=False, wait_type=wait_type)
        try:
            self.cd.continue_deployment(deploymentId=deployment_id, deploymentWaitType=wait_type, aws_retry=True)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            self.module.fail_json_aws(e, msg=f"Failed to continue deployment {deployment_id}")
        self.changed = True
        self.finish(deployment_id, self.params["wait_until"], self.params["wait_timeout"], wait_type=wait_type)

    def stopped(self):
        deployment_id = self.find_target()
        if deployment_id is None:
            self.exit(EMPTY_SUMMARY, checkpoint_reached=False, msg="No deployment in flight")
        deployment, summary = self.describe(deployment_id, with_listener=True)
        if summary["finished"]:
            self.exit(summary, checkpoint_reached=True)
        if self.module.check_mode:
            self.changed = True
            self.exit(summary, checkpoint_reached=False)
        timeout = self.params["wait_timeout"]
        started = cd.time.monotonic()
        summary = self.stop(deployment_id, self.params["auto_rollback"], timeout)
        extra = {"checkpoint_reached": summary["finished"]}
        rollback_id = summary.get("rollback_deployment_id")
        if rollback_id and self.params["wait_until"] == "succeeded" and timeout > 0:
            remaining = max(0, timeout - (cd.time.monotonic() - started))
            _, rollback, reached, _ = self.wait(rollback_id, "succeeded", remaining)
            extra["rollback"] = rollback
            extra["checkpoint_reached"] = reached
        self.exit(summary, **extra)


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "continued", "stopped"], default="present"),
        application_name=dict(type="str"),
        deployment_group_name=dict(type="str"),
        deployment_id=dict(type="str"),
        task_definition=dict(type="str"),
        task_definition_spec=dict(type="dict"),
        container_name=dict(type="str"),
        container_port=dict(type="int"),
        platform_version=dict(type="str"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str"),
                security_groups=dict(type="list", elements="str"),
                assign_public_ip=dict(type="bool"),
            ),
        ),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int"),
                base=dict(type="int"),
            ),
        ),
        hooks=dict(type="dict", options={name: dict(type="str") for name in HOOK_OPTIONS}),
        deployment_config_name=dict(type="str"),
        description=dict(type="str"),
        if_in_progress=dict(type="str", choices=["fail", "wait"], default="fail"),
        wait_until=dict(type="str", choices=list(cd.CHECKPOINTS), default="succeeded"),
        wait_timeout=dict(type="int", default=3600),
        rollback_on_timeout=dict(type="bool", default=False),
        auto_rollback=dict(type="bool", default=True),
        wait_type=dict(type="str", choices=["auto", "READY_WAIT", "TERMINATION_WAIT"], default="auto"),
        poll_max_delay=dict(type="int", default=15),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[("task_definition", "task_definition_spec"), ("deployment_id", "application_name")],
        required_together=[("application_name", "deployment_group_name")],
        required_if=[
            ("state", "present", ("application_name", "container_name", "container_port")),
            ("state", "present", ("task_definition", "task_definition_spec"), True),
            ("state", "continued", ("deployment_id", "application_name"), True),
            ("state", "stopped", ("deployment_id", "application_name"), True),
        ],
    )
    if module.params["state"] == "present" and module.params["deployment_id"]:
        module.fail_json(msg="deployment_id is for state=continued or state=stopped; state=present deploys anew")
    retry = AWSRetry.jittered_backoff()
    deployer = Deployer(
        module,
        module.client("codedeploy", retry_decorator=retry),
        module.client("ecs", retry_decorator=retry),
        module.client("elbv2", retry_decorator=retry),
    )
    getattr(deployer, module.params["state"])()


if __name__ == "__main__":
    main()
