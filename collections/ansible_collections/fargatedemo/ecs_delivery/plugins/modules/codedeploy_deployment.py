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
  - Ansible modules cannot stream output; RV(history) holds every progress line seen while waiting. To print
    them as a separate step, create the deployment with O(wait_until=created) and follow it with
    M(fargatedemo.ecs_delivery.codedeploy_deployment_info)
    O(fargatedemo.ecs_delivery.codedeploy_deployment_info#module:wait_until), which waits with the same code
    (see EXAMPLES).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description:
      - V(present) deploys O(task_definition).
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
      - The task definition to deploy, as an ARN or C(family:revision); register it first, for example with
        M(fargatedemo.ecs_delivery.ecs_taskdefinition), which compares the whole definition before registering.
      - Required with O(state=present).
    type: str
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
  - Check mode reports what would change and makes no change.
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

- name: Deploy a revision, return once production traffic is shifted
  fargatedemo.ecs_delivery.codedeploy_deployment:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
    task_definition: helloapp:8
    container_name: helloapp
    container_port: 8000
    network_configuration:
      subnets: [subnet-0123456789abcdef0, subnet-0fedcba9876543210]
      security_groups: [sg-0123456789abcdef0]
      assign_public_ip: false
    hooks:
      after_allow_test_traffic: helloapp-smoke-test
    wait_until: traffic_shifted

# Create the deployment and return at once, then follow it with the info module: the same checkpoints, and
# every progress line seen (lifecycle events, traffic weights, live target group) to print.
- name: Start the deployment
  fargatedemo.ecs_delivery.codedeploy_deployment:
    application_name: AppECS-helloapp-helloapp
    deployment_group_name: DgpECS-helloapp-helloapp
    task_definition: "{{ task_definition_arn }}"
    container_name: helloapp
    container_port: 8000
    wait_until: created
  register: deploy

- name: Follow it until it succeeded
  fargatedemo.ecs_delivery.codedeploy_deployment_info:
    deployment_id: "{{ deploy.deployment_id }}"
    wait_until: succeeded
    wait_timeout: 3600
  register: followed
  when: deploy.deployment_id

- name: Print each step
  ansible.builtin.debug:
    msg: "{{ followed.history | map(attribute='progress') }}"
  when: deploy.deployment_id

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
  returned: when state is present
  type: dict
history:
  description: Each progress line seen while waiting, in order (one entry per change; see RV(progress)).
  returned: when the module waited for a deployment
  type: list
  elements: dict
  contains:
    elapsed_seconds:
      description: Seconds since the wait started.
      type: float
    status:
      description: The deployment's status then.
      type: str
    progress:
      description: The progress line then.
      type: str
checkpoint_reached:
  description: Whether O(wait_until) was reached.
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

HOOK_OPTIONS = {
    "before_install": "BeforeInstall",
    "after_install": "AfterInstall",
    "after_allow_test_traffic": "AfterAllowTestTraffic",
    "before_allow_traffic": "BeforeAllowTraffic",
    "after_allow_traffic": "AfterAllowTraffic",
}
EMPTY_SUMMARY = cd.summarise({})


# -- AWS calls ----------------------------------------------------------------------------------


@aws_call("describe task definition {name}")
def describe_task_definition(ecs, name):
    return ecs.describe_task_definition(taskDefinition=name, aws_retry=True)["taskDefinition"]


@aws_call(
    "create a deployment for deployment group {group_name}",
    # Another deployment started since the group's in-flight ones were listed.
    explain={"DeploymentLimitExceededException": "Another deployment is in progress for deployment group {group_name}"},
)
def create_deployment(client, group_name, request):
    return client.create_deployment(aws_retry=True, **request)["deploymentId"]


@aws_call("continue deployment {deployment_id}")
def continue_deployment(client, deployment_id, wait_type):
    client.continue_deployment(deploymentId=deployment_id, deploymentWaitType=wait_type, aws_retry=True)


@aws_call("stop deployment {deployment_id}", missing="DeploymentAlreadyCompletedException")
def stop_deployment(client, deployment_id, auto_rollback):
    client.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=auto_rollback, aws_retry=True)


