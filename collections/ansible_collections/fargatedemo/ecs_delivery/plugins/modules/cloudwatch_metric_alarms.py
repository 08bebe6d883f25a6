#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: amazon.aws.cloudwatch_metric_alarm (10.x) manages one alarm per run and cannot tag it (PutMetricAlarm
# takes Tags only when it creates the alarm), so the ecs_service role made its 3 or 4 release alarms with 3 loops:
# resource_tags to read the owner, cloudwatch_metric_alarm, resource_tags to tag. That was 9 to 12 module runs and
# about 30 AWS calls on every converge, for resources that rarely change. This module takes the set: one
# DescribeAlarms for every name, one ListTagsForResource per alarm found (the owner check), and writes only what
# differs. An alarm that exists without every owner tag is another's: it is never rewritten or deleted.

DOCUMENTATION = r"""
---
module: cloudwatch_metric_alarms
short_description: Manage a set of CloudWatch metric alarms and their tags in one run, owner-checked
version_added: 0.1.0
description:
  - Brings a set of CloudWatch metric alarms (one metric each) to the wanted settings and tags with as few calls as
    the API allows. C(DescribeAlarms) reads all of them at once. C(ListTagsForResource) reads the tags of each alarm
    that exists. C(PutMetricAlarm) is called only for an alarm that is missing (with its tags) or differs, and
    C(TagResource) and C(UntagResource) only when its tags differ.
  - An alarm that exists without every tag of O(owner_tags) belongs to someone else. With O(state=present) the module
    fails before it changes anything; with O(state=absent) it leaves that alarm and says why in RV(left).
  - With O(state=absent) the alarms it owns among O(names) are deleted in one C(DeleteAlarms) call.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  state:
    description: V(present) creates or updates the O(alarms); V(absent) deletes the O(names) that are this owner's.
    type: str
    choices: [present, absent]
    default: present
  alarms:
    description:
      - The alarms, with O(state=present). Options not given take CloudWatch's defaults, and an alarm that
        has something else there is updated.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Alarm name (unique in the account and region).
        type: str
        required: true
      description:
        description: Alarm description.
        type: str
        default: ""
      namespace:
        description: Metric namespace, for example V(AWS/ApplicationELB).
        type: str
        required: true
      metric_name:
        description: Metric name, for example V(HTTPCode_Target_5XX_Count).
        type: str
        required: true
      statistic:
        description: Statistic of the metric.
        type: str
        required: true
        choices: [SampleCount, Average, Sum, Minimum, Maximum]
      comparison:
        description: How the statistic is compared with O(alarms[].threshold) (the API's C(ComparisonOperator)).
        type: str
        required: true
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      threshold:
        description: The value the statistic is compared with.
        type: float
        required: true
      period:
        description: Seconds per evaluation period (10, 20, 30 or a multiple of 60).
        type: int
        required: true
      evaluation_periods:
        description: Periods evaluated.
        type: int
        required: true
      datapoints_to_alarm:
        description: Breaching periods of O(alarms[].evaluation_periods) that make the alarm go off; omitted, all.
        type: int
      dimensions:
        description: Dimensions of the metric, name to value.
        type: dict
        default: {}
      unit:
        description: Unit of the metric. Omitted means any unit.
        type: str
      treat_missing_data:
        description: How a period without data counts.
        type: str
        choices: [breaching, notBreaching, ignore, missing]
        default: missing
      actions_enabled:
        description: Whether the alarm's actions run when it changes state.
        type: bool
        default: true
      alarm_actions:
        description: ARNs notified when the alarm goes to C(ALARM).
        type: list
        elements: str
        default: []
      ok_actions:
        description: ARNs notified when the alarm goes to C(OK).
        type: list
        elements: str
        default: []
      insufficient_data_actions:
        description: ARNs notified when the alarm goes to C(INSUFFICIENT_DATA).
        type: list
        elements: str
        default: []
  names:
    description: With O(state=absent), the names of the alarms to delete.
    type: list
    elements: str
    default: []
  owner_tags:
    description:
      - The tags that make an existing alarm this owner's. When empty, every existing alarm is.
    type: dict
    default: {}
  tags:
    description:
      - Tags every alarm of O(alarms) carries; they should include O(owner_tags), or the next run cannot tell the
        alarms are this owner's.
      - When omitted, the tags are left as they are (a new alarm gets none).
    type: dict
  purge_tags:
    description: Remove the tags not in O(tags) (keys starting with C(aws:) are kept).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode and diff mode.
  - Composite alarms and alarms on metric math are not managed. An alarm of one of the names that is not a metric alarm
    on one metric is refused.
  - "API reference: U(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)."
"""

