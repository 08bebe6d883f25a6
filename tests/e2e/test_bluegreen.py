"""Blue/green releases end to end on the emulator: site.yml with CODE_DEPLOY, then playbooks/deploy.yml and
playbooks/rollback.yml, checked with boto3 and the emulator's CodeDeploy timeline (GET /_emulator/codedeploy).

The tests share one stack (module scope) and run in file order: each starts from the state the previous one
left (v2 live on the second target group after the first test).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest
import yaml

from tests.support import ECS_LIFECYCLE_EVENTS

ROOT = Path(__file__).resolve().parents[2]
AWS_CLI = ROOT / ".venv" / "bin" / "aws"
APP = "AppECS-helloapp-helloapp"
GROUP = "DgpECS-helloapp-helloapp"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.docker,
    pytest.mark.emulator,
    pytest.mark.parametrize("e2e_stack", ["CODE_DEPLOY"], indirect=True),
]


def listener_changes(deployment: dict) -> list[tuple[str, dict[str, float]]]:
    """[(route, weights)] of a deployment's listener modifications, in order (test / production)."""
    return [(h["route"], h["weights"]) for h in deployment["history"] if h["action"] == "listenerModified"]


def new_deployments(stack, before: int) -> list[dict]:
    return [d for d in stack.deployments() if d["creator"] == "user"][before:]


def user_deployment_count(stack) -> int:
    return len([d for d in stack.deployments() if d["creator"] == "user"])


def set_timings(stack, **timings: float) -> None:
    stack.emulator.admin("codedeploy", "POST", {"timings": timings})


def test_deploy_v2_shifts_production_after_test_traffic(e2e_stack):
    stack = e2e_stack
    blue = stack.live_target_group(80)
    assert blue == "helloapp-tg1" and stack.listener_weights(8080) == {"helloapp-tg1": 100.0}
    before = user_deployment_count(stack)

    run = stack.play("playbooks/deploy.yml", {"app_image_tag": "v2"})

    assert run.rc == 0, run
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Succeeded"
    green = deployment["replacement"]["targetGroupName"]
    assert green == "helloapp-tg2"
    assert stack.live_target_group(80) == green
    # The test listener moved to the replacement first, then production: never the other way round.
    assert listener_changes(deployment) == [("test", {green: 100.0}), ("production", {blue: 0.0, green: 100.0})]
    service = stack.service()
    assert service["loadBalancers"][0]["targetGroupArn"].split("/")[-2] == green
    assert (
        stack.client("ecs")
        .describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"][
            0
        ]["image"]
        .endswith(":v2")
    )
    # Each lifecycle step printed, in order, and the summary.
    events = re.findall(r"\(item=(\w+)\) => \n\s+msg: '\1: Succeeded", run.stdout)
    assert events == list(ECS_LIFECYCLE_EVENTS), run.stdout[-4000:]
    assert "Live image:" in run.stdout and ":v2'" in run.stdout


def test_site_rerun_changes_nothing_and_keeps_the_swap(e2e_stack):
    stack = e2e_stack
    before = user_deployment_count(stack)
    prod, test = stack.listener_weights(80), stack.listener_weights(8080)
    task_definition = stack.service()["taskDefinition"]

    run = stack.play("site.yml", {"app_image_tag": "v2"})

    assert run.rc == 0, run
    assert run.changed == 0, run
    assert user_deployment_count(stack) == before
    assert stack.listener_weights(80) == prod == {"helloapp-tg2": 100.0}
    assert stack.listener_weights(8080) == test
    assert stack.service()["taskDefinition"] == task_definition


@pytest.mark.parametrize(
    ("playbook", "tags"),
    [
        ("playbooks/deploy.yml", None),
        ("site.yml", "deploy"),
    ],
    ids=["deploy.yml", "site.yml--tags-deploy"],
)
def test_deploying_the_live_revision_again_is_a_noop(e2e_stack, playbook, tags):
    stack = e2e_stack
    before = user_deployment_count(stack)

    run = stack.play(playbook, {"app_image_tag": "v2"}, tags=tags)

    assert run.rc == 0, run
    assert run.changed == 0, run
    assert user_deployment_count(stack) == before
    assert stack.live_target_group(80) == "helloapp-tg2"
    if playbook == "playbooks/deploy.yml":
        assert "No deployment started" in run.stdout, run


