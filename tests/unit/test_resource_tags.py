"""resource_tags: the ARN decides the service, a missing resource is not an error unless it is to be tagged, tags are
brought to what was asked (aws: keys never removed), and check mode changes nothing."""

from __future__ import annotations

import dataclasses
import functools
from contextlib import contextmanager
from types import SimpleNamespace

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import resource_tags as rt
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

ARN = "arn:aws:ecr:ap-northeast-2:123456789012:repository/fargatedemo/helloapp"


class FakeAdapter:
    """A service whose resource has ``tags`` (None: it does not exist); records what was written."""

    client = "ecr"

    def __init__(self, tags):
        self.tags, self.calls = tags, []

    def read(self, client, arn):
        return rt.MISSING if self.tags is None else dict(self.tags)

    def add(self, client, arn, tags):
        self.calls.append(("add", tags))

    def remove(self, client, arn, keys):
        self.calls.append(("remove", keys))


def module(tags=None, purge=False, check=False):
    params = {"resource_arn": ARN, "resource": None, "service": None, "tags": tags, "purge_tags": purge}
    return SimpleNamespace(params=params, check_mode=check, _diff=True, client=lambda *a, **k: object())


@pytest.fixture
def adapter(monkeypatch):
    def use(tags):
        fake = FakeAdapter(tags)
        monkeypatch.setattr(rt, "adapter_for", lambda arn: fake)
        return fake

    return use


@pytest.mark.parametrize(
    ("arn", "client"),
    [
        (ARN, "ecr"),
        ("arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp", "ecs"),
        ("arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/a/1/2", "elbv2"),
        ("arn:aws:codecommit:ap-northeast-2:123456789012:helloapp", "codecommit"),
        ("arn:aws:events:ap-northeast-2:123456789012:rule/helloapp-ecr-push", "events"),
        ("arn:aws:codedeploy:ap-northeast-2:123456789012:application:helloapp", "codedeploy"),
        ("arn:aws:codepipeline:ap-northeast-2:123456789012:helloapp", "codepipeline"),
        ("arn:aws:codebuild:ap-northeast-2:123456789012:project/helloapp-build", "codebuild"),
        ("arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/helloapp:*", "logs"),
        ("arn:aws:s3:::helloapp-artifacts", "s3"),
    ],
)
def test_the_arn_names_the_service(arn, client):
    assert rt.adapter_for(arn).client == client


@pytest.mark.parametrize("arn", ["helloapp", "arn:aws:iam::123456789012:role/helloapp"])
def test_an_unsupported_or_malformed_arn_fails_naming_resource_arn(arn):
    with pytest.raises(ModuleFailure, match="resource_arn"):
        rt.adapter_for(arn)


def test_reading_a_missing_resource_is_not_an_error(adapter):
    adapter(None)
    assert rt.ensure(module()) == {"changed": False, "resource_arn": ARN, "exists": False, "tags": {}}


def test_tagging_a_missing_resource_fails(adapter):
    adapter(None)
    with pytest.raises(ModuleFailure, match="does not exist"):
        rt.ensure(module(tags={"a": "b"}))


@pytest.mark.parametrize(
    ("current", "wanted", "purge", "calls", "after"),
    [
        ({"a": "1"}, {"a": "1"}, True, [], {"a": "1"}),
        ({"a": "1", "x": "y"}, {"a": "2"}, False, [("add", {"a": "2"})], {"a": "2", "x": "y"}),
        (
            {"a": "1", "x": "y", "aws:cloudformation": "z"},
            {"a": "1"},
            True,
            [("remove", ["x"])],
            {"a": "1", "aws:cloudformation": "z"},
        ),
    ],
    ids=["unchanged", "changed-kept", "purged-aws-kept"],
)
def test_tags_are_brought_to_what_was_asked(adapter, current, wanted, purge, calls, after):
    fake = adapter(current)
    result = rt.ensure(module(tags=wanted, purge=purge))
    assert fake.calls == calls
    assert result["tags"] == after
    assert result["changed"] is bool(calls)
    assert result["diff"] == {"before": {"tags": current}, "after": {"tags": after}}


