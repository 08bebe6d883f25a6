"""Check the emulator's raw JSON answers against botocore's output shapes: no unknown keys, right types, enums.

``record_raw(client)`` makes ``client`` keep the raw body of every answer in ``client.raw[operation]``;
``problems(client, operation)`` lists what in that body botocore's output shape does not allow.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.model import Shape


def record_raw(client: Any) -> Any:
    client.raw = {}

    def keep(http_response: Any, model: Any, **_kwargs: Any) -> None:
        client.raw[model.name] = http_response.content

    client.meta.events.register(f"after-call.{client.meta.service_model.endpoint_prefix}", keep)
    return client


def _walk(value: Any, shape: Shape, path: str, found: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            found.append(f"{path}: {type(value).__name__}, want an object")
            return
        for key, item in value.items():
            if key not in shape.members:
                found.append(f"{path}.{key}: not in {shape.name}")
            elif item is not None:
                _walk(item, shape.members[key], f"{path}.{key}", found)
    elif kind == "list":
        if not isinstance(value, list):
            found.append(f"{path}: {type(value).__name__}, want a list")
            return
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{i}]", found)
    elif kind == "map":
        if not isinstance(value, dict):
            found.append(f"{path}: {type(value).__name__}, want a map")
    elif kind == "string":
        if not isinstance(value, str):
            found.append(f"{path}: {value!r} is not a string")
        elif shape.enum and value not in shape.enum:
            found.append(f"{path}: {value!r} not one of {shape.enum}")
    elif kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            found.append(f"{path}: {value!r} is not an integer")
    elif kind == "boolean":
        if not isinstance(value, bool):
            found.append(f"{path}: {value!r} is not a boolean")
    elif kind == "timestamp" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        found.append(f"{path}: {value!r} is not an epoch timestamp")


def problems(client: Any, operation: str) -> list[str]:
    shape = client.meta.service_model.operation_model(operation).output_shape
    found: list[str] = []
    _walk(json.loads(client.raw[operation]), shape, operation, found)
    return found
