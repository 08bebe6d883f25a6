# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS limits the stack's inputs must meet, written once, and what each input of each role obeys.

Three layers, all pure Python (no AWS call, unit tested in ``tests/filters/``):

* ``RULES``: one entry per kind of value AWS constrains (a load balancer name, an IAM role name, a port,
  a Fargate size...), each with the sentence shown to the user and the AWS page that states the limit.
  They are the limits the project's strict emulator enforces (``awsemu/rules/``), so an input the
  pre-flight accepts is one AWS accepts too.
* ``CONTRACTS``: for every role's ``validate`` entry point and for the stack inventory, which variable
  obeys which rule, and the rules that tie several variables together (two distinct listener ports,
  a health check timeout below its interval, a wait that covers the release's own waits).
* ``problems(values, contract)``: every broken rule, each message naming the variable the user set and
  the values allowed. The ``fargatedemo.ecs_delivery.input_problems`` filter calls it.

The release timings (``release_wait_seconds``) live here too: the minimum a wait must last to reach a
CodeDeploy checkpoint follows from the same table of deployment configurations.
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import task_hardening

# ----------------------------------------------------------------------------------------------------------
# Value helpers: Ansible hands over what the inventory or -e gave, so numbers may arrive as strings.

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def as_int(value: Any) -> int | None:
    """``value`` as a whole number, or None when it is not one (booleans are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def shown(value: Any) -> str:
    """A value as the message quotes it: strings in quotes, lists and dicts as JSON."""
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict | list | tuple):
        try:
            return json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            return str(value)
    return str(value)


# ----------------------------------------------------------------------------------------------------------
# Rules: each decides whether a value is allowed; ``allowed`` is the sentence that says what is.


@dataclass(frozen=True)
class Rule:
    allowed: str
    test: Callable[[Any], bool]
    reference: str = ""
    # How a message shows the value (default: as given); the secrets' rule never shows a value that is not an ARN.
    show: Callable[[Any], str] | None = None

    def ok(self, value: Any) -> bool:
        try:
            return bool(self.test(value))
        except (TypeError, ValueError, AttributeError):
            return False


def _pattern(regex: str, flags: int = 0) -> Callable[[Any], bool]:
    compiled = re.compile(regex, flags)
    return lambda value: isinstance(value, str) and compiled.fullmatch(value) is not None


def _int_range(low: int | None, high: int | None) -> Callable[[Any], bool]:
    def test(value: Any) -> bool:
        number = as_int(value)
        return number is not None and (low is None or number >= low) and (high is None or number <= high)

    return test


def _one_of(*choices: Any) -> Callable[[Any], bool]:
    return lambda value: value in choices


def _elb_name(value: Any, load_balancer: bool) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9-]{1,32}", value):
        return False
    if value.startswith("-") or value.endswith("-"):
        return False
    return not (load_balancer and value.lower().startswith("internal-"))


# S3 User Guide, "General purpose bucket naming rules".
_BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def _bucket_name(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        return False
    if ".." in value or value.startswith(_BUCKET_PREFIXES) or value.endswith(_BUCKET_SUFFIXES):
        return False
    try:
        ipaddress.IPv4Address(value)
        return False
    except ValueError:
        return True


def _cidr_ipv4(value: Any) -> bool:
    if not isinstance(value, str) or "/" not in value:
        return False
    address, prefix = value.split("/", 1)
    if not re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", address) or not re.fullmatch(r"\d{1,2}", prefix):
        return False
    try:
        return ipaddress.ip_network(value, strict=False).version == 4
    except ValueError:
        return False


def _http_codes(value: Any) -> bool:
    text = str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""
    if not text:
        return False
    if "-" in text:
        low, high = text.split("-", 1)
        return low.isdigit() and high.isdigit() and 200 <= int(low) < int(high) <= 499
    return all(part.isdigit() and 200 <= int(part) <= 499 for part in text.split(","))


def _tag_text(text: str) -> bool:
    # Letters, numbers and spaces in any script, and _ . : / = + - @ (the tagging rules of IAM, ECS, ECR,
    # ELB, CodeDeploy, CodeBuild, CodePipeline, S3...: "Tag naming limits and requirements").
    return all(c.isalnum() or c == " " or c in "_.:/=+-@" for c in text)


def tag_key_ok(key: Any) -> bool:
    return isinstance(key, str) and 1 <= len(key) <= 128 and _tag_text(key) and not key.lower().startswith("aws:")


def tag_value_ok(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 256 and _tag_text(value)


def _tags(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= MAX_TAGS
        and all(tag_key_ok(k) and tag_value_ok(v) for k, v in value.items())
    )


def _string_list(rule: Rule, minimum: int = 0) -> Callable[[Any], bool]:
    return lambda value: (
        isinstance(value, list)
        and len(value) >= minimum
        and len(set(map(str, value))) == len(value)
        and all(rule.ok(item) for item in value)
    )


def _build_args(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k) and isinstance(v, str | int | float)
        for k, v in value.items()
    )


def _container_environment(value: Any) -> bool:
    # RegisterTaskDefinition KeyValuePair: the stack writes every value as a string; names as a shell can export them.
    return isinstance(value, dict) and all(
        isinstance(k, str)
        and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", k)
        and isinstance(v, str | int | float | bool)
        and not isinstance(v, dict | list)
        for k, v in value.items()
    )


def _container_command(value: Any) -> bool:
    return isinstance(value, list) and len(value) > 0 and all(isinstance(i, str) and i != "" for i in value)


# Fargate's Linux platforms (RuntimePlatform cpuArchitecture), as Docker names them for a build.
PLATFORMS = {"linux/amd64": "X86_64", "linux/arm64": "ARM64"}

# An image reference: [registry/]repository[:tag][@sha256:digest] (the distribution reference grammar, simplified to
# what ECS accepts). The registry is the first part when it has a dot or a colon, or is localhost.
_IMAGE_REF = re.compile(
    r"(?:(?P<registry>[A-Za-z0-9.-]+(?::\d{1,5})?)/)?"
    r"(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)
# An ECR private registry host: <account>.dkr.ecr.<region>.amazonaws.com (.com.cn in China).
_ECR_HOST = re.compile(r"(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?")


def image_reference(uri: Any, stack_registry: str = "") -> dict[str, Any] | None:
    """The parts of an image URI, and whether it is in an ECR registry; None when it is not an image reference.

    ``stack_registry`` is the registry the stack pushes to (``stack_image_registry``): an image there is in the
    account's ECR too, whatever its host looks like (the emulator's registry is 127.0.0.1:<port>).
    ``pinned`` is the reference by digest (``registry/repository@sha256:...``) when the URI carries a digest.
    """
    if not isinstance(uri, str) or len(uri) > 255:
        return None
    match = _IMAGE_REF.fullmatch(uri)
    if match is None:
        return None
    registry, repository = match["registry"] or "", match["repository"]
    if registry and not ("." in registry or ":" in registry or registry == "localhost"):
        # "team/app": a Docker Hub namespace, not a registry host.
        if registry != registry.lower():
            return None
        registry, repository = "", f"{registry}/{repository}"
    ecr = _ECR_HOST.fullmatch(registry) if registry else None
    prefix = f"{registry}/" if registry else ""
    return {
        "uri": uri,
        "registry": registry or "docker.io",
        "repository": repository,
        "tag": match["tag"] or "",
        "digest": match["digest"] or "",
        "ecr": bool(ecr) or (bool(stack_registry) and registry == stack_registry),
        # The registry's account and region (empty for the stack's own registry: the stack's account and region).
        "registry_id": ecr["account"] if ecr else "",
        "region": ecr["region"] if ecr else "",
        "pinned": f"{prefix}{repository}@{match['digest']}" if match["digest"] else "",
    }


# Every AWS resource the stack tags takes at most 50 tags ("Tag naming limits and requirements" of IAM, ECS,
# ECR, Elastic Load Balancing, CodeDeploy, CodeBuild, CodePipeline, S3, CloudWatch Logs, EventBridge).
MAX_TAGS = 50

# CloudWatch Logs PutRetentionPolicy retentionInDays, "Valid Values".
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922)
LOG_RETENTION_DAYS += (3288, 3653)

# Amazon ECS Developer Guide, "Task CPU and memory" (Fargate, Linux): cpu units -> the memory MiB allowed.
FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# CodeDeploy's predefined ECS deployment configurations ("Deployment configurations on an Amazon ECS compute
# platform"): the minutes from the first traffic shift to 100 % on the replacement (linear: every step after
# the first; canary: the one interval).
ECS_DEPLOYMENT_CONFIGS: dict[str, int] = {
    "CodeDeployDefault.ECSAllAtOnce": 0,
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": 9,
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": 27,
    "CodeDeployDefault.ECSCanary10Percent5Minutes": 5,
    "CodeDeployDefault.ECSCanary10Percent15Minutes": 15,
}
PREDEFINED_PREFIX = "CodeDeployDefault."


def _ecs_deployment_config(value: Any) -> bool:
    if not RULES["codedeploy_name"].ok(value):
        return False
    return not value.startswith(PREDEFINED_PREFIX) or value in ECS_DEPLOYMENT_CONFIGS


_ECS_NAME = "1-255 letters, digits, hyphens and underscores"
_ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/"
_ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/"

RULES: dict[str, Rule] = {
    # --- where
    "region": Rule("an AWS region name such as ap-northeast-2", _pattern(r"[a-z]{2}(-[a-z]+)+-\d+")),
    "endpoint_url": Rule(
        "empty (AWS itself) or an http(s) URL such as http://127.0.0.1:4566", _pattern(r"https?://[^\s/]+(/\S*)?")
    ),
    "account_id": Rule("an AWS account id, 12 digits", _pattern(r"\d{12}")),
    "vpc_id": Rule("a VPC id, vpc- and 8 or 17 hex digits", _pattern(r"vpc-[0-9a-f]{8}([0-9a-f]{9})?")),
    "subnet_id": Rule("a subnet id, subnet- and 8 or 17 hex digits", _pattern(r"subnet-[0-9a-f]{8}([0-9a-f]{9})?")),
    "security_group_id": Rule(
        "a security group id, sg- and 8 or 17 hex digits", _pattern(r"sg-[0-9a-f]{8}([0-9a-f]{9})?")
    ),
    "cidr_ipv4": Rule("an IPv4 CIDR block such as 203.0.113.0/24", _cidr_ipv4),
    # --- names (each service's API reference, the request parameter's "Length Constraints" and "Pattern")
    "app_name": Rule(
        "1-64 letters, digits and hyphens, starting with a letter or digit (it names the stack's resources)",
        _pattern(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}"),
    ),
    "load_balancer_name": Rule(
        "a load balancer name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen and not "
        "starting with internal-",
        lambda v: _elb_name(v, load_balancer=True),
        _ELB + "API_CreateLoadBalancer.html",
    ),
    "target_group_name": Rule(
        "a target group name: 1-32 letters, digits and hyphens, not starting or ending with a hyphen",
        lambda v: _elb_name(v, load_balancer=False),
        _ELB + "API_CreateTargetGroup.html",
    ),
    "security_group_name": Rule(
        "a security group name: 1-255 of a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-",
        lambda v: _pattern(r"[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")(v) and not v.lower().startswith("sg-"),
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html",
    ),
    "iam_role_name": Rule(
        "an IAM role name: 1-64 letters, digits and +=,.@_-",
        _pattern(r"[\w+=,.@-]{1,64}", re.ASCII),
        "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html",
    ),
    "iam_policy_name": Rule(
        "an IAM policy name: 1-128 letters, digits and +=,.@_-", _pattern(r"[\w+=,.@-]{1,128}", re.ASCII)
    ),
    "iam_policy_arn": Rule(
        "a managed policy ARN (arn:aws:iam::aws:policy/... or arn:aws:iam::<account>:policy/...)",
        _pattern(r"arn:aws[\w-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+", re.ASCII),
    ),
    "iam_role_arn": Rule(
        "an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        _pattern(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII),
    ),
    "ecs_name": Rule(_ECS_NAME, _pattern(r"[A-Za-z0-9_-]{1,255}"), _ECS + "API_CreateService.html"),
    "ecr_repository_name": Rule(
        "an ECR repository name: 2-256 lower-case letters and digits, optionally separated by one of . _ -, in "
        "/-separated parts (for example fargatedemo/helloapp)",
        lambda v: (
            isinstance(v, str)
            and 2 <= len(v) <= 256
            and re.fullmatch(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*", v) is not None
        ),
        "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html",
    ),
    "image_tag": Rule(
        "an image tag: 1-128 letters, digits, _ . -, not starting with . or -",
        _pattern(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"),
    ),
    "image": Rule(
        "an image reference (repository URI with :tag or @sha256:digest): up to 255 letters, digits and -_:./#@",
        _pattern(r"[A-Za-z0-9][A-Za-z0-9\-_:./#@]{0,254}"),
        _ECS + "API_ContainerDefinition.html",
    ),
    "registry": Rule("a registry host[:port] without scheme or path", _pattern(r"[A-Za-z0-9.-]+(:\d{1,5})?")),
    "log_group_name": Rule(
        "a log group name: 1-512 letters, digits and . - _ / #",
        _pattern(r"[.\-_/#A-Za-z0-9]{1,512}"),
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html",
    ),
    "log_stream_prefix": Rule("an awslogs stream prefix: 1-255 characters without : or *", _pattern(r"[^:*]{1,255}")),
    "log_retention_days": Rule(
        "one of the retention periods CloudWatch Logs accepts: " + ", ".join(map(str, LOG_RETENTION_DAYS)),
        lambda v: as_int(v) in LOG_RETENTION_DAYS,
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
    ),
    "codedeploy_name": Rule(
        "a CodeDeploy name: 1-100 letters, digits and +=,.@_-",
        _pattern(r"[A-Za-z0-9+=,.@_-]{1,100}"),
        "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateApplication.html",
    ),
    "codedeploy_ecs_config": Rule(
        "an ECS deployment configuration: one of " + ", ".join(ECS_DEPLOYMENT_CONFIGS) + ", or the name of one of "
        "your own (1-100 letters, digits and +=,.@_-)",
        _ecs_deployment_config,
        "https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html",
    ),
    "termination_wait_minutes": Rule(
        "a whole number of minutes from 0 to 2880 (CodeDeploy's terminationWaitTimeInMinutes)",
        _int_range(0, 2880),
        "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BlueInstanceTerminationOption.html",
    ),
    "codebuild_project_name": Rule(
        "a CodeBuild project name: 2-255 letters, digits, hyphens and underscores, starting with a letter or digit",
        _pattern(r"[A-Za-z0-9][A-Za-z0-9_-]{1,254}"),
        "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html",
    ),
    "codebuild_timeout_minutes": Rule(
        "a whole number of minutes from 5 to 2160 (CodeBuild timeoutInMinutes)", _int_range(5, 2160)
    ),
    "codepipeline_name": Rule(
        "a pipeline name: 1-100 letters, digits and .@-_",
        _pattern(r"[A-Za-z0-9.@_-]{1,100}"),
        "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineDeclaration.html",
    ),
    "codecommit_repository_name": Rule(
        "a CodeCommit repository name: 1-100 letters, digits, . _ -, not ending in .git",
        lambda v: _pattern(r"[\w.-]{1,100}", re.ASCII)(v) and not v.lower().endswith(".git"),
        "https://docs.aws.amazon.com/codecommit/latest/APIReference/API_CreateRepository.html",
    ),
    "events_rule_name": Rule(
        "an EventBridge rule name: 1-64 letters, digits and . - _",
        _pattern(r"[.\-_A-Za-z0-9]{1,64}"),
        "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html",
    ),
    "s3_bucket_name": Rule(
        "an S3 bucket name: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter "
        "or digit, no two adjacent dots, not an IP address, no reserved prefix (xn--, sthree-) or suffix (-s3alias)",
        _bucket_name,
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
    ),
    "connection_name": Rule("a connection name: 1-32 characters", lambda v: isinstance(v, str) and 1 <= len(v) <= 32),
    "connection_arn": Rule(
        "a CodeConnections connection ARN (arn:aws:codeconnections:<region>:<account>:connection/<id>)",
        _pattern(r"arn:aws[\w-]*:(codestar-connections|codeconnections):[\w-]+:\d{12}:connection/.+"),
    ),
    "full_repository_id": Rule("a repository as owner/name", _pattern(r"[\w.-]+/[\w.-]+", re.ASCII)),
    # The manual approval action's configuration (CodePipeline API_ActionDeclaration: values 1-1000 characters).
    "sns_topic_arn": Rule(
        "an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic name>)",
        _pattern(r"arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?"),
        "https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html",
    ),
    "approval_text": Rule(
        "text of 1-1000 characters",
        lambda v: isinstance(v, str) and 1 <= len(v) <= 1000,
        "https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_ActionDeclaration.html",
    ),
    "approval_url": Rule("an http(s) URL of at most 1000 characters", _pattern(r"https?://\S{1,990}")),
    "kms_key_arn": Rule(
        "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
        _pattern(r"arn:aws[\w-]*:kms:[a-z0-9-]+:\d{12}:key/.+"),
    ),
    # --- HTTPS and the load balancer's attributes (issue 11, Deliver 1)
    "acm_certificate_arn": Rule(
        "an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<id>, in the stack's region)",
        _pattern(r"arn:aws(-cn|-us-gov|-iso(-[a-z])?)?:acm:[a-z]{2}(-[a-z]+)+-\d:\d{12}:certificate/[0-9a-f-]{36}"),
        "https://docs.aws.amazon.com/acm/latest/userguide/authen-overview.html",
    ),
    "elb_ssl_policy": Rule(
        "an Elastic Load Balancing security policy name such as ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
        _pattern(r"ELBSecurityPolicy-[A-Za-z0-9-]{1,100}"),
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html",
    ),
    "access_log_prefix": Rule(
        "an S3 key prefix without a slash at either end and without AWSLogs (empty: the bucket's root)",
        lambda v: (
            isinstance(v, str)
            and (v == "" or (not v.startswith("/") and not v.endswith("/") and "AWSLogs" not in v and len(v) <= 900))
        ),
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
    ),
    "task_definition_ref": Rule(
        "a task definition as family:revision or its ARN",
        _pattern(r"([A-Za-z0-9_-]{1,255}:\d+|arn:aws[\w-]*:ecs:[a-z0-9-]+:\d{12}:task-definition/[A-Za-z0-9_-]+:\d+)"),
    ),
    # --- numbers
    "port": Rule("a port, a whole number from 1 to 65535", _int_range(1, 65535)),
    "ready_wait_minutes": Rule(
        "0-2880 minutes (the deployment group's deploymentReadyOption waitTimeInMinutes)",
        _int_range(0, 2880),
        "https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentReadyOption.html",
    ),
    "http_status": Rule("an HTTP status code, 100-599", _int_range(100, 599)),
    "attempts": Rule("a whole number of attempts from 1 to 100", _int_range(1, 100)),
    "delay_seconds": Rule("0-300 seconds", _int_range(0, 300)),
    "url": Rule("an http(s) URL", _pattern(r"https?://\S+")),
    "health_check_path": Rule(
        "a path starting with / (up to 1024 characters, no spaces)",
        _pattern(r"/\S{0,1023}"),
        _ELB + "API_CreateTargetGroup.html",
    ),
    "health_check_interval": Rule("5-300 seconds", _int_range(5, 300), _ELB + "API_CreateTargetGroup.html"),
    "health_check_timeout": Rule("2-120 seconds", _int_range(2, 120), _ELB + "API_CreateTargetGroup.html"),
    "health_check_threshold": Rule("2-10 checks", _int_range(2, 10), _ELB + "API_CreateTargetGroup.html"),
    "health_check_matcher": Rule(
        "HTTP codes from 200 to 499: one (200), a list (200,202) or a range (200-299)",
        _http_codes,
        _ELB + "API_Matcher.html",
    ),
    "deregistration_delay": Rule("0-3600 seconds", _int_range(0, 3600), _ELB + "API_TargetGroupAttribute.html"),
    "idle_timeout": Rule("1-4000 seconds", _int_range(1, 4000), _ELB + "API_LoadBalancerAttribute.html"),
    "container_health_interval": Rule("5-300 seconds", _int_range(5, 300), _ECS + "API_HealthCheck.html"),
    "container_health_timeout": Rule("2-120 seconds", _int_range(2, 120), _ECS + "API_HealthCheck.html"),
    "container_health_retries": Rule("1-10 retries", _int_range(1, 10), _ECS + "API_HealthCheck.html"),
    "container_health_start_period": Rule("0-300 seconds", _int_range(0, 300), _ECS + "API_HealthCheck.html"),
    "fargate_cpu": Rule(
        "a Fargate task cpu value: " + ", ".join(map(str, FARGATE_SIZES)),
        lambda v: as_int(v) in FARGATE_SIZES,
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size",
    ),
    "desired_count": Rule("a whole number of tasks, 0 or more", _int_range(0, None)),
    "minimum_healthy_percent": Rule("0-100 percent", _int_range(0, 100), _ECS + "API_DeploymentConfiguration.html"),
    "maximum_percent": Rule("100 percent or more", _int_range(100, None), _ECS + "API_DeploymentConfiguration.html"),
    "grace_period": Rule("0-2147483647 seconds", _int_range(0, 2147483647), _ECS + "API_CreateService.html"),
    "platform_version": Rule("LATEST or a Fargate platform version such as 1.4.0", _pattern(r"LATEST|\d+\.\d+\.\d+")),
    "seconds": Rule("a whole number of seconds, 0 or more", _int_range(0, None)),
    "positive": Rule("a whole number, 1 or more", _int_range(1, None)),
    "alarm_period": Rule(
        "10, 30 or a multiple of 60 seconds",
        lambda v: as_int(v) is not None and (as_int(v) in (10, 30) or (as_int(v) > 0 and as_int(v) % 60 == 0)),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
    ),
    # --- choices and shapes
    "bool": Rule("true or false", lambda v: as_bool(v) is not None),
    "deployment_controller": Rule("ECS (rolling update) or CODE_DEPLOY (blue/green)", _one_of("ECS", "CODE_DEPLOY")),
    "release_strategy": Rule(
        "rolling, codedeploy, blue_green, linear or canary",
        _one_of("rolling", "codedeploy", "blue_green", "linear", "canary"),
    ),
    "pipeline_source": Rule("CodeCommit or CodeConnections", _one_of("CodeCommit", "CodeConnections")),
    "checkpoint": Rule(
        "created, ready (test traffic on the new version), traffic_shifted (production on it) or succeeded "
        "(the original tasks gone after the termination wait)",
        _one_of("created", "ready", "traffic_shifted", "succeeded"),
    ),
    "rollback_mode": Rule(
        "stop (stop the in-flight release with rollback) or previous (redeploy the revision before the live one)",
        _one_of("stop", "previous"),
    ),
    "tag_value": Rule(
        "a tag value: 1-256 letters, digits, spaces and _.:/=+-@ (for example production)",
        lambda v: isinstance(v, str) and len(v) >= 1 and tag_value_ok(v),
    ),
    "tags": Rule(
        f"a dict of at most {MAX_TAGS} tags: keys 1-128 and values 0-256 letters, digits, spaces and _.:/=+-@, "
        "keys not starting with aws:",
        _tags,
        "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html",
    ),
    "build_args": Rule("a dict of build argument names (letters, digits, _) to strings", _build_args),
    "container_environment": Rule(
        "a dict of environment variable names (a letter or _, then letters, digits and _) to strings or numbers",
        _container_environment,
        _ECS + "API_KeyValuePair.html",
    ),
    "container_command": Rule(
        "a list of one or more non-empty strings, in exec form (for example [uvicorn, whoami_app:app])",
        _container_command,
        _ECS + "API_ContainerDefinition.html",
    ),
    "platform": Rule(
        "a Fargate Linux platform: " + " or ".join(PLATFORMS) + " (X86_64 or ARM64)",
        _one_of(*PLATFORMS),
        _ECS + "API_RuntimePlatform.html",
    ),
    "cpu_architecture": Rule("X86_64 or ARM64", _one_of(*PLATFORMS.values()), _ECS + "API_RuntimePlatform.html"),
    "directory": Rule(
        "a directory path (absolute, or relative to the project root)", lambda v: isinstance(v, str) and v != ""
    ),
    "image_uri": Rule(
        "an image URI, registry/repository with :tag or @sha256:<64 hex digits> (for example "
        "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/team/app:1.4.2)",
        lambda v: image_reference(v) is not None and bool(image_reference(v)["tag"] or image_reference(v)["digest"]),
        _ECS + "API_ContainerDefinition.html",
    ),
    # The hardened container and its secrets (issue 11; plugin_utils/task_hardening.py).
    "container_secrets": Rule(
        task_hardening.SECRETS_ALLOWED,
        task_hardening.secrets_ok,
        _ECS + "API_Secret.html",
        show=task_hardening.shown_secrets,
    ),
    "secret_arns": Rule(
        "a list of distinct Secrets Manager secret or SSM parameter ARNs", task_hardening.secret_arns_ok
    ),
    "container_user": Rule(
        "a user as uid:gid, uid, user or user:group (for example 10001:10001)",
        task_hardening.container_user_ok,
        _ECS + "API_ContainerDefinition.html",
    ),
    "capacity_providers": Rule(
        "a list of Fargate capacity providers, each once: FARGATE, FARGATE_SPOT",
        lambda v: isinstance(v, list) and len(set(v)) == len(v) and set(v) <= {"FARGATE", "FARGATE_SPOT"},
    ),
}

# Lists of the rules above (each element obeys the rule; no duplicates).
RULES["subnet_ids"] = Rule("a list of distinct subnet ids (subnet-<hex>)", _string_list(RULES["subnet_id"]))
RULES["security_group_ids"] = Rule(
    "a list of distinct security group ids (sg-<hex>)", _string_list(RULES["security_group_id"])
)
RULES["security_group_names"] = Rule(
    "a list of distinct security group names", _string_list(RULES["security_group_name"])
)
RULES["cidrs_ipv4"] = Rule(
    "a list of distinct IPv4 CIDR blocks such as 203.0.113.0/24", _string_list(RULES["cidr_ipv4"])
)
RULES["iam_policy_arns"] = Rule("a list of distinct managed policy ARNs", _string_list(RULES["iam_policy_arn"]))
# ECS lifecycle hooks' functions (ECS API reference, DeploymentLifecycleHook.hookTargetArn): a function, its version
# or alias.
RULES["lambda_function_arns"] = Rule(
    "a list of distinct Lambda function ARNs (arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>])",
    _string_list(
        Rule(
            "a Lambda function ARN", _pattern(r"arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:[\w-]{1,64}(:[\w$-]+)?")
        )
    ),
)
RULES["target_group_pair"] = Rule(
    "two distinct target group names (1-32 letters, digits and hyphens, not starting or ending with a hyphen)",
    lambda v: isinstance(v, list) and len(v) == 2 and _string_list(RULES["target_group_name"])(v),
)


# ----------------------------------------------------------------------------------------------------------
# Release timings: how long a wait must be to reach a CodeDeploy checkpoint.

# Besides the configuration's intervals and the termination wait, a release starts the replacement tasks (image
# pull, container start, the target group's healthy checks), moves the listeners and drains the original tasks
# (deregistration delay): about 1-3 minutes on AWS; the default wait leaves this margin for it.
RELEASE_MARGIN_MINUTES = 15
CHECKPOINTS = ("created", "ready", "traffic_shifted", "succeeded")


def traffic_shift_minutes(config_name: str) -> int | None:
    """Minutes a predefined ECS configuration takes to shift all traffic; None for a configuration of your own."""
    return ECS_DEPLOYMENT_CONFIGS.get(config_name)


def minimum_wait_seconds(checkpoint: str, config_name: str, termination_wait_minutes: Any) -> int | None:
    """The waits CodeDeploy itself sits through before ``checkpoint``: a shorter timeout can never reach it.

    None when the configuration is one of your own (its intervals are not known before AWS answers).
    """
    shift = traffic_shift_minutes(config_name)
    if shift is None:
        return None
    termination = as_int(termination_wait_minutes) or 0
    minutes = {"created": 0, "ready": 0, "traffic_shifted": shift, "succeeded": shift + termination}[checkpoint]
    return minutes * 60


def release_wait_seconds(checkpoint: str, config_name: str, termination_wait_minutes: Any) -> int | None:
    """The default wait for ``checkpoint``: CodeDeploy's own waits plus ``RELEASE_MARGIN_MINUTES``."""
    minimum = minimum_wait_seconds(checkpoint, config_name, termination_wait_minutes)
    return None if minimum is None else minimum + RELEASE_MARGIN_MINUTES * 60


def _describe_minimum(checkpoint: str, config_name: str, termination_wait_minutes: Any) -> str:
    shift = traffic_shift_minutes(config_name) or 0
    parts = []
    if checkpoint in ("traffic_shifted", "succeeded") and shift:
        parts.append(f"{shift} minutes of {config_name} traffic shifting")
    if checkpoint == "succeeded":
        parts.append(f"the {as_int(termination_wait_minutes) or 0}-minute termination wait")
    return " plus ".join(parts) or "nothing"


# ----------------------------------------------------------------------------------------------------------
# Contracts: which variable obeys which rule, and the rules across variables.


@dataclass(frozen=True)
class Field:
    name: str
    rule: str
    # May be empty ('' or None): then it means "not set" (the role's default behaviour) and is not checked.
    optional: bool = False
    # Checked only when this is true of the values (for example only when the pipeline is enabled).
    when: Callable[[dict[str, Any]], bool] | None = None
    # How the inventory derives it ("{app_name}-alb"): a message then names the variable it came from.
    derived: str = ""


Check = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass
class Contract:
    fields: list[Field]
    checks: list[Check] = field(default_factory=list)
    # Variables the inventory must set (the stack contract); a role's validate entry point has defaults for all.
    required: tuple[str, ...] = ()

    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _present(values: dict[str, Any], state_var: str) -> bool:
    return values.get(state_var, "present") == "present"


def _derivation_hint(f: Field, values: dict[str, Any]) -> str:
    """' (the inventory derives it from app_name ...)' when the value is what the inventory's template gives."""
    if not f.derived:
        return ""
    sources = [s for s in re.findall(r"{(\w+)}", f.derived) if s != "n"]
    if any(s not in values for s in sources):
        return ""
    pattern = ""
    for literal, source in re.findall(r"([^{]*)(?:{(\w+)})?", f.derived):
        pattern += re.escape(literal)
        if source == "n":
            pattern += r"\d+"
        elif source:
            pattern += re.escape(str(values[source]))
    value = values.get(f.name)
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and re.fullmatch(pattern, i) for i in items):
        return ""
    named = " and ".join(sources)
    template = re.sub(r"{(\w+)}", r"{{ \1 }}", f.derived)
    return f" (the inventory derives it from {named} as {template}: change {named}, or set {f.name} yourself)"


def problems(values: dict[str, Any], contract: str) -> list[str]:
    """Every rule of ``contract`` that ``values`` break, one message per variable, each naming it."""
    spec = CONTRACTS[contract]
    found: list[str] = []
    bad: set[str] = set()
    for name in spec.required:
        if name not in values:
            found.append(f"{name} is not set: the inventory must define it (see inventory/example).")
            bad.add(name)
    for f in spec.fields:
        if f.name not in values or f.name in bad:
            continue
        value = values[f.name]
        if f.optional and (empty(value) or value == [] or value == {}):
            continue
        if f.when is not None and not f.when(values):
            continue
        rule = RULES[f.rule]
        if not rule.ok(value):
            value_shown = rule.show(value) if rule.show else shown(value)
            found.append(f"{f.name} is {value_shown}: it must be {rule.allowed}{_derivation_hint(f, values)}.")
            bad.add(f.name)
    for check in spec.checks:
        for name, message in check(values):
            if name not in bad and not _involves_bad(message, bad):
                found.append(f"{name} {message}")
                bad.add(name)
    return found


def _involves_bad(message: str, bad: set[str]) -> bool:
    # A rule across variables says nothing new when one of them already failed on its own.
    return any(re.search(rf"\b{re.escape(name)}\b", message) for name in bad)


# --- checks across variables (each returns [(variable named first, the rest of the sentence)])


def distinct(*names: str) -> Check:
    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        present = [(n, values[n]) for n in names if n in values and not empty(values[n])]
        seen: dict[str, str] = {}
        out = []
        for name, value in present:
            key = str(as_int(value) if as_int(value) is not None else value)
            if key in seen:
                out.append((name, f"is {shown(value)}, the same as {seen[key]}: they must differ."))
            else:
                seen[key] = name
        return out

    return check


def below(low: str, high: str) -> Check:
    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        a, b = as_int(values.get(low)), as_int(values.get(high))
        if a is not None and b is not None and a >= b:
            return [(low, f"is {a}: it must be less than {high} ({b}).")]
        return []

    return check


def fargate_size(cpu: str, memory: str) -> Check:
    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        c, m = as_int(values.get(cpu)), as_int(values.get(memory))
        if c not in FARGATE_SIZES:
            return []
        if m not in FARGATE_SIZES[c]:
            allowed = FARGATE_SIZES[c]
            text = ", ".join(map(str, allowed)) if len(allowed) < 8 else f"{allowed[0]}-{allowed[-1]} in steps of "
            if len(allowed) >= 8:
                text += f"{allowed[1] - allowed[0]}"
            return [(memory, f"is {shown(values.get(memory))}: with {cpu} {c} a Fargate task has {text} MiB.")]
        return []

    return check


def rolling_update_progresses(desired: str, minimum: str, maximum: str) -> Check:
    """ECS starts a new task only while running <= maximum% and stops an old one only while >= minimum%."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        d, lo, hi = (as_int(values.get(n)) for n in (desired, minimum, maximum))
        if None in (d, lo, hi) or d == 0:
            return []
        lower = math.ceil(d * lo / 100)
        upper = math.floor(d * hi / 100)
        if lower < d or upper > d:
            return []
        return [
            (
                minimum,
                f"is {lo} with {maximum} {hi} and {desired} {d}: a rolling update could neither stop an old task nor "
                "start a new one; lower the minimum or raise the maximum.",
            )
        ]

    return check


def release_wait_covers(
    checkpoint: str, timeout: str, config: str, termination: str, *, when_var: str = "", fixed: str = ""
) -> Check:
    """A timeout shorter than CodeDeploy's own waits before the checkpoint always fails a healthy release."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        if when_var and values.get(when_var) != "CODE_DEPLOY":
            return []
        point = fixed or values.get(checkpoint, "succeeded")
        if point not in CHECKPOINTS or not RULES["codedeploy_ecs_config"].ok(values.get(config)):
            return []
        given = values.get(timeout)
        minimum = minimum_wait_seconds(point, values.get(config), values.get(termination))
        # Unset (or the role's 0): the default, derived from the configuration, which needs a known one.
        if empty(given) or as_int(given) == 0:
            if minimum is None:
                return [
                    (
                        timeout,
                        f"is not set and {config} {shown(values.get(config))} is a deployment configuration of your "
                        "own: how long it shifts traffic is not known before AWS answers, so set "
                        f"{timeout} (seconds) to at least its intervals plus the termination wait.",
                    )
                ]
            return []
        seconds = as_int(given)
        if seconds is None or minimum is None or seconds == 0 or seconds >= minimum:
            return []
        what = _describe_minimum(point, values.get(config), values.get(termination))
        reach = f"{checkpoint} {point}" if not fixed else point
        return [
            (
                timeout,
                f"is {seconds}: a release cannot reach {reach} in less than {minimum} seconds ({what}); "
                f"set at least {minimum + RELEASE_MARGIN_MINUTES * 60}, leave it empty for that default, or wait "
                "for an earlier checkpoint.",
            )
        ]

    return check


def alarm_window(period: str, periods: str) -> Check:
    """PutMetricAlarm: "The maximum value of EvaluationPeriods * Period is 1 day (86400 seconds)"
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html)."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        seconds, count = as_int(values.get(period)), as_int(values.get(periods))
        if seconds is None or count is None or seconds * count <= 86400:
            return []
        return [
            (
                periods,
                f"is {count}: with {period} {seconds} the alarm would look at {seconds * count} seconds, and "
                "CloudWatch allows at most one day (86400); lower one of them.",
            )
        ]

    return check


# The stack's own alarms of a CodeDeploy release (two 5xx counts, one unhealthy-host count per target group).
STACK_ALARMS_CODEDEPLOY = 4


def _codedeploy_alarm_count(values: dict[str, Any]) -> list[tuple[str, str]]:
    """CreateDeploymentGroup: "The maximum number of alarms for a deployment group (10) was exceeded"
    (AlarmsLimitExceededException, https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html)."""
    names = values.get("app_release_alarm_names")
    if values.get("app_release_strategy") != "codedeploy" or not isinstance(names, list):
        return []
    own = STACK_ALARMS_CODEDEPLOY if as_bool(values.get("app_alarms_enabled", True)) is not False else 0
    if len(set(names)) + own <= 10:
        return []
    return [
        (
            "app_release_alarm_names",
            f"has {len(set(names))} alarms: with the stack's own {own} a CodeDeploy deployment group would watch "
            f"{len(set(names)) + own}, and it takes at most 10.",
        )
    ]


def required_when(name: str, condition: Callable[[dict[str, Any]], bool], why: str) -> Check:
    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        if condition(values) and empty(values.get(name)):
            return [(name, f"is empty: {why}.")]
        return []

    return check


def derived_name(source: str, template: str, rule: str, *, shown_as: str, when=None) -> Check:
    """A name the role builds from ``source`` (``template`` with {0}) must obey ``rule`` too."""

    def check(values: dict[str, Any]) -> list[tuple[str, str]]:
        if source not in values or (when is not None and not when(values)):
            return []
        name = template.format(values[source], **{**values, "account": "000000000000"})
        if RULES[rule].ok(name):
            return []
        return [
            (
                source,
                f"is {shown(values[source])}: it makes the {shown_as} {shown(name)} ({len(name)} characters), which "
                f"must be {RULES[rule].allowed}.",
            )
        ]

    return check


# ----------------------------------------------------------------------------------------------------------
# The contracts: each role's validate entry point, and the stack inventory (playbooks/validate.yml).

OWNERSHIP_KEYS = ("application", "environment", "managed-by")
MANAGED_BY = "fargatedemo.ecs_delivery"


def _fields(
    table: dict[str, str],
    when: dict[str, Callable[[dict[str, Any]], bool]] | None = None,
    derived: dict[str, str] | None = None,
) -> list[Field]:
    """A contract's variables, one table {variable: rule}, in the order they are checked.

    A rule ending with "?" lets the variable be empty (optional); "<rule> if <name>" checks it only when the
    condition ``when[name]`` holds of the values; ``derived`` says how the inventory derives a name (a message
    then names the variable it came from).
    """
    out = []
    for name, spec in table.items():
        rule, _sep, condition = spec.partition(" if ")
        out.append(
            Field(
                name,
                rule.rstrip("?"),
                optional=rule.endswith("?"),
                when=(when or {})[condition] if condition else None,
                derived=(derived or {}).get(name, ""),
            )
        )
    return out


def _tags_fields(role: str) -> list[Field]:
    return [Field(f"{role}_tags", "tags"), Field(f"{role}_owner_tags", "tags")]


def _iam_pipeline(values: dict[str, Any]) -> bool:
    return as_bool(values.get("iam_pipeline_roles_enabled")) is True and _present(values, "iam_state")


def _blue_green(prefix: str) -> Callable[[dict[str, Any]], bool]:
    return lambda values: values.get(f"{prefix}deployment_controller") == "CODE_DEPLOY"


CONTRACTS: dict[str, Contract] = {}

CONTRACTS["stack"] = Contract(
    fields=[
        *_fields(
            {
                "stack_facts_app_name": "app_name",
                "stack_facts_repository_name": "ecr_repository_name",
                "stack_facts_image_registry": "registry?",
                "stack_facts_artifact_bucket_name": "s3_bucket_name?",
                "stack_facts_region": "region",
                "stack_facts_vpc_id": "vpc_id?",
                "stack_facts_public_subnet_ids": "subnet_ids?",
                "stack_facts_private_subnet_ids": "subnet_ids?",
                "stack_facts_environment": "tag_value",
                "stack_facts_tags": "tags",
                "stack_facts_app_source_dir": "directory?",
                "stack_facts_image_uri": "image_uri?",
            }
        ),
    ],
    checks=[
        lambda v: (
            [
                (
                    "stack_facts_public_subnet_ids",
                    "has one subnet: a load balancer needs two or more, in "
                    "different Availability Zones (or leave it empty for the default VPC's).",
                )
            ]
            if isinstance(v.get("stack_facts_public_subnet_ids"), list) and len(v["stack_facts_public_subnet_ids"]) == 1
            else []
        ),
    ],
)

CONTRACTS["iam"] = Contract(
    fields=[
        *_fields(
            {
                "iam_account_id": "account_id?",
                "iam_region": "region if pipeline",
                "iam_trust_source_account": "bool",
                "iam_task_execution_role_name": "iam_role_name",
                "iam_task_role_name": "iam_role_name?",
                "iam_task_role_managed_policy_arns": "iam_policy_arns?",
                "iam_task_execution_secret_arns": "secret_arns?",
                "iam_task_execution_kms_key_arn": "kms_key_arn?",
                "iam_infrastructure_hook_function_arns": "lambda_function_arns?",
                "iam_codedeploy_role_name": "iam_role_name",
                "iam_pipeline_roles_enabled": "bool",
                "iam_codebuild_role_name": "iam_role_name if pipeline",
                "iam_codepipeline_role_name": "iam_role_name if pipeline",
                "iam_codepipeline_pipeline_name": "codepipeline_name if pipeline",
                "iam_codebuild_project_name": "codebuild_project_name if pipeline",
                "iam_artifact_bucket_name": "s3_bucket_name if pipeline",
                "iam_ecr_repository_name": "ecr_repository_name if pipeline",
                "iam_codecommit_repository_name": "codecommit_repository_name if codecommit",
                "iam_codestar_connection_arn": "connection_arn? if pipeline",
                "iam_codepipeline_approval_topic_arn": "sns_topic_arn? if pipeline",
                "iam_ecs_cluster_name": "ecs_name if pipeline",
                "iam_ecs_service_name": "ecs_name if pipeline",
                "iam_task_family": "ecs_name if pipeline",
                # The CodeDeploy role's trust names the deployment group, pipeline or not.
                "iam_codedeploy_application_name": "codedeploy_name",
                "iam_codedeploy_group_name": "codedeploy_name",
                "iam_codedeploy_config_name": "codedeploy_ecs_config if pipeline",
            },
            when={
                "pipeline": _iam_pipeline,
                "codecommit": lambda v: _iam_pipeline(v) and v.get("iam_pipeline_source") == "CodeCommit",
            },
        ),
        *_tags_fields("iam"),
    ],
    checks=[
        distinct("iam_task_execution_role_name", "iam_codedeploy_role_name", "iam_task_role_name"),
        lambda v: (
            distinct(
                "iam_task_execution_role_name",
                "iam_codedeploy_role_name",
                "iam_task_role_name",
                "iam_codebuild_role_name",
                "iam_codepipeline_role_name",
            )(v)
            if _iam_pipeline(v)
            else []
        ),
    ],
)

CONTRACTS["ecr"] = Contract(
    fields=[
        *_fields(
            {
                "ecr_repository_name": "ecr_repository_name",
                "ecr_scan_on_push": "bool",
                "ecr_keep_images": "positive",
                "ecr_untagged_expire_days": "positive",
                "ecr_kms_key": "kms_key_arn if kms",
                "ecr_force_absent": "bool",
                "ecr_image_push": "bool",
                "ecr_image_tag": "image_tag?",
                "ecr_push_latest": "bool",
                "ecr_build_args": "build_args",
                "ecr_platform": "platform?",
                "ecr_registry": "registry?",
            },
            when={"kms": lambda v: v.get("ecr_encryption_type") == "KMS"},
        ),
        *_tags_fields("ecr"),
    ],
    checks=[
        lambda v: (
            [
                (
                    "ecr_push_latest",
                    "is true but ecr_image_tag_mutability is "
                    f"{shown(v.get('ecr_image_tag_mutability'))}: an immutable repository refuses a second push of "
                    "latest, so set it MUTABLE or leave ecr_push_latest false.",
                )
            ]
            if as_bool(v.get("ecr_push_latest")) and v.get("ecr_image_tag_mutability") != "MUTABLE"
            else []
        ),
        required_when(
            "ecr_build_context",
            lambda v: (
                _present(v, "ecr_state")
                and (as_bool(v.get("ecr_image_push")) is not False or empty(v.get("ecr_image_tag")))
            ),
            "set it to the directory of the app to build (its Dockerfile and, for the default tag, its git history), "
            "or set ecr_image_push false with an ecr_image_tag already in the repository",
        ),
    ],
)


def _strategy(values: dict[str, Any]) -> list[tuple[str, str]]:
    strategy = values.get("ecs_cluster_default_capacity_provider_strategy")
    providers = values.get("ecs_cluster_capacity_providers") or []
    name = "ecs_cluster_default_capacity_provider_strategy"
    if not isinstance(strategy, list) or not all(isinstance(i, dict) for i in strategy):
        return [(name, f"is {shown(strategy)}: it must be a list of {{capacity_provider, base, weight}}.")]
    used = [i.get("capacity_provider") for i in strategy]
    bases = [as_int(i.get("base", 0) or 0) for i in strategy]
    weights = [as_int(i.get("weight", 0) or 0) for i in strategy]
    ok = (
        set(used) <= set(providers)
        and len(set(used)) == len(used)
        and all(b is not None and 0 <= b <= 100000 for b in bases)
        and all(w is not None and 0 <= w <= 1000 for w in weights)
        and sum(1 for b in bases if b) <= 1
        and (not strategy or any(w for w in weights))
    )
    if ok:
        return []
    return [
        (
            name,
            f"is {shown(strategy)}: each capacity_provider once and listed in ecs_cluster_capacity_providers "
            f"{shown(providers)}; base 0-100000 on one item at most; weight 0-1000, above 0 on one item at least "
            "(ECS PutClusterCapacityProviders).",
        )
    ]


CONTRACTS["ecs_cluster"] = Contract(
    fields=[
        *_fields(
            {
                "ecs_cluster_name": "ecs_name",
                "ecs_cluster_capacity_providers": "capacity_providers",
            }
        ),
        *_tags_fields("ecs_cluster"),
    ],
    checks=[_strategy],
)

CONTRACTS["alb"] = Contract(
    fields=[
        *_fields(
            {
                "alb_name": "load_balancer_name",
                "alb_tasks_security_group_name": "security_group_name",
                "alb_idle_timeout": "idle_timeout",
                "alb_deletion_protection": "bool",
                "alb_drop_invalid_header_fields": "bool",
                "alb_access_logs_bucket": "s3_bucket_name?",
                "alb_access_logs_prefix": "access_log_prefix",
                "alb_certificate_arn": "acm_certificate_arn?",
                "alb_ssl_policy": "elb_ssl_policy",
                "alb_https_port": "port",
                "alb_wait_timeout": "seconds",
                "alb_production_port": "port",
                "alb_production_cidrs": "cidrs_ipv4",
                "alb_test_port": "port",
                "alb_test_cidrs": "cidrs_ipv4",
                "alb_target_group_names": "target_group_pair",
                "alb_container_port": "port",
                "alb_health_check_path": "health_check_path",
                "alb_health_check_interval": "health_check_interval",
                "alb_health_check_timeout": "health_check_timeout",
                "alb_healthy_threshold": "health_check_threshold",
                "alb_unhealthy_threshold": "health_check_threshold",
                "alb_health_check_matcher": "health_check_matcher",
                "alb_deregistration_delay": "deregistration_delay",
            }
        ),
        *_tags_fields("alb"),
    ],
    checks=[
        distinct("alb_production_port", "alb_test_port"),
        lambda v: (
            distinct("alb_production_port", "alb_test_port", "alb_https_port")(v)
            if not empty(v.get("alb_certificate_arn"))
            else []
        ),
        below("alb_health_check_timeout", "alb_health_check_interval"),
        distinct("alb_name", "alb_tasks_security_group_name"),
        lambda v: (
            [
                (
                    "alb_tags",
                    f"has {len(v['alb_tags'])} tags: with the Name tag of the security groups at most {MAX_TAGS - 1}.",
                )
            ]
            if isinstance(v.get("alb_tags"), dict) and len(v["alb_tags"]) >= MAX_TAGS
            else []
        ),
    ],
)
# What the alb role needs once the stack's facts are known (checked when it runs, not in the pre-flight).
CONTRACTS["alb_present"] = Contract(
    fields=[
        *_fields(
            {
                "alb_vpc_id": "vpc_id",
                "alb_subnet_ids": "subnet_ids",
            }
        ),
    ],
    checks=[
        lambda v: (
            [
                (
                    "alb_subnet_ids",
                    f"is {shown(v.get('alb_subnet_ids'))}: an Application Load Balancer needs two "
                    "or more subnets, in different Availability Zones.",
                )
            ]
            if isinstance(v.get("alb_subnet_ids"), list) and len(v["alb_subnet_ids"]) < 2
            else []
        ),
    ],
)

_BG = _blue_green("ecs_service_")
CONTRACTS["ecs_service"] = Contract(
    fields=[
        *_fields(
            {
                "ecs_service_region": "region?",
                "ecs_service_name": "ecs_name",
                "ecs_service_cluster_name": "ecs_name",
                "ecs_service_task_family": "ecs_name",
                "ecs_service_container_name": "ecs_name",
                "ecs_service_image": "image?",
                "ecs_service_container_port": "port",
                "ecs_service_container_command": "container_command?",
                "ecs_service_container_environment": "container_environment?",
                "ecs_service_container_secrets": "container_secrets?",
                "ecs_service_container_user": "container_user?",
                "ecs_service_readonly_root_filesystem": "bool",
                "ecs_service_container_drop_capabilities": "bool",
                "ecs_service_container_init_process": "bool",
                "ecs_service_cpu_architecture": "cpu_architecture",
                "ecs_service_container_health_check": "bool",
                "ecs_service_container_health_check_path": "health_check_path",
                "ecs_service_container_health_check_interval": "container_health_interval",
                "ecs_service_container_health_check_timeout": "container_health_timeout",
                "ecs_service_container_health_check_retries": "container_health_retries",
                "ecs_service_container_health_check_start_period": "container_health_start_period",
                "ecs_service_task_cpu": "fargate_cpu",
                "ecs_service_task_memory": "positive",
                "ecs_service_execution_role_name": "iam_role_name?",
                "ecs_service_execution_role_arn": "iam_role_arn?",
                "ecs_service_task_role_name": "iam_role_name?",
                "ecs_service_task_role_arn": "iam_role_arn?",
                "ecs_service_log_group_name": "log_group_name",
                "ecs_service_log_retention_days": "log_retention_days",
                "ecs_service_log_stream_prefix": "log_stream_prefix",
                "ecs_service_desired_count": "desired_count",
                "ecs_service_platform_version": "platform_version",
                "ecs_service_health_check_grace_period": "grace_period",
                "ecs_service_subnet_ids": "subnet_ids?",
                "ecs_service_vpc_id": "vpc_id?",
                "ecs_service_security_group_ids": "security_group_ids?",
                "ecs_service_security_group_names": "security_group_names?",
                "ecs_service_target_group_name": "target_group_name?",
                "ecs_service_minimum_healthy_percent": "minimum_healthy_percent",
                "ecs_service_maximum_percent": "maximum_percent",
                "ecs_service_circuit_breaker": "bool",
                "ecs_service_circuit_breaker_rollback": "bool",
                "ecs_service_wait": "bool",
                "ecs_service_wait_timeout": "seconds",
                "ecs_service_wait_delay": "positive",
                "ecs_service_codedeploy_application_name": "codedeploy_name if blue_green",
                "ecs_service_codedeploy_group_name": "codedeploy_name if blue_green",
                "ecs_service_codedeploy_role_name": "iam_role_name? if blue_green",
                "ecs_service_codedeploy_role_arn": "iam_role_arn? if blue_green",
                "ecs_service_codedeploy_config_name": "codedeploy_ecs_config if blue_green",
                "ecs_service_codedeploy_termination_wait_minutes": "termination_wait_minutes if blue_green",
                "ecs_service_codedeploy_ready_wait_minutes": "ready_wait_minutes if blue_green",
                "ecs_service_test_target_group_name": "target_group_name if blue_green",
                "ecs_service_load_balancer_name": "load_balancer_name if blue_green",
                "ecs_service_production_listener_port": "port if blue_green",
                "ecs_service_test_listener_port": "port if blue_green",
                "ecs_service_codedeploy_wait_until": "checkpoint if blue_green",
                "ecs_service_codedeploy_wait_timeout": "seconds? if blue_green",
                "ecs_service_deregister_task_definitions": "bool",
                "ecs_service_delete_log_group": "bool",
                "ecs_service_alarms_enabled": "bool",
                "ecs_service_alarm_5xx_threshold": "positive",
                "ecs_service_alarm_unhealthy_threshold": "positive",
                "ecs_service_alarm_period": "alarm_period",
                "ecs_service_alarm_evaluation_periods": "positive",
            },
            when={"blue_green": _BG},
        ),
        *_tags_fields("ecs_service"),
    ],
    checks=[
        fargate_size("ecs_service_task_cpu", "ecs_service_task_memory"),
        alarm_window("ecs_service_alarm_period", "ecs_service_alarm_evaluation_periods"),
        lambda v: task_hardening.input_checks(v, "ecs_service_"),
        rolling_update_progresses(
            "ecs_service_desired_count", "ecs_service_minimum_healthy_percent", "ecs_service_maximum_percent"
        ),
        below("ecs_service_container_health_check_timeout", "ecs_service_container_health_check_interval"),
        lambda v: distinct("ecs_service_target_group_name", "ecs_service_test_target_group_name")(v) if _BG(v) else [],
        lambda v: (
            distinct("ecs_service_production_listener_port", "ecs_service_test_listener_port")(v) if _BG(v) else []
        ),
        required_when(
            "ecs_service_codedeploy_role_name",
            lambda v: _BG(v) and empty(v.get("ecs_service_codedeploy_role_arn")),
            "a blue/green service needs the CodeDeploy role (ecs_service_codedeploy_role_name or _arn)",
        ),
        required_when(
            "ecs_service_execution_role_name",
            lambda v: empty(v.get("ecs_service_execution_role_arn")),
            "a Fargate task that logs with awslogs needs an execution role (_name or _arn)",
        ),
        required_when(
            "ecs_service_vpc_id",
            lambda v: bool(v.get("ecs_service_security_group_names")),
            "security groups given by name are looked up in ecs_service_vpc_id",
        ),
        release_wait_covers(
            "ecs_service_codedeploy_wait_until",
            "ecs_service_codedeploy_wait_timeout",
            "ecs_service_codedeploy_config_name",
            "ecs_service_codedeploy_termination_wait_minutes",
            when_var="ecs_service_deployment_controller",
        ),
    ],
)
# What a present service needs once the stack's facts are known.
CONTRACTS["ecs_service_present"] = Contract(
    fields=[
        *_fields(
            {
                "ecs_service_region": "region",
                "ecs_service_image": "image",
                "ecs_service_subnet_ids": "subnet_ids",
            }
        ),
    ],
    checks=[
        lambda v: (
            [
                (
                    "ecs_service_security_group_ids",
                    "is empty and so is ecs_service_security_group_names: the "
                    "tasks need a security group (by id, or by name with ecs_service_vpc_id).",
                )
            ]
            if not v.get("ecs_service_security_group_ids") and not v.get("ecs_service_security_group_names")
            else []
        ),
        lambda v: (
            [("ecs_service_subnet_ids", "is empty: the tasks need one or more subnets.")]
            if not v.get("ecs_service_subnet_ids")
            else []
        ),
        lambda v: (
            [
                (
                    "ecs_service_target_group_name",
                    "is empty and so is ecs_service_target_group_arn: the service "
                    "registers its tasks in a target group.",
                )
            ]
            if empty(v.get("ecs_service_target_group_name")) and empty(v.get("ecs_service_target_group_arn"))
            else []
        ),
    ],
)


def _pipe_present(v):
    return _present(v, "codepipeline_state")


def _connections(v):
    return v.get("codepipeline_source") == "CodeConnections"


APPROVAL_ROLE_VARS = ("topic_arn", "custom_data", "external_link")
APPROVAL_APP_VARS = ("topic_arn", "message", "url")


def _approval_unused(values: dict[str, Any], switch: str, prefix: str, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """An approval setting given while the approval stage is off would be silently ignored: say so."""
    if as_bool(values.get(switch)) is True:
        return []
    return [
        (
            prefix + name,
            f"is {shown(values.get(prefix + name))} but {switch} is false: the pipeline has no approval stage to use "
            f"it; set {switch} true or leave {prefix + name} empty.",
        )
        for name in names
        if not empty(values.get(prefix + name))
    ]


CONTRACTS["codepipeline"] = Contract(
    fields=[
        *_fields(
            {
                "codepipeline_pipeline_name": "codepipeline_name",
                "codepipeline_region": "region",
                "codepipeline_account_id": "account_id?",
                "codepipeline_codecommit_repository_name": "codecommit_repository_name",
                "codepipeline_push_source": "bool",
                "codepipeline_connection_arn": "connection_arn?",
                "codepipeline_connection_name": "connection_name?",
                "codepipeline_full_repository_id": "full_repository_id if connections",
                "codepipeline_artifact_bucket_name": "s3_bucket_name if present",
                "codepipeline_artifact_noncurrent_expiration_days": "positive",
                "codepipeline_artifact_expiration_days": "positive",
                "codepipeline_codebuild_project_name": "codebuild_project_name",
                "codepipeline_codebuild_role_name": "iam_role_name",
                "codepipeline_codebuild_timeout_minutes": "codebuild_timeout_minutes",
                "codepipeline_codebuild_log_retention_days": "log_retention_days",
                "codepipeline_docker_build_args": "build_args",
                "codepipeline_container_name": "ecs_name",
                "codepipeline_container_port": "port",
                "codepipeline_task_family": "ecs_name",
                "codepipeline_task_cpu": "fargate_cpu",
                "codepipeline_task_memory": "positive",
                "codepipeline_task_execution_role_name": "iam_role_name",
                "codepipeline_task_role_name": "iam_role_name?",
                "codepipeline_log_group_name": "log_group_name",
                "codepipeline_health_check_path": "health_check_path",
                "codepipeline_cluster_name": "ecs_name",
                "codepipeline_service_name": "ecs_name",
                "codepipeline_codedeploy_application_name": "codedeploy_name if codedeploy",
                "codepipeline_codedeploy_group_name": "codedeploy_name if codedeploy",
                "codepipeline_role_name": "iam_role_name",
                "codepipeline_events_role_name": "iam_role_name",
                "codepipeline_purge_data": "bool",
                "codepipeline_manual_approval": "bool",
                "codepipeline_approval_topic_arn": "sns_topic_arn?",
                "codepipeline_approval_custom_data": "approval_text?",
                "codepipeline_approval_external_link": "approval_url?",
            },
            when={
                "connections": _connections,
                "present": _pipe_present,
                "codedeploy": lambda v: v.get("codepipeline_deploy_provider") == "CodeDeployToECS",
            },
        ),
        *_tags_fields("codepipeline"),
    ],
    checks=[
        fargate_size("codepipeline_task_cpu", "codepipeline_task_memory"),
        lambda v: (
            [
                (
                    "codepipeline_image_repository_uri",
                    f"is {shown(v.get('codepipeline_image_repository_uri'))}: "
                    "it must be a registry host and repository without a tag (for example "
                    "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/fargatedemo/helloapp).",
                )
            ]
            if _pipe_present(v)
            and not re.fullmatch(r"[\w.:-]+/[a-z0-9._/-]+", str(v.get("codepipeline_image_repository_uri", "")))
            else []
        ),
        lambda v: (
            [
                (
                    "codepipeline_connection_name",
                    "is empty and so is codepipeline_connection_arn: a "
                    "CodeConnections source needs an existing connection's ARN or a name to create one.",
                )
            ]
            if _connections(v)
            and empty(v.get("codepipeline_connection_arn"))
            and empty(v.get("codepipeline_connection_name"))
            else []
        ),
        derived_name(
            "codepipeline_pipeline_name", "{0}-codecommit", "events_rule_name", shown_as="EventBridge rule name"
        ),
        derived_name("codepipeline_pipeline_name", "start-{0}", "iam_policy_name", shown_as="events policy name"),
        distinct("codepipeline_codebuild_role_name", "codepipeline_role_name", "codepipeline_events_role_name"),
        lambda v: _approval_unused(v, "codepipeline_manual_approval", "codepipeline_approval_", APPROVAL_ROLE_VARS),
    ],
)

# --- The stack inventory: what playbooks/validate.yml checks before site, deploy, rollback, teardown, pipeline.

_CD = _blue_green("app_")


def _pipeline(v):
    return as_bool(v.get("codepipeline_enabled")) is True


# How the inventories derive names from app_name (inventory/example and inventory/local; a test keeps them equal).
DERIVED = {
    "app_cluster_name": "{app_name}",
    "app_service_name": "{app_name}",
    "app_container_name": "{app_name}",
    "app_task_family": "{app_name}",
    "app_log_group_name": "/ecs/{app_name}",
    "app_alb_name": "{app_name}-alb",
    "app_target_group_names": "{app_name}-tg{n}",
    "app_codedeploy_application_name": "AppECS-{app_cluster_name}-{app_service_name}",
    "app_codedeploy_group_name": "DgpECS-{app_cluster_name}-{app_service_name}",
    "app_codecommit_repository_name": "{app_name}",
    "app_codebuild_project_name": "{app_name}-build",
    "app_pipeline_name": "{app_name}-pipeline",
    "app_task_execution_role_name": "{app_name}-task-execution",
    "app_codedeploy_role_name": "{app_name}-codedeploy",
    "app_infrastructure_role_name": "{app_name}-ecs-infrastructure",
    "app_codebuild_role_name": "{app_name}-codebuild",
    "app_codepipeline_role_name": "{app_name}-codepipeline",
}


def _app_tags(values: dict[str, Any]) -> list[tuple[str, str]]:
    tags = values.get("app_tags")
    if not isinstance(tags, dict):
        return []
    clash = {k: v for k, v in tags.items() if k in OWNERSHIP_KEYS}
    if clash:
        return [
            (
                "app_tags",
                f"sets {shown(clash)}: {', '.join(OWNERSHIP_KEYS)} are the stack's ownership tags (app_name, "
                f"app_environment, {MANAGED_BY}); set app_name or app_environment instead.",
            )
        ]
    limit = MAX_TAGS - len(OWNERSHIP_KEYS) - 1  # the security groups carry a Name tag too
    if len(tags) > limit:
        return [("app_tags", f"has {len(tags)} tags: with the stack's own and the Name tag at most {limit}.")]
    return []


def _app_source(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The app's directory must hold a Dockerfile, unless a prebuilt image is deployed (then nothing is built)."""
    if not empty(values.get("app_image_uri")):
        return []
    path = values.get("stack_facts_app_source_dir")
    if not isinstance(path, str) or empty(path):
        return []
    if os.path.isfile(os.path.join(path, "Dockerfile")):
        return []
    what = "is not a directory" if not os.path.isdir(path) else "has no Dockerfile"
    return [
        (
            "app_source_dir",
            f"is {shown(values.get('app_source_dir', 'hello_app'))}: {path} {what}. Set it to your app's directory "
            "(with its Dockerfile; relative to the project root, where site.yml is), or set app_image_uri to deploy "
            "an image that is already built.",
        )
    ]


def _app_image(values: dict[str, Any]) -> list[tuple[str, str]]:
    """A prebuilt image: in an ECR registry (checked and pinned by its digest) or given by digest; nothing built."""
    uri = values.get("app_image_uri")
    if empty(uri):
        return []
    ref = image_reference(uri, str(values.get("app_image_registry") or ""))
    if ref is None:
        return []  # the field's own rule says what is wrong
    out = []
    if not ref["ecr"] and not ref["digest"]:
        out.append(
            (
                "app_image_uri",
                f"is {shown(uri)}: only an image in an ECR registry (<account>.dkr.ecr.<region>.amazonaws.com"
                "/<repository>, or app_image_registry) can be checked and pinned by its digest before the deploy; "
                f"give any other image by its digest ({ref['registry']}/{ref['repository']}@sha256:<64 hex digits>).",
            )
        )
    if not empty(values.get("app_image_tag")):
        out.append(
            (
                "app_image_tag",
                f"is {shown(values.get('app_image_tag'))} but app_image_uri {shown(uri)} names a prebuilt image: "
                "nothing is built or tagged, so leave app_image_tag empty (the URI carries the tag).",
            )
        )
    if _pipeline(values) and not out:
        out.append(
            (
                "codepipeline_enabled",
                f"is true but app_image_uri {shown(uri)} names a prebuilt image: the pipeline builds app_source_dir "
                "and deploys what it built; leave app_image_uri empty or codepipeline_enabled false.",
            )
        )
    return out


def _pipeline_platform(values: dict[str, Any]) -> list[tuple[str, str]]:
    # The pipeline builds on CodeBuild's x86_64 image and its taskdef.json runs X86_64.
    if _pipeline(values) and values.get("app_platform") == "linux/arm64":
        return [
            (
                "app_platform",
                "is 'linux/arm64' but the pipeline (codepipeline_enabled) builds on an x86_64 CodeBuild image and "
                "deploys X86_64 tasks: use linux/amd64 with the pipeline, or build the ARM64 image elsewhere and "
                "deploy it with app_image_uri.",
            )
        ]
    return []


def _pipeline_container(values: dict[str, Any]) -> list[tuple[str, str]]:
    # A blue/green pipeline release registers the taskdef.json it renders, which names neither (a rolling one only
    # swaps the image of the live revision, so it keeps them).
    if not (_pipeline(values) and values.get("app_deployment_controller") == "CODE_DEPLOY"):
        return []
    return [
        (
            name,
            f"is {shown(values.get(name))} but a blue/green pipeline release (codepipeline_enabled with "
            "CODE_DEPLOY) deploys the pipeline's taskdef.json, which does not carry it: leave it empty, or use the "
            "ECS controller (its releases keep the live revision's container settings).",
        )
        for name in ("app_container_command", "app_container_environment")
        if values.get(name) not in (None, "", [], {})
    ]


def _test_traffic_check(values: dict[str, Any]) -> list[tuple[str, str]]:
    """deploy_test_traffic_check needs a release with test traffic, and someone to check it (not the pipeline)."""
    if as_bool(values.get("deploy_test_traffic_check")) is not True:
        return []
    style = values.get("app_release_strategy") or (
        "codedeploy" if values.get("app_deployment_controller") == "CODE_DEPLOY" else "rolling"
    )
    if style not in ("codedeploy", "blue_green", "linear", "canary"):
        return [
            (
                "deploy_test_traffic_check",
                f"is true but app_release_strategy is {shown(style)}: a rolling update sends no test traffic to "
                "check; use codedeploy or an ECS-native style (blue_green, linear, canary), or leave it false.",
            )
        ]
    if _pipeline(values):
        return [
            (
                "deploy_test_traffic_check",
                "is true but codepipeline_enabled is true: the check runs from Ansible and holds every release "
                "before production moves, so the pipeline's releases would wait with nobody to check them; leave "
                "one of them false.",
            )
        ]
    if style == "codedeploy" and as_int(values.get("deploy_test_traffic_hold_minutes", 60)) == 0:
        return [
            (
                "deploy_test_traffic_hold_minutes",
                "is 0: with codedeploy the release is held before production moves for at most this many minutes "
                "(1-2880) so the check can run first.",
            )
        ]
    return []


def _teardown_confirm(values: dict[str, Any]) -> list[tuple[str, str]]:
    confirm = values.get("teardown_confirm")
    if empty(confirm):
        return []
    app = values.get("app_name", "")
    match = re.fullmatch(r"(.+)@(\d{12})", str(confirm))
    if match and match.group(1) == app:
        return []
    return [
        (
            "teardown_confirm",
            f"is {shown(confirm)}: it must name the application and the account, {app}@<12-digit account id> "
            "(the teardown prints the account before it asks).",
        )
    ]


def _public_subnets(values: dict[str, Any]) -> list[tuple[str, str]]:
    subnets = values.get("public_subnet_ids")
    if isinstance(subnets, list) and len(subnets) == 1:
        return [
            (
                "public_subnet_ids",
                f"is {shown(subnets)}: a load balancer needs two or more subnets in different Availability Zones "
                "(or leave it empty for the default VPC's).",
            )
        ]
    if isinstance(subnets, list) and not subnets and values.get("private_subnet_ids"):
        return [("private_subnet_ids", "is set but public_subnet_ids is empty: give both, or neither (default VPC).")]
    return []


def _certificate_region(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The certificate must be in the load balancer's region and partition (ELB User Guide, SSL certificates:
    "The certificate must be in the same Region as your load balancer")."""
    arn, region = values.get("app_certificate_arn"), values.get("aws_region")
    if empty(arn) or not RULES["acm_certificate_arn"].ok(arn) or not isinstance(region, str):
        return []
    parts = arn.split(":")
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    if parts[3] != region or (parts[1] != partition and not parts[1].startswith("aws-iso")):
        return [
            (
                "app_certificate_arn",
                f"is {shown(arn)}: the certificate must be in the load balancer's region aws_region "
                f"{shown(region)} (partition {partition}); request or import it there.",
            )
        ]
    return []


CONTRACTS["inventory"] = Contract(
    required=(
        "aws_region",
        "app_name",
        "app_environment",
        "app_container_port",
        "app_repository_name",
        "app_cluster_name",
        "app_service_name",
        "app_container_name",
        "app_task_family",
        "app_log_group_name",
        "app_alb_name",
        "app_target_group_names",
        "app_production_port",
        "app_test_port",
        "app_health_check_path",
        "app_deployment_controller",
        "app_codedeploy_application_name",
        "app_codedeploy_group_name",
        "app_codedeploy_config_name",
        "app_codedeploy_termination_wait_minutes",
        "app_task_execution_role_name",
        "app_codedeploy_role_name",
    ),
    fields=[
        *_fields(
            {
                "aws_region": "region",
                "aws_endpoint_url": "endpoint_url?",
                "app_name": "app_name",
                "app_environment": "tag_value",
                "app_tags": "tags?",
                "app_image_tag": "image_tag?",
                "app_welcome_route": "bool",
                "app_container_port": "port",
                "app_repository_name": "ecr_repository_name",
                "app_cluster_name": "ecs_name",
                "app_service_name": "ecs_name",
                "app_container_name": "ecs_name",
                "app_task_family": "ecs_name",
                "app_log_group_name": "log_group_name",
                "app_alb_name": "load_balancer_name",
                "app_target_group_names": "target_group_pair",
                "app_production_port": "port",
                "app_test_port": "port",
                "app_https_port": "port?",
                "app_certificate_arn": "acm_certificate_arn?",
                "app_ssl_policy": "elb_ssl_policy?",
                "app_alb_idle_timeout": "idle_timeout?",
                "app_alb_deletion_protection": "bool?",
                "app_alb_drop_invalid_header_fields": "bool?",
                "app_alb_access_logs_bucket": "s3_bucket_name?",
                "app_alb_access_logs_prefix": "access_log_prefix?",
                "app_health_check_path": "health_check_path",
                "app_deployment_controller": "deployment_controller",
                "app_release_strategy": "release_strategy?",
                "app_release_alarm_rollback": "bool?",
                "app_alarms_enabled": "bool?",
                "app_alarm_5xx_threshold": "positive?",
                "app_alarm_unhealthy_threshold": "positive?",
                "app_alarm_period": "alarm_period?",
                "app_alarm_evaluation_periods": "positive?",
                "app_codedeploy_application_name": "codedeploy_name",
                "app_codedeploy_group_name": "codedeploy_name",
                "app_codedeploy_config_name": "codedeploy_ecs_config",
                "app_codedeploy_termination_wait_minutes": "termination_wait_minutes",
                "codepipeline_enabled": "bool",
                "app_pipeline_source": "pipeline_source if pipeline",
                "app_pipeline_connection_arn": "connection_arn? if pipeline",
                "app_pipeline_connection_name": "connection_name? if pipeline",
                "app_pipeline_full_repository_id": "full_repository_id if connections",
                "app_codecommit_repository_name": "codecommit_repository_name if pipeline",
                "app_codebuild_project_name": "codebuild_project_name if pipeline",
                "app_pipeline_name": "codepipeline_name if pipeline",
                "app_artifact_bucket_name": "s3_bucket_name? if pipeline",
                "app_pipeline_manual_approval": "bool? if pipeline",
                "app_pipeline_approval_topic_arn": "sns_topic_arn? if pipeline",
                "app_pipeline_approval_message": "approval_text? if pipeline",
                "app_pipeline_approval_url": "approval_url? if pipeline",
                "app_task_execution_role_name": "iam_role_name",
                "app_task_role_name": "iam_role_name?",
                "app_codedeploy_role_name": "iam_role_name",
                "app_infrastructure_role_name": "iam_role_name? if native",
                "app_codebuild_role_name": "iam_role_name if pipeline",
                "app_codepipeline_role_name": "iam_role_name if pipeline",
                "vpc_id": "vpc_id?",
                "public_subnet_ids": "subnet_ids?",
                "private_subnet_ids": "subnet_ids?",
                "app_image_registry": "registry?",
                "app_image_build_args": "build_args?",
                "app_source_dir": "directory?",
                "app_build_args": "build_args?",
                "app_platform": "platform?",
                "app_image_uri": "image_uri?",
                "app_container_command": "container_command?",
                "app_container_environment": "container_environment?",
                "app_container_secrets": "container_secrets?",
                "app_container_secrets_kms_key_arn": "kms_key_arn?",
                "app_container_user": "container_user?",
                "app_readonly_root_filesystem": "bool",
                "app_container_drop_capabilities": "bool",
                "app_container_init_process": "bool",
                "deploy_wait_until": "checkpoint",
                "deploy_wait_timeout": "seconds?",
                "deploy_test_traffic_check": "bool?",
                "deploy_test_traffic_url": "url?",
                "deploy_test_traffic_status": "http_status?",
                "deploy_test_traffic_attempts": "attempts?",
                "deploy_test_traffic_delay": "delay_seconds?",
                "deploy_test_traffic_hold_minutes": "ready_wait_minutes?",
                "rollback_mode": "rollback_mode",
                "rollback_wait_timeout": "seconds?",
                "rollback_task_definition": "task_definition_ref?",
            },
            when={
                "native": lambda v: v.get("app_release_strategy") in ("blue_green", "linear", "canary"),
                "pipeline": _pipeline,
                "connections": lambda v: _pipeline(v) and v.get("app_pipeline_source") == "CodeConnections",
            },
            derived=DERIVED,
        ),
    ],
    checks=[
        _app_tags,
        alarm_window("app_alarm_period", "app_alarm_evaluation_periods"),
        _codedeploy_alarm_count,
        distinct("app_production_port", "app_test_port"),
        lambda v: (
            distinct("app_production_port", "app_test_port", "app_https_port")(v)
            if not empty(v.get("app_certificate_arn"))
            else []
        ),
        _certificate_region,
        distinct("app_task_execution_role_name", "app_codedeploy_role_name", "app_task_role_name"),
        lambda v: (
            distinct(
                "app_task_execution_role_name",
                "app_codedeploy_role_name",
                "app_task_role_name",
                "app_codebuild_role_name",
                "app_codepipeline_role_name",
            )(v)
            if _pipeline(v)
            else []
        ),
        derived_name(
            "app_name",
            "{0}-artifacts-{account}-{aws_region}",
            "s3_bucket_name",
            shown_as="artifact bucket name (with a 12-digit account id)",
            when=lambda v: _pipeline(v) and empty(v.get("app_artifact_bucket_name")),
        ),
        derived_name(
            "app_pipeline_name", "{0}-codecommit", "events_rule_name", shown_as="EventBridge rule name", when=_pipeline
        ),
        derived_name(
            "app_pipeline_name", "{0}-events", "iam_role_name", shown_as="EventBridge role name", when=_pipeline
        ),
        derived_name("app_alb_name", "{0}-tasks", "security_group_name", shown_as="tasks' security group name"),
        lambda v: (
            [
                (
                    "app_pipeline_connection_name",
                    "is empty and so is app_pipeline_connection_arn: a "
                    "CodeConnections source needs an existing connection's ARN or a name to create one.",
                )
            ]
            if _pipeline(v)
            and v.get("app_pipeline_source") == "CodeConnections"
            and empty(v.get("app_pipeline_connection_arn"))
            and empty(v.get("app_pipeline_connection_name"))
            else []
        ),
        _public_subnets,
        release_wait_covers(
            "deploy_wait_until",
            "deploy_wait_timeout",
            "app_codedeploy_config_name",
            "app_codedeploy_termination_wait_minutes",
            when_var="app_deployment_controller",
        ),
        lambda v: (
            release_wait_covers(
                "rollback_mode previous",
                "rollback_wait_timeout",
                "app_codedeploy_config_name",
                "app_codedeploy_termination_wait_minutes",
                when_var="app_deployment_controller",
                fixed="succeeded",
            )(v)
            if v.get("rollback_mode") == "previous"
            else []
        ),
        _teardown_confirm,
        _test_traffic_check,
        _app_source,
        _app_image,
        _pipeline_platform,
        _pipeline_container,
        lambda v: (
            _approval_unused(v, "app_pipeline_manual_approval", "app_pipeline_approval_", APPROVAL_APP_VARS)
            if _pipeline(v)
            else []
        ),
        lambda v: task_hardening.input_checks(v, "app_", "app_container_secrets_kms_key_arn"),
    ],
)

# Names the inventory may set besides CONTRACTS["inventory"]'s own (a typo in one of these prefixes is reported).
INVENTORY_PREFIXES = ("app_", "deploy_", "rollback_", "teardown_")
INVENTORY_EXTRA = (
    "aws_access_key",
    "aws_secret_key",
    "teardown_confirm",
    # The release style's settings: checked against the ECS API's ranges by the release_problems filter
    # (plugins/filter/release_strategy.py, through module_utils/ecs_native.py) in the stack's pre-flight.
    "app_release_bake_time_minutes",
    "app_release_linear_step_percent",
    "app_release_linear_step_bake_minutes",
    "app_release_canary_percent",
    "app_release_canary_bake_minutes",
    "app_release_lifecycle_hooks",
    "app_release_alarm_names",
)
# Variables a contract's checks read besides its fields (problems() gets them too): the pre-flight adds the app's
# directory as the playbooks resolve it (playbooks/vars/stack.yml).
# The release's own alarm names too (a CodeDeploy deployment group watches at most 10 with the stack's).
CONTRACT_EXTRA = {"inventory": ("teardown_confirm", "stack_facts_app_source_dir", "app_release_alarm_names")}


def unknown_inventory_names(names: list[str]) -> list[str]:
    """Inventory variables with the stack's prefixes that nothing reads (typos), with the closest known name."""
    known = set(CONTRACTS["inventory"].names()) | set(INVENTORY_EXTRA)
    out = []
    for name in sorted(names):
        if "__" in name or name in known or not name.startswith(INVENTORY_PREFIXES):
            continue
        closest = min(known, key=lambda k: _distance(k, name))
        out.append(f"{name} is set but nothing reads it (did you mean {closest}?)")
    return out


def _distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