EXAMPLES = r"""
- name: The release alarms of helloapp, tagged as the stack's
  fargatedemo.ecs_delivery.cloudwatch_metric_alarms:
    alarms:
      - name: helloapp-helloapp-target-5xx
        namespace: AWS/ApplicationELB
        metric_name: HTTPCode_Target_5XX_Count
        statistic: Sum
        comparison: GreaterThanOrEqualToThreshold
        threshold: 10
        period: 60
        evaluation_periods: 2
        treat_missing_data: notBreaching
        dimensions:
          LoadBalancer: app/helloapp-alb/0123456789abcdef
    owner_tags:
      managed-by: fargatedemo.ecs_delivery
      stack: helloapp
    tags:
      managed-by: fargatedemo.ecs_delivery
      stack: helloapp

- name: Delete them, but not an alarm of the same name that someone else made
  fargatedemo.ecs_delivery.cloudwatch_metric_alarms:
    state: absent
    names: [helloapp-helloapp-target-5xx]
    owner_tags:
      managed-by: fargatedemo.ecs_delivery
      stack: helloapp
"""

RETURN = r"""
alarms:
  description: The alarms of O(alarms) after the run (with O(state=present)).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Alarm name.
      type: str
      sample: helloapp-helloapp-target-5xx
    arn:
      description: Alarm ARN (in check mode, empty for an alarm that would be created).
      type: str
      sample: arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:helloapp-helloapp-target-5xx
    action:
      description: V(created), V(updated) (settings, tags or both) or V(none).
      type: str
      sample: none
created:
  description: Names of the alarms created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
updated:
  description: Names of the alarms whose settings or tags were changed.
  returned: always
  type: list
  elements: str
deleted:
  description: Names of the alarms deleted (with O(state=absent)).
  returned: always
  type: list
  elements: str
left:
  description:
    - Alarms that exist but are not this owner's, left as they are.
    - With O(state=present) the module then fails, and this lists the alarms of O(alarms) that made it fail.
  returned: always, and on that failure
  type: list
  elements: dict
  contains:
    name:
      description: Alarm name.
      type: str
    why:
      description: Why it was left.
      type: str
      sample: "not tagged as this stack's (lacks {\"stack\": \"helloapp\"})"
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff, tag_changes
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

# DescribeAlarms and DeleteAlarms take at most 100 names per call.
BATCH = 100
# Option -> PutMetricAlarm parameter, in the order a diff shows them.
FIELDS = {
    "description": "AlarmDescription",
    "namespace": "Namespace",
    "metric_name": "MetricName",
    "statistic": "Statistic",
    "comparison": "ComparisonOperator",
    "threshold": "Threshold",
    "period": "Period",
    "evaluation_periods": "EvaluationPeriods",
    "datapoints_to_alarm": "DatapointsToAlarm",
    "dimensions": "Dimensions",
    "unit": "Unit",
    "treat_missing_data": "TreatMissingData",
    "actions_enabled": "ActionsEnabled",
    "alarm_actions": "AlarmActions",
    "ok_actions": "OKActions",
    "insufficient_data_actions": "InsufficientDataActions",
}


def _batches(names):
    names = list(dict.fromkeys(names))
    return [names[i : i + BATCH] for i in range(0, len(names), BATCH)]


@aws_call("describe alarms {names}")
def _describe(client, names):
    # MaxRecords is 50 unless given (1 to 100): follow NextToken all the same.
    metric, composite, token = [], [], {}
    while True:
        answer = client.describe_alarms(
            AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"], MaxRecords=BATCH, aws_retry=True, **token
        )
        metric += answer.get("MetricAlarms") or []
        composite += answer.get("CompositeAlarms") or []
        if not answer.get("NextToken"):
            return metric, composite
        token = {"NextToken": answer["NextToken"]}


def describe(client, names):
    """{name: MetricAlarm} of the names that exist; a composite alarm of one of the names is refused."""
    found = {}
    for batch in _batches(names):
        metric, composite = _describe(client, batch)
        if composite:
            raise ModuleFailure(
                f"CloudWatch alarm {composite[0]['AlarmName']} is a composite alarm; this module manages metric alarms"
            )
        found.update({alarm["AlarmName"]: alarm for alarm in metric})
    return found


@aws_call("read the tags of alarm {arn}")
def read_tags(client, arn):
    tags = client.list_tags_for_resource(ResourceARN=arn, aws_retry=True).get("Tags") or []
    return boto3_tag_list_to_ansible_dict(tags)


@aws_call("put alarm {name}")
def put_alarm(client, name, params, tags):
    extra = {"Tags": ansible_dict_to_boto3_tag_list(tags)} if tags else {}
    client.put_metric_alarm(AlarmName=name, **params, **extra, aws_retry=True)


@aws_call("tag alarm {arn}")
def tag_alarm(client, arn, tags):
    client.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)


@aws_call("untag alarm {arn}")
def untag_alarm(client, arn, keys):
    client.untag_resource(ResourceARN=arn, TagKeys=keys, aws_retry=True)


@aws_call("delete alarms {names}")
def delete_alarms(client, names):
    for batch in _batches(names):
        client.delete_alarms(AlarmNames=batch, aws_retry=True)


def wanted_params(alarm):
    """PutMetricAlarm's parameters of one alarm of O(alarms) (API shape, dimensions sorted by name)."""
    params = {}
    for option, key in FIELDS.items():
        value = alarm.get(option)
        if option == "dimensions":
            value = [{"Name": str(k), "Value": str(v)} for k, v in sorted((value or {}).items())]
        elif option == "threshold":
            value = float(value)
        if value is not None:
            params[key] = value
    return params


