"""The ecs_service role against the emulator: converge, idempotence, scale up, image change, bad input.

Uses the session ``emulator`` and ``ansible_playbook`` fixtures of tests/conftest.py and the Molecule scenario's
playbooks (molecule/ecs_service) so the scenario and these tests exercise the same inputs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import COLLECTION, assert_molecule_passes, put_elb_alarm

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "molecule" / "ecs_service"
MUTATING = {"RegisterTaskDefinition", "CreateService", "UpdateService", "DeleteService", "DeregisterTaskDefinition"}


def ecs_calls(emulator, actions=None):
    """ECS actions in the emulator's request log (optionally only those in ``actions``)."""
    log = emulator.admin("requests")["requests"]
    return [r["action"] for r in log if r["service"] == "ecs" and (actions is None or r["action"] in actions)]


def clear_log(emulator):
    emulator.admin("requests", "DELETE")


def service_named(emulator, name):
    ecs = emulator.boto3_client("ecs")
    return ecs.describe_services(cluster="molecule-cluster", services=[name])["services"][0]


def service(emulator):
    return service_named(emulator, "molecule-svc")


def revisions(emulator):
    ecs = emulator.boto3_client("ecs")
    return ecs.list_task_definitions(familyPrefix="molecule-svc")["taskDefinitionArns"]


# The role's default owner tags (the Molecule scenario sets no ecs_service_tags).
OWNER_TAGS = {"managed-by": "fargatedemo.ecs_delivery"}
LOG_GROUP = "/ecs/molecule-svc"

# Emulated seconds per real second: target health checks (5 s) and draining (30 s) pass as on AWS, ten times faster.
TIME_SCALE = 10


def fast_clock(emulator):
    emulator.admin("ecs_service", "POST", {"taskStartSeconds": 1})
    emulator.admin("clock", "POST", {"scale": TIME_SCALE})


@pytest.fixture(scope="module")
def stack(emulator, ansible_playbook):
    """A reset emulator (tasks start after 1 emulated second, a fast clock) with the scenario's prerequisites."""
    emulator.reset()
    fast_clock(emulator)
    prepare = ansible_playbook(SCENARIO / "prepare.yml")
    assert prepare.rc == 0, prepare.stdout[-4000:] + prepare.stderr[-2000:]
    return emulator


def converge(ansible_playbook, extra_vars=None, check=False):
    return ansible_playbook(SCENARIO / "converge.yml", extra_vars=extra_vars, check=check, diff=check)


