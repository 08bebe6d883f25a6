# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.ownership_plan`` filter: which of a role's resources are its own to change."""

from __future__ import annotations

DOCUMENTATION = r"""
name: ownership_plan
short_description: Sort a role's resources into its own, others' and missing ones
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - For each resource (kind, name, whether it exists, its tags in any AWS shape), decides whether the role may
    change or delete it, only when it carries every owner tag with the same value. Adds C(owned), C(action)
    (V(delete) for its own, V(leave) for another's, V(none) for a missing one) and C(why).
options:
  _input:
    description:
      - "Resources: dicts with C(kind), C(name), C(exists) and C(tags) (and any other keys, kept)."
      - Or the C(results) of a loop that read them. Each result's C(item) describes the resource; the first
        element of its O(found) list (an info module's answer, kept as C(resource)), or else its own C(exists)
        and C(tags), say whether it exists and how it is tagged.
    type: list
    elements: dict
    required: true
  found:
    description: With loop results of an info module, the key of its list of found resources (V(iam_roles)).
    type: str
  owner_tags:
    description: The tags that make a resource the role's own; empty makes every existing resource its own.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide what the teardown may delete
  ansible.builtin.set_fact:
    iam__plan: "{{ found | fargatedemo.ecs_delivery.ownership_plan(iam_owner_tags) }}"
"""

RETURN = r"""
_value:
  description: The resources, each with C(owned), C(action) and C(why) added.
  type: list
  elements: dict
"""

from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.limits import shown
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.tags import as_dict, owned_by


def _resource(entry, found):
    """A resource descriptor from a plain dict or from a loop result (``item`` plus what the read returned)."""
    if "item" not in entry:
        return dict(entry)
    item = entry["item"] if isinstance(entry["item"], dict) else {"name": entry["item"]}
    item = dict(item)
    if found:
        hits = entry.get(found) or []
        item["exists"] = bool(hits)
        item["tags"] = (hits[0].get("tags") or hits[0].get("Tags")) if hits else {}
        if hits:
            item["resource"] = hits[0]
    else:
        item["exists"] = bool(entry.get("exists"))
        item["tags"] = entry.get("tags") or {}
    return item


def ownership_plan(resources, owner_tags, found=None):
    out = []
    owner = as_dict(owner_tags)
    for entry in resources or []:
        item = _resource(entry, found)
        tags = as_dict(item.get("tags"))
        item["tags"] = tags
        if not item.get("exists"):
            item.update(owned=False, action="none", why="does not exist")
        elif owned_by(tags, owner):
            item.update(owned=True, action="delete", why="tagged as this stack's")
        else:
            lacking = {k: v for k, v in owner.items() if tags.get(k) != v}
            item.update(owned=False, action="leave", why=f"not tagged as this stack's (lacks {shown(lacking)})")
        out.append(item)
    return out


class FilterModule:
    def filters(self):
        return {"ownership_plan": ownership_plan}
