"""botocore's service models, as the emulator reads them: which operation a request is, and its parameters.

The AWS CLI and boto3 are the judges of what the emulator answers, and botocore's models are what they
judge with. This module finds the model and operation of a request as the dispatcher parsed it
(``core.Request``) and gives its input as one structure, whatever the protocol:

- JSON protocols (``X-Amz-Target``): the body; the service is the one whose ``targetPrefix`` matches.
- query and EC2 (``Action=``): the form fields turned back into the structure botocore serialised them
  from (``Tags.member.1.Key`` -> ``{"Tags": [{"Key": ...}]}``), matched on the ``Version`` field.
- REST (S3 and the like): the operation whose method and ``requestUri`` match; labels, query string and
  headers become members.

Used by ``@validates`` rules (``core.Request.params``) and by strict mode (``awsemu.strict``).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

# Signing names (the SigV4 scope) whose botocore model has another name, or that several models share.
_ALIASES = {
    "elasticloadbalancing": ("elbv2", "elb"),
    "monitoring": ("cloudwatch",),
    "states": ("stepfunctions",),
    "execute-api": ("apigateway",),
    "email": ("ses", "sesv2"),
    "es": ("opensearch", "es"),
}
_MISSING = object()
_LOCK = threading.Lock()
_SESSION: botocore.session.Session | None = None
_BY_SIGNING_NAME: dict[str, list[str]] | None = None


def _session() -> botocore.session.Session:
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            _SESSION = botocore.session.get_session()
        return _SESSION


@functools.cache
def service_model(name: str) -> ServiceModel | None:
    """botocore's model of ``name`` (``ecs``, ``elbv2``...), or None if botocore has none."""
    try:
        return _session().get_service_model(name)
    except Exception:  # noqa: BLE001 - unknown service names raise several botocore errors
        return None


def _by_signing_name() -> dict[str, list[str]]:
    """{signing name or endpoint prefix: [botocore service names]} over every model (built once, on demand)."""
    global _BY_SIGNING_NAME
    if _BY_SIGNING_NAME is None:
        index: dict[str, list[str]] = {}
        for name in _session().get_available_services():
            model = service_model(name)
            if model is None:
                continue
            for key in {model.metadata.get("signingName"), model.metadata.get("endpointPrefix")} - {None}:
                index.setdefault(key, []).append(name)
        _BY_SIGNING_NAME = index
    return _BY_SIGNING_NAME


def _candidates(scope_service: str) -> Iterable[ServiceModel]:
    seen = set()
    for name in (scope_service, *_ALIASES.get(scope_service, ())):
        model = service_model(name)
        if model is not None:
            seen.add(name)
            yield model
    for name in _by_signing_name().get(scope_service, []):
        if name not in seen:
            model = service_model(name)
            if model is not None:
                yield model


def identify(req: Any) -> tuple[ServiceModel, OperationModel] | None:
    """The botocore (service, operation) models of a parsed request, or None when no model fits."""
    cached = req.extra.get("_operation", _MISSING)
    if cached is not _MISSING:
        return cached
    found = _identify(req)
    req.extra["_operation"] = found
    return found


def _identify(req: Any) -> tuple[ServiceModel, OperationModel] | None:
    if req.protocol == "json":
        target = req.headers.get("x-amz-target", "")
        prefix = target.rsplit(".", 1)[0] if "." in target else ""
        for model in _candidates(req.service):
            if model.metadata.get("targetPrefix") == prefix and req.action in model.operation_names:
                return model, model.operation_model(req.action)
        return None
    if req.protocol == "query":
        version = req.body.get("Version") if isinstance(req.body, dict) else None
        for model in _candidates(req.service):
            if model.resolved_protocol not in ("query", "ec2"):
                continue
            if (version is None or model.api_version == version) and req.action in model.operation_names:
                return model, model.operation_model(req.action)
        return None
    for model in _candidates(req.service):
        if model.resolved_protocol in ("rest-json", "rest-xml"):
            match = match_rest(model, req.method, req.path, req.query, req.headers)
            if match is not None:
                return model, match[0]
    return None


# --- REST operations: method + requestUri
@functools.cache
def _rest_routes(
    model: ServiceModel,
) -> list[tuple[str, re.Pattern[str], dict[str, str | None], tuple[tuple[str, str], ...], OperationModel]]:
    routes = []
    for name in model.operation_names:
        op = model.operation_model(name)
        http = op.http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        literals: dict[str, str | None] = {}
        for part in filter(None, query.split("&")):
            key, sep, value = part.partition("=")
            if key == "x-id":  # botocore's own operation hint, optional on the wire
                continue
            literals[key] = value if sep else None
        pattern = ""
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{") and piece.endswith("}"):
                label = piece[1:-1]
                greedy = label.endswith("+")
                label = label.rstrip("+")
                pattern += f"(?P<{_group(label)}>.+)" if greedy else f"(?P<{_group(label)}>[^/]+)"
            else:
                pattern += re.escape(piece)
        shape = op.input_shape
        required_query = tuple(
            (shape.members[name].serialization["location"], shape.members[name].serialization.get("name", name))
            for name in (shape.required_members if shape else ())
            if shape.members[name].serialization.get("location") in ("querystring", "header")
        )
        routes.append((http.get("method", "GET"), re.compile(pattern), literals, required_query, op))
    return routes


def _group(label: str) -> str:
    return "L_" + re.sub(r"\W", "_", label)