class Release:
    """The module on three clients (codedeploy, ecs, elbv2), each wrapped with a retry decorator.

    Its steps return results and raise ModuleFailure; ``main`` ends the module.
    """

    def __init__(self, module, codedeploy, ecs, elbv2):
        self.module = module
        self.params = module.params
        self.cd = codedeploy
        self.ecs = ecs
        self.elbv2 = elbv2
        self.group = None
        self.changed = False

    # -- results ---------------------------------------------------------------------------------

    def failure(self, msg, summary=None, **extra):
        result = dict(EMPTY_SUMMARY)
        result.update(summary or {})
        result.update(extra)
        result["changed"] = self.changed
        return ModuleFailure(msg, **result)

    def result(self, summary, **extra):
        return dict(summary, changed=self.changed, **extra)

    # -- reads -----------------------------------------------------------------------------------

    def load_group(self, application_name, group_name):
        """The deployment group; None in check mode when it does not exist yet (an earlier task may create it)."""
        group = cd.get_deployment_group(self.cd, application_name, group_name)
        if group is None and self.module.check_mode:
            return None
        if group is None:
            raise self.failure(
                f"Deployment group '{group_name}' of application '{application_name}' does not exist (create it with "
                "fargatedemo.ecs_delivery.codedeploy_deployment_group)"
            )
        if group.get("computePlatform") not in (None, "ECS"):
            raise self.failure(f"Deployment group '{group_name}' is not an ECS deployment group")
        self.group = group
        return group

    def no_group(self, group_name):
        self.changed = self.params["state"] == "present"
        return self.result(
            EMPTY_SUMMARY,
            checkpoint_reached=False,
            msg=f"Deployment group '{group_name}' does not exist (yet); nothing to read in check mode",
        )

    def describe(self, deployment_id, with_listener=False):
        listener = cd.prod_listener_of(self.group) if with_listener else None
        return cd.describe(self.cd, deployment_id, self.elbv2 if listener else None, listener)

    def wait(self, deployment_id, checkpoint, timeout):
        """Follow to the checkpoint or a final status: (deployment, summary, reached, timed_out, history)."""
        return cd.follow(
            self.cd,
            deployment_id,
            checkpoint,
            timeout,
            self.elbv2,
            cd.prod_listener_of(self.group),
            self.params["poll_max_delay"],
        )

    def find_target(self):
        """The deployment to continue/stop: deployment_id, else the group's newest in-flight one.

        Returns (deployment id or None, group found)."""
        if self.params["deployment_id"]:
            deployment, _summary = self.describe(self.params["deployment_id"])
            found = self.load_group(deployment["applicationName"], deployment["deploymentGroupName"])
            return self.params["deployment_id"], found is not None
        if self.load_group(self.params["application_name"], self.params["deployment_group_name"]) is None:
            return None, False
        flying = cd.in_flight_deployments(
            self.cd, self.params["application_name"], self.params["deployment_group_name"]
        )
        return (flying[0]["deploymentId"] if flying else None), True

    def rollback_of(self, deployment_id):
        """A deployment whose rollbackInfo says it rolls back ``deployment_id`` (in flight), if any."""
        flying = cd.in_flight_deployments(self.cd, self.group["applicationName"], self.group["deploymentGroupName"])
        for deployment in flying:
            if (deployment.get("rollbackInfo") or {}).get("rollbackTriggeringDeploymentId") == deployment_id:
                return deployment["deploymentId"]
        return None

    # -- task definition and AppSpec -----------------------------------------------------------------

    def resolve_task_definition(self):
        """The task definition ARN to deploy, its container and port checked."""
        params = self.params
        taskdef = describe_task_definition(self.ecs, params["task_definition"])
        cd.check_container(taskdef, params["container_name"], params["container_port"], taskdef["taskDefinitionArn"])
        return taskdef["taskDefinitionArn"]

    def appspec(self, arn):
        params = self.params
        hooks = {HOOK_OPTIONS[k]: v for k, v in (params["hooks"] or {}).items() if v}
        return cd.build_appspec(
            arn,
            params["container_name"],
            params["container_port"],
            platform_version=params["platform_version"],
            network_configuration=params["network_configuration"],
            capacity_provider_strategy=params["capacity_provider_strategy"],
            hooks=hooks,
        )

    # -- outcome -------------------------------------------------------------------------------------

    def finish(self, deployment_id, checkpoint, timeout, **extra):
        """Wait for a checkpoint; the result, or ModuleFailure (rollback_on_timeout included)."""
        _deployment, summary, reached, timed_out, history = self.wait(deployment_id, checkpoint, timeout)
        extra.update(checkpoint_reached=reached, history=history)
        if summary["status"] in ("Failed", "Stopped"):
            msg = "Deployment {} {}".format(deployment_id, summary["status"].lower())
            if summary.get("error") and summary["error"].get("message"):
                msg += ": {}".format(summary["error"]["message"])
            if summary.get("rollback_deployment_id"):
                msg += " (rolled back by deployment {})".format(summary["rollback_deployment_id"])
            raise self.failure(msg, summary, **extra)
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
            raise self.failure(msg, summary, **extra)
        return self.result(summary, **extra)

    def stop(self, deployment_id, auto_rollback, timeout):
        """StopDeployment, then wait (bounded) for the stop to finish; returns the summary."""
        stop_deployment(self.cd, deployment_id, auto_rollback)
        self.changed = True
        if timeout > 0:
            cd.poll(
                lambda: self.describe(deployment_id),
                lambda state: state[1]["finished"],
                timeout,
                maximum=self.params["poll_max_delay"],
            )
        summary = self.describe(deployment_id, with_listener=True)[1]
        if auto_rollback and not summary.get("rollback_deployment_id"):
            summary["rollback_deployment_id"] = self.rollback_of(deployment_id)
        return summary

    # -- states --------------------------------------------------------------------------------------

    def present(self):
        params = self.params
        group = self.load_group(params["application_name"], params["deployment_group_name"])
        if group is None:
            return self.no_group(params["deployment_group_name"])
        cluster, service = cd.ecs_service_of(group)
        live = cd.live_task_definition(self.ecs, cluster, service) if cluster else None
        arn = self.resolve_task_definition()
        flying = cd.in_flight_deployments(self.cd, params["application_name"], params["deployment_group_name"])
        extra = {"task_definition_arn": arn, "live_task_definition_arn": live, "appspec": self.appspec(arn)}
        timeout, checkpoint = params["wait_timeout"], params["wait_until"]

        same = [d for d in flying if cd.task_definition_of_revision(d.get("revision")) == arn]
        if same:
            # A deployment of this very revision is running: follow it rather than start another.
            return self.finish(same[0]["deploymentId"], checkpoint, timeout, **extra)
        if flying:
            other = flying[0]
            if params["if_in_progress"] == "fail":
                raise self.failure(
                    "Deployment {} ({}) is in progress for deployment group {}; wait for it "
                    "(if_in_progress=wait), or stop it (state=stopped) first".format(
                        other["deploymentId"], other.get("status"), params["deployment_group_name"]
                    ),
                    in_progress_deployment_id=other["deploymentId"],
                    **extra,
                )
            if self.module.check_mode:
                self.changed = True
                return self.result(EMPTY_SUMMARY, in_progress_deployment_id=other["deploymentId"], **extra)
            _deployment, summary, _reached, timed_out, _history = self.wait(other["deploymentId"], "succeeded", timeout)
            if timed_out and not summary["finished"]:
                raise self.failure(
                    "Timed out after {} s waiting for deployment {} to finish before deploying".format(
                        timeout, other["deploymentId"]
                    ),
                    in_progress_deployment_id=other["deploymentId"],
                    **extra,
                )
            live = extra["live_task_definition_arn"] = cd.live_task_definition(self.ecs, cluster, service)

        if live == arn:
            summary = dict(EMPTY_SUMMARY)
            last = (group.get("lastSuccessfulDeployment") or {}).get("deploymentId")
            if last:
                _deployment, last_summary = self.describe(last, with_listener=True)
                if last_summary.get("task_definition_arn") in (None, arn):
                    summary = last_summary
            return self.result(summary, checkpoint_reached=True, msg=f"Task definition {arn} is already live", **extra)

        self.changed = True
        if self.module.check_mode:
            return self.result(EMPTY_SUMMARY, checkpoint_reached=False, **extra)
        request = {
            "applicationName": params["application_name"],
            "deploymentGroupName": params["deployment_group_name"],
            "revision": cd.appspec_revision(extra["appspec"]),
        }
        if params["deployment_config_name"]:
            request["deploymentConfigName"] = params["deployment_config_name"]
        if params["description"]:
            request["description"] = params["description"]
        deployment_id = create_deployment(self.cd, params["deployment_group_name"], request)
        return self.finish(deployment_id, checkpoint, timeout, **extra)

    def continued(self):
        deployment_id, found = self.find_target()
        if not found:
            return self.no_group(self.params["deployment_group_name"])
        if deployment_id is None:
            return self.result(EMPTY_SUMMARY, checkpoint_reached=False, msg="No deployment in flight")
        _deployment, summary = self.describe(deployment_id)
        if summary["finished"]:
            return self.result(summary, checkpoint_reached=summary["status"] == "Succeeded")
        wait_type = self.params["wait_type"]
        if wait_type == "auto":
            wait_type = summary["waiting_for"]
            if wait_type is None:
                raise self.failure(
                    "Deployment {} is {} and not waiting for a continue (neither in Ready nor in the termination "
                    "wait); wait for it first (state=present or wait_until), or set wait_type".format(
                        deployment_id, summary["status"]
                    ),
                    summary,
                )
        self.changed = True
        if self.module.check_mode:
            return self.result(summary, checkpoint_reached=False, wait_type=wait_type)
        continue_deployment(self.cd, deployment_id, wait_type)
        return self.finish(deployment_id, self.params["wait_until"], self.params["wait_timeout"], wait_type=wait_type)

    def stopped(self):
        deployment_id, found = self.find_target()
        if not found:
            return self.no_group(self.params["deployment_group_name"])
        if deployment_id is None:
            return self.result(EMPTY_SUMMARY, checkpoint_reached=False, msg="No deployment in flight")
        _deployment, summary = self.describe(deployment_id, with_listener=True)
        if summary["finished"]:
            return self.result(summary, checkpoint_reached=True)
        if self.module.check_mode:
            self.changed = True
            return self.result(summary, checkpoint_reached=False)
        timeout = self.params["wait_timeout"]
        started = cd.time.monotonic()
        summary = self.stop(deployment_id, self.params["auto_rollback"], timeout)
        extra = {"checkpoint_reached": summary["finished"]}
        rollback_id = summary.get("rollback_deployment_id")
        if rollback_id and self.params["wait_until"] == "succeeded" and timeout > 0:
            remaining = max(0, timeout - (cd.time.monotonic() - started))
            _deployment, rollback, reached, _timed_out, _history = self.wait(rollback_id, "succeeded", remaining)
            extra["rollback"] = rollback
            extra["checkpoint_reached"] = reached
        return self.result(summary, **extra)


def act(module, release):
    """state=present deploys, continued continues, stopped stops: the Release method of that name."""
    return getattr(release, module.params["state"])()


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "continued", "stopped"], default="present"),
        application_name=dict(type="str"),
        deployment_group_name=dict(type="str"),
        deployment_id=dict(type="str"),
        task_definition=dict(type="str"),
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
        mutually_exclusive=[("deployment_id", "application_name")],
        required_together=[("application_name", "deployment_group_name")],
        required_if=[
            ("state", "present", ("application_name", "task_definition", "container_name", "container_port")),
            ("state", "continued", ("deployment_id", "application_name"), True),
            ("state", "stopped", ("deployment_id", "application_name"), True),
        ],
    )
    if module.params["state"] == "present" and module.params["deployment_id"]:
        module.fail_json(msg="deployment_id is for state=continued or state=stopped; state=present deploys anew")
    retry = AWSRetry.jittered_backoff()
    release = Release(
        module,
        module.client("codedeploy", retry_decorator=retry),
        module.client("ecs", retry_decorator=retry),
        module.client("elbv2", retry_decorator=retry),
    )
    run(module, act, release)


if __name__ == "__main__":
    main()
