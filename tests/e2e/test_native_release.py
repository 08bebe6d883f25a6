"""End to end: ECS-native releases through the stack's own playbooks (issue 12).

ONE slim stack on the emulator, ``app_release_strategy: blue_green``, converged by ``site.yml`` (no pipeline) with a
prebuilt image given by digest outside ECR, so nothing is built (no Docker). Then, in order, on the same stack:

1. ``deploy.yml`` ships v2 natively: the production listener rule ends forwarding everything to the other target
   group, the test rule too, and the service deployment is SUCCESSFUL;
2. ``site.yml`` again with the same inputs changes nothing (the alb role leaves the rules where the release put
   their weights; the service is not updated);
3. ``deploy.yml`` with ``app_release_strategy: canary`` ships v3: production back on the first target group;
4. v4 as a canary with a long canary bake, stopped half-way (the production rule split 950 / 50 per mille) by
   ``rollback.yml``: ROLLBACK_SUCCESSFUL, production back on the group v3 serves from, the service on v3's task
   definition;
5. v5 as a linear release with a Lambda hook (invoked with the infrastructure role, which ``site.yml --tags iam``
   lets invoke exactly that function) and a PAUSE hook: ``deploy.yml`` stops at the PAUSE and prints the continue
   command; production stays put until that command, run as printed, continues it; then 50 % steps, SUCCESSFUL.

The rules are read with boto3, independently of the modules and filters that moved them.
"""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import time
import zipfile
from typing import Any

import pytest

from tests.e2e.conftest import ROOT, VENV_BIN, E2EStack, stand_up

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

APP = "native"


def image(n: int) -> str:
    """A prebuilt image by digest outside ECR: deployed as given, nothing built or pulled (the emulator runs none)."""
    return f"registry.example.com/native/app@sha256:{str(n) * 64}"


@pytest.fixture(scope="module")
def stack(emulator: Any) -> E2EStack:
    return stand_up(
        emulator,
        {
            "app_name": APP,
            "app_release_strategy": "blue_green",
            "app_image_uri": image(1),
            # Nothing is built: the app's directory is never read.
            "app_source_dir": "/nonexistent/native",
        },
    )


def rule_weights(stack: E2EStack, port: int) -> dict[str, int]:
    """{target group name: weight} of the listener rule at priority 1 on ``port``, groups with weight 0 left out."""
    elbv2 = stack.client("elbv2")
    lb = elbv2.describe_load_balancers(Names=[f"{APP}-alb"])["LoadBalancers"][0]
    (listener,) = [
        item
        for item in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
        if item["Port"] == port
    ]
    (rule,) = [r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["Priority"] == "1"]
    (action,) = [a for a in rule["Actions"] if a["Type"] == "forward"]
    groups = action["ForwardConfig"]["TargetGroups"]
    names = {
        tg["TargetGroupArn"]: tg["TargetGroupName"]
        for tg in elbv2.describe_target_groups(TargetGroupArns=[g["TargetGroupArn"] for g in groups])["TargetGroups"]
    }
    # The groups that get traffic (ECS leaves a group at 0 in the action, or drops it).
    return {names[g["TargetGroupArn"]]: int(g.get("Weight", 1)) for g in groups if g.get("Weight", 1)}


def production(stack: E2EStack) -> str:
    weights = rule_weights(stack, 80)
    assert len(weights) == 1, weights  # all production traffic on one group
    return next(iter(weights))


def latest_deployment(stack: E2EStack) -> dict[str, Any]:
    ecs = stack.client("ecs")
    brief = ecs.list_service_deployments(cluster=APP, service=APP)["serviceDeployments"][0]
    return ecs.describe_service_deployments(serviceDeploymentArns=[brief["serviceDeploymentArn"]])[
        "serviceDeployments"
    ][0]


