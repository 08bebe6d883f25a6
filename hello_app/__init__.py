"""The seed's Flask "Hello World" app, as an application factory served by gunicorn.

Routes:
    GET /         -> "Hello World!"                (v1 of the seed)
    GET /welcome  -> "Welcome!"                    (v2 of the seed; only when the welcome route is on)
    GET /healthz  -> {"status": "ok"}              (ECS container and ALB target group health checks)

The welcome route is switched by the environment variable HELLOAPP_WELCOME_ROUTE (on|off, default off),
which the Dockerfile sets from its build argument WELCOME_ROUTE, so one source tree builds both versions.

Serve it with gunicorn: ``gunicorn --config gunicorn.conf.py 'hello_app:create_app()'``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from flask import Flask, Response, jsonify

WELCOME_ROUTE_ENV = "HELLOAPP_WELCOME_ROUTE"
_SWITCH_VALUES = {"on": True, "off": False}


def welcome_route_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Read the HELLOAPP_WELCOME_ROUTE switch; anything but on/off is a configuration error."""
    environ = os.environ if environ is None else environ
    value = environ.get(WELCOME_ROUTE_ENV, "off").strip().lower()
    try:
        return _SWITCH_VALUES[value]
    except KeyError:
        raise ValueError(f"{WELCOME_ROUTE_ENV} must be 'on' or 'off', got {value!r}") from None


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain")


def create_app(welcome_route: bool | None = None) -> Flask:
    """Build the app. ``welcome_route`` overrides the environment switch (tests use it)."""
    app = Flask(__name__)
    if welcome_route is None:
        welcome_route = welcome_route_enabled()
    app.config["WELCOME_ROUTE"] = welcome_route

    @app.get("/")
    def hello() -> Response:
        return _text("Hello World!")

    if welcome_route:

        @app.get("/welcome")
        def welcome() -> Response:
            return _text("Welcome!")

    @app.get("/healthz")
    def healthz() -> Response:
        return jsonify(status="ok")

    return app
