"""The ECS-native deployment options of ecs_service and the ecs_service_deployment(_info) modules on botocore
Stubbers (each call checked against the ECS model): validation messages before any call, compare-first (no
UpdateService when equal; only the deployment configuration sent for a strategy change), the exact calls of a
continue and a stop, idempotence and check mode, and the pure helpers of module_utils/ecs_native.py."""

from __future__ import annotations

import copy

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy as cd
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import ecs_native
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_service as svc
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_service_deployment as dep_module
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_service_deployment_info as info_module

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:elasticloadbalancing:ap-northeast-2:{ACCOUNT}"
TG1 = f"{PREFIX}:targetgroup/tg1/1111111111111111"
TG2 = f"{PREFIX}:targetgroup/tg2/2222222222222222"
PROD = f"{PREFIX}:listener-rule/app/lb/aaaa/bbbb/1111"
TEST = f"{PREFIX}:listener-rule/app/lb/aaaa/cccc/2222"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-infra"
FUNCTION = f"arn:aws:lambda:ap-northeast-2:{ACCOUNT}:function:hook"
SERVICE_ARN = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service/c/web"
TD1 = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/app:1"
TD2 = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:task-definition/app:2"
DEP = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service-deployment/c/web/d2"
REV1 = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service-revision/c/web/r1"
REV2 = f"arn:aws:ecs:ap-northeast-2:{ACCOUNT}:service-revision/c/web/r2"
ADVANCED = {
    "alternate_target_group_arn": TG2,
    "production_listener_rule": PROD,
    "test_listener_rule": TEST,
    "role_arn": ROLE,
}
API_ADVANCED = {
    "alternateTargetGroupArn": TG2,
    "productionListenerRule": PROD,
    "testListenerRule": TEST,
    "roleArn": ROLE,
}
NETWORK = {"awsvpcConfiguration": {"subnets": ["subnet-1"], "securityGroups": [], "assignPublicIp": "DISABLED"}}


def args(**config):
    return {
        "name": "web",
        "cluster": "c",
        "task_definition": TD1,
        "desired_count": 2,
        "network_configuration": {"subnets": ["subnet-1"]},
        "load_balancers": [
            {
                "target_group_arn": TG1,
                "container_name": "web",
                "container_port": 8000,
                "advanced_configuration": ADVANCED,
            }
        ],
        "deployment_configuration": {"strategy": "BLUE_GREEN", "bake_time_in_minutes": 0, **config},
        "wait": False,
    }


def service(**config):
    """A native service as DescribeServices reports it."""
    return {
        "serviceArn": SERVICE_ARN,
        "serviceName": "web",
        "status": "ACTIVE",
        "taskDefinition": TD1,
        "desiredCount": 2,
        "runningCount": 2,
        "pendingCount": 0,
        "deploymentController": {"type": "ECS"},
        "networkConfiguration": copy.deepcopy(NETWORK),
        "loadBalancers": [
            {
                "targetGroupArn": TG1,
                "containerName": "web",
                "containerPort": 8000,
                "advancedConfiguration": API_ADVANCED,
            }
        ],
        "deploymentConfiguration": {
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 0,
            **config,
        },
        "tags": [],
    }


def describe(stubs, found):
    stubs.ecs.add_response(
        "describe_services",
        {"services": [found] if found else [], "failures": []},
        {"cluster": "c", "services": ["web"], "include": ["TAGS"]},
    )


