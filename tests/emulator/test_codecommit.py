"""CodeCommit extensions through boto3: ListRepositories paging and sorting, descriptions, tags."""

from __future__ import annotations

import time

import botocore.exceptions
import pytest


@pytest.fixture
def codecommit(aws):
    return aws.boto3_client("codecommit")


def _error(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as err:
        call(**kwargs)
    return err.value.response["Error"]["Code"]


def test_list_repositories_empty(codecommit):
    assert codecommit.list_repositories()["repositories"] == []


def test_list_repositories_sorted_by_name_both_orders(codecommit):
    ids = {n: codecommit.create_repository(repositoryName=n)["repositoryMetadata"]["repositoryId"] for n in "bca"}
    listed = codecommit.list_repositories()["repositories"]
    assert listed == [{"repositoryName": n, "repositoryId": ids[n]} for n in "abc"]
    descending = codecommit.list_repositories(sortBy="repositoryName", order="descending")["repositories"]
    assert [r["repositoryName"] for r in descending] == ["c", "b", "a"]


def test_list_repositories_sorted_by_last_modified(codecommit):
    for name in ("zeta", "alpha", "mid"):
        codecommit.create_repository(repositoryName=name)
        time.sleep(0.01)  # distinct lastModifiedDate (millisecond resolution)
    listed = codecommit.list_repositories(sortBy="lastModifiedDate")["repositories"]
    assert [r["repositoryName"] for r in listed] == ["zeta", "alpha", "mid"]
    codecommit.update_repository_description(repositoryName="zeta", repositoryDescription="touched")
    listed = codecommit.list_repositories(sortBy="lastModifiedDate", order="descending")["repositories"]
    assert listed[0]["repositoryName"] == "zeta"


def test_list_repositories_pages_with_next_token(aws, codecommit):
    for name in ("r1", "r2", "r3", "r4", "r5"):
        codecommit.create_repository(repositoryName=name)
    aws.admin("settings", "POST", {"page_size": {"codecommit.ListRepositories": 2}})
    first = codecommit.list_repositories()
    assert [r["repositoryName"] for r in first["repositories"]] == ["r1", "r2"]
    second = codecommit.list_repositories(nextToken=first["nextToken"])
    assert [r["repositoryName"] for r in second["repositories"]] == ["r3", "r4"]
    third = codecommit.list_repositories(nextToken=second["nextToken"])
    assert [r["repositoryName"] for r in third["repositories"]] == ["r5"]
    assert "nextToken" not in third
    # boto3's paginator (what community.aws uses) follows the tokens
    pages = codecommit.get_paginator("list_repositories").paginate()
    assert [r["repositoryName"] for page in pages for r in page["repositories"]] == ["r1", "r2", "r3", "r4", "r5"]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"sortBy": "creationDate"}, "InvalidSortByException"),
        ({"order": "up"}, "InvalidOrderException"),
        ({"nextToken": "garbage"}, "InvalidContinuationTokenException"),
    ],
)
def test_list_repositories_rejects_bad_input(codecommit, kwargs, code):
    assert _error(codecommit.list_repositories, **kwargs) == code


def test_update_repository_description(codecommit):
    codecommit.create_repository(repositoryName="helloapp", repositoryDescription="old")
    codecommit.update_repository_description(repositoryName="helloapp", repositoryDescription="new")
    assert codecommit.get_repository(repositoryName="helloapp")["repositoryMetadata"]["repositoryDescription"] == "new"
    assert (
        _error(codecommit.update_repository_description, repositoryName="missing", repositoryDescription="x")
        == "RepositoryDoesNotExistException"
    )


def test_update_repository_name_moves_tags(codecommit):
    arn = codecommit.create_repository(repositoryName="old", tags={"k": "v"})["repositoryMetadata"]["Arn"]
    codecommit.update_repository_name(oldName="old", newName="new")
    meta = codecommit.get_repository(repositoryName="new")["repositoryMetadata"]
    assert meta["Arn"] == arn.replace(":old", ":new")
    assert meta["cloneUrlHttp"].endswith("/v1/repos/new")
    assert codecommit.list_tags_for_resource(resourceArn=meta["Arn"])["tags"] == {"k": "v"}
    assert _error(codecommit.get_repository, repositoryName="old") == "RepositoryDoesNotExistException"


def test_tags_from_create_tag_untag(codecommit):
    arn = codecommit.create_repository(repositoryName="helloapp", tags={"app": "helloapp"})["repositoryMetadata"]["Arn"]
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {"app": "helloapp"}
    codecommit.tag_resource(resourceArn=arn, tags={"env": "dev", "app": "hello"})
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {"app": "hello", "env": "dev"}
    codecommit.untag_resource(resourceArn=arn, tagKeys=["app", "absent"])
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {"env": "dev"}


def test_tag_errors(codecommit):
    arn = codecommit.create_repository(repositoryName="helloapp")["repositoryMetadata"]["Arn"]
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    missing = arn.replace("helloapp", "missing")
    assert _error(codecommit.list_tags_for_resource, resourceArn=missing) == "RepositoryDoesNotExistException"
    assert _error(codecommit.tag_resource, resourceArn="arn:aws:s3:::bucket", tags={"a": "b"}) == (
        "InvalidResourceArnException"
    )
    assert _error(codecommit.tag_resource, resourceArn=arn, tags={}) == "TagsMapRequiredException"
    assert _error(codecommit.tag_resource, resourceArn=arn, tags={"aws:x": "y"}) == "InvalidTagKeysListException"


def test_invalid_tags_on_create_create_nothing(codecommit):
    assert _error(codecommit.create_repository, repositoryName="r", tags={"aws:reserved": "x"}) == (
        "InvalidTagKeysListException"
    )
    assert codecommit.list_repositories()["repositories"] == []


def test_deleted_repository_forgets_tags(codecommit):
    arn = codecommit.create_repository(repositoryName="helloapp", tags={"a": "b"})["repositoryMetadata"]["Arn"]
    codecommit.delete_repository(repositoryName="helloapp")
    codecommit.create_repository(repositoryName="helloapp")
    assert codecommit.list_tags_for_resource(resourceArn=arn)["tags"] == {}