def test_check_mode_reports_and_writes_nothing(adapter):
    fake = adapter({"a": "1"})
    result = rt.ensure(module(tags={"a": "2"}, check=True))
    assert result["changed"] and result["tags"] == {"a": "2"}
    assert fake.calls == []


@pytest.mark.parametrize(
    ("error_code", "expected"),
    [("NoSuchBucket", rt.MISSING), ("NoSuchTagSet", {})],
    ids=["bucket-missing", "bucket-without-tags"],
)
def test_s3_tells_a_missing_bucket_from_one_without_tags(error_code, expected):
    steps = [fails("get_bucket_tagging", {"Bucket": "helloapp-artifacts"}, error_code, status=404)]
    with stubbed("s3", steps) as client:
        assert rt.adapter_for(S3).read(client, S3) == expected


def test_check_mode_predicts_the_tags_of_a_resource_not_made_yet(adapter):
    fake = adapter(None)
    result = rt.ensure(module(tags={"a": 1}, check=True))
    assert result["changed"] and result["exists"] is False and result["tags"] == {"a": "1"}
    assert result["diff"] == {"before": {"tags": {}}, "after": {"tags": {"a": "1"}}}
    assert fake.calls == []


# --- every service's calls, on botocore Stubbers: botocore checks the operations and their parameters' names and
# shapes against its model, and the expected parameters pin them down (no AWS, no emulator).

REGION = "ap-northeast-2"
ECR = ARN
CLUSTER = "arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp"
SERVICE = "arn:aws:ecs:ap-northeast-2:123456789012:service/helloapp/helloapp"
TASK_FAMILY = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp"
LB = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/helloapp-alb/0123456789abcdef"
LISTENER = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:listener/app/helloapp-alb/0123456789abcdef/1"
REPOSITORY = "arn:aws:codecommit:ap-northeast-2:123456789012:helloapp"
RULE = "arn:aws:events:ap-northeast-2:123456789012:rule/helloapp-ecr-push"
APPLICATION = "arn:aws:codedeploy:ap-northeast-2:123456789012:application:helloapp"
GROUP = "arn:aws:codedeploy:ap-northeast-2:123456789012:deploymentgroup:helloapp/helloapp-dg"
PIPELINE = "arn:aws:codepipeline:ap-northeast-2:123456789012:helloapp"
PROJECT = "arn:aws:codebuild:ap-northeast-2:123456789012:project/helloapp-build"
LOG_GROUP = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/ecs/helloapp"
S3 = "arn:aws:s3:::helloapp-artifacts"
ALARM = "arn:aws:cloudwatch:ap-northeast-2:123456789012:alarm:helloapp-target-5xx"

# Every resource below has the tags a=1 and keep=k; the tests add b=2 and remove a.
TAGS = {"a": "1", "keep": "k"}
PAIRS = [{"Key": "a", "Value": "1"}, {"Key": "keep", "Value": "k"}]
LOWER_PAIRS = [{"key": "a", "value": "1"}, {"key": "keep", "value": "k"}]


@dataclasses.dataclass
class Step:
    """One stubbed call: its operation, the parameters it must be given, and the answer or the error code."""

    operation: str
    params: dict
    response: dict = dataclasses.field(default_factory=dict)
    error: str = ""
    status: int = 400


def fails(operation, params, error, status=400):
    return Step(operation, params, error=error, status=status)


@functools.cache
def real_client(service):
    # A client costs ~0.1 s to make: one per service for the whole run, with a fresh Stubber for each use.
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service, region_name=REGION)


@contextmanager
def stubbed(service, steps):
    """A client of ``service`` that answers ``steps`` in order, wrapped as AnsibleAWSModule.client wraps it (the
    wrapper takes the module's aws_retry=True, the client itself would not)."""
    client = real_client(service)
    with Stubber(client) as stub:
        for step in steps:
            if step.error:
                stub.add_client_error(step.operation, step.error, "stubbed", step.status, expected_params=step.params)
            else:
                stub.add_response(step.operation, step.response, step.params)
        yield RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff())
        stub.assert_no_pending_responses()


@dataclasses.dataclass
class Case:
    """A service's read of TAGS, add of b=2 and removal of a, as the calls they make."""

    id: str
    client: str
    arn: str
    read: list
    add: list
    remove: list


