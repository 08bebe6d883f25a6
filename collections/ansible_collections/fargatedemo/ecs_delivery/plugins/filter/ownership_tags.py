# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.ownership_tags`` filter: the tags that make a resource the stack's."""

from __future__ import annotations

DOCUMENTATION = r"""
name: ownership_tags
short_description: The tags that mark a resource as one stack's own
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Returns C(application), C(environment) and C(managed-by) (V(fargatedemo.ecs_delivery)). The roles put them
    on every resource they create and change or delete only resources that carry all three.
options:
  _input:
    description: The application (the stack's C(app_name)).
    type: str
    required: true
  environment:
    description: The environment (the stack's C(app_environment)).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The stack's tags, its own over the user's
  ansible.builtin.set_fact:
    stack_tags: "{{ app_tags | combine(app_name | fargatedemo.ecs_delivery.ownership_tags(app_environment)) }}"
"""

RETURN = r"""
_value:
  description: The three tags.
  type: dict
"""

from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import tags


def ownership_tags(application, environment):
    return tags.ownership_tags(application, environment)


class FilterModule:
    def filters(self):
        return {"ownership_tags": ownership_tags}
