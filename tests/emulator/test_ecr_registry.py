"""The emulator's ECR registry (awsemu/registry.py) and its images (awsemu/services/ecr.py).

Images are pushed through the Docker Registry HTTP API v2 on the emulator's own port, with the login
of GetAuthorizationToken (no Docker engine needed, except in the last test, which runs a real
``docker push``); the ECR API must see them, tag mutability must hold for PutImage and pushes alike, and
no other emulator, account, region or repository incarnation may see them.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from awsemu import registry as emu_registry
from tests.conftest import EmulatorProcess

MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json"


def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


class Registry:
    """A client of one emulator's registry, logged in with its ECR token for ``region``."""

    def __init__(self, emu: EmulatorProcess, region: str | None = None):
        self.emu = emu
        self.ecr = emu.boto3_client("ecr", **({"region_name": region} if region else {}))
        data = self.ecr.get_authorization_token()["authorizationData"][0]
        self.host = data["proxyEndpoint"].split("://", 1)[1]
        self.auth = {"Authorization": "Basic " + data["authorizationToken"]}

    def call(self, method: str, path: str, data: bytes | None = None, headers: dict | None = None):
        return http(method, f"http://{self.host}{path}", data, {**self.auth, **(headers or {})})

    def upload_blob(self, name: str, blob: bytes) -> str:
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        status, headers, body = self.call("POST", f"/v2/{name}/blobs/uploads/")
        assert status == 202, body
        location = headers["location"]
        separator = "&" if "?" in location else "?"
        status, _, body = http(
            "PUT",
            f"{location}{separator}digest={digest}",
            data=blob,
            headers={**self.auth, "Content-Type": "application/octet-stream"},
        )
        assert status == 201, body
        return digest

    def manifest(self, name: str, tag: str) -> bytes:
        """A one-layer image manifest whose blobs are in ``name`` (unique content each call)."""
        config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers"}, "t": tag}).encode()
        layer = f"layer of {name}:{tag} {uuid.uuid4()}".encode()
        return json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_V2,
                "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json",
                    "size": len(config),
                    "digest": self.upload_blob(name, config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": len(layer),
                        "digest": self.upload_blob(name, layer),
                    }
                ],
            }
        ).encode()

    def put_manifest(self, name: str, tag: str, manifest: bytes):
        return self.call("PUT", f"/v2/{name}/manifests/{tag}", manifest, {"Content-Type": MANIFEST_V2})

    def push(self, name: str, tag: str) -> str:
        status, headers, body = self.put_manifest(name, tag, self.manifest(name, tag))
        assert status == 201, body
        return headers["docker-content-digest"]


def unique(prefix: str = "registry-test") -> str:
    return f"{prefix}/app-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def repo(aws, registry_ready):
    name = unique()
    aws.boto3_client("ecr").create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    return name


def tags_of(ecr, name: str) -> dict[str, str]:
    return {
        tag: image["imageDigest"]
        for image in ecr.describe_images(repositoryName=name)["imageDetails"]
        for tag in image.get("imageTags", [])
    }


def test_pushed_tags_are_images_of_the_repository(aws, repo):
    reg = Registry(aws)
    ecr = reg.ecr
    assert ecr.describe_images(repositoryName=repo)["imageDetails"] == []
    v1 = reg.push(repo, "v1")
    v2 = reg.push(repo, "v2")

    details = {d["imageTags"][0]: d for d in ecr.describe_images(repositoryName=repo)["imageDetails"]}
    assert set(details) == {"v1", "v2"}
    assert details["v1"]["imageDigest"] == v1
    assert details["v1"]["imageManifestMediaType"] == MANIFEST_V2
    assert details["v1"]["imageSizeInBytes"] > 0
    assert details["v1"]["registryId"] == "123456789012"

    only = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "v2"}])["imageDetails"]
    assert [d["imageDigest"] for d in only] == [v2]
    listed = ecr.list_images(repositoryName=repo)["imageIds"]
    assert sorted((i["imageTag"], i["imageDigest"]) for i in listed) == [("v1", v1), ("v2", v2)]
    got = ecr.batch_get_image(repositoryName=repo, imageIds=[{"imageTag": "v1"}, {"imageTag": "v9"}])
    assert [i["imageId"] for i in got["images"]] == [{"imageDigest": v1, "imageTag": "v1"}]
    manifest = got["images"][0]["imageManifest"]
    assert "sha256:" + hashlib.sha256(manifest.encode()).hexdigest() == v1  # ECR's digest: the manifest's hash
    # The registry serves the same manifest, by tag and by digest, and lists the tags.
    for reference in ("v1", v1):
        status, headers, body = reg.call("GET", f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_V2})
        assert (status, headers["docker-content-digest"], body.decode()) == (200, v1, manifest)
    status, _, body = reg.call("GET", f"/v2/{repo}/tags/list")
    assert json.loads(body) == {"name": repo, "tags": ["v1", "v2"]}


