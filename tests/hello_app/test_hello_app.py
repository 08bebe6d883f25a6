"""Unit tests of the Flask app through Flask's test client (no gunicorn, no Docker)."""

from __future__ import annotations

import pytest

from hello_app import WELCOME_ROUTE_ENV, create_app, welcome_route_enabled


@pytest.fixture(params=[True, False], ids=["v2-welcome-on", "v1-welcome-off"])
def client_and_switch(request):
    app = create_app(welcome_route=request.param)
    app.config["TESTING"] = True
    return app.test_client(), request.param


def test_root_says_hello(client_and_switch):
    client, _ = client_and_switch
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hello World!"
    assert response.mimetype == "text/plain"


def test_welcome_route_follows_the_switch(client_and_switch):
    client, welcome = client_and_switch
    response = client.get("/welcome")
    if welcome:
        assert response.status_code == 200
        assert response.get_data(as_text=True) == "Welcome!"
    else:
        assert response.status_code == 404


def test_healthz_is_small_json(client_and_switch):
    client, _ = client_and_switch
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/nope", "/welcome/", "/healthz/x"])
def test_unknown_paths_are_404(client_and_switch, path):
    client, _ = client_and_switch
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_routes_are_get_only(client_and_switch, method):
    client, _ = client_and_switch
    assert getattr(client, method)("/").status_code == 405


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("on", True), ("off", False), ("ON", True), (" off ", False)],
)
def test_switch_from_the_environment(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(WELCOME_ROUTE_ENV, raising=False)
    else:
        monkeypatch.setenv(WELCOME_ROUTE_ENV, value)
    assert welcome_route_enabled() is expected
    app = create_app()
    assert app.config["WELCOME_ROUTE"] is expected
    assert (app.test_client().get("/welcome").status_code == 200) is expected


@pytest.mark.parametrize("value", ["yes", "true", "1", "", "maybe"])
def test_bad_switch_values_fail_loudly(monkeypatch, value):
    monkeypatch.setenv(WELCOME_ROUTE_ENV, value)
    with pytest.raises(ValueError, match=WELCOME_ROUTE_ENV):
        create_app()


def test_explicit_argument_overrides_the_environment(monkeypatch):
    monkeypatch.setenv(WELCOME_ROUTE_ENV, "off")
    assert create_app(welcome_route=True).test_client().get("/welcome").status_code == 200


def test_gunicorn_config_is_container_friendly(monkeypatch):
    """The settings the container relies on: port 8000 on all interfaces, logs to stdout, quick graceful stop."""
    import runpy
    from pathlib import Path

    for name in ("PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "hello_app" / "gunicorn.conf.py"))
    assert config["bind"] == "0.0.0.0:8000"
    assert config["accesslog"] == "-"
    assert config["errorlog"] == "-"
    assert 0 < config["graceful_timeout"] < 10  # docker stop's default timeout is 10 s
    assert 1 <= config["workers"] <= 4
    assert config["control_socket_disable"] is True
