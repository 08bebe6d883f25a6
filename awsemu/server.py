"""The dispatcher: our handlers first, moto's WSGI application for everything else."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import pkgutil
import re
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from awsemu import core, motofast, registry, shapes, strict

LOG = logging.getLogger("awsemu")

# Strict-mode violations kept at most (the count of the rest is reported).
MAX_VIOLATIONS = 2000
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def load_services() -> None:
    """Import every module of ``awsemu.services`` and ``awsemu.rules`` so handlers and rules register."""
    from awsemu import rules, services

    for package in (services, rules):
        for mod in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{mod.name}")


def account_for(access_key: str | None, headers: dict[str, str] | None = None) -> str:
    """The account moto uses for a request, so our state and moto's agree.

    moto's order: MOTO_ACCOUNT_ID, the ``x-moto-account-id`` header, the account owning the access key
    (keys made by IAM CreateAccessKey or STS AssumeRole), else the default account.
    """
    if os.environ.get("MOTO_ACCOUNT_ID"):
        return os.environ["MOTO_ACCOUNT_ID"]
    if headers and headers.get("x-moto-account-id"):
        return headers["x-moto-account-id"]
    if access_key:
        try:
            from moto.iam.models import get_account_id_from

            return get_account_id_from(access_key)
        except ImportError:  # pragma: no cover - moto is a dependency
            pass
    return core.DEFAULT_ACCOUNT_ID


class Emulator:
    """WSGI application: ``/_emulator/*`` admin, registered AWS handlers, then moto."""

    def __init__(self, moto_app: Any | None = None, load: bool = True) -> None:
        """``moto_app``: the WSGI app behind us (moto's by default); ``load``: import awsemu.services."""
        if moto_app is None:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

            motofast.apply()

            moto_app = DomainDispatcherApplication(create_backend_app)
        self.moto_app = moto_app
        self.requests: deque[dict[str, Any]] = deque(maxlen=2000)
        self.faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        # AWSEMU_STRICT=1: check every answer against botocore's output shape (awsemu.strict).
        self.strict = os.environ.get("AWSEMU_STRICT", "") == "1"
        self.strict_checked = 0
        self.violations: list[dict[str, Any]] = []
        self.violations_dropped = 0
        if load:
            load_services()

    # --- WSGI
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self._admin(environ, start_response, path)
        if registry.is_registry_request(environ):  # docker login/push/pull (awsemu.registry), streamed
            return registry.app(environ, start_response)
        raw = self._read_body(environ)
        if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            self.reset()
            motofast.drop_backends()  # moto's own reset then has nothing left to rebuild
            return self.moto_app(environ, start_response)
        req = self._parse(environ, raw)
        if req is None:
            return self.moto_app(environ, start_response)
        found = shapes.identify(req)
        if found is not None and req.protocol == "rest":
            req.action = found[1].name  # S3 and other REST calls are logged by operation name
        # started/seconds: real (unscaled) wall-clock time, so a benchmark can tell the time spent inside AWS
        # calls from the client's own (make bench); the strict check below is not counted in seconds.
        started = time.time()
        entry = {
            "time": core.CLOCK.now().isoformat(),
            "started": round(started, 6),
            "seconds": None,
            "service": req.service,
            "action": req.action,
            "region": req.region,
            "account": req.account_id,
            "handler": "moto",
            "status": None,
        }
        with self._lock:
            self.requests.append(entry)
        answer: dict[str, Any] = {}

        def record(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            entry["status"] = int(status.split()[0])
            answer["status"], answer["headers"] = entry["status"], headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self._dispatch(environ, record, req, entry, found)
        entry["seconds"] = round(time.time() - started, 6)
        if not self.strict or found is None:
            return body
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
        self._check_strict(req, found, entry, answer, b"".join(chunks))
        return chunks

    def _dispatch(self, environ: dict[str, Any], record: Any, req: core.Request, entry: dict[str, Any], found: Any):
        fault = self._fault_for(req)
        if fault is not None:
            entry["handler"] = "fault"
            return self._error(record, req, core.AwsError(fault["code"], fault["message"], fault["status"]))
        key = (req.service, req.action)
        try:
            for hook in core.BEFORE_HOOKS:  # lazy lifecycles (CodeDeploy) catch up with the clock first
                hook(req)
            if found is not None:
                for check in core.validators_for(found[0].service_name, found[1].name):
                    check(req)
            if key in core.HANDLERS:
                entry["handler"] = "awsemu"
                result = core.HANDLERS[key](req)
                if core.AFTER.get(key) and req.protocol == "json" and isinstance(result, dict):
                    result = core.run_after(req, result)
                return self._answer(record, req, result)
            if core.AFTER.get(key) and req.protocol == "json":
                entry["handler"] = "moto+awsemu"
                return self._moto_then(environ, record, req, core.run_after)
        except core.AwsError as err:
            entry["handler"] = entry["handler"] if entry["handler"] != "moto" else "awsemu"
            return self._error(record, req, err)
        except Exception as err:  # a bug in an extension: answer like AWS's 500, log the traceback
            LOG.exception("handler for %s.%s failed", req.service, req.action)
            failure = core.AwsError("InternalFailure", f"awsemu: {type(err).__name__}: {err}", 500)
            return self._error(record, req, failure)
        return self.moto_app(environ, record)

    # --- strict mode (awsemu.strict): every answer against botocore's output shape
    def _check_strict(
        self, req: core.Request, found: Any, entry: dict[str, Any], answer: dict[str, Any], body: bytes
    ) -> None:
        model, op = found
        try:
            problems = strict.check(model, op, answer.get("status", 200), dict(answer.get("headers") or []), body)
        except Exception:  # the checker must never change an answer
            LOG.exception("strict check of %s.%s failed", model.service_name, op.name)
            problems = [("", "awsemu.strict raised; see the emulator log")]
        with self._lock:
            self.strict_checked += 1
            for path, problem in problems:
                violation = {
                    "service": model.service_name,
                    "operation": op.name,
                    "status": answer.get("status"),
                    "handler": entry["handler"],
                    "path": path,
                    "problem": problem,
                    "time": entry["time"],
                }
                LOG.warning("strict: %s.%s %s: %s", model.service_name, op.name, path, problem)
                if len(self.violations) < MAX_VIOLATIONS:
                    self.violations.append(violation)
                else:
                    self.violations_dropped += 1

    def reset(self) -> None:
        core.STORE.reset()
        core.CLOCK.reset()
        core.SETTINGS["page_size"].clear()
        with self._lock:
            self.requests.clear()
            self.faults.clear()
        for hook in core.RESET_HOOKS:
            hook()

    # --- parsing
    @staticmethod
    def _read_body(environ: dict[str, Any]) -> bytes:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        return raw

    @staticmethod
    def _parse(environ: dict[str, Any], raw: bytes) -> core.Request | None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = _SCOPE.search(auth)
        if not match:
            return None
        access_key, region, service = match.groups()
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        target = environ.get("HTTP_X_AMZ_TARGET")
        body: Any
        if target:
            protocol, action = "json", target.rsplit(".", 1)[-1]
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
        else:
            form = (
                {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True).items()}
                if raw
                else {}
            )
            form = {**{k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}, **form}
            if "Action" in form:
                protocol, action, body = "query", form["Action"], form
            else:
                protocol, action, body = "rest", "", raw
        return core.Request(
            service=service,
            action=action,
            region=region,
            account_id=account_for(access_key, headers),
            protocol=protocol,
            body=body,
            headers=headers,
            path=environ.get("PATH_INFO", ""),
            method=environ.get("REQUEST_METHOD", "GET"),
            raw=raw,
            query=shapes.query_dict(environ.get("QUERY_STRING", "")),
        )

    # --- answers
    @staticmethod
    def _content_type(req: core.Request) -> str:
        return req.headers.get("content-type") or "application/x-amz-json-1.1"

    def _answer(self, start_response: Any, req: core.Request, result: Any) -> list[bytes]:
        if isinstance(result, tuple) and len(result) == 3:  # (status, headers, body) for rest/query
            status, headers, body = result
            data = body if isinstance(body, bytes) else str(body).encode()
            start_response(f"{status} OK", list(headers.items()) + [("Content-Length", str(len(data)))])
            return [data]
        data = core.json_dumps(result if result is not None else {}).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", self._content_type(req)),
                ("Content-Length", str(len(data))),
                ("x-amzn-RequestId", "awsemu"),
            ],
        )
        return [data]

    def _error(self, start_response: Any, req: core.Request, err: core.AwsError) -> list[bytes]:
        found = shapes.identify(req)
        protocol = found[0].resolved_protocol if found else ("query" if req.protocol == "query" else "json")
        message = _xml_escape(err.message)
        if protocol == "ec2":
            data = (
                f"<Response><Errors><Error><Code>{err.code}</Code><Message>{message}</Message></Error></Errors>"
                "<RequestID>awsemu</RequestID></Response>"
            ).encode()
            ctype = "text/xml"
        elif protocol == "query":
            data = (
                '<ErrorResponse xmlns="http://webservices.amazon.com/AWSFault/2005-15-09">'
                f"<Error><Type>Sender</Type><Code>{err.code}</Code><Message>{message}</Message>"
                "</Error><RequestId>awsemu</RequestId></ErrorResponse>"
            ).encode()
            ctype = "text/xml"
        elif protocol == "rest-xml":
            data = (
                f"<Error><Code>{err.code}</Code><Message>{message}</Message><RequestId>awsemu</RequestId></Error>"
            ).encode()
            ctype = "application/xml"
        else:
            data = json.dumps({"__type": err.code, "message": err.message}).encode()
            ctype = self._content_type(req) if req.protocol == "json" else "application/json"
        start_response(
            f"{err.status} Error",
            [("Content-Type", ctype), ("Content-Length", str(len(data))), ("x-amzn-ErrorType", err.code)],
        )
        return [data]

    def _moto_then(self, environ: dict[str, Any], start_response: Any, req: core.Request, fn: Any) -> list[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        chunks = self.moto_app(environ, capture)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        if not captured["status"].startswith("200"):
            start_response(captured["status"], captured["headers"])
            return [data]
        body = fn(req, json.loads(data or b"{}"))
        return self._answer(start_response, req, body)

    # --- faults (non-AWS, for tests)
    def _fault_for(self, req: core.Request) -> dict[str, Any] | None:
        with self._lock:
            for fault in self.faults:
                if fault["service"] == req.service and fault["action"] == req.action and fault["count"] != 0:
                    fault["count"] -= 1
                    return fault
        return None

    # --- /_emulator admin
    def _admin(self, environ: dict[str, Any], start_response: Any, path: str) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        raw = self._read_body(environ)
        try:
            payload = json.loads(raw) if raw else {}
        except ValueError:
            payload = {}
        name = path[len("/_emulator/") :].strip("/")
        status, result = "200 OK", {}
        if name == "health":
            result = {
                "status": "ok",
                "services": sorted({s for s, _ in core.HANDLERS} | {s for s, _ in core.AFTER}),
                "handlers": sorted(f"{s}.{a}" for s, a in core.HANDLERS),
                "after": sorted(f"{s}.{a}" for s, a in core.AFTER),
                "admin": sorted(["health", "clock", "requests", "faults", "settings", "strict", *core.ADMIN]),
                "strict": self.strict,
                "time_scale": core.CLOCK.scale,
                "iam_managed_policies": os.environ.get("MOTO_IAM_LOAD_MANAGED_POLICIES", "").lower() == "true",
            }
        elif name == "clock":
            if method == "POST":
                if "scale" in payload:
                    core.CLOCK.set_scale(float(payload["scale"]))
                if "advance" in payload:
                    core.CLOCK.advance(float(payload["advance"]))
            result = core.CLOCK.state()
        elif name == "requests":
            with self._lock:
                if method == "DELETE":
                    self.requests.clear()
                result = {"requests": list(self.requests)}
        elif name == "strict":
            with self._lock:
                if method == "POST" and "enabled" in payload:
                    self.strict = bool(payload["enabled"])
                result = {
                    "enabled": self.strict,
                    "checked": self.strict_checked,
                    "violations": list(self.violations),
                    "dropped": self.violations_dropped,
                }
                if method == "DELETE":
                    self.violations.clear()
                    self.violations_dropped = 0
        elif name == "settings":
            if method == "POST":
                for key, size in (payload.get("page_size") or {}).items():
                    core.SETTINGS["page_size"][key] = int(size)
            elif method == "DELETE":
                core.SETTINGS["page_size"].clear()
            result = {"page_size": dict(core.SETTINGS["page_size"])}
        elif name == "faults":
            with self._lock:
                if method == "POST":
                    if not payload.get("service") or not payload.get("action"):
                        data = json.dumps({"error": "a fault needs service and action"}).encode()
                        start_response(
                            "400 Bad Request",
                            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
                        )
                        return [data]
                    self.faults.append(
                        {
                            "service": payload["service"],
                            "action": payload["action"],
                            "code": payload.get("code", "InternalFailure"),
                            "message": payload.get("message", "injected fault"),
                            "status": int(payload.get("status", 500)),
                            "count": int(payload.get("count", -1)),
                        }
                    )
                elif method == "DELETE":
                    self.faults.clear()
                result = {"faults": list(self.faults)}
        elif name in core.ADMIN:
            try:
                result = core.ADMIN[name](method, payload)
            except core.AwsError as err:
                status, result = f"{err.status} Error", {"error": err.code, "message": err.message}
        else:
            status, result = "404 Not Found", {"error": f"no such emulator endpoint: {path}"}
        data = json.dumps(result, default=str).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serve(host: str = "127.0.0.1", port: int = 4566) -> None:
    """Run the emulator until killed (werkzeug's threaded server, like moto_server)."""
    from werkzeug.serving import run_simple

    # moto reads this when an account's IAM backend is first built (first IAM call), so setting it here,
    # before the first request, is early enough; __main__ sets it before importing anything too.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # see __main__
    scale = os.environ.get("AWSEMU_TIME_SCALE")
    if scale:
        core.CLOCK.set_initial_scale(float(scale))
    app = Emulator()
    LOG.info("awsemu on http://%s:%s (time scale %s)", host, port, core.CLOCK.scale)
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
