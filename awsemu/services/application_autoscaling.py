"""Application Auto Scaling for ECS services, as strict as the API reference where moto 5.2 is lenient.

What the stack calls (RegisterScalableTarget, PutScalingPolicy with target tracking, the Describe*,
Delete*, tags) is answered here, for the ``ecs`` namespace only: another namespace is refused with a
message saying it is not emulated (the stack scales nothing else), rather than half-answered.
Targets and policies live in moto's backend (so moto's scheduled actions still find them and its reset
clears them); tags and scaling activities live in ``STORE``. References: Application Auto Scaling API
Reference (https://docs.aws.amazon.com/autoscaling/application/APIReference/), each action's page.

- RegisterScalableTarget: ``ResourceId`` is ``service/<cluster>/<service>`` of an ACTIVE ECS service;
  a new target needs both ``MinCapacity`` and ``MaxCapacity`` ("When you register a new scalable target,
  you must specify values for the minimum and maximum capacity"), min <= max, neither negative (ECS
  allows 0); an update changes only what it names and keeps the ARN. "If the specified resource is not
  active ... this operation does not change the resource's current capacity. Otherwise, it changes the
  resource's current capacity to a value that is inside of this range": the service's desired count is
  moved into [min, max] and a scaling activity is recorded. ``RoleARN`` is the service-linked role
  ``AWSServiceRoleForApplicationAutoScaling_ECSService``, created in IAM on first use ("If the service
  supports service-linked roles, Application Auto Scaling uses a service-linked role, which it creates if
  it does not yet exist"; User Guide, "Amazon ECS and Application Auto Scaling"). ``Tags`` tag a new target
  only ("To tag an existing scalable target, use the TagResource operation"). moto accepts a target
  without capacities (and answers ``null``), min above max, any resource id (a bad one is a 500), and
  answers ``RoleARN: null``.
- DeregisterScalableTarget deletes the target's policies, their alarms and its scheduled actions ("If you
  deregister a scalable target, the scaling policies and the scheduled actions that are associated with it
  are deleted"); an unknown target is ``ObjectNotFoundException`` (moto: ValidationException, and the
  policies stay).
- PutScalingPolicy: the target must be registered (``ObjectNotFoundException``; moto does not look);
  ``PolicyType`` is required for a new policy; the configuration must match the type. Target tracking:
  exactly one of a predefined or customized metric; for ECS the predefined types are the ECSService* and
  ``ALBRequestCountPerTarget``; ``ResourceLabel`` is required for and only allowed with
  ``ALBRequestCountPerTarget`` and must be ``app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>`` of an
  existing load balancer and one of its target groups, with a target group attached to the service
  (PredefinedMetricSpecification: "You can't specify a resource label unless the metric type is
  ALBRequestCountPerTarget and there is a target group attached to the Spot Fleet or ECS service");
  cooldowns are not negative; at most 50 policies per target (Application Auto Scaling quotas, "Scaling
  policies per scalable target"). An update keeps the policy's ARN and replaces its alarms (moto mints a
  new ARN and leaks the old alarms). The CloudWatch alarms are the ones target tracking creates: High and
  Low (no Low with ``DisableScaleIn``), on AWS/ECS CPUUtilization or MemoryUtilization, or AWS/ApplicationELB
  RequestCountPerTarget of the labelled target group.
- DescribeScalableTargets / DescribeScalingPolicies: exact ``ResourceId`` match (moto matches substrings:
  ``service/c/s`` also returned ``service/c/s2``'s policies), ``PolicyNames``, opaque ``NextToken`` and
  ``MaxResults`` 1-50 / 1-10 (the API reference's ranges and defaults); no ``null`` members.
- DescribeScalingActivities (moto has none), TagResource / UntagResource / ListTagsForResource (moto has
  none): at most 50 tags, keys not starting with ``aws:``; an unknown ARN is ``ResourceNotFoundException``.

Non-AWS test endpoint: ``POST /_emulator/autoscaling {"resourceId": "service/c/s", "desiredCount": 4}``
plays the scaler (a target tracking alarm firing): the count is kept inside [min, max], refused while the
matching dynamic scaling direction is suspended, written to the ECS service and recorded as an activity.
``GET`` lists the targets of every account and region.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from moto.applicationautoscaling.models import (
    FakeApplicationAutoscalingPolicy,
    FakeScalableTarget,
    applicationautoscaling_backends,
)
from moto.cloudwatch.models import cloudwatch_backends
from moto.ecs.models import ecs_backends
from moto.elbv2.models import elbv2_backends
from moto.iam.models import iam_backends

from awsemu.core import STORE, AwsError, Request, admin, handles, paginate
from awsemu.services import ecs_service

SERVICE = "application-autoscaling"
ECS_DIMENSION = "ecs:service:DesiredCount"
SLR_SERVICE = "ecs.application-autoscaling.amazonaws.com"
SLR_NAME = "AWSServiceRoleForApplicationAutoScaling_ECSService"
MAX_POLICIES_PER_TARGET = 50
MAX_TAGS = 50
# PredefinedMetricSpecification, the types that apply to the ecs namespace.
ECS_METRICS = {
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization", "Average"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization", "Average"),
    "ECSServiceAverageCPUUtilizationHighResolution": ("AWS/ECS", "CPUUtilization", "Average"),
    "ECSServiceAverageMemoryUtilizationHighResolution": ("AWS/ECS", "MemoryUtilization", "Average"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum"),
}
POLICY_CONFIG = {
    "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
    "StepScaling": "StepScalingPolicyConfiguration",
    "PredictiveScaling": "PredictiveScalingPolicyConfiguration",
}
_ECS_NAME = r"[A-Za-z0-9_-]{1,255}"
_RESOURCE_ID = re.compile(rf"service/({_ECS_NAME})/({_ECS_NAME})")
_LABEL = re.compile(
    r"app/(?P<lb>[A-Za-z0-9-]{1,32})/(?P<lb_id>[0-9a-f]{16})/targetgroup/(?P<tg>[A-Za-z0-9-]{1,32})/(?P<tg_id>[0-9a-f]{16})"
)


def validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _backend(req: Request) -> Any:
    return applicationautoscaling_backends[req.account_id][req.region]


def _state(req: Request) -> dict[str, Any]:
    return STORE.get(req, SERVICE, lambda: {"tags": {}, "activities": []})


def _key(namespace: str, resource_id: str, dimension: str) -> str:
    return f"{namespace} {resource_id} {dimension}"


def _only_ecs(req: Request) -> None:
    """The stack scales ECS services only; other namespaces are not emulated (refused, never half-answered)."""
    if req.param("ServiceNamespace") != "ecs":
        namespace = req.param("ServiceNamespace")
        raise validation(f"awsemu emulates Application Auto Scaling for the ecs namespace only, not {namespace!r}")


# --- ECS resources ---------------------------------------------------------------------------------------


def _ecs_service(req: Request, resource_id: str) -> Any:
    """The ACTIVE ECS service ``service/<cluster>/<service>`` names, or ValidationException."""
    match = _RESOURCE_ID.fullmatch(resource_id)
    if match is None:
        raise validation(
            f"Unsupported service namespace, resource type or scalable dimension: resource ID '{resource_id}' is not "
            "service/<cluster-name>/<service-name>"
        )
    cluster, name = match.groups()
    ecs = ecs_backends[req.account_id][req.region]
    service = ecs.services.get(f"{cluster}:{name}")
    if service is None or service.status != "ACTIVE":
        raise validation(f"ECS service doesn't exist: {resource_id}")
    return service


def _service_target_groups(req: Request, service: Any) -> set[str]:
    groups = {lb.get("targetGroupArn") for lb in service.load_balancers or []}
    for task_set in getattr(service, "task_sets", None) or []:
        groups.update(lb.get("targetGroupArn") for lb in getattr(task_set, "load_balancers", None) or [])
    return {g for g in groups if g}


def _set_desired_count(req: Request, target: FakeScalableTarget, desired: int, cause: str) -> None:
    service = _ecs_service(req, target.resource_id)
    before = service.desired_count
    if desired == before:
        return
    service.desired_count = desired
    ecs_service.resize(req, service.arn, desired)
    now = time.time()
    _state(req)["activities"].insert(
        0,
        {
            "ActivityId": str(uuid.uuid4()),
            "ServiceNamespace": target.service_namespace,
            "ResourceId": target.resource_id,
            "ScalableDimension": target.scalable_dimension,
            "Description": f"Setting desired count to {desired}.",
            "Cause": cause,
            "StartTime": now,
            "EndTime": now,
            "StatusCode": "Successful",
            "StatusMessage": f"Successfully set desired count to {desired}. Change successfully fulfilled by ecs.",
        },
    )


def _service_linked_role(req: Request) -> str:
    iam = iam_backends[req.account_id]["global"]
    for role in iam.roles.values():
        if role.name == SLR_NAME:
            return role.arn
    trust = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "'
        + SLR_SERVICE
        + '"}, "Action": "sts:AssumeRole"}]}'
    )
    role = iam.create_role(
        SLR_NAME,
        trust,
        f"/aws-service-role/{SLR_SERVICE}/",
        permissions_boundary=None,
        description="",
        tags=[],
        max_session_duration="3600",
        linked_service=SLR_SERVICE,
    )
    return role.arn


# --- scalable targets ------------------------------------------------------------------------------------


def _target(req: Request, namespace: str, resource_id: str, dimension: str) -> FakeScalableTarget | None:
    return _backend(req).targets.get(dimension, {}).get(resource_id)


def _capacity(req: Request, name: str) -> int | None:
    value = req.param(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise validation(f"{name} must be an integer greater than or equal to 0, got {value!r}")
    return value


def _check_tags(tags: dict[str, str]) -> None:
    reserved = sorted(k for k in tags if k.lower().startswith("aws:"))
    if reserved:
        raise validation(f"Tag keys starting with 'aws:' are reserved for AWS use: {', '.join(reserved)}")


@handles(SERVICE, "RegisterScalableTarget")
def register_scalable_target(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    resource_id, dimension = req.param("ResourceId"), req.param("ScalableDimension")
    if dimension != ECS_DIMENSION:
        raise validation("Unsupported service namespace, resource type or scalable dimension")
    service = _ecs_service(req, resource_id)
    low, high = _capacity(req, "MinCapacity"), _capacity(req, "MaxCapacity")
    target = _target(req, "ecs", resource_id, dimension)
    if target is None and (low is None or high is None):
        raise validation("MinCapacity and MaxCapacity are required when registering a new scalable target")
    new_low = low if low is not None else target.min_capacity
    new_high = high if high is not None else target.max_capacity
    if new_low > new_high:
        raise validation(f"Minimum capacity ({new_low}) cannot be greater than maximum capacity ({new_high})")
    tags = req.param("Tags") or {}
    if target is None:
        _check_tags(tags)
        if len(tags) > MAX_TAGS:
            raise AwsError("TooManyTagsException", f"A scalable target can have at most {MAX_TAGS} tags")
        suspended = _suspended(req.param("SuspendedState"))
        target = FakeScalableTarget(
            _backend(req), "ecs", resource_id, dimension, new_low, new_high, _service_linked_role(req), suspended
        )
        _backend(req)._add_scalable_target(target)
        _state(req)["tags"][target.arn] = dict(tags)
    else:
        target.update(new_low, new_high, None)
        if req.param("SuspendedState") is not None:
            target.suspended_state = _suspended({**target.suspended_state, **req.param("SuspendedState")})
    clamped = min(max(service.desired_count, new_low), new_high)
    if clamped != service.desired_count:
        _set_desired_count(
            req, target, clamped, f"minimum capacity {new_low} and maximum capacity {new_high} (RegisterScalableTarget)"
        )
    return {"ScalableTargetARN": target.arn}


def _suspended(value: dict[str, Any] | None) -> dict[str, bool]:
    value = value or {}
    return {
        name: bool(value.get(name, False))
        for name in ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")
    }


def _target_json(target: FakeScalableTarget) -> dict[str, Any]:
    return {
        "ServiceNamespace": target.service_namespace,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.scalable_dimension,
        "MinCapacity": target.min_capacity,
        "MaxCapacity": target.max_capacity,
        "RoleARN": target.role_arn,
        "CreationTime": target.creation_time,
        "SuspendedState": _suspended(target.suspended_state),
        "ScalableTargetARN": target.arn,
    }


def _page_size(req: Request, default: int, maximum: int) -> int:
    value = req.param("MaxResults")
    if value is None:
        return default
    if not 1 <= int(value) <= maximum:
        raise validation(f"MaxResults must be between 1 and {maximum}, got {value}")
    return int(value)


@handles(SERVICE, "DescribeScalableTargets")
def describe_scalable_targets(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    ids = req.param("ResourceIds") or []
    dimension = req.param("ScalableDimension")
    targets = [
        t
        for by_id in _backend(req).targets.values()
        for t in by_id.values()
        if t.service_namespace == "ecs"
        and (not ids or t.resource_id in ids)
        and (dimension is None or t.scalable_dimension == dimension)
    ]
    page, token = paginate(targets, req.param("NextToken"), _page_size(req, 50, 50))
    answer: dict[str, Any] = {"ScalableTargets": [_target_json(t) for t in page]}
    if token:
        answer["NextToken"] = token
    return answer


def _policies_of(req: Request, target: FakeScalableTarget) -> list[FakeApplicationAutoscalingPolicy]:
    return [
        p
        for p in _backend(req).policies.values()
        if (p.service_namespace, p.resource_id, p.scalable_dimension)
        == (target.service_namespace, target.resource_id, target.scalable_dimension)
    ]


@handles(SERVICE, "DeregisterScalableTarget")
def deregister_scalable_target(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    namespace, resource_id, dimension = "ecs", req.param("ResourceId"), req.param("ScalableDimension")
    target = _target(req, namespace, resource_id, dimension)
    if target is None:
        raise AwsError(
            "ObjectNotFoundException",
            f"No scalable target found for service namespace: {namespace}, resource ID: {resource_id}, "
            f"scalable dimension: {dimension}",
        )
    backend = _backend(req)
    for policy in _policies_of(req, target):
        _delete_alarms(req, policy)
        del backend.policies[_policy_key(policy)]
    backend.scheduled_actions = [
        a
        for a in backend.scheduled_actions
        if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, resource_id, dimension)
    ]
    del backend.targets[dimension][resource_id]
    _state(req)["tags"].pop(target.arn, None)
    return {}


# --- scaling policies ------------------------------------------------------------------------------------


def _policy_key(policy: FakeApplicationAutoscalingPolicy) -> str:
    return FakeApplicationAutoscalingPolicy.formulate_key(
        policy.service_namespace, policy.resource_id, policy.scalable_dimension, policy.policy_name
    )


def _target_tracking(req: Request, service: Any, config: dict[str, Any]) -> None:
    predefined = config.get("PredefinedMetricSpecification")
    customized = config.get("CustomizedMetricSpecification")
    if (predefined is None) == (customized is None):
        raise validation(
            "TargetTrackingScalingPolicyConfiguration must have exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification"
        )
    for name in ("ScaleInCooldown", "ScaleOutCooldown"):
        if config.get(name) is not None and int(config[name]) < 0:
            raise validation(f"{name} must be greater than or equal to 0, got {config[name]}")
    if predefined is None:
        return
    metric, label = predefined.get("PredefinedMetricType"), predefined.get("ResourceLabel")
    if metric not in ECS_METRICS:
        raise validation(
            f"Predefined metric type {metric} is not supported for service namespace ecs; supported: "
            + ", ".join(ECS_METRICS)
        )
    if metric != "ALBRequestCountPerTarget":
        if label is not None:
            raise validation(f"ResourceLabel is only allowed with ALBRequestCountPerTarget, not with {metric}")
        return
    if label is None:
        raise validation("ResourceLabel is required with the predefined metric type ALBRequestCountPerTarget")
    _check_label(req, service, label)


def _check_label(req: Request, service: Any, label: str) -> None:
    """``app/<lb-name>/<lb-id>/targetgroup/<tg-name>/<tg-id>``: the final portions of both ARNs."""
    match = _LABEL.fullmatch(label)
    if match is None:
        raise validation(
            f"Invalid ResourceLabel '{label}': the format is "
            "app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>"
        )
    elbv2 = elbv2_backends[req.account_id][req.region]
    lb_suffix, tg_suffix = label.split("/targetgroup/")[0], "targetgroup/" + label.split("/targetgroup/")[1]
    balancer = next((lb for lb in elbv2.load_balancers.values() if lb.arn.endswith(f":loadbalancer/{lb_suffix}")), None)
    if balancer is None:
        raise validation(f"Invalid ResourceLabel '{label}': load balancer {match['lb']} ({match['lb_id']}) not found")
    group = next((tg for tg in elbv2.target_groups.values() if tg.arn.endswith(f":{tg_suffix}")), None)
    if group is None:
        raise validation(f"Invalid ResourceLabel '{label}': target group {match['tg']} ({match['tg_id']}) not found")
    if balancer.arn not in (group.load_balancer_arns or []):
        raise validation(
            f"Invalid ResourceLabel '{label}': target group {match['tg']} is not attached to {match['lb']}"
        )
    if not _service_target_groups(req, service):
        raise validation(
            f"Invalid ResourceLabel '{label}': the ECS service has no target group attached "
            "(ALBRequestCountPerTarget needs a load balancer in front of the service)"
        )


def _alarms(req: Request, policy: FakeApplicationAutoscalingPolicy) -> list[Any]:
    """The alarms target tracking creates for ``policy`` (High, and Low unless scale-in is disabled)."""
    config = policy.target_tracking_scaling_policy_configuration or {}
    predefined = config.get("PredefinedMetricSpecification")
    if policy.policy_type != "TargetTrackingScaling" or not predefined:
        return []
    namespace, metric, statistic = ECS_METRICS[predefined["PredefinedMetricType"]]
    _, cluster, service = policy.resource_id.split("/")
    if namespace == "AWS/ECS":
        dimensions = [{"Name": "ClusterName", "Value": cluster}, {"Name": "ServiceName", "Value": service}]
    else:
        group = "targetgroup/" + predefined["ResourceLabel"].split("/targetgroup/")[1]
        dimensions = [{"Name": "TargetGroup", "Value": group}]
    cloudwatch = cloudwatch_backends[req.account_id][req.region]
    action = f"{policy.policy_arn}:createdBy/{uuid.uuid4()}"
    made = []
    sides = [("AlarmHigh", "GreaterThanThreshold", 3)]
    if not config.get("DisableScaleIn"):
        sides.append(("AlarmLow", "LessThanThreshold", 15))
    for side, operator, periods in sides:
        made.append(
            cloudwatch.put_metric_alarm(
                name=f"TargetTracking-{policy.resource_id}-{side}-{uuid.uuid4()}",
                namespace=namespace,
                metric_name=metric,
                metric_data_queries=[],
                comparison_operator=operator,
                evaluation_periods=periods,
                period=60,
                threshold=float(config["TargetValue"]) * (0.9 if side == "AlarmLow" else 1.0),
                statistic=statistic,
                description=f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}.",
                dimensions=dimensions,
                alarm_actions=[action],
            )
        )
    return made


def _delete_alarms(req: Request, policy: FakeApplicationAutoscalingPolicy) -> None:
    if policy.alarms:
        cloudwatch_backends[req.account_id][req.region].delete_alarms([a.name for a in policy.alarms])
    policy.alarms = []


@handles(SERVICE, "PutScalingPolicy")
def put_scaling_policy(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    name, resource_id, dimension = req.param("PolicyName"), req.param("ResourceId"), req.param("ScalableDimension")
    target = _target(req, "ecs", resource_id, dimension)
    if target is None:
        raise AwsError(
            "ObjectNotFoundException",
            f"No scalable target registered for service namespace: ecs, resource ID: {resource_id}, "
            f"scalable dimension: {dimension}",
        )
    backend = _backend(req)
    key = FakeApplicationAutoscalingPolicy.formulate_key("ecs", resource_id, dimension, name)
    existing = backend.policies.get(key)
    policy_type = req.param("PolicyType") or (existing.policy_type if existing else None)
    if policy_type is None:
        raise validation("PolicyType is required when creating a scaling policy")
    given = [member for member in POLICY_CONFIG.values() if req.param(member) is not None]
    wanted = POLICY_CONFIG[policy_type]
    if given and given != [wanted]:
        raise validation(f"A {policy_type} policy takes {wanted} only, got {', '.join(given)}")
    body = req.param(wanted)
    if body is None and existing is None:
        raise validation(f"{wanted} is required for a {policy_type} policy")
    if existing is None and len(_policies_of(req, target)) >= MAX_POLICIES_PER_TARGET:
        raise AwsError(
            "LimitExceededException", f"A scalable target can have at most {MAX_POLICIES_PER_TARGET} scaling policies"
        )
    if policy_type == "TargetTrackingScaling" and body is not None:
        _target_tracking(req, _ecs_service(req, resource_id), body)
    if existing is not None:
        _delete_alarms(req, existing)
        if body is not None:
            existing.policy_type = policy_type
            existing._policy_body = body
            existing.target_tracking_scaling_policy_configuration = (
                body if policy_type == "TargetTrackingScaling" else None
            )
            existing.step_scaling_policy_configuration = body if policy_type == "StepScaling" else None
        policy = existing
    else:
        # moto's constructor makes its own (wrong-metric) alarms; they are replaced right away.
        policy = FakeApplicationAutoscalingPolicy(
            account_id=req.account_id,
            region_name=req.region,
            policy_name=name,
            service_namespace="ecs",
            resource_id=resource_id,
            scalable_dimension=dimension,
            policy_type=policy_type if policy_type != "PredictiveScaling" else "StepScaling",
            policy_body=body,
        )
        _delete_alarms(req, policy)
        if policy_type == "PredictiveScaling":
            policy.policy_type = policy_type
            policy.step_scaling_policy_configuration = None
        backend.policies[key] = policy
    policy.alarms = _alarms(req, policy)
    return {"PolicyARN": policy.policy_arn, "Alarms": _alarm_json(policy)}


def _alarm_json(policy: FakeApplicationAutoscalingPolicy) -> list[dict[str, str]]:
    return [{"AlarmName": a.name, "AlarmARN": a.alarm_arn} for a in policy.alarms]


def _policy_json(policy: FakeApplicationAutoscalingPolicy) -> dict[str, Any]:
    answer = {
        "PolicyARN": policy.policy_arn,
        "PolicyName": policy.policy_name,
        "ServiceNamespace": policy.service_namespace,
        "ResourceId": policy.resource_id,
        "ScalableDimension": policy.scalable_dimension,
        "PolicyType": policy.policy_type,
        "Alarms": _alarm_json(policy),
        "CreationTime": policy.creation_time,
    }
    member = POLICY_CONFIG[policy.policy_type]
    if policy._policy_body is not None:
        answer[member] = policy._policy_body
    return answer


@handles(SERVICE, "DescribeScalingPolicies")
def describe_scaling_policies(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    resource_id, dimension, names = req.param("ResourceId"), req.param("ScalableDimension"), req.param("PolicyNames")
    policies = [
        p
        for p in _backend(req).policies.values()
        if p.service_namespace == "ecs"
        and (resource_id is None or p.resource_id == resource_id)
        and (dimension is None or p.scalable_dimension == dimension)
        and (not names or p.policy_name in names)
    ]
    page, token = paginate(policies, req.param("NextToken"), _page_size(req, 10, 10))
    answer: dict[str, Any] = {"ScalingPolicies": [_policy_json(p) for p in page]}
    if token:
        answer["NextToken"] = token
    return answer


@handles(SERVICE, "DeleteScalingPolicy")
def delete_scaling_policy(req: Request) -> dict[str, Any]:
    _only_ecs(req)
    name, resource_id, dimension = req.param("PolicyName"), req.param("ResourceId"), req.param("ScalableDimension")
    key = FakeApplicationAutoscalingPolicy.formulate_key("ecs", resource_id, dimension, name)
    policy = _backend(req).policies.get(key)
    if policy is None:
        raise AwsError(
            "ObjectNotFoundException",
            f"No scaling policy found for service namespace: ecs, resource ID: {resource_id}, scalable dimension: "
            f"{dimension}, policy name: {name}",
        )
    _delete_alarms(req, policy)
    del _backend(req).policies[key]
    return {}


# --- activities and tags ---------------------------------------------------------------------------------


@handles(SERVICE, "DescribeScalingActivities")
def describe_scaling_activities(req: Request) -> dict[str, Any]:
    namespace, resource_id, dimension = (
        req.param("ServiceNamespace"),
        req.param("ResourceId"),
        req.param("ScalableDimension"),
    )
    activities = [
        a
        for a in _state(req)["activities"]
        if a["ServiceNamespace"] == namespace
        and (resource_id is None or a["ResourceId"] == resource_id)
        and (dimension is None or a["ScalableDimension"] == dimension)
    ]
    page, token = paginate(activities, req.param("NextToken"), _page_size(req, 50, 50))
    answer: dict[str, Any] = {"ScalingActivities": page}
    if token:
        answer["NextToken"] = token
    return answer


def _tagged(req: Request) -> dict[str, str]:
    arn = req.param("ResourceARN")
    tags = _state(req)["tags"]
    if arn not in tags:
        raise AwsError("ResourceNotFoundException", f"Scalable target with ARN {arn} not found.")
    return tags[arn]


@handles(SERVICE, "TagResource")
def tag_resource(req: Request) -> dict[str, Any]:
    tags = _tagged(req)
    new = req.param("Tags") or {}
    _check_tags(new)
    if len({**tags, **new}) > MAX_TAGS:
        raise AwsError("TooManyTagsException", f"A scalable target can have at most {MAX_TAGS} tags")
    tags.update(new)
    return {}


@handles(SERVICE, "UntagResource")
def untag_resource(req: Request) -> dict[str, Any]:
    tags = _tagged(req)
    for key in req.param("TagKeys") or []:
        tags.pop(key, None)
    return {}


@handles(SERVICE, "ListTagsForResource")
def list_tags_for_resource(req: Request) -> dict[str, Any]:
    return {"Tags": dict(_tagged(req))}


# --- the scaler, for tests -------------------------------------------------------------------------------


@admin("autoscaling")
def _admin(method: str, payload: Any) -> dict[str, Any]:
    if method == "POST":
        payload = payload or {}
        account, region = payload.get("account", "123456789012"), payload.get("region", "ap-northeast-2")
        req = Request(SERVICE, "_scale", region, account, "json", {}, {}, "/", "POST")
        resource_id = payload.get("resourceId", "")
        target = _target(req, "ecs", resource_id, ECS_DIMENSION)
        if target is None:
            raise AwsError("ObjectNotFoundException", f"No scalable target registered for {resource_id}")
        desired = int(payload["desiredCount"])
        current = _ecs_service(req, resource_id).desired_count
        suspended = _suspended(target.suspended_state)
        if (desired > current and suspended["DynamicScalingOutSuspended"]) or (
            desired < current and suspended["DynamicScalingInSuspended"]
        ):
            return {"desiredCount": current, "scaled": False}
        desired = min(max(desired, target.min_capacity), target.max_capacity)
        _set_desired_count(req, target, desired, payload.get("cause", "monitor alarm TargetTracking (emulated)"))
        return {"desiredCount": desired, "scaled": desired != current}
    targets = []
    for account in list(applicationautoscaling_backends.keys()):
        for region, backend in list(applicationautoscaling_backends[account].items()):
            for by_id in backend.targets.values():
                targets.extend({"account": account, "region": region, **_target_json(t)} for t in by_id.values())
    return {"targets": targets}