# --------------------------------------------------------------------------------------------- validation
BAD = [
    (
        {"strategy": "LINEAR", "linear_configuration": {"step_percent": 2.5}},
        "linear_configuration.step_percent must be a multiple of 0.1 from 3.0",
    ),
    ({"strategy": "LINEAR", "linear_configuration": {"step_percent": 10.05}}, "step_percent must be a multiple of 0.1"),
    ({"strategy": "CANARY", "canary_configuration": {"canary_percent": 0.0}}, "canary_configuration.canary_percent"),
    (
        {"strategy": "CANARY", "canary_configuration": {"canary_bake_time_in_minutes": 1441}},
        "canary_bake_time_in_minutes must be from 0 to 1440",
    ),
    (
        {"strategy": "BLUE_GREEN", "linear_configuration": {"step_percent": 10.0}},
        "linear_configuration needs deployment_configuration.strategy LINEAR",
    ),
    (
        {"strategy": "BLUE_GREEN", "bake_time_in_minutes": None},
        "bake_time_in_minutes is required with strategy BLUE_GREEN",
    ),
    ({"strategy": "BLUE_GREEN", "bake_time_in_minutes": -1}, "bake_time_in_minutes must be from 0 to 1440"),
    (
        {"lifecycle_hooks": [{"target_type": "PAUSE", "lifecycle_stages": ["PRODUCTION_TRAFFIC_SHIFT"]}]},
        "lifecycle_hooks[0]: a PAUSE hook cannot run at PRODUCTION_TRAFFIC_SHIFT",
    ),
    (
        {"lifecycle_hooks": [{"lifecycle_stages": ["POST_SCALE_UP"]}]},
        "lifecycle_hooks[0].hook_target_arn must be a Lambda function ARN",
    ),
    (
        {"lifecycle_hooks": [{"hook_target_arn": FUNCTION, "lifecycle_stages": ["POST_SCALE_UP"]}]},
        "lifecycle_hooks[0].role_arn must be the ARN of an IAM role",
    ),
    (
        {
            "lifecycle_hooks": [
                {"target_type": "PAUSE", "hook_target_arn": FUNCTION, "lifecycle_stages": ["PRE_SCALE_UP"]}
            ]
        },
        "lifecycle_hooks[0].hook_target_arn does not apply to a PAUSE hook",
    ),
    (
        {
            "lifecycle_hooks": [
                {
                    "target_type": "PAUSE",
                    "lifecycle_stages": ["PRE_SCALE_UP"],
                    "timeout_configuration": {"timeout_in_minutes": 20161},
                }
            ]
        },
        "timeout_configuration.timeout_in_minutes must be from 1 to 20160",
    ),
    ({"alarms": {"alarm_names": []}}, "alarms.alarm_names needs at least one alarm"),
    (
        {"strategy": "ROLLING", "bake_time_in_minutes": None},
        "advanced_configuration is only used by the BLUE_GREEN, LINEAR and CANARY",
    ),
]


@pytest.mark.parametrize(("config", "message"), BAD, ids=[m for _c, m in BAD])
def test_bad_input_fails_before_any_call(stubs, run_module, config, message):
    result = run_module(svc.main, args(**config))
    assert result["failed"] is True
    assert message in result["msg"], result["msg"]


def test_native_strategy_needs_advanced_configuration_and_the_ecs_controller(stubs, run_module):
    params = args()
    params["load_balancers"][0].pop("advanced_configuration")
    result = run_module(svc.main, params)
    assert "load_balancers[0].advanced_configuration (alternate target group" in result["msg"]
    params = args()
    params["deployment_controller"] = "CODE_DEPLOY"
    result = run_module(svc.main, params)
    assert "strategy BLUE_GREEN needs deployment_controller ECS, not CODE_DEPLOY" in result["msg"]
    params = args()
    params["load_balancers"][0]["advanced_configuration"] = dict(ADVANCED, alternate_target_group_arn=TG1)
    assert "alternate_target_group_arn must differ" in run_module(svc.main, params)["msg"]
    params["load_balancers"][0]["advanced_configuration"] = dict(ADVANCED, test_listener_rule=PROD)
    assert "test_listener_rule must differ from production_listener_rule" in run_module(svc.main, params)["msg"]


# --------------------------------------------------------------------------------------------- compare-first
def test_equal_native_settings_make_no_update(stubs, run_module):
    hooks = [{"target_type": "PAUSE", "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"]}]
    # AWS reports the hook with its defaults filled in; still equal.
    reported = [
        {
            "targetType": "PAUSE",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "timeoutConfiguration": {"timeoutInMinutes": 1440, "action": "ROLLBACK"},
        }
    ]
    describe(stubs, service(lifecycleHooks=reported))
    result = run_module(svc.main, args(lifecycle_hooks=hooks))
    assert result["failed"] is False and result["changed"] is False and result["updated_fields"] == []


