"""The extension contract: handler registry, request context, AWS-shaped errors, state, clock.

A service module registers handlers with::

    from awsemu.core import AwsError, handles, after

    @handles("codecommit", "ListRepositories")
    def list_repositories(req):            # req: Request
        return {"repositories": [...]}      # dict -> JSON body (JSON protocols)

    @after("ecs", "DescribeClusters")
    def add_capacity_providers(req, body):  # body: moto's parsed JSON answer
        return body                         # the (modified) answer sent to the client

``handles`` replaces moto for that action; ``after`` post-processes moto's answer (JSON
protocols only). Raise ``AwsError(code, message, status)`` for an AWS error response.

Per account and region state lives in ``STORE`` (``STORE.get(req, "codedeploy", factory)``) and
is cleared by moto's reset endpoint (``POST /moto-api/reset``) together with moto's own state.
Time comes from ``CLOCK`` (scaled, advanceable), so lifecycles can run fast and deterministically.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT_ID = "123456789012"

Handler = Callable[["Request"], Any]
AfterHandler = Callable[["Request", Any], Any]

HANDLERS: dict[tuple[str, str], Handler] = {}
AFTER: dict[tuple[str, str], AfterHandler] = {}
RESET_HOOKS: list[Callable[[], None]] = []
# Non-AWS admin endpoints a service module adds under /_emulator/<name>: fn(method, payload) -> dict.
ADMIN: dict[str, Callable[[str, Any], Any]] = {}


def handles(service: str, action: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the full implementation of ``service``'s ``action``."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[(service, action)] = fn
        return fn

    return deco


def after(service: str, action: str) -> Callable[[AfterHandler], AfterHandler]:
    """Register ``fn(req, body)`` to rewrite moto's JSON answer to ``service``'s ``action``."""

    def deco(fn: AfterHandler) -> AfterHandler:
        AFTER[(service, action)] = fn
        return fn

    return deco


def admin(name: str) -> Callable[[Callable[[str, Any], Any]], Callable[[str, Any], Any]]:
    """Register a non-AWS test endpoint at ``/_emulator/<name>`` (fault injection and the like)."""

    def deco(fn: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
        ADMIN[name] = fn
        return fn

    return deco


def on_reset(fn: Callable[[], None]) -> Callable[[], None]:
    """Register ``fn`` to run when the emulator is reset (moto's reset endpoint)."""
    RESET_HOOKS.append(fn)
    return fn


class AwsError(Exception):
    """An AWS error response: ``code`` is the AWS error code (``__type`` / ``<Code>``)."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Request:
    """What a handler sees of one AWS API call."""

    service: str
    action: str
    region: str
    account_id: str
    protocol: str  # "json" (X-Amz-Target), "query" (Action=...), or "rest"
    body: Any  # parsed JSON dict (json), dict of form fields (query), raw bytes (rest)
    headers: dict[str, str]
    path: str
    method: str
    raw: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        if isinstance(self.body, dict):
            return self.body.get(name, default)
        return default

    def require(self, name: str) -> Any:
        value = self.param(name)
        if value in (None, "", [], {}):
            raise AwsError("InvalidParameterException", f"{name} is required")
        return value

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


class Store:
    """Our state beside moto's: one dict per (account, region, service), cleared on reset."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._data: dict[tuple[str, str, str], Any] = {}

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def get(self, req: Request | tuple[str, str], service: str, factory: Callable[[], Any] = dict) -> Any:
        account, region = (req.account_id, req.region) if isinstance(req, Request) else req
        key = (account, region, service)
        with self._lock:
            if key not in self._data:
                self._data[key] = factory()
            return self._data[key]

    def items(self, service: str) -> list[tuple[tuple[str, str], Any]]:
        with self._lock:
            return [((a, r), v) for (a, r, s), v in self._data.items() if s == service]

    def reset(self) -> None:
        with self._lock:
            self._data.clear()


class Clock:
    """Emulated time: real time since start times ``scale``, plus manual advances.

    ``AWSEMU_TIME_SCALE=60`` makes one real second count as a minute, so a 5-minute
    termination wait passes in 5 s; ``POST /_emulator/clock {"advance": 300}`` jumps ahead.
    """

    def __init__(self, scale: float = 1.0) -> None:
        self._lock = threading.Lock()
        self.scale = scale
        self._base_real = time.monotonic()
        self._base_emulated = time.time()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), tz=dt.timezone.utc)

    def timestamp(self) -> float:
        with self._lock:
            return self._base_emulated + (time.monotonic() - self._base_real) * self.scale

    def set_scale(self, scale: float) -> None:
        with self._lock:
            now = self._base_emulated + (time.monotonic() - self._base_real) * self.scale
            self._base_real, self._base_emulated, self.scale = time.monotonic(), now, float(scale)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._base_emulated += float(seconds)

    def state(self) -> dict[str, Any]:
        return {"scale": self.scale, "now": self.now().isoformat()}


STORE = Store()
CLOCK = Clock()


def json_dumps(value: Any) -> str:
    """JSON for AWS answers: datetimes as epoch seconds, as AWS JSON protocols send them."""

    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.timestamp()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(value, default=default)
