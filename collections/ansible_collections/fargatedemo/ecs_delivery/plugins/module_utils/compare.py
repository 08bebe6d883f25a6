# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compare-first helpers shared by this collection's modules.

AWS answers with more than it was given (defaults, timestamps, ARNs), so "is the resource what we
asked for?" is a subset question: every key we set must have the value we set; keys we never set are
AWS's business. Lists are compared element by element and must have the same length (a removed stage
or environment variable is a change). Some mappings must match exactly, not as a subset (an action's
``configuration``: a key we dropped is a change); their keys are passed as ``exact_keys``.

Pure functions, no AWS calls, nothing that ends the module: unit tested directly. Tags go through
amazon.aws's ``compare_aws_tags`` and tag-list converters; ``set_diff`` is the one diff shape of every
module (``{"before": ..., "after": ...}``, in diff mode only).
"""

from __future__ import annotations

from ansible.module_utils.common.dict_transformations import _camel_to_snake
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)


def differences(desired, current, exact_keys=(), path=""):
    """Paths (``a.b[0].c``) where ``current`` does not carry what ``desired`` asks for."""
    if isinstance(desired, dict):
        if not isinstance(current, dict):
            return [path or "."]
        found = []
        for key, value in desired.items():
            sub = f"{path}.{key}" if path else key
            if key in exact_keys:
                if value != (current.get(key) if current.get(key) is not None else type(value)()):
                    found.append(sub)
            elif key not in current:
                if value not in (None, [], {}, ""):
                    found.append(sub)
            else:
                found.extend(differences(value, current[key], exact_keys, sub))
        return found
    if isinstance(desired, list):
        if not isinstance(current, list) or len(current) != len(desired):
            return [path or "."]
        found = []
        for index, (want, have) in enumerate(zip(desired, current, strict=True)):
            found.extend(differences(want, have, exact_keys, f"{path}[{index}]"))
        return found
    if desired != current:
        return [path or "."]
    return []


def tag_changes(desired, current, purge):
    """(tags to set as a dict, keys to remove) from ``current`` to ``desired``; nothing when ``desired`` is None.

    amazon.aws's compare_aws_tags: keys beginning with ``aws:`` are AWS's own and never purged.
    """
    if desired is None:
        return {}, []
    return compare_aws_tags(current, desired, purge_tags=purge)


def tag_list(tags):
    """``tags`` (a dict) as the CodeBuild/CodePipeline API spells a tag list: ``[{"key": k, "value": v}]``, sorted."""
    return sorted(ansible_dict_to_boto3_tag_list(tags or {}, "key", "value"), key=lambda tag: tag["key"])


def tag_dict(tags):
    """A CodeBuild/CodePipeline tag list (``[{"key": k, "value": v}]``, or None) as a dict."""
    return boto3_tag_list_to_ansible_dict([dict({"value": ""}, **t) for t in tags or []], "key", "value")


def update_diff(current, wanted, snake, current_tags, tags):
    """(before, after) of an update: ``current``'s value of each key in ``wanted`` against ``wanted``.

    Both passed through ``snake``; the tags are added to both sides when they are managed (``tags`` not None).
    """
    before, after = snake({k: current.get(k) for k in wanted}), snake(wanted)
    if tags is not None:
        before["tags"], after["tags"] = current_tags, tags
    return before, after


def set_diff(module, result, before, after):
    """The diff of every module of this collection: ``result["diff"] = {"before": ..., "after": ...}``."""
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    return result


def snake_keys(value, keep=()):
    """``value`` with dict keys in snake_case, except inside the keys named in ``keep`` (kept as AWS spells them).

    (camel_dict_to_snake_dict drops its ignore_list inside lists, so pipeline action configurations
    would be rewritten.)
    """
    if isinstance(value, dict):
        return {_camel_to_snake(k): (v if k in keep else snake_keys(v, keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v, keep) for v in value]
    return value
