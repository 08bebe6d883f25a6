"""The emulator refuses what AWS refuses (awsemu/rules/, and moto's own checks where they match AWS).

One table: each row is a boto3 call the stack's inputs can reach, with a value at or just past a limit of
the AWS API reference; ``None`` means AWS accepts it (so the rule is not stricter than AWS), otherwise the
error code and a part of the message AWS answers. The CodeDeploy names and termination wait are in
tests/emulator_codedeploy/test_api.py (they need a whole blue/green stack); ECR tag mutability in
test_ecr_registry.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
ROLE_ARN = "arn:aws:iam::123456789012:role/helloapp-execution"


class Context:
    """What the calls need: the default VPC and subnets, a target group, a load balancer (made on demand)."""

    def __init__(self, aws: Any):
        self.aws = aws
        self.clients: dict[str, Any] = {}
        ec2 = self.client("ec2")
        self.vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        self.subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]

    def client(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = self.aws.boto3_client(service)
        return self.clients[service]

    def target_group(self, **extra: Any) -> str:
        kwargs = {"Name": "tg-rules", "Protocol": "HTTP", "Port": 8000, "VpcId": self.vpc, "TargetType": "ip"}
        return self.client("elbv2").create_target_group(**{**kwargs, **extra})["TargetGroups"][0]["TargetGroupArn"]

    def load_balancer(self) -> str:
        sg = self.client("ec2").create_security_group(GroupName="lb-rules", Description="rules", VpcId=self.vpc)
        return self.client("elbv2").create_load_balancer(
            Name="lb-rules", Subnets=self.subnets, SecurityGroups=[sg["GroupId"]]
        )["LoadBalancers"][0]["LoadBalancerArn"]

    def security_group(self) -> str:
        group = self.client("ec2").create_security_group(GroupName="rules", Description="rules", VpcId=self.vpc)
        return group["GroupId"]


def tg(ctx: Context, **extra: Any) -> dict[str, Any]:
    return {"Name": "tg-rules", "Protocol": "HTTP", "Port": 8000, "VpcId": ctx.vpc, "TargetType": "ip", **extra}


def task(family: str = "helloapp", cpu: str = "256", memory: str = "512", **container: Any) -> dict[str, Any]:
    definition = {"name": "helloapp", "image": "127.0.0.1:4566/helloapp:v1", "essential": True, **container}
    return {
        "family": family,
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": cpu,
        "memory": memory,
        "executionRoleArn": ROLE_ARN,
        "containerDefinitions": [definition],
    }


def ingress(ctx: Context, cidr: str = "0.0.0.0/0", low: int = 80, high: int = 80) -> dict[str, Any]:
    return {
        "GroupId": ctx.security_group(),
        "IpPermissions": [{"IpProtocol": "tcp", "FromPort": low, "ToPort": high, "IpRanges": [{"CidrIp": cidr}]}],
    }


HEALTH = {"command": ["CMD-SHELL", "true"], "interval": 10, "timeout": 5, "retries": 3, "startPeriod": 10}
AWSLOGS = {
    "logDriver": "awslogs",
    "options": {"awslogs-group": "/ecs/helloapp", "awslogs-region": "ap-northeast-2", "awslogs-stream-prefix": "ecs"},
}

# (id, service, method, kwargs(ctx), None if AWS accepts it, else (error code, part of the message))
CASES = [
    # --- ELBv2 load balancer names (CreateLoadBalancer Name)
    ("lb-name-32", "elbv2", "create_load_balancer", lambda c: {"Name": "a" * 32, "Subnets": c.subnets}, None),
    (
        "lb-name-33",
        "elbv2",
        "create_load_balancer",
        lambda c: {"Name": "a" * 33, "Subnets": c.subnets},
        ("ValidationError", "cannot be longer than '32' characters"),
    ),
    (
        "lb-name-underscore",
        "elbv2",
        "create_load_balancer",
        lambda c: {"Name": "hello_alb", "Subnets": c.subnets},
        ("ValidationError", "alphanumeric characters or hyphens"),
    ),
    (
        "lb-name-hyphen-end",
        "elbv2",
        "create_load_balancer",
        lambda c: {"Name": "hello-", "Subnets": c.subnets},
        ("ValidationError", "cannot begin or end with '-'"),
    ),
    (
        "lb-name-internal",
        "elbv2",
        "create_load_balancer",
        lambda c: {"Name": "internal-app", "Subnets": c.subnets},
        ("ValidationError", "cannot begin with 'internal-'"),
    ),
    # --- ELBv2 target groups (moto checks the name; the model the ranges; awsemu.rules.elbv2 the rest)
    (
        "tg-name-33",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Name="t" * 33),
        ("ValidationError", "cannot be longer than '32' characters"),
    ),
    (
        "tg-name-dot",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Name="tg.1"),
        ("ValidationError", "alphanumeric characters or hyphens"),
    ),
    (
        "tg-port-65536",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Port=65536),
        (
            "ValidationError",
            "Value '65536' at 'port' failed to satisfy constraint: Member must have value less than or equal to 65535",
        ),
    ),
    ("tg-interval-300", "elbv2", "create_target_group", lambda c: tg(c, HealthCheckIntervalSeconds=300), None),
    (
        "tg-interval-301",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthCheckIntervalSeconds=301),
        (
            "ValidationError",
            "at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value "
            "less than or equal to 300",
        ),
    ),
    (
        "tg-timeout-121",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthCheckIntervalSeconds=300, HealthCheckTimeoutSeconds=121),
        ("ValidationError", "at 'healthCheckTimeoutSeconds'"),
    ),
    (
        "tg-timeout-equals-interval",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthCheckIntervalSeconds=10, HealthCheckTimeoutSeconds=10),
        ("ValidationError", "Health check timeout '10' must be smaller than the interval '10'"),
    ),
    (
        "tg-healthy-11",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthyThresholdCount=11),
        ("ValidationError", "at 'healthyThresholdCount'"),
    ),
    (
        "tg-unhealthy-11",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, UnhealthyThresholdCount=11),
        ("ValidationError", "at 'unhealthyThresholdCount'"),
    ),
    (
        "tg-path-relative",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthCheckPath="healthz"),
        ("ValidationError", "Health check path 'healthz' must begin with a '/' character"),
    ),
    (
        "tg-path-1025",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, HealthCheckPath="/" + "a" * 1024),
        (
            "ValidationError",
            "at 'healthCheckPath' failed to satisfy constraint: Member must have length less than or equal to 1024",
        ),
    ),
    (
        "tg-matcher-list-range",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Matcher={"HttpCode": "200,202,300-399"}),
        None,
    ),
    (
        "tg-matcher-600",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Matcher={"HttpCode": "600"}),
        ("ValidationError", "from 200 to 499"),
    ),
    (
        "tg-matcher-backwards",
        "elbv2",
        "create_target_group",
        lambda c: tg(c, Matcher={"HttpCode": "299-200"}),
        ("ValidationError", "from 200 to 499"),
    ),
    (
        "tg-modify-timeout-past-interval",
        "elbv2",
        "modify_target_group",
        lambda c: {"TargetGroupArn": c.target_group(), "HealthCheckTimeoutSeconds": 30},
        ("ValidationError", "Health check timeout '30' must be smaller than the interval '30'"),
    ),
    (
        "tg-modify-path",
        "elbv2",
        "modify_target_group",
        lambda c: {"TargetGroupArn": c.target_group(), "HealthCheckPath": "health"},
        ("ValidationError", "must begin with a '/'"),
    ),
    (
        "tg-deregistration-0",
        "elbv2",
        "modify_target_group_attributes",
        lambda c: {
            "TargetGroupArn": c.target_group(),
            "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}],
        },
        None,
    ),
    (
        "tg-deregistration-3601",
        "elbv2",
        "modify_target_group_attributes",
        lambda c: {
            "TargetGroupArn": c.target_group(),
            "Attributes": [{"Key": "deregistration_delay.timeout_seconds", "Value": "3601"}],
        },
        ("ValidationError", "'deregistration_delay.timeout_seconds' value '3601' must be between '0-3600' inclusive"),
    ),
    (
        "lb-idle-4000",
        "elbv2",
        "modify_load_balancer_attributes",
        lambda c: {
            "LoadBalancerArn": c.load_balancer(),
            "Attributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "4000"}],
        },
        None,
    ),
    (
        "lb-idle-4001",
        "elbv2",
        "modify_load_balancer_attributes",
        lambda c: {
            "LoadBalancerArn": c.load_balancer(),
            "Attributes": [{"Key": "idle_timeout.timeout_seconds", "Value": "4001"}],
        },
        ("ValidationError", "must be between '1-4000' inclusive"),
    ),
    (
        "lb-deletion-protection-yes",
        "elbv2",
        "modify_load_balancer_attributes",
        lambda c: {
            "LoadBalancerArn": c.load_balancer(),
            "Attributes": [{"Key": "deletion_protection.enabled", "Value": "yes"}],
        },
        ("ValidationError", "must be one of [true, false]"),
    ),
    (
        "listener-port-65536",
        "elbv2",
        "create_listener",
        lambda c: {
            "LoadBalancerArn": c.load_balancer(),
            "Protocol": "HTTP",
            "Port": 65536,
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": c.target_group()}],
        },
        ("ValidationError", "at 'port'"),
    ),
    # --- IAM roles (CreateRole RoleName 1-64 [\w+=,.@-]+, Path)
    ("role-name-64", "iam", "create_role", lambda c: {"RoleName": "r" * 64, "AssumeRolePolicyDocument": TRUST}, None),
    (
        "role-name-65",
        "iam",
        "create_role",
        lambda c: {"RoleName": "r" * 65, "AssumeRolePolicyDocument": TRUST},
        ("ValidationError", "Member must have length less than or equal to 64"),
    ),
    (
        "role-name-space",
        "iam",
        "create_role",
        lambda c: {"RoleName": "my role", "AssumeRolePolicyDocument": TRUST},
        (
            "ValidationError",
            "Value 'my role' at 'roleName' failed to satisfy constraint: Member must satisfy regular "
            "expression pattern: [\\w+=,.@-]+",
        ),
    ),
    (
        "role-path",
        "iam",
        "create_role",
        lambda c: {"RoleName": "app", "Path": "/helloapp/", "AssumeRolePolicyDocument": TRUST},
        None,
    ),
    (
        "role-path-no-slash",
        "iam",
        "create_role",
        lambda c: {"RoleName": "app", "Path": "helloapp", "AssumeRolePolicyDocument": TRUST},
        ("ValidationError", "at 'path' failed to satisfy constraint"),
    ),
    (
        "role-session-43201",
        "iam",
        "create_role",
        lambda c: {"RoleName": "app", "MaxSessionDuration": 43201, "AssumeRolePolicyDocument": TRUST},
        ("ValidationError", "at 'maxSessionDuration'"),
    ),
    (
        "policy-name-space",
        "iam",
        "put_role_policy",
        lambda c: {"RoleName": "app", "PolicyName": "pull images", "PolicyDocument": TRUST},
        ("ValidationError", "at 'policyName'"),
    ),
    # --- CloudWatch Logs (CreateLogGroup name 1-512 [\.\-_/#A-Za-z0-9]+; PutRetentionPolicy days)
    ("log-group-ok", "logs", "create_log_group", lambda c: {"logGroupName": "/ecs/hello_app-1.#"}, None),
    (
        "log-group-513",
        "logs",
        "create_log_group",
        lambda c: {"logGroupName": "/" + "a" * 512},
        ("InvalidParameterException", "Member must have length less than or equal to 512"),
    ),
    (
        "log-group-space",
        "logs",
        "create_log_group",
        lambda c: {"logGroupName": "/ecs/hello app"},
        (
            "InvalidParameterException",
            "at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
    ),
    ("retention-14", "logs", "put_retention_policy", lambda c: {"logGroupName": "/ecs/x", "retentionInDays": 14}, None),
    (
        "retention-2",
        "logs",
        "put_retention_policy",
        lambda c: {"logGroupName": "/ecs/x", "retentionInDays": 2},
        (
            "InvalidParameterException",
            "Value '2' at 'retentionInDays' failed to satisfy constraint: Member must satisfy "
            "enum value set: [1, 3, 5, 7, 14, 30, 60",
        ),
    ),
    # --- ECS names (up to 255 letters, numbers, underscores, hyphens)
    ("cluster-255", "ecs", "create_cluster", lambda c: {"clusterName": "c" * 255}, None),
    (
        "cluster-256",
        "ecs",
        "create_cluster",
        lambda c: {"clusterName": "c" * 256},
        ("InvalidParameterException", "up to 255 letters"),
    ),
    (
        "cluster-dot",
        "ecs",
        "create_cluster",
        lambda c: {"clusterName": "hello.app"},
        ("InvalidParameterException", "Cluster name 'hello.app' is not valid"),
    ),
    (
        "service-space",
        "ecs",
        "create_service",
        lambda c: {"cluster": "x", "serviceName": "hello app"},
        ("InvalidParameterException", "Service name 'hello app' is not valid"),
    ),
    (
        "family-slash",
        "ecs",
        "register_task_definition",
        lambda c: task(family="hello/app"),
        ("InvalidParameterException", "Family 'hello/app' is not valid"),
    ),
    (
        "container-space",
        "ecs",
        "register_task_definition",
        lambda c: task(name="hello app"),
        ("InvalidParameterException", "Container name 'hello app' is not valid"),
    ),
    # --- Fargate task sizes and requirements (RegisterTaskDefinition)
    ("fargate-256-512", "ecs", "register_task_definition", lambda c: task(cpu="256", memory="512"), None),
    ("fargate-units", "ecs", "register_task_definition", lambda c: task(cpu="1 vCPU", memory="2 GB"), None),
    ("fargate-4096-30720", "ecs", "register_task_definition", lambda c: task(cpu="4096", memory="30720"), None),
    (
        "fargate-256-4096",
        "ecs",
        "register_task_definition",
        lambda c: task(cpu="256", memory="4096"),
        ("ClientException", "No Fargate configuration exists for given values: 256 CPU, 4096 memory."),
    ),
    (
        "fargate-1024-1024",
        "ecs",
        "register_task_definition",
        lambda c: task(cpu="1024", memory="1024"),
        ("ClientException", "No Fargate configuration exists"),
    ),
    (
        "fargate-8192-20000",
        "ecs",
        "register_task_definition",
        lambda c: task(cpu="8192", memory="20000"),
        ("ClientException", "No Fargate configuration exists"),
    ),
    (
        "fargate-bridge",
        "ecs",
        "register_task_definition",
        lambda c: {**task(), "networkMode": "bridge"},
        ("ClientException", "Fargate only supports network mode 'awsvpc'"),
    ),
    (
        "fargate-awslogs-no-role",
        "ecs",
        "register_task_definition",
        lambda c: {k: v for k, v in task(logConfiguration=AWSLOGS).items() if k != "executionRoleArn"},
        ("ClientException", "execution role ARN to support log driver awslogs"),
    ),
    (
        "awsvpc-host-port",
        "ecs",
        "register_task_definition",
        lambda c: task(portMappings=[{"containerPort": 8000, "hostPort": 80}]),
        ("ClientException", "host ports and container ports in port mappings must match"),
    ),
    (
        "container-port-70000",
        "ecs",
        "register_task_definition",
        lambda c: task(portMappings=[{"containerPort": 70000}]),
        ("ClientException", "ports range from 0 to 65535"),
    ),
    ("health-check-ok", "ecs", "register_task_definition", lambda c: task(healthCheck=HEALTH), None),
    (
        "health-interval-301",
        "ecs",
        "register_task_definition",
        lambda c: task(healthCheck={**HEALTH, "interval": 301}),
        ("ClientException", "healthCheck interval 301"),
    ),
    (
        "health-retries-11",
        "ecs",
        "register_task_definition",
        lambda c: task(healthCheck={**HEALTH, "retries": 11}),
        ("ClientException", "healthCheck retries 11"),
    ),
    (
        "health-start-301",
        "ecs",
        "register_task_definition",
        lambda c: task(healthCheck={**HEALTH, "startPeriod": 301}),
        ("ClientException", "healthCheck startPeriod"),
    ),
    # --- EC2 security groups
    (
        "sg-ok",
        "ec2",
        "create_security_group",
        lambda c: {"GroupName": "helloapp-alb (prod)", "Description": "HTTP 80, 8080: [test]", "VpcId": c.vpc},
        None,
    ),
    (
        "sg-prefix",
        "ec2",
        "create_security_group",
        lambda c: {"GroupName": "sg-helloapp", "Description": "x", "VpcId": c.vpc},
        ("InvalidParameterValue", "Group names may not be in the format sg-*"),
    ),
    (
        "sg-name-256",
        "ec2",
        "create_security_group",
        lambda c: {"GroupName": "g" * 256, "Description": "x", "VpcId": c.vpc},
        ("InvalidParameterValue", "Length exceeds maximum of 255"),
    ),
    (
        "sg-description-accent",
        "ec2",
        "create_security_group",
        lambda c: {"GroupName": "helloapp", "Description": "façade", "VpcId": c.vpc},
        ("InvalidParameterValue", "for GroupDescription"),
    ),
    (
        "ingress-cidr-33",
        "ec2",
        "authorize_security_group_ingress",
        lambda c: ingress(c, "10.0.0.0/33"),
        ("InvalidParameterValue", "CIDR block 10.0.0.0/33 is malformed"),
    ),
    (
        "ingress-cidr-no-mask",
        "ec2",
        "authorize_security_group_ingress",
        lambda c: ingress(c, "10.0.0.1"),
        ("InvalidParameterValue", "CIDR block 10.0.0.1 is malformed"),
    ),
    (
        "ingress-port-70000",
        "ec2",
        "authorize_security_group_ingress",
        lambda c: ingress(c, low=80, high=70000),
        ("InvalidParameterValue", "Invalid TCP/UDP port range"),
    ),
    ("ingress-ok", "ec2", "authorize_security_group_ingress", lambda c: ingress(c, "203.0.113.0/24", 8080, 8080), None),
    # --- S3 bucket names
    (
        "bucket-ok",
        "s3",
        "create_bucket",
        lambda c: {
            "Bucket": "helloapp-artifacts-123456789012-ap-northeast-2",
            "CreateBucketConfiguration": {"LocationConstraint": "ap-northeast-2"},
        },
        None,
    ),
    *[
        (
            f"bucket-{name}",
            "s3",
            "create_bucket",
            lambda c, name=name: {
                "Bucket": name,
                "CreateBucketConfiguration": {"LocationConstraint": "ap-northeast-2"},
            },
            ("InvalidBucketName", "The specified bucket is not valid."),
        )
        for name in (
            "Helloapp-artifacts",
            "hello_app",
            "ab",
            "a" * 64,
            "hello..app",
            "192.168.5.4",
            "-hello",
            "xn--hello",
            "hello-s3alias",
            "hello--ol-s3",
        )
    ],
    # --- ECR repository names (moto: CreateRepository's pattern and length)
    ("ecr-name-ok", "ecr", "create_repository", lambda c: {"repositoryName": "fargatedemo/hello_app-1.x"}, None),
    (
        "ecr-name-upper",
        "ecr",
        "create_repository",
        lambda c: {"repositoryName": "FargateDemo/helloapp"},
        ("InvalidParameterException", "repositoryName"),
    ),
    (
        "ecr-name-double-slash",
        "ecr",
        "create_repository",
        lambda c: {"repositoryName": "fargatedemo//helloapp"},
        ("InvalidParameterException", "repositoryName"),
    ),
    # --- CodeCommit (moto), CodeBuild (awsemu.services.codebuild), CodePipeline and EventBridge (the model)
    (
        "codecommit-name-bang",
        "codecommit",
        "create_repository",
        lambda c: {"repositoryName": "hello!"},
        ("InvalidRepositoryNameException", "repository name is not valid"),
    ),
    (
        "codepipeline-name-space",
        "codepipeline",
        "create_pipeline",
        lambda c: {
            "pipeline": {
                "name": "hello pipeline",
                "roleArn": ROLE_ARN,
                "artifactStore": {"type": "S3", "location": "bucket"},
                "stages": [],
            }
        },
        (
            "ValidationException",
            "at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern",
        ),
    ),
    (
        "codepipeline-name-101",
        "codepipeline",
        "create_pipeline",
        lambda c: {
            "pipeline": {
                "name": "p" * 101,
                "roleArn": ROLE_ARN,
                "artifactStore": {"type": "S3", "location": "bucket"},
                "stages": [],
            }
        },
        ("ValidationException", "Member must have length less than or equal to 100"),
    ),
    (
        "events-rule-space",
        "events",
        "put_rule",
        lambda c: {"Name": "hello rule", "ScheduleExpression": "rate(1 day)"},
        ("ValidationException", "Value 'hello rule' at 'name' failed to satisfy constraint"),
    ),
    (
        "events-rule-65",
        "events",
        "put_rule",
        lambda c: {"Name": "r" * 65, "ScheduleExpression": "rate(1 day)"},
        ("ValidationException", "Member must have length less than or equal to 64"),
    ),
]


@pytest.mark.parametrize(("service", "method", "kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_request_rules(aws, service, method, kwargs, expected):
    ctx = Context(aws)
    if method == "put_retention_policy":
        ctx.client("logs").create_log_group(logGroupName="/ecs/x")
    if method == "put_role_policy":
        ctx.client("iam").create_role(RoleName="app", AssumeRolePolicyDocument=TRUST)
    call = getattr(ctx.client(service), method)
    if expected is None:
        call(**kwargs(ctx))
        return
    code, fragment = expected
    with pytest.raises(ClientError) as err:
        call(**kwargs(ctx))
    assert err.value.response["Error"]["Code"] == code, err.value.response["Error"]
    assert fragment in err.value.response["Error"]["Message"]


def test_several_violations_are_listed_in_one_message(aws):
    """AWS reports every constraint a request breaks, counted, in one message."""
    elbv2 = aws.boto3_client("elbv2")
    vpc = aws.boto3_client("ec2").describe_vpcs()["Vpcs"][0]["VpcId"]
    with pytest.raises(ClientError) as err:
        elbv2.create_target_group(
            Name="tg", Protocol="HTTP", Port=8000, VpcId=vpc, HealthyThresholdCount=11, UnhealthyThresholdCount=12
        )
    message = err.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected: Value '11' at 'healthyThresholdCount'")
    assert "; Value '12' at 'unhealthyThresholdCount'" in message


def test_a_refused_request_creates_nothing(aws):
    elbv2 = aws.boto3_client("elbv2")
    subnets = [s["SubnetId"] for s in aws.boto3_client("ec2").describe_subnets()["Subnets"]][:2]
    with pytest.raises(ClientError):
        elbv2.create_load_balancer(Name="hello_alb", Subnets=subnets)
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
