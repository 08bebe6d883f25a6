#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why our own module: community.aws.ecs_service (10.0.0) decides "no change" without looking at the
# deployment configuration, network configuration or platform version (so changing minimum healthy /
# maximum percent or the subnets does nothing), has no wait for a stable service on create/update,
# predicts nothing in check mode, and for CODE_DEPLOY services still sends UpdateService with an empty
# task definition. This one compares every field it manages, knows what each deployment controller lets
# UpdateService change, refuses a controller switch with what to do instead, and waits with its own
# bounded poll loop. It also manages the ECS-native blue/green, linear and canary deployment configuration and
# the load balancers' advancedConfiguration (community.aws documents neither), and switches the controller in
# place now that UpdateService takes deploymentController.

DOCUMENTATION = r"""
---
module: ecs_service
short_description: Create, update or delete an ECS service (rolling, ECS-native blue/green/linear/canary, CodeDeploy)
version_added: 0.1.0
description:
  - Creates the service when it is missing; otherwise compares desired count, deployment configuration,
    health-check grace period and, for the C(ECS) (rolling update) controller, task definition, network
    configuration, platform version and load balancers, and calls UpdateService only for what differs.
  - For a C(CODE_DEPLOY) service only what AWS lets UpdateService change is updated (desired count,
    deployment configuration, health-check grace period). A different task definition is not applied;
    RV(deployment_needed) tells the caller to run a CodeDeploy deployment. Load balancers and network
    configuration are left as CodeDeploy set them.
  - For the C(ECS) controller it manages the deployment strategy (O(deployment_configuration.strategy), C(ROLLING)
    or the ECS-native C(BLUE_GREEN), C(LINEAR) and C(CANARY)), their bake times and traffic steps, lifecycle hooks,
    deployment alarms and, per load balancer, the O(load_balancers[].advanced_configuration) a native strategy
    needs. Only what is set is sent and compared; AWS reports C(strategy) C(ROLLING) when none was set.
  - A change of only the deployment configuration (strategy, bake times, steps, hooks, alarms, circuit breaker,
    minimum/maximum percent) is applied without starting a deployment; the next one uses it. A change of the
    task definition, network configuration, platform version, load balancers (an
    O(load_balancers[].advanced_configuration) included), capacity providers or O(force_new_deployment) starts
    one, with the strategy the same call sets.
  - The deployment controller of an existing service changes in place (UpdateService C(deploymentController))
    when O(deployment_controller) differs and O(switch_deployment_controller) is true. C(CODE_DEPLOY) to C(ECS)
    sends, in the same call, the load balancers (with their O(load_balancers[].advanced_configuration) for a
    native strategy) and the deployment configuration; C(ECS) to C(CODE_DEPLOY) is only done from the C(ROLLING)
    strategy without advanced configuration (change those first). AWS refuses the switch while a deployment is
    in flight.
  - Inputs are checked against the ranges of the ECS API reference before any AWS call.
  - With O(wait) it polls DescribeServices until the service is stable (its only deployment has rolled
    out and runs the desired count), fails when the rollout failed or the circuit breaker rolled it back,
    and gives up after O(wait_timeout) seconds. A native release with bake times may take longer than
    O(wait_timeout); set O(wait=false) and follow it with M(fargatedemo.ecs_delivery.ecs_service_deployment_info)
    O(fargatedemo.ecs_delivery.ecs_service_deployment_info#module:wait_until).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description: V(present) creates or updates the service; V(absent) scales it to 0 and deletes it.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Service name.
    type: str
    required: true
  cluster:
    description: Cluster name or ARN.
    type: str
    required: true
  task_definition:
    description:
      - Task definition ARN (or C(family:revision)) the service runs. Required to create the service.
      - For a C(CODE_DEPLOY) service it is only used on creation; later differences set RV(deployment_needed).
    type: str
  desired_count:
    description: Number of tasks to keep running.
    type: int
  launch_type:
    description: Launch type. Leave out when O(capacity_provider_strategy) is used.
    type: str
    choices: [FARGATE, EC2, EXTERNAL]
  capacity_provider_strategy:
    description: Capacity providers instead of a launch type.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Capacity provider name, for example V(FARGATE) or V(FARGATE_SPOT).
        type: str
        required: true
      weight:
        description: Relative share of tasks.
        type: int
        default: 0
      base:
        description: Tasks placed on this provider first.
        type: int
        default: 0
  platform_version:
    description: Fargate platform version.
    type: str
  network_configuration:
    description: awsvpc network configuration of the tasks.
    type: dict
    suboptions:
      subnets:
        description: Subnet IDs.
        type: list
        elements: str
        required: true
      security_groups:
        description: Security group IDs.
        type: list
        elements: str
        default: []
      assign_public_ip:
        description: Give the tasks public IP addresses.
        type: bool
        default: false
  load_balancers:
    description: Target groups the service registers its tasks with.
    type: list
    elements: dict
    default: []
    suboptions:
      target_group_arn:
        description: Target group ARN.
        type: str
        required: true
      container_name:
        description: Container to register.
        type: str
        required: true
      container_port:
        description: Container port to register.
        type: int
        required: true
      advanced_configuration:
        description:
          - ECS-native blue/green, linear and canary releases (required by them, refused by C(ROLLING)), the second
            target group and the listener rules ECS shifts between O(load_balancers[].target_group_arn) and it.
          - Part of the load balancer; changing it changes the load balancers, which starts a deployment.
        type: dict
        suboptions:
          alternate_target_group_arn:
            description: The other target group of the pair (must differ from O(load_balancers[].target_group_arn)).
            type: str
            required: true
          production_listener_rule:
            description: ARN of the listener rule (not a listener's default rule) that forwards production traffic.
            type: str
            required: true
          test_listener_rule:
            description: ARN of the listener rule for test traffic (differs from the production rule). Optional.
            type: str
          role_arn:
            description:
              - The ECS infrastructure role for load balancers ECS assumes to change the rules
                (trusting C(ecs.amazonaws.com), with C(AmazonECSInfrastructureRolePolicyForLoadBalancers)).
            type: str
            required: true
  health_check_grace_period_seconds:
    description: Seconds ECS ignores failing load balancer health checks of a new task (only with O(load_balancers)).
    type: int
  propagate_tags:
    description:
      - Copy the tags of the service (V(SERVICE)) or of the task definition (V(TASK_DEFINITION)) to the tasks it
        starts; V(NONE) copies none. When omitted, the setting is left as it is.
    type: str
    choices: [NONE, SERVICE, TASK_DEFINITION]
  deployment_controller:
    description:
      - V(ECS) (rolling update or an ECS-native strategy, see O(deployment_configuration.strategy)) or
        V(CODE_DEPLOY) (CodeDeploy blue/green).
      - When omitted, a new service gets V(ECS) and an existing one keeps its controller. When it differs from an
        existing service's, the controller is switched in place (see the description).
    type: str
    choices: [ECS, CODE_DEPLOY]
  switch_deployment_controller:
    description:
      - Switch an existing service's controller to O(deployment_controller) in place (UpdateService) when they
        differ. When false, a different controller fails with what to do, as before this option existed.
    type: bool
    default: false
  deployment_configuration:
    description:
      - Deployment bounds, circuit breaker, and for the C(ECS) controller the deployment strategy.
      - The settings of a strategy (bake time, linear and canary steps, lifecycle hooks, advanced configuration) are
        given together with O(deployment_configuration.strategy), so they are checked against it before any call.
    type: dict
    default: {}
    suboptions:
      minimum_healthy_percent:
        description: Lower bound of running tasks during a deployment, in percent of the desired count.
        type: int
        default: 100
      maximum_percent:
        description: Upper bound of running plus pending tasks during a deployment, in percent of the desired count.
        type: int
        default: 200
      circuit_breaker_enable:
        description: Stop a rolling deployment whose tasks keep failing (C(ECS) controller only).
        type: bool
        default: false
      circuit_breaker_rollback:
        description: Roll back to the last completed deployment when the circuit breaker trips.
        type: bool
        default: false
      strategy:
        description:
          - V(ROLLING) (replace tasks in place), or the ECS-native V(BLUE_GREEN) (all production traffic at once),
            V(LINEAR) (equal steps) and V(CANARY) (one step, then the rest), which need the C(ECS) controller and
            O(load_balancers[].advanced_configuration) on every load balancer.
          - When omitted the service keeps its strategy (a new service gets C(ROLLING)).
        type: str
        choices: [ROLLING, BLUE_GREEN, LINEAR, CANARY]
      bake_time_in_minutes:
        description:
          - Minutes both revisions keep running after production traffic has moved (0-1440) before the old one is
            stopped. Required with V(BLUE_GREEN); native strategies only.
        type: int
      linear_configuration:
        description: Steps of a V(LINEAR) release (with that strategy only).
        type: dict
        suboptions:
          step_percent:
            description:
              - Percent of production traffic moved per step, a multiple of 0.1 from 3.0 to 100.0 (AWS default 10.0).
            type: float
          step_bake_time_in_minutes:
            description: Minutes between two steps, 0-1440 (AWS default 6; none after the last step).
            type: int
      canary_configuration:
        description: The canary step of a V(CANARY) release (with that strategy only).
        type: dict
        suboptions:
          canary_percent:
            description:
              - Percent of production traffic moved first, a multiple of 0.1 from 0.1 to 100.0 (AWS default 5.0).
            type: float
          canary_bake_time_in_minutes:
            description: Minutes before the rest of the traffic moves, 0-1440 (AWS default 10).
            type: int
      lifecycle_hooks:
        description:
          - Hooks run at lifecycle stages of a native release (native strategies only). Compared as a list (hooks of
            one stage run in order); V([]) removes them; omitted, the service keeps its hooks.
        type: list
        elements: dict
        suboptions:
          target_type:
            description:
              - V(AWS_LAMBDA) invokes O(deployment_configuration.lifecycle_hooks[].hook_target_arn) (the AWS default);
                V(PAUSE) holds the release until it is continued
                (M(fargatedemo.ecs_delivery.ecs_service_deployment) with
                O(fargatedemo.ecs_delivery.ecs_service_deployment#module:state=continued)).
            type: str
            choices: [AWS_LAMBDA, PAUSE]
          hook_target_arn:
            description: The Lambda function ARN (AWS_LAMBDA only, required there).
            type: str
          role_arn:
            description: The IAM role ECS assumes to invoke the function (AWS_LAMBDA, required there).
            type: str
          lifecycle_stages:
            description:
              - Stages the hook runs at.
              - A PAUSE hook cannot run at V(TEST_TRAFFIC_SHIFT) or V(PRODUCTION_TRAFFIC_SHIFT).
            type: list
            elements: str
            required: true
            choices: [RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT,
                      PRE_PRODUCTION_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT]
          hook_details:
            description: Parameters ECS passes to the function on each invocation (AWS_LAMBDA only).
            type: dict
          timeout_configuration:
            description: How long ECS waits for the hook and what it does then.
            type: dict
            suboptions:
              timeout_in_minutes:
                description: 1-20160 (AWS default 1440).
                type: int
              action:
                description: What ECS does when the hook times out (AWS default V(ROLLBACK)).
                type: str
                choices: [ROLLBACK, CONTINUE]
      alarms:
        description: CloudWatch alarms watched during a deployment; omitted, the service keeps its alarms.
        type: dict
        suboptions:
          alarm_names:
            description: Alarm names (at least one when O(deployment_configuration.alarms.enable) is true).
            type: list
            elements: str
            default: []
          enable:
            description: Watch the alarms.
            type: bool
            default: true
          rollback:
            description: Roll back when an alarm goes to ALARM (else it is only reported).
            type: bool
            default: false
  force_new_deployment:
    description: Start a new deployment even when nothing changed (C(ECS) controller only; always reports a change).
    type: bool
    default: false
  tags:
    description:
      - Tags of the service, set when it is created; on an existing service added or changed (C(TagResource)),
        and with O(purge_tags) the others removed (C(UntagResource)). Keys starting with C(aws:) are never removed.
      - When omitted, an existing service's tags are left as they are.
    type: dict
  purge_tags:
    description: Remove the tags of an existing service that are not in O(tags) (with O(tags) only).
    type: bool
    default: true
  wait:
    description: Wait until the service is stable (O(state=present)) or gone (O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait at most.
    type: int
    default: 600
  wait_delay:
    description: Seconds between two polls.
    type: float
    default: 5
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Rolling-update service behind tg1, two tasks in private subnets
  fargatedemo.ecs_delivery.ecs_service:
    name: helloapp
    cluster: helloapp
    task_definition: "{{ td.task_definition_arn }}"
    desired_count: 2
    launch_type: FARGATE
    platform_version: LATEST
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ tasks_sg_id }}"]
    load_balancers:
      - target_group_arn: "{{ tg1_arn }}"
        container_name: helloapp
        container_port: 8000
    health_check_grace_period_seconds: 30
    deployment_configuration:
      minimum_healthy_percent: 100
      maximum_percent: 200
      circuit_breaker_enable: true
      circuit_breaker_rollback: true
    wait_timeout: 900

- name: ECS-native blue/green behind a production and a test listener rule, a PAUSE hook before production
  fargatedemo.ecs_delivery.ecs_service:
    name: helloapp
    cluster: helloapp
    task_definition: "{{ td.task_definition_arn }}"
    desired_count: 2
    launch_type: FARGATE
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ tasks_sg_id }}"]
    load_balancers:
      - target_group_arn: "{{ tg1_arn }}"
        container_name: helloapp
        container_port: 8000
        advanced_configuration:
          alternate_target_group_arn: "{{ tg2_arn }}"
          production_listener_rule: "{{ prod_rule_arn }}"
          test_listener_rule: "{{ test_rule_arn }}"
          role_arn: "{{ ecs_infrastructure_role_arn }}"
    deployment_configuration:
      strategy: BLUE_GREEN
      bake_time_in_minutes: 5
      lifecycle_hooks:
        - target_type: PAUSE
          lifecycle_stages: [POST_TEST_TRAFFIC_SHIFT]
    wait: false  # follow the release with ecs_service_deployment_info

- name: The same service as a canary release (10 % for 15 minutes) rolled back by an alarm
  fargatedemo.ecs_delivery.ecs_service:
    name: helloapp
    cluster: helloapp
    task_definition: "{{ td.task_definition_arn }}"
    desired_count: 2
    launch_type: FARGATE
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ tasks_sg_id }}"]
    load_balancers: "{{ native_load_balancers }}"  # as above, with advanced_configuration
    deployment_configuration:
      strategy: CANARY
      bake_time_in_minutes: 0
      canary_configuration: {canary_percent: 10.0, canary_bake_time_in_minutes: 15}
      alarms: {alarm_names: [helloapp-5xx], rollback: true}
    wait: false

- name: Delete the service (scales it to 0 first)
  fargatedemo.ecs_delivery.ecs_service:
    name: helloapp
    cluster: helloapp
    state: absent
"""