def test_rolling_is_what_aws_reports_when_no_strategy_was_set(stubs, run_module):
    found = service()
    found["deploymentConfiguration"].pop("bakeTimeInMinutes")
    found["deploymentConfiguration"]["strategy"] = "ROLLING"
    for lb in found["loadBalancers"]:
        lb.pop("advancedConfiguration")
    describe(stubs, found)
    params = args(strategy="ROLLING", bake_time_in_minutes=None)
    params["load_balancers"][0].pop("advanced_configuration")
    assert run_module(svc.main, params)["changed"] is False


def test_a_strategy_change_sends_only_the_deployment_configuration(stubs, run_module):
    describe(stubs, service())
    wanted = {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "strategy": "CANARY",
        "bakeTimeInMinutes": 0,
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2},
    }
    stubs.ecs.add_response(
        "update_service",
        {"service": service(**wanted)},
        {"cluster": "c", "service": "web", "deploymentConfiguration": wanted},
    )
    result = run_module(
        svc.main,
        args(strategy="CANARY", canary_configuration={"canary_percent": 10, "canary_bake_time_in_minutes": 2}),
        diff=True,
    )
    assert result["changed"] is True and result["updated_fields"] == ["deploymentConfiguration"]
    assert result["diff"]["before"]["deploymentConfiguration"]["strategy"] == "BLUE_GREEN"
    assert result["diff"]["after"]["deploymentConfiguration"]["strategy"] == "CANARY"


def test_unset_settings_are_kept_and_the_other_strategys_are_dropped(stubs, run_module):
    # The service is LINEAR with hooks and alarms; the user moves it to BLUE_GREEN and says nothing of hooks
    # or alarms: they are sent back as they are, the linear steps are dropped (AWS refuses them with BLUE_GREEN).
    hooks = [{"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"]}]
    alarms = {"alarmNames": ["5xx"], "enable": True, "rollback": True}
    describe(
        stubs,
        service(strategy="LINEAR", linearConfiguration={"stepPercent": 20.0}, lifecycleHooks=hooks, alarms=alarms),
    )
    sent = {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 5,
        "lifecycleHooks": hooks,
        "alarms": alarms,
    }
    stubs.ecs.add_response(
        "update_service",
        {"service": service(**sent)},
        {"cluster": "c", "service": "web", "deploymentConfiguration": sent},
    )
    assert run_module(svc.main, args(bake_time_in_minutes=5))["updated_fields"] == ["deploymentConfiguration"]


def test_check_mode_reports_the_change_and_calls_nothing(stubs, run_module):
    describe(stubs, service())
    result = run_module(svc.main, args(bake_time_in_minutes=10), check_mode=True)
    assert result["changed"] is True and result["updated_fields"] == ["deploymentConfiguration"]


def test_advanced_configuration_change_updates_the_load_balancers(stubs, run_module):
    found = service()
    found["loadBalancers"][0]["advancedConfiguration"] = dict(API_ADVANCED, testListenerRule=None)
    found["loadBalancers"][0]["advancedConfiguration"].pop("testListenerRule")
    describe(stubs, found)
    lbs = [
        {"targetGroupArn": TG1, "containerName": "web", "containerPort": 8000, "advancedConfiguration": API_ADVANCED}
    ]
    stubs.ecs.add_response(
        "update_service", {"service": service()}, {"cluster": "c", "service": "web", "loadBalancers": lbs}
    )
    assert run_module(svc.main, args())["updated_fields"] == ["loadBalancers"]


