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
protocols only); several modules may register ``after`` for one action: the hooks run in
registration order, each receiving the previous one's result. Raise ``AwsError(code, message,
status)`` for an AWS error response.

Per account and region state lives in ``STORE`` (``STORE.get(req, "codedeploy", factory)``) and
is cleared by moto's reset endpoint (``POST /moto-api/reset``) together with moto's own state.
Time comes from ``CLOCK`` (scaled, advanceable), so lifecycles can run fast and deterministically.

List actions page with ``paginate(items, token, page_size(req, default))``: opaque ``nextToken``
values, and a page size tests can shrink (``POST /_emulator/settings {"page_size":
{"codecommit.ListRepositories": 2}}``) instead of creating a thousand resources.

``@validates(model, action)`` checks a request before anyone answers it (moto or a handler): it gets
the ``Request`` (``req.params`` is the input as botocore's input shape has it, for every protocol) and
raises ``AwsError`` for a request AWS would reject; ``model`` is botocore's service name (``elbv2``,
``logs``, ``s3``), which, unlike the SigV4 signing name, tells ELBv2 from the classic ELB. Rules live in
``awsemu/rules/``, one module per service.

``@admin(name)`` adds ``/_emulator/<name>`` (``fn(method, payload) -> dict``); ``@on_reset`` runs a
function on reset; ``@before_request`` runs ``fn(req)`` before every AWS request is answered. A
handler that raises anything but ``AwsError`` answers ``500 InternalFailure`` (JSON) and the
traceback goes to the emulator's log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCOUNT_ID = "123456789012"

Handler = Callable[["Request"], Any]
AfterHandler = Callable[["Request", Any], Any]

HANDLERS: dict[tuple[str, str], Handler] = {}
# Request checks run before a request is answered, keyed by (botocore service name, operation name).
VALIDATORS: dict[tuple[str, str], list[Callable[[Request], None]]] = {}
AFTER: dict[tuple[str, str], list[AfterHandler]] = {}
RESET_HOOKS: list[Callable[[], None]] = []
# Called with every parsed AWS request before it is answered (lazy lifecycles catch up with the clock).
BEFORE_HOOKS: list[Callable[[Request], None]] = []
# Non-AWS admin endpoints a service module adds under /_emulator/<name>: fn(method, payload) -> dict.
ADMIN: dict[str, Callable[[str, Any], Any]] = {}


LOG = logging.getLogger("awsemu")