PROJECT_READ = Step(
    "batch_get_projects", {"names": ["helloapp-build"]}, {"projects": [{"name": "helloapp-build", "tags": LOWER_PAIRS}]}
)
BUCKET_READ = Step("get_bucket_tagging", {"Bucket": "helloapp-artifacts"}, {"TagSet": PAIRS})

CASES = [
    Case(
        "ecr",
        "ecr",
        ECR,
        read=[Step("list_tags_for_resource", {"resourceArn": ECR}, {"tags": PAIRS})],
        add=[Step("tag_resource", {"resourceArn": ECR, "tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("untag_resource", {"resourceArn": ECR, "tagKeys": ["a"]})],
    ),
    Case(
        "ecs-cluster",
        "ecs",
        CLUSTER,
        read=[
            Step(
                "describe_clusters",
                {"clusters": [CLUSTER]},
                {"clusters": [{"clusterArn": CLUSTER, "status": "ACTIVE"}]},
            ),
            Step("list_tags_for_resource", {"resourceArn": CLUSTER}, {"tags": LOWER_PAIRS}),
        ],
        add=[Step("tag_resource", {"resourceArn": CLUSTER, "tags": [{"key": "b", "value": "2"}]})],
        remove=[Step("untag_resource", {"resourceArn": CLUSTER, "tagKeys": ["a"]})],
    ),
    Case(
        "ecs-service",
        "ecs",
        SERVICE,
        read=[
            Step(
                "describe_services",
                {"cluster": "helloapp", "services": [SERVICE]},
                {"services": [{"serviceArn": SERVICE, "status": "ACTIVE"}]},
            ),
            Step("list_tags_for_resource", {"resourceArn": SERVICE}, {"tags": LOWER_PAIRS}),
        ],
        add=[Step("tag_resource", {"resourceArn": SERVICE, "tags": [{"key": "b", "value": "2"}]})],
        remove=[Step("untag_resource", {"resourceArn": SERVICE, "tagKeys": ["a"]})],
    ),
    Case(
        "elbv2",
        "elbv2",
        LISTENER,
        read=[
            Step(
                "describe_tags",
                {"ResourceArns": [LISTENER]},
                {"TagDescriptions": [{"ResourceArn": LISTENER, "Tags": PAIRS}]},
            )
        ],
        add=[Step("add_tags", {"ResourceArns": [LISTENER], "Tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("remove_tags", {"ResourceArns": [LISTENER], "TagKeys": ["a"]})],
    ),
    Case(
        "codecommit",
        "codecommit",
        REPOSITORY,
        read=[
            Step(
                "get_repository", {"repositoryName": "helloapp"}, {"repositoryMetadata": {"repositoryName": "helloapp"}}
            ),
            Step("list_tags_for_resource", {"resourceArn": REPOSITORY}, {"tags": TAGS}),
        ],
        add=[Step("tag_resource", {"resourceArn": REPOSITORY, "tags": {"b": "2"}})],
        remove=[Step("untag_resource", {"resourceArn": REPOSITORY, "tagKeys": ["a"]})],
    ),
    Case(
        "events",
        "events",
        RULE,
        read=[
            Step("describe_rule", {"Name": "helloapp-ecr-push"}, {"Name": "helloapp-ecr-push", "Arn": RULE}),
            Step("list_tags_for_resource", {"ResourceARN": RULE}, {"Tags": PAIRS}),
        ],
        add=[Step("tag_resource", {"ResourceARN": RULE, "Tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("untag_resource", {"ResourceARN": RULE, "TagKeys": ["a"]})],
    ),
    Case(
        "codedeploy-application",
        "codedeploy",
        APPLICATION,
        read=[
            Step("get_application", {"applicationName": "helloapp"}, {"application": {"applicationName": "helloapp"}}),
            Step("list_tags_for_resource", {"ResourceArn": APPLICATION}, {"Tags": PAIRS}),
        ],
        add=[Step("tag_resource", {"ResourceArn": APPLICATION, "Tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("untag_resource", {"ResourceArn": APPLICATION, "TagKeys": ["a"]})],
    ),
    Case(
        "codedeploy-deployment-group",
        "codedeploy",
        GROUP,
        read=[
            Step(
                "get_deployment_group",
                {"applicationName": "helloapp", "deploymentGroupName": "helloapp-dg"},
                {"deploymentGroupInfo": {"applicationName": "helloapp", "deploymentGroupName": "helloapp-dg"}},
            ),
            Step("list_tags_for_resource", {"ResourceArn": GROUP}, {"Tags": PAIRS}),
        ],
        add=[Step("tag_resource", {"ResourceArn": GROUP, "Tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("untag_resource", {"ResourceArn": GROUP, "TagKeys": ["a"]})],
    ),
    Case(
        "codepipeline",
        "codepipeline",
        PIPELINE,
        read=[
            Step("get_pipeline", {"name": "helloapp"}, {"metadata": {"pipelineArn": PIPELINE}}),
            Step("list_tags_for_resource", {"resourceArn": PIPELINE}, {"tags": LOWER_PAIRS}),
        ],
        add=[Step("tag_resource", {"resourceArn": PIPELINE, "tags": [{"key": "b", "value": "2"}]})],
        remove=[Step("untag_resource", {"resourceArn": PIPELINE, "tagKeys": ["a"]})],
    ),
    Case(
        "codebuild",
        "codebuild",
        PROJECT,
        read=[PROJECT_READ],
        # No TagResource: UpdateProject writes the tags the project read with, changed.
        add=[
            PROJECT_READ,
            Step(
                "update_project",
                {"name": "helloapp-build", "tags": [*LOWER_PAIRS[:1], {"key": "b", "value": "2"}, *LOWER_PAIRS[1:]]},
                {"project": {"name": "helloapp-build"}},
            ),
        ],
        remove=[
            PROJECT_READ,
            Step(
                "update_project",
                {"name": "helloapp-build", "tags": LOWER_PAIRS[1:]},
                {"project": {"name": "helloapp-build"}},
            ),
        ],
    ),
    Case(
        "logs",
        "logs",
        f"{LOG_GROUP}:*",  # as DescribeLogGroups gives it; the tag calls take it without ':*'
        read=[
            Step(
                "describe_log_groups",
                {"logGroupNamePrefix": "/ecs/helloapp"},
                {"logGroups": [{"logGroupName": "/ecs/helloapp", "arn": f"{LOG_GROUP}:*"}]},
            ),
            Step("list_tags_for_resource", {"resourceArn": LOG_GROUP}, {"tags": TAGS}),
        ],
        add=[Step("tag_resource", {"resourceArn": LOG_GROUP, "tags": {"b": "2"}})],
        remove=[Step("untag_resource", {"resourceArn": LOG_GROUP, "tagKeys": ["a"]})],
    ),
    Case(
        "cloudwatch",
        "cloudwatch",
        ALARM,
        read=[
            Step(
                "describe_alarms",
                {"AlarmNames": ["helloapp-target-5xx"]},
                {"MetricAlarms": [{"AlarmName": "helloapp-target-5xx", "AlarmArn": ALARM}]},
            ),
            Step("list_tags_for_resource", {"ResourceARN": ALARM}, {"Tags": PAIRS}),
        ],
        add=[Step("tag_resource", {"ResourceARN": ALARM, "Tags": [{"Key": "b", "Value": "2"}]})],
        remove=[Step("untag_resource", {"ResourceARN": ALARM, "TagKeys": ["a"]})],
    ),
    Case(
        "s3",
        "s3",
        S3,
        read=[BUCKET_READ],
        # PutBucketTagging writes the whole tag set: the one read, changed.
        add=[
            BUCKET_READ,
            Step(
                "put_bucket_tagging",
                {
                    "Bucket": "helloapp-artifacts",
                    "Tagging": {"TagSet": [*PAIRS[:1], {"Key": "b", "Value": "2"}, *PAIRS[1:]]},
                },
            ),
        ],
        remove=[
            BUCKET_READ,
            Step("put_bucket_tagging", {"Bucket": "helloapp-artifacts", "Tagging": {"TagSet": PAIRS[1:]}}),
        ],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_every_service_reads_adds_and_removes_through_its_own_api(case):
    adapter = rt.adapter_for(case.arn)
    assert adapter.client == case.client
    with stubbed(case.client, case.read) as client:
        assert adapter.read(client, case.arn) == TAGS
    with stubbed(case.client, case.add) as client:
        adapter.add(client, case.arn, {"b": "2"})
    with stubbed(case.client, case.remove) as client:
        adapter.remove(client, case.arn, ["a"])


MISSING_READS = {
    "ecr": (ECR, [fails("list_tags_for_resource", {"resourceArn": ECR}, "RepositoryNotFoundException")]),
    # DescribeClusters answers a cluster that never was as a failure, and a deleted one as INACTIVE.
    "ecs-cluster-never-made": (
        CLUSTER,
        [
            Step(
                "describe_clusters",
                {"clusters": [CLUSTER]},
                {"clusters": [], "failures": [{"arn": CLUSTER, "reason": "MISSING"}]},
            )
        ],
    ),
    "ecs-cluster-deleted": (
        CLUSTER,
        [
            Step(
                "describe_clusters",
                {"clusters": [CLUSTER]},
                {"clusters": [{"clusterArn": CLUSTER, "status": "INACTIVE"}]},
            )
        ],
    ),
    "ecs-service-without-cluster": (
        SERVICE,
        [fails("describe_services", {"cluster": "helloapp", "services": [SERVICE]}, "ClusterNotFoundException")],
    ),
    "ecs-service-being-deleted": (
        SERVICE,
        [
            Step(
                "describe_services",
                {"cluster": "helloapp", "services": [SERVICE]},
                {"services": [{"serviceArn": SERVICE, "status": "DELETE_IN_PROGRESS"}]},
            )
        ],
    ),
    "ecs-task-definition": (
        TASK_FAMILY,
        [fails("describe_task_definition", {"taskDefinition": TASK_FAMILY}, "ClientException")],
    ),
    "elbv2-listener": (LISTENER, [fails("describe_tags", {"ResourceArns": [LISTENER]}, "ListenerNotFound")]),
    "elbv2-load-balancer": (LB, [fails("describe_tags", {"ResourceArns": [LB]}, "LoadBalancerNotFound")]),
    "codecommit": (
        REPOSITORY,
        [fails("get_repository", {"repositoryName": "helloapp"}, "RepositoryDoesNotExistException")],
    ),
    "events": (RULE, [fails("describe_rule", {"Name": "helloapp-ecr-push"}, "ResourceNotFoundException")]),
    "codedeploy-application": (
        APPLICATION,
        [fails("get_application", {"applicationName": "helloapp"}, "ApplicationDoesNotExistException")],
    ),
    "codedeploy-deployment-group": (
        GROUP,
        [
            fails(
                "get_deployment_group",
                {"applicationName": "helloapp", "deploymentGroupName": "helloapp-dg"},
                "DeploymentGroupDoesNotExistException",
            )
        ],
    ),
    "codepipeline": (PIPELINE, [fails("get_pipeline", {"name": "helloapp"}, "PipelineNotFoundException")]),
    # BatchGetProjects names a project that is not there in projectsNotFound, not in an error.
    "codebuild": (
        PROJECT,
        [
            Step(
                "batch_get_projects",
                {"names": ["helloapp-build"]},
                {"projects": [], "projectsNotFound": ["helloapp-build"]},
            )
        ],
    ),
    # DescribeLogGroups matches a prefix: another group that starts with the name is not this one.
    "logs": (
        f"{LOG_GROUP}:*",
        [
            Step(
                "describe_log_groups",
                {"logGroupNamePrefix": "/ecs/helloapp"},
                {"logGroups": [{"logGroupName": "/ecs/helloapp-worker"}]},
            )
        ],
    ),
    # DescribeAlarms answers an empty list for an alarm that is not there.
    "cloudwatch": (
        ALARM,
        [Step("describe_alarms", {"AlarmNames": ["helloapp-target-5xx"]}, {"MetricAlarms": [], "CompositeAlarms": []})],
    ),
    "s3": (S3, [fails("get_bucket_tagging", {"Bucket": "helloapp-artifacts"}, "NoSuchBucket", status=404)]),
}


@pytest.mark.parametrize(("arn", "steps"), MISSING_READS.values(), ids=MISSING_READS)
def test_every_service_reads_a_missing_resource_as_missing(arn, steps):
    adapter = rt.adapter_for(arn)
    with stubbed(adapter.client, steps) as client:
        assert adapter.read(client, arn) is rt.MISSING


def test_ecs_reads_a_task_definition_family_as_its_latest_revision():
    revision = f"{TASK_FAMILY}:7"
    steps = [
        Step(
            "describe_task_definition",
            {"taskDefinition": TASK_FAMILY},
            {"taskDefinition": {"taskDefinitionArn": revision, "status": "ACTIVE"}},
        ),
        Step("list_tags_for_resource", {"resourceArn": revision}, {"tags": LOWER_PAIRS}),
    ]
    with stubbed("ecs", steps) as client:
        assert rt.adapter_for(TASK_FAMILY).read(client, TASK_FAMILY) == TAGS


@pytest.mark.parametrize(
    ("arn", "service", "steps"),
    [
        (S3, "s3", [BUCKET_READ, Step("delete_bucket_tagging", {"Bucket": "helloapp-artifacts"})]),
        (
            PROJECT,
            "codebuild",
            [PROJECT_READ, Step("update_project", {"name": "helloapp-build", "tags": []}, {"project": {}})],
        ),
    ],
    ids=["s3", "codebuild"],
)
def test_removing_every_tag_of_a_tag_set_written_whole(arn, service, steps):
    with stubbed(service, steps) as client:
        rt.adapter_for(arn).remove(client, arn, ["a", "keep"])


@pytest.mark.parametrize(
    "change",
    [
        {"params": rt.Params("ResourceArn", "tags", "tagKeys")},  # ECR's ARN parameter is resourceArn
        {"shape": rt.PLAIN},  # ECR's tags are a list of Key/Value
        {"shape": rt.LOWER_PAIRS},
    ],
    ids=["arn-name", "plain-shape", "lower-pairs"],
)
def test_botocore_refuses_a_wrong_name_or_shape_even_unpinned(change):
    # The stubs check the parameters twice: as the steps expect them, and (this test, with no expectation) as
    # botocore's model of the service has them. A table entry with a wrong name or shape fails either way.
    wrong = dataclasses.replace(rt.adapter_for(ECR), **change)
    with Stubber(real_client("ecr")) as stub, pytest.raises(AnsibleAWSError, match=f"tag {ECR}") as info:
        stub.add_response("tag_resource", {})
        wrong.add(RetryingBotoClientWrapper(real_client("ecr"), AWSRetry.jittered_backoff()), ECR, {"b": "2"})
    assert isinstance(info.value.exception, ParamValidationError)


DENIED = "AccessDenied"


@pytest.mark.parametrize(
    ("arn", "service", "call", "steps", "message"),
    [
        (ECR, "ecr", "read", [fails("list_tags_for_resource", None, DENIED)], f"read the tags of {ECR}"),
        (RULE, "events", "read", [fails("describe_rule", None, DENIED)], f"read the tags of {RULE}"),
        (CLUSTER, "ecs", "read", [fails("describe_clusters", None, DENIED)], f"describe {CLUSTER}"),
        (LISTENER, "elbv2", "add", [fails("add_tags", None, DENIED)], f"tag {LISTENER}"),
        (LISTENER, "elbv2", "remove", [fails("remove_tags", None, DENIED)], f"untag {LISTENER}"),
        (PROJECT, "codebuild", "remove", [PROJECT_READ, fails("update_project", None, DENIED)], f"tag {PROJECT}"),
        (
            S3,
            "s3",
            "read",
            [fails("get_bucket_tagging", None, DENIED, 403)],
            "read the tags of bucket helloapp-artifacts",
        ),
    ],
    ids=["read", "probe", "ecs-describe", "add", "remove", "written-whole", "s3-read"],
)
def test_a_failed_call_names_what_failed(arn, service, call, steps, message):
    args = {"read": (), "add": ({"b": "2"},), "remove": (["a"],)}[call]
    with stubbed(service, steps) as client, pytest.raises(AnsibleAWSError) as info:
        getattr(rt.adapter_for(arn), call)(client, arn, *args)
    assert info.value.message == f"Failed to {message}"
