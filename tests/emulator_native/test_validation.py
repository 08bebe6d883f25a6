"""CreateService / UpdateService refuse bad native-deployment settings as ECS does (InvalidParameterException),
and the new operations answer unknown ARNs and bad arguments as the API reference says."""

from __future__ import annotations

import copy

import pytest
from botocore.exceptions import ClientError


def _lb(env, **advanced):
    lbs = env.load_balancers()
    for key, value in advanced.items():
        if value is None:
            lbs[0]["advancedConfiguration"].pop(key, None)
        else:
            lbs[0]["advancedConfiguration"][key] = value
    return lbs


BLUE_GREEN = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0}
PAUSE_BEFORE_SCALE_UP = {"targetType": "PAUSE", "lifecycleStages": ["PRE_SCALE_UP"]}

# (case id, deploymentConfiguration, loadBalancers builder or None for the default pair, words in the message)
STRATEGY_CASES = [
    ("unknown strategy", {"strategy": "RED_BLACK"}, None, "strategy"),
    ("blue/green without bake time", {"strategy": "BLUE_GREEN"}, None, "bakeTimeInMinutes"),
    ("bake time too long", {**BLUE_GREEN, "bakeTimeInMinutes": 1441}, None, "bakeTimeInMinutes"),
    ("linear step too small", {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 2.9}}, None, "stepPercent"),
    ("linear step not tenths", {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.05}}, None, "0.1"),
    (
        "linear step bake too long",
        {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": 1441}},
        None,
        "stepBakeTimeInMinutes",
    ),
    (
        "canary percent zero",
        {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.0}},
        None,
        "canaryPercent",
    ),
    (
        "canary settings on linear",
        {"strategy": "LINEAR", "canaryConfiguration": {"canaryPercent": 5.0}},
        None,
        "CANARY",
    ),
    (
        "hooks with the rolling strategy",
        {"strategy": "ROLLING", "lifecycleHooks": [PAUSE_BEFORE_SCALE_UP]},
        "rolling",
        "lifecycleHooks",
    ),
    ("advanced settings with rolling", {"strategy": "ROLLING"}, {}, "advancedConfiguration"),
]
# (case id, the one lifecycle hook of a BLUE_GREEN deployment, words in the message)
HOOK_CASES = [
    (
        "pause hook at a traffic shift",
        {"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]},
        "PAUSE",
    ),
    ("hook without stages", {"targetType": "PAUSE"}, "lifecycleStages"),
    ("hook with an unknown stage", {"targetType": "PAUSE", "lifecycleStages": ["BAKE_TIME"]}, "BAKE_TIME"),
    ("lambda hook without a function", {"lifecycleStages": ["PRE_SCALE_UP"]}, "hookTargetArn"),
    (
        "hook timeout too long",
        {**PAUSE_BEFORE_SCALE_UP, "timeoutConfiguration": {"timeoutInMinutes": 20161}},
        "timeoutInMinutes",
    ),
]
# (case id, changes to a BLUE_GREEN service's advancedConfiguration (None: left out), words in the message)
ADVANCED_CASES = [
    ("no alternate target group", {"alternateTargetGroupArn": None}, "alternateTargetGroupArn"),
    ("no production rule", {"productionListenerRule": None}, "productionListenerRule"),
    ("no role", {"roleArn": None}, "roleArn"),
    ("alternate is the primary", {"alternateTargetGroupArn": "tg1"}, "differ"),
    ("role does not exist", {"roleArn": "arn:aws:iam::123456789012:role/none"}, "does not exist"),
    ("role ECS may not assume", {"roleArn": "fn-role"}, "assume"),
    ("rule does not exist", {"productionListenerRule": "missing-rule"}, "does not exist"),
    ("test rule is the production rule", {"testListenerRule": "prod"}, "differ"),
    ("rule forwards elsewhere", {"productionListenerRule": "other-rule"}, "forward"),
]
CASES = (
    STRATEGY_CASES
    + [(name, {**BLUE_GREEN, "lifecycleHooks": [hook]}, None, words) for name, hook, words in HOOK_CASES]
    + [(name, BLUE_GREEN, advanced, words) for name, advanced, words in ADVANCED_CASES]
)


def _resolve(env, value):
    names = {
        "tg1": env.tg1,
        "prod": env.prod_rule,
        "fn-role": env.extra["fn_role"],
        "missing-rule": env.prod_rule.rsplit("/", 1)[0] + "/0000",
        "other-rule": env.extra["other_rule"],
    }
    return names.get(value, value)


@pytest.fixture
def bad_env(env):
    """The env plus a rule forwarding to a third target group and a role only Lambda may assume."""
    vpc = env.elbv2.describe_target_groups(TargetGroupArns=[env.tg1])["TargetGroups"][0]["VpcId"]
    other = env.elbv2.create_target_group(
        Name=f"other-{env.cluster}", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip"
    )["TargetGroups"][0]["TargetGroupArn"]
    [rule] = env.elbv2.describe_rules(RuleArns=[env.prod_rule])["Rules"]
    listener = env.elbv2.describe_listeners(
        ListenerArns=[env.prod_rule.replace("listener-rule", "listener").rsplit("/", 1)[0]]
    )["Listeners"][0]["ListenerArn"]
    env.extra["other_rule"] = env.elbv2.create_rule(
        ListenerArn=listener,
        Priority=2,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/other"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": other}],
    )["Rules"][0]["RuleArn"]
    del rule
    env.extra["fn_role"] = env.aws.boto3_client("iam").get_role(RoleName="fn")["Role"]["Arn"]
    return env