def current_params(alarm):
    """The same parameters as DescribeAlarms answers them, with CloudWatch's defaults for what it leaves out."""
    params = {key: alarm.get(key) for key in FIELDS.values()}
    params["AlarmDescription"] = params["AlarmDescription"] or ""
    params["Dimensions"] = sorted(
        ({"Name": d["Name"], "Value": d["Value"]} for d in params["Dimensions"] or []), key=lambda d: d["Name"]
    )
    params["TreatMissingData"] = params["TreatMissingData"] or "missing"
    params["ActionsEnabled"] = True if params["ActionsEnabled"] is None else params["ActionsEnabled"]
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        params[key] = list(params[key] or [])
    if params["Threshold"] is not None:
        params["Threshold"] = float(params["Threshold"])
    return {k: v for k, v in params.items() if v is not None}


def setting_differences(wanted, current):
    """Parameters that differ; an unset DatapointsToAlarm means every evaluation period, as CloudWatch counts it."""
    changed = []
    for key in FIELDS.values():
        want, have = wanted.get(key), current.get(key)
        if key == "DatapointsToAlarm":
            want = want or wanted.get("EvaluationPeriods")
            have = have or current.get("EvaluationPeriods")
        if want != have:
            changed.append(key)
    return changed


def why_not_owned(tags, owner):
    """None when ``tags`` carry every owner tag with its value; else what the alarm lacks, as a sentence."""
    lacking = {k: v for k, v in owner.items() if tags.get(k) != v}
    if not lacking:
        return None
    return f"not tagged as this stack's (lacks {json.dumps(lacking, sort_keys=True)})"


def read_owned(client, names, owner):
    """({name: (MetricAlarm, tags)} of the names that exist, {name: why} of those that are not the owner's)."""
    found = describe(client, names)
    existing, others = {}, {}
    for name, alarm in found.items():
        if "MetricName" not in alarm:
            raise ModuleFailure(
                f"CloudWatch alarm {name} is an alarm on metric math; this module manages one metric per alarm"
            )
        tags = read_tags(client, alarm["AlarmArn"])
        existing[name] = (alarm, tags)
        why = why_not_owned(tags, owner)
        if why:
            others[name] = why
    return existing, others


def _check_names(alarms):
    names = [alarm["name"] for alarm in alarms]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ModuleFailure(f"alarms: each name once; given more than once: {', '.join(twice)}")
    return names


