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
    CloudWatch Logs log groups; Amazon S3 buckets."
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
      - The resource part of the ARN (V(repository/fargatedemo/helloapp), V(cluster/helloapp)); the module
        completes the ARN with O(service), the region and the caller's account and partition (one STS call).
    type: str
  service:
    description: The ARN's service with O(resource).
    type: str
    choices: [codebuild, codecommit, codedeploy, codepipeline, ecr, ecs, elasticloadbalancing, events, logs, s3]
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

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run

MISSING = object()  # what a read returns for a resource that is not there


def parse_arn(arn):
    """(service, region, account, resource) of an ARN; raises ModuleFailure when it is not one."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise ModuleFailure(f"resource_arn {arn!r} is not an ARN (arn:partition:service:region:account:resource)")
    return parts[2], parts[3], parts[4], parts[5]


def _pairs(tags, key="Key", value="Value"):
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def _lower(pairs):
    return {p["key"]: p.get("value", "") for p in pairs or []}


# --- one adapter per service: read(client, arn) -> tags dict or MISSING; add(client, arn, tags); remove(...)


class Ecr:
    client = "ecr"

    @staticmethod
    @aws_call("read the tags of {arn}", missing="RepositoryNotFoundException", default=MISSING)
    def read(client, arn):
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(resourceArn=arn, aws_retry=True)["tags"])

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


class Ecs:
    """ECS answers ListTagsForResource for deleted (INACTIVE) clusters and services too: their status decides."""

    client = "ecs"

    @staticmethod
    @aws_call("describe {arn}", missing=["ClusterNotFoundException", "ClientException"], default=[])
    def _found(client, arn):
        resource = parse_arn(arn)[3]
        kind = resource.split("/")[0]
        if kind == "cluster":
            return client.describe_clusters(clusters=[arn], aws_retry=True)["clusters"]
        if kind == "service":
            cluster = resource.split("/")[1]
            return client.describe_services(cluster=cluster, services=[arn], aws_retry=True)["services"]
        return [client.describe_task_definition(taskDefinition=arn, aws_retry=True)["taskDefinition"]]

    @staticmethod
    @aws_call("read the tags of {arn}")
    def read(client, arn):
        found = [r for r in Ecs._found(client, arn) if r.get("status") not in ("INACTIVE", "DELETE_IN_PROGRESS")]
        if not found:
            return MISSING
        # A task definition named by its family (no revision) is its latest ACTIVE revision's.
        arn = found[0].get("taskDefinitionArn", arn)
        return _lower(client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags"))

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(resourceArn=arn, tags=_pairs(tags, "key", "value"), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


class Elbv2:
    client = "elbv2"

    @staticmethod
    @aws_call(
        "read the tags of {arn}",
        missing=["LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound", "RuleNotFound"],
        default=MISSING,
    )
    def read(client, arn):
        found = client.describe_tags(ResourceArns=[arn], aws_retry=True).get("TagDescriptions") or [{}]
        return boto3_tag_list_to_ansible_dict(found[0].get("Tags") or [])

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.add_tags(ResourceArns=[arn], Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.remove_tags(ResourceArns=[arn], TagKeys=keys, aws_retry=True)


class CodeCommit:
    client = "codecommit"

    @staticmethod
    @aws_call("read the tags of {arn}", missing="RepositoryDoesNotExistException", default=MISSING)
    def read(client, arn):
        client.get_repository(repositoryName=parse_arn(arn)[3], aws_retry=True)
        return dict(client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags") or {})

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(resourceArn=arn, tags=tags, aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


class Events:
    client = "events"

    @staticmethod
    @aws_call("read the tags of {arn}", missing="ResourceNotFoundException", default=MISSING)
    def read(client, arn):
        client.describe_rule(Name=parse_arn(arn)[3].split("/", 1)[1], aws_retry=True)
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceARN=arn, aws_retry=True)["Tags"])

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(ResourceARN=arn, TagKeys=keys, aws_retry=True)


class CodeDeploy:
    client = "codedeploy"

    @staticmethod
    @aws_call(
        "read the tags of {arn}",
        missing=["ApplicationDoesNotExistException", "DeploymentGroupDoesNotExistException"],
        default=MISSING,
    )
    def read(client, arn):
        kind, _sep, name = parse_arn(arn)[3].partition(":")
        if kind == "application":
            client.get_application(applicationName=name, aws_retry=True)
        else:
            application, _sep, group = name.partition("/")
            client.get_deployment_group(applicationName=application, deploymentGroupName=group, aws_retry=True)
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(ResourceArn=arn, aws_retry=True)["Tags"])

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(ResourceArn=arn, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True)


class CodePipeline:
    client = "codepipeline"

    @staticmethod
    @aws_call(
        "read the tags of {arn}", missing=["PipelineNotFoundException", "ResourceNotFoundException"], default=MISSING
    )
    def read(client, arn):
        client.get_pipeline(name=parse_arn(arn)[3], aws_retry=True)
        return _lower(client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags"))

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(resourceArn=arn, tags=_pairs(tags, "key", "value"), aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


class CodeBuild:
    """CodeBuild has no TagResource: a project's tags are written whole with UpdateProject."""

    client = "codebuild"

    @staticmethod
    def _name(arn):
        return parse_arn(arn)[3].split("/", 1)[1]

    @staticmethod
    @aws_call("read the tags of {arn}")
    def read(client, arn):
        found = client.batch_get_projects(names=[CodeBuild._name(arn)], aws_retry=True).get("projects") or []
        return _lower(found[0].get("tags")) if found else MISSING

    @staticmethod
    @aws_call("tag {arn}")
    def _write(client, arn, tags):
        client.update_project(name=CodeBuild._name(arn), tags=_pairs(tags, "key", "value"), aws_retry=True)

    @staticmethod
    def add(client, arn, tags):
        CodeBuild._write(client, arn, {**CodeBuild.read(client, arn), **tags})

    @staticmethod
    def remove(client, arn, keys):
        CodeBuild._write(client, arn, {k: v for k, v in CodeBuild.read(client, arn).items() if k not in keys})