def test_a_release_that_never_turns_healthy_fails_and_rolls_back(e2e_stack):
    stack = e2e_stack
    live = stack.live_target_group(80)
    task_definition = stack.service()["taskDefinition"]
    before = user_deployment_count(stack)
    # The replacement never passes health checks; Install gives up after 60 emulated seconds (3 s here).
    set_timings(stack, installTimeout=60)
    stack.emulator.admin("codedeploy-faults", "POST", {"fault": "unhealthy"})
    try:
        # A new revision without a new image: a bigger task (the image play is skipped).
        run = stack.play(
            "playbooks/deploy.yml", {"app_image_tag": "v2", "ecs_service_task_memory": 1024}, skip_tags="ecr"
        )
    finally:
        stack.emulator.admin("codedeploy-faults", "DELETE")
        set_timings(stack, installTimeout=3600)

    assert run.rc != 0, run
    assert re.search(r"Deployment d-\w+ failed: The deployment timed out", run.stdout), run.stdout[-5000:]
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Failed"
    # Production never forwarded to the replacement; the test listener is back on the live target group.
    assert [weights for route, weights in listener_changes(deployment) if route == "production"] == []
    assert stack.live_target_group(80) == live
    assert stack.listener_weights(8080) == {live: 100.0}
    assert stack.service()["taskDefinition"] == task_definition
    rollbacks = [d for d in stack.deployments() if d["creator"] == "codeDeployRollback"]
    assert rollbacks and rollbacks[-1]["status"] in ("InProgress", "Succeeded")


def test_rollback_stop_restores_production(e2e_stack):
    stack = e2e_stack
    live = stack.live_target_group(80)
    task_definition = stack.service()["taskDefinition"]
    before = user_deployment_count(stack)
    set_timings(stack, install=3600)  # the replacement takes an emulated hour to start: the release stays in flight
    try:
        started = stack.play(
            "playbooks/deploy.yml",
            {"app_image_tag": "v2", "ecs_service_task_memory": 2048, "deploy_wait_until": "created"},
            skip_tags="ecr",
        )
        assert started.rc == 0, started
        (deployment,) = new_deployments(stack, before)
        assert deployment["status"] in ("Created", "InProgress")

        run = stack.play("playbooks/rollback.yml")
    finally:
        set_timings(stack, install=30)

    assert run.rc == 0, run
    assert f"Stopped deployment {deployment['deploymentId']}" in run.stdout.replace("\n", " "), run
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Stopped"
    assert [weights for route, weights in listener_changes(deployment) if route == "production"] == []
    assert stack.live_target_group(80) == live
    assert stack.service()["taskDefinition"] == task_definition

    again = stack.play("playbooks/rollback.yml")
    assert again.rc == 0 and again.changed == 0, again
    assert "nothing to stop" in again.stdout


def test_rollback_rejects_an_unknown_mode(e2e_stack):
    run = e2e_stack.play("playbooks/rollback.yml", {"rollback_mode": "sideways"})
    assert run.rc != 0
    assert "rollback_mode is 'sideways': it must be stop" in run.stdout  # the pre-flight names the variable
    assert "Read the service" not in run.stdout  # failed before any AWS call


def test_an_alarm_mid_release_stops_it_and_production_stays(e2e_stack):
    """Issue 11, Deliver 3: the stack's own alarm (the targets' 5xx count) goes to ALARM while deploy.yml waits on
    a release; CodeDeploy stops it (DEPLOYMENT_STOP_ON_ALARM) and rolls back, production never moves, and the play
    fails saying so. SetAlarmState drives the alarm, as it can on AWS."""
    stack = e2e_stack
    cloudwatch = stack.client("cloudwatch")
    alarm = "helloapp-helloapp-target-5xx"
    group = stack.client("codedeploy").get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)
    watched = [a["name"] for a in group["deploymentGroupInfo"]["alarmConfiguration"]["alarms"]]
    assert alarm in watched and "helloapp-helloapp-unhealthy-helloapp-tg2" in watched, watched
    live = stack.live_target_group(80)
    task_definition = stack.service()["taskDefinition"]
    memory = (
        1024
        if stack.client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]["memory"]
        == "2048"
        else 2048
    )
    before = user_deployment_count(stack)
    set_timings(stack, install=3600)  # the replacement takes an emulated hour: the release is in flight long enough
    runs: list = []
    player = threading.Thread(
        target=lambda: runs.append(
            stack.play(
                "playbooks/deploy.yml", {"app_image_tag": "v2", "ecs_service_task_memory": memory}, skip_tags="ecr"
            )
        )
    )
    try:
        player.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not [
            d for d in new_deployments(stack, before) if d["status"] == "InProgress"
        ]:
            time.sleep(1)
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx answers of the new pages")
        player.join(timeout=600)
    finally:
        cloudwatch.set_alarm_state(AlarmName=alarm, StateValue="OK", StateReason="test over")
        set_timings(stack, install=30)
    (run,) = runs
    assert run.rc != 0, run
    assert "alarms have been activated" in " ".join(run.stdout.split()), run.stdout[-5000:]
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Stopped"
    assert [weights for route, weights in listener_changes(deployment) if route == "production"] == []
    assert stack.live_target_group(80) == live
    assert stack.listener_weights(8080) == {live: 100.0}
    assert stack.service()["taskDefinition"] == task_definition
    assert [d for d in stack.deployments() if d["creator"] == "codeDeployRollback"]