RETURN = r"""
service:
  description: The service as DescribeServices returns it (snake_cased), after the change and the wait.
  returned: when the service exists (or, in check mode, would exist)
  type: dict
deployment_needed:
  description:
    - C(CODE_DEPLOY) services only. True when O(task_definition) differs from the task definition the
      service runs, so a CodeDeploy deployment must ship it.
  returned: when state is present
  type: bool
live_task_definition:
  description: Task definition ARN the service runs (for C(CODE_DEPLOY), the primary task set's).
  returned: when the service exists
  type: str
updated_fields:
  description: UpdateService parameters that were (or, in check mode, would be) sent.
  returned: when state is present
  type: list
  elements: str
  sample: [taskDefinition, desiredCount]
deployment_controller:
  description: Deployment controller of the service that was deleted.
  returned: when state is absent and a service was deleted
  type: str
  sample: CODE_DEPLOY
waited_seconds:
  description: Seconds spent waiting.
  returned: always
  type: float
"""

import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    compare_aws_tags,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import ecs_native
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

# What UpdateService may change per deployment controller (ECS API reference, UpdateService).
UPDATABLE = {
    "ECS": (
        "desiredCount",
        "deploymentConfiguration",
        "healthCheckGracePeriodSeconds",
        "taskDefinition",
        "networkConfiguration",
        "platformVersion",
        "loadBalancers",
        "capacityProviderStrategy",
        "propagateTags",
    ),
    "CODE_DEPLOY": ("desiredCount", "deploymentConfiguration", "healthCheckGracePeriodSeconds", "propagateTags"),
}


