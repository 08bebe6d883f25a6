"""Strict mode: every answer the emulator gives, moto's and ours, checked against botocore's output shape.

boto3 and the AWS CLI parse an answer with botocore's model of the operation and silently drop or
mangle what does not fit: an unknown member disappears, ``"true"`` where a boolean belongs stays a
string, an XML boolean that is not ``true`` becomes False, a missing required member is just absent.
Code that passes against such an answer can fail against AWS. With ``AWSEMU_STRICT=1`` the dispatcher
hands every answer to ``check()``, which reads the wire format the way botocore's parsers do and
reports, per operation, the member path and the problem:

- JSON protocols (json, rest-json): the body's members by their wire names; types (string, integer,
  float, boolean, blob as base64, timestamps as epoch seconds unless the shape says otherwise); enum
  values; required members; members the shape does not have; ``null`` (AWS omits a member it has no
  value for); a tagged union with other than one member; REST header members.
- XML protocols (query, ec2, rest-xml): the ``<Operation>Result`` wrapper (query), elements by their
  XML names (``locationName``), wrapped and flattened lists (``member``/``item``), maps (``entry``),
  integers, booleans (``true``/``false`` only), ISO 8601 timestamps with a time zone, enums, required
  members and unknown elements.
- Errors (status 300 and above): an error code botocore can find (``__type``/``code``, ``<Code>``).

Violations are kept by the dispatcher (``GET /_emulator/strict``; ``DELETE`` clears them) and logged.
Streaming payloads (S3 objects) and event streams are not checked.

Where botocore's model itself disagrees with what AWS sends, the exception is listed in
``MODEL_EXCEPTIONS`` with the evidence.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape

# (structure, member) -> (values AWS sends beyond the member's enum, the evidence): where botocore's model is wrong.
MODEL_EXCEPTIONS: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {
    ("InternetGatewayAttachment", "State"): (
        ("available",),
        "EC2 API reference, InternetGatewayAttachment: State 'The current state of the attachment. For an internet "
        "gateway, the state is available when attached to a VPC; otherwise, this value is not returned.' The model "
        "types it AttachmentStatus (attaching, attached, detaching, detached), which has no 'available'.",
    ),
}


def _extra(structure: Shape, member: str) -> tuple[str, ...]:
    return MODEL_EXCEPTIONS.get((structure.name, member), ((), ""))[0]


_ISO8601 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)")
_INTEGER = re.compile(r"[+-]?\d+")


class Problems:
    """The violations found in one answer: (member path, problem)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, problem: str) -> None:
        self.items.append((path or "(answer)", problem))


def check(
    service: ServiceModel, op: OperationModel, status: int, headers: dict[str, str], body: bytes
) -> list[tuple[str, str]]:
    """The violations of one answer (``[]`` when botocore's model is satisfied)."""
    problems = Problems()
    protocol = service.resolved_protocol
    if status >= 300:
        _check_error(protocol, status, headers, body, problems)
        return problems.items
    shape = op.output_shape
    if shape is None:
        return problems.items
    if protocol in ("json", "rest-json"):
        _check_json_answer(service, shape, protocol, headers, body, problems)
    elif protocol in ("query", "ec2", "rest-xml"):
        _check_xml_answer(op, shape, protocol, headers, body, problems)
    else:  # pragma: no cover - botocore resolves every model we load to one of the above
        problems.add("", f"protocol {protocol} is not checked")
    return problems.items


# --- errors
def _check_error(protocol: str, status: int, headers: dict[str, str], body: bytes, problems: Problems) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    if protocol in ("json", "rest-json"):
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            problems.add("", f"HTTP {status} with a body that is not JSON: {body[:80]!r}")
            return
        code = (isinstance(data, dict) and (data.get("__type") or data.get("code") or data.get("Code"))) or lower.get(
            "x-amzn-errortype"
        )
        if not code:
            problems.add("", f"HTTP {status} without an error code (__type, code or x-amzn-ErrorType)")
        return
    if not body.strip():
        if protocol == "rest-xml" and status in (301, 304, 307, 400, 403, 404, 405, 412):
            return  # HEAD answers have no body: botocore takes the code from the status
        problems.add("", f"HTTP {status} with an empty body: no error code")
        return
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        problems.add("", f"HTTP {status} with a body that is not XML ({err})")
        return
    error = root if _tag(root) == "Error" else None
    for child in root.iter():
        if _tag(child) == "Error" and error is None:
            error = child
    code = None if error is None else next((c.text for c in error if _tag(c) == "Code"), None)
    if not code:
        problems.add("", f"HTTP {status} without <Error><Code> (botocore finds no error code)")


