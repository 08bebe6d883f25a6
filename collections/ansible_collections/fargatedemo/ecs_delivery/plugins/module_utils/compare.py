# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Compare-first helpers shared by the codebuild_project and codepipeline_pipeline modules.

AWS answers with more than it was given (defaults, timestamps, ARNs), so "is the resource what we
asked for?" is a subset question: every key we set must have the value we set; keys we never set are
AWS's business. Lists are compared element by element and must have the same length (a removed stage
or environment variable is a change). Some mappings must match exactly, not as a subset (an action's
``configuration``: a key we dropped is a change); their keys are passed as ``exact_keys``.

Pure functions, no AWS calls: unit tested directly. Two helpers take the module and run the steps both
modules share around their own AWS calls: ``report_change`` (diff, then exit in check mode) and
``delete_if_present`` (state=absent); the modules decide what to call and with which arguments.
"""

from __future__ import annotations

try:  # noqa: SIM105 (amazon.aws idiom: HAS_BOTO3 is checked by AnsibleAWSModule)
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule


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
    """(tags to set as a dict, keys to remove) to go from ``current`` to ``desired`` (both dicts).

    Keys beginning with ``aws:`` are AWS's own (CloudFormation, Service Catalog, ...): they cannot be
    removed, so purging leaves them, as amazon.aws's compare_aws_tags does for the other modules.
    """
    if desired is None:
        return {}, []
    to_set = {k: v for k, v in desired.items() if current.get(k) != v}
    to_remove = [k for k in current if k not in desired and not k.startswith("aws:")] if purge else []
    return to_set, to_remove


def tag_list(tags):
    """``tags`` (a dict) as the CodeBuild/CodePipeline API spells a tag list: ``[{"key": k, "value": v}]``, sorted."""
    return [{"key": k, "value": v} for k, v in sorted(tags.items())]


def tag_dict(tags):
    """A CodeBuild/CodePipeline tag list (``[{"key": k, "value": v}]``, or None) as a dict."""
    return {t["key"]: t.get("value", "") for t in tags or []}


def update_diff(current, wanted, snake, current_tags, tags):
    """(before, after) of an update: ``current``'s value of each key in ``wanted`` against ``wanted``.

    Both passed through ``snake``; the tags are added to both sides when they are managed (``tags`` not None).
    """
    before, after = snake({k: current.get(k) for k in wanted}), snake(wanted)
    if tags is not None:
        before["tags"], after["tags"] = current_tags, tags
    return before, after


def report_change(module, result, before, after):
    """Mark ``result`` changed with its diff (in diff mode); in check mode, exit with it here."""
    result["changed"] = True
    if module._diff:
        result["diff"] = {"before": before, "after": after}
    if module.check_mode:
        module.exit_json(**result)


def delete_if_present(module, result, current, snake, delete, failure_msg):
    """state=absent: when the resource exists (``current`` is not None), call ``delete()`` (not in check mode;
    an AWS error fails with ``failure_msg``), the diff's before being ``snake(current)``; then exit with ``result``."""
    if current is not None:
        result["changed"] = True
        if module._diff:
            result["diff"] = {"before": snake(current), "after": {}}
        if not module.check_mode:
            try:
                delete()
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                module.fail_json_aws(e, msg=failure_msg)
    module.exit_json(**result)


def snake_keys(value, keep=()):
    """``value`` with dict keys in snake_case, except inside the keys named in ``keep`` (kept as AWS spells them).

    (camel_dict_to_snake_dict drops its ignore_list inside lists, so pipeline action configurations
    would be rewritten.)
    """
    from ansible.module_utils.common.dict_transformations import _camel_to_snake

    if isinstance(value, dict):
        return {_camel_to_snake(k): (v if k in keep else snake_keys(v, keep)) for k, v in value.items()}
    if isinstance(value, list):
        return [snake_keys(v, keep) for v in value]
    return value
