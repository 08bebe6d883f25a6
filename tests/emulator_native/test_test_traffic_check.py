"""The Ansible-side test-traffic check (playbooks/tasks/test_traffic_check.yml) on an ECS-native release held at the
PAUSE hook deploy_test_traffic_check adds (POST_TEST_TRAFFIC_SHIFT): a failing answer stops the release with
rollback (StopServiceDeployment ROLLBACK) before the production rule moves, and the play fails saying so.

As in tests/emulator_codedeploy/test_test_traffic_check.py, the URL is a local HTTP server of the test (the emulator
has no data plane behind its listeners); the continue path is the CodeDeploy test's and the modules' test's
(tests/roles/test_ecs_native_modules_emulator.py).
"""

from __future__ import annotations

import pytest

from tests.emulator_codedeploy.test_test_traffic_check import PLAYBOOK, answering  # noqa: F401 (the fixture)
from tests.emulator_native.test_control import _ship_v2

pytestmark = pytest.mark.emulator
HOLD = [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]


def test_a_failing_check_rolls_the_held_native_release_back(env, answering, ansible_playbook):  # noqa: F811
    _ship_v2(env, config={"bakeTimeInMinutes": 0, "lifecycleHooks": HOLD})
    env.advance(240)
    held = env.latest()
    assert held["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT" and env.production() == "tg1"
    assert env.weights(env.test_rule) == {"tg1": 0, "tg2": 100}
    env.aws.admin("clock", "POST", {"scale": 60})  # the rollback runs on its own
    try:
        run = ansible_playbook(
            PLAYBOOK,
            extra_vars={
                "app_deployment_controller": "ECS",
                "app_cluster_name": env.cluster,
                "app_service_name": "s",
                "deploy_test_traffic_url": answering(503),
                "deploy_test_traffic_attempts": 1,
            },
        )
    finally:
        env.aws.admin("clock", "POST", {"scale": 0})

    out = " ".join(run.stdout.split())
    assert run.rc != 0
    assert "The test-traffic check failed (deploy_test_traffic_check)" in out and "answered 503" in out, out[-3000:]
    assert env.latest()["status"] == "ROLLBACK_SUCCESSFUL"
    assert env.production() == "tg1"
