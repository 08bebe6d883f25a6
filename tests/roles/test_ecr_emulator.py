"""The emulator's ECR joined to the local registry stand-in (awsemu/services/ecr.py).

Images are pushed to the registry through its v2 HTTP API (no Docker engine needed), then the ECR API
must report them; deleting the repository with force must delete them from the registry too.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from awsemu.services import ecr as emu_ecr

REGISTRY = os.environ.get("AWSEMU_ECR_REGISTRY", "127.0.0.1:5000")
MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def upload_blob(name: str, blob: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    status, headers, _ = http("POST", f"http://{REGISTRY}/v2/{name}/blobs/uploads/")
    assert status == 202, status
    location = headers.get("Location") or headers["location"]
    if location.startswith("/"):
        location = f"http://{REGISTRY}{location}"
    separator = "&" if "?" in location else "?"
    status, _, body = http(
        "PUT",
        f"{location}{separator}digest={digest}",
        data=blob,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert status == 201, body
    return digest


def push(name: str, tag: str) -> str:
    """Push a minimal one-layer image manifest as name:tag; returns the manifest digest."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}, "tag": tag}).encode()
    layer = f"layer of {name}:{tag} {uuid.uuid4()}".encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_V2,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": len(config),
                "digest": upload_blob(name, config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": len(layer),
                    "digest": upload_blob(name, layer),
                }
            ],
        }
    ).encode()
    status, headers, body = http(
        "PUT", f"http://{REGISTRY}/v2/{name}/manifests/{tag}", data=manifest, headers={"Content-Type": MANIFEST_V2}
    )
    assert status == 201, body
    return {k.lower(): v for k, v in headers.items()}["docker-content-digest"]


@pytest.fixture
def repository(aws, registry_ready):
    name = f"emulator-test/app-{uuid.uuid4().hex[:8]}"
    ecr = aws.boto3_client("ecr")
    ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    yield name
    with contextlib.suppress(ClientError):
        ecr.delete_repository(repositoryName=name, force=True)


def test_pushed_tags_are_images_of_the_repository(aws, repository):
    ecr = aws.boto3_client("ecr")
    assert ecr.describe_images(repositoryName=repository)["imageDetails"] == []
    v1 = push(repository, "v1")
    v2 = push(repository, "v2")

    details = {d["imageTags"][0]: d for d in ecr.describe_images(repositoryName=repository)["imageDetails"]}
    assert set(details) == {"v1", "v2"}
    assert details["v1"]["imageDigest"] == v1
    assert details["v1"]["imageManifestMediaType"] == MANIFEST_V2
    assert details["v1"]["imageSizeInBytes"] > 0
    assert details["v1"]["registryId"] == "123456789012"

    only = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": "v2"}])["imageDetails"]
    assert [d["imageDigest"] for d in only] == [v2]
    listed = ecr.list_images(repositoryName=repository)["imageIds"]
    assert sorted((i["imageTag"], i["imageDigest"]) for i in listed) == [("v1", v1), ("v2", v2)]
    got = ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": "v1"}, {"imageTag": "v9"}])
    assert [i["imageId"] for i in got["images"]] == [{"imageDigest": v1, "imageTag": "v1"}]
    assert json.loads(got["images"][0]["imageManifest"])["mediaType"] == MANIFEST_V2
    assert got["failures"] == [
        {"imageId": {"imageTag": "v9"}, "failureCode": "ImageNotFound", "failureReason": "Requested image not found"}
    ]


def test_missing_tag_and_repository_are_aws_errors(aws, repository):
    ecr = aws.boto3_client("ecr")
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": "nope"}])
    assert err.value.response["Error"]["Code"] == "ImageNotFoundException"
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName="emulator-test/never-created")
    assert err.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    assert "emulator-test/never-created" in err.value.response["Error"]["Message"]


def test_force_delete_removes_the_images_from_the_registry(aws, repository):
    push(repository, "v1")
    ecr = aws.boto3_client("ecr")
    ecr.delete_repository(repositoryName=repository, force=True)
    status, _, _ = http("GET", f"http://{REGISTRY}/v2/{repository}/manifests/v1", headers={"Accept": MANIFEST_V2})
    assert status == 404
    ecr.create_repository(repositoryName=repository)
    assert ecr.describe_images(repositoryName=repository)["imageDetails"] == []


def test_authorization_token_is_valid_for_twelve_hours(aws):
    data = aws.boto3_client("ecr").get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password
    assert data["proxyEndpoint"] == "https://123456789012.dkr.ecr.ap-northeast-2.amazonaws.com"
    # Twelve hours from the emulator's clock, which other tests in this process may have run fast.
    now = dt.datetime.fromisoformat(aws.admin("clock")["now"])
    left = data["expiresAt"] - now
    assert dt.timedelta(hours=11) < left <= dt.timedelta(hours=12, minutes=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("localhost:5001", "localhost:5001"),
        ("127.0.0.2", "127.0.0.2"),
        ("10.0.0.5:5000", None),
        ("registry.example.com:5000", None),
        ("", None),
    ],
)
def test_registry_is_only_ever_a_loopback_address(monkeypatch, value, expected):
    monkeypatch.setenv("AWSEMU_ECR_REGISTRY", value)
    assert emu_ecr.registry_address() == expected
