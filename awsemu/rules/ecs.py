"""Amazon ECS rules: names, Fargate task sizes, container health checks and port mappings.

ECS answers invalid names and values with ``InvalidParameterException`` or ``ClientException`` (ECS API
reference, "Common Errors"); the Fargate size message is ECS's own.
"""

from __future__ import annotations

import re

from awsemu.core import AwsError, validates

_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")

# "Task size" (ECS API reference, RegisterTaskDefinition cpu/memory; Developer Guide, "Task CPU and memory"):
# the memory values (MiB) each Fargate CPU value (units) allows.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}


def _name(value, what: str) -> None:
    if value is not None and not _NAME.fullmatch(str(value)):
        raise AwsError(
            "InvalidParameterException",
            f"{what} '{value}' is not valid: up to 255 letters (uppercase and lowercase), numbers, underscores, "
            "and hyphens are allowed.",
        )


@validates("ecs", "CreateCluster")
def cluster_name(req) -> None:
    """CreateCluster clusterName: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens
    are allowed." (ECS API reference, CreateCluster)."""
    _name(req.params.get("clusterName"), "Cluster name")


@validates("ecs", "CreateService")
def service_name(req) -> None:
    """CreateService serviceName: "Up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens
    are allowed." (ECS API reference, CreateService); healthCheckGracePeriodSeconds "up to 2,147,483,647"."""
    _name(req.params.get("serviceName"), "Service name")
    _grace(req)
    _deployment_alarms(req, (req.params.get("deploymentController") or {}).get("type", "ECS"))


@validates("ecs", "UpdateService")
def service_update(req) -> None:
    _grace(req)
    if (req.params.get("deploymentConfiguration") or {}).get("alarms") is not None:
        _deployment_alarms(req, _controller_of(req))


def _controller_of(req) -> str:
    """The deployment controller of the service an UpdateService names (ECS when moto does not know it)."""
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[req.account_id][req.region]
    cluster = str(req.params.get("cluster") or "default").split("/")[-1]
    name = str(req.params.get("service") or "").split("/")[-1]
    service = backend.services.get(f"{cluster}:{name}")
    return ((getattr(service, "deployment_controller", None) or {}).get("type")) or "ECS"


def _deployment_alarms(req, controller: str) -> None:
    """deploymentConfiguration.alarms (ECS API reference, DeploymentAlarms): "You can only use the
    DeploymentAlarms method to detect failures when the DeploymentController is set to ECS"
    (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentAlarms.html); a CODE_DEPLOY service
    rolls back on the CodeDeploy deployment group's alarms instead."""
    alarms = (req.params.get("deploymentConfiguration") or {}).get("alarms")
    if alarms is None:
        return
    if controller != "ECS":
        raise AwsError(
            "InvalidParameterException",
            f"deploymentConfiguration.alarms is only supported with the ECS deployment controller, not {controller}.",
        )


def _grace(req) -> None:
    grace = req.params.get("healthCheckGracePeriodSeconds")
    if isinstance(grace, int) and not 0 <= grace <= 2147483647:
        raise AwsError("InvalidParameterException", "healthCheckGracePeriodSeconds must be between 0 and 2147483647.")
    desired = req.params.get("desiredCount")
    if isinstance(desired, int) and desired < 0:
        raise AwsError("InvalidParameterException", "desiredCount must be greater than or equal to 0.")


def _units(value, per_unit: int, unit: str) -> int | None:
    """ECS's task cpu/memory strings: "1024", or "1 vCPU" / "2 GB" (RegisterTaskDefinition cpu, memory)."""
    if value is None:
        return None
    text = str(value).strip()
    found = re.fullmatch(rf"(\d+(?:\.\d+)?)\s*{unit}", text, re.IGNORECASE)
    if found:
        return int(float(found.group(1)) * per_unit)
    return int(text) if text.isdigit() else -1


@validates("ecs", "RegisterTaskDefinition")
def task_definition(req) -> None:
    """RegisterTaskDefinition (ECS API reference; Developer Guide "Amazon ECS task definition parameters for
    Fargate"):

    - family, containerDefinitions[].name: "Up to 255 letters (uppercase and lowercase), numbers, underscores,
      and hyphens are allowed."
    - FARGATE: networkMode awsvpc, task-level cpu and memory from the task size table, and an execution role
      when a container logs with awslogs.
    - awsvpc: a port mapping's hostPort is left out or equals its containerPort; ports 0-65535.
    - Container healthCheck: interval 5-300, timeout 2-120, retries 1-10, startPeriod 0-300 seconds
      (API reference, HealthCheck).
    """
    params = req.params
    _name(params.get("family"), "Family")
    containers = params.get("containerDefinitions") or []
    for container in containers:
        _name(container.get("name"), "Container name")
    fargate = "FARGATE" in (params.get("requiresCompatibilities") or [])
    network = params.get("networkMode")
    if fargate:
        if network != "awsvpc":
            raise AwsError("ClientException", "Fargate only supports network mode 'awsvpc'.")
        cpu, memory = _units(params.get("cpu"), 1024, "vCPU"), _units(params.get("memory"), 1024, "GB")
        if cpu is None:
            raise AwsError("ClientException", "Fargate requires that 'cpu' be defined at the task level.")
        if memory is None:
            raise AwsError("ClientException", "Fargate requires that 'memory' be defined at the task level.")
        if memory not in FARGATE_SIZES.get(cpu, ()):
            raise AwsError(
                "ClientException",
                f"No Fargate configuration exists for given values: {params.get('cpu')} CPU, {params.get('memory')} "
                "memory. See the Amazon ECS documentation for the valid values.",
            )
        logs = any((c.get("logConfiguration") or {}).get("logDriver") == "awslogs" for c in containers)
        if logs and not params.get("executionRoleArn"):
            raise AwsError(
                "ClientException",
                "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
            )
    for container in containers:
        for mapping in container.get("portMappings") or []:
            port, host = mapping.get("containerPort"), mapping.get("hostPort")
            for value in (port, host):
                if isinstance(value, int) and not 0 <= value <= 65535:
                    raise AwsError("ClientException", f"Invalid port {value}: ports range from 0 to 65535.")
            if network == "awsvpc" and host not in (None, port):
                raise AwsError(
                    "ClientException",
                    "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
                )
        check = container.get("healthCheck")
        if check:
            _health_check(check)


_HEALTH_RANGES = {"interval": (5, 300), "timeout": (2, 120), "retries": (1, 10), "startPeriod": (0, 300)}


def _health_check(check: dict) -> None:
    for key, (low, high) in _HEALTH_RANGES.items():
        value = check.get(key)
        if value is not None and not (isinstance(value, int) and low <= value <= high):
            raise AwsError(
                "ClientException", f"Invalid healthCheck {key} {value}: it must be between {low} and {high}."
            )
    if not check.get("command"):
        raise AwsError("ClientException", "Container healthCheck requires a command.")
