"""awsemu/services/elbv2.py: DescribeLoadBalancerAttributes of an application load balancer lists every
attribute with AWS's defaults, overlaid with modified values."""

from __future__ import annotations


def test_application_load_balancer_attributes(aws):
    ec2 = aws.boto3_client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    elbv2 = aws.boto3_client("elbv2")
    arn = elbv2.create_load_balancer(Name="lb", Subnets=subnets, Type="application")["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    attrs = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    assert attrs["idle_timeout.timeout_seconds"] == "60"
    assert attrs["routing.http2.enabled"] == "true"
    assert attrs["load_balancing.cross_zone.enabled"] == "true"
    assert attrs["routing.http.desync_mitigation_mode"] == "defensive"

    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "120"}]
    )
    attrs = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}
    assert attrs["idle_timeout.timeout_seconds"] == "120"
    assert attrs["deletion_protection.enabled"] == "false"
