"""CodeDeploy for the ECS compute platform (blue/green), replacing moto's shallow model entirely.

moto 5.2 keeps deployments ``Created`` forever and has no Stop/Continue, targets or configs. This
module answers the CodeDeploy API itself (state in ``STORE``, per account and region, cleared on
reset) and plays each deployment on moto's ECS and ELBv2 state (``codedeploy_engine``): a replacement
task set, the test listener then the production listener rerouted (at once, canary or linear), the
termination wait and the original task set's removal, Stop/Continue and rollbacks.

Actions: CreateApplication, GetApplication, BatchGetApplications, ListApplications, DeleteApplication,
CreateDeploymentGroup, GetDeploymentGroup, BatchGetDeploymentGroups, ListDeploymentGroups,
UpdateDeploymentGroup, DeleteDeploymentGroup, CreateDeploymentConfig, GetDeploymentConfig,
ListDeploymentConfigs, DeleteDeploymentConfig, CreateDeployment, GetDeployment, BatchGetDeployments,
ListDeployments, ListDeploymentTargets, BatchGetDeploymentTargets, GetDeploymentTarget, StopDeployment,
ContinueDeployment, TagResource, UntagResource, ListTagsForResource. Also ``ecs:CreateService`` of a
``CODE_DEPLOY`` service gets its PRIMARY task set, as ECS creates it.

Non-AWS test endpoints (never used by roles or modules):

- ``GET /_emulator/codedeploy``: timings, faults and every deployment's timeline (listener changes,
  task sets, statuses, in emulated time); ``POST {"timings": {"install": 5, ...}}`` changes phase
  durations (emulated seconds; keys in ``codedeploy_engine.DEFAULT_TIMINGS``); reset restores them.
- ``POST /_emulator/codedeploy-faults`` ``{"fault": "unhealthy"}`` (the replacement task set never turns
  healthy: Install fails after ``installTimeout``) or ``{"fault": "failEvent", "lifecycleEvent":
  "AfterAllowTestTraffic"}``, optionally ``applicationName``, ``deploymentGroupName``, ``count`` (default
  1; -1 = every deployment); applies to deployments created afterwards. ``GET`` lists, ``DELETE`` clears.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import yaml

from awsemu.core import (
    CLOCK,
    STORE,
    AwsError,
    Request,
    admin,
    after,
    before_request,
    handles,
    on_reset,
    page_size,
    paginate,
)
from awsemu.services import codedeploy_engine as engine
from awsemu.services.codedeploy_engine import Deployment

SERVICE = engine.SERVICE
PREDEFINED_CREATE_TIME = 1543363200.0  # 2018-11-28, when CodeDeploy gained the ECS platform
DEPLOYMENT_ID = re.compile(r"^d-[A-Z0-9]{9}$")
COMPUTE_PLATFORMS = ("Server", "Lambda", "ECS")
ROLLBACK_EVENTS = ("DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM", "DEPLOYMENT_STOP_ON_REQUEST")
STATUSES = ("Created", "Queued", "InProgress", "Baking", "Succeeded", "Failed", "Stopped", "Ready")
FAULT_KINDS = ("unhealthy", "failEvent")
FAULTS: list[dict[str, Any]] = []


def _ecs_config(kind: str, **routing: Any) -> dict[str, Any]:
    config: dict[str, Any] = {"type": kind}
    config.update(routing)
    return config


PREDEFINED: dict[str, dict[str, Any]] = {
    "CodeDeployDefault.ECSAllAtOnce": _ecs_config("AllAtOnce"),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": _ecs_config(
        "TimeBasedLinear", timeBasedLinear={"linearPercentage": 10, "linearInterval": 1}
    ),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": _ecs_config(
        "TimeBasedLinear", timeBasedLinear={"linearPercentage": 10, "linearInterval": 3}
    ),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": _ecs_config(
        "TimeBasedCanary", timeBasedCanary={"canaryPercentage": 10, "canaryInterval": 5}
    ),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": _ecs_config(
        "TimeBasedCanary", timeBasedCanary={"canaryPercentage": 10, "canaryInterval": 15}
    ),
}


def _new_state() -> dict[str, Any]:
    return {"applications": {}, "groups": {}, "configs": {}, "deployments": {}, "tags": {}}


def _state(req: Request) -> dict[str, Any]:
    state = STORE.get(req, SERVICE, _new_state)
    for key, value in _new_state().items():
        state.setdefault(key, value)
    engine.advance_state(state)
    return state


@before_request
def _catch_up(req: Request) -> None:
    """Deployments of the caller's account and region play what is due before any AWS call is answered."""
    with STORE.lock:
        state = STORE.get(req, SERVICE, _new_state)
        if any(d.active for d in state.get("deployments", {}).values()):
            engine.advance_state(state)


@on_reset
def _reset() -> None:
    engine.TIMINGS.clear()
    engine.TIMINGS.update(engine.DEFAULT_TIMINGS)
    FAULTS.clear()


# ----------------------------------------------------------------------------------------------- helpers
@contextlib.contextmanager
def _locked(req: Request) -> Iterator[dict[str, Any]]:
    """The caller's CodeDeploy state, caught up with the clock, under the store's lock."""
    with STORE.lock:
        yield _state(req)


# What CodeDeploy answers when a required parameter is missing or empty, by what the parameter names.
REQUIRED = {
    "application": ("ApplicationNameRequiredException", "The application name was not specified."),
    "group": ("DeploymentGroupNameRequiredException", "The deployment group name was not specified."),
    "config": ("DeploymentConfigNameRequiredException", "The deployment configuration name was not specified."),
    "deployment": ("DeploymentIdRequiredException", "At least one deployment ID must be specified."),
    "target": ("DeploymentTargetIdRequiredException", "A deployment target ID was not provided."),
    "revision": ("RevisionRequiredException", "The revision ID was not specified."),
    "arn": ("ResourceArnRequiredException", "The ARN of a resource is required."),
    "tags": ("TagRequiredException", "A tag was not specified."),
}


def _required(value: Any, what: str) -> Any:
    """``value``, or CodeDeploy's ``...RequiredException`` for ``what`` (a ``REQUIRED`` key) if it is empty."""
    if not value:
        raise AwsError(*REQUIRED[what])
    return value


def _arn(req: Request, kind: str, name: str) -> str:
    return req.arn("codedeploy", f"{kind}:{name}")


def _group_arn(req: Request, app_name: str, name: str) -> str:
    return _arn(req, "deploymentgroup", f"{app_name}/{name}")


def _find_app(state: dict[str, Any], name: str) -> dict[str, Any]:
    app = state["applications"].get(name)
    if app is None:
        raise AwsError("ApplicationDoesNotExistException", f"No application found for name: {name}")
    return app


def _find_group(state: dict[str, Any], app_name: str, name: str) -> dict[str, Any]:
    group = state["groups"].get((app_name, name))
    if group is None:
        raise AwsError("DeploymentGroupDoesNotExistException", f"No Deployment Group found for name: {name}")
    return group


