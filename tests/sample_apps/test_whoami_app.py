"""Unit tests of the whoami ASGI app, driven through the ASGI protocol itself (no uvicorn, no Docker)."""

from __future__ import annotations

import asyncio
import json

import pytest

from sample_apps.whoami.whoami_app import HEALTH_PATH, create_app, settings

ENV = {"WHOAMI_NAME": "staging-whoami", "WHOAMI_VERSION": "v7"}


def call(app, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through the ASGI interface: status, headers, body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("10.0.1.23", 40000),
        "server": ("10.0.1.50", 9000),
    }
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start, body = sent
    assert start["type"] == "http.response.start" and body["type"] == "http.response.body"
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body["body"]


@pytest.fixture(scope="module")
def app():
    return create_app(ENV)


def test_root_names_the_stack_version_task_and_forwarded_headers(app):
    forwarded = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http", "X-Forwarded-Port": "80"}
    status, headers, body = call(app, "GET", "/", {"Host": "whoami.example.com", **forwarded, "Cookie": "secret"})
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert int(headers["content-length"]) == len(body)
    answer = json.loads(body)
    assert answer["name"] == "staging-whoami"
    assert answer["version"] == "v7"
    assert answer["hostname"]
    assert answer["request"] == {
        "method": "GET",
        "path": "/",
        "host": "whoami.example.com",
        "client": "10.0.1.23",
        "forwarded": {k.lower(): v for k, v in forwarded.items()},  # only these: never cookies or auth headers
    }


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", HEALTH_PATH, 200, {"status": "ready"}),
        ("GET", "/healthz", 404, {"error": "not found", "path": "/healthz"}),  # hello_app's path is not ours
        ("GET", "/health", 404, {"error": "not found", "path": "/health"}),
        ("POST", "/", 405, {"error": "method not allowed"}),
        ("DELETE", HEALTH_PATH, 405, {"error": "method not allowed"}),
    ],
)
def test_routes(app, method, path, status, body):
    got_status, headers, got_body = call(app, method, path)
    assert (got_status, json.loads(got_body)) == (status, body)
    assert headers["cache-control"] == "no-store"
    assert ("allow" in headers) == (status == 405)


def test_head_has_headers_and_no_body(app):
    status, headers, body = call(app, "HEAD", HEALTH_PATH)
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(b'{"status": "ready"}\n')


def test_lifespan_startup_and_shutdown_complete(app):
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[str] = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message["type"])

    asyncio.run(app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_defaults():
    assert settings({}) == {"WHOAMI_NAME": "whoami", "WHOAMI_VERSION": "v1"}


@pytest.mark.parametrize(
    ("key", "value"),
    [("WHOAMI_NAME", ""), ("WHOAMI_NAME", "a b"), ("WHOAMI_VERSION", "x" * 65), ("WHOAMI_VERSION", "v1;rm")],
)
def test_bad_settings_fail_at_start(key, value):
    with pytest.raises(ValueError, match=f"{key} must be 1-64 letters"):
        create_app({**ENV, key: value})
