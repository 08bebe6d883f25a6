"""CodeCommit repositories: what moto lacks beside Create/Get/DeleteRepository.

- ListRepositories (moto has none; community.aws and our roles list first), with ``sortBy``
  (repositoryName | lastModifiedDate), ``order`` (ascending | descending) and ``nextToken`` paging
  (1,000 a page, as AWS documents; tests shrink it through ``/_emulator/settings``).
- UpdateRepositoryDescription (community.aws.codecommit_repository calls it when the description
  changes) and UpdateRepositoryName.
- TagResource, UntagResource, ListTagsForResource, and the ``tags`` of CreateRepository, which moto
  ignores.

Branches, commits and files are in ``codecommit_git.py``.
"""

from __future__ import annotations

import re
from typing import Any

from moto.codecommit.models import codecommit_backends
from moto.core.utils import iso_8601_datetime_with_milliseconds

from awsemu.core import STORE, AwsError, after, drop_nulls, epoch_seconds, handles, page_size, paginate

SORT_BY = {"repositoryName": "repositoryName", "lastModifiedDate": "lastModifiedDate"}
ORDERS = ("ascending", "descending")
_NAME = re.compile(r"^[\w.-]{1,100}$")
_ARN = re.compile(r"^arn:aws:codecommit:([\w-]+):(\d{12}):([\w.-]+)$")
MAX_TAGS = 50


def _backend(req):
    return codecommit_backends[req.account_id][req.region]


def _tags(req) -> dict[str, dict[str, str]]:
    """Tags per repository name (the ARN's last part), per account and region."""
    return STORE.get(req, "codecommit-tags", dict)


def _repository(req, name: str):
    if not name:
        raise AwsError("RepositoryNameRequiredException", "A repository name is required.")
    if not _NAME.match(name) or name.endswith(".git"):
        raise AwsError("InvalidRepositoryNameException", f"{name} is not a valid repository name.")
    repo = _backend(req).repositories.get(name)
    if repo is None:
        raise AwsError("RepositoryDoesNotExistException", f"{name} does not exist")
    return repo


@handles("codecommit", "ListRepositories")
def list_repositories(req):
    sort_by = req.param("sortBy", "repositoryName")
    order = req.param("order", "ascending")
    if sort_by not in SORT_BY:
        raise AwsError("InvalidSortByException", "The specified sort by value is not valid.")
    if order not in ORDERS:
        raise AwsError("InvalidOrderException", "The specified sort order is not valid.")
    metas = [r.repository_metadata for r in _backend(req).repositories.values()]
    metas.sort(key=lambda m: (str(m.get(SORT_BY[sort_by]) or ""), m["repositoryName"]), reverse=order == "descending")
    repos = [{"repositoryName": m["repositoryName"], "repositoryId": m["repositoryId"]} for m in metas]
    page, token = paginate(repos, req.param("nextToken"), page_size(req, 1000), "InvalidContinuationTokenException")
    result: dict[str, Any] = {"repositories": page}
    if token:
        result["nextToken"] = token
    return result


