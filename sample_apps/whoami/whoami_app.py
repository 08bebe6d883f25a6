"""whoami: a dependency-free ASGI app that says which task answered and what the load balancer sent it.

A second sample app unlike hello_app (Flask/WSGI on gunicorn, port 8000, /healthz): plain ASGI served by
uvicorn, port 9000, health path /health/ready, JSON everywhere. Useful behind a shared load balancer: the
answer names the stack (WHOAMI_NAME), the version and the task, so host- or path-based routing can be seen.

Routes (GET and HEAD; other methods get 405 with an Allow header, other paths 404):
    /              -> {"name", "version", "hostname", "request": {method, path, host, client, forwarded}}
    /health/ready  -> {"status": "ready"}     (ECS container health check and ALB target groups)

Environment (read once at import, so a bad value fails the image build and the container start, not a
request): WHOAMI_NAME (1-64 of letters, digits, . _ -; default whoami), WHOAMI_VERSION (same rule; the
Dockerfile sets it from its VERSION build argument). uvicorn reads its own settings from UVICORN_* (the
Dockerfile sets host, port, graceful-shutdown and keep-alive timeouts).

Serve it with uvicorn: ``uvicorn whoami_app:app``.
"""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

HEALTH_PATH = "/health/ready"
_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# The X-Forwarded-* headers an ALB adds (Elastic Load Balancing docs, "HTTP headers and Application
# Load Balancers"), echoed as sent: uvicorn trusts them only from 127.0.0.1 (its default), so the client
# address below is the peer that connected, the load balancer's node.
_FORWARDED = ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-amzn-trace-id")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's settings from the environment; a value outside the allowed set is a configuration error."""
    environ = os.environ if environ is None else environ
    result = {}
    for key, default in (("WHOAMI_NAME", "whoami"), ("WHOAMI_VERSION", "v1")):
        value = environ.get(key, default)
        if not _VALUE.match(value):
            raise ValueError(f"{key} must be 1-64 letters, digits, '.', '_' or '-', got {value!r}")
        result[key] = value
    return result


def create_app(environ: Mapping[str, str] | None = None) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """Build the ASGI callable. ``environ`` replaces os.environ (tests use it)."""
    config = settings(environ)
    hostname = socket.gethostname()

    async def respond(send: Send, status: int, body: dict[str, Any], method: str, extra=()) -> None:
        payload = json.dumps(body, sort_keys=True).encode() + b"\n"
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
            (b"cache-control", b"no-store"),
            *extra,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else payload})

    async def lifespan(receive: Receive, send: Send) -> None:
        # Nothing to open or close; answering the protocol keeps uvicorn from logging it as unsupported.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets: not served
            return
        method, path = scope["method"], scope["path"]
        if path not in ("/", HEALTH_PATH):
            await respond(send, 404, {"error": "not found", "path": path}, method)
        elif method not in ("GET", "HEAD"):
            await respond(send, 405, {"error": "method not allowed"}, method, [(b"allow", b"GET, HEAD")])
        elif path == HEALTH_PATH:
            await respond(send, 200, {"status": "ready"}, method)
        else:
            headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
            client = scope.get("client")
            request = {
                "method": method,
                "path": path,
                "host": headers.get("host"),
                "client": client[0] if client else None,
                "forwarded": {name: headers[name] for name in _FORWARDED if name in headers},
            }
            body = {
                "name": config["WHOAMI_NAME"],
                "version": config["WHOAMI_VERSION"],
                "hostname": hostname,
                "request": request,
            }
            await respond(send, 200, body, method)

    return app


app = create_app()
