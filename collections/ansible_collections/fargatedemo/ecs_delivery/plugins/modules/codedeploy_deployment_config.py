#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: codedeploy_deployment_config
short_description: Create or delete a custom AWS CodeDeploy deployment configuration
version_added: 0.1.0
description:
  - Creates or deletes a custom deployment configuration, that is how traffic moves to the replacement task set
    of an ECS (or Lambda) deployment, all at once, canary (two steps) or linear (equal steps), or the minimum
    healthy hosts of a Server deployment.
  - Predefined configurations (C(CodeDeployDefault.*), for example C(CodeDeployDefault.ECSAllAtOnce) or
    C(CodeDeployDefault.ECSCanary10Percent5Minutes)) are recognised and never created or deleted, so the same task
    can take either kind of name.
  - Deployment configurations cannot be changed. When one exists with other settings the module fails; delete it
    (no deployment group may use it) or choose another name.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  name:
    description: The configuration name.
    type: str
    required: true
    aliases: [deployment_config_name]
  state:
    description: Whether the configuration exists.
    type: str
    choices: [present, absent]
    default: present
  compute_platform:
    description: The compute platform.
    type: str
    choices: [ECS, Lambda, Server]
    default: ECS
  traffic_routing:
    description:
      - How traffic shifts (ECS and Lambda). Required to create an ECS or Lambda configuration.
    type: dict
    suboptions:
      type:
        description: V(AllAtOnce), V(TimeBasedCanary) or V(TimeBasedLinear).
        type: str
        choices: [AllAtOnce, TimeBasedCanary, TimeBasedLinear]
        required: true
      percentage:
        description: Traffic percentage of the canary step, or of each linear step.
        type: int
      interval_minutes:
        description: Minutes between the canary step and the rest, or between linear steps.
        type: int
  minimum_healthy_hosts:
    description:
      - Minimum healthy hosts (Server compute platform).
    type: dict
    suboptions:
      type:
        description: V(HOST_COUNT) or V(FLEET_PERCENT).
        type: str
        choices: [HOST_COUNT, FLEET_PERCENT]
        required: true
      value:
        description: The count or percentage.
        type: int
        required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Canary, 20 percent for 5 minutes, then the rest
  fargatedemo.ecs_delivery.codedeploy_deployment_config:
    name: helloapp-canary-20-5
    traffic_routing:
      type: TimeBasedCanary
      percentage: 20
      interval_minutes: 5

- name: A predefined name is accepted and left alone (changed=false, predefined=true)
  fargatedemo.ecs_delivery.codedeploy_deployment_config:
    name: CodeDeployDefault.ECSAllAtOnce

- name: Delete the custom configuration
  fargatedemo.ecs_delivery.codedeploy_deployment_config:
    name: helloapp-canary-20-5
    state: absent
"""

RETURN = r"""
predefined:
  description: Whether O(name) is a predefined C(CodeDeployDefault.*) configuration.
  returned: always
  type: bool
deployment_config:
  description: GetDeploymentConfig's deploymentConfigInfo (snake_case); empty when absent.
  returned: always
  type: dict
  sample:
    deployment_config_name: helloapp-canary-20-5
    compute_platform: ECS
    traffic_routing_config:
      type: TimeBasedCanary
      time_based_canary: {canary_percentage: 20, canary_interval: 5}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("create deployment configuration {name}")
def create_deployment_config(client, name, request):
    client.create_deployment_config(deploymentConfigName=name, aws_retry=True, **request)


@aws_call(
    "delete deployment configuration {name}",
    explain={"DeploymentConfigInUseException": "Deployment configuration {name} is used by a deployment group"},
)
def delete_deployment_config(client, name):
    client.delete_deployment_config(deploymentConfigName=name, aws_retry=True)