def test_controller_switch_is_refused_unless_asked_and_then_sent_with_the_load_balancers(stubs, run_module):
    found = service()
    found.update(deploymentController={"type": "CODE_DEPLOY"}, taskSets=[{"status": "PRIMARY", "taskDefinition": TD1}])
    found["deploymentConfiguration"] = {"minimumHealthyPercent": 100, "maximumPercent": 200}
    found["loadBalancers"][0].pop("advancedConfiguration")
    describe(stubs, found)
    params = dict(args(), deployment_controller="ECS")
    refused = run_module(svc.main, params)
    assert (
        refused["failed"] is True
        and "cannot change it to ECS in place unless switch_deployment_controller" in refused["msg"]
    )

    describe(stubs, found)
    lbs = [
        {"targetGroupArn": TG1, "containerName": "web", "containerPort": 8000, "advancedConfiguration": API_ADVANCED}
    ]
    config = {
        "minimumHealthyPercent": 100,
        "maximumPercent": 200,
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 0,
    }
    stubs.ecs.add_response(
        "update_service",
        {"service": service()},
        {
            "cluster": "c",
            "service": "web",
            "deploymentController": {"type": "ECS"},
            "loadBalancers": lbs,
            "deploymentConfiguration": config,
        },
    )
    result = run_module(svc.main, dict(params, switch_deployment_controller=True))
    assert result["changed"] is True
    assert result["updated_fields"] == ["deploymentConfiguration", "deploymentController", "loadBalancers"]


# --------------------------------------------------------------------------------------------- deployments
def deployment(status="IN_PROGRESS", stage="POST_TEST_TRAFFIC_SHIFT", hook_status="AWAITING_ACTION"):
    found = {
        "serviceDeploymentArn": DEP,
        "serviceArn": SERVICE_ARN,
        "status": status,
        "lifecycleStage": stage,
        "deploymentConfiguration": {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0},
        "targetServiceRevision": {
            "arn": REV2,
            "requestedProductionTrafficWeight": 0.0,
            "requestedTestTrafficWeight": 100.0,
        },
        "sourceServiceRevisions": [
            {"arn": REV1, "requestedProductionTrafficWeight": 100.0, "requestedTestTrafficWeight": 0.0}
        ],
    }
    if hook_status:
        found["lifecycleHookDetails"] = [{"hookId": "h1", "targetType": "PAUSE", "status": hook_status}]
    return found


def stub_current(stubs, found, active=True):
    statuses = list(ecs_native.ACTIVE_STATUSES)
    listed = {"serviceDeployments": [{"serviceDeploymentArn": DEP, "status": found["status"]}]}
    stubs.ecs.add_response(
        "list_service_deployments",
        listed if active else {"serviceDeployments": []},
        {"cluster": "c", "service": "web", "status": statuses},
    )
    if not active:
        stubs.ecs.add_response("list_service_deployments", listed, {"cluster": "c", "service": "web", "maxResults": 1})
    stubs.ecs.add_response(
        "describe_service_deployments", {"serviceDeployments": [found]}, {"serviceDeploymentArns": [DEP]}
    )


def stub_revisions(stubs):
    revisions = [
        {
            "serviceRevisionArn": REV2,
            "taskDefinition": TD2,
            "resolvedConfiguration": {"loadBalancers": [{"targetGroupArn": TG2}]},
        },
        {
            "serviceRevisionArn": REV1,
            "taskDefinition": TD1,
            "resolvedConfiguration": {"loadBalancers": [{"targetGroupArn": TG1}]},
        },
    ]
    stubs.ecs.add_response(
        "describe_service_revisions", {"serviceRevisions": revisions}, {"serviceRevisionArns": [REV2, REV1]}
    )


def test_continue_answers_the_waiting_hook(stubs, run_module):
    stub_current(stubs, deployment())
    stubs.ecs.add_response(
        "continue_service_deployment",
        {"serviceDeploymentArn": DEP},
        {"serviceDeploymentArn": DEP, "hookId": "h1", "action": "CONTINUE"},
    )
    stubs.ecs.add_response(
        "describe_service_deployments",
        {"serviceDeployments": [deployment(stage="PRODUCTION_TRAFFIC_SHIFT", hook_status="SUCCEEDED")]},
        {"serviceDeploymentArns": [DEP]},
    )
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "continued"})
    assert result["changed"] is True and result["hook_id"] == "h1"
    assert result["deployment"]["lifecycle_stage"] == "PRODUCTION_TRAFFIC_SHIFT"


