"""ECR: images as ECR keeps them, one store for the API and the registry (``awsemu.registry``).

- ``PutImage`` (and every manifest a ``docker push`` puts through the emulator's registry) goes through
  ``store_image``: the digest is the SHA-256 of the manifest as sent (moto hashes the layer digests), a
  given ``imageDigest`` must match it (``ImageDigestDoesNotMatchException``), the media type comes from
  the parameter or the manifest, the same image with the same tag is ``ImageAlreadyExistsException``, and
  a tag that names another image moves only where the repository's tag mutability allows it; otherwise
  ``ImageTagAlreadyExistsException`` (ECR API reference, PutImage; user guide "Preventing image tags from
  being overwritten": https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html).
- Tag mutability has AWS's four values (API reference, CreateRepository / PutImageTagMutability /
  ImageTagMutabilityExclusionFilter): ``MUTABLE``, ``IMMUTABLE``, ``IMMUTABLE_WITH_EXCLUSION`` (tags
  matching an exclusion filter stay mutable) and ``MUTABLE_WITH_EXCLUSION`` (tags matching one are
  immutable). A filter is a ``WILDCARD``: ``*`` matches any run of characters, anything else itself, the
  whole tag (moto treats it as a regular expression matched at the start). The ``_EXCLUSION`` values
  need filters and filters need them (moto checks that at CreateRepository only).
- ``DescribeImages``, ``ListImages``, ``BatchGetImage``: AWS's shapes and errors (``imageSizeInBytes``
  from the manifest, ``RepositoryNotFoundException``, ``ImageNotFoundException``, BatchGetImage
  ``failures``).
- ``GetAuthorizationToken``: a password this emulator's registry accepts for the caller's account and
  region, valid for 12 hours of the emulator's clock (moto's expired in 2015), and ``proxyEndpoint`` the
  registry's address, which is the emulator's own ``http://host:port``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from typing import Any

from moto.ecr.models import ECRBackend, Image, ecr_backends

from awsemu import registry
from awsemu.core import CLOCK, AwsError, after, handles, validates

TOKEN_HOURS = 12
_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")


def _backend(req) -> ECRBackend:
    return ecr_backends[req.account_id][req.region]


def _repository(req):
    name = req.require("repositoryName")
    repo = _backend(req).repositories.get(name)
    registry_id = req.param("registryId") or req.account_id
    if repo is None or repo.registry_id != registry_id:
        raise AwsError(
            "RepositoryNotFoundException",
            f"The repository with name '{name}' does not exist in the registry with id '{registry_id}'",
        )
    return repo


# --- tag mutability
def _wildcard(pattern: str, tag: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), tag) is not None


def tag_is_immutable(repo, tag: str) -> bool:
    """Whether ``tag``, once in ``repo``, may not move to another image (ECR's four mutability settings)."""
    setting = str(getattr(repo.image_tag_mutability, "value", repo.image_tag_mutability))
    filters = repo.image_tag_mutability_exclusion_filters or []
    excluded = any(_wildcard(f.get("filter", ""), tag) for f in filters if f.get("filterType") == "WILDCARD")
    if setting == "IMMUTABLE":
        return True
    if setting == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if setting == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


@validates("ecr", "CreateRepository", "PutImageTagMutability")
def check_mutability_and_filters(req) -> None:
    """The _EXCLUSION settings need exclusion filters, and filters need an _EXCLUSION setting.

    API reference, PutImageTagMutability: imageTagMutabilityExclusionFilters "A list of filters that specify
    which image tags should be excluded from the image tag mutability setting"; CreateRepository likewise.
    moto checks the pairing at CreateRepository only.
    """
    setting = req.params.get("imageTagMutability")
    filters = req.params.get("imageTagMutabilityExclusionFilters")
    if setting is None and req.action == "CreateRepository":
        setting = "MUTABLE"
    if filters is not None and setting not in _EXCLUSION:
        raise AwsError(
            "InvalidParameterException",
            "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: "
            f"'ImageTagMutabilityExclusionFilters can only be used with imageTagMutability {' or '.join(_EXCLUSION)}'",
        )
    if filters is None and setting in _EXCLUSION:
        raise AwsError(
            "InvalidParameterException",
            "Invalid parameter at 'imageTagMutabilityExclusionFilters' failed to satisfy constraint: "
            f"'ImageTagMutabilityExclusionFilters can't be null when imageTagMutability is set as {setting}'",
        )


# --- images: one rule for PutImage and docker push
def _media_type(manifest: bytes, given: str | None) -> str:
    if given:
        return given
    try:
        media_type = json.loads(manifest).get("mediaType")
    except (ValueError, AttributeError):
        media_type = None
    if not media_type:
        raise AwsError("InvalidParameterException", "image manifest mediatype not provided in manifest or parameter")
    return media_type


def check_new_image(
    repo, manifest: bytes, media_type: str | None, tag: str | None, digest: str | None = None, *, registry: bool = False
) -> tuple[str, str, Any]:
    """Check putting ``manifest`` as ``tag``; returns (digest, media type, the image already holding it or None)."""
    try:
        json.loads(manifest)
    except ValueError:
        raise AwsError(
            "InvalidParameterException",
            "Invalid parameter at 'ImageManifest' failed to satisfy constraint: 'Invalid JSON syntax'",
        ) from None
    media_type = _media_type(manifest, media_type)
    actual = "sha256:" + hashlib.sha256(manifest).hexdigest()
    if digest and digest != actual:
        raise AwsError(
            "ImageDigestDoesNotMatchException",
            f"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The provided digest {digest} does "
            f"not match the digest calculated for the image manifest: {actual}'",
        )
    same = next((image for image in repo.images if image.get_image_digest() == actual), None)
    if tag is None:
        return actual, media_type, same
    holder = next((image for image in repo.images if tag in image.image_tags), None)
    if holder is None:
        return actual, media_type, same
    if tag_is_immutable(repo, tag) and (registry or holder is not same):
        # A docker push of the same image again is rejected too (moby/buildkit#3776 shows ECR's answer).
        raise AwsError(
            "ImageTagAlreadyExistsException",
            f"The image tag '{tag}' already exists in the '{repo.name}' repository and cannot be overwritten "
            "because the repository is immutable.",
        )
    if holder is same and not registry:
        raise AwsError(
            "ImageAlreadyExistsException",
            f"Image with digest '{actual}' and tag '{tag}' already exists in the repository with name "
            f"'{repo.name}' in registry with id '{repo.registry_id}'",
        )
    return actual, media_type, same


def store_image(
    repo, manifest: bytes, media_type: str | None, tag: str | None, digest: str | None = None, *, registry: bool = False
) -> Any:
    """Put ``manifest`` into ``repo`` as ``tag`` (None: untagged) after ``check_new_image``; returns the image."""
    actual, media_type, same = check_new_image(repo, manifest, media_type, tag, digest, registry=registry)
    if tag is not None:
        for image in repo.images:
            if tag in image.image_tags and image is not same:
                image.remove_tag(tag)
                if not image.image_tags:
                    image.image_tag = None
    if same is not None:
        if tag is not None:
            same.update_tag(tag)
        return same
    image = Image(repo.account_id, tag, manifest.decode(), repo.name, media_type, actual, repo.registry_id)
    image.image_pushed_at = int(CLOCK.timestamp())
    repo.images.append(image)
    return image


@handles("ecr", "PutImage")
def put_image(req):
    repo = _repository(req)
    manifest = req.require("imageManifest", "InvalidParameterException")
    image = store_image(
        repo,
        manifest.encode(),
        req.param("imageManifestMediaType"),
        req.param("imageTag"),
        req.param("imageDigest"),
    )
    image_id = {"imageDigest": image.get_image_digest()}
    if req.param("imageTag"):
        image_id["imageTag"] = req.param("imageTag")
    return {
        "image": {
            "registryId": repo.registry_id,
            "repositoryName": repo.name,
            "imageId": image_id,
            "imageManifest": image.image_manifest,
            "imageManifestMediaType": image.image_manifest_media_type,
        }
    }


# --- reading images
def _size(image) -> int | None:
    try:
        manifest = json.loads(image.image_manifest)
    except ValueError:
        return None
    if "layers" not in manifest:
        return None
    return sum(int(layer.get("size", 0)) for layer in manifest["layers"]) + int(
        manifest.get("config", {}).get("size", 0)
    )


def _detail(repo, image) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "registryId": repo.registry_id,
        "repositoryName": repo.name,
        "imageDigest": image.get_image_digest(),
        "imagePushedAt": dt.datetime.fromtimestamp(image.image_pushed_at, tz=dt.UTC),
    }
    if image.image_tags:
        detail["imageTags"] = list(image.image_tags)
    size = _size(image)
    if size is not None:
        detail["imageSizeInBytes"] = size
    if image.image_manifest_media_type:
        detail["imageManifestMediaType"] = image.image_manifest_media_type
    return detail