@pytest.mark.slow
def test_rolling_converge_idempotence_scale_up_and_image_change(stack, ansible_playbook):
    emulator = stack

    # Check mode on an account without the service: reports changes, makes none.
    clear_log(emulator)
    checked = converge(ansible_playbook, check=True)
    assert checked.rc == 0, str(checked)
    assert checked.changed() > 0, str(checked)
    assert not ecs_calls(emulator, MUTATING), ecs_calls(emulator)

    first = converge(ansible_playbook)
    assert first.rc == 0, str(first)
    svc = service(emulator)
    assert svc["runningCount"] == 2 and svc["desiredCount"] == 2
    assert svc["taskDefinition"].endswith("task-definition/molecule-svc:1")
    # Everything the role creates carries its owner tags; the tasks get the service's (propagateTags SERVICE).
    ecs, logs = emulator.boto3_client("ecs"), emulator.boto3_client("logs")
    assert svc["propagateTags"] == "SERVICE"
    for arn in (svc["serviceArn"], svc["taskDefinition"]):
        assert {t["key"]: t["value"] for t in ecs.list_tags_for_resource(resourceArn=arn)["tags"]} == OWNER_TAGS, arn
    assert logs.list_tags_log_group(logGroupName=LOG_GROUP)["tags"] == OWNER_TAGS

    # Second run: nothing changes, no revision, no update.
    clear_log(emulator)
    again = converge(ansible_playbook)
    assert again.rc == 0, str(again)
    assert again.changed() == 0, str(again)
    assert not ecs_calls(emulator, MUTATING)

    # Scale up (the seed's part 2): exactly one new revision and one service update, then stable again.
    clear_log(emulator)
    bigger = {"ecs_service_task_cpu": 512, "ecs_service_task_memory": 1024}
    scaled = converge(ansible_playbook, bigger)
    assert scaled.rc == 0, str(scaled)
    assert ecs_calls(emulator, MUTATING) == ["RegisterTaskDefinition", "UpdateService"]
    svc = service(emulator)
    assert svc["taskDefinition"].endswith(":2")
    assert len(svc["deployments"]) == 1 and svc["runningCount"] == 2
    td = emulator.boto3_client("ecs").describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    assert (td["cpu"], td["memory"]) == ("512", "1024")

    # A new image: exactly one new revision and one update.
    clear_log(emulator)
    newer = dict(bigger, ecs_service_image="127.0.0.1:5000/fargatedemo/helloapp:v2")
    shipped = converge(ansible_playbook, newer)
    assert shipped.rc == 0, str(shipped)
    assert ecs_calls(emulator, MUTATING) == ["RegisterTaskDefinition", "UpdateService"]
    assert service(emulator)["taskDefinition"].endswith(":3")
    assert len(revisions(emulator)) == 3

    # Check mode with yet another change: reported, nothing registered or updated.
    clear_log(emulator)
    preview = converge(ansible_playbook, dict(newer, ecs_service_image="127.0.0.1:5000/fargatedemo/helloapp:v3"), True)
    assert preview.rc == 0 and preview.changed() > 0, str(preview)
    assert not ecs_calls(emulator, MUTATING)


BLUE_GREEN = {
    "ecs_service_deployment_controller": "CODE_DEPLOY",
    "ecs_service_name": "molecule-bg",
    "ecs_service_task_family": "molecule-bg",
    # Issue 11: the role's alarms guard the release (their second run must change nothing either).
    "ecs_service_alarms_enabled": True,
}
ALARMS = [
    "molecule-cluster-molecule-bg-elb-5xx",
    "molecule-cluster-molecule-bg-target-5xx",
    "molecule-cluster-molecule-bg-unhealthy-molecule-tg1",
    "molecule-cluster-molecule-bg-unhealthy-molecule-tg2",
]