# --- JSON
def _check_json_answer(
    service: ServiceModel, shape: Shape, protocol: str, headers: dict[str, str], body: bytes, problems: Problems
) -> None:
    try:
        data = json.loads(body) if body.strip() else {}
    except ValueError:
        problems.add("", f"the body is not JSON: {body[:80]!r}")
        return
    if protocol == "rest-json":
        _check_header_members(shape, headers, problems)
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            if member.type_name == "structure":
                _json(member, data, payload, problems, service.service_name)
            return
        body_members = {n: m for n, m in shape.members.items() if m.serialization.get("location") is None}
        _json_structure(shape, data, "", problems, service.service_name, body_members)
        return
    _json(shape, data, "", problems, service.service_name)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _json(shape: Shape, value: Any, path: str, problems: Problems, service: str, extra: tuple[str, ...] = ()) -> None:
    kind = shape.type_name
    if value is None:
        problems.add(path, "null: AWS leaves out a member that has no value")
        return
    if kind == "structure":
        if getattr(shape, "is_document_type", False):
            return
        _json_structure(shape, value, path, problems, service, shape.members)
    elif kind == "list":
        if not isinstance(value, list):
            problems.add(path, f"expected a list, got {_type(value)}")
            return
        for i, item in enumerate(value):
            if item is None and shape.metadata.get("sparse"):
                continue
            _json(shape.member, item, f"{path}[{i}]", problems, service)
    elif kind == "map":
        if not isinstance(value, dict):
            problems.add(path, f"expected a map (object), got {_type(value)}")
            return
        for key, item in value.items():
            if shape.key.enum and key not in shape.key.enum:
                problems.add(f"{path}.{key}", f"map key {key!r} is not one of {shape.key.enum}")
            if item is None and shape.metadata.get("sparse"):
                continue
            _json(shape.value, item, f"{path}[{key!r}]", problems, service)
    else:
        _json_scalar(shape, value, path, problems, extra)


def _json_structure(
    shape: Shape, value: Any, path: str, problems: Problems, service: str, members: dict[str, Shape]
) -> None:
    if not isinstance(value, dict):
        problems.add(path, f"expected a structure (object), got {_type(value)}")
        return
    wire = {m.serialization.get("name", n): (n, m) for n, m in members.items()}
    present = set()
    for key, item in value.items():
        if key == "__type" and not path:
            continue
        if key not in wire:
            problems.add(_join(path, key), f"not a member of {shape.name} (botocore drops it)")
            continue
        name, member = wire[key]
        present.add(name)
        _json(member, item, _join(path, key), problems, service, _extra(shape, name))
    _required(shape, present, path, problems)
    if getattr(shape, "is_tagged_union", False) and len(present) != 1:
        problems.add(path, f"a union ({shape.name}) needs exactly one member, got {sorted(present)}")


def _required(shape: Shape, present: set[str], path: str, problems: Problems) -> None:
    for name in shape.required_members:
        if name not in present:
            problems.add(_join(path, name), f"required member of {shape.name} is missing")