def test_aws_ecs_deploy_and_our_module_on_the_same_emulator(e2e_stack, tmp_path):
    stack = e2e_stack
    ecs = stack.client("ecs")
    live = ecs.describe_task_definition(taskDefinition=stack.service()["taskDefinition"])["taskDefinition"]
    spec = {key: live[key] for key in ("family", "containerDefinitions", "networkMode", "requiresCompatibilities")}
    spec.update(cpu="512", memory="1024", executionRoleArn=live["executionRoleArn"])
    (tmp_path / "taskdef.json").write_text(json.dumps(spec))
    (tmp_path / "appspec.yaml").write_text(
        "version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n"
        '        TaskDefinition: "<TASK_DEFINITION>"\n        LoadBalancerInfo:\n'
        '          ContainerName: "helloapp"\n          ContainerPort: 8000\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(stack.emulator.env, AWS_CONFIG_FILE=str(tmp_path / "config"), AWS_PAGER="")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "credentials")
    before_live = stack.live_target_group(80)

    cli = subprocess.run(
        [str(AWS_CLI), "ecs", "deploy", "--cluster", "helloapp", "--service", "helloapp"]
        + ["--task-definition", "taskdef.json", "--codedeploy-appspec", "appspec.yaml"]
        + ["--codedeploy-application", APP, "--codedeploy-deployment-group", GROUP],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "Successfully deployed" in cli.stdout
    after_cli = stack.live_target_group(80)
    assert after_cli != before_live

    # Our module, from the playbook that uses it: back to the revision that was live before the CLI's.
    run = stack.play(
        "playbooks/rollback.yml", {"rollback_task_definition": live["taskDefinitionArn"], "rollback_mode": "previous"}
    )
    assert run.rc == 0, run
    assert stack.live_target_group(80) == before_live
    assert stack.service()["taskDefinition"] == live["taskDefinitionArn"]
    assert all(d["status"] == "Succeeded" for d in stack.deployments()[-2:])


def test_the_example_inventorys_release_settings_succeed_with_the_default_wait(e2e_stack):
    """Issue 10: inventory/example keeps the seed's 60-minute termination wait. A default deploy (wait until
    succeeded, no timeout given) must outlast it instead of failing while production is fine. On a clock 600
    times faster the emulated hour passes in 6 real seconds; the play's own deadline is real seconds."""
    stack = e2e_stack
    example = yaml.safe_load((ROOT / "inventory" / "example" / "group_vars" / "all" / "main.yml").read_text())
    names = ("app_codedeploy_config_name", "app_codedeploy_termination_wait_minutes")
    settings = {name: example[name] for name in names}
    assert settings["app_codedeploy_termination_wait_minutes"] == 60, settings
    ecs = stack.client("ecs")
    live = ecs.describe_task_definition(taskDefinition=stack.service()["taskDefinition"])["taskDefinition"]
    memory = 1024 if live["memory"] == "2048" else 2048  # a new revision without a new image
    before = user_deployment_count(stack)
    scale = stack.emulator.admin("clock")["scale"]
    stack.emulator.admin("clock", "POST", {"scale": 600})
    try:
        extra = {**settings, "app_image_tag": "v2", "ecs_service_task_memory": memory}
        run = stack.play("playbooks/deploy.yml", extra, skip_tags="ecr")
    finally:
        stack.emulator.admin("clock", "POST", {"scale": scale})
    assert run.rc == 0, run.stdout[-4000:]
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Succeeded"
    events = {entry["action"]: entry for entry in deployment["history"]}
    assert events["terminationWaitStarted"]["minutes"] == 60
    (blue_gone,) = [e for e in deployment["history"] if e["action"] == "taskSetDeleted" and e.get("label") == "Blue"]
    assert blue_gone["time"] - events["terminationWaitStarted"]["time"] >= 3600


def test_every_policy_passes_the_linter(e2e_stack):
    """Issue 11, least privilege proven: the whole stack, pipeline included, linted with parliament.

    The module's stack (CODE_DEPLOY, so the CodeDeploy role exists) gets its pipeline, then every trust, inline and
    managed policy, bucket policy and repository policy is read back and linted (tests/security/policy_lint.py);
    findings must be exactly the reviewed ones of SECURITY.md. Last in the file: the pipeline changes nothing above.
    """
    from tests.security.policy_lint import allow_list, collect_policies, lint, unexplained

    enabled = {"codepipeline_enabled": True}
    for playbook in ("playbooks/iam.yml", "playbooks/pipeline.yml"):
        run = e2e_stack.play(playbook, enabled)
        assert run.rc == 0, run
    policies, _aws_managed = collect_policies(e2e_stack.client)
    kinds = {policy.kind for policy in policies}
    assert {"trust", "inline", "bucket"} <= kinds, [p.label for p in policies]  # the artifact bucket's TLS-only policy
    assert any(p.owner.endswith("-codepipeline") for p in policies)  # the pipeline's roles were read too
    # Every service trust the stack made carries both confused-deputy conditions (issue 11, Deliver 4).
    account = e2e_stack.client("sts").get_caller_identity()["Account"]
    for trust in (p for p in policies if p.kind == "trust"):
        (statement,) = trust.document["Statement"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": account}, trust.label
        assert f":{account}:" in statement["Condition"]["ArnLike"]["aws:SourceArn"], trust.label
    new, stale = unexplained(lint(policies), allow_list())
    assert not new, "findings not reviewed in SECURITY.md:\n" + "\n".join(map(str, new))
    assert not stale, "SECURITY.md excuses findings that are gone (remove the rows):\n" + "\n".join(map(str, stale))


def test_a_failing_test_traffic_check_stops_the_release_before_production_moves(e2e_stack):
    """Issue 11, deploy_test_traffic_check: deploy.yml holds the release in Ready (the deployment group's
    STOP_DEPLOYMENT), requests the test URL, and on a wrong answer stops it with rollback and fails; production
    never leaves the live target group. The emulator has no data plane behind its listeners, so the URL is a local
    server answering 503 (what the replacement behind the test listener would answer when broken)."""
    import http.server
    import threading

    class Broken(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            self.send_response(503)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack = e2e_stack
    live = stack.live_target_group(80)
    task_definition = stack.service()["taskDefinition"]
    ecs = stack.client("ecs")
    memory = (
        1024
        if ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]["memory"] == "2048"
        else 2048
    )
    before = user_deployment_count(stack)
    try:
        check = {
            "deploy_test_traffic_check": True,
            "deploy_test_traffic_url": f"http://127.0.0.1:{server.server_port}/healthz",
            "deploy_test_traffic_attempts": 1,
        }
        run = stack.play(
            "playbooks/deploy.yml", {"app_image_tag": "v2", "ecs_service_task_memory": memory, **check}, skip_tags="ecr"
        )
    finally:
        server.shutdown()

    out = " ".join(run.stdout.split())
    assert run.rc != 0, run
    assert "The test-traffic check failed (deploy_test_traffic_check)" in out and "answered 503" in out, out[-4000:]
    (deployment,) = new_deployments(stack, before)
    assert deployment["status"] == "Stopped"
    assert [weights for route, weights in listener_changes(deployment) if route == "production"] == []
    assert stack.live_target_group(80) == live
    assert stack.service()["taskDefinition"] == task_definition
    group = stack.client("codedeploy").get_deployment_group(applicationName=APP, deploymentGroupName=GROUP)
    ready = group["deploymentGroupInfo"]["blueGreenDeploymentConfiguration"]["deploymentReadyOption"]
    assert ready["actionOnTimeout"] == "STOP_DEPLOYMENT", ready


# --- Issue 12, Deliver 6: the live CODE_DEPLOY stack moves to ECS-native blue/green in place (last: it ends the
# CodeDeploy style of this module's stack).
NATIVE = {"app_release_strategy": "blue_green"}


def rule_weights(stack, port: int) -> dict[str, int] | None:
    """{target group name: weight > 0} of the listener rule at priority 1 on ``port``; None when there is none."""
    elbv2 = stack.client("elbv2")
    alb = elbv2.describe_load_balancers(Names=["helloapp-alb"])["LoadBalancers"][0]
    (listener,) = [
        item
        for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
        if item["Port"] == port
    ]
    rules = [r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if r["Priority"] == "1"]
    if not rules:
        return None
    (action,) = [a for a in rules[0]["Actions"] if a["Type"] == "forward"]
    groups = action["ForwardConfig"]["TargetGroups"]
    names = {
        tg["TargetGroupArn"]: tg["TargetGroupName"]
        for tg in elbv2.describe_target_groups(TargetGroupArns=[g["TargetGroupArn"] for g in groups])["TargetGroups"]
    }
    return {names[g["TargetGroupArn"]]: int(g.get("Weight", 1)) for g in groups if g.get("Weight", 1)}


def codedeploy_left(stack) -> tuple[list[str], list[str]]:
    """(CodeDeploy applications, deployment groups of APP) that exist."""
    codedeploy = stack.client("codedeploy")
    apps = codedeploy.list_applications()["applications"]
    groups = codedeploy.list_deployment_groups(applicationName=APP)["deploymentGroups"] if APP in apps else []
    return apps, groups


def test_migrate_moves_the_live_codedeploy_service_to_native_blue_green_in_place(e2e_stack):
    stack = e2e_stack
    service = stack.service()
    assert service["deploymentController"]["type"] == "CODE_DEPLOY"
    live = stack.live_target_group(80)  # after the CodeDeploy releases above: where CodeDeploy left production
    task_definition = service["taskDefinition"]
    assert APP in codedeploy_left(stack)[0]

    check = stack.play("playbooks/migrate.yml", NATIVE, check=True)
    assert check.rc == 0, check
    assert stack.service()["deploymentController"]["type"] == "CODE_DEPLOY"  # --check changed nothing
    assert rule_weights(stack, 80) is None and codedeploy_left(stack) == ([APP], [GROUP])

    run = stack.play("playbooks/migrate.yml", NATIVE)
    assert run.rc == 0, run

    service = stack.service()
    assert service["deploymentController"]["type"] == "ECS"
    assert service["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert service["taskDefinition"] == task_definition  # the switch shipped nothing new
    assert not service.get("taskSets")
    (lb,) = service["loadBalancers"]
    assert lb["advancedConfiguration"]["roleArn"].endswith(":role/helloapp-ecs-infrastructure")
    # Production answers from the same target group: the rules took it over from the default action.
    assert rule_weights(stack, 80) == {live: 100} and rule_weights(stack, 8080) == {live: 100}
    assert stack.live_target_group(80) == live
    ecs = stack.client("ecs")
    (switch,) = ecs.list_service_deployments(cluster="helloapp", service="helloapp")["serviceDeployments"]
    assert switch["status"] == "SUCCESSFUL"
    assert codedeploy_left(stack) == ([], [])

    again = stack.play("playbooks/migrate.yml", NATIVE)
    assert again.rc == 0 and again.changed == 0, again

    # The roles agree with what the migration left: the alb role keeps the rules, the ecs_service role does not
    # switch back (the inputs that made the live revision: v2, its memory).
    memory = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]["memory"]
    site = stack.play(
        "site.yml", {**NATIVE, "app_image_tag": "v2", "ecs_service_task_memory": int(memory)}, tags="alb,ecs_service"
    )
    assert site.rc == 0 and site.changed == 0, site
    assert rule_weights(stack, 80) == {live: 100}
    assert len(ecs.list_service_deployments(cluster="helloapp", service="helloapp")["serviceDeployments"]) == 1


def test_a_native_release_after_the_migration_moves_production_to_the_other_group(e2e_stack):
    stack = e2e_stack
    (before,) = rule_weights(stack, 80)
    other = "helloapp-tg1" if before == "helloapp-tg2" else "helloapp-tg2"

    ecs = stack.client("ecs")
    live = ecs.describe_task_definition(taskDefinition=stack.service()["taskDefinition"])["taskDefinition"]
    memory = 1024 if live["memory"] == "2048" else 2048  # a new revision without a new image (nothing built)

    run = stack.play(
        "playbooks/deploy.yml", {**NATIVE, "app_image_tag": "v2", "ecs_service_task_memory": memory}, skip_tags="ecr"
    )

    assert run.rc == 0, run.stdout[-4000:]
    assert f"BLUE_GREEN release SUCCESSFUL: production on {other}" in run.stdout, run
    assert rule_weights(stack, 80) == {other: 100}
    latest = ecs.list_service_deployments(cluster="helloapp", service="helloapp")["serviceDeployments"][0]
    assert latest["status"] == "SUCCESSFUL"
    shipped = ecs.describe_task_definition(taskDefinition=stack.service()["taskDefinition"])["taskDefinition"]
    assert shipped["memory"] == str(memory) and shipped["taskDefinitionArn"] != live["taskDefinitionArn"]
