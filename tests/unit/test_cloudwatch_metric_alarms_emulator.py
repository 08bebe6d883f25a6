"""cloudwatch_metric_alarms, run in-process with real botocore clients against the local emulator: a set of alarms
made, left alone, updated, retagged and deleted, with the AWS calls a no-change run costs counted from the
emulator's request log, and an alarm of the same name that is another's never touched."""

from __future__ import annotations

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import cloudwatch_metric_alarms as module

from tests.support import put_elb_alarm

pytestmark = pytest.mark.emulator

OWNER = {"managed-by": "fargatedemo.ecs_delivery", "stack": "helloapp"}
TAGS = {**OWNER, "team": "web"}
LB = "app/helloapp-alb/0123456789abcdef"


def alarm(name, **extra):
    return {
        "name": name,
        "description": f"{name} (a release in flight rolls back).",
        "namespace": "AWS/ApplicationELB",
        "metric_name": "HTTPCode_Target_5XX_Count",
        "statistic": "Sum",
        "comparison": "GreaterThanOrEqualToThreshold",
        "threshold": 10.0,
        "period": 60,
        "evaluation_periods": 2,
        "dimensions": {"LoadBalancer": LB},
        "treat_missing_data": "notBreaching",
        **extra,
    }


ALARMS = [alarm("helloapp-target-5xx"), alarm("helloapp-elb-5xx", metric_name="HTTPCode_ELB_5XX_Count")]


def args(aws, alarms=ALARMS, **extra):
    return {"endpoint_url": aws.url, "alarms": alarms, "owner_tags": OWNER, "tags": TAGS, **extra}


def tags_of(aws, name):
    cloudwatch = aws.boto3_client("cloudwatch")
    (found,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=found["AlarmArn"])["Tags"]}


def calls(aws):
    return [
        entry.get("action")
        for entry in aws.admin("requests")["requests"]
        if entry.get("service") in ("cloudwatch", "monitoring")
    ]


@pytest.fixture
def made(aws, run_module):
    result = run_module(module.main, args(aws))
    assert result["changed"] is True and result["created"] == ["helloapp-target-5xx", "helloapp-elb-5xx"], result
    assert all(entry["arn"].endswith(f":alarm:{entry['name']}") for entry in result["alarms"]), result
    return result


def test_the_alarms_are_made_with_their_tags(aws, made):
    found = aws.boto3_client("cloudwatch").describe_alarms(AlarmNames=[a["name"] for a in ALARMS])["MetricAlarms"]
    assert sorted(a["MetricName"] for a in found) == ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"]
    (target,) = [a for a in found if a["AlarmName"] == "helloapp-target-5xx"]
    assert target["Threshold"] == 10.0 and target["TreatMissingData"] == "notBreaching"
    assert target["Dimensions"] == [{"Name": "LoadBalancer", "Value": LB}]
    assert tags_of(aws, "helloapp-elb-5xx") == TAGS


def test_a_second_run_changes_nothing_and_reads_once_per_alarm(aws, run_module, made):
    aws.admin("requests", "DELETE")
    again = run_module(module.main, args(aws))
    assert again["changed"] is False and [a["action"] for a in again["alarms"]] == ["none", "none"], again
    # One DescribeAlarms for the set, one ListTagsForResource per alarm (the owner check): nothing else.
    assert sorted(calls(aws)) == ["DescribeAlarms", "ListTagsForResource", "ListTagsForResource"], calls(aws)


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_changed_setting_and_tag_update_the_alarm(aws, run_module, made, check_mode):
    wanted = [alarm("helloapp-target-5xx", threshold=25.0), ALARMS[1]]
    tags = {**OWNER, "team": "platform"}
    result = run_module(module.main, args(aws, alarms=wanted, tags=tags), check_mode=check_mode, diff=True)
    assert result["changed"] is True and result["updated"] == ["helloapp-target-5xx", "helloapp-elb-5xx"], result
    assert result["diff"]["after"]["helloapp-target-5xx"]["settings"] == {"Threshold": 25.0}
    (target,) = aws.boto3_client("cloudwatch").describe_alarms(AlarmNames=["helloapp-target-5xx"])["MetricAlarms"]
    assert target["Threshold"] == (10.0 if check_mode else 25.0)
    assert tags_of(aws, "helloapp-elb-5xx")["team"] == ("web" if check_mode else "platform")


def test_an_alarm_that_is_another_s_is_refused_before_any_change(aws, run_module):
    cloudwatch = aws.boto3_client("cloudwatch")
    put_elb_alarm(cloudwatch, "helloapp-elb-5xx", "HTTPCode_ELB_5XX_Count", "Sum")
    result = run_module(module.main, args(aws))
    assert result["failed"] is True, result
    assert result["left"] == [{"name": "helloapp-elb-5xx", "why": result["left"][0]["why"]}]
    assert "not tagged as this stack's" in result["left"][0]["why"] and "nothing was changed" in result["msg"]
    assert cloudwatch.describe_alarms(AlarmNames=["helloapp-target-5xx"])["MetricAlarms"] == []  # not made either


def test_absent_deletes_its_own_and_leaves_another_s(aws, run_module, made):
    cloudwatch = aws.boto3_client("cloudwatch")
    put_elb_alarm(cloudwatch, "helloapp-unhealthy-tg1", "UnHealthyHostCount", "Maximum")
    names = ["helloapp-target-5xx", "helloapp-elb-5xx", "helloapp-unhealthy-tg1", "helloapp-never-made"]
    check = run_module(module.main, dict(endpoint_url=aws.url, state="absent", names=names, owner_tags=OWNER), True)
    assert check["changed"] is True and len(cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]) == 3
    result = run_module(module.main, dict(endpoint_url=aws.url, state="absent", names=names, owner_tags=OWNER))
    assert result["deleted"] == ["helloapp-target-5xx", "helloapp-elb-5xx"], result
    assert [entry["name"] for entry in result["left"]] == ["helloapp-unhealthy-tg1"]
    assert [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]] == [
        "helloapp-unhealthy-tg1"
    ]
    again = run_module(module.main, dict(endpoint_url=aws.url, state="absent", names=names, owner_tags=OWNER))
    assert again["changed"] is False and again["deleted"] == []


def test_a_name_given_twice_is_refused(aws, run_module):
    result = run_module(module.main, args(aws, alarms=[ALARMS[0], ALARMS[0]]))
    assert result["failed"] is True and "given more than once: helloapp-target-5xx" in result["msg"], result