@pytest.mark.parametrize(
    ("found", "hook_id", "says"),
    [
        (deployment(hook_status="IN_PROGRESS"), None, "no hook waits for an action"),
        (deployment(), "other", "hook other waits for an action"),
        (deployment(status="SUCCESSFUL", hook_status=None), None, "is SUCCESSFUL: nothing to continue"),
    ],
)
def test_continue_with_nothing_waiting_changes_nothing(stubs, run_module, found, hook_id, says):
    stub_current(stubs, found, active=found["status"] != "SUCCESSFUL")
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "continued", "hook_id": hook_id})
    assert result["failed"] is False and result["changed"] is False and says in result["msg"]


def test_continue_in_check_mode_calls_nothing(stubs, run_module):
    stub_current(stubs, deployment())
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "continued"}, check_mode=True)
    assert result["changed"] is True and result["hook_id"] == "h1"


def test_stop_rolls_back_and_waits_for_the_end(stubs, run_module, fake_time, monkeypatch):
    monkeypatch.setattr(ecs_native, "time", fake_time)
    monkeypatch.setattr(dep_module, "time", fake_time)
    stub_current(stubs, deployment(stage="PRODUCTION_TRAFFIC_SHIFT", hook_status=None))
    stubs.ecs.add_response(
        "stop_service_deployment", {"serviceDeploymentArn": DEP}, {"serviceDeploymentArn": DEP, "stopType": "ROLLBACK"}
    )
    for status in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"):
        found = deployment(status=status, stage="PRODUCTION_TRAFFIC_SHIFT", hook_status=None)
        found["targetServiceRevision"]["requestedProductionTrafficWeight"] = 0.0
        found["rollback"] = {"reason": "StopServiceDeployment", "serviceRevisionArn": REV1}
        stubs.ecs.add_response(
            "describe_service_deployments", {"serviceDeployments": [found]}, {"serviceDeploymentArns": [DEP]}
        )
        if status == "ROLLBACK_IN_PROGRESS":
            stub_revisions(stubs)
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "stopped", "wait": True})
    assert result["failed"] is False and result["changed"] is True
    assert result["deployment"]["status"] == "ROLLBACK_SUCCESSFUL"
    assert result["deployment"]["production_target_group"] == "tg1"
    assert [h["status"] for h in result["history"]] == ["ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]
    assert fake_time.sleeps == [2.0]


def test_stop_of_a_finished_deployment_changes_nothing(stubs, run_module):
    stub_current(stubs, deployment(status="SUCCESSFUL", hook_status=None), active=False)
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "stopped"})
    assert result["changed"] is False and "nothing to stop" in result["msg"]


def test_stop_of_a_missing_service_fails_naming_it(stubs, run_module):
    stubs.ecs.add_client_error("list_service_deployments", "ServiceNotFoundException", "Service not found.")
    result = run_module(dep_module.main, {"cluster": "c", "service": "web", "state": "stopped"})
    assert result["failed"] is True and "Service web of cluster c does not exist" in result["msg"]


def test_info_reads_the_current_deployment_with_its_revisions(stubs, run_module):
    stubs.ecs.add_response(
        "list_service_deployments",
        {"serviceDeployments": [{"serviceDeploymentArn": DEP, "status": "IN_PROGRESS"}]},
        {"cluster": "c", "service": "web", "maxResults": 5},
    )
    stub_current(stubs, deployment())
    stub_revisions(stubs)
    result = run_module(info_module.main, {"cluster": "c", "service": "web", "include_revisions": True})
    assert result["found"] is True and result["status"] == "IN_PROGRESS"
    assert result["production_target_group"] == "tg1" and result["awaiting_hook"]["hook_id"] == "h1"
    # The stage it holds the release at is the deployment's (a hook detail has none): deploy.yml prints it.
    assert result["awaiting_hook"]["lifecycle_stage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert result["progress"] == (
        "d2 IN_PROGRESS POST_TEST_TRAFFIC_SHIFT | production tg2 0% tg1 100% | test tg2 100% tg1 0% "
        "| hook PAUSE h1 AWAITING_ACTION"
    )
    assert [r["task_definition"] for r in result["revisions"]] == [TD2, TD1]
    assert result["deployments"][0]["id"] == "d2"


def test_info_of_a_missing_service_is_not_found(stubs, run_module):
    stubs.ecs.add_client_error("list_service_deployments", "ClusterNotFoundException", "Cluster not found.")
    result = run_module(info_module.main, {"cluster": "c", "service": "web"})
    assert result["failed"] is False and result["found"] is False and "does not exist" in result["msg"]