# deploymentConfiguration keys of the ECS-native options (compared only when set; module_utils/ecs_native.py).
NATIVE_KEYS = (
    "strategy",
    "bakeTimeInMinutes",
    "linearConfiguration",
    "canaryConfiguration",
    "lifecycleHooks",
    "alarms",
)


# No cluster, no service (check mode on an empty account).
@aws_call("describe service {name} in cluster {cluster}", missing="ClusterNotFoundException")
def describe(client, cluster, name):
    answer = client.describe_services(cluster=cluster, services=[name], include=["TAGS"], aws_retry=True)
    for service in answer.get("services", []):
        if service.get("status") in ("ACTIVE", "DRAINING"):
            return service
    return None


@aws_call("tag service {arn}")
def tag_service(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags, "key", "value"), aws_retry=True)


@aws_call("untag service {arn}")
def untag_service(client, arn, keys):
    client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


def tag_changes(params, existing):
    """(tags now, to set, to remove) of an existing service; DescribeServices gave its tags (include TAGS)."""
    current = {t["key"]: t.get("value", "") for t in existing.get("tags") or []}
    if params["tags"] is None:
        return current, {}, []
    wanted = {str(k): str(v) for k, v in params["tags"].items()}
    to_set, to_remove = compare_aws_tags(current, wanted, params["purge_tags"])
    return current, to_set, sorted(k for k in to_remove if not k.startswith("aws:"))


