# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack's ownership tags: what the stack puts on everything it creates, and how it recognises its own.

A resource is the stack's when it carries every ownership tag with the stack's value: ``managed-by`` naming
this collection, ``application`` (app_name) and ``environment`` (app_environment). Anything else with the same
name (a role another team made, a bucket of the same name) is left as it is.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.limits import MANAGED_BY


def as_dict(tags: Any) -> dict[str, str]:
    """Tags in any of the shapes AWS and the modules return them, as {key: value}.

    A dict, or a list of {Key, Value} (most APIs), {key, value} (ECS, CodePipeline, CodeBuild) or
    {TagKey, TagValue}; None is no tags.
    """
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for item in tags:
        for key_name, value_name in (("Key", "Value"), ("key", "value"), ("TagKey", "TagValue")):
            if key_name in item:
                out[str(item[key_name])] = str(item.get(value_name) or "")
                break
    return out


def ownership_tags(application: str, environment: str) -> dict[str, str]:
    return {"application": str(application), "environment": str(environment), "managed-by": MANAGED_BY}


def owned_by(tags: Any, owner: Any) -> bool:
    """Whether ``tags`` carry every one of the ``owner`` tags with the same value (no owner tags: always)."""
    have, want = as_dict(tags), as_dict(owner)
    return all(have.get(key) == value for key, value in want.items())
