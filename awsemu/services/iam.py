"""IAM policy simulation (SimulatePrincipalPolicy, SimulateCustomPolicy), which moto lacks.

Tests of least privilege ask the question AWS's policy simulator answers: may this role do this
action on this resource? The evaluation follows the IAM policy evaluation logic for identity-based
policies: an explicit Deny wins, then any Allow, else an implicit deny; ``Action``/``NotAction``
match case-insensitively with ``*`` and ``?`` wildcards, ``Resource``/``NotResource`` case-sensitively.
Conditions are evaluated against the request's ``ContextEntries`` (String*, Arn*, Bool, Null
operators, ``...IfExists``); a statement whose condition keys are not all given does not apply and its
keys are reported in ``MissingContextValues``, as the simulator does. The principal's policies are its
inline and attached managed policies (and, for a user, its groups'); a permissions boundary, when set,
must allow too. Resource policies and SCPs are not modelled.
"""

from __future__ import annotations

import fnmatch
import json
import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from awsemu.core import AwsError, handles

NS = "https://iam.amazonaws.com/doc/2010-05-08/"


# --- query-protocol parameters
def _members(body: dict[str, str], prefix: str) -> list[str]:
    """``Prefix.member.1``, ``Prefix.member.2``... in order."""
    found = []
    pattern = re.compile(rf"^{re.escape(prefix)}\.member\.(\d+)$")
    for key, value in body.items():
        match = pattern.match(key)
        if match:
            found.append((int(match.group(1)), value))
    return [value for _, value in sorted(found)]


def _context_entries(body: dict[str, str]) -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    indexes = sorted(
        {int(m.group(1)) for k in body if (m := re.match(r"^ContextEntries\.member\.(\d+)\.", k))},
    )
    for i in indexes:
        name = body.get(f"ContextEntries.member.{i}.ContextKeyName")
        if name:
            entries[name.lower()] = _members(body, f"ContextEntries.member.{i}.ContextKeyValues")
    return entries


# --- evaluation
def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, case: bool) -> bool:
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _matches(statement: dict[str, Any], key: str, value: str, *, case: bool) -> bool | None:
    """True/False when the statement has ``key`` or ``Not<key>``; the Not form inverts."""
    if key in statement:
        return any(_wildcard(p, value, case=case) for p in _as_list(statement[key]))
    if f"Not{key}" in statement:
        return not any(_wildcard(p, value, case=case) for p in _as_list(statement[f"Not{key}"]))
    return None


def _condition_holds(
    operator: str, key_values: dict[str, Any], context: dict[str, list[str]], missing: set[str]
) -> bool:
    if_exists = operator.endswith("IfExists")
    op = operator[: -len("IfExists")] if if_exists else operator
    op = op.split(":", 1)[-1]  # ForAnyValue: / ForAllValues: treated like the plain operator
    for key, expected in key_values.items():
        expected = [str(e) for e in _as_list(expected)]
        actual = context.get(key.lower())
        if op == "Null":
            is_null = actual is None
            if (str(expected[0]).lower() == "true") != is_null:
                return False
            continue
        if actual is None:
            if if_exists:
                continue
            missing.add(key)
            return False
        negate = "Not" in op
        base = op.replace("Not", "")
        if base in ("StringEquals", "ArnEquals"):
            hit = any(a == e for a in actual for e in expected)
        elif base == "StringEqualsIgnoreCase":
            hit = any(a.lower() == e.lower() for a in actual for e in expected)
        elif base in ("StringLike", "ArnLike"):
            hit = any(_wildcard(e, a, case=True) for a in actual for e in expected)
        elif base == "Bool":
            hit = any(a.lower() == e.lower() for a in actual for e in expected)
        else:
            raise AwsError("InvalidInput", f"Condition operator {operator} is not supported by this emulator")
        if hit == negate:
            return False
    return True


def _statement_applies(
    statement: dict[str, Any], action: str, resource: str, context: dict[str, list[str]], missing: set[str]
) -> bool:
    if not _matches(statement, "Action", action, case=False):
        return False
    resource_match = _matches(statement, "Resource", resource, case=True)
    if resource_match is False:
        return False
    return all(
        _condition_holds(op, values, context, missing) for op, values in (statement.get("Condition") or {}).items()
    )


def _evaluate(
    policies: list[tuple[str, str, dict[str, Any]]],
    boundary: dict[str, Any] | None,
    action: str,
    resource: str,
    context: dict[str, list[str]],
) -> tuple[str, list[dict[str, str]], list[str]]:
    """(decision, matched statements, missing context keys) for one action on one resource."""
    missing: set[str] = set()
    allows, denies = [], []
    for policy_id, policy_type, document in policies:
        for statement in _as_list(document.get("Statement")):
            if _statement_applies(statement, action, resource, context, missing):
                matched = (
                    {"SourcePolicyId": policy_id, "SourcePolicyType": policy_type}
                    if policy_type
                    else {"SourcePolicyId": policy_id}
                )
                (denies if statement.get("Effect") == "Deny" else allows).append(matched)
    if denies:
        return "explicitDeny", denies, sorted(missing)
    if allows and boundary is not None:
        bound = _evaluate([("PermissionsBoundaryPolicy", None, boundary)], None, action, resource, context)
        if bound[0] != "allowed":
            return "implicitDeny", [], sorted(missing | set(bound[2]))
    return ("allowed", allows, sorted(missing)) if allows else ("implicitDeny", [], sorted(missing))