def converge_tags(module, client, existing, result):
    """Bring an existing service's tags to O(tags); returns the diff's (before, after) parts, empty when equal."""
    current, to_set, to_remove = tag_changes(module.params, existing)
    if not (to_set or to_remove):
        return {}, {}
    result["changed"] = True
    after = {k: v for k, v in {**current, **to_set}.items() if k not in to_remove}
    if module.check_mode:
        return {"tags": current}, {"tags": after}
    if to_remove:
        untag_service(client, existing["serviceArn"], to_remove)
    if to_set:
        tag_service(client, existing["serviceArn"], to_set)
    return {"tags": current}, {"tags": after}


@aws_call("create service {name}")
def create_service(client, name, params):
    return client.create_service(aws_retry=True, **params)["service"]


@aws_call("update service {name}")
def update_service(client, cluster, name, update):
    return client.update_service(cluster=cluster, service=name, aws_retry=True, **update)["service"]


@aws_call("delete service {name}")
def delete_service(client, cluster, name, scale_down):
    if scale_down:
        client.update_service(cluster=cluster, service=name, desiredCount=0, aws_retry=True)
    client.delete_service(cluster=cluster, service=name, force=True, aws_retry=True)


def controller_of(service):
    return (service.get("deploymentController") or {}).get("type", "ECS")


