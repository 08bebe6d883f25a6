"""The Ansible-side AfterAllowTestTraffic check (deploy_test_traffic_check, playbooks/tasks/test_traffic_check.yml)
on a CodeDeploy release held in Ready (deploymentReadyOption STOP_DEPLOYMENT, as the ecs_service role sets it when
the check is on): with the expected answer the release is continued and production moves; otherwise it is stopped
with rollback before production moves, and the play fails saying so.

The emulator has no data plane serving its load balancers, so the URL is a local HTTP server of the test
(deploy_test_traffic_url): what is verified is the hold, the request, the decision and the CodeDeploy calls, not
that the load balancer's test listener reaches the replacement tasks. The ECS-native path (PAUSE hook) is not run
here.
"""

from __future__ import annotations

import http.server
import threading

import pytest

from tests.emulator_codedeploy.conftest import APP, GROUP, UNTIL_ALLOW_TRAFFIC

pytestmark = pytest.mark.emulator
PLAYBOOK = "tests/emulator_codedeploy/playbooks/test_traffic_check.yml"


@pytest.fixture
def answering():
    """``answering(status)``: the URL of a local server that answers every GET with ``status``."""
    servers = []

    def start(status: int) -> str:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server name)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"broken")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/healthz"

    yield start
    for server in servers:
        server.shutdown()


@pytest.mark.parametrize("status", [200, 503], ids=["passes-and-continues", "fails-and-rolls-back"])
def test_the_check_continues_or_rolls_back_a_held_release(stack, make_group, answering, ansible_playbook, status):
    make_group(
        blueGreenDeploymentConfiguration={
            "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
        }
    )
    dep_id = stack.deploy()
    stack.advance(UNTIL_ALLOW_TRAFFIC + 60)
    assert stack.deployment(dep_id)["status"] == "Ready"
    assert stack.forward(stack.test_listener) == {"tg2": 100} and stack.forward(stack.prod_listener) == {"tg1": 100}
    stack.aws.admin("clock", "POST", {"scale": 60})  # the rest of the release runs on its own

    run = ansible_playbook(
        PLAYBOOK,
        extra_vars={
            "app_deployment_controller": "CODE_DEPLOY",
            "app_codedeploy_application_name": APP,
            "app_codedeploy_group_name": GROUP,
            "app_cluster_name": "hello",
            "app_service_name": "hello",
            "deploy_test_traffic_url": answering(status),
            "deploy_test_traffic_attempts": 2,
            "deploy_test_traffic_delay": 0,
            "deploy_wait_until": "traffic_shifted",
        },
    )

    out = " ".join(run.stdout.split())
    if status == 200:
        assert run.rc == 0, out[-3000:]
        assert stack.forward(stack.prod_listener) == {"tg2": 100}
    else:
        assert run.rc != 0
        assert "The test-traffic check failed (deploy_test_traffic_check)" in out, out[-3000:]
        assert "answered 503" in out and "production stays on the previous version" in out, out[-3000:]
        assert stack.deployment(dep_id)["status"] == "Stopped"
        assert stack.forward(stack.prod_listener) == {"tg1": 100}