def _matches(image, image_id: dict[str, str]) -> bool:
    if "imageDigest" in image_id and image.get_image_digest() != image_id["imageDigest"]:
        return False
    if "imageTag" in image_id and image_id["imageTag"] not in image.image_tags:
        return False
    return bool(image_id)


def _image_id_text(image_id: dict[str, str]) -> str:
    parts = [
        f"{key}={value}"
        for key, value in (("imageDigest", image_id.get("imageDigest")), ("imageTag", image_id.get("imageTag")))
        if value
    ]
    return "'" + ", ".join(parts) + "'"


@handles("ecr", "DescribeImages")
def describe_images(req):
    repo = _repository(req)
    image_ids = req.param("imageIds") or []
    if image_ids:
        images = []
        for image_id in image_ids:
            found = [image for image in repo.images if _matches(image, image_id)]
            if not found:
                raise AwsError(
                    "ImageNotFoundException",
                    f"The image with imageId {_image_id_text(image_id)} does not exist within the repository "
                    f"with name '{repo.name}' in the registry with id '{repo.registry_id}'",
                )
            images.extend(image for image in found if image not in images)
    else:
        images = list(repo.images)
        status = (req.param("filter") or {}).get("tagStatus", "ANY")
        if status == "TAGGED":
            images = [image for image in images if image.image_tags]
        elif status == "UNTAGGED":
            images = [image for image in images if not image.image_tags]
    return {"imageDetails": [_detail(repo, image) for image in images]}