def live_task_definition(service):
    """The task definition the service runs; for CODE_DEPLOY the primary task set's."""
    for task_set in service.get("taskSets") or []:
        if task_set.get("status") == "PRIMARY":
            return task_set.get("taskDefinition")
    return service.get("taskDefinition")


def same_task_definition(wanted, arn):
    if not wanted or not arn:
        return wanted == arn
    return wanted == arn or arn.endswith("/" + wanted)


def wanted_fields(params, controller):
    """The API shape of what the options ask for (only what was given), for the deployment ``controller``."""
    fields = {"deploymentController": {"type": controller}}
    if params["task_definition"]:
        fields["taskDefinition"] = params["task_definition"]
    if params["desired_count"] is not None:
        fields["desiredCount"] = params["desired_count"]
    if params["launch_type"]:
        fields["launchType"] = params["launch_type"]
    if params["capacity_provider_strategy"]:
        fields["capacityProviderStrategy"] = [
            {"capacityProvider": p["capacity_provider"], "weight": p["weight"], "base": p["base"]}
            for p in params["capacity_provider_strategy"]
        ]
    if params["platform_version"]:
        fields["platformVersion"] = params["platform_version"]
    net = params["network_configuration"]
    if net:
        fields["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": sorted(net["subnets"]),
                "securityGroups": sorted(net["security_groups"] or []),
                "assignPublicIp": "ENABLED" if net["assign_public_ip"] else "DISABLED",
            }
        }
    fields["loadBalancers"] = []
    for lb in params["load_balancers"]:
        wanted = {
            "targetGroupArn": lb["target_group_arn"],
            "containerName": lb["container_name"],
            "containerPort": lb["container_port"],
        }
        if lb.get("advanced_configuration"):
            wanted["advancedConfiguration"] = ecs_native.advanced_request(lb["advanced_configuration"])
        fields["loadBalancers"].append(wanted)
    # ECS only keeps a grace period for services behind a load balancer.
    if params["health_check_grace_period_seconds"] is not None and params["load_balancers"]:
        fields["healthCheckGracePeriodSeconds"] = params["health_check_grace_period_seconds"]
    if params["propagate_tags"]:
        fields["propagateTags"] = params["propagate_tags"]
    dc = params["deployment_configuration"] or {}
    config = {
        "minimumHealthyPercent": dc.get("minimum_healthy_percent", 100),
        "maximumPercent": dc.get("maximum_percent", 200),
    }
    if controller == "ECS":
        config["deploymentCircuitBreaker"] = {
            "enable": bool(dc.get("circuit_breaker_enable", False)),
            "rollback": bool(dc.get("circuit_breaker_rollback", False)),
        }
        config.update(ecs_native.native_configuration_request(dc))
    fields["deploymentConfiguration"] = config
    return fields


def _comparable(key, value):
    if key == "networkConfiguration" and value:
        vpc = value.get("awsvpcConfiguration") or {}
        return {
            "subnets": sorted(vpc.get("subnets") or []),
            "securityGroups": sorted(vpc.get("securityGroups") or []),
            "assignPublicIp": vpc.get("assignPublicIp", "DISABLED"),
        }
    if key == "loadBalancers":
        return sorted(
            (
                lb.get("targetGroupArn"),
                lb.get("loadBalancerName"),
                lb.get("containerName"),
                lb.get("containerPort"),
                ecs_native.advanced_comparable(lb.get("advancedConfiguration")),
            )
            for lb in value or []
        )
    if key == "deploymentConfiguration":
        value = dict(value or {})
        breaker = value.pop("deploymentCircuitBreaker", None) or {"enable": False, "rollback": False}
        out = {k: value.get(k) for k in ("minimumHealthyPercent", "maximumPercent")}
        out["deploymentCircuitBreaker"] = {"enable": breaker.get("enable"), "rollback": breaker.get("rollback")}
        return out
    if key == "capacityProviderStrategy":
        return sorted((p.get("capacityProvider"), p.get("weight", 0), p.get("base", 0)) for p in value or [])
    return value