def _document(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    try:
        document = json.loads(unquote(text) if "%" in text[:20] else text)
    except (TypeError, ValueError) as err:
        raise AwsError("MalformedPolicyDocument", "The policy document is not valid JSON.") from err
    if not isinstance(document, dict) or "Statement" not in document:
        raise AwsError("MalformedPolicyDocument", "The policy document has no Statement.")
    return document


def _default_document(policy: Any) -> dict[str, Any]:
    version = next(v for v in policy.versions if v.is_default)
    return _document(version.document)


def _principal_policies(req, arn: str) -> tuple[list[tuple[str, str, dict[str, Any]]], dict[str, Any] | None]:
    from moto.iam.models import iam_backends

    backend = iam_backends[req.account_id]["global"]
    match = re.match(r"^arn:aws:iam::(\d{12}):(role|user|group)/(?:.*/)?([\w+=,.@-]+)$", arn or "")
    if not match:
        raise AwsError("InvalidInput", f"Invalid ARN: {arn}")
    kind, name = match.group(2), match.group(3)
    try:
        if kind == "role":
            entity, groups = backend.get_role(name), []
        elif kind == "user":
            entity = backend.get_user(name)
            groups = [g for g in backend.groups.values() if entity in g.users]
        else:
            entity, groups = backend.get_group(name), []
    except Exception as err:  # moto's NoSuchEntity
        raise AwsError("NoSuchEntity", f"The {kind} with name {name} cannot be found.", 404) from err

    policies: list[tuple[str, str, dict[str, Any]]] = []
    for holder, holder_kind in [(entity, kind), *[(g, "group") for g in groups]]:
        for policy_name, text in (getattr(holder, "policies", None) or {}).items():
            policies.append((policy_name, holder_kind, _document(text)))
        for policy in (getattr(holder, "managed_policies", None) or {}).values():
            policy_type = "aws-managed" if ":iam::aws:policy" in policy.arn else "user-managed"
            policies.append((policy.arn, policy_type, _default_document(policy)))
    boundary = None
    boundary_arn = getattr(entity, "permissions_boundary_arn", None)
    if boundary_arn:
        boundary_policy = backend.managed_policies.get(boundary_arn)  # AWS managed ones included
        if boundary_policy is not None:
            boundary = _default_document(boundary_policy)
    return policies, boundary


def principal_allows(account_id: str, arn: str, action: str, resource: str) -> bool:
    """Whether the identity-based policies of ``arn`` (a role, user or group of ``account_id``) allow ``action``
    on ``resource``, by the evaluation above without request context (a statement with conditions does not
    apply). For the emulator's own services acting with a role (an ECS lifecycle hook invoking a function)."""
    try:
        policies, boundary = _principal_policies(SimpleNamespace(account_id=account_id), arn)
    except AwsError:
        return False
    return _evaluate(policies, boundary, action, resource, {})[0] == "allowed"


def _simulate(req, policies, boundary, action_name: str) -> tuple[int, dict[str, str], str]:
    body = req.body
    actions = _members(body, "ActionNames")
    if not actions:
        raise AwsError("InvalidInput", "ActionNames is required")
    resources = _members(body, "ResourceArns") or ["*"]
    context = _context_entries(body)
    results = []
    for action in actions:
        for resource in resources:
            decision, matched, missing = _evaluate(policies, boundary, action, resource, context)
            statements = "".join(
                "<member>" + "".join(f"<{key}>{escape(value)}</{key}>" for key, value in m.items()) + "</member>"
                for m in matched
            )
            missing_xml = "".join(f"<member>{escape(k)}</member>" for k in missing)
            results.append(
                "<member>"
                f"<EvalActionName>{escape(action)}</EvalActionName>"
                f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
                f"<EvalDecision>{decision}</EvalDecision>"
                f"<MatchedStatements>{statements}</MatchedStatements>"
                f"<MissingContextValues>{missing_xml}</MissingContextValues>"
                "</member>"
            )
    xml = (
        f'<{action_name}Response xmlns="{NS}"><{action_name}Result>'
        f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(results)}</EvaluationResults>"
        f"</{action_name}Result><ResponseMetadata><RequestId>awsemu</RequestId></ResponseMetadata>"
        f"</{action_name}Response>"
    )
    return 200, {"Content-Type": "text/xml"}, xml


@handles("iam", "SimulatePrincipalPolicy")
def simulate_principal_policy(req):
    policies, boundary = _principal_policies(req, req.param("PolicySourceArn"))
    for i, text in enumerate(_members(req.body, "PolicyInputList"), start=1):
        policies.append((f"PolicyInputList.{i}", None, _document(text)))
    return _simulate(req, policies, boundary, "SimulatePrincipalPolicy")


@handles("iam", "SimulateCustomPolicy")
def simulate_custom_policy(req):
    texts = _members(req.body, "PolicyInputList")
    if not texts:
        raise AwsError("InvalidInput", "PolicyInputList is required")
    # Policies given in the request have no SourcePolicyType (the AWS CLI's simulate-custom-policy example shows
    # none; the model's PolicySourceType has no value for them).
    policies = [(f"PolicyInputList.{i}", None, _document(t)) for i, t in enumerate(texts, start=1)]
    boundaries = _members(req.body, "PermissionsBoundaryPolicyInputList")
    boundary = _document(boundaries[0]) if boundaries else None
    return _simulate(req, policies, boundary, "SimulateCustomPolicy")