@pytest.mark.parametrize(("config", "lb", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_create_service_refuses(bad_env, config, lb, words):
    env = bad_env
    if lb == "rolling":
        lbs = [{"targetGroupArn": env.tg1, "containerName": "web", "containerPort": 8000}]
    else:
        lbs = _lb(env, **{k: _resolve(env, v) for k, v in (lb or {}).items()})
    with pytest.raises(ClientError) as err:
        env.ecs.create_service(
            cluster=env.cluster,
            serviceName="bad",
            taskDefinition=env.task_definition(),
            desiredCount=1,
            launchType="FARGATE",
            networkConfiguration=env.network,
            deploymentConfiguration=copy.deepcopy(config),
            loadBalancers=lbs,
        )
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert words in err.value.response["Error"]["Message"]
    assert env.ecs.describe_services(cluster=env.cluster, services=["bad"])["services"] == []


def test_update_service_checks_the_merged_configuration(env):
    env.service("LINEAR", config={"linearConfiguration": {"stepPercent": 50.0}})
    with pytest.raises(ClientError) as err:  # LINEAR -> BLUE_GREEN needs a bake time
        env.ecs.update_service(cluster=env.cluster, service="s", deploymentConfiguration={"strategy": "BLUE_GREEN"})
    assert "bakeTimeInMinutes" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        env.ecs.update_service(cluster=env.cluster, service="s", deploymentController={"type": "CODE_DEPLOY"})
    assert "in progress" in err.value.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("operation", "params", "code"),
    [
        ("describe_service_deployments", {"serviceDeploymentArns": []}, "InvalidParameterException"),
        ("describe_service_revisions", {"serviceRevisionArns": ["a"] * 21}, "InvalidParameterException"),
        ("list_service_deployments", {"cluster": "c", "service": "nope"}, "ServiceNotFoundException"),
        ("list_service_deployments", {"cluster": "none", "service": "s"}, "ClusterNotFoundException"),
        (
            "stop_service_deployment",
            {"serviceDeploymentArn": "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/s/x"},
            "ServiceDeploymentNotFoundException",
        ),
        (
            "continue_service_deployment",
            {"serviceDeploymentArn": "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/s/x", "hookId": "h"},
            "ServiceDeploymentNotFoundException",
        ),
    ],
)
def test_new_operations_refuse(env, operation, params, code):
    with pytest.raises(ClientError) as err:
        getattr(env.ecs, operation)(**params)
    assert err.value.response["Error"]["Code"] == code


def test_describe_answers_failures_for_unknown_arns_and_lists_page(env):
    env.service("BLUE_GREEN")
    env.advance(300)
    for image in ("app:2", "app:3"):
        env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=env.task_definition(image))
        env.advance(300)
    missing = "arn:aws:ecs:ap-northeast-2:123456789012:service-deployment/c/s/missing"
    answer = env.ecs.describe_service_deployments(serviceDeploymentArns=[missing])
    assert answer["serviceDeployments"] == [] and answer["failures"] == [{"arn": missing, "reason": "MISSING"}]
    first = env.ecs.list_service_deployments(cluster=env.cluster, service="s", maxResults=2)
    rest = env.ecs.list_service_deployments(
        cluster=env.cluster, service="s", maxResults=2, nextToken=first["nextToken"]
    )
    assert len(first["serviceDeployments"]) == 2 and len(rest["serviceDeployments"]) == 1 and "nextToken" not in rest
    done = env.ecs.list_service_deployments(cluster=env.cluster, service="s", status=["SUCCESSFUL"])[
        "serviceDeployments"
    ]
    assert len(done) == 3 and all(d["status"] == "SUCCESSFUL" for d in done)
