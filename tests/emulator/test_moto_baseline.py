"""What the stack relies on from moto: pinned here so a moto upgrade that changes it fails a test rather
than a playbook. Plain moto except where a test names the awsemu module that fixes it; through boto3."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

REGION = "ap-northeast-2"


def test_sts_caller_identity(aws):
    identity = aws.boto3_client("sts").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"].startswith("arn:aws:")


@pytest.mark.parametrize(
    ("arn", "action"),
    [
        ("arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS", "ecs:CreateTaskSet"),
        ("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", "ecr:GetAuthorizationToken"),
    ],
)
def test_aws_managed_policies_exist_and_attach(aws, arn, action):
    iam = aws.boto3_client("iam")
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert any(action in statement["Action"] for statement in document["Statement"])
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
        ],
    }
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(trust))
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]] == [arn]


def test_default_vpc_has_public_subnets_in_several_azs(aws):
    ec2 = aws.boto3_client("ec2")
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    subnets = ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "default-for-az", "Values": ["true"]}]
    )["Subnets"]
    assert len({s["AvailabilityZone"] for s in subnets}) >= 2
    assert all(s["AvailabilityZone"].startswith(REGION) and s["MapPublicIpOnLaunch"] for s in subnets)


def test_default_vpc_routes_to_an_internet_gateway(aws):
    # awsemu/services/ec2.py: AWS's default VPC has an attached gateway and a default route to it; moto's has not.
    ec2 = aws.boto3_client("ec2")
    (vpc,) = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    by_vpc = [{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}]
    (igw,) = ec2.describe_internet_gateways(Filters=by_vpc)["InternetGateways"]
    (main,) = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    routes = {r["DestinationCidrBlock"]: r["GatewayId"] for r in main["Routes"]}
    assert routes == {vpc["CidrBlock"]: "local", "0.0.0.0/0": igw["InternetGatewayId"]}


def test_alb_target_groups_listeners_and_modify_listener(aws):
    ec2, elb = aws.boto3_client("ec2"), aws.boto3_client("elbv2")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    group = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    lb = elb.create_load_balancer(Name="helloapp-alb", Subnets=subnets, SecurityGroups=[group], Type="application")
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[lb_arn], WaiterConfig={"Delay": 1})
    tgs = [
        elb.create_target_group(
            Name=f"helloapp-tg{i}",
            Protocol="HTTP",
            Port=8000,
            VpcId=vpc,
            TargetType="ip",
            HealthCheckPath="/healthz",
            HealthCheckIntervalSeconds=5,
            HealthyThresholdCount=2,
        )["TargetGroups"][0]["TargetGroupArn"]
        for i in (1, 2)
    ]
    listener = elb.create_listener(
        LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[0]}]
    )["Listeners"][0]
    elb.modify_listener(
        ListenerArn=listener["ListenerArn"], DefaultActions=[{"Type": "forward", "TargetGroupArn": tgs[1]}]
    )
    (got,) = elb.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]
    assert got["DefaultActions"][0]["TargetGroupArn"] == tgs[1]
    elb.modify_target_group_attributes(
        TargetGroupArn=tgs[0], Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}]
    )
    attributes = elb.describe_target_group_attributes(TargetGroupArn=tgs[0])["Attributes"]
    assert {"Key": "deregistration_delay.timeout_seconds", "Value": "30"} in attributes
    (tg,) = elb.describe_target_groups(Names=["helloapp-tg1"])["TargetGroups"]
    assert (tg["TargetType"], tg["HealthCheckPath"], tg["Port"]) == ("ip", "/healthz", 8000)


def test_log_group_retention(aws):
    logs = aws.boto3_client("logs")
    logs.create_log_group(logGroupName="/ecs/helloapp")
    logs.put_retention_policy(logGroupName="/ecs/helloapp", retentionInDays=14)
    (group,) = logs.describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]
    assert group["retentionInDays"] == 14
    with pytest.raises(botocore.exceptions.ClientError) as err:
        logs.create_log_group(logGroupName="/ecs/helloapp")
    assert err.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"


def test_artifact_bucket_settings(aws):
    s3 = aws.boto3_client("s3")
    bucket = "helloapp-artifacts-123456789012-ap-northeast-2"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    block = dict.fromkeys(("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=block)
    rule = {
        "ID": "old-artifacts",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    }
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == block
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"] == "old-artifacts"
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == REGION
    # The TLS-only policy (codepipeline role): a Deny is not public, so S3 takes it with BlockPublicPolicy on, and
    # GetBucketPolicy answers the document as it was put (the role compares it before it writes).
    arn = f"arn:aws:s3:::{bucket}"
    tls_only = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(tls_only))
    assert json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"]) == tls_only


def test_eventbridge_rule_and_target(aws):
    events = aws.boto3_client("events")
    pattern = {"source": ["aws.codecommit"], "detail-type": ["CodeCommit Repository State Change"]}
    events.put_rule(Name="helloapp-source", EventPattern=json.dumps(pattern), State="ENABLED")
    target = {
        "Id": "pipeline",
        "Arn": f"arn:aws:codepipeline:{REGION}:123456789012:helloapp-pipeline",
        "RoleArn": "arn:aws:iam::123456789012:role/helloapp-events",
    }
    assert events.put_targets(Rule="helloapp-source", Targets=[target])["FailedEntryCount"] == 0
    assert events.list_targets_by_rule(Rule="helloapp-source")["Targets"] == [target]
    assert json.loads(events.describe_rule(Name="helloapp-source")["EventPattern"]) == pattern