def desired_config(params):
    """The CreateDeploymentConfig fields (less the name) from module params; raises ModuleFailure."""
    request = {"computePlatform": params["compute_platform"]}
    routing = params.get("traffic_routing")
    if params["compute_platform"] == "Server":
        if not params.get("minimum_healthy_hosts"):
            raise ModuleFailure("minimum_healthy_hosts is required for a Server deployment configuration")
        mhh = params["minimum_healthy_hosts"]
        request["minimumHealthyHosts"] = {"type": mhh["type"], "value": int(mhh["value"])}
        return request
    if not routing:
        raise ModuleFailure("traffic_routing is required for an ECS or Lambda deployment configuration")
    kind = routing["type"]
    config = {"type": kind}
    if kind != "AllAtOnce":
        if routing.get("percentage") is None or routing.get("interval_minutes") is None:
            raise ModuleFailure(f"traffic_routing type {kind} needs percentage and interval_minutes")
        if not 0 < int(routing["percentage"]) < 100:
            raise ModuleFailure("traffic_routing.percentage must be between 1 and 99")
        if kind == "TimeBasedCanary":
            config["timeBasedCanary"] = {
                "canaryPercentage": int(routing["percentage"]),
                "canaryInterval": int(routing["interval_minutes"]),
            }
        else:
            config["timeBasedLinear"] = {
                "linearPercentage": int(routing["percentage"]),
                "linearInterval": int(routing["interval_minutes"]),
            }
    request["trafficRoutingConfig"] = config
    return request


def normalise_config(info):
    """Comparable view of a deploymentConfigInfo or a CreateDeploymentConfig request."""
    info = info or {}
    routing = info.get("trafficRoutingConfig") or {}
    kind = routing.get("type")
    view = {"compute_platform": info.get("computePlatform") or "Server"}
    if view["compute_platform"] == "Server":
        mhh = info.get("minimumHealthyHosts") or {}
        view["minimum_healthy_hosts"] = {"type": mhh.get("type"), "value": mhh.get("value")}
        return view
    view["traffic_routing"] = {"type": kind}
    if kind == "TimeBasedCanary":
        step = routing.get("timeBasedCanary") or {}
        view["traffic_routing"].update(
            percentage=step.get("canaryPercentage"), interval_minutes=step.get("canaryInterval")
        )
    elif kind == "TimeBasedLinear":
        step = routing.get("timeBasedLinear") or {}
        view["traffic_routing"].update(
            percentage=step.get("linearPercentage"), interval_minutes=step.get("linearInterval")
        )
    return view


def ensure_predefined(module, client):
    """AWS-managed (CodeDeployDefault.*): never created nor deleted; read for information only."""
    name = module.params["name"]
    config = cd.get_deployment_config(client, name) or {"deploymentConfigName": name}
    return {"changed": False, "predefined": True, "deployment_config": camel_dict_to_snake_dict(config)}


def ensure_present(module, client):
    name = module.params["name"]
    request = desired_config(module.params)
    after = normalise_config(request)
    current = cd.get_deployment_config(client, name)
    result = {"changed": current is None, "predefined": False}
    if current is None:
        result["deployment_config"] = camel_dict_to_snake_dict(dict(request, deploymentConfigName=name))
        if not module.check_mode:
            create_deployment_config(client, name, request)
            result["deployment_config"] = camel_dict_to_snake_dict(cd.get_deployment_config(client, name) or {})
        return set_diff(module, result, {}, after)
    before = normalise_config(current)
    if before != after:
        raise ModuleFailure(
            f"Deployment configuration {name} exists with other settings ({before}) than wanted "
            f"({after}); deployment configurations cannot change: delete it (state=absent, once no "
            "deployment group uses it) or use another name",
            deployment_config=camel_dict_to_snake_dict(current),
        )
    result["deployment_config"] = camel_dict_to_snake_dict(current)
    return set_diff(module, result, before, after)


def ensure_absent(module, client):
    name = module.params["name"]
    current = cd.get_deployment_config(client, name)
    result = {"changed": current is not None, "predefined": False, "deployment_config": {}}
    if current is not None and not module.check_mode:
        delete_deployment_config(client, name)
    return set_diff(module, result, normalise_config(current) if current else {}, {})


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True, aliases=["deployment_config_name"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            compute_platform=dict(type="str", choices=["ECS", "Lambda", "Server"], default="ECS"),
            traffic_routing=dict(
                type="dict",
                options=dict(
                    type=dict(type="str", choices=["AllAtOnce", "TimeBasedCanary", "TimeBasedLinear"], required=True),
                    percentage=dict(type="int"),
                    interval_minutes=dict(type="int"),
                ),
            ),
            minimum_healthy_hosts=dict(
                type="dict",
                options=dict(
                    type=dict(type="str", choices=["HOST_COUNT", "FLEET_PERCENT"], required=True),
                    value=dict(type="int", required=True),
                ),
            ),
        ),
        supports_check_mode=True,
        mutually_exclusive=[("traffic_routing", "minimum_healthy_hosts")],
    )
    client = module.client("codedeploy", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["name"].startswith(cd.PREDEFINED_CONFIG_PREFIX):
        ensure = ensure_predefined
    else:
        ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
