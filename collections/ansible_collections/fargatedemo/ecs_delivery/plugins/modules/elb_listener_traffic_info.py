#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: amazon.aws.elb_application_lb_info returns the listeners' default actions, but "which target
# group takes the traffic" (a blue/green release moves weights between two) is a decision every caller would
# write again. module_utils/elbv2.py makes it once; this module returns it per listener. It is also the
# collection's smallest example of the module skeleton (CONTRIBUTING.md).

DOCUMENTATION = r"""
---
module: elb_listener_traffic_info
short_description: Tell which target group each listener of an Application Load Balancer sends traffic to
version_added: 0.1.0
description:
  - Reads the listeners of a load balancer and returns, per listener, the target groups its default action
    forwards to with their share of the traffic, and the live one (the heaviest; during a blue/green release
    the group production is moving to once it has the larger weight).
  - The decision is the collection's C(module_utils/elbv2.py) C(live_target_group()), the same code the
    CodeDeploy modules use.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  load_balancer_name:
    description:
      - The name of the Application Load Balancer.
    required: true
    type: str
  ports:
    description:
      - Only the listeners on these ports. Default is every listener.
    type: list
    elements: int
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it makes no changes).
"""

EXAMPLES = r"""
- name: Which target group is live on the production listener?
  fargatedemo.ecs_delivery.elb_listener_traffic_info:
    load_balancer_name: helloapp-alb
    ports: [80]
  register: traffic

- name: Print it
  ansible.builtin.debug:
    msg: "{{ traffic.listeners[0].live_target_group }}"
"""

RETURN = r"""
load_balancer_exists:
  description: Whether the load balancer exists.
  returned: always
  type: bool
listeners:
  description: The listeners, by port.
  returned: always
  type: list
  elements: dict
  contains:
    port:
      description: The listener port.
      type: int
      sample: 80
    protocol:
      description: The listener protocol.
      type: str
      sample: HTTP
    listener_arn:
      description: The listener ARN.
      type: str
    live_target_group:
      description: The name of the target group taking the traffic (null when the listener forwards nowhere).
      type: str
      sample: helloapp-tg2
    live_target_group_arn:
      description: Its ARN.
      type: str
    weights:
      description: Percent of the traffic per target group name (groups with weight 0 left out).
      type: dict
      sample: {helloapp-tg2: 100.0}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import elbv2
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import run


def describe(listener):
    actions = listener.get("DefaultActions") or []
    return {
        "port": listener.get("Port"),
        "protocol": listener.get("Protocol"),
        "listener_arn": listener.get("ListenerArn"),
        "live_target_group": elbv2.live_target_group(actions),
        "live_target_group_arn": elbv2.live_target_group_arn(actions),
        "weights": elbv2.forward_weights(actions),
    }


def read(module, client):
    load_balancer = elbv2.describe_load_balancer(client, module.params["load_balancer_name"])
    if load_balancer is None:
        return {"changed": False, "load_balancer_exists": False, "listeners": []}
    ports = set(module.params["ports"])
    listeners = [
        describe(listener)
        for listener in elbv2.describe_listeners(client, load_balancer["LoadBalancerArn"])
        if not ports or listener.get("Port") in ports
    ]
    return {
        "changed": False,
        "load_balancer_exists": True,
        "listeners": sorted(listeners, key=lambda item: item["port"]),
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            load_balancer_name=dict(type="str", required=True),
            ports=dict(type="list", elements="int", default=[]),
        ),
        supports_check_mode=True,
    )
    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    run(module, read, client)


if __name__ == "__main__":
    main()