# --------------------------------------------------------------------------------------------- pure helpers
@pytest.mark.parametrize(
    ("checkpoint", "stage", "production", "reached"),
    [
        ("scaled_up", "SCALE_UP", 0.0, False),
        ("scaled_up", "POST_SCALE_UP", 0.0, True),
        ("test_traffic_shifted", "TEST_TRAFFIC_SHIFT", 0.0, False),
        ("test_traffic_shifted", "POST_TEST_TRAFFIC_SHIFT", 0.0, True),
        ("production_traffic_shifting", "PRODUCTION_TRAFFIC_SHIFT", 0.0, False),
        ("production_traffic_shifting", "PRODUCTION_TRAFFIC_SHIFT", 10.0, True),
        ("production_traffic_shifted", "PRODUCTION_TRAFFIC_SHIFT", 10.0, False),
        ("production_traffic_shifted", "BAKE_TIME", 100.0, True),
        ("successful", "CLEAN_UP", 100.0, False),
    ],
)
def test_checkpoints_follow_the_stages(checkpoint, stage, production, reached):
    found = deployment(stage=stage, hook_status=None)
    found["targetServiceRevision"]["requestedProductionTrafficWeight"] = production
    assert ecs_native.checkpoint_reached(checkpoint, ecs_native.summarise(found)) is reached


def test_a_rollback_reaches_no_checkpoint_and_success_reaches_all():
    rolled = ecs_native.summarise(deployment(status="ROLLBACK_SUCCESSFUL", stage="BAKE_TIME", hook_status=None))
    done = ecs_native.summarise(deployment(status="SUCCESSFUL", stage="CLEAN_UP", hook_status=None))
    for checkpoint in ecs_native.CHECKPOINTS[1:]:
        assert ecs_native.checkpoint_reached(checkpoint, rolled) is False
        assert ecs_native.checkpoint_reached(checkpoint, done) is True


def test_follow_stops_at_a_waiting_hook(stubs, fake_time, monkeypatch):
    monkeypatch.setattr(ecs_native, "time", fake_time)
    assert cd.time is fake_time  # the poll loop's sleep
    stubs.ecs.add_response(
        "describe_service_deployments", {"serviceDeployments": [deployment()]}, {"serviceDeploymentArns": [DEP]}
    )
    stub_revisions(stubs)
    summary, reached, timed_out, history, _reader = ecs_native.follow(stubs.retrying("ecs"), DEP, "successful", 600)
    assert (reached, timed_out, len(history)) == (False, False, 1) and fake_time.sleeps == []
    ok, msg = ecs_native.outcome(summary, "successful", reached, 600)
    assert ok is False and "waits at POST_TEST_TRAFFIC_SHIFT for hook h1" in msg


def code_deploy_service():
    found = service()
    found.update(deploymentController={"type": "CODE_DEPLOY"}, taskSets=[{"status": "PRIMARY", "taskDefinition": TD1}])
    found["deploymentConfiguration"] = {"minimumHealthyPercent": 100, "maximumPercent": 200}
    found["loadBalancers"][0].pop("advancedConfiguration")
    return found


def test_a_native_strategy_on_a_code_deploy_service_says_how_to_switch(stubs, run_module):
    describe(stubs, code_deploy_service())
    result = run_module(svc.main, args())  # deployment_controller omitted: the service keeps CODE_DEPLOY
    assert result["failed"] is True
    assert "strategy BLUE_GREEN needs the ECS deployment controller; service web uses CODE_DEPLOY" in result["msg"]


def test_a_native_service_does_not_go_to_code_deploy_in_one_step(stubs, run_module):
    describe(stubs, service())
    params = args()
    params["deployment_configuration"] = {}
    params["load_balancers"][0].pop("advanced_configuration")
    params.update(deployment_controller="CODE_DEPLOY", switch_deployment_controller=True)
    result = run_module(svc.main, params)
    assert result["failed"] is True and "first set deployment_configuration.strategy ROLLING" in result["msg"]