def _find_config(state: dict[str, Any], name: str) -> dict[str, Any]:
    config = _config(state, name)
    if config is None:
        raise AwsError("DeploymentConfigDoesNotExistException", f"The deployment configuration {name} does not exist.")
    return config


def _app_name(name: str | None) -> str:
    name = _required(name, "application")
    if len(name) > 100:
        raise AwsError("InvalidApplicationNameException", "The application name is too long (maximum 100).")
    return name


def _app(state: dict[str, Any], name: str | None) -> dict[str, Any]:
    return _find_app(state, _app_name(name))


def _group(state: dict[str, Any], app_name: str | None, name: str | None) -> dict[str, Any]:
    _app(state, app_name)
    return _find_group(state, app_name, _required(name, "group"))


def _group_name_free(state: dict[str, Any], app_name: str, name: str) -> None:
    if (app_name, name) in state["groups"]:
        raise AwsError("DeploymentGroupAlreadyExistsException", f"The deployment group {name} already exists.")


def _config(state: dict[str, Any], name: str) -> dict[str, Any] | None:
    if name in PREDEFINED:
        return {
            "deploymentConfigId": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
            "deploymentConfigName": name,
            "createTime": PREDEFINED_CREATE_TIME,
            "computePlatform": "ECS",
            "trafficRoutingConfig": copy.deepcopy(PREDEFINED[name]),
        }
    return state["configs"].get(name)


def _compute_platform(req: Request) -> str:
    platform = req.param("computePlatform", "Server")
    if platform not in COMPUTE_PLATFORMS:
        raise AwsError("InvalidComputePlatformException", f"Invalid compute platform: {platform}")
    return platform


def _check_deployment_id(deployment_id: str | None) -> None:
    if not DEPLOYMENT_ID.match(deployment_id or ""):
        raise AwsError(
            "InvalidDeploymentIdException", f"Specified DeploymentId is not in the valid format: {deployment_id}"
        )


def _deployment(state: dict[str, Any], deployment_id: str | None) -> Deployment:
    _check_deployment_id(_required(deployment_id, "deployment"))
    dep = state["deployments"].get(deployment_id)
    if dep is None:
        raise AwsError("DeploymentDoesNotExistException", f"The deployment {deployment_id} could not be found.")
    return dep


def _check_batch(items: list[Any], limit: int) -> None:
    if len(items) > limit:
        raise AwsError(
            "BatchLimitExceededException", f"The maximum number of names or IDs allowed ({limit}) was exceeded."
        )


def _rollback_config(config: dict[str, Any] | None, *, events_required: bool) -> dict[str, Any]:
    """``autoRollbackConfiguration`` normalised; a group's (``events_required``) needs events when enabled."""
    config = config or {}
    rollback = {"enabled": bool(config.get("enabled")), "events": list(config.get("events") or [])}
    unknown = any(e not in ROLLBACK_EVENTS for e in rollback["events"])
    if unknown or (events_required and rollback["enabled"] and not rollback["events"]):
        raise AwsError("InvalidAutoRollbackConfigException", "The automatic rollback configuration is not valid.")
    return rollback


def _tags_in(tags: Any) -> list[dict[str, str]]:
    result = []
    for tag in tags or []:
        if not isinstance(tag, dict) or not tag.get("Key"):
            raise AwsError("InvalidTagsToAddException", "Each tag needs a Key.")
        result.append({"Key": tag["Key"], "Value": tag.get("Value", "")})
    return result


def _tag_new(state: dict[str, Any], arn: str, tags: Any) -> None:
    """The ``tags`` parameter of a Create action, checked and kept for the new resource's ``arn``."""
    tags = _tags_in(tags)
    if tags:
        state["tags"][arn] = tags


def _merge_tags(existing: list[dict[str, str]], new: list[dict[str, str]]) -> list[dict[str, str]]:
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in new})
    return [{"Key": k, "Value": v} for k, v in merged.items()]


def _page(req: Request, items: list[Any], key: str, **fields: Any) -> dict[str, Any]:
    """One page of ``items`` (CodeDeploy lists 100 at a time) under ``key``, after ``fields``; ``nextToken`` if more."""
    page, token = paginate(items, req.param("nextToken"), page_size(req, 100))
    result = {**fields, key: page}
    if token:
        result["nextToken"] = token
    return result


def _now() -> float:
    """Emulated epoch seconds, to the millisecond as AWS reports times (so they round-trip through SDKs)."""
    return round(CLOCK.timestamp(), 3)


# ----------------------------------------------------------------------------------------------- applications
def _app_info(app: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in app.items() if k != "tags"}