class Logs:
    client = "logs"

    @staticmethod
    def _arn(arn):
        return arn[:-2] if arn.endswith(":*") else arn

    @staticmethod
    @aws_call("read the tags of {arn}")
    def read(client, arn):
        name = Logs._arn(arn).split(":log-group:", 1)[1]
        groups = client.describe_log_groups(logGroupNamePrefix=name, aws_retry=True).get("logGroups") or []
        if not [g for g in groups if g.get("logGroupName") == name]:
            return MISSING
        return dict(client.list_tags_for_resource(resourceArn=Logs._arn(arn), aws_retry=True).get("tags") or {})

    @staticmethod
    @aws_call("tag {arn}")
    def add(client, arn, tags):
        client.tag_resource(resourceArn=Logs._arn(arn), tags=tags, aws_retry=True)

    @staticmethod
    @aws_call("untag {arn}")
    def remove(client, arn, keys):
        client.untag_resource(resourceArn=Logs._arn(arn), tagKeys=keys, aws_retry=True)


class S3:
    """S3 writes a bucket's tag set whole (PutBucketTagging)."""

    client = "s3"

    @staticmethod
    def read(client, arn):
        tag_set = S3._tag_set(client, parse_arn(arn)[3])
        return MISSING if tag_set is MISSING else boto3_tag_list_to_ansible_dict(tag_set)

    # One call, two answers that are not errors: GetBucketTagging says NoSuchBucket for a bucket that is not
    # there and NoSuchTagSet for one without tags
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html).
    @staticmethod
    @aws_call("read the tags of bucket {bucket}", missing="NoSuchBucket", default=MISSING)
    def _tag_set(client, bucket):
        try:
            return client.get_bucket_tagging(Bucket=bucket, aws_retry=True).get("TagSet") or []
        except is_boto3_error_code("NoSuchTagSet"):
            return []

    @staticmethod
    @aws_call("tag {arn}")
    def _put(client, arn, tags):
        bucket = parse_arn(arn)[3]
        if tags:
            client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": _pairs(tags)}, aws_retry=True)
        else:
            client.delete_bucket_tagging(Bucket=bucket, aws_retry=True)

    @staticmethod
    def add(client, arn, tags):
        S3._put(client, arn, {**S3.read(client, arn), **tags})

    @staticmethod
    def remove(client, arn, keys):
        S3._put(client, arn, {k: v for k, v in S3.read(client, arn).items() if k not in keys})


SERVICES = {
    "ecr": Ecr,
    "ecs": Ecs,
    "elasticloadbalancing": Elbv2,
    "codecommit": CodeCommit,
    "events": Events,
    "codedeploy": CodeDeploy,
    "codepipeline": CodePipeline,
    "codebuild": CodeBuild,
    "logs": Logs,
    "s3": S3,
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
