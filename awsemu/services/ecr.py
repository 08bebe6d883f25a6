"""ECR: images pushed to the local registry stand-in are images of the emulator's repositories.

On AWS, ``docker push <account>.dkr.ecr.<region>.amazonaws.com/<name>:<tag>`` and the ECR API see one
store. Locally the push goes to Debian's docker-registry (``AWSEMU_ECR_REGISTRY``, default
127.0.0.1:5000; only loopback addresses are ever contacted) while the API is moto's. This module joins
the two:

- ``DescribeImages``, ``ListImages`` and ``BatchGetImage`` first import the tags the registry holds for
  that repository name (manifest, digest, media type, size) into moto's repository, then answer with
  AWS's shapes and errors (``RepositoryNotFoundException``, ``ImageNotFoundException``).
- ``DeleteRepository`` with ``force`` also deletes the repository's manifests from the registry, as
  deleting an ECR repository deletes its images.
- ``GetAuthorizationToken``: moto's token expires in 2015; AWS's is valid for 12 hours. The
  stand-in runs without authentication, so it accepts the ``AWS:<password>`` login as is.

A registry that is not running is an empty registry: the answers are moto's alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import os
import urllib.error
import urllib.request
from typing import Any

from moto.ecr.models import Image, ecr_backends

from awsemu.core import CLOCK, AwsError, after, handles

MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)
TIMEOUT = 3.0


def registry_address() -> str | None:
    """The stand-in's host:port, or None when it is not a loopback address (never leave the host)."""
    address = os.environ.get("AWSEMU_ECR_REGISTRY", "127.0.0.1:5000").strip()
    if not address:
        return None
    host = address.rsplit(":", 1)[0] if ":" in address else address
    if host == "localhost":
        return address
    try:
        if ipaddress.ip_address(host).is_loopback:
            return address
    except ValueError:
        pass
    return None


def _registry(method: str, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    address = registry_address()
    if address is None:
        raise OSError("no loopback registry configured")
    request = urllib.request.Request(f"http://{address}{path}", method=method)
    if accept:
        request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def registry_tags(name: str) -> list[str]:
    try:
        status, _headers, body = _registry("GET", f"/v2/{name}/tags/list")
    except OSError:
        return []
    if status != 200:
        return []
    return sorted(json.loads(body or b"{}").get("tags") or [])


def registry_manifest(name: str, reference: str) -> tuple[str, str, str] | None:
    """(manifest JSON, media type, digest) of ``name:reference`` in the stand-in, or None."""
    try:
        status, headers, body = _registry("GET", f"/v2/{name}/manifests/{reference}", accept=MANIFEST_TYPES)
    except OSError:
        return None
    if status != 200:
        return None
    lower = {k.lower(): v for k, v in headers.items()}
    manifest = body.decode()
    media_type = lower.get("content-type") or json.loads(manifest).get("mediaType", "")
    return manifest, media_type, lower.get("docker-content-digest", "")


def _backend(req):
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


def sync_repository(req, repo) -> None:
    """Import the stand-in's tags for ``repo`` into moto's image list (idempotent)."""
    known = {tag for image in repo.images for tag in image.image_tags}
    for tag in registry_tags(repo.name):
        if tag in known:
            continue
        found = registry_manifest(repo.name, tag)
        if found is None:
            continue
        manifest, media_type, digest = found
        same = [image for image in repo.images if digest and image.get_image_digest() == digest]
        for image in repo.images:  # a tag names one image: move it (a mutable repository's re-push)
            if tag in image.image_tags and image not in same:
                image.remove_tag(tag)
        if same:
            same[0].update_tag(tag)
        else:
            image = Image(req.account_id, tag, manifest, repo.name, media_type, digest or None, repo.registry_id)
            image.image_pushed_at = int(CLOCK.timestamp())
            repo.images.append(image)


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
    sync_repository(req, repo)
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
    sync_repository(req, repo)
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
    sync_repository(req, repo)
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


@after("ecr", "DeleteRepository")
def delete_repository(req, body):
    if req.param("force"):
        name = req.param("repositoryName")
        for tag in registry_tags(name):
            found = registry_manifest(name, tag)
            if found and found[2]:
                with contextlib.suppress(OSError):
                    _registry("DELETE", f"/v2/{name}/manifests/{found[2]}")
    return body


@after("ecr", "GetAuthorizationToken")
def authorization_token(req, body):
    expires = CLOCK.now() + dt.timedelta(hours=12)
    for data in body.get("authorizationData", []):
        data["expiresAt"] = expires
    return body
