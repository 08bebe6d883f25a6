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


def _timeline(env, dep: dict) -> list[dict]:
    return env.aws.admin("ecs_native", "POST", {"deployment": dep["serviceDeploymentArn"]})["history"]


@pytest.mark.parametrize("strategy", sorted(NATIVE))
def test_native_release_ships_v2_on_the_other_target_group(env, strategy):
    extras, shares = NATIVE[strategy]
    env.service(strategy, config=extras)
    env.advance(600)
    first = env.latest()
    assert first["status"] == "SUCCESSFUL", first
    assert env.production() == "tg1"
    service = env.describe()
    assert service["deploymentConfiguration"]["strategy"] == strategy
    assert service["runningCount"] == 2 and len(service["currentServiceRevisions"]) == 1

    v2 = env.task_definition("app:2")
    env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=v2)
    assert env.latest()["status"] == "IN_PROGRESS"
    env.advance(3600)
    dep = env.latest()
    assert dep["status"] == "SUCCESSFUL", dep
    history = _timeline(env, dep)
    # The stages come in AWS's order (RECONCILE_SERVICE only when two revisions were active).
    stages = []
    for entry in history:
        if entry["event"] == "stage" and (not stages or stages[-1] != entry["lifecycleStage"]):
            stages.append(entry["lifecycleStage"])
    assert stages == [s for s in STAGES if s != "RECONCILE_SERVICE"], stages
    # Production moves in the strategy's steps, each step's bake apart (none after 100%).
    steps = [(e["at"], e["production"]) for e in history if e["event"] == "traffic" and e["production"]]
    assert [round(p) for _, p in steps] == shares
    bake = 60 * (extras.get("canaryConfiguration") or extras.get("linearConfiguration") or {}).get(
        "canaryBakeTimeInMinutes", (extras.get("linearConfiguration") or {}).get("stepBakeTimeInMinutes", 0)
    )
    gaps = [b - a for (a, _), (b, _) in zip(steps, steps[1:], strict=False)]
    assert all(bake <= gap <= bake + 10 for gap in gaps), gaps
    # bakeTimeInMinutes after the last shift, before CLEAN_UP.
    clean_up = next(e["at"] for e in history if e.get("lifecycleStage") == "CLEAN_UP")
    assert clean_up - steps[-1][0] >= 60 * extras["bakeTimeInMinutes"]
    assert dep["finishedAt"].timestamp() > clean_up >= dep["startedAt"].timestamp()
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
    assert dep["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    # Only tg2's targets are registered now (tg1's drained away with the blue revision).
    assert env.elbv2.describe_target_health(TargetGroupArn=env.tg1)["TargetHealthDescriptions"] == []
    assert len(env.elbv2.describe_target_health(TargetGroupArn=env.tg2)["TargetHealthDescriptions"]) == 2

    # An UpdateService with nothing new starts nothing; the next release goes back to tg1.
    env.ecs.update_service(cluster=env.cluster, service="s", desiredCount=2)
    assert len(env.deployments()) == 2
    env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=env.task_definition("app:3"))
    env.advance(3600)
    assert env.latest()["status"] == "SUCCESSFUL" and env.production() == "tg1"


def test_rolling_service_deployments_follow_the_rollout(env):
    env.service("ROLLING")
    env.advance(600)
    first = env.latest()
    assert first["status"] == "SUCCESSFUL" and "lifecycleStage" not in first
    v2 = env.task_definition("app:2")
    env.ecs.update_service(cluster=env.cluster, service="s", taskDefinition=v2)
    dep = env.latest()
    assert dep["status"] == "IN_PROGRESS"
    assert dep["sourceServiceRevisions"][0]["arn"] == first["targetServiceRevision"]["arn"]
    env.advance(600)
    dep = env.latest()
    assert dep["status"] == "SUCCESSFUL"
    service = env.describe()
    assert service["currentServiceDeployment"] == dep["serviceDeploymentArn"]
    assert [r["arn"] for r in service["currentServiceRevisions"]] == [dep["targetServiceRevision"]["arn"]]
    [revision] = env.ecs.describe_service_revisions(serviceRevisionArns=[dep["targetServiceRevision"]["arn"]])[
        "serviceRevisions"
    ]
    assert revision["taskDefinition"] == v2 and "resolvedConfiguration" not in revision
