# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.unknown_inputs`` filter: stack variables that nothing reads (typos)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: unknown_inputs
short_description: Name the stack variables that nothing reads, with the closest known name
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Of the given variable names, returns those with the stack's prefixes (C(app_), C(deploy_), C(rollback_),
    C(teardown_)) that the stack contract does not know, each with the known name closest to it, so that a
    typo such as C(app_contaner_port) does not pass silently. Internal names (with C(__)) are left out.
options:
  _input:
    description: Variable names.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Warn about variables nothing reads
  ansible.builtin.debug:
    msg: "{{ query('ansible.builtin.varnames', '^app_') | fargatedemo.ecs_delivery.unknown_inputs }}"
"""

RETURN = r"""
_value:
  description: One sentence per unknown name.
  type: list
  elements: str
"""

from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.limits import unknown_inventory_names


def unknown_inputs(names):
    return unknown_inventory_names([str(n) for n in names or []])


class FilterModule:
    def filters(self):
        return {"unknown_inputs": unknown_inputs}