def changes(wanted, existing, controller=None):
    """UpdateService parameters whose wanted value differs from the service's, for ``controller`` (the service's
    own unless it is being switched)."""
    controller = controller or controller_of(existing)
    diff = {}
    for key in UPDATABLE[controller]:
        if key not in wanted:
            continue
        if key == "taskDefinition":
            if not same_task_definition(wanted[key], live_task_definition(existing)):
                diff[key] = wanted[key]
            continue
        if key == "deploymentConfiguration" and controller == "ECS":
            native = {k: v for k, v in wanted[key].items() if k in NATIVE_KEYS}
            base = {k: v for k, v in wanted[key].items() if k not in NATIVE_KEYS}
            if _comparable(key, base) != _comparable(key, existing.get(key)) or ecs_native.native_differences(
                native, existing.get(key)
            ):
                diff[key] = ecs_native.merged_configuration(wanted[key], existing.get(key))
            continue
        if key == "deploymentConfiguration" and controller != "ECS":
            mine = {k: wanted[key][k] for k in ("minimumHealthyPercent", "maximumPercent")}
            theirs = _comparable(key, existing.get(key))
            theirs.pop("deploymentCircuitBreaker")
            if mine != theirs:
                diff[key] = wanted[key]
            continue
        if _comparable(key, wanted[key]) != _comparable(key, existing.get(key)):
            diff[key] = wanted[key]
    return diff


def create_params(module, wanted):
    params = dict(wanted)
    params.update(cluster=module.params["cluster"], serviceName=module.params["name"], schedulingStrategy="REPLICA")
    if not params["loadBalancers"]:
        params.pop("loadBalancers")
    # Alarms turned off on a new service: nothing to send (DeploymentAlarms requires alarm names).
    config = params.get("deploymentConfiguration") or {}
    if "alarms" in config and not config["alarms"].get("enable") and not config["alarms"].get("alarmNames"):
        params["deploymentConfiguration"] = {k: v for k, v in config.items() if k != "alarms"}
    if module.params["tags"]:
        params["tags"] = ansible_dict_to_boto3_tag_list(module.params["tags"], "key", "value")
    return params


def is_stable(service):
    """(stable, failure message or None) of a service, per its controller."""
    if controller_of(service) == "ECS":
        deployments = service.get("deployments") or []
        primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
        if primary is None:
            return False, None
        if primary.get("rolloutState") == "FAILED":
            return False, primary.get("rolloutStateReason") or "the deployment failed"
        done = primary.get("rolloutState", "COMPLETED") == "COMPLETED"
        return (
            done and len(deployments) == 1 and service.get("runningCount") == service.get("desiredCount"),
            None,
        )
    return service.get("runningCount") == service.get("desiredCount") and not service.get("pendingCount"), None


def wait_stable(client, module, cluster, name, task_definition=None, result=None):
    """(service, seconds waited) once the service is stable; ModuleFailure (with ``result``) otherwise."""
    deadline = time.monotonic() + module.params["wait_timeout"]
    started = time.monotonic()
    result = result or {}
    while True:
        service = describe(client, cluster, name)
        if service is None:
            raise ModuleFailure(f"Service {name} disappeared while waiting for it to be stable", **result)
        stable, failure = is_stable(service)
        if failure:
            raise ModuleFailure(f"Deployment of service {name} failed: {failure}", **result, service=snake(service))
        if stable:
            if (
                task_definition
                and controller_of(service) == "ECS"
                and not same_task_definition(task_definition, service.get("taskDefinition"))
            ):
                raise ModuleFailure(
                    f"Service {name} rolled back to {service.get('taskDefinition')} instead of running "
                    f"{task_definition} (deployment circuit breaker; for an ECS-native strategy also an alarm, a "
                    "lifecycle hook or a stop: ecs_service_deployment_info tells which)",
                    **result,
                    service=snake(service),
                )
            return service, time.monotonic() - started
        if time.monotonic() >= deadline:
            raise ModuleFailure(
                f"Service {name} was not stable after {module.params['wait_timeout']} s "
                f"(running {service.get('runningCount')}, pending {service.get('pendingCount')}, "
                f"desired {service.get('desiredCount')}, {len(service.get('deployments') or [])} deployments)",
                **result,
                service=snake(service),
            )
        time.sleep(module.params["wait_delay"])


def snake(service):
    return camel_dict_to_snake_dict(service or {}, ignore_list=["tags"])