def handles(service: str, action: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the full implementation of ``service``'s ``action`` (one per action)."""

    def deco(fn: Handler) -> Handler:
        previous = HANDLERS.get((service, action))
        if previous is not None and (previous.__module__, previous.__qualname__) != (fn.__module__, fn.__qualname__):
            LOG.warning(
                "%s.%s: %s.%s replaces %s.%s",
                service,
                action,
                fn.__module__,
                fn.__qualname__,
                previous.__module__,
                previous.__qualname__,
            )
        HANDLERS[(service, action)] = fn
        return fn

    return deco


def after(service: str, action: str) -> Callable[[AfterHandler], AfterHandler]:
    """Register ``fn(req, body)`` to rewrite moto's JSON answer to ``service``'s ``action``.

    Hooks for the same action chain in registration order (re-registering a function replaces it).
    They also run on the answer of a ``@handles`` handler for that action.
    """

    def deco(fn: AfterHandler) -> AfterHandler:
        hooks = AFTER.setdefault((service, action), [])
        name = (fn.__module__, fn.__qualname__)
        hooks[:] = [h for h in hooks if (h.__module__, h.__qualname__) != name]
        hooks.append(fn)
        return fn

    return deco


def run_after(req: Request, body: Any) -> Any:
    """Apply every ``after`` hook registered for ``req``'s action, in order."""
    for fn in AFTER.get((req.service, req.action), []):
        body = fn(req, body)
    return body


def validates(model: str, *actions: str) -> Callable[[Callable[[Request], None]], Callable[[Request], None]]:
    """Register ``fn(req)`` to check ``model``'s ``actions`` before they are answered (raise ``AwsError``).

    ``model`` is botocore's service name (``elbv2``, ``iam``, ``logs``); the action ``"*"`` means every
    operation of the service. Several checks may register for one action and run in registration order,
    service-wide ones first (re-registering a function replaces it).
    """

    def deco(fn: Callable[[Request], None]) -> Callable[[Request], None]:
        for action in actions:
            checks = VALIDATORS.setdefault((model, action), [])
            name = (fn.__module__, fn.__qualname__)
            checks[:] = [c for c in checks if (c.__module__, c.__qualname__) != name]
            checks.append(fn)
        return fn

    return deco


def validators_for(model: str, action: str) -> list[Callable[[Request], None]]:
    """The checks of ``model``'s ``action``: the service-wide ones, then the action's own."""
    return VALIDATORS.get((model, "*"), []) + VALIDATORS.get((model, action), [])


def admin(name: str) -> Callable[[Callable[[str, Any], Any]], Callable[[str, Any], Any]]:
    """Register a non-AWS test endpoint at ``/_emulator/<name>`` (fault injection and the like)."""

    def deco(fn: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
        ADMIN[name] = fn
        return fn

    return deco


def before_request(fn: Callable[[Request], None]) -> Callable[[Request], None]:
    """Register ``fn(req)`` to run before every AWS request is answered (by us or by moto)."""
    if fn not in BEFORE_HOOKS:
        BEFORE_HOOKS.append(fn)
    return fn


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
    query: dict[str, str] = field(default_factory=dict)  # the URL's query string, first value of each name

    @property
    def model(self) -> str | None:
        """botocore's name of the service (``elbv2`` for an ELBv2 call), or None if no model fits."""
        from awsemu import shapes

        found = shapes.identify(self)
        return found[0].service_name if found else None

    @property
    def params(self) -> dict[str, Any]:
        """The input as botocore's input shape has it: the JSON body, or form fields / REST parts rebuilt."""
        if "_params" not in self.extra:
            from awsemu import shapes

            self.extra["_params"] = shapes.request_params(self)
        return self.extra["_params"]

    def param(self, name: str, default: Any = None) -> Any:
        if isinstance(self.body, dict):
            return self.body.get(name, default)
        return default

    def require(self, name: str, code: str = "InvalidParameterException") -> Any:
        value = self.param(name)
        if value in (None, "", [], {}):
            raise AwsError(code, f"{name} is required")
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
        self.initial_scale = scale
        self._base_real = time.monotonic()
        self._base_emulated = time.time()

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.timestamp(), tz=dt.UTC)

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

    def set_initial_scale(self, scale: float) -> None:
        """The scale the emulator started with (AWSEMU_TIME_SCALE); ``reset`` returns to it."""
        self.initial_scale = float(scale)
        self.set_scale(scale)

    def reset(self) -> None:
        """Back to the start-up scale; time itself keeps running forward (never rewinds)."""
        self.set_scale(self.initial_scale)

    def state(self) -> dict[str, Any]:
        return {"scale": self.scale, "now": self.now().isoformat(), "timestamp": self.timestamp()}


STORE = Store()
CLOCK = Clock()
# Test-tunable knobs, cleared on reset: {"page_size": {"<service>.<Action>": n}}.
SETTINGS: dict[str, dict[str, Any]] = {"page_size": {}}


def page_size(req: Request, default: int) -> int:
    """The page size of ``req``'s list action: AWS's ``default`` unless a test set a smaller one."""
    return int(SETTINGS["page_size"].get(f"{req.service}.{req.action}", default))


def paginate(
    items: list[Any], token: str | None, size: int, error_code: str = "InvalidNextTokenException"
) -> tuple[list[Any], str | None]:
    """One page of ``items`` from an opaque ``token`` (``None`` = first page); returns (page, next token)."""
    start = 0
    if token:
        try:
            start = int(json.loads(base64.urlsafe_b64decode(token.encode()))["offset"])
        except (ValueError, KeyError, TypeError, binascii.Error) as err:
            raise AwsError(error_code, "The specified pagination token is not valid.") from err
        if start < 0 or start > len(items):
            raise AwsError(error_code, "The specified pagination token is not valid.")
    end = start + max(1, size)
    following = None
    if end < len(items):
        following = base64.urlsafe_b64encode(json.dumps({"offset": end}).encode()).decode()
    return items[start:end], following


def json_dumps(value: Any) -> str:
    """JSON for AWS answers: datetimes as epoch seconds, as AWS JSON protocols send them."""

    def default(o: Any) -> Any:
        if isinstance(o, dt.datetime):
            return o.timestamp()
        raise TypeError(f"not JSON serialisable: {type(o).__name__}")

    return json.dumps(value, default=default)


def epoch_seconds(value: Any) -> Any:
    """A timestamp as AWS's JSON protocols send it (epoch seconds), from a datetime or moto's ISO 8601 text."""
    if isinstance(value, dt.datetime):
        return value.timestamp() if value.tzinfo else value.replace(tzinfo=dt.UTC).timestamp()
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        return epoch_seconds(parsed)
    return value


def drop_nulls(value: Any) -> Any:
    """``value`` without the ``null`` members moto writes: AWS leaves out a member that has no value."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value