@handles("codecommit", "UpdateRepositoryDescription")
def update_repository_description(req):
    repo = _repository(req, req.param("repositoryName"))
    description = req.param("repositoryDescription")
    if description is not None and len(description) > 1000:
        raise AwsError("InvalidRepositoryDescriptionException", "The repository description is not valid.")
    repo.repository_metadata["repositoryDescription"] = description or ""
    repo.repository_metadata["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()
    return {}


@handles("codecommit", "UpdateRepositoryName")
def update_repository_name(req):
    old, new = req.param("oldName"), req.param("newName")
    repo = _repository(req, old)
    if not new:
        raise AwsError("RepositoryNameRequiredException", "A repository name is required.")
    if not _NAME.match(new) or new.endswith(".git"):
        raise AwsError("InvalidRepositoryNameException", f"{new} is not a valid repository name.")
    backend = _backend(req)
    if new in backend.repositories:
        raise AwsError("RepositoryNameExistsException", f"Repository named {new} already exists")
    meta = repo.repository_metadata
    backend.repositories[new] = backend.repositories.pop(old)
    meta["repositoryName"] = new
    meta["Arn"] = f"arn:aws:codecommit:{req.region}:{req.account_id}:{new}"
    meta["cloneUrlHttp"] = f"https://git-codecommit.{req.region}.amazonaws.com/v1/repos/{new}"
    meta["cloneUrlSsh"] = f"ssh://git-codecommit.{req.region}.amazonaws.com/v1/repos/{new}"
    meta["lastModifiedDate"] = iso_8601_datetime_with_milliseconds()
    tags = _tags(req)
    if old in tags:
        tags[new] = tags.pop(old)
    return {}


# --- tags
def _repository_for_arn(req, arn: Any) -> str:
    if not arn:
        raise AwsError("ResourceArnRequiredException", "A valid Amazon Resource Name (ARN) is required.")
    match = _ARN.match(arn)
    if not match or match.group(1) != req.region or match.group(2) != req.account_id:
        raise AwsError("InvalidResourceArnException", f"The value for the resource ARN is not valid: {arn}")
    name = match.group(3)
    if name not in _backend(req).repositories:
        raise AwsError("RepositoryDoesNotExistException", f"{name} does not exist")
    return name


def _check_tags(tags: Any) -> dict[str, str]:
    if not isinstance(tags, dict) or not tags:
        raise AwsError("TagsMapRequiredException", "A map of tags is required.")
    for key, value in tags.items():
        if not key or len(key) > 128 or key.startswith("aws:"):
            raise AwsError("InvalidTagKeysListException", f"The tag key is not valid: {key}")
        if value is None or len(value) > 256:
            raise AwsError("InvalidTagsMapException", f"The tag value is not valid for key {key}")
    return tags


@handles("codecommit", "TagResource")
def tag_resource(req):
    name = _repository_for_arn(req, req.param("resourceArn"))
    new = _check_tags(req.param("tags"))
    tags = _tags(req).setdefault(name, {})
    if len({**tags, **new}) > MAX_TAGS:
        raise AwsError("TooManyTagsException", f"A repository can have at most {MAX_TAGS} tags.")
    tags.update(new)
    return {}


@handles("codecommit", "UntagResource")
def untag_resource(req):
    name = _repository_for_arn(req, req.param("resourceArn"))
    keys = req.param("tagKeys")
    if not isinstance(keys, list) or not keys:
        raise AwsError("TagKeysListRequiredException", "A list of tag keys is required.")
    tags = _tags(req).get(name, {})
    for key in keys:
        tags.pop(key, None)
    return {}


@handles("codecommit", "ListTagsForResource")
def list_tags_for_resource(req):
    name = _repository_for_arn(req, req.param("resourceArn"))
    return {"tags": dict(_tags(req).get(name, {}))}


@after("codecommit", "CreateRepository")
def keep_create_tags(req, body):
    tags = req.param("tags")
    name = (body.get("repositoryMetadata") or {}).get("repositoryName")
    if name:
        try:
            _tags(req)[name] = dict(_check_tags(tags)) if tags else {}
        except AwsError:
            _backend(req).repositories.pop(name, None)  # AWS validates before it creates anything
            raise
    return body


@after("codecommit", "DeleteRepository")
def forget_tags(req, body):
    _tags(req).pop(req.param("repositoryName"), None)
    return body


@after("codecommit", "CreateRepository")
@after("codecommit", "GetRepository")
def repository_metadata_as_aws_sends_it(req, body):
    """moto sends creationDate/lastModifiedDate as ISO 8601 text (the JSON protocol's timestamps are epoch
    seconds) and ``repositoryDescription: null`` for a repository without one (AWS leaves it out)."""
    metadata = drop_nulls(body.get("repositoryMetadata") or {})
    for key in ("creationDate", "lastModifiedDate"):
        if key in metadata:
            metadata[key] = epoch_seconds(metadata[key])
    if metadata:
        body["repositoryMetadata"] = metadata
    return body
