"""ECS clusters: the answer shapes and rules of the ECS API reference where moto 5.2 differs.

- ``Cluster.capacityProviders`` and ``Cluster.defaultCapacityProviderStrategy`` are always present
  (``[]`` when none); moto leaves them out, and community.aws.ecs_cluster reads them unconditionally.
- ``settings`` is only returned by DescribeClusters when ``include`` has ``SETTINGS`` (moto always
  sends it); CreateCluster, UpdateCluster, UpdateClusterSettings and PutClusterCapacityProviders return it.
- ``activeServicesCount`` counts the cluster's ACTIVE services (moto never updates it).
- UpdateClusterSettings (missing in moto): ``containerInsights`` = ``enhanced`` | ``enabled`` | ``disabled``.
- ListTagsForResource always has ``tags`` (``[]`` when untagged), for any ECS resource.
- DeleteCluster refuses a cluster with active services (``ClusterContainsServicesException``) or running
  tasks (``ClusterContainsTasksException``); moto deletes it regardless.
"""

from __future__ import annotations

from typing import Any

from moto.ecs.models import ecs_backends

from awsemu.core import AwsError, Request, after, handles

CONTAINER_INSIGHTS_VALUES = ("enhanced", "enabled", "disabled")


def _backend(req: Request) -> Any:
    return ecs_backends[req.account_id][req.region]


def _cluster(req: Request, name_or_arn: str | None) -> Any:
    name = (name_or_arn or "default").split("/")[-1]
    cluster = _backend(req).clusters.get(name)
    if cluster is None or cluster.status == "INACTIVE":
        raise AwsError("ClusterNotFoundException", "Cluster not found.")
    return cluster


def _active_services(req: Request, cluster_arn: str) -> list[Any]:
    return [s for s in _backend(req).services.values() if s.cluster_arn == cluster_arn and s.status == "ACTIVE"]


def _running_tasks(req: Request, cluster_name: str) -> list[Any]:
    from awsemu.services import ecs_tasks  # the task model: every task the emulator runs

    tasks = _backend(req).tasks.get(cluster_name, {})
    cluster = _backend(req).clusters.get(cluster_name)
    ours = ecs_tasks.active_tasks(req.account_id, req.region, cluster.arn) if cluster is not None else []
    return [t for t in tasks.values() if t.desired_status != "STOPPED"] + ours


def _complete(req: Request, cluster: dict[str, Any], with_settings: bool = True) -> dict[str, Any]:
    """Fill in what AWS always returns; drop ``settings`` unless asked for."""
    cluster.setdefault("capacityProviders", [])
    cluster.setdefault("defaultCapacityProviderStrategy", [])
    for item in cluster["defaultCapacityProviderStrategy"]:
        item.setdefault("base", 0)
        item.setdefault("weight", 0)
    if cluster.get("status") == "ACTIVE":
        cluster["activeServicesCount"] = len(_active_services(req, cluster.get("clusterArn", "")))
    if not with_settings:
        cluster.pop("settings", None)
    return cluster


def _cluster_json(req: Request, cluster: Any) -> dict[str, Any]:
    """A Cluster structure built from moto's model (for the actions we answer ourselves)."""
    body = {
        "clusterArn": cluster.arn,
        "clusterName": cluster.name,
        "status": cluster.status,
        "registeredContainerInstancesCount": cluster.registered_container_instances_count,
        "runningTasksCount": cluster.running_tasks_count,
        "pendingTasksCount": cluster.pending_tasks_count,
        "activeServicesCount": 0,
        "statistics": [],
        "tags": list(cluster.tags or []),
        "settings": list(cluster.settings or []),
        "capacityProviders": list(cluster.capacity_providers or []),
        "defaultCapacityProviderStrategy": [dict(s) for s in cluster.default_capacity_provider_strategy or []],
    }
    if cluster.configuration:
        body["configuration"] = cluster.configuration
    return _complete(req, body)


@after("ecs", "DescribeClusters")
def describe_clusters(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    include = req.param("include") or []
    for cluster in body.get("clusters", []):
        _complete(req, cluster, with_settings="SETTINGS" in include)
    return body


@after("ecs", "CreateCluster")
@after("ecs", "UpdateCluster")
@after("ecs", "PutClusterCapacityProviders")
def cluster_answer(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    if isinstance(body.get("cluster"), dict):
        _complete(req, body["cluster"])
    return body


@handles("ecs", "UpdateClusterSettings")
def update_cluster_settings(req: Request) -> dict[str, Any]:
    cluster = _cluster(req, req.require("cluster"))
    settings = req.require("settings")
    current = {s["name"]: s["value"] for s in cluster.settings or []}
    for setting in settings:
        name, value = setting.get("name"), setting.get("value")
        if name != "containerInsights":
            raise AwsError("InvalidParameterException", f"Invalid setting name: {name}")
        if value not in CONTAINER_INSIGHTS_VALUES:
            raise AwsError(
                "InvalidParameterException",
                f"Invalid value for containerInsights: {value}. Valid values: {', '.join(CONTAINER_INSIGHTS_VALUES)}",
            )
        current[name] = value
    cluster.settings = [{"name": k, "value": v} for k, v in current.items()]
    return {"cluster": _cluster_json(req, cluster)}


@handles("ecs", "DeleteCluster")
def delete_cluster(req: Request) -> dict[str, Any]:
    cluster = _cluster(req, req.require("cluster"))
    if _active_services(req, cluster.arn):
        raise AwsError(
            "ClusterContainsServicesException",
            "The Cluster cannot be deleted while Services are active.",
        )
    if _running_tasks(req, cluster.name):
        raise AwsError("ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
    cluster.status = "INACTIVE"
    return {"cluster": _cluster_json(req, cluster)}


@after("ecs", "ListTagsForResource")
def list_tags_for_resource(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    """AWS answers ``{"tags": []}`` for an untagged resource; moto sends ``{}`` (community.aws.ecs_tag reads it)."""
    body.setdefault("tags", [])
    return body
