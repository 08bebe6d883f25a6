"""Load balancer attributes the emulator checks as AWS does (issue 11, Deliver 1): the boolean attributes the alb
role sets, access logs to S3 (the bucket must exist in the Region and its policy must let Elastic Load Balancing
write) and deletion protection (DeleteLoadBalancer refused while it is on).

References: ELBv2 API reference, LoadBalancerAttribute
(https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html);
ELB User Guide, "Enable access logs for your Application Load Balancer"
(https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
BUCKET = "helloapp-alb-logs"


def log_policy(bucket: str, prefix: str = "", principal: dict | None = None) -> str:
    key = (f"{prefix}/" if prefix else "") + f"AWSLogs/{ACCOUNT}/*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal or {"AWS": "arn:aws:iam::600734575887:root"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/{key}",
                }
            ],
        }
    )


@pytest.fixture(scope="module")
def lb(emulator):
    emulator.reset()
    ec2 = emulator.boto3_client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    elbv2 = emulator.boto3_client("elbv2")
    arn = elbv2.create_load_balancer(Name="lb-attrs", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    s3 = emulator.boto3_client("s3")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    s3.create_bucket(Bucket="no-policy-logs", CreateBucketConfiguration={"LocationConstraint": "ap-northeast-2"})
    other = emulator.boto3_client("s3", region_name="eu-west-1")
    other.create_bucket(Bucket="other-region-logs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    other.put_bucket_policy(Bucket="other-region-logs", Policy=log_policy("other-region-logs"))
    return elbv2, arn, s3


def modify(lb, **attributes):
    elbv2, arn, _s3 = lb
    return elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
    )


def attrs(lb) -> dict[str, str]:
    elbv2, arn, _s3 = lb
    return {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]}


def logs(bucket: str, prefix: str = "", enabled: str = "true") -> dict[str, str]:
    return {"access_logs.s3.enabled": enabled, "access_logs.s3.bucket": bucket, "access_logs.s3.prefix": prefix}


def test_drop_invalid_header_fields_is_a_boolean(lb):
    modify(lb, **{"routing.http.drop_invalid_header_fields.enabled": "true"})
    assert attrs(lb)["routing.http.drop_invalid_header_fields.enabled"] == "true"
    with pytest.raises(ClientError) as err:
        modify(lb, **{"routing.http.drop_invalid_header_fields.enabled": "yes"})
    assert err.value.response["Error"]["Code"] == "ValidationError"


@pytest.mark.parametrize(
    ("attributes", "code", "fragment"),
    [
        (logs("missing-logs-bucket"), "InvalidConfigurationRequest", "does not exist"),
        (logs("no-policy-logs"), "InvalidConfigurationRequest", "Access Denied"),
        (logs("other-region-logs"), "InvalidConfigurationRequest", "Region"),
        (logs(BUCKET, "other"), "InvalidConfigurationRequest", "Access Denied"),  # the policy grants the root only
        (logs(BUCKET, "AWSLogs"), "ValidationError", "AWSLogs"),
        (logs(BUCKET, "/lead"), "ValidationError", "'/'"),
        (logs(""), "ValidationError", "cannot be empty"),
    ],
    ids=[
        "missing-bucket",
        "no-policy",
        "other-region",
        "prefix-not-granted",
        "prefix-awslogs",
        "prefix-slash",
        "empty",
    ],
)
def test_access_logs_need_a_bucket_elb_may_write(lb, attributes, code, fragment):
    lb[2].put_bucket_policy(Bucket=BUCKET, Policy=log_policy(BUCKET))
    with pytest.raises(ClientError) as err:
        modify(lb, **attributes)
    assert err.value.response["Error"]["Code"] == code, err.value.response["Error"]
    assert fragment in err.value.response["Error"]["Message"]
    assert attrs(lb)["access_logs.s3.enabled"] == "false"


@pytest.mark.parametrize(
    ("principal", "prefix"),
    [
        ({"AWS": "arn:aws:iam::600734575887:root"}, ""),  # ap-northeast-2's Elastic Load Balancing account
        ({"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}, "alb"),
    ],
    ids=["elb-account", "service-principal"],
)
def test_access_logs_with_the_documented_policy(lb, principal, prefix):
    lb[2].put_bucket_policy(Bucket=BUCKET, Policy=log_policy(BUCKET, prefix, principal))
    modify(lb, **logs(BUCKET, prefix))
    assert attrs(lb)["access_logs.s3.enabled"] == "true"
    assert attrs(lb)["access_logs.s3.bucket"] == BUCKET
    modify(lb, **logs("", enabled="false"))  # turning them off needs no bucket
    assert attrs(lb)["access_logs.s3.enabled"] == "false"


def test_deletion_protection_refuses_delete_load_balancer(lb):  # last: deletes the load balancer
    elbv2, arn, _s3 = lb
    modify(lb, **{"deletion_protection.enabled": "true"})
    with pytest.raises(ClientError) as err:
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert err.value.response["Error"]["Code"] == "OperationNotPermitted"
    assert elbv2.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"]
    modify(lb, **{"deletion_protection.enabled": "false"})
    elbv2.delete_load_balancer(LoadBalancerArn=arn)
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []


def test_rule_description_update_answers_return(emulator):
    """UpdateSecurityGroupRuleDescriptionsIngress answers Return true (EC2 API reference,
    https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UpdateSecurityGroupRuleDescriptionsIngress.html);
    amazon.aws.ec2_security_group reads it when a rule's description changes."""
    ec2 = emulator.boto3_client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="desc-test", Description="x", VpcId=vpc)["GroupId"]
    permission = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[{**permission}])
    described = {**permission, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "production listener"}]}
    answer = ec2.update_security_group_rule_descriptions_ingress(GroupId=group, IpPermissions=[described])
    assert answer["Return"] is True
    (rule,) = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    assert rule["IpRanges"][0]["Description"] == "production listener"
