"""The stack as the bench sees it: names read back from the account, task definition specs, release settings."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from bench.measure import ROOT, Emulator

ROLES = ROOT / "collections" / "ansible_collections" / "fargatedemo" / "ecs_delivery" / "roles"
# What DescribeTaskDefinition adds to a RegisterTaskDefinition request.
READ_ONLY = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)


def names(emulator: Emulator) -> dict[str, Any]:
    """The blue/green stack's cluster, service, container, port, CodeDeploy application and group, as the account
    holds them (the account holds one stack: the bench resets it first)."""
    ecs, codedeploy = emulator.client("ecs"), emulator.client("codedeploy")
    (cluster_arn,) = ecs.list_clusters()["clusterArns"]
    (service_arn,) = ecs.list_services(cluster=cluster_arn)["serviceArns"]
    service = ecs.describe_services(cluster=cluster_arn, services=[service_arn])["services"][0]
    balancer = service["loadBalancers"][0]
    (application,) = codedeploy.list_applications()["applications"]
    (group,) = codedeploy.list_deployment_groups(applicationName=application)["deploymentGroups"]
    return {
        "cluster": service["clusterArn"].rsplit("/", 1)[1],
        "service": service["serviceName"],
        "task_definition": service["taskDefinition"],
        "container": balancer["containerName"],
        "port": balancer["containerPort"],
        "application": application,
        "group": group,
    }


def task_definition_spec(emulator: Emulator, stack: dict[str, Any]) -> dict[str, Any]:
    """The live revision as a RegisterTaskDefinition request (taskdef.json): the members botocore's input shape
    has, without what AWS adds (both tools validate the request against that shape)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecs")
    members = model.operation_model("RegisterTaskDefinition").input_shape.members
    described = emulator.client("ecs").describe_task_definition(taskDefinition=stack["task_definition"])
    return {k: v for k, v in described["taskDefinition"].items() if k in members and k not in READ_ONLY}


def with_release(spec: dict[str, Any], container: str, release: str) -> dict[str, Any]:
    """``spec`` with BENCH_RELEASE=<release> in the container's environment: a new revision, the same shape."""
    changed = copy.deepcopy(spec)
    for definition in changed["containerDefinitions"]:
        if definition["name"] == container:
            env = [e for e in definition.get("environment", []) if e["name"] != "BENCH_RELEASE"]
            definition["environment"] = [*env, {"name": "BENCH_RELEASE", "value": release}]
    return changed


def appspec(container: str, port: int) -> str:
    """The seed's appspec.yml; `aws ecs deploy` puts the revision it registers into TaskDefinition."""
    return yaml.safe_dump(
        {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": "placeholder",
                            "LoadBalancerInfo": {"ContainerName": container, "ContainerPort": port},
                        },
                    }
                }
            ],
        },
        sort_keys=False,
    )


def _defaults(role: str) -> dict[str, Any]:
    return yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()) or {}


def release_settings() -> dict[str, Any]:
    """The release timings of our role defaults (read from the roles, so BENCHMARKS.md follows them)."""
    alb, service = _defaults("alb"), _defaults("ecs_service")
    return {
        "health_check_interval": alb.get("alb_health_check_interval"),
        "healthy_threshold": alb.get("alb_healthy_threshold"),
        "unhealthy_threshold": alb.get("alb_unhealthy_threshold"),
        "deregistration_delay": alb.get("alb_deregistration_delay"),
        "termination_wait_minutes": service.get("ecs_service_codedeploy_termination_wait_minutes"),
        "deployment_config": service.get("ecs_service_codedeploy_config_name"),
        "health_check_grace_period": service.get("ecs_service_health_check_grace_period"),
        "container_health_check_start_period": service.get("ecs_service_container_health_check_start_period"),
        "container_health_check_interval": service.get("ecs_service_container_health_check_interval"),
        "desired_count": service.get("ecs_service_desired_count"),
    }