def match_rest(
    model: ServiceModel, method: str, path: str, query: dict[str, str], headers: dict[str, str] | None = None
):
    """(operation, {label: value}) of the REST operation a request is, or None."""
    headers = headers or {}
    best = None
    for verb, pattern, literals, required_query, op in _rest_routes(model):
        if verb != method:
            continue
        found = pattern.fullmatch(path) or (pattern.fullmatch(path.rstrip("/")) if path != "/" else None)
        if found is None:
            continue
        if any(key not in query or (value is not None and query[key] != value) for key, value in literals.items()):
            continue
        # Required query and header members tell operations apart: GetBucketInventoryConfiguration needs ?id=,
        # CopyObject the x-amz-copy-source header.
        if any(
            (key not in query) if where == "querystring" else (key.lower() not in headers)
            for where, key in required_query
        ):
            continue
        labels = {}
        for member_name, member in op.input_shape.members.items() if op.input_shape else ():
            if member.serialization.get("location") == "uri":
                group = _group(member.serialization.get("name", member_name))
                if group in found.groupdict():
                    labels[member_name] = unquote(found.group(group))
        # The most specific route wins: more query literals, then a longer literal path, then one that is
        # not deprecated (S3's GetBucketLifecycle and GetBucketLifecycleConfiguration share "?lifecycle").
        score = (len(literals), len(required_query), len(pattern.pattern), not op.deprecated)
        if best is None or score > best[0]:
            best = (score, op, labels)
    return None if best is None else (best[1], best[2])


# --- a request's parameters as one structure
def request_params(req: Any) -> dict[str, Any]:
    """The input of ``req`` as botocore's input shape has it ({} when the operation is unknown)."""
    found = identify(req)
    if found is None:
        return req.body if isinstance(req.body, dict) and req.protocol == "json" else {}
    model, op = found
    shape = op.input_shape
    if shape is None:
        return {}
    if req.protocol == "json":
        return req.body if isinstance(req.body, dict) else {}
    if req.protocol == "query":
        ec2 = model.resolved_protocol == "ec2"
        form = {k: v for k, v in req.body.items() if k not in ("Action", "Version")}
        value = _from_form(form, shape, "", ec2)
        return value if isinstance(value, dict) else {}
    return _from_rest(req, model, op)


def _name(shape: Shape, default: str, ec2: bool) -> str:
    if ec2:
        if "queryName" in shape.serialization:
            return shape.serialization["queryName"]
        if "name" in shape.serialization:
            name = shape.serialization["name"]
            return name[0].upper() + name[1:]
        return default
    return shape.serialization.get("name", default)


def _indices(form: dict[str, str], prefix: str) -> list[int]:
    head = prefix + "."
    found = set()
    for key in form:
        if key.startswith(head):
            first = key[len(head) :].split(".", 1)[0]
            if first.isdigit():
                found.add(int(first))
    return sorted(found)


def _from_form(form: dict[str, str], shape: Shape, prefix: str, ec2: bool) -> Any:
    kind = shape.type_name
    if kind == "structure":
        result = {}
        for member_name, member in shape.members.items():
            key = _name(member, member_name, ec2)
            flattened = not ec2 and member.type_name == "list" and member.serialization.get("flattened")
            if flattened and member.member.serialization.get("name"):
                key = member.member.serialization["name"]
            value = _from_form(form, member, f"{prefix}.{key}" if prefix else key, ec2)
            if value is not _MISSING:
                result[member_name] = value
        return result if result or not prefix else _MISSING
    if kind == "list":
        if ec2 or shape.serialization.get("flattened"):
            base = prefix
        else:
            base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
        indices = _indices(form, base)
        if not indices:
            return [] if form.get(prefix) == "" else _MISSING  # botocore sends an empty list as "Name="
        items = [_from_form(form, shape.member, f"{base}.{i}", ec2) for i in indices]
        return [item for item in items if item is not _MISSING]
    if kind == "map":
        base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
        key_name = _name(shape.key, "key", ec2)
        value_name = _name(shape.value, "value", ec2)
        result = {}
        for i in _indices(form, base):
            key = form.get(f"{base}.{i}.{key_name}")
            value = _from_form(form, shape.value, f"{base}.{i}.{value_name}", ec2)
            if key is not None and value is not _MISSING:
                result[key] = value
        return result if result else _MISSING
    if prefix not in form:
        return _MISSING
    return _scalar(form[prefix], shape)


def _scalar(text: str, shape: Shape) -> Any:
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
    except ValueError:
        return text  # a rule reports the type; the raw text is what was sent
    if kind == "boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    return text


def _from_rest(req: Any, model: ServiceModel, op: OperationModel) -> dict[str, Any]:
    match = match_rest(model, req.method, req.path, req.query, req.headers)
    params: dict[str, Any] = dict(match[1]) if match else {}
    shape = op.input_shape
    for member_name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", member_name)
        if location == "querystring" and wire in req.query:
            params[member_name] = _scalar(req.query[wire], member)
        elif location == "header" and wire.lower() in req.headers:
            params[member_name] = _scalar(req.headers[wire.lower()], member)
    if model.resolved_protocol == "rest-json" and req.raw:
        try:
            body = json.loads(req.raw)
        except ValueError:
            body = None
        if isinstance(body, dict):
            for member_name, member in shape.members.items():
                if member.serialization.get("location") is None:
                    wire = member.serialization.get("name", member_name)
                    if wire in body:
                        params[member_name] = body[wire]
    return params


def query_dict(query_string: str) -> dict[str, str]:
    """A query string as {name: first value}, blank values kept (S3's ``?tagging``)."""
    result: dict[str, str] = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        result.setdefault(key, value)
    return result