@handles("ecr", "ListImages")
def list_images(req):
    repo = _repository(req)
    status = (req.param("filter") or {}).get("tagStatus", "ANY")
    ids = []
    for image in repo.images:
        if (status == "TAGGED" and not image.image_tags) or (status == "UNTAGGED" and image.image_tags):
            continue
        for tag in image.image_tags or [None]:
            entry = {"imageDigest": image.get_image_digest()}
            if tag is not None:
                entry["imageTag"] = tag
            ids.append(entry)
    return {"imageIds": ids}


@handles("ecr", "BatchGetImage")
def batch_get_image(req):
    repo = _repository(req)
    images, failures = [], []
    for image_id in req.require("imageIds"):
        found = [image for image in repo.images if _matches(image, image_id)]
        if not found:
            failures.append(
                {"imageId": image_id, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}
            )
            continue
        for image in found:
            entry = {"imageDigest": image.get_image_digest()}
            if "imageTag" in image_id:
                entry["imageTag"] = image_id["imageTag"]
            images.append(
                {
                    "registryId": repo.registry_id,
                    "repositoryName": repo.name,
                    "imageId": entry,
                    "imageManifest": image.image_manifest,
                    "imageManifestMediaType": image.image_manifest_media_type,
                }
            )
    return {"images": images, "failures": failures}


# --- the login
def registry_host(req) -> str:
    """The registry's host:port: the emulator's own, as the API call reached it."""
    return req.headers.get("host") or "127.0.0.1:4566"


@after("ecr", "GetAuthorizationToken")
def authorization_token(req, body):
    expires = CLOCK.now() + dt.timedelta(hours=TOKEN_HOURS)
    ids = req.param("registryIds") or [req.account_id]
    data = []
    for registry_id in ids:
        password = registry.password_for(registry_id, req.region, expires.timestamp())
        data.append(
            {
                "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
                "expiresAt": expires,
                "proxyEndpoint": f"http://{registry_host(req)}",
            }
        )
    body["authorizationData"] = data
    return body
