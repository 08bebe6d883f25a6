"""Service deployments for every strategy: stages in AWS's order, the traffic steps, the end state, the timings.

Each test creates a service (its first deployment), ships v2 with UpdateService and follows the service
deployment on the frozen clock through ListServiceDeployments / DescribeServiceDeployments /
DescribeServiceRevisions and the production and test listener rules.
"""

from __future__ import annotations

import pytest

from awsemu.services.ecs_native import STAGES

NATIVE = {
    # strategy: (deploymentConfiguration extras, green's production shares in order)
    "BLUE_GREEN": ({"bakeTimeInMinutes": 1}, [100]),
    "CANARY": (
        {"bakeTimeInMinutes": 0, "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 2}},
        [10, 100],
    ),
    "LINEAR": (
        {"bakeTimeInMinutes": 0, "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}},
        [25, 50, 75, 100],
    ),
}


def _share(env, tg: str) -> float:
    weights = env.weights()
    total = sum(weights.values())
    return round(100.0 * weights.get(tg, 0) / total, 1) if total else 0.0


@pytest.mark.parametrize("strategy", sorted(NATIVE))
def test_native_release_ships_v2_on_the_other_target_group(env, strategy):
    extras, shares = NATIVE[strategy]
    env.service(strategy, config=extras)
    first_time = env.run_until(env.finished)
    first = env.latest()
    assert first["status"] == "SUCCESSFUL", first
    assert env.production() == "tg1"
    service = env.describe()
    assert service["deploymentConfiguration"]["strategy"] == strategy
    assert service["runningCount"] == 2 and len(service["currentServiceRevisions"]) == 1
    assert first_time < 120

    v2 = env.task_definition("app:2")
    env.ecs.update_service(cluster="c", service="s", taskDefinition=v2)
    stages, seen_shares, elapsed = [], [], 0.0
    while not env.finished():
        dep = env.latest()
        if dep.get("lifecycleStage") and (not stages or stages[-1] != dep["lifecycleStage"]):
            stages.append(dep["lifecycleStage"])
        share = _share(env, "tg2")
        if share and (not seen_shares or seen_shares[-1] != share):
            seen_shares.append(share)
        env.advance(1)
        elapsed += 1
        assert elapsed < 3600
    dep = env.latest()
    assert dep["status"] == "SUCCESSFUL", dep
    assert dep["finishedAt"] > dep["startedAt"]
    # The stages come in AWS's order (RECONCILE_SERVICE only when two revisions were active).
    order = [s for s in STAGES if s in stages]
    assert stages == order and stages[0] == "PRE_SCALE_UP" and stages[-1] == "CLEAN_UP", stages
    assert [round(s) for s in seen_shares] == shares
    assert env.production() == "tg2" and env.weights(env.test_rule) == {"tg1": 0, "tg2": 100}
    service = env.describe()
    assert service["taskDefinition"] == v2
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"]
    assert service["runningCount"] == 2
    [revision] = env.ecs.describe_service_revisions(serviceRevisionArns=[dep["targetServiceRevision"]["arn"]])[
        "serviceRevisions"
    ]
    assert revision["taskDefinition"] == v2
    assert revision["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"] == env.tg2
    assert revision["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] == env.tg2
    [source] = dep["sourceServiceRevisions"]
    assert source["arn"] == first["targetServiceRevision"]["arn"]
    # Only tg2's targets are registered now (tg1's drained away with the blue revision).
    assert env.elbv2.describe_target_health(TargetGroupArn=env.tg1)["TargetHealthDescriptions"] == []
    assert len(env.elbv2.describe_target_health(TargetGroupArn=env.tg2)["TargetHealthDescriptions"]) == 2
    env.extra["release_seconds"] = elapsed

    # The next release goes back to tg1; an UpdateService with nothing new starts nothing.
    env.ecs.update_service(cluster="c", service="s", desiredCount=2)
    assert len(env.deployments()) == 2
    env.ecs.update_service(cluster="c", service="s", taskDefinition=env.task_definition("app:3"))
    env.run_until(env.finished)
    assert env.latest()["status"] == "SUCCESSFUL" and env.production() == "tg1"


def test_rolling_service_deployments_follow_the_rollout(env):
    env.service("ROLLING")
    env.run_until(env.finished)
    first = env.latest()
    assert first["status"] == "SUCCESSFUL" and "lifecycleStage" not in first
    v2 = env.task_definition("app:2")
    env.ecs.update_service(cluster="c", service="s", taskDefinition=v2)
    dep = env.latest()
    assert dep["status"] == "IN_PROGRESS"
    assert dep["sourceServiceRevisions"][0]["arn"] == first["targetServiceRevision"]["arn"]
    env.run_until(env.finished)
    dep = env.latest()
    assert dep["status"] == "SUCCESSFUL"
    service = env.describe()
    assert service["currentServiceDeployment"] == dep["serviceDeploymentArn"]
    assert [r["arn"] for r in service["currentServiceRevisions"]] == [dep["targetServiceRevision"]["arn"]]
    [revision] = env.ecs.describe_service_revisions(serviceRevisionArns=[dep["targetServiceRevision"]["arn"]])[
        "serviceRevisions"
    ]
    assert revision["taskDefinition"] == v2 and "resolvedConfiguration" not in revision