def controller_switch_refused(name, cluster, controller, wanted, existing):
    return ModuleFailure(
        f"Service {name} in cluster {cluster} uses the {controller} deployment controller and the module "
        f"cannot change it to {wanted} in place unless switch_deployment_controller is true (UpdateService then "
        f"switches it; AWS refuses while a deployment is in flight). Set it, or delete the service "
        f"(state=absent, then run again), or create the {wanted} service under a new name.",
        service=snake(existing),
    )


def switch_problem(existing, wanted_controller, name):
    """Why the service cannot switch to ``wanted_controller`` in one UpdateService (None when it can)."""
    if wanted_controller != "CODE_DEPLOY":
        return None
    strategy = (existing.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
    advanced = any(lb.get("advancedConfiguration") for lb in existing.get("loadBalancers") or [])
    if strategy != "ROLLING" or advanced:
        return (
            f"Service {name} uses the {strategy} strategy{' with advanced_configuration' if advanced else ''}: "
            "to move it to CODE_DEPLOY, first set deployment_configuration.strategy ROLLING and drop "
            "load_balancers[].advanced_configuration (deployment_controller ECS), then switch the controller."
        )
    return None


def create(module, client, wanted, result):
    """Create the service (not in check mode); returns (service, task definition to wait for)."""
    params = module.params
    name = params["name"]
    if not params["task_definition"]:
        raise ModuleFailure(f"task_definition is required to create service {name}")
    result["changed"] = True
    set_diff(module, result, {}, wanted)
    if module.check_mode:
        return dict(wanted, serviceName=name, status="ACTIVE"), None
    return create_service(client, name, create_params(module, wanted)), params["task_definition"]


def update(module, client, wanted, existing, result):
    """Update what differs (not in check mode); returns (service, task definition to wait for)."""
    params = module.params
    cluster, name = params["cluster"], params["name"]
    current = controller_of(existing)
    controller = wanted["deploymentController"]["type"]
    if current != controller:
        if not params["switch_deployment_controller"]:
            raise controller_switch_refused(name, cluster, current, controller, existing)
        problem = switch_problem(existing, controller, name)
        if problem:
            raise ModuleFailure(problem, service=snake(existing))
    strategy = (params["deployment_configuration"] or {}).get("strategy")
    if strategy in ecs_native.NATIVE_STRATEGIES and controller != "ECS":
        raise ModuleFailure(
            f"deployment_configuration.strategy {strategy} needs the ECS "
            f"deployment controller; service {name} uses {current}: set deployment_controller ECS and "
            "switch_deployment_controller true to move it in place",
            service=snake(existing),
        )
    fields = changes(wanted, existing, controller)
    if current != controller:
        fields["deploymentController"] = {"type": controller}
        if controller == "ECS" and "loadBalancers" in wanted and wanted["loadBalancers"]:
            # The load balancers (and their advancedConfiguration) go with the switch, as AWS's migration asks.
            fields.setdefault("loadBalancers", wanted["loadBalancers"])
    if params["force_new_deployment"] and controller == "ECS":
        fields["forceNewDeployment"] = True
    live = result["live_task_definition"] = live_task_definition(existing)
    if controller == "CODE_DEPLOY" and params["task_definition"]:
        result["deployment_needed"] = not same_task_definition(params["task_definition"], live)
    result["updated_fields"] = sorted(fields)
    task_definition = params["task_definition"] if controller == "ECS" else None
    tags_before, tags_after = converge_tags(module, client, existing, result)
    if not fields:
        if tags_before:
            set_diff(module, result, tags_before, tags_after)
        return existing, task_definition
    result["changed"] = True
    shown = {k: v for k, v in fields.items() if k != "forceNewDeployment"}
    set_diff(module, result, {**{k: existing.get(k) for k in shown}, **tags_before}, {**shown, **tags_after})
    if module.check_mode:
        return dict(existing, **fields), task_definition
    return update_service(client, cluster, name, fields), task_definition


def ensure_present(module, client):
    params = module.params
    cluster, name = params["cluster"], params["name"]
    existing = describe(client, cluster, name)
    controller = params["deployment_controller"] or (controller_of(existing) if existing else "ECS")
    wanted = wanted_fields(params, controller)
    result = {"changed": False, "updated_fields": [], "deployment_needed": False, "waited_seconds": 0.0}
    if existing is None:
        service, task_definition = create(module, client, wanted, result)
    else:
        service, task_definition = update(module, client, wanted, existing, result)
    if module.check_mode:
        result["service"] = snake(service)
        return result
    if params["wait"]:
        service, result["waited_seconds"] = wait_stable(client, module, cluster, name, task_definition, result)
    result["service"] = snake(service)
    result["live_task_definition"] = live_task_definition(service)
    return result


def ensure_absent(module, client):
    cluster, name = module.params["cluster"], module.params["name"]
    existing = describe(client, cluster, name)
    result = {"changed": False, "waited_seconds": 0.0}
    if existing is None or existing.get("status") != "ACTIVE":
        return result
    result.update(changed=True, deployment_controller=controller_of(existing))
    set_diff(module, result, {"serviceName": name, "status": "ACTIVE"}, {})
    if module.check_mode:
        return result
    delete_service(client, cluster, name, bool(existing.get("desiredCount")))
    if module.params["wait"]:
        started = time.monotonic()
        deadline = started + module.params["wait_timeout"]
        while describe(client, cluster, name) is not None:
            if time.monotonic() >= deadline:
                raise ModuleFailure(f"Service {name} still draining after {module.params['wait_timeout']} s")
            time.sleep(module.params["wait_delay"])
        result["waited_seconds"] = time.monotonic() - started
    return result


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True),
        cluster=dict(type="str", required=True),
        task_definition=dict(type="str"),
        desired_count=dict(type="int"),
        launch_type=dict(type="str", choices=["FARGATE", "EC2", "EXTERNAL"]),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=0),
                base=dict(type="int", default=0),
            ),
        ),
        platform_version=dict(type="str"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str", required=True),
                security_groups=dict(type="list", elements="str", default=[]),
                assign_public_ip=dict(type="bool", default=False),
            ),
        ),
        load_balancers=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                target_group_arn=dict(type="str", required=True),
                container_name=dict(type="str", required=True),
                container_port=dict(type="int", required=True),
                advanced_configuration=dict(
                    type="dict",
                    options=dict(
                        alternate_target_group_arn=dict(type="str", required=True),
                        production_listener_rule=dict(type="str", required=True),
                        test_listener_rule=dict(type="str"),
                        role_arn=dict(type="str", required=True),
                    ),
                ),
            ),
        ),
        health_check_grace_period_seconds=dict(type="int"),
        propagate_tags=dict(type="str", choices=["NONE", "SERVICE", "TASK_DEFINITION"]),
        deployment_controller=dict(type="str", choices=["ECS", "CODE_DEPLOY"]),
        switch_deployment_controller=dict(type="bool", default=False),
        deployment_configuration=dict(
            type="dict",
            default={},
            options=dict(
                minimum_healthy_percent=dict(type="int", default=100),
                maximum_percent=dict(type="int", default=200),
                circuit_breaker_enable=dict(type="bool", default=False),
                circuit_breaker_rollback=dict(type="bool", default=False),
                strategy=dict(type="str", choices=list(ecs_native.STRATEGIES)),
                bake_time_in_minutes=dict(type="int"),
                linear_configuration=dict(
                    type="dict",
                    options=dict(step_percent=dict(type="float"), step_bake_time_in_minutes=dict(type="int")),
                ),
                canary_configuration=dict(
                    type="dict",
                    options=dict(canary_percent=dict(type="float"), canary_bake_time_in_minutes=dict(type="int")),
                ),
                lifecycle_hooks=dict(
                    type="list",
                    elements="dict",
                    options=dict(
                        target_type=dict(type="str", choices=["AWS_LAMBDA", "PAUSE"]),
                        hook_target_arn=dict(type="str"),
                        role_arn=dict(type="str"),
                        lifecycle_stages=dict(
                            type="list", elements="str", required=True, choices=list(ecs_native.HOOK_STAGES)
                        ),
                        hook_details=dict(type="dict"),
                        timeout_configuration=dict(
                            type="dict",
                            options=dict(
                                timeout_in_minutes=dict(type="int"),
                                action=dict(type="str", choices=["ROLLBACK", "CONTINUE"]),
                            ),
                        ),
                    ),
                ),
                alarms=dict(
                    type="dict",
                    options=dict(
                        alarm_names=dict(type="list", elements="str", default=[]),
                        enable=dict(type="bool", default=True),
                        rollback=dict(type="bool", default=False),
                    ),
                ),
            ),
        ),
        force_new_deployment=dict(type="bool", default=False),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        wait_delay=dict(type="float", default=5),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["launch_type", "capacity_provider_strategy"]],
    )
    params = module.params
    if params["desired_count"] is not None and params["desired_count"] < 0:
        module.fail_json(msg="desired_count must be 0 or more")
    if params["state"] == "present":
        problems = ecs_native.configuration_problems(
            params["deployment_configuration"], params["load_balancers"], params["deployment_controller"]
        )
        if problems:
            module.fail_json(msg="; ".join(problems), problems=problems)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