def test_missing_tag_and_repository_are_aws_errors(aws, repo):
    ecr = aws.boto3_client("ecr")
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": "nope"}])
    assert err.value.response["Error"]["Code"] == "ImageNotFoundException"
    with pytest.raises(ClientError) as err:
        ecr.describe_images(repositoryName="registry-test/never-created")
    assert err.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    assert "registry-test/never-created" in err.value.response["Error"]["Message"]


# (mutability, exclusion filters, tag pushed twice with different images, may the tag move?)
MUTABILITY = [
    ("MUTABLE", None, "v1", True),
    ("IMMUTABLE", None, "v1", False),
    ("IMMUTABLE", None, "latest", False),
    ("IMMUTABLE_WITH_EXCLUSION", ["latest"], "latest", True),
    ("IMMUTABLE_WITH_EXCLUSION", ["latest"], "v1", False),
    ("IMMUTABLE_WITH_EXCLUSION", ["dev-*"], "dev-7", True),
    ("IMMUTABLE_WITH_EXCLUSION", ["dev-*"], "xdev-7", False),  # a wildcard matches the whole tag
    ("IMMUTABLE_WITH_EXCLUSION", ["*-rc", "latest"], "1.2-rc", True),
    ("MUTABLE_WITH_EXCLUSION", ["release-*"], "release-1", False),
    ("MUTABLE_WITH_EXCLUSION", ["release-*"], "latest", True),
    ("MUTABLE_WITH_EXCLUSION", ["v1"], "v10", True),  # not a prefix match (moto's regular expression is)
    ("MUTABLE_WITH_EXCLUSION", ["v.1"], "vx1", True),  # "." is a dot, not "any character"
]


def _filters(filters):
    return [{"filterType": "WILDCARD", "filter": f} for f in filters]


@pytest.mark.parametrize("via", ["PutImage", "docker push"])
@pytest.mark.parametrize(("mutability", "filters", "tag", "moves"), MUTABILITY)
def test_tag_mutability(aws, registry_ready, via, mutability, filters, tag, moves):
    reg = Registry(aws)
    name = unique()
    extra = {"imageTagMutabilityExclusionFilters": _filters(filters)} if filters else {}
    reg.ecr.create_repository(repositoryName=name, imageTagMutability=mutability, **extra)
    described = reg.ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
    assert described["imageTagMutability"] == mutability
    assert described.get("imageTagMutabilityExclusionFilters") == (_filters(filters) if filters else None)
    first, second = reg.manifest(name, tag), reg.manifest(name, tag)
    reg.put_manifest(name, tag, first)
    before = tags_of(reg.ecr, name)[tag]
    if via == "PutImage":
        try:
            reg.ecr.put_image(repositoryName=name, imageTag=tag, imageManifest=second.decode())
            refused = None
        except ClientError as err:
            refused = (err.response["Error"]["Code"], err.response["Error"]["Message"])
        expected = "ImageTagAlreadyExistsException"
    else:
        status, _, body = reg.put_manifest(name, tag, second)
        refused = (
            None if status == 201 else (json.loads(body)["errors"][0]["code"], json.loads(body)["errors"][0]["message"])
        )
        expected = "TAG_INVALID"
    after = tags_of(reg.ecr, name)[tag]
    if moves:
        assert refused is None
        assert after == "sha256:" + hashlib.sha256(second).hexdigest() != before
        untagged = reg.ecr.describe_images(repositoryName=name, filter={"tagStatus": "UNTAGGED"})["imageDetails"]
        assert [image["imageDigest"] for image in untagged] == [before]
    else:
        assert refused == (
            expected,
            f"The image tag '{tag}' already exists in the '{name}' repository and cannot be overwritten because the "
            "repository is immutable.",
        )
        assert after == before


def test_changed_mutability_applies_to_the_next_push(aws, registry_ready):
    reg = Registry(aws)
    name = unique()
    reg.ecr.create_repository(repositoryName=name)
    reg.push(name, "latest")
    reg.push(name, "latest")  # mutable: the tag moves
    reg.ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability="IMMUTABLE")
    status, _, body = reg.put_manifest(name, "latest", reg.manifest(name, "latest"))
    assert (status, json.loads(body)["errors"][0]["code"]) == (400, "TAG_INVALID")
    reg.ecr.put_image_tag_mutability(
        repositoryName=name,
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=_filters(["latest"]),
    )
    reg.push(name, "latest")