def ensure_present(module, client):
    alarms = module.params["alarms"]
    names = _check_names(alarms)
    owner = {str(k): str(v) for k, v in module.params["owner_tags"].items()}
    wanted_tags = module.params["tags"]
    wanted_tags = None if wanted_tags is None else {str(k): str(v) for k, v in wanted_tags.items()}
    result = {"changed": False, "alarms": [], "created": [], "updated": [], "deleted": [], "left": []}
    if not names:
        return result
    existing, others = read_owned(client, names, owner)
    if others:
        listed = "; ".join(f"{name}: {why}" for name, why in sorted(others.items()))
        left = [{"name": name, "why": why} for name, why in sorted(others.items())]
        raise ModuleFailure(
            f"CloudWatch alarms exist that are not this owner's ({listed}); nothing was changed", left=left
        )
    before, after = {}, {}
    for alarm in alarms:
        name, params = alarm["name"], wanted_params(alarm)
        if name not in existing:
            if not module.check_mode:
                put_alarm(client, name, params, wanted_tags)
            result["created"].append(name)
            result["alarms"].append({"name": name, "arn": "", "action": "created"})
            before[name], after[name] = {}, {"settings": params, "tags": wanted_tags or {}}
            continue
        current, tags = existing[name]
        current_settings = current_params(current)
        changed_settings = setting_differences(params, current_settings)
        to_set, to_remove = tag_changes(wanted_tags, tags, module.params["purge_tags"])
        to_remove = sorted(k for k in to_remove if not k.startswith("aws:"))
        arn = current["AlarmArn"]
        if not module.check_mode:
            if changed_settings:
                put_alarm(client, name, params, None)
            if to_remove:
                untag_alarm(client, arn, to_remove)
            if to_set:
                tag_alarm(client, arn, to_set)
        action = "updated" if changed_settings or to_set or to_remove else "none"
        if action == "updated":
            result["updated"].append(name)
            tags_after = {k: v for k, v in {**tags, **to_set}.items() if k not in to_remove}
            before[name] = {"settings": {k: current_settings.get(k) for k in changed_settings}, "tags": tags}
            after[name] = {"settings": {k: params.get(k) for k in changed_settings}, "tags": tags_after}
        result["alarms"].append({"name": name, "arn": arn, "action": action})
    if not module.check_mode and result["created"]:
        # The ARNs of the new alarms, from one more read (PutMetricAlarm answers nothing).
        made = describe(client, result["created"])
        for entry in result["alarms"]:
            entry["arn"] = entry["arn"] or made.get(entry["name"], {}).get("AlarmArn", "")
    result["changed"] = bool(result["created"] or result["updated"])
    return set_diff(module, result, before, after)


def ensure_absent(module, client):
    names = list(dict.fromkeys(module.params["names"]))
    owner = {str(k): str(v) for k, v in module.params["owner_tags"].items()}
    result = {"changed": False, "alarms": [], "created": [], "updated": [], "deleted": [], "left": []}
    if not names:
        return result
    existing, others = read_owned(client, names, owner)
    result["left"] = [{"name": name, "why": others[name]} for name in names if name in others]
    doomed = [name for name in names if name in existing and name not in others]
    if doomed and not module.check_mode:
        delete_alarms(client, doomed)
    result.update(deleted=doomed, changed=bool(doomed))
    return set_diff(module, result, {"alarms": sorted(existing)}, {"alarms": sorted(set(existing) - set(doomed))})


def main():
    alarm_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        namespace=dict(type="str", required=True),
        metric_name=dict(type="str", required=True),
        statistic=dict(type="str", required=True, choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        comparison=dict(
            type="str",
            required=True,
            choices=[
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ],
        ),
        threshold=dict(type="float", required=True),
        period=dict(type="int", required=True),
        evaluation_periods=dict(type="int", required=True),
        datapoints_to_alarm=dict(type="int"),
        dimensions=dict(type="dict", default={}),
        unit=dict(type="str"),
        treat_missing_data=dict(
            type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"
        ),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
    )
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        alarms=dict(type="list", elements="dict", options=alarm_spec, default=[]),
        names=dict(type="list", elements="str", default=[]),
        owner_tags=dict(type="dict", default={}),
        tags=dict(type="dict"),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