def alarms(emulator, prefix="molecule-cluster-molecule-bg-"):
    return emulator.boto3_client("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]


def listener_targets(emulator):
    elb = emulator.boto3_client("elbv2")
    lb = elb.describe_load_balancers(Names=["molecule-alb"])["LoadBalancers"][0]
    out = {}
    for listener in elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
        action = listener["DefaultActions"][0]
        arns = [action["TargetGroupArn"]] if action.get("TargetGroupArn") else []
        arns += [tg["TargetGroupArn"] for tg in (action.get("ForwardConfig") or {}).get("TargetGroups", [])]
        out[listener["Port"]] = sorted({arn.split("/")[1] for arn in arns})
    return out


def calls(emulator, service, actions):
    log = emulator.admin("requests")["requests"]
    return [r["action"] for r in log if r["service"] == service and r["action"] in actions]


@pytest.mark.slow
def test_blue_green_deploy_drift_safety_and_controller_switch(stack, ansible_playbook):
    """CODE_DEPLOY: a new image ships as one CodeDeploy deployment; a re-run after the swap changes nothing."""
    emulator = stack
    created = converge(ansible_playbook, BLUE_GREEN)
    assert created.rc == 0, str(created)
    assert service_named(emulator, "molecule-bg")["deploymentController"]["type"] == "CODE_DEPLOY"
    assert listener_targets(emulator) == {80: ["molecule-tg1"], 8080: ["molecule-tg1"]}
    # The alarms: tagged as the role's, named by the deployment group, which rolls back when one goes off.
    found = {a["AlarmName"]: a for a in alarms(emulator)}
    assert sorted(found) == ALARMS
    cloudwatch = emulator.boto3_client("cloudwatch")
    for alarm in found.values():
        tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
        assert {t["Key"]: t["Value"] for t in tags} == OWNER_TAGS, alarm["AlarmName"]
    unhealthy = found["molecule-cluster-molecule-bg-unhealthy-molecule-tg2"]
    assert {d["Name"] for d in unhealthy["Dimensions"]} == {"LoadBalancer", "TargetGroup"}
    assert (unhealthy["MetricName"], unhealthy["Period"], unhealthy["EvaluationPeriods"]) == (
        "UnHealthyHostCount",
        60,
        2,
    )
    group = emulator.boto3_client("codedeploy").get_deployment_group(
        applicationName="AppECS-molecule", deploymentGroupName="DgpECS-molecule"
    )["deploymentGroupInfo"]
    assert group["alarmConfiguration"]["enabled"] is True
    assert sorted(a["name"] for a in group["alarmConfiguration"]["alarms"]) == ALARMS
    assert "DEPLOYMENT_STOP_ON_ALARM" in group["autoRollbackConfiguration"]["events"]

    # A new image: one revision, one deployment, and no UpdateService (ECS refuses it for CODE_DEPLOY).
    clear_log(emulator)
    v2 = dict(BLUE_GREEN, ecs_service_image="127.0.0.1:5000/fargatedemo/helloapp:v2")
    shipped = converge(ansible_playbook, v2)
    assert shipped.rc == 0, str(shipped)
    assert calls(emulator, "ecs", MUTATING) == ["RegisterTaskDefinition"]
    assert calls(emulator, "codedeploy", {"CreateDeployment"}) == ["CreateDeployment"]
    assert listener_targets(emulator)[80] == ["molecule-tg2"]

    # Drift safety: re-running leaves the listeners and the service as CodeDeploy set them.
    clear_log(emulator)
    again = converge(ansible_playbook, v2)
    assert again.rc == 0 and again.changed() == 0, str(again)
    assert calls(emulator, "ecs", MUTATING) == []
    assert calls(emulator, "codedeploy", {"CreateDeployment", "UpdateDeploymentGroup"}) == []
    assert calls(emulator, "elbv2", {"ModifyListener"}) == []
    assert listener_targets(emulator)[80] == ["molecule-tg2"]

    # Check mode with a newer image: reported, nothing registered, deployed or updated.
    clear_log(emulator)
    preview = converge(ansible_playbook, dict(v2, ecs_service_image="127.0.0.1:5000/fargatedemo/helloapp:v3"), True)
    assert preview.rc == 0 and preview.changed() > 0, str(preview)
    assert calls(emulator, "ecs", MUTATING) == []
    assert calls(emulator, "codedeploy", {"CreateDeployment"}) == []

    # Desired count still changes in place (UpdateService without a task definition).
    clear_log(emulator)
    scaled = converge(ansible_playbook, dict(v2, ecs_service_desired_count=3))
    assert scaled.rc == 0, str(scaled)
    assert calls(emulator, "ecs", MUTATING) == ["UpdateService"]
    assert calls(emulator, "codedeploy", {"CreateDeployment"}) == []
    assert service_named(emulator, "molecule-bg")["desiredCount"] == 3

    # The controller cannot change in place: the role says what to do, before changing anything.
    clear_log(emulator)
    switched = converge(
        ansible_playbook, dict(v2, ecs_service_desired_count=3, ecs_service_deployment_controller="ECS")
    )
    assert switched.rc != 0, str(switched)
    assert "cannot change it to ECS in place" in switched.stdout, str(switched)
    assert calls(emulator, "ecs", MUTATING - {"RegisterTaskDefinition"}) == []

    # An alarm of the same name that is not the role's is left by the teardown (and said so).
    put_elb_alarm(cloudwatch, "molecule-cluster-molecule-bg-unhealthy-molecule-tg1", "UnHealthyHostCount", "Maximum")
    cloudwatch.untag_resource(ResourceARN=found[ALARMS[2]]["AlarmArn"], TagKeys=list(OWNER_TAGS))
    removed = ansible_playbook(SCENARIO / "destroy.yml", extra_vars=dict(BLUE_GREEN, molecule_keep_prerequisites=True))
    assert removed.rc == 0, str(removed)
    assert emulator.boto3_client("codedeploy").list_applications()["applications"] == []
    assert [a["AlarmName"] for a in alarms(emulator)] == [ALARMS[2]], str(removed)
    assert f"Left CloudWatch alarm {ALARMS[2]}: not tagged as this stack" in " ".join(removed.stdout.split()), str(
        removed
    )
    cloudwatch.delete_alarms(AlarmNames=[ALARMS[2]])


@pytest.mark.slow
def test_teardown_is_complete_and_idempotent(stack, ansible_playbook):
    emulator = stack
    # Teardown removes the service, the revisions and the prerequisites, and leaves a log group of the same name
    # that is not the role's (another team's); a second teardown changes nothing.
    logs = emulator.boto3_client("logs")
    logs.create_log_group(logGroupName=LOG_GROUP, tags={"managed-by": "another-team"})  # the blue/green test's is gone
    gone = ansible_playbook(SCENARIO / "destroy.yml")
    assert gone.rc == 0, str(gone)
    assert revisions(emulator) == []
    assert f"Left log group {LOG_GROUP}: not tagged as this stack" in gone.stdout, str(gone)
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]] == [
        LOG_GROUP
    ]
    logs.delete_log_group(logGroupName=LOG_GROUP)
    twice = ansible_playbook(SCENARIO / "destroy.yml")
    assert twice.rc == 0 and twice.changed() == 0, str(twice)