@handles("codedeploy", "CreateApplication")
def create_application(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        name = _app_name(req.param("applicationName"))
        if name in state["applications"]:
            raise AwsError("ApplicationAlreadyExistsException", f"The application {name} already exists.")
        app = {
            "applicationId": str(uuid.uuid4()),
            "applicationName": name,
            "createTime": _now(),
            "linkedToGitHub": False,
            "computePlatform": _compute_platform(req),
        }
        # Tags are checked before the application is kept: a rejected request creates nothing.
        _tag_new(state, _arn(req, "application", name), req.param("tags"))
        state["applications"][name] = app
        return {"applicationId": app["applicationId"]}


@handles("codedeploy", "GetApplication")
def get_application(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        return {"application": _app_info(_app(state, req.param("applicationName")))}


@handles("codedeploy", "BatchGetApplications")
def batch_get_applications(req: Request) -> dict[str, Any]:
    names = req.param("applicationNames") or []
    if len(names) > 100:  # this action's message names the request, unlike the other batch actions'
        raise AwsError(
            "BatchLimitExceededException",
            "The maximum number of names or IDs allowed for this request (100) was exceeded.",
        )
    with _locked(req) as state:
        return {"applicationsInfo": [_app_info(_app(state, n)) for n in names]}


@handles("codedeploy", "ListApplications")
def list_applications(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        return _page(req, sorted(state["applications"]), "applications")


@handles("codedeploy", "DeleteApplication")
def delete_application(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        name = _required(req.param("applicationName"), "application")
        if state["applications"].pop(name, None) is not None:
            state["tags"].pop(_arn(req, "application", name), None)
            for key in [k for k in state["groups"] if k[0] == name]:
                state["groups"].pop(key)
                state["tags"].pop(_group_arn(req, *key), None)
        return {}


# ----------------------------------------------------------------------------------------------- deployment configs
@handles("codedeploy", "CreateDeploymentConfig")
def create_deployment_config(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        name = _required(req.param("deploymentConfigName"), "config")
        if name.startswith("CodeDeployDefault.") and name not in PREDEFINED:
            raise AwsError("InvalidDeploymentConfigNameException", "The prefix CodeDeployDefault. is reserved.")
        if _config(state, name) is not None:
            raise AwsError(
                "DeploymentConfigAlreadyExistsException", f"A deployment configuration named {name} already exists."
            )
        platform = _compute_platform(req)
        routing = req.param("trafficRoutingConfig")
        hosts = req.param("minimumHealthyHosts")
        if platform == "ECS":
            if hosts:
                raise AwsError(
                    "InvalidMinimumHealthyHostValueException",
                    "minimumHealthyHosts is not supported for the ECS compute platform.",
                )
            routing = _validate_routing(routing or {"type": "AllAtOnce"})
        elif platform == "Server" and not hosts:
            raise AwsError("InvalidMinimumHealthyHostValueException", "minimumHealthyHosts is required.")
        info: dict[str, Any] = {
            "deploymentConfigId": str(uuid.uuid4()),
            "deploymentConfigName": name,
            "createTime": _now(),
            "computePlatform": platform,
        }
        if hosts:
            info["minimumHealthyHosts"] = hosts
        if routing:
            info["trafficRoutingConfig"] = routing
        if req.param("zonalConfig"):
            info["zonalConfig"] = req.param("zonalConfig")
        state["configs"][name] = info
        return {"deploymentConfigId": info["deploymentConfigId"]}


def _validate_routing(routing: dict[str, Any]) -> dict[str, Any]:
    kind = routing.get("type")

    def bad(message: str) -> AwsError:
        return AwsError("InvalidTrafficRoutingConfigurationException", message)

    if kind == "AllAtOnce":
        return {"type": kind}
    if kind == "TimeBasedCanary":
        canary = routing.get("timeBasedCanary") or {}
        pct, interval = canary.get("canaryPercentage"), canary.get("canaryInterval")
        if not isinstance(pct, int) or not 1 <= pct <= 99 or not isinstance(interval, int) or interval < 1:
            raise bad("timeBasedCanary needs canaryPercentage 1-99 and canaryInterval >= 1.")
        return {"type": kind, "timeBasedCanary": {"canaryPercentage": pct, "canaryInterval": interval}}
    if kind == "TimeBasedLinear":
        linear = routing.get("timeBasedLinear") or {}
        pct, interval = linear.get("linearPercentage"), linear.get("linearInterval")
        if not isinstance(pct, int) or not 1 <= pct <= 99 or not isinstance(interval, int) or interval < 1:
            raise bad("timeBasedLinear needs linearPercentage 1-99 and linearInterval >= 1.")
        return {"type": kind, "timeBasedLinear": {"linearPercentage": pct, "linearInterval": interval}}
    raise bad(f"Invalid traffic routing type: {kind}")


@handles("codedeploy", "GetDeploymentConfig")
def get_deployment_config(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        name = _required(req.param("deploymentConfigName"), "config")
        return {"deploymentConfigInfo": copy.deepcopy(_find_config(state, name))}


@handles("codedeploy", "ListDeploymentConfigs")
def list_deployment_configs(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        return _page(req, sorted(PREDEFINED) + sorted(state["configs"]), "deploymentConfigsList")


@handles("codedeploy", "DeleteDeploymentConfig")
def delete_deployment_config(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        name = _required(req.param("deploymentConfigName"), "config")
        if name in PREDEFINED:
            raise AwsError(
                "InvalidOperationException", f"The predefined deployment configuration {name} cannot be deleted."
            )
        if any(g["deploymentConfigName"] == name for g in state["groups"].values()):
            raise AwsError("DeploymentConfigInUseException", f"The deployment configuration {name} is still in use.")
        state["configs"].pop(name, None)
        return {}


# ----------------------------------------------------------------------------------------------- deployment groups
GROUP_FIELDS = (
    "deploymentConfigName",
    "ec2TagFilters",
    "onPremisesInstanceTagFilters",
    "autoScalingGroups",
    "serviceRoleArn",
    "triggerConfigurations",
    "alarmConfiguration",
    "autoRollbackConfiguration",
    "outdatedInstancesStrategy",
    "deploymentStyle",
    "blueGreenDeploymentConfiguration",
    "loadBalancerInfo",
    "ec2TagSet",
    "ecsServices",
    "onPremisesTagSet",
    "ec2DeploymentOptions",
    "terminationHookEnabled",
)


def _validate_group(req: Request, state: dict[str, Any], app: dict[str, Any], group: dict[str, Any]) -> None:
    """Normalise ``group`` in place and check it as CodeDeploy does for its compute platform."""
    platform = app["computePlatform"]
    name = group["deploymentGroupName"]
    if not group.get("serviceRoleArn"):
        raise AwsError("RoleRequiredException", "The service role ARN was not specified.")
    if not str(group["serviceRoleArn"]).startswith("arn:"):
        raise AwsError("InvalidRoleException", f"Invalid service role ARN: {group['serviceRoleArn']}")
    default_config = {"ECS": "CodeDeployDefault.ECSAllAtOnce", "Lambda": "CodeDeployDefault.LambdaAllAtOnce"}
    group["deploymentConfigName"] = group.get("deploymentConfigName") or default_config.get(
        platform, "CodeDeployDefault.OneAtATime"
    )
    # Only ECS configurations are modelled: a Server or Lambda group may name one this emulator does not know.
    find = _find_config if platform == "ECS" else _config
    config = find(state, group["deploymentConfigName"])
    if config is not None and config["computePlatform"] != platform:
        raise AwsError(
            "InvalidDeploymentConfigNameException",
            f"Deployment config {group['deploymentConfigName']} is for the {config['computePlatform']} compute "
            f"platform, not {platform}.",
        )
    group["autoRollbackConfiguration"] = _rollback_config(group.get("autoRollbackConfiguration"), events_required=True)
    group.setdefault("alarmConfiguration", {"enabled": False, "ignorePollAlarmFailure": False, "alarms": []})
    for key in ("ec2TagFilters", "onPremisesInstanceTagFilters", "autoScalingGroups", "triggerConfigurations"):
        group.setdefault(key, [])
    group.setdefault("outdatedInstancesStrategy", "UPDATE")
    group.setdefault("terminationHookEnabled", False)
    if platform != "ECS":
        group.setdefault(
            "deploymentStyle", {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
        )
        return
    style = group.get("deploymentStyle") or {}
    if style.get("deploymentType") != "BLUE_GREEN" or style.get("deploymentOption") != "WITH_TRAFFIC_CONTROL":
        raise AwsError(
            "InvalidDeploymentStyleException",
            "An ECS deployment group requires deploymentType BLUE_GREEN and deploymentOption WITH_TRAFFIC_CONTROL.",
        )
    bg = copy.deepcopy(group.get("blueGreenDeploymentConfiguration") or {})
    if not bg:
        raise AwsError(
            "InvalidBlueGreenDeploymentConfigurationException",
            "An ECS deployment group requires blueGreenDeploymentConfiguration.",
        )
    ready = bg.get("deploymentReadyOption") or {}
    ready = {
        "actionOnTimeout": ready.get("actionOnTimeout", "CONTINUE_DEPLOYMENT"),
        "waitTimeInMinutes": int(ready.get("waitTimeInMinutes") or 0),
    }
    if ready["actionOnTimeout"] not in ("CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT"):
        raise AwsError("InvalidBlueGreenDeploymentConfigurationException", "Invalid deploymentReadyOption.")
    if ready["actionOnTimeout"] == "CONTINUE_DEPLOYMENT" and ready["waitTimeInMinutes"]:
        raise AwsError(
            "InvalidBlueGreenDeploymentConfigurationException",
            "waitTimeInMinutes applies only to the STOP_DEPLOYMENT option of actionOnTimeout.",
        )
    terminate = bg.get("terminateBlueInstancesOnDeploymentSuccess") or {}
    terminate = {
        "action": terminate.get("action", "TERMINATE"),
        "terminationWaitTimeInMinutes": int(terminate.get("terminationWaitTimeInMinutes") or 0),
    }
    if (
        terminate["action"] not in ("TERMINATE", "KEEP_ALIVE")
        or not 0 <= terminate["terminationWaitTimeInMinutes"] <= 2880
    ):
        raise AwsError(
            "InvalidBlueGreenDeploymentConfigurationException",
            "terminateBlueInstancesOnDeploymentSuccess: action TERMINATE|KEEP_ALIVE, wait 0-2880 minutes.",
        )
    bg["deploymentReadyOption"], bg["terminateBlueInstancesOnDeploymentSuccess"] = ready, terminate
    group["blueGreenDeploymentConfiguration"] = bg
    _validate_ecs_service(req, state, group, name)
    _validate_target_groups(req, group)


def _validate_ecs_service(req: Request, state: dict[str, Any], group: dict[str, Any], name: str) -> None:
    from moto.ecs.models import ecs_backends

    services = group.get("ecsServices") or []
    if len(services) != 1 or not services[0].get("serviceName") or not services[0].get("clusterName"):
        raise AwsError(
            "InvalidECSServiceException", "An ECS deployment group needs exactly one ECS service and cluster."
        )
    cluster = services[0]["clusterName"].split("/")[-1]
    service_name = services[0]["serviceName"].split("/")[-1]
    service = ecs_backends[req.account_id][req.region].services.get(f"{cluster}:{service_name}")
    if service is None or service.status != "ACTIVE":
        raise AwsError(
            "InvalidECSServiceException",
            f"The ECS service {service_name} in cluster {cluster} does not exist.",
        )
    if service.deployment_controller.get("type") != "CODE_DEPLOY":
        raise AwsError(
            "InvalidECSServiceException",
            f"Deployment group's ECS service {service_name} must be configured for a CODE_DEPLOY "
            "deployment controller.",
        )
    for (app_name, other_name), other in state["groups"].items():
        if other is group or (app_name == group["applicationName"] and other_name == name):
            continue
        for svc in other.get("ecsServices") or []:
            if svc["serviceName"].split("/")[-1] == service_name and svc["clusterName"].split("/")[-1] == cluster:
                raise AwsError(
                    "ECSServiceMappingLimitExceededException",
                    f"The ECS service {service_name} is already associated with deployment group {other_name}.",
                )


def _validate_target_groups(req: Request, group: dict[str, Any]) -> None:
    from moto.elbv2.models import elbv2_backends

    backend = elbv2_backends[req.account_id][req.region]
    pairs = (group.get("loadBalancerInfo") or {}).get("targetGroupPairInfoList") or []
    if len(pairs) != 1:
        raise AwsError(
            "InvalidTargetGroupPairException", "An ECS deployment group needs exactly one target group pair."
        )
    pair = pairs[0]
    names = [g.get("name") for g in pair.get("targetGroups") or []]
    known = {tg.name for tg in backend.target_groups.values()}
    if len(names) != 2 or len(set(names)) != 2 or any(n not in known for n in names):
        raise AwsError("InvalidTargetGroupPairException", f"The target group pair {names} is not valid.")
    listeners = {arn for lb in backend.load_balancers.values() for arn in lb.listeners}
    prod = (pair.get("prodTrafficRoute") or {}).get("listenerArns") or []
    test = (pair.get("testTrafficRoute") or {}).get("listenerArns") or []
    if len(prod) != 1 or len(test) > 1 or any(arn not in listeners for arn in prod + test):
        raise AwsError("InvalidTargetGroupPairException", "The production (and test) listener ARNs are not valid.")


def _last(dep: Deployment | None) -> dict[str, Any] | None:
    if dep is None:
        return None
    info: dict[str, Any] = {"deploymentId": dep.id, "status": dep.status, "createTime": dep.create_time}
    if dep.complete_time is not None:
        info["endTime"] = dep.complete_time
    return info


def _group_info(state: dict[str, Any], group: dict[str, Any]) -> dict[str, Any]:
    info = {k: copy.deepcopy(v) for k, v in group.items() if k != "tags"}
    deps = [
        d
        for d in state["deployments"].values()
        if d.application == group["applicationName"] and d.group == group["deploymentGroupName"]
    ]
    deps.sort(key=lambda d: (d.create_time, d.id))
    succeeded = [d for d in deps if d.status == "Succeeded"]
    if deps:
        info["lastAttemptedDeployment"] = _last(deps[-1])
    if succeeded:
        info["lastSuccessfulDeployment"] = _last(succeeded[-1])
        if succeeded[-1].revision:
            info["targetRevision"] = copy.deepcopy(succeeded[-1].revision)
    return info


def _set_group_fields(req: Request, group: dict[str, Any]) -> None:
    """The deployment group settings the request gives, copied onto ``group``."""
    for key in GROUP_FIELDS:
        if req.param(key) is not None:
            group[key] = copy.deepcopy(req.param(key))


def _request_group(req: Request, state: dict[str, Any]) -> dict[str, Any]:
    """The deployment group the request names by ``applicationName`` and ``deploymentGroupName``."""
    return _group(state, req.param("applicationName"), req.param("deploymentGroupName"))


@handles("codedeploy", "CreateDeploymentGroup")
def create_deployment_group(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app = _app(state, req.param("applicationName"))
        app_name = app["applicationName"]
        name = _required(req.param("deploymentGroupName"), "group")
        _group_name_free(state, app_name, name)
        group: dict[str, Any] = {
            "applicationName": app_name,
            "deploymentGroupId": str(uuid.uuid4()),
            "deploymentGroupName": name,
            "computePlatform": app["computePlatform"],
        }
        _set_group_fields(req, group)
        _validate_group(req, state, app, group)
        _tag_new(state, _group_arn(req, app_name, name), req.param("tags"))
        state["groups"][(app_name, name)] = group
        return {"deploymentGroupId": group["deploymentGroupId"]}


@handles("codedeploy", "GetDeploymentGroup")
def get_deployment_group(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        return {"deploymentGroupInfo": _group_info(state, _request_group(req, state))}


@handles("codedeploy", "BatchGetDeploymentGroups")
def batch_get_deployment_groups(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app_name = _app(state, req.param("applicationName"))["applicationName"]
        names = _required(req.param("deploymentGroupNames") or [], "group")
        _check_batch(names, 100)
        infos, missing = [], []
        for name in names:
            group = state["groups"].get((app_name, name))
            if group is None:
                missing.append(name)
            else:
                infos.append(_group_info(state, group))
        result: dict[str, Any] = {"deploymentGroupsInfo": infos}
        if missing:
            result["errorMessage"] = "Deployment groups not found: " + ", ".join(missing)
        return result


@handles("codedeploy", "ListDeploymentGroups")
def list_deployment_groups(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app_name = _app(state, req.param("applicationName"))["applicationName"]
        names = sorted(n for a, n in state["groups"] if a == app_name)
        return _page(req, names, "deploymentGroups", applicationName=app_name)


@handles("codedeploy", "UpdateDeploymentGroup")
def update_deployment_group(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app_name = req.param("applicationName")
        current = _required(req.param("currentDeploymentGroupName"), "group")
        old = _group(state, app_name, current)
        app = state["applications"][app_name]
        new_name = req.param("newDeploymentGroupName") or current
        if new_name != current:
            _group_name_free(state, app_name, new_name)
        group = copy.deepcopy(old)
        group["deploymentGroupName"] = new_name
        _set_group_fields(req, group)
        group.pop("lastAttemptedDeployment", None)
        state["groups"][(app_name, current)] = group  # so the service mapping check sees the group itself
        try:
            _validate_group(req, state, app, group)
        except AwsError:
            state["groups"][(app_name, current)] = old
            raise
        if new_name != current:
            state["groups"].pop((app_name, current))
            state["groups"][(app_name, new_name)] = group
            old_arn = _group_arn(req, app_name, current)
            if old_arn in state["tags"]:
                state["tags"][_group_arn(req, app_name, new_name)] = state["tags"].pop(old_arn)
            for dep in state["deployments"].values():
                if dep.application == app_name and dep.group == current:
                    dep.group = new_name
        return {"hooksNotCleanedUp": []}


@handles("codedeploy", "DeleteDeploymentGroup")
def delete_deployment_group(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app_name = _app(state, req.param("applicationName"))["applicationName"]
        name = _required(req.param("deploymentGroupName"), "group")
        if state["groups"].pop((app_name, name), None) is not None:
            state["tags"].pop(_group_arn(req, app_name, name), None)
        return {"hooksNotCleanedUp": []}


# ----------------------------------------------------------------------------------------------- AppSpec
def _ci(mapping: Any, key: str, default: Any = None) -> Any:
    """``mapping[key]`` with the key matched case-insensitively (AppSpec files use both styles)."""
    if not isinstance(mapping, dict):
        return default
    for k, v in mapping.items():
        if isinstance(k, str) and k.lower() == key.lower():
            return v
    return default


def _invalid_revision(message: str) -> AwsError:
    return AwsError("InvalidRevisionException", message)


def parse_appspec(content: str) -> dict[str, Any]:
    """The ECS AppSpec's parts a deployment needs, in API shapes."""
    try:
        doc = yaml.safe_load(content)
    except yaml.YAMLError as err:
        raise _invalid_revision(f"The AppSpec content is not valid YAML or JSON: {err}") from None
    if not isinstance(doc, dict):
        raise _invalid_revision("The AppSpec content must be a YAML or JSON object.")
    resources = _ci(doc, "Resources") or []
    target = None
    for resource in resources if isinstance(resources, list) else []:
        for body in (resource or {}).values() if isinstance(resource, dict) else []:
            if _ci(body, "Type") == "AWS::ECS::Service":
                target = body
    if target is None:
        raise _invalid_revision("The AppSpec has no resource of type AWS::ECS::Service.")
    props = _ci(target, "Properties") or {}
    task_definition = _ci(props, "TaskDefinition")
    lb = _ci(props, "LoadBalancerInfo") or {}
    container, port = _ci(lb, "ContainerName"), _ci(lb, "ContainerPort")
    if not task_definition:
        raise _invalid_revision("The AppSpec resource needs Properties.TaskDefinition.")
    if not container or port in (None, ""):
        raise _invalid_revision("The AppSpec resource needs LoadBalancerInfo.ContainerName and ContainerPort.")
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise _invalid_revision(f"LoadBalancerInfo.ContainerPort must be a number: {port}") from None
    spec: dict[str, Any] = {
        "taskDefinition": str(task_definition),
        "containerName": str(container),
        "containerPort": port,
        "hooks": {},
    }
    if _ci(props, "PlatformVersion"):
        spec["platformVersion"] = str(_ci(props, "PlatformVersion"))
    awsvpc = _ci(_ci(props, "NetworkConfiguration") or {}, "AwsvpcConfiguration")
    if awsvpc:
        network: dict[str, Any] = {"subnets": list(_ci(awsvpc, "Subnets") or [])}
        if _ci(awsvpc, "SecurityGroups"):
            network["securityGroups"] = list(_ci(awsvpc, "SecurityGroups"))
        if _ci(awsvpc, "AssignPublicIp"):
            network["assignPublicIp"] = str(_ci(awsvpc, "AssignPublicIp"))
        spec["networkConfiguration"] = {"awsvpcConfiguration": network}
    strategy = _ci(props, "CapacityProviderStrategy")
    if strategy:
        spec["capacityProviderStrategy"] = [
            {
                k: v
                for k, v in {
                    "capacityProvider": _ci(s, "CapacityProvider"),
                    "base": _ci(s, "Base"),
                    "weight": _ci(s, "Weight"),
                }.items()
                if v is not None
            }
            for s in strategy
        ]
    for hook in _ci(doc, "Hooks") or []:
        for event, function in (hook or {}).items() if isinstance(hook, dict) else []:
            if event not in engine.HOOK_EVENTS:
                raise _invalid_revision(f"{event} is not a lifecycle hook of an ECS deployment.")
            spec["hooks"][event] = function
    return spec


def _revision_content(req: Request, revision: dict[str, Any]) -> str:
    kind = revision.get("revisionType")
    if kind == "AppSpecContent":
        content = (revision.get("appSpecContent") or {}).get("content")
        if not content:
            raise _invalid_revision("The revision's appSpecContent.content is empty.")
        sha = (revision.get("appSpecContent") or {}).get("sha256")
        if sha and hashlib.sha256(content.encode("utf-8")).hexdigest() != sha.lower():
            raise _invalid_revision("The sha256 of the AppSpec content does not match appSpecContent.sha256.")
        return content
    if kind == "S3":
        location = revision.get("s3Location") or {}
        if location.get("bundleType") not in (None, "YAML", "JSON"):
            raise _invalid_revision("An ECS deployment's S3 revision must be a YAML or JSON AppSpec file.")
        from moto.s3.models import s3_backends

        try:
            obj = s3_backends[req.account_id]["global"].get_object(location.get("bucket"), location.get("key"))
        except Exception:  # moto's not-found errors
            obj = None
        if obj is None:
            raise AwsError(
                "RevisionDoesNotExistException",
                f"The revision s3://{location.get('bucket')}/{location.get('key')} does not exist.",
            )
        return obj.value.decode("utf-8")
    raise _invalid_revision(f"Revision type {kind} is not supported for the ECS compute platform.")


# ----------------------------------------------------------------------------------------------- deployments
def _take_fault(app_name: str, group_name: str) -> dict[str, Any] | None:
    for fault in FAULTS:
        if fault["count"] == 0:
            continue
        if fault.get("applicationName") not in (None, app_name):
            continue
        if fault.get("deploymentGroupName") not in (None, group_name):
            continue
        if fault["count"] > 0:
            fault["count"] -= 1
        return {k: v for k, v in fault.items() if k != "count"}
    return None


@handles("codedeploy", "CreateDeployment")
def create_deployment(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        group = _request_group(req, state)
        app_name = group["applicationName"]
        app = state["applications"][app_name]
        revision = _required(req.param("revision"), "revision")
        description = req.param("description")
        if description and len(description) > 100:
            raise AwsError("DescriptionTooLongException", "The description is too long.")
        config_name = req.param("deploymentConfigName") or group["deploymentConfigName"]
        config = _find_config(state, config_name)
        if app["computePlatform"] != "ECS":
            raise AwsError(
                "InvalidComputePlatformException",
                "This emulator runs deployments of the ECS compute platform only.",
            )
        if config["computePlatform"] != "ECS":
            raise AwsError(
                "InvalidDeploymentConfigNameException", f"{config_name} is not an ECS deployment configuration."
            )
        rollback = req.param("autoRollbackConfiguration") or group.get("autoRollbackConfiguration")
        # Unlike a group's, a deployment's own override may be enabled without events.
        rollback = _rollback_config(rollback, events_required=False)
        spec = parse_appspec(_revision_content(req, revision))
        for dep in state["deployments"].values():
            if dep.application == app_name and dep.group == group["deploymentGroupName"] and dep.active:
                name = group["deploymentGroupName"]
                raise AwsError(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{name}' already has an active Deployment '{dep.id}'",
                )
        info = _group_info(state, group)
        dep = Deployment(
            id=engine.new_deployment_id(),
            account=req.account_id,
            region=req.region,
            application=app_name,
            group=group["deploymentGroupName"],
            config_name=config_name,
            routing=copy.deepcopy(config.get("trafficRoutingConfig") or {"type": "AllAtOnce"}),
            revision=copy.deepcopy(revision),
            appspec=spec,
            group_snapshot=copy.deepcopy(group),
            auto_rollback=rollback,
            create_time=_now(),
            description=description,
            previous_revision=info.get("targetRevision"),
            fault=_take_fault(app_name, group["deploymentGroupName"]),
        )
        state["deployments"][dep.id] = dep
        dep.record(dep.create_time, "status", status="Created")
    return {"deploymentId": dep.id}


def _overview(dep: Deployment) -> dict[str, int]:
    overview = dict.fromkeys(("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready"), 0)
    overview[dep.target_status] = 1
    return overview


def _deployment_info(dep: Deployment) -> dict[str, Any]:
    snapshot = dep.group_snapshot
    info: dict[str, Any] = {
        "applicationName": dep.application,
        "deploymentGroupName": dep.group,
        "deploymentConfigName": dep.config_name,
        "deploymentId": dep.id,
        "revision": copy.deepcopy(dep.revision),
        "status": dep.status,
        "createTime": dep.create_time,
        "deploymentOverview": _overview(dep),
        "creator": dep.creator,
        "ignoreApplicationStopFailures": False,
        "autoRollbackConfiguration": copy.deepcopy(dep.auto_rollback),
        "updateOutdatedInstancesOnly": False,
        "deploymentStyle": copy.deepcopy(snapshot.get("deploymentStyle")),
        "instanceTerminationWaitTimeStarted": dep.termination_started,
        "blueGreenDeploymentConfiguration": copy.deepcopy(snapshot.get("blueGreenDeploymentConfiguration")),
        "loadBalancerInfo": copy.deepcopy(snapshot.get("loadBalancerInfo")),
        "fileExistsBehavior": "DISALLOW",
        "deploymentStatusMessages": list(dep.status_messages),
        "computePlatform": "ECS",
    }
    optional = {
        "previousRevision": copy.deepcopy(dep.previous_revision),
        "errorInformation": copy.deepcopy(dep.error),
        "startTime": dep.start_time,
        "completeTime": dep.complete_time,
        "description": dep.description,
        "rollbackInfo": copy.deepcopy(dep.rollback_info),
        "additionalDeploymentStatusInfo": dep.additional_info,
    }
    info.update({k: v for k, v in optional.items() if v is not None})
    return info


@handles("codedeploy", "GetDeployment")
def get_deployment(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        return {"deploymentInfo": _deployment_info(_deployment(state, req.param("deploymentId")))}


@handles("codedeploy", "BatchGetDeployments")
def batch_get_deployments(req: Request) -> dict[str, Any]:
    ids = req.param("deploymentIds") or []
    _check_batch(ids, 25)
    with _locked(req) as state:
        infos = []
        for deployment_id in ids:
            _check_deployment_id(deployment_id)
            if deployment_id in state["deployments"]:
                infos.append(_deployment_info(state["deployments"][deployment_id]))
        return {"deploymentsInfo": infos}


@handles("codedeploy", "ListDeployments")
def list_deployments(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        app_name, group_name = req.param("applicationName"), req.param("deploymentGroupName")
        if group_name or app_name:  # both or neither
            _request_group(req, state)
        statuses = req.param("includeOnlyStatuses") or []
        for status in statuses:
            if status not in STATUSES:
                raise AwsError("InvalidDeploymentStatusException", f"Invalid deployment status: {status}")
        window = req.param("createTimeRange") or {}
        start, end = window.get("start"), window.get("end")
        if start is not None and end is not None and float(start) > float(end):
            raise AwsError("InvalidTimeRangeException", "The start time must be earlier than the end time.")
        external = req.param("externalId")
        deps = []
        for dep in state["deployments"].values():
            if app_name and (dep.application, dep.group) != (app_name, group_name):
                continue
            if statuses and dep.status not in statuses:
                continue
            if start is not None and round(dep.create_time, 3) < round(float(start), 3):
                continue
            if end is not None and round(dep.create_time, 3) > round(float(end), 3):
                continue
            if external:
                continue  # only CloudFormation-created deployments carry an external id
            deps.append(dep)
        deps.sort(key=lambda d: (d.create_time, d.id), reverse=True)
        return _page(req, [d.id for d in deps], "deployments")


# ----------------------------------------------------------------------------------------------- targets
def _target_id(dep: Deployment) -> str:
    return f"{dep.cluster_name}:{dep.service_name}"


def _started_deployment(req: Request, state: dict[str, Any]) -> Deployment:
    """The request's deployment, once it has started (the target actions answer only then)."""
    dep = _deployment(state, req.param("deploymentId"))
    if dep.status in ("Created", "Queued"):
        raise AwsError("DeploymentNotStartedException", f"The deployment {dep.id} has not started.")
    return dep


def _check_target(dep: Deployment, target_id: str) -> None:
    if target_id != _target_id(dep):
        raise AwsError("DeploymentTargetDoesNotExistException", f"The deployment target {target_id} does not exist.")


def _task_set_info(dep: Deployment, side: dict[str, Any], label: str, weight: float) -> dict[str, Any]:
    ts = engine.task_set_by_arn(dep, side.get("taskSetArn"))
    info: dict[str, Any] = {
        "identifer": side.get("identifer", ""),
        "desiredCount": 0,
        "pendingCount": 0,
        "runningCount": 0,
        "status": "DRAINING",
        "trafficWeight": weight,
        "targetGroup": {"name": side.get("targetGroupName", "")},
        "taskSetLabel": label,
    }
    if ts is not None:
        info.update(
            desiredCount=getattr(ts, "computed_desired_count", 0),
            pendingCount=getattr(ts, "pending_count", 0),
            runningCount=getattr(ts, "running_count", 0),
            status=ts.status,
        )
    return info


def _ecs_target(req: Request, dep: Deployment) -> dict[str, Any]:
    from moto.ecs.models import ecs_backends

    service = ecs_backends[dep.account][dep.region].services.get(_target_id(dep))
    arn = service.arn if service is not None else req.arn("ecs", f"service/{dep.cluster_name}/{dep.service_name}")
    sets = []
    if dep.original.get("targetGroupName"):
        sets.append(_task_set_info(dep, dep.original, "Blue", 100.0 - dep.traffic))
    if dep.replacement.get("targetGroupName"):
        sets.append(_task_set_info(dep, dep.replacement, "Green", dep.traffic))
    events = [{k: v for k, v in e.items() if v is not None} for e in copy.deepcopy(dep.events)]
    return {
        "deploymentTargetType": "ECSTarget",
        "ecsTarget": {
            "deploymentId": dep.id,
            "targetId": _target_id(dep),
            "targetArn": arn,
            "lastUpdatedAt": dep.last_updated,
            "lifecycleEvents": events,
            "status": dep.target_status,
            "taskSetsInfo": sets,
        },
    }


@handles("codedeploy", "ListDeploymentTargets")
def list_deployment_targets(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        dep = _started_deployment(req, state)
        filters = req.param("targetFilters") or {}
        for name in filters:
            if name not in ("TargetStatus", "ServerInstanceLabel"):
                raise AwsError("InvalidTargetFilterNameException", f"Invalid target filter name: {name}")
        statuses = filters.get("TargetStatus")
        if statuses and dep.target_status not in statuses:
            return {"targetIds": []}
        return {"targetIds": [_target_id(dep)]}


@handles("codedeploy", "BatchGetDeploymentTargets")
def batch_get_deployment_targets(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        dep = _started_deployment(req, state)
        ids = _required(req.param("targetIds") or [], "target")
        if len(ids) > 25:
            raise AwsError(
                "DeploymentTargetListSizeExceededException", "The maximum number of targets (25) was exceeded."
            )
        for target_id in ids:
            _check_target(dep, target_id)
        return {"deploymentTargets": [_ecs_target(req, dep) for _ in ids]}


@handles("codedeploy", "GetDeploymentTarget")
def get_deployment_target(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        dep = _started_deployment(req, state)
        _check_target(dep, _required(req.param("targetId"), "target"))
        return {"deploymentTarget": _ecs_target(req, dep)}


# ----------------------------------------------------------------------------------------------- stop / continue
def _check_active(dep: Deployment) -> None:
    if not dep.active:
        raise AwsError("DeploymentAlreadyCompletedException", f"The deployment {dep.id} has already completed.")


@handles("codedeploy", "StopDeployment")
def stop_deployment(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        dep = _deployment(state, req.param("deploymentId"))
        _check_active(dep)
        if dep.creator == "codeDeployRollback":
            raise AwsError("UnsupportedActionForDeploymentTypeException", "A rollback deployment cannot be stopped.")
        requested = req.param("autoRollbackEnabled")
        if requested is None:
            events = dep.auto_rollback.get("events") or []
            requested = bool(dep.auto_rollback.get("enabled")) and "DEPLOYMENT_STOP_ON_REQUEST" in events
        engine.stop(dep, _now(), bool(requested))
        message = "Deployment stopped."
        if dep.rollback_info:
            message = f"Deployment stopped; rolling back with deployment {dep.rollback_info['rollbackDeploymentId']}."
        return {"status": "Succeeded", "statusMessage": message}


@handles("codedeploy", "ContinueDeployment")
def continue_deployment(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        dep = _deployment(state, req.param("deploymentId"))
        wait_type = req.param("deploymentWaitType") or "READY_WAIT"
        if wait_type not in ("READY_WAIT", "TERMINATION_WAIT"):
            raise AwsError("InvalidDeploymentWaitTypeException", f"Invalid deployment wait type: {wait_type}")
        _check_active(dep)
        if wait_type == "READY_WAIT":
            if dep.stage != "ready":
                raise AwsError(
                    "DeploymentIsNotInReadyStateException",
                    f"The deployment {dep.id} does not have a status of Ready and can't continue yet.",
                )
            engine.continue_ready(dep, _now())
        else:
            if dep.stage != "termination":
                raise AwsError(
                    "DeploymentIsNotInReadyStateException",
                    f"The deployment {dep.id} is not waiting to terminate the original task set.",
                )
            engine.continue_termination(dep, _now())
        return {}


# ----------------------------------------------------------------------------------------------- tags
def _resource_arn(req: Request, state: dict[str, Any], must_exist: bool) -> str:
    """The request's ``ResourceArn``, checked; with ``must_exist`` the resource must exist too."""
    arn = _required(req.param("ResourceArn"), "arn")
    match = re.match(
        r"^arn:aws[\w-]*:codedeploy:([\w-]+):(\d{12}):(application|deploymentgroup|deploymentconfig):(.+)$", arn
    )
    if not match:
        raise AwsError("InvalidArnException", f"The specified ARN is not in a valid format: {arn}")
    kind, name = match.group(3), match.group(4)
    if must_exist:
        if kind == "application":
            _find_app(state, name)
        if kind == "deploymentgroup":
            app_name, _, group_name = name.partition("/")
            _find_group(state, app_name, group_name)
        if kind == "deploymentconfig":
            _find_config(state, name)
    return arn


@handles("codedeploy", "TagResource")
def tag_resource(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        arn = _resource_arn(req, state, True)
        tags = _required(_tags_in(req.param("Tags")), "tags")
        state["tags"][arn] = _merge_tags(state["tags"].get(arn, []), tags)
        return {}


@handles("codedeploy", "UntagResource")
def untag_resource(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        arn = _resource_arn(req, state, True)
        keys = set(req.param("TagKeys") or [])
        state["tags"][arn] = [t for t in state["tags"].get(arn, []) if t["Key"] not in keys]
        return {}


@handles("codedeploy", "ListTagsForResource")
def list_tags_for_resource(req: Request) -> dict[str, Any]:
    with _locked(req) as state:
        arn = _resource_arn(req, state, False)
        return {"Tags": copy.deepcopy(state["tags"].get(arn, []))}


# ----------------------------------------------------------------------------------------------- ECS side
def task_set_json(ts: Any) -> dict[str, Any]:
    """A moto TaskSet as the ECS API's TaskSet shape (for answers we build ourselves)."""
    data = {
        "id": ts.id,
        "taskSetArn": ts.task_set_arn,
        "serviceArn": ts.service_arn,
        "clusterArn": ts.cluster_arn,
        "externalId": ts.external_id or None,
        "status": ts.status,
        "taskDefinition": ts.task_definition,
        "computedDesiredCount": getattr(ts, "computed_desired_count", 0),
        "pendingCount": getattr(ts, "pending_count", 0),
        "runningCount": getattr(ts, "running_count", 0),
        "createdAt": ts.createdAt,
        "updatedAt": ts.updatedAt,
        "launchType": ts.launch_type,
        "capacityProviderStrategy": ts.capacity_provider_strategy or None,
        "platformVersion": ts.platform_version,
        "networkConfiguration": ts.network_configuration,
        "loadBalancers": ts.load_balancers,
        "serviceRegistries": ts.service_registries,
        "scale": ts.scale,
        "stabilityStatus": ts.stabilityStatus,
        "stabilityStatusAt": ts.stabilityStatusAt,
        "tags": ts.tags,
    }
    return json.loads(json.dumps({k: v for k, v in data.items() if v is not None}, default=lambda o: o.timestamp()))


@after("ecs", "CreateService")
def create_code_deploy_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    """ECS gives a new CODE_DEPLOY service a PRIMARY task set running its task definition."""
    service_json = body.get("service") or {}
    if (service_json.get("deploymentController") or {}).get("type") != "CODE_DEPLOY":
        return body
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[req.account_id][req.region]
    cluster = (service_json.get("clusterArn") or "").split("/")[-1]
    with STORE.lock:
        service = backend.services.get(f"{cluster}:{service_json.get('serviceName')}")
        if service is None:
            return body
        ts = engine.ensure_primary_task_set(backend, service, _now())
        if ts is not None:
            service_json["taskSets"] = [task_set_json(t) for t in service.task_sets]
            service_json["runningCount"] = service.running_count
            service_json["pendingCount"] = service.pending_count
    return body


CODE_DEPLOY_FIXED = {
    # UpdateService parameter: (moto Service attribute, what the ECS error calls it)
    "taskDefinition": ("task_definition", "task definition"),
    "networkConfiguration": ("network_configuration", "network parameters"),
    "loadBalancers": ("load_balancers", "load balancers"),
    "platformVersion": ("platform_version", "platform version"),
}


def _code_deploy_service(req: Request) -> Any:
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[req.account_id][req.region]
    cluster = str(req.param("cluster") or "default").split("/")[-1]
    service = backend.services.get(f"{cluster}:{str(req.param('service') or '').split('/')[-1]}")
    if service is None or service.deployment_controller.get("type") != "CODE_DEPLOY":
        return None
    return service


@before_request
def _refuse_code_deploy_service_changes(req: Request) -> None:
    """ECS: a CODE_DEPLOY service's task definition, network, load balancers and platform change by deployment."""
    if (req.service, req.action) != ("ecs", "UpdateService"):
        return
    with STORE.lock:
        service = _code_deploy_service(req)
        if service is None:
            return
        if (req.param("deploymentController") or {}).get("type", "CODE_DEPLOY") != "CODE_DEPLOY":
            return  # a controller change carries the new settings (awsemu.rules.ecs_native checks it)
        from moto.ecs.models import ecs_backends

        for param, (attribute, label) in CODE_DEPLOY_FIXED.items():
            value = req.param(param)
            if value in (None, "", []):
                continue
            current = getattr(service, attribute, None)
            if param == "taskDefinition":
                try:
                    value = ecs_backends[req.account_id][req.region].describe_task_definition(value).arn
                except Exception:  # moto answers the unknown task definition itself
                    return
            if value != current:
                raise AwsError(
                    "InvalidParameterException",
                    f"Unable to update {label} on services with a CODE_DEPLOY deployment controller. "
                    "Use AWS CodeDeploy to trigger a new deployment.",
                )


@after("ecs", "UpdateService")
def update_code_deploy_service(req: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A desired count change resizes a CODE_DEPLOY service's task sets (each by its scale)."""
    with STORE.lock:
        service = _code_deploy_service(req)
        if service is None:
            return body
        engine.resize_task_sets(service, _now())
        service_json = body.get("service") or {}
        service_json["taskSets"] = [task_set_json(t) for t in service.task_sets]
        service_json["runningCount"] = service.running_count
        service_json["pendingCount"] = service.pending_count
    return body


# ----------------------------------------------------------------------------------------------- /_emulator
def _timeline() -> list[dict[str, Any]]:
    result = []
    for (account, region), state in STORE.items(SERVICE):
        for dep in sorted(state.get("deployments", {}).values(), key=lambda d: (d.create_time, d.id)):
            result.append(
                {
                    "deploymentId": dep.id,
                    "account": account,
                    "region": region,
                    "applicationName": dep.application,
                    "deploymentGroupName": dep.group,
                    "creator": dep.creator,
                    "status": dep.status,
                    "stage": dep.stage,
                    "trafficWeight": dep.traffic,
                    "original": dep.original,
                    "replacement": dep.replacement,
                    "history": copy.deepcopy(dep.history),
                }
            )
    return result


@admin("codedeploy")
def _admin_codedeploy(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST":
        timings = (payload or {}).get("timings") or {}
        unknown = sorted(set(timings) - set(engine.DEFAULT_TIMINGS))
        if unknown:
            raise AwsError("InvalidParameter", f"unknown timings {unknown}; known: {sorted(engine.DEFAULT_TIMINGS)}")
        for key, value in timings.items():
            if float(value) < 0:
                raise AwsError("InvalidParameter", f"timing {key} must be >= 0")
            engine.TIMINGS[key] = float(value)
    engine.advance_all()
    with STORE.lock:
        return {"timings": dict(engine.TIMINGS), "faults": copy.deepcopy(FAULTS), "deployments": _timeline()}


@admin("codedeploy-faults")
def _admin_faults(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST":
        payload = payload or {}
        kind = payload.get("fault")
        if kind not in FAULT_KINDS:
            raise AwsError("InvalidParameter", f"fault must be one of {list(FAULT_KINDS)}")
        fault: dict[str, Any] = {"fault": kind, "count": int(payload.get("count", 1))}
        if kind == "failEvent":
            if payload.get("lifecycleEvent") not in engine.EVENTS:
                raise AwsError("InvalidParameter", f"lifecycleEvent must be one of {list(engine.EVENTS)}")
            fault["lifecycleEvent"] = payload["lifecycleEvent"]
        for key in ("applicationName", "deploymentGroupName"):
            if payload.get(key):
                fault[key] = payload[key]
        FAULTS.append(fault)
    elif method == "DELETE":
        FAULTS.clear()
    return {"faults": copy.deepcopy(FAULTS)}
