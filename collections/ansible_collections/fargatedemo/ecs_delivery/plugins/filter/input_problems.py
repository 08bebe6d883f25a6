# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.input_problems`` filter: what is wrong with a role's or the stack's inputs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: input_problems
short_description: Check inputs against the AWS limits before any AWS call
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Checks the variables of a role's C(validate) entry point, or of the stack inventory, against the limits AWS
    enforces (name lengths and characters, ports, CIDRs, Fargate sizes, health check ranges, the termination
    wait, tags) and the rules across variables (distinct listener ports, two target groups, a timeout that
    covers the release's own waits), and returns one message per broken rule, naming the variable.
  - The rules are one table in Python (the collection's C(plugins/plugin_utils/limits.py)), the limits the
    project's strict emulator enforces.
options:
  _input:
    description:
      - The variables to check, name to value. Only the contract's own variables are read, so a play's whole
        C(hostvars[inventory_hostname]) can be given; a variable that is not there counts as not set.
    type: dict
    required: true
  contract:
    description:
      - Whose inputs they are, a role (V(alb), V(ecr), V(ecs_cluster), V(ecs_service), V(iam), V(codepipeline),
        V(stack)), what a role needs once the stack's facts are known (V(alb_present), V(ecs_service_present)),
        or the stack inventory (V(inventory)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Check the load balancer inputs
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | join(' ') }}"
    quiet: true
  vars:
    problems: "{{ {'alb_name': alb_name, 'alb_production_port': alb_production_port}
                  | fargatedemo.ecs_delivery.input_problems('alb') }}"
"""

RETURN = r"""
_value:
  description: One sentence per broken rule, each starting with the variable's name; empty when all is well.
  type: list
  elements: str
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.limits import CONTRACT_EXTRA, CONTRACTS, problems


def input_problems(values, contract):
    if contract not in CONTRACTS:
        raise AnsibleFilterError(f"input_problems: no contract {contract!r}; known: {', '.join(sorted(CONTRACTS))}")
    if not isinstance(values, Mapping):
        raise AnsibleFilterError("input_problems: the input must be a dict of variable names to values")
    spec = CONTRACTS[contract]
    # Read only the contract's variables: reading one templates it, and the others may need facts not known yet.
    names = dict.fromkeys([*spec.required, *spec.names(), *CONTRACT_EXTRA.get(contract, ())])
    return problems({name: values[name] for name in names if name in values}, contract)


class FilterModule:
    def filters(self):
        return {"input_problems": input_problems}
