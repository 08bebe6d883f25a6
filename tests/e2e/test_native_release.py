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
   definition.

The rules are read with boto3, independently of the modules and filters that moved them.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import E2EStack, stand_up

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


def test_the_stacks_alarm_rolls_a_native_canary_back(stack):
    """Issue 11, Deliver 3: the stack's own alarms are the service's deployment alarms (rollback on); one set to
    ALARM (SetAlarmState, as on AWS) while a canary takes its share rolls the release back."""
    alarms = stack.service()["deploymentConfiguration"]["alarms"]
    assert alarms["enable"] is True and alarms["rollback"] is True, alarms
    assert {f"{APP}-{APP}-target-5xx", f"{APP}-{APP}-unhealthy-{APP}-tg2"} <= set(alarms["alarmNames"]), alarms
    slow = {"app_image_uri": image(5), "app_release_canary_bake_minutes": 30, "deploy_wait_until": "created"}
    run = stack.play("playbooks/deploy.yml", slow)
    assert run.rc == 0, run
    deadline = time.monotonic() + 120
    while rule_weights(stack, 80) != {f"{APP}-tg1": 950, f"{APP}-tg2": 50}:
        assert time.monotonic() < deadline, rule_weights(stack, 80)
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
    assert production(stack) == f"{APP}-tg1"
    assert stack.service()["taskDefinition"].endswith(f"/{APP}:3")
