"""ELBv2 targets (awsemu/services/elbv2_targets.py) and rules, and the routing view (elbv2_routing.py)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from .conftest import DRAIN, INTERVAL, PORT, START, ip_of


def state_of(env, tg, target_id, port=PORT):
    [description] = env.elbv2.describe_target_health(TargetGroupArn=tg, Targets=[{"Id": target_id, "Port": port}])[
        "TargetHealthDescriptions"
    ]
    health = description["TargetHealth"]
    return health["State"], health.get("Reason")


def test_an_address_nothing_answers_on_times_out(env):
    address = next(iter(env.subnets.values())).replace("0/20", "200")
    env.elbv2.register_targets(TargetGroupArn=env.tg, Targets=[{"Id": address, "Port": PORT}])
    timeline = [
        (0, ("initial", "Elb.RegistrationInProgress")),
        (INTERVAL, ("initial", "Elb.InitialHealthChecking")),
        (2 * INTERVAL, ("unhealthy", "Target.Timeout")),
    ]
    elapsed = 0
    for at, expected in timeline:
        env.advance(at - elapsed)
        elapsed = at
        assert state_of(env, env.tg, address) == expected, at
    env.elbv2.deregister_targets(TargetGroupArn=env.tg, Targets=[{"Id": address, "Port": PORT}])
    assert state_of(env, env.tg, address) == ("draining", "Target.DeregistrationInProgress")
    env.advance(DRAIN)
    assert state_of(env, env.tg, address) == ("unused", "Target.NotRegistered")
    assert env.health() == {}


def test_a_group_no_listener_forwards_to_is_unused_until_one_does(env):
    env.service(
        desired=1,
        lb=False,
        loadBalancers=[{"targetGroupArn": env.spare_tg, "containerName": "web", "containerPort": PORT}],
    )
    env.advance(START + 3 * INTERVAL)
    assert set(env.health(env.spare_tg).values()) == {("unused", "Target.NotInUse")}
    # unused targets hold nothing up: the deployment completes
    assert env.describe()["deployments"][0]["rolloutState"] == "COMPLETED"
    env.elbv2.modify_listener(
        ListenerArn=env.listener,
        DefaultActions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [
                        {"TargetGroupArn": env.tg, "Weight": 100},
                        {"TargetGroupArn": env.spare_tg, "Weight": 0},
                    ]
                },
            }
        ],
    )
    assert set(env.health(env.spare_tg).values()) == {("initial", "Elb.RegistrationInProgress")}
    env.advance(INTERVAL)  # weight 0 still forwards: the checks run
    assert set(env.health(env.spare_tg).values()) == {("healthy", None)}
    groups = env.elbv2.describe_target_groups(TargetGroupArns=[env.spare_tg])["TargetGroups"]
    assert groups[0]["LoadBalancerArns"] == [env.load_balancer]


def test_describe_target_health_of_a_target_never_registered(env):
    assert state_of(env, env.tg, "10.9.9.9") == ("unused", "Target.NotRegistered")
    with pytest.raises(ClientError) as excinfo:
        env.elbv2.describe_target_health(TargetGroupArn=env.tg.replace("tg/", "ghost/"))
    assert excinfo.value.response["Error"]["Code"] == "TargetGroupNotFound"


def weighted(*pairs, **config):
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in pairs],
                **config,
            },
        }
    ]


@pytest.mark.parametrize(
    "actions",
    [
        lambda e: weighted((e.tg, 1000)),
        lambda e: weighted((e.tg, -1)),
        lambda e: weighted((e.tg, 1), (e.tg, 1)),
        lambda e: weighted(*[(e.tg, 1)] * 6),
        lambda e: weighted(),
        lambda e: weighted((e.tg, 1), (e.spare_tg, 1), TargetGroupStickinessConfig={"Enabled": True}),
        lambda e: [{**weighted((e.tg, 1), (e.spare_tg, 1))[0], "TargetGroupArn": e.tg}],
    ],
    ids=[
        "weight-over-999",
        "negative-weight",
        "duplicate",
        "six-groups",
        "none",
        "stickiness-no-duration",
        "arn-and-several",
    ],
)
@pytest.mark.parametrize("call", ["create_rule", "modify_rule", "modify_listener"])
def test_forward_actions_aws_refuses(env, actions, call):
    rule = env.elbv2.create_rule(
        ListenerArn=env.listener,
        Priority=10,
        Conditions=[{"Field": "path-pattern", "Values": ["/a"]}],
        Actions=weighted((env.tg, 1)),
    )["Rules"][0]["RuleArn"]
    with pytest.raises(ClientError) as excinfo:
        if call == "create_rule":
            env.elbv2.create_rule(
                ListenerArn=env.listener,
                Priority=20,
                Conditions=[{"Field": "path-pattern", "Values": ["/b"]}],
                Actions=actions(env),
            )
        elif call == "modify_rule":
            env.elbv2.modify_rule(RuleArn=rule, Actions=actions(env))
        else:
            env.elbv2.modify_listener(ListenerArn=env.listener, DefaultActions=actions(env))
    assert excinfo.value.response["Error"]["Code"] == "ValidationError"


def test_weighted_rules_read_back_in_priority_order_and_the_routing_view_follows_at_once(env):
    env.service(desired=1)
    env.advance(START + INTERVAL)
    production = env.elbv2.create_rule(
        ListenerArn=env.listener,
        Priority=20,
        Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
        Actions=weighted((env.tg, 100), (env.spare_tg, 0)),
    )["Rules"][0]["RuleArn"]
    test = env.elbv2.create_rule(
        ListenerArn=env.listener,
        Priority=10,
        Conditions=[{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "x-test", "Values": ["1"]}}],
        Actions=weighted((env.spare_tg, 100), (env.tg, 0)),
    )["Rules"][0]["RuleArn"]
    rules = env.elbv2.describe_rules(ListenerArn=env.listener)["Rules"]
    assert [r["Priority"] for r in rules] == ["10", "20", "default"]
    assert rules[1]["Actions"][0]["ForwardConfig"]["TargetGroups"] == [
        {"TargetGroupArn": env.tg, "Weight": 100},
        {"TargetGroupArn": env.spare_tg, "Weight": 0},
    ]
    before = env.aws.admin("elbv2/routing")
    env.elbv2.modify_rule(
        RuleArn=production,
        Actions=weighted(
            (env.tg, 90), (env.spare_tg, 10), TargetGroupStickinessConfig={"Enabled": True, "DurationSeconds": 60}
        ),
    )
    view = env.aws.admin("elbv2/routing")
    assert view["Fingerprint"] != before["Fingerprint"]
    [balancer] = view["LoadBalancers"]
    [listener] = balancer["Listeners"]
    assert (listener["Port"], listener["Protocol"]) == (80, "HTTP")
    assert [(r["Priority"], r["IsDefault"]) for r in listener["Rules"]] == [(10, False), (20, False), ("default", True)]
    assert listener["Rules"][0]["RuleArn"] == test
    forward = listener["Rules"][1]["Actions"][0]
    assert forward["ForwardConfig"] == {
        "TargetGroups": [{"TargetGroupArn": env.tg, "Weight": 90}, {"TargetGroupArn": env.spare_tg, "Weight": 10}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
    }
    # a single-group forward is normalised to a weighted one too
    assert listener["DefaultActions"][0]["ForwardConfig"]["TargetGroups"] == [{"TargetGroupArn": env.tg, "Weight": 1}]
    assert listener["Rules"][-1]["Actions"] == listener["DefaultActions"]
    [task] = env.tasks()
    [target] = view["TargetGroups"][env.tg]["Targets"]
    assert (target["Id"], target["Port"], target["State"], target["TaskArn"]) == (
        ip_of(task),
        PORT,
        "healthy",
        task["taskArn"],
    )
    assert view["TargetGroups"][env.tg]["HealthCheck"]["IntervalSeconds"] == INTERVAL
    assert view["TargetGroups"][env.tg]["DeregistrationDelaySeconds"] == DRAIN
    assert sorted(view["TargetGroups"][env.spare_tg]["LoadBalancerArns"]) == [env.load_balancer]