@pytest.mark.parametrize("action", ["create_repository", "put_image_tag_mutability"])
@pytest.mark.parametrize(
    ("mutability", "filters"),
    [
        ("IMMUTABLE", ["latest"]),
        ("MUTABLE", ["latest"]),
        ("IMMUTABLE_WITH_EXCLUSION", None),
        ("MUTABLE_WITH_EXCLUSION", None),
    ],
)
def test_exclusion_filters_go_with_the_exclusion_settings(aws, action, mutability, filters):
    ecr = aws.boto3_client("ecr")
    name = unique()
    if action == "put_image_tag_mutability":
        ecr.create_repository(repositoryName=name)
    extra = {"imageTagMutabilityExclusionFilters": _filters(filters)} if filters else {}
    with pytest.raises(ClientError) as err:
        getattr(ecr, action)(repositoryName=name, imageTagMutability=mutability, **extra)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert "imageTagMutabilityExclusionFilters" in err.value.response["Error"]["Message"]


def test_put_image_digest_and_same_image_again(aws, repo):
    reg = Registry(aws)
    manifest = reg.manifest(repo, "v1")
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    with pytest.raises(ClientError) as err:
        reg.ecr.put_image(
            repositoryName=repo, imageTag="v1", imageManifest=manifest.decode(), imageDigest="sha256:" + "0" * 64
        )
    assert err.value.response["Error"]["Code"] == "ImageDigestDoesNotMatchException"
    image = reg.ecr.put_image(repositoryName=repo, imageTag="v1", imageManifest=manifest.decode())["image"]
    assert image["imageId"] == {"imageDigest": digest, "imageTag": "v1"}
    with pytest.raises(ClientError) as err:
        reg.ecr.put_image(repositoryName=repo, imageTag="v1", imageManifest=manifest.decode())
    assert err.value.response["Error"]["Code"] == "ImageAlreadyExistsException"
    # A second tag for the same image is fine in an immutable repository; pushing the same image under an
    # existing tag again is not (ECR refuses it even when nothing would change).
    reg.ecr.put_image(repositoryName=repo, imageTag="stable", imageManifest=manifest.decode())
    assert tags_of(reg.ecr, repo) == {"v1": digest, "stable": digest}
    status, _, body = reg.put_manifest(repo, "v1", manifest)
    assert (status, json.loads(body)["errors"][0]["code"]) == (400, "TAG_INVALID")


def test_same_image_pushed_again_into_a_mutable_repository(aws, registry_ready):
    reg = Registry(aws)
    name = unique()
    reg.ecr.create_repository(repositoryName=name)
    manifest = reg.manifest(name, "v1")
    assert reg.put_manifest(name, "v1", manifest)[0] == 201
    assert reg.put_manifest(name, "v1", manifest)[0] == 201
    assert len(reg.ecr.describe_images(repositoryName=name)["imageDetails"]) == 1


def test_a_manifest_needs_its_blobs(aws, repo):
    reg = Registry(aws)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_V2,
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 2,
                "digest": "sha256:" + "1" * 64,
            },
            "layers": [],
        }
    ).encode()
    status, _, body = reg.put_manifest(repo, "v1", manifest)
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "MANIFEST_BLOB_UNKNOWN"
    assert reg.ecr.describe_images(repositoryName=repo)["imageDetails"] == []


def test_the_registry_needs_the_ecr_login(aws, repo):
    reg = Registry(aws)
    status, headers, _ = http("GET", f"http://{reg.host}/v2/")
    assert status == 401
    assert (
        headers["www-authenticate"].startswith('Basic realm="')
        and 'service="ecr.amazonaws.com"' in headers["www-authenticate"]
    )
    assert headers["docker-distribution-api-version"] == "registry/2.0"
    assert reg.call("GET", "/v2/")[0] == 200
    wrong = {"Authorization": "Basic " + base64.b64encode(b"AWS:not-a-token").decode()}
    assert http("GET", f"http://{reg.host}/v2/{repo}/tags/list", headers=wrong)[0] == 401
    status, _, body = reg.call("GET", "/v2/registry-test/never-created/tags/list")
    assert (status, json.loads(body)["errors"][0]["code"]) == (404, "NAME_UNKNOWN")
    status, _, body = reg.call("GET", "/v2/_catalog")
    assert json.loads(body)["errors"][0]["code"] == "UNSUPPORTED"
    aws.admin("clock", "POST", {"advance": 12 * 3600 + 60})  # the token is valid for 12 hours
    status, _, body = reg.call("GET", f"/v2/{repo}/tags/list")
    assert (status, json.loads(body)["errors"][0]["code"]) == (403, "DENIED")