@pytest.mark.parametrize(
    ("extra_vars", "named"),
    [
        ({"ecs_service_task_cpu": 256, "ecs_service_task_memory": 4096}, "ecs_service_task_memory"),
        ({"ecs_service_task_cpu": 300}, "ecs_service_task_cpu"),
        ({"ecs_service_desired_count": -1}, "ecs_service_desired_count"),
        ({"ecs_service_deployment_controller": "BLUE_GREEN"}, "ecs_service_deployment_controller"),
        (
            {"ecs_service_minimum_healthy_percent": 100, "ecs_service_maximum_percent": 100},
            "ecs_service_maximum_percent",
        ),
        ({"ecs_service_log_retention_days": 10}, "ecs_service_log_retention_days"),
    ],
    ids=["cpu256-mem4096", "cpu300", "negative-count", "bad-controller", "100-100", "retention"],
)
def test_invalid_input_fails_before_any_aws_call(emulator, ansible_playbook, extra_vars, named, tmp_path):
    # A playbook with the role only (the scenario's converge reads the default VPC first).
    playbook = tmp_path / "bad.yml"
    playbook.write_text(
        "---\n- hosts: localhost\n  gather_facts: false\n  vars_files: ['"
        + str(SCENARIO / "vars" / "scenario.yml")
        + f"']\n  roles:\n    - role: {COLLECTION}.ecs_service\n      vars:\n"
        + "        ecs_service_subnet_ids: [subnet-1]\n        ecs_service_vpc_id: vpc-1\n"
    )
    clear_log(emulator)
    result = ansible_playbook(playbook, extra_vars=extra_vars)
    assert result.rc != 0, str(result)
    assert named in result.stdout, str(result)
    assert emulator.admin("requests")["requests"] == []


@pytest.mark.slow
def test_molecule_scenario(emulator):
    emulator.reset()
    fast_clock(emulator)
    assert_molecule_passes("ecs_service", emulator, timeout=1200)
