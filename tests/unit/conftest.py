"""Run this collection's modules in-process against botocore Stubbers (no AWS, no emulator).

- ``stubs``: one stubbed boto3 client per service (codedeploy, ecs, elbv2, sts); ``AnsibleAWSModule.client``
  hands them out wrapped in amazon.aws' retry wrapper, exactly as a real run would. Every queued response must
  be consumed (checked after the test), and a call that was not queued fails the test.
- ``run_module(main, args, check_mode=False, diff=False)``: runs a module's ``main()`` with those args and
  returns the result dict (``result["failed"]`` is True when the module failed).
- ``fake_time``: the poll loop's clock and sleep, advanced by sleeping (waits take no real time).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLLECTIONS = ROOT / "collections"
if str(COLLECTIONS) not in sys.path:
    # ansible_collections is a namespace package: this adds fargatedemo.ecs_delivery next to amazon.aws.
    sys.path.insert(0, str(COLLECTIONS))

import boto3  # noqa: E402
from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.testing import patch_module_args  # noqa: E402
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule  # noqa: E402
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper  # noqa: E402
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd  # noqa: E402
from botocore.stub import Stubber  # noqa: E402

REGION = "ap-northeast-2"
SERVICES = ("codedeploy", "ecs", "elbv2", "sts")


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg", ""))
        self.result = result


_CLIENTS = {}


def shared_client(service):
    # Clients are made once per run (making one costs ~0.1 s); each test gets fresh Stubbers on them.
    if service not in _CLIENTS:
        _CLIENTS[service] = boto3.session.Session().client(
            service, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
        )
    return _CLIENTS[service]


class Stubs:
    """Stubbed clients by service name; ``stubs.codedeploy.add_response(...)`` and friends."""

    def __init__(self):
        self.clients = {}
        self.stubbers = {}
        for service in SERVICES:
            client = shared_client(service)
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()

    def __getattr__(self, name):
        try:
            return self.stubbers[name]
        except KeyError:
            raise AttributeError(name) from None

    def calls(self, service):
        return self.clients[service]

    def retrying(self, service):
        """The stubbed client as a module's ``module.client(..., retry_decorator=...)`` gives it (takes aws_retry)."""
        return RetryingBotoClientWrapper(self.clients[service], AWSRetry.jittered_backoff())

    def deactivate(self):
        for stubber in self.stubbers.values():
            stubber.deactivate()

    def assert_done(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def stubs(monkeypatch):
    stubs = Stubs()

    def client(self, service, retry_decorator=None, **extra):
        conn = stubs.clients[service]
        return conn if retry_decorator is None else RetryingBotoClientWrapper(conn, retry_decorator)

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    try:
        yield stubs
        stubs.assert_done()
    finally:
        stubs.deactivate()


@pytest.fixture
def run_module(monkeypatch):
    def exit_json(self, **kwargs):
        kwargs.setdefault("failed", False)
        raise ModuleExit(kwargs)

    def fail_json(self, msg="", **kwargs):
        kwargs["failed"] = True
        kwargs["msg"] = msg
        raise ModuleExit(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)

    def run(main, args, check_mode=False, diff=False):
        full = {k: v for k, v in args.items() if v is not None}  # None = option not given
        full.update(region=REGION, access_key="testing", secret_key="testing")
        full["_ansible_check_mode"] = check_mode
        full["_ansible_diff"] = diff
        with patch_module_args(full), pytest.raises(ModuleExit) as info:
            main()
        return info.value.result

    return run


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(cd, "time", fake)
    return fake
