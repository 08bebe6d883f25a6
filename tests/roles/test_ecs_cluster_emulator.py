"""awsemu/services/ecs_cluster.py: ECS cluster answers shaped as the ECS API reference says (boto3 is the judge)."""

from __future__ import annotations

import botocore.exceptions
import pytest


@pytest.fixture
def ecs(aws):
    return aws.boto3_client("ecs")


def test_cluster_always_has_capacity_provider_fields(ecs):
    created = ecs.create_cluster(clusterName="c1")["cluster"]
    assert created["capacityProviders"] == []
    assert created["defaultCapacityProviderStrategy"] == []
    (described,) = ecs.describe_clusters(clusters=["c1"])["clusters"]
    assert described["capacityProviders"] == []
    assert described["defaultCapacityProviderStrategy"] == []
    assert "settings" not in described, "settings only with include=SETTINGS"
    (with_settings,) = ecs.describe_clusters(clusters=["c1"], include=["SETTINGS"])["clusters"]
    assert with_settings["settings"] == [{"name": "containerInsights", "value": "disabled"}]


def test_put_capacity_providers_fills_strategy_defaults(ecs):
    ecs.create_cluster(clusterName="c1")
    cluster = ecs.put_cluster_capacity_providers(
        cluster="c1",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 2}],
    )["cluster"]
    assert cluster["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0}]


@pytest.mark.parametrize("value", ["enhanced", "enabled", "disabled"])
def test_update_cluster_settings(ecs, value):
    ecs.create_cluster(clusterName="c1")
    cluster = ecs.update_cluster_settings(cluster="c1", settings=[{"name": "containerInsights", "value": value}])[
        "cluster"
    ]
    assert cluster["settings"] == [{"name": "containerInsights", "value": value}]
    (described,) = ecs.describe_clusters(clusters=["c1"], include=["SETTINGS"])["clusters"]
    assert described["settings"] == [{"name": "containerInsights", "value": value}]


@pytest.mark.parametrize(
    ("cluster", "settings", "code"),
    [
        ("c1", [{"name": "containerInsights", "value": "on"}], "InvalidParameterException"),
        ("c1", [{"name": "somethingElse", "value": "enabled"}], "InvalidParameterException"),
        ("missing", [{"name": "containerInsights", "value": "enabled"}], "ClusterNotFoundException"),
    ],
)
def test_update_cluster_settings_errors(ecs, cluster, settings, code):
    ecs.create_cluster(clusterName="c1")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ecs.update_cluster_settings(cluster=cluster, settings=settings)
    assert err.value.response["Error"]["Code"] == code


def test_delete_cluster_with_active_service_is_refused(ecs):
    ecs.create_cluster(clusterName="c1")
    ecs.register_task_definition(
        family="f", containerDefinitions=[{"name": "c", "image": "i", "essential": True}], cpu="256", memory="512"
    )
    ecs.create_service(cluster="c1", serviceName="s", taskDefinition="f", desiredCount=0)
    (cluster,) = ecs.describe_clusters(clusters=["c1"])["clusters"]
    assert cluster["activeServicesCount"] == 1
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ecs.delete_cluster(cluster="c1")
    assert err.value.response["Error"]["Code"] == "ClusterContainsServicesException"

    ecs.delete_service(cluster="c1", service="s")
    assert ecs.delete_cluster(cluster="c1")["cluster"]["status"] == "INACTIVE"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        ecs.delete_cluster(cluster="c1")
    assert err.value.response["Error"]["Code"] == "ClusterNotFoundException"


def test_list_tags_of_untagged_cluster_has_empty_list(ecs):
    arn = ecs.create_cluster(clusterName="c1")["cluster"]["clusterArn"]
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == []
