#!/usr/bin/python

# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: the stack tags every resource it creates and, before it deletes one, reads its tags to know
# whether it is the stack's. Several of those resources have no module that sets or returns tags
# (community.aws.ecs_ecr, community.aws.codecommit_repository, amazon.aws.cloudwatchevent_rule, ELBv2 listeners in
# amazon.aws.elb_application_lb, community.aws.ecs_cluster's answer). The Resource Groups Tagging API would be one
# call for all, but it needs tag:* permissions on top of each service's and lists only tagged resources; this
# module calls each service's own tag API, chosen by the ARN.

DOCUMENTATION = r"""
---
module: resource_tags
short_description: Read, add or remove the tags of an AWS resource
version_added: 1.0.0
description:
  - Reads whether a resource exists and which tags it has; with O(tags) adds or changes tags (and with
    O(purge_tags) removes the others), through the resource's own service.
  - "Services: Amazon ECR repositories; Amazon ECS clusters, services and task definitions; Elastic Load
    Balancing v2 load balancers, target groups and listeners; AWS CodeCommit repositories; Amazon EventBridge
    rules; AWS CodeDeploy applications and deployment groups; AWS CodePipeline pipelines; AWS CodeBuild projects;
    CloudWatch Logs log groups; CloudWatch alarms; Amazon S3 buckets."
  - A resource that does not exist is reported with RV(exists=false) and is not an error; tagging it is, except
    in check mode, where the module reports the tags the resource would get once an earlier task makes it.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  resource_arn:
    description:
      - ARN of the resource. A log group's ARN may end with C(:*), as DescribeLogGroups gives it.
      - Exactly one of O(resource_arn) and O(resource) is required.
    type: str
  resource:
    description:
      - The resource part of the ARN (V(repository/fargatedemo/helloapp), V(cluster/helloapp),
        V(alarm:helloapp-target-5xx)); the module
        completes the ARN with O(service), the region and the caller's account and partition (one STS call).
    type: str
  service:
    description: The ARN's service with O(resource).
    type: str
    choices:
      [cloudwatch, codebuild, codecommit, codedeploy, codepipeline, ecr, ecs, elasticloadbalancing, events, logs, s3]
  tags:
    description: Tags the resource must carry. When omitted the module only reads.
    type: dict
  purge_tags:
    description: Remove the tags the resource has that are not in O(tags) (keys starting with C(aws:) are kept).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Tag the image repository
  fargatedemo.ecs_delivery.resource_tags:
    service: ecr
    resource: repository/fargatedemo/helloapp
    tags:
      application: helloapp
      managed-by: fargatedemo.ecs_delivery

- name: Is the cluster the stack's?
  fargatedemo.ecs_delivery.resource_tags:
    resource_arn: arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp
  register: cluster_tags
"""

RETURN = r"""
exists:
  description: Whether the resource exists.
  returned: always
  type: bool
resource_arn:
  description: The resource's ARN.
  returned: always
  type: str
tags:
  description: The resource's tags after the change (as they would be, in check mode); empty when it does not exist.
  returned: always
  type: dict
  sample: {"application": "helloapp", "managed-by": "fargatedemo.ecs_delivery"}
"""

from dataclasses import dataclass
from typing import NamedTuple

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

MISSING = object()  # what a read returns for a resource that is not there


def parse_arn(arn):
    """(service, region, account, resource) of an ARN; raises ModuleFailure when it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ModuleFailure(f"resource_arn {arn!r} is not an ARN (arn:partition:service:region:account:resource)")
    return parts[2], parts[3], parts[4], parts[5]


# The shapes of tags in the services' APIs: [{"Key": k, "Value": v}], [{"key": k, "value": v}] or {k: v}.
PAIRS = ("Key", "Value")
LOWER_PAIRS = ("key", "value")
PLAIN = None


class Params(NamedTuple):
    """The names of the tag calls' parameters."""

    arn: str  # of the three calls
    tags: str  # of the tag call, and the key of the list call's answer
    keys: str  # of the untag call


class Calls(NamedTuple):
    """The tag calls: the operations behind Tagging's add, remove and read."""

    add: str
    remove: str
    read: str


@dataclass(frozen=True)
class Tagging:
    """One service's own tag API, described by data: read(client, arn) -> tags dict or MISSING; add(client, arn,
    tags); remove(client, arn, keys). The defaults are the most common names: TagResource, UntagResource and
    ListTagsForResource, with resourceArn, tags and tagKeys."""

    # Annotations as strings: modules may run on Pythons older than the controller's (no `X | None` there).
    client: str  # the boto3 client
    shape: "tuple[str, str] | None"  # PAIRS, LOWER_PAIRS or PLAIN
    missing: "tuple[str, ...]" = ()  # the error codes that mean the resource is not there
    # Where ListTagsForResource alone does not tell whether the resource is there: the (operation, parameters)
    # of a read, given the ARN's resource part, that fails with one of the `missing` codes when it is not.
    probe: object = None  # a function: resource part -> (operation, parameters); None: no probe
    params: Params = Params("resourceArn", "tags", "tagKeys")
    calls: Calls = Calls("tag_resource", "untag_resource", "list_tags_for_resource")
    arn_list: bool = False  # whether the ARN parameter takes a list of ARNs (of one ARN here)
    # The key of the list call's answer when it is not the tags parameter's name. A call on a list of ARNs
    # answers there one description per ARN, each with the tags under the tags parameter's name.
    listed: str = ""

    def read(self, client, arn):
        # Described here rather than by a decorator: the codes that mean "not there" are the service's.
        return aws_call("read the tags of {arn}", missing=list(self.missing), default=MISSING)(self._read)(client, arn)

    def _read(self, client, arn):
        if self.probe:
            operation, params = self.probe(parse_arn(arn)[3])
            getattr(client, operation)(**params, aws_retry=True)
        return self._list(client, arn)

    def _list(self, client, arn):
        answer = self._call(client, self.calls.read, arn)
        if self.arn_list:
            return self._from_api((answer.get(self.listed) or [{}])[0].get(self.params.tags))
        return self._from_api(answer.get(self.listed or self.params.tags))

    @aws_call("tag {arn}")
    def add(self, client, arn, tags):
        self._call(client, self.calls.add, arn, **{self.params.tags: self._to_api(tags)})

    @aws_call("untag {arn}")
    def remove(self, client, arn, keys):
        self._call(client, self.calls.remove, arn, **{self.params.keys: keys})

    def _call(self, client, operation, arn, **params):
        arn = self.target(arn)
        return getattr(client, operation)(
            **{self.params.arn: [arn] if self.arn_list else arn}, **params, aws_retry=True
        )

    def target(self, arn):
        """The ARN as the service's tag calls take it."""
        return arn

    def _to_api(self, tags):
        if self.shape is PLAIN:
            return dict(tags)
        key, value = self.shape
        return [{key: k, value: v} for k, v in sorted(tags.items())]

    def _from_api(self, tags):
        if self.shape is PLAIN:
            return dict(tags or {})
        key, value = self.shape
        return {p[key]: p.get(value, "") for p in tags or []}


class Ecs(Tagging):
    """ECS answers ListTagsForResource for deleted clusters and services too: their status decides (a deleted
    cluster stays INACTIVE, and discoverable, for a while:
    https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Cluster.html)."""

    def _read(self, client, arn):
        found = [r for r in self._found(client, arn) if r.get("status") not in ("INACTIVE", "DELETE_IN_PROGRESS")]
        if not found:
            return MISSING
        # A task definition named by its family (no revision) is its latest ACTIVE revision's
        # (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html).
        return self._list(client, found[0].get("taskDefinitionArn", arn))

    @aws_call("describe {arn}", missing=["ClusterNotFoundException", "ClientException"], default=[])
    def _found(self, client, arn):
        resource = parse_arn(arn)[3]
        kind = resource.split("/")[0]
        if kind == "cluster":
            return client.describe_clusters(clusters=[arn], aws_retry=True)["clusters"]
        if kind == "service":
            cluster = resource.split("/")[1]
            return client.describe_services(cluster=cluster, services=[arn], aws_retry=True)["services"]
        return [client.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]]


class Logs(Tagging):
    """A log group's ARN as DescribeLogGroups gives it ends with ':*'; the tag calls take it without
    (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_LogGroup.html)."""

    def target(self, arn):
        return arn[:-2] if arn.endswith(":*") else arn

    def _read(self, client, arn):
        name = self.target(arn).split(":log-group:", 1)[1]
        # DescribeLogGroups matches a prefix: only the group of this very name is the one asked about.
        groups = client.describe_log_groups(logGroupNamePrefix=name, aws_retry=True).get("logGroups") or []
        if not [g for g in groups if g.get("logGroupName") == name]:
            return MISSING
        return self._list(client, arn)


class WrittenWhole(Tagging):
    """A service without TagResource and UntagResource: add and remove read the tags and write them all."""

    def add(self, client, arn, tags):
        self._write(client, arn, {**self.read(client, arn), **tags})

    def remove(self, client, arn, keys):
        self._write(client, arn, {k: v for k, v in self.read(client, arn).items() if k not in keys})


class CodeBuild(WrittenWhole):
    """CodeBuild has no TagResource: a project's tags are written whole with UpdateProject
    (https://docs.aws.amazon.com/codebuild/latest/APIReference/API_UpdateProject.html)."""

    @staticmethod
    def _name(arn):
        return parse_arn(arn)[3].split("/", 1)[1]

    def _read(self, client, arn):
        found = client.batch_get_projects(names=[self._name(arn)], aws_retry=True).get("projects") or []
        return self._from_api(found[0].get("tags")) if found else MISSING

    @aws_call("tag {arn}")
    def _write(self, client, arn, tags):
        client.update_project(name=self._name(arn), tags=self._to_api(tags), aws_retry=True)


class S3(WrittenWhole):
    """S3 writes a bucket's tag set whole: PutBucketTagging replaces the tags the bucket has
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketTagging.html)."""

    def read(self, client, arn):
        tag_set = self._tag_set(client, parse_arn(arn)[3])
        return MISSING if tag_set is MISSING else self._from_api(tag_set)

    # One call, two answers that are not errors: GetBucketTagging says NoSuchBucket for a bucket that is not
    # there and NoSuchTagSet for one without tags
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html).
    @aws_call("read the tags of bucket {bucket}", missing="NoSuchBucket", default=MISSING)
    def _tag_set(self, client, bucket):
        try:
            return client.get_bucket_tagging(Bucket=bucket, aws_retry=True).get("TagSet") or []
        except is_boto3_error_code("NoSuchTagSet"):
            return []

    @aws_call("tag {arn}")
    def _write(self, client, arn, tags):
        bucket = parse_arn(arn)[3]
        if tags:
            client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": self._to_api(tags)}, aws_retry=True)
        else:
            client.delete_bucket_tagging(Bucket=bucket, aws_retry=True)


class CloudWatch(Tagging):
    """CloudWatch alarms: amazon.aws.cloudwatch_metric_alarm cannot tag them (PutMetricAlarm's Tags apply only at
    creation: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), so the
    tags are set with TagResource. DescribeAlarms by name tells whether the alarm is there (it answers an empty
    list, not an error, for one that is not)."""

    def _read(self, client, arn):
        kind, _sep, name = parse_arn(arn)[3].partition(":")
        if kind != "alarm" or not name:
            raise ModuleFailure(f"resource_arn {arn!r}: only CloudWatch alarms (alarm:NAME) are supported")
        found = client.describe_alarms(AlarmNames=[name], aws_retry=True)
        if not (found.get("MetricAlarms") or found.get("CompositeAlarms")):
            return MISSING
        return self._list(client, arn)


def _codedeploy_probe(resource):
    """application:NAME or deploymentgroup:APPLICATION/GROUP."""
    kind, _sep, name = resource.partition(":")
    if kind == "application":
        return "get_application", {"applicationName": name}
    application, _sep, group = name.partition("/")
    return "get_deployment_group", {"applicationName": application, "deploymentGroupName": group}


# --- the services, by the ARN's service; what differs between them is data.

SERVICES = {
    "ecr": Tagging("ecr", PAIRS, missing=("RepositoryNotFoundException",)),
    "ecs": Ecs("ecs", LOWER_PAIRS),
    "elasticloadbalancing": Tagging(
        "elbv2",
        PAIRS,
        missing=("LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound", "RuleNotFound"),
        params=Params("ResourceArns", "Tags", "TagKeys"),
        calls=Calls("add_tags", "remove_tags", "describe_tags"),
        arn_list=True,
        listed="TagDescriptions",
    ),
    "codecommit": Tagging(
        "codecommit",
        PLAIN,
        missing=("RepositoryDoesNotExistException",),
        probe=lambda resource: ("get_repository", {"repositoryName": resource}),
    ),
    "events": Tagging(
        "events",
        PAIRS,
        missing=("ResourceNotFoundException",),
        probe=lambda resource: ("describe_rule", {"Name": resource.split("/", 1)[1]}),
        params=Params("ResourceARN", "Tags", "TagKeys"),
    ),
    "codedeploy": Tagging(
        "codedeploy",
        PAIRS,
        missing=("ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"),
        probe=_codedeploy_probe,
        params=Params("ResourceArn", "Tags", "TagKeys"),
    ),
    "codepipeline": Tagging(
        "codepipeline",
        LOWER_PAIRS,
        missing=("PipelineNotFoundException", "ResourceNotFoundException"),
        probe=lambda resource: ("get_pipeline", {"name": resource}),
    ),
    "codebuild": CodeBuild("codebuild", LOWER_PAIRS),
    "logs": Logs("logs", PLAIN),
    "cloudwatch": CloudWatch(
        "cloudwatch",
        PAIRS,
        missing=("ResourceNotFound", "ResourceNotFoundException"),
        params=Params("ResourceARN", "Tags", "TagKeys"),
    ),
    "s3": S3("s3", PAIRS),
}


def adapter_for(arn):
    service = parse_arn(arn)[0]
    if service not in SERVICES:
        raise ModuleFailure(
            f"resource_arn {arn!r}: tags of {service} resources are not supported (supported: {', '.join(SERVICES)})"
        )
    return SERVICES[service]


def resource_arn(module):
    """The ARN asked about: given whole, or completed from the caller's account, partition and region."""
    params = module.params
    if params["resource_arn"]:
        return params["resource_arn"]
    account, partition = get_aws_account_info(module)
    region = "" if params["service"] == "s3" else module.region
    account = "" if params["service"] == "s3" else account
    return f"arn:{partition}:{params['service']}:{region}:{account}:{params['resource']}"


def ensure(module):
    """Read the tags and bring them to O(tags); return the result (never ends the module)."""
    arn = resource_arn(module)
    adapter = adapter_for(arn)
    client = module.client(adapter.client, retry_decorator=AWSRetry.jittered_backoff())
    result = {"changed": False, "resource_arn": arn, "exists": True}
    current = adapter.read(client, arn)
    wanted = module.params["tags"]
    if current is MISSING:
        if wanted and module.check_mode:
            # A check run predicts: the resource is made by an earlier task whose module cannot run in check
            # mode (amazon.aws.cloudwatchevent_rule) or that only said it would make it; it gets these tags then.
            wanted = {str(k): str(v) for k, v in wanted.items()}
            return set_diff(
                module, {**result, "changed": True, "exists": False, "tags": wanted}, {"tags": {}}, {"tags": wanted}
            )
        if wanted:
            raise ModuleFailure(f"Cannot tag {arn}: it does not exist", resource_arn=arn, exists=False, tags={})
        return {**result, "exists": False, "tags": {}}
    if wanted is None:
        return {**result, "tags": current}
    wanted = {str(k): str(v) for k, v in wanted.items()}
    to_set, to_remove = compare_aws_tags(current, wanted, module.params["purge_tags"])
    to_remove = [k for k in to_remove if not k.startswith("aws:")]
    after = {k: v for k, v in {**current, **to_set}.items() if k not in to_remove}
    result.update(tags=after, changed=bool(to_set or to_remove))
    if result["changed"] and not module.check_mode:
        if to_remove:
            adapter.remove(client, arn, to_remove)
        if to_set:
            adapter.add(client, arn, to_set)
    return set_diff(module, result, {"tags": current}, {"tags": after})


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            resource_arn=dict(type="str"),
            resource=dict(type="str"),
            service=dict(type="str", choices=sorted(SERVICES)),
            tags=dict(type="dict"),
            purge_tags=dict(type="bool", default=False),
        ),
        required_one_of=[("resource_arn", "resource")],
        mutually_exclusive=[("resource_arn", "resource")],
        required_together=[("resource", "service")],
        supports_check_mode=True,
    )
    run(module, ensure)


if __name__ == "__main__":
    main()
