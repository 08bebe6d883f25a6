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
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from awsemu import core

LOG = logging.getLogger("awsemu")

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")


def load_services() -> None:
    """Import every module of ``awsemu.services`` so its handlers register."""
    from awsemu import services

    for mod in pkgutil.iter_modules(services.__path__):
        importlib.import_module(f"awsemu.services.{mod.name}")


def account_for(access_key: str | None) -> str:
    """moto's rule: a 12-digit access key names the account; anything else is the default."""
    if access_key and re.fullmatch(r"\d{12}", access_key):
        return access_key
    return core.DEFAULT_ACCOUNT_ID


class Emulator:
    """WSGI application: ``/_emulator/*`` admin, registered AWS handlers, then moto."""

    def __init__(self, moto_app: Any | None = None) -> None:
        if moto_app is None:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

            moto_app = DomainDispatcherApplication(create_backend_app)
        self.moto_app = moto_app
        self.requests: deque[dict[str, Any]] = deque(maxlen=2000)
        self.faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        load_services()

    # --- WSGI
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_emulator/"):
            return self._admin(environ, start_response, path)
        raw = self._read_body(environ)
        if path == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
            self.reset()
            return self.moto_app(environ, start_response)
        req = self._parse(environ, raw)
        if req is not None:
            with self._lock:
                self.requests.append({"service": req.service, "action": req.action, "region": req.region})
            fault = self._fault_for(req)
            if fault is not None:
                return self._error(start_response, req, core.AwsError(fault["code"], fault["message"], fault["status"]))
            key = (req.service, req.action)
            try:
                if key in core.HANDLERS:
                    return self._answer(start_response, req, core.HANDLERS[key](req))
                if key in core.AFTER and req.protocol == "json":
                    return self._moto_then(environ, start_response, req, core.AFTER[key])
            except core.AwsError as err:
                return self._error(start_response, req, err)
        return self.moto_app(environ, start_response)

    def reset(self) -> None:
        core.STORE.reset()
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
            form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()} if raw else {}
            query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
            form = {**query, **form}
            if "Action" in form:
                protocol, action, body = "query", form["Action"], form
            else:
                protocol, action, body = "rest", "", raw
        return core.Request(
            service=service,
            action=action,
            region=region,
            account_id=account_for(access_key),
            protocol=protocol,
            body=body,
            headers=headers,
            path=environ.get("PATH_INFO", ""),
            method=environ.get("REQUEST_METHOD", "GET"),
            raw=raw,
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
        if req.protocol == "query":
            data = (
                '<ErrorResponse xmlns="http://webservices.amazon.com/AWSFault/2005-15-09">'
                f"<Error><Type>Sender</Type><Code>{err.code}</Code><Message>{_xml_escape(err.message)}</Message>"
                "</Error><RequestId>awsemu</RequestId></ErrorResponse>"
            ).encode()
            ctype = "text/xml"
        else:
            data = json.dumps({"__type": err.code, "message": err.message}).encode()
            ctype = self._content_type(req)
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
            result = {"status": "ok", "services": sorted({s for s, _ in core.HANDLERS} | {s for s, _ in core.AFTER})}
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
        elif name == "faults":
            with self._lock:
                if method == "POST":
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

    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    scale = os.environ.get("AWSEMU_TIME_SCALE")
    if scale:
        core.CLOCK.set_scale(float(scale))
    run_simple(host, port, Emulator(), threaded=True, use_reloader=False, use_debugger=False)