def test_authorization_token_names_the_registry_and_lasts_twelve_hours(aws):
    data = aws.boto3_client("ecr").get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password
    assert data["proxyEndpoint"] == aws.url
    now = dt.datetime.fromisoformat(aws.admin("clock")["now"])
    left = data["expiresAt"] - now
    assert dt.timedelta(hours=11) < left <= dt.timedelta(hours=12, minutes=1)


def _blob_seen(reg: Registry, name: str, digest: str) -> int:
    return reg.call("HEAD", f"/v2/{name}/blobs/{digest}")[0]


def test_regions_reset_and_deleted_repositories_see_no_images(aws, registry_ready):
    reg = Registry(aws)
    name = unique()
    reg.ecr.create_repository(repositoryName=name)
    manifest = json.loads(reg.manifest(name, "v1"))
    layer = manifest["layers"][0]["digest"]
    assert _blob_seen(reg, name, layer) == 200
    # Another region of the same emulator: its own repository of that name holds nothing.
    other = Registry(aws, region="us-east-1")
    other.ecr.create_repository(repositoryName=name)
    assert _blob_seen(other, name, layer) == 404
    # A deleted and re-created repository starts empty.
    reg.ecr.delete_repository(repositoryName=name, force=True)
    reg.ecr.create_repository(repositoryName=name)
    assert _blob_seen(reg, name, layer) == 404
    digest = reg.push(name, "v1")
    aws.reset()  # a reset forgets the images
    reg = Registry(aws)
    reg.ecr.create_repository(repositoryName=name)
    assert reg.ecr.describe_images(repositoryName=name)["imageDetails"] == []
    assert reg.call("GET", f"/v2/{name}/manifests/{digest}")[0] == 404


def test_another_emulator_sees_none_of_these_images(aws, registry_ready, tmp_path):
    reg = Registry(aws)
    name = unique()
    reg.ecr.create_repository(repositoryName=name)
    layer = json.loads(reg.manifest(name, "v1"))["layers"][0]["digest"]
    from tests.conftest import free_port

    second = EmulatorProcess(port=free_port(), log_path=tmp_path / "second.log")
    second.start()
    try:
        theirs = Registry(second)
        theirs.ecr.create_repository(repositoryName=name)
        assert _blob_seen(theirs, name, layer) == 404
        # Nor does a token of one emulator open the other's registry.
        assert http("GET", f"http://{theirs.host}/v2/", headers=reg.auth)[0] == 401
    finally:
        second.stop()


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
def test_backend_is_only_ever_a_loopback_address(monkeypatch, value, expected):
    monkeypatch.setenv("AWSEMU_ECR_REGISTRY", value)
    assert emu_registry.backend_address() == expected


def test_docker_login_and_push_as_on_ecr(aws, docker_ready, tmp_path):
    """A real Docker engine: login with the ECR password, push, a second push of the tag refused."""
    reg = Registry(aws)
    name = unique("docker-test")
    reg.ecr.create_repository(repositoryName=name, imageTagMutability="IMMUTABLE")
    env = {"DOCKER_CONFIG": str(tmp_path / "docker-config"), "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"}
    password = base64.b64decode(reg.ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"])
    login = subprocess.run(
        ["docker", "login", "--username", "AWS", "--password-stdin", reg.host],
        input=password.decode().partition(":")[2],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    context = tmp_path / "image"
    context.mkdir()
    (context / "hello.txt").write_text(f"hello {uuid.uuid4()}\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    image = f"{reg.host}/{name}:v1"
    try:
        build = subprocess.run(
            ["docker", "build", "--quiet", "--tag", image, str(context)],
            capture_output=True,
            text=True,
            env={**env, "DOCKER_BUILDKIT": "0"},
            check=False,
        )
        assert build.returncode == 0, build.stderr
        first = subprocess.run(["docker", "push", image], capture_output=True, text=True, env=env, check=False)
        assert first.returncode == 0, first.stdout + first.stderr
        assert list(tags_of(reg.ecr, name)) == ["v1"]
        second = subprocess.run(["docker", "push", image], capture_output=True, text=True, env=env, check=False)
        assert second.returncode != 0
        assert (
            f"tag invalid: The image tag 'v1' already exists in the '{name}' repository and cannot be overwritten "
            "because the repository is immutable." in second.stdout + second.stderr
        )
    finally:
        subprocess.run(["docker", "image", "rm", "--force", image], capture_output=True, check=False)
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp_path / "docker-config")
