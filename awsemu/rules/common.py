"""Shared pieces of the request rules: AWS's validation message and the model's constraints.

AWS services built on the AWS service framework check every request against the constraints of their
model before anything else, the constraints the API reference prints under each parameter ("Length
Constraints", "Pattern", "Valid Range", "Valid Values"), and answer with one message listing every
violation, for example (IAM, CreateRole)::

    1 validation error detected: Value 'my role' at 'roleName' failed to satisfy constraint: Member must
    satisfy regular expression pattern: [\\w+=,.@-]+

``model_problems`` finds those violations from botocore's copy of the model (the same source the API
reference is generated from); ``validation_message`` words them. boto3 itself checks only required
members, types and minimums, never maximums, patterns or enum values, so without this the emulator
accepted what AWS refuses.
"""

from __future__ import annotations

from typing import Any

import regex  # the models' patterns use \\p{L}-style classes, which the re module lacks
from botocore.model import Shape

_PATTERNS: dict[str, Any] = {}


def lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _compiled(pattern: str):
    if pattern not in _PATTERNS:
        try:
            _PATTERNS[pattern] = regex.compile(pattern)
        except regex.error:  # a pattern only Java understands: not checked rather than guessed
            _PATTERNS[pattern] = None
    return _PATTERNS[pattern]


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def problem(value: Any, path: str, constraint: str) -> str:
    return f"Value '{shown(value)}' at '{path}' failed to satisfy constraint: {constraint}"


def validation_message(problems: list[str]) -> str:
    """AWS's wording: "N validation error(s) detected: <problem>; <problem>"."""
    count = len(problems)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(problems)


def model_problems(params: Any, shape: Shape | None, path: str = "") -> list[str]:
    """Every violation of the model's length, pattern, range and enum constraints in ``params``."""
    found: list[str] = []
    if shape is not None:
        _walk(params, shape, path, found)
    return found


def _walk(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                _walk(value[name], member, f"{path}.{lower_first(name)}" if path else lower_first(name), found)
        return
    if kind == "list":
        if not isinstance(value, list):
            return
        _length(value, meta, path, found)
        for i, item in enumerate(value, 1):
            _walk(item, shape.member, f"{path}.{i}.member", found)
        return
    if kind == "map":
        if not isinstance(value, dict):
            return
        _length(value, meta, path, found)
        for key, item in value.items():
            _walk(key, shape.key, f"{path}.key", found)
            _walk(item, shape.value, f"{path}.{key}", found)
        return
    if kind == "string":
        if not isinstance(value, str):
            return
        _length(value, meta, path, found)
        if shape.enum and value not in shape.enum:
            found.append(problem(value, path, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]"))
        pattern = meta.get("pattern")
        if pattern and value:
            compiled = _compiled(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                found.append(problem(value, path, f"Member must satisfy regular expression pattern: {pattern}"))
        return
    if kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        if "max" in meta and value > meta["max"]:
            found.append(problem(value, path, f"Member must have value less than or equal to {meta['max']}"))
        if "min" in meta and value < meta["min"]:
            found.append(problem(value, path, f"Member must have value greater than or equal to {meta['min']}"))


def _length(value: Any, meta: dict[str, Any], path: str, found: list[str]) -> None:
    if "max" in meta and len(value) > meta["max"]:
        found.append(problem(value, path, f"Member must have length less than or equal to {meta['max']}"))
    if "min" in meta and len(value) < meta["min"]:
        found.append(problem(value, path, f"Member must have length greater than or equal to {meta['min']}"))