def test_the_stack_starts_blue_green_on_the_first_target_group(stack):
    service = stack.service()
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    (lb,) = service["loadBalancers"]
    advanced = lb["advancedConfiguration"]
    assert advanced["alternateTargetGroupArn"].split("/")[1] == f"{APP}-tg2"
    assert advanced["roleArn"].endswith(f":role/{APP}-ecs-infrastructure")
    assert production(stack) == f"{APP}-tg1"
    assert len(rule_weights(stack, 8080)) == 1 and f"{APP}-tg1" in rule_weights(stack, 8080)
    # The infrastructure role: ecs.amazonaws.com with the confused-deputy conditions, the managed policy, owned.
    iam = stack.client("iam")
    role = iam.get_role(RoleName=f"{APP}-ecs-infrastructure")["Role"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"].endswith(f":service/{APP}/*")
    policies = iam.list_attached_role_policies(RoleName=f"{APP}-ecs-infrastructure")["AttachedPolicies"]
    assert [p["PolicyName"] for p in policies] == ["AmazonECSInfrastructureRolePolicyForLoadBalancers"]
    assert {t["Key"]: t["Value"] for t in role["Tags"]}["managed-by"] == "fargatedemo.ecs_delivery"


def test_deploy_v2_ends_with_production_on_the_other_target_group(stack):
    run = stack.play("playbooks/deploy.yml", {"app_image_uri": image(2)})
    assert run.rc == 0, run
    assert "PRODUCTION_TRAFFIC_SHIFT" in run.stdout or "CLEAN_UP" in run.stdout, run
    assert "BLUE_GREEN release SUCCESSFUL: production on native-tg2" in run.stdout, run
    assert "Release style:   blue_green (bake time 0 min)" in run.stdout, run
    # The summary names the alarms that would have stopped it: both 5xx counts, and both target groups' hosts.
    alarms = rf"Release alarms: \S+-target-5xx, \S+-elb-5xx, \S+-unhealthy-{APP}-tg1, \S+-unhealthy-{APP}-tg2'"
    assert re.search(alarms, " ".join(run.stdout.split())), run.stdout[-3000:]
    assert production(stack) == f"{APP}-tg2"
    assert list(rule_weights(stack, 8080)) == [f"{APP}-tg2"]
    deployment = latest_deployment(stack)
    assert deployment["status"] == "SUCCESSFUL"
    assert stack.service()["taskDefinition"].endswith(f"/{APP}:2")


def test_a_rerun_with_the_same_inputs_changes_nothing(stack):
    stack.extra_vars["app_image_uri"] = image(2)
    run = stack.play("site.yml")
    assert run.rc == 0, run
    assert run.changed == 0, run
    assert production(stack) == f"{APP}-tg2"


def test_a_canary_release_of_v3_moves_production_back(stack):
    stack.extra_vars.update(app_release_strategy="canary", app_release_canary_bake_minutes=1)
    run = stack.play("playbooks/deploy.yml", {"app_image_uri": image(3)})
    assert run.rc == 0, run
    assert "CANARY release SUCCESSFUL: production on native-tg1" in run.stdout, run
    assert production(stack) == f"{APP}-tg1"
    assert stack.service()["deploymentConfiguration"]["canaryConfiguration"]["canaryBakeTimeInMinutes"] == 1
    stack.extra_vars["app_image_uri"] = image(3)


def test_a_canary_stopped_half_way_rolls_back_to_the_original_target_group(stack):
    # A canary bake long enough (30 emulated minutes) to stop the release while the canary takes its 5 %.
    slow = {"app_image_uri": image(4), "app_release_canary_bake_minutes": 30, "deploy_wait_until": "created"}
    run = stack.play("playbooks/deploy.yml", slow)
    assert run.rc == 0, run
    deadline = time.monotonic() + 120
    # Weights are per mille on the rule: the canary's 5 % is 50 on the new group, 950 on the old one.
    while rule_weights(stack, 80) != {f"{APP}-tg1": 950, f"{APP}-tg2": 50}:
        assert time.monotonic() < deadline, rule_weights(stack, 80)
        time.sleep(1)
    assert latest_deployment(stack)["status"] == "IN_PROGRESS"

    stopped = stack.play("playbooks/rollback.yml", slow)
    assert stopped.rc == 0, stopped
    assert "ROLLBACK_SUCCESSFUL); production traffic goes to native-tg1" in stopped.stdout, stopped
    assert production(stack) == f"{APP}-tg1"
    assert latest_deployment(stack)["status"] == "ROLLBACK_SUCCESSFUL"
    assert stack.service()["taskDefinition"].endswith(f"/{APP}:3")


def lambda_function(stack: E2EStack, name: str) -> str:
    """A Lambda function for a hook (never run: the emulator answers its invocations from /_emulator/ecs_hooks)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hook.py", "def handler(event, context):\n    return {'hookStatus': 'SUCCEEDED'}\n")
    role = stack.client("iam").get_role(RoleName=f"{APP}-ecs-infrastructure")["Role"]["Arn"]
    return stack.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="hook.handler", Code={"ZipFile": buffer.getvalue()}
    )["FunctionArn"]


def test_a_linear_release_held_by_a_pause_hook_waits_until_continued(stack):
    """v5 as a linear release (two 50 % steps) with a Lambda hook before the scale-up and a PAUSE hook after the
    test traffic shift. ``site.yml --tags iam`` lets the infrastructure role invoke exactly that function (the hook
    brings no role of its own); ``deploy.yml`` stops at the PAUSE and prints the command that continues it;
    production does not move until that command, run as printed, continues the release, which then shifts
    linearly and ends SUCCESSFUL on the other group."""
    function = lambda_function(stack, f"{APP}-pre-scale-up-check")
    stack.emulator.admin("ecs_hooks", "POST", {"default": {function: {"hookStatus": "SUCCEEDED"}}})
    held = {
        "app_image_uri": image(5),
        "app_release_strategy": "linear",
        "app_release_linear_step_percent": 50.0,
        "app_release_linear_step_bake_minutes": 1,
        "app_release_lifecycle_hooks": [
            {"hook_target_arn": function, "lifecycle_stages": ["PRE_SCALE_UP"]},
            {"target_type": "PAUSE", "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"]},
        ],
    }
    iam = stack.play("site.yml", held, tags="iam")
    assert iam.rc == 0 and iam.changed >= 1, iam
    policy = stack.client("iam").get_role_policy(RoleName=f"{APP}-ecs-infrastructure", PolicyName="lifecycle-hooks")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Action"], statement["Resource"]) == ("lambda:InvokeFunction", [function]), statement

    blue = production(stack)
    green = {f"{APP}-tg1": f"{APP}-tg2", f"{APP}-tg2": f"{APP}-tg1"}[blue]
    run = stack.play("playbooks/deploy.yml", held)
    assert run.rc == 0, run
    text = " ".join(run.stdout.split())  # the YAML callback folds long messages
    assert "The release waits at a PAUSE hook (POST_TEST_TRAFFIC_SHIFT)" in text, run.stdout[-6000:]
    deployment = latest_deployment(stack)
    assert deployment["status"] == "IN_PROGRESS", deployment
    assert deployment["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT", deployment
    config = stack.service()["deploymentConfiguration"]
    assert config["strategy"] == "LINEAR"
    assert config["linearConfiguration"] == {"stepPercent": 50.0, "stepBakeTimeInMinutes": 1}
    # The Lambda hook got the infrastructure role and was invoked once, before the scale-up.
    hook = next(h for h in config["lifecycleHooks"] if h.get("hookTargetArn") == function)
    assert hook["roleArn"] == stack.service()["loadBalancers"][0]["advancedConfiguration"]["roleArn"], hook
    invoked = [i for i in stack.emulator.admin("ecs_hooks")["invocations"] if i.get("hookTargetArn") == function]
    assert [i.get("lifecycleStage") for i in invoked] == ["PRE_SCALE_UP"], invoked
    # Held: the test rule is on the green group; production has not moved, nor a step's bake time later
    # (one emulated minute is 3 s on the e2e clock, TIME_SCALE 20).
    assert list(rule_weights(stack, 8080)) == [green]
    time.sleep(4)
    assert production(stack) == blue
    assert latest_deployment(stack)["status"] == "IN_PROGRESS"

    # The continue command exactly as deploy.yml printed it.
    command = text.rsplit("Continue it with: ", 1)[1].split(" (or stop it with", 1)[0]
    args = shlex.split(command)
    assert args[:4] == ["ansible", "localhost", "-m", "fargatedemo.ecs_delivery.ecs_service_deployment"], command
    go = subprocess.run(
        [str(VENV_BIN / "ansible"), *args[1:], "-i", "inventory/local"],
        cwd=ROOT,
        env=stack.emulator.run_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert go.returncode == 0 and "CHANGED" in go.stdout, go.stdout + go.stderr

    deadline = time.monotonic() + 180
    seen: set[tuple[tuple[str, int], ...]] = set()
    while latest_deployment(stack)["status"] == "IN_PROGRESS":
        assert time.monotonic() < deadline, latest_deployment(stack)
        seen.add(tuple(sorted(rule_weights(stack, 80).items())))
        time.sleep(0.5)
    assert latest_deployment(stack)["status"] == "SUCCESSFUL", latest_deployment(stack)
    assert production(stack) == green
    # The linear step: half of production on each group for a while (weights per mille: 500 / 500).
    assert ((f"{APP}-tg1", 500), (f"{APP}-tg2", 500)) in seen, seen
    live = stack.client("ecs").describe_task_definition(taskDefinition=stack.service()["taskDefinition"])
    assert live["taskDefinition"]["containerDefinitions"][0]["image"] == image(5)


def test_the_stacks_alarm_rolls_a_native_canary_back(stack):
    """Issue 11, Deliver 3: the stack's own alarms are the service's deployment alarms (rollback on); one set to
    ALARM (SetAlarmState, as on AWS) once the canary's test traffic moved rolls the release back: production stays
    on the group it was on, the service on its task definition. (The PAUSE hook of the linear test may still hold
    the release before production moves: the alarms are watched there too.)"""
    alarms = stack.service()["deploymentConfiguration"]["alarms"]
    assert alarms["enable"] is True and alarms["rollback"] is True, alarms
    assert {f"{APP}-{APP}-target-5xx", f"{APP}-{APP}-unhealthy-{APP}-tg2"} <= set(alarms["alarmNames"]), alarms
    blue = production(stack)
    green = {f"{APP}-tg1": f"{APP}-tg2", f"{APP}-tg2": f"{APP}-tg1"}[blue]
    live = stack.service()["taskDefinition"]
    slow = {"app_image_uri": image(6), "app_release_canary_bake_minutes": 30, "deploy_wait_until": "created"}
    run = stack.play("playbooks/deploy.yml", slow)
    assert run.rc == 0, run
    deadline = time.monotonic() + 120
    while list(rule_weights(stack, 8080)) != [green]:
        assert time.monotonic() < deadline, rule_weights(stack, 8080)
        time.sleep(1)
    cloudwatch = stack.client("cloudwatch")
    cloudwatch.set_alarm_state(AlarmName=f"{APP}-{APP}-elb-5xx", StateValue="ALARM", StateReason="canary 5xx")
    try:
        deadline = time.monotonic() + 120
        while latest_deployment(stack)["status"] != "ROLLBACK_SUCCESSFUL":
            assert time.monotonic() < deadline, latest_deployment(stack)
            time.sleep(1)
    finally:
        cloudwatch.set_alarm_state(AlarmName=f"{APP}-{APP}-elb-5xx", StateValue="OK", StateReason="test over")
    deployment = latest_deployment(stack)
    assert f"{APP}-{APP}-elb-5xx" in deployment["alarms"]["triggeredAlarmNames"], deployment
    assert production(stack) == blue
    assert stack.service()["taskDefinition"] == live