def _json_scalar(shape: Shape, value: Any, path: str, problems: Problems, extra: tuple[str, ...] = ()) -> None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            problems.add(path, f"expected a string, got {_type(value)} {value!r}")
        elif shape.enum and value not in shape.enum and value not in extra:
            problems.add(path, f"{value!r} is not one of {shape.name}'s values {shape.enum}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.add(path, f"expected an integer, got {_type(value)} {value!r}")
    elif kind in ("float", "double"):
        number = not isinstance(value, bool) and isinstance(value, int | float)
        if not number and value not in ("NaN", "Infinity", "-Infinity"):
            problems.add(path, f"expected a number, got {_type(value)} {value!r}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            problems.add(path, f"expected a boolean, got {_type(value)} {value!r}")
    elif kind == "timestamp":
        form = shape.serialization.get("timestampFormat", "unixTimestamp")
        _timestamp(value, form, path, problems)
    elif kind == "blob":
        if not isinstance(value, str):
            problems.add(path, f"expected base64 text (blob), got {_type(value)}")
        else:
            try:
                base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                problems.add(path, "a blob that is not valid base64")


def _timestamp(value: Any, form: str, path: str, problems: Problems, *, text: bool = False) -> None:
    if form == "unixTimestamp":
        if text:  # a header or an XML element: the digits of epoch seconds
            try:
                float(value)
            except (TypeError, ValueError):
                problems.add(path, f"expected epoch seconds, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, int | float):
            problems.add(path, f"expected epoch seconds (a number), got {_type(value)} {value!r}")
    elif form == "iso8601":
        if not isinstance(value, str) or not _ISO8601.fullmatch(value):
            problems.add(path, f"expected an ISO 8601 timestamp with a time zone, got {value!r}")
    elif form == "rfc822":
        try:
            parsedate_to_datetime(value)
        except (TypeError, ValueError):
            problems.add(path, f"expected an RFC 822 date, got {value!r}")


def _check_header_members(shape: Shape, headers: dict[str, str], problems: Problems) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    for name, member in shape.members.items():
        if member.serialization.get("location") != "header":
            continue
        wire = member.serialization.get("name", name).lower()
        if wire not in lower:
            continue
        text = lower[wire]
        path = f"header {wire}"
        if member.type_name in ("integer", "long") and not _INTEGER.fullmatch(text.strip()):
            problems.add(path, f"expected an integer, got {text!r}")
        elif member.type_name == "boolean" and text not in ("true", "false"):
            problems.add(path, f"expected true or false, got {text!r}")
        elif member.type_name == "timestamp":
            _timestamp(text, member.serialization.get("timestampFormat", "rfc822"), path, problems, text=True)
        elif member.type_name == "string" and member.enum and text not in member.enum:
            problems.add(path, f"{text!r} is not one of {member.enum}")


# --- XML
def _tag(node: ET.Element) -> str:
    return node.tag.rsplit("}", 1)[-1]


def _check_xml_answer(
    op: OperationModel, shape: Shape, protocol: str, headers: dict[str, str], body: bytes, problems: Problems
) -> None:
    if protocol == "rest-xml":
        _check_header_members(shape, headers, problems)
        body_members = {
            n: m
            for n, m in shape.members.items()
            if m.serialization.get("location") not in ("header", "headers", "statusCode")
        }
        payload = shape.serialization.get("payload")
        if payload and shape.members[payload].type_name != "structure":
            # The body is the member's raw value, not XML (S3 GetBucketPolicy answers the policy document itself:
            # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html); botocore reads a string
            # payload as UTF-8 text and a blob as bytes.
            if shape.members[payload].type_name == "string":
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError as err:
                    problems.add(payload, f"the body is not UTF-8 text ({err})")
            return
        if not body.strip():
            if payload or not body_members:
                return
            _required_xml(shape, set(), body_members, "", problems)
            return
        root = _parse(body, problems)
        if root is None:
            return
        if payload:
            member = shape.members[payload]
            if member.type_name == "structure":
                _xml(member, root, payload, problems)
            return
        _xml_structure(shape, root, "", problems, body_members)
        return
    if not body.strip():
        problems.add("", "an empty body: botocore expects an XML document")
        return
    root = _parse(body, problems)
    if root is None:
        return
    if protocol == "query":
        wrapper = shape.serialization.get("resultWrapper")
        children = {_tag(c): c for c in root}
        extras = set(children) - {wrapper, "ResponseMetadata"}
        for name in sorted(extras):
            problems.add(name, f"unexpected element <{name}> beside <{wrapper}> (botocore ignores it)")
        if wrapper and wrapper not in children:
            if shape.members:
                problems.add("", f"no <{wrapper}> element: botocore finds none of the answer's members")
            return
        _xml(shape, children[wrapper], "", problems)
        return
    _xml_structure(shape, root, "", problems, shape.members, ignore={"requestId"})


def _parse(body: bytes, problems: Problems) -> ET.Element | None:
    try:
        return ET.fromstring(body)
    except ET.ParseError as err:
        problems.add("", f"the body is not XML ({err})")
        return None


def _xml_name(name: str, member: Shape) -> str:
    if member.type_name == "list" and member.serialization.get("flattened"):
        inner = member.member.serialization.get("name")
        if inner:
            return inner
    return member.serialization.get("name", name)


def _xml(shape: Shape, node: ET.Element, path: str, problems: Problems, extra: tuple[str, ...] = ()) -> None:
    kind = shape.type_name
    if kind == "structure":
        _xml_structure(shape, node, path, problems, shape.members)
    elif kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        for i, child in enumerate(node):
            if _tag(child) != item_name:
                problems.add(f"{path}.{_tag(child)}", f"a list of {shape.name} holds <{item_name}> elements only")
                continue
            _xml(shape.member, child, f"{path}[{i}]", problems)
    elif kind == "map":
        _xml_map_entries(shape, list(node) if not shape.serialization.get("flattened") else [node], path, problems)
    else:
        _xml_scalar(shape, node, path, problems, extra)


def _xml_map_entries(shape: Shape, entries: list[ET.Element], path: str, problems: Problems) -> None:
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    for entry in entries:
        if not shape.serialization.get("flattened") and _tag(entry) != "entry":
            problems.add(f"{path}.{_tag(entry)}", "a map holds <entry> elements only")
            continue
        parts = {_tag(c): c for c in entry}
        if key_name not in parts or value_name not in parts:
            problems.add(path, f"a map entry needs <{key_name}> and <{value_name}>")
            continue
        _xml(shape.value, parts[value_name], f"{path}[{parts[key_name].text!r}]", problems)


def _xml_structure(
    shape: Shape,
    node: ET.Element,
    path: str,
    problems: Problems,
    members: dict[str, Shape],
    ignore: set[str] = frozenset(),  # type: ignore[assignment]
) -> None:
    by_xml = {_xml_name(n, m): (n, m) for n, m in members.items() if not m.serialization.get("xmlAttribute")}
    groups: dict[str, list[ET.Element]] = {}
    for child in node:
        groups.setdefault(_tag(child), []).append(child)
    present = set()
    for tag, children in groups.items():
        if tag in ignore:
            continue
        if tag not in by_xml:
            problems.add(_join(path, tag), f"<{tag}> is not a member of {shape.name} (botocore ignores it)")
            continue
        name, member = by_xml[tag]
        present.add(name)
        child_path = _join(path, name)
        if member.type_name == "list" and member.serialization.get("flattened"):
            for i, child in enumerate(children):
                _xml(member.member, child, f"{child_path}[{i}]", problems)
            continue
        if member.type_name == "map" and member.serialization.get("flattened"):
            _xml_map_entries(member, children, child_path, problems)
            continue
        if len(children) > 1:
            problems.add(child_path, f"<{tag}> appears {len(children)} times; botocore keeps the last")
        _xml(member, children[-1], child_path, problems, _extra(shape, name))
    for name, member in members.items():
        if member.serialization.get("xmlAttribute"):
            attribute = member.serialization.get("name", name)
            if any(key.rsplit("}", 1)[-1] == attribute.split(":")[-1] for key in node.attrib):
                present.add(name)
    _required_xml(shape, present, members, path, problems)


def _required_xml(shape: Shape, present: set[str], members: dict[str, Shape], path: str, problems: Problems) -> None:
    for name in shape.required_members:
        if name in members and name not in present:
            problems.add(_join(path, name), f"required member of {shape.name} is missing")


def _xml_scalar(shape: Shape, node: ET.Element, path: str, problems: Problems, extra: tuple[str, ...] = ()) -> None:
    if len(node):
        problems.add(path, f"a {shape.type_name} holds text, not elements (<{_tag(node[0])}>)")
        return
    text = node.text or ""
    kind = shape.type_name
    if kind == "string":
        if shape.enum and text not in shape.enum and text not in extra:
            problems.add(path, f"{text!r} is not one of {shape.name}'s values {shape.enum}")
    elif kind in ("integer", "long"):
        if not _INTEGER.fullmatch(text.strip()):
            problems.add(path, f"expected an integer, got {text!r}")
    elif kind in ("float", "double"):
        try:
            float(text)
        except ValueError:
            problems.add(path, f"expected a number, got {text!r}")
    elif kind == "boolean":
        if text not in ("true", "false"):
            problems.add(path, f"expected true or false, got {text!r} (botocore reads anything else as False)")
    elif kind == "timestamp":
        form = shape.serialization.get("timestampFormat", "iso8601")
        if form == "iso8601":
            if not _ISO8601.fullmatch(text.strip()):
                problems.add(path, f"expected an ISO 8601 timestamp with a time zone, got {text!r}")
        else:
            _timestamp(text, form, path, problems, text=True)
    elif kind == "blob":
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            problems.add(path, "a blob that is not valid base64")


def _type(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)
