"""The emulator's ECR registry: ``docker login``, ``push`` and ``pull`` against the emulator's own port.

On AWS, ``<account>.dkr.ecr.<region>.amazonaws.com`` serves the Docker Registry HTTP API v2 and the ECR
API sees the same images. Here the emulator answers ``/v2/...`` itself (requests without an AWS
signature), so the registry host is the emulator's ``host:port`` (GetAuthorizationToken's
``proxyEndpoint``; Docker speaks plain HTTP to 127.0.0.0/8 registries), and:

- Every request needs the ECR login: HTTP Basic ``AWS:<password>`` with the password of this emulator's
  GetAuthorizationToken, which names the account and region and expires with the token (12 hours of the
  emulator's clock). Without it the answer is 401 with ECR's ``Basic`` challenge, so ``docker login``
  checks the password as it does against ECR; an expired one is 403 ``DENIED``.
- Repositories are the ECR repositories of that account and region: pushing to one that does not exist
  is ``NAME_UNKNOWN``, as on ECR (Docker registries create repositories on push; ECR does not).
- Manifests are ECR images: a manifest PUT goes through the same rule as the PutImage API
  (``awsemu.services.ecr.store_image``: tag mutability with its exclusion filters, digests), so pushing
  an existing tag into an immutable repository fails with ``TAG_INVALID`` and ECR's message, and
  DescribeImages, ListImages and BatchGetImage see what was pushed. Manifests are served from there.
- Blobs (layers, configs) are streamed to and from Debian's docker-registry (``AWSEMU_ECR_REGISTRY``,
  default 127.0.0.1:5000, loopback addresses only), which every emulator on the machine shares, under
  a namespace of this repository's own: ``awsemu-<hash of emulator instance, account, region, name and
  creation time>/<name>``. Parallel emulators never see each other's blobs, a deleted and re-created
  repository starts empty, and a reset (which forgets moto's repositories) forgets the images too.
  Manifests are also put there (by digest), so docker-registry checks that every blob they name exists.

Not served, as on ECR: ``/v2/_catalog`` and deleting through the registry API (``UNSUPPORTED``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from awsemu import core

LOG = logging.getLogger("awsemu")

# Per emulator process: the key that signs its ECR passwords and the seed of its namespaces.
_SECRET = os.urandom(32)
INSTANCE = uuid.uuid4().hex
TIMEOUT = 300.0
CHUNK = 1 << 16
API_VERSION = ("Docker-Distribution-Api-Version", "registry/2.0")
_ROUTES = [
    ("base", re.compile(r"/v2/?")),
    ("catalog", re.compile(r"/v2/_catalog")),
    ("tags", re.compile(r"/v2/(?P<name>.+)/tags/list")),
    ("manifest", re.compile(r"/v2/(?P<name>.+)/manifests/(?P<ref>[^/]+)")),
    ("upload", re.compile(r"/v2/(?P<name>.+)/blobs/uploads/(?P<upload>[^/]*)")),
    ("blob", re.compile(r"/v2/(?P<name>.+)/blobs/(?P<digest>[^/]+)")),
]
# Hop-by-hop headers (RFC 9110 7.6.1) and the ones the WSGI server sets itself.
_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authenticate",
    "proxy-authorization",
    "content-length",
    "date",
    "server",
}
_LOCK = threading.Lock()


class RegistryError(Exception):
    """A Docker Registry API error: ``{"errors": [{"code", "message"}]}`` with an HTTP status."""

    def __init__(self, status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or []


# --- the backend (Debian's docker-registry)
def backend_address() -> str | None:
    """The backend's host:port, or None when it is not a loopback address (never leave the host)."""
    address = os.environ.get("AWSEMU_ECR_REGISTRY", "127.0.0.1:5000").strip()
    if not address:
        return None
    host = address.rsplit(":", 1)[0] if ":" in address else address
    if host == "localhost":
        return address
    try:
        if ipaddress.ip_address(host.strip("[]")).is_loopback:
            return address
    except ValueError:
        pass
    return None


def backend_name(account: str, region: str, repository: Any) -> str:
    """The backend repository that holds ``repository``'s blobs: one per emulator, account, region, incarnation."""
    seed = f"{INSTANCE}/{account}/{region}/{repository.name}/{repository.created_at.isoformat()}"
    return f"awsemu-{hashlib.sha256(seed.encode()).hexdigest()[:16]}/{repository.name}"


def _connect() -> http.client.HTTPConnection:
    address = backend_address()
    if address is None:
        raise RegistryError(503, "UNAVAILABLE", "no loopback registry backend is configured (AWSEMU_ECR_REGISTRY)")
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "80")
    return http.client.HTTPConnection(host or address, int(port or 80), timeout=TIMEOUT)


def backend(
    method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, list[tuple[str, str]], http.client.HTTPResponse, http.client.HTTPConnection]:
    """One request to the backend; the caller reads and closes the response (and the connection)."""
    conn = _connect()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
    except OSError as err:
        conn.close()
        LOG.warning("registry backend %s %s: %s", method, path, err)
        raise RegistryError(503, "UNAVAILABLE", f"the registry backend does not answer: {err}") from err
    return response.status, response.getheaders(), response, conn


def backend_has_blob(name: str, digest: str) -> bool:
    try:
        status, _headers, response, conn = backend("HEAD", f"/v2/{name}/blobs/{digest}")
    except RegistryError:
        return False
    response.read()
    conn.close()
    return status == 200


def backend_put_manifest(name: str, digest: str, manifest: bytes, media_type: str) -> None:
    """Store a manifest by digest; the backend refuses one whose blobs it does not hold."""
    status, _headers, response, conn = backend(
        "PUT", f"/v2/{name}/manifests/{digest}", body=manifest, headers={"Content-Type": media_type}
    )
    data = response.read()
    conn.close()
    if status not in (200, 201):
        try:
            first = json.loads(data)["errors"][0]
            code, message = first.get("code", "MANIFEST_INVALID"), first.get("message", "manifest invalid")
        except (ValueError, KeyError, IndexError, TypeError):
            code, message = "MANIFEST_INVALID", data.decode(errors="replace")[:200]
        raise RegistryError(400 if status < 500 else 503, code, message)


# --- the ECR login
def password_for(account: str, region: str, expires: float) -> str:
    """The password of an ECR authorization token: account, region and expiry, signed by this emulator."""
    payload = base64.urlsafe_b64encode(json.dumps({"a": account, "r": region, "e": int(expires)}).encode()).decode()
    signature = hmac.new(_SECRET, payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{signature}"


def _login(environ: dict[str, Any]) -> tuple[str, str]:
    host = environ.get("HTTP_HOST", "127.0.0.1")
    challenge = [("WWW-Authenticate", f'Basic realm="http://{host}/",service="ecr.amazonaws.com"')]
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if not auth.startswith("Basic "):
        raise RegistryError(401, "UNAUTHORIZED", "Not Authorized", challenge)
    try:
        user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        payload, _, signature = password.rpartition(".")
        expected = hmac.new(_SECRET, payload.encode(), hashlib.sha256).hexdigest()
        claims = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise RegistryError(401, "UNAUTHORIZED", "Not Authorized", challenge) from None
    if user != "AWS" or not hmac.compare_digest(signature, expected):
        raise RegistryError(401, "UNAUTHORIZED", "Not Authorized", challenge)
    if core.CLOCK.timestamp() >= float(claims["e"]):
        raise RegistryError(403, "DENIED", "Your authorization token has expired. Reauthenticate and try again.")
    return claims["a"], claims["r"]


# --- WSGI
def is_registry_request(environ: dict[str, Any]) -> bool:
    """A Docker Registry API call: under /v2 and not signed for an AWS API."""
    path = environ.get("PATH_INFO", "")
    return (path == "/v2" or path.startswith("/v2/")) and "AWS4-HMAC-SHA256" not in environ.get(
        "HTTP_AUTHORIZATION", ""
    )


def app(environ: dict[str, Any], start_response: Any) -> Any:
    """Answer one Docker Registry HTTP API v2 request."""
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        account, region = _login(environ)
        route, match = _route(environ.get("PATH_INFO", ""))
        if route == "base":
            return _json(start_response, 200, {})
        if route == "catalog":
            raise RegistryError(405, "UNSUPPORTED", "The operation is unsupported.")
        repository = _repository(account, region, match["name"])
        if route == "tags":
            return _tags(start_response, repository, match["name"])
        if route == "manifest":
            if method in ("GET", "HEAD"):
                return _get_manifest(start_response, method, repository, match["ref"])
            if method == "PUT":
                return _put_manifest(environ, start_response, account, region, repository, match["ref"])
            raise RegistryError(405, "UNSUPPORTED", "The operation is unsupported.")
        name = backend_name(account, region, repository)
        return _proxy(environ, start_response, method, name, match["name"])
    except RegistryError as err:
        return _error(start_response, err)


def _route(path: str) -> tuple[str, dict[str, str]]:
    for route, pattern in _ROUTES:
        found = pattern.fullmatch(path)
        if found:
            return route, found.groupdict()
    raise RegistryError(404, "NOT_FOUND", f"no registry route for {path}")


def _repository(account: str, region: str, name: str) -> Any:
    from moto.ecr.models import ecr_backends

    repository = ecr_backends[account][region].repositories.get(name)
    if repository is None:
        raise RegistryError(
            404,
            "NAME_UNKNOWN",
            f"The repository with name '{name}' does not exist in the registry with id '{account}'",
        )
    return repository


def _tags(start_response: Any, repository: Any, name: str) -> list[bytes]:
    tags = sorted({tag for image in repository.images for tag in image.image_tags})
    return _json(start_response, 200, {"name": name, "tags": tags})


def _find(repository: Any, reference: str) -> Any:
    for image in repository.images:
        if reference == image.get_image_digest() or reference in image.image_tags:
            return image
    return None


def _get_manifest(start_response: Any, method: str, repository: Any, reference: str) -> list[bytes]:
    image = _find(repository, reference)
    if image is None:
        raise RegistryError(
            404,
            "MANIFEST_UNKNOWN",
            f"Requested image not found: {reference} in repository {repository.name}",
        )
    data = image.image_manifest.encode()
    headers = [
        ("Content-Type", image.image_manifest_media_type or "application/vnd.docker.distribution.manifest.v2+json"),
        ("Docker-Content-Digest", image.get_image_digest()),
        ("Content-Length", str(len(data))),
        API_VERSION,
    ]
    start_response("200 OK", headers)
    return [] if method == "HEAD" else [data]


def _put_manifest(
    environ: dict[str, Any], start_response: Any, account: str, region: str, repository: Any, reference: str
) -> list[bytes]:
    from awsemu.services import ecr

    data = _read_all(environ)
    media_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    is_digest = reference.startswith("sha256:")
    if is_digest and reference != digest:
        raise RegistryError(400, "DIGEST_INVALID", "provided digest did not match uploaded content")
    tag = None if is_digest else reference
    with _LOCK:
        try:
            ecr.check_new_image(repository, data, media_type, tag, registry=True)
        except core.AwsError as err:
            code = "TAG_INVALID" if err.code == "ImageTagAlreadyExistsException" else "MANIFEST_INVALID"
            raise RegistryError(400, code, err.message) from None
        backend_put_manifest(backend_name(account, region, repository), digest, data, media_type)
        ecr.store_image(repository, data, media_type, tag, registry=True)
    start_response(
        "201 Created",
        [
            ("Location", f"/v2/{repository.name}/manifests/{digest}"),
            ("Docker-Content-Digest", digest),
            ("Content-Length", "0"),
            API_VERSION,
        ],
    )
    return []


def _read_all(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        return stream.read()
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return stream.read(length) if length else b""


def _body(environ: dict[str, Any]) -> tuple[Any, dict[str, str]]:
    """The request body to stream on (and its framing header), never read whole into memory."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: read until the end
        return iter(lambda: stream.read(CHUNK), b""), {}  # http.client sends it chunked
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if not length:
        return None, {"Content-Length": "0"} if environ.get("REQUEST_METHOD") in ("PUT", "PATCH", "POST") else {}

    def chunks() -> Iterator[bytes]:
        left = length
        while left > 0:
            data = stream.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data

    return chunks(), {"Content-Length": str(length)}


def _proxy(environ: dict[str, Any], start_response: Any, method: str, name: str, public: str) -> Any:
    """Blobs and uploads: the same request on the backend under ``name``; its answer with our paths."""
    path = environ.get("PATH_INFO", "").replace(f"/v2/{public}/", f"/v2/{name}/", 1)
    query = environ.get("QUERY_STRING", "")
    if method == "POST" and "mount=" in query:
        # ECR does not mount blobs across repositories: the spec's answer is a plain upload (202).
        query = "&".join(p for p in query.split("&") if not p.startswith(("mount=", "from=")))
    body, framing = _body(environ)
    headers = {
        k: environ[f"HTTP_{k.upper().replace('-', '_')}"]
        for k in ("Content-Range", "Range", "Accept")
        if f"HTTP_{k.upper().replace('-', '_')}" in environ
    }
    if environ.get("CONTENT_TYPE"):
        headers["Content-Type"] = environ["CONTENT_TYPE"]
    headers.update(framing)
    status, answer_headers, response, conn = backend(method, path + (f"?{query}" if query else ""), body, headers)
    host = environ.get("HTTP_HOST", "127.0.0.1")
    out = []
    length = None
    for key, value in answer_headers:
        lower = key.lower()
        if lower == "content-length":
            length = value
        if lower in _HOP:
            continue
        if lower == "location":
            value = _public_location(value, name, public, host)
        out.append((key, value))
    if length is not None:
        out.append(("Content-Length", length))
    start_response(f"{status} {response.reason}", out)
    if method == "HEAD":
        response.read()
        conn.close()
        return []

    def stream() -> Iterator[bytes]:
        try:
            while True:
                data = response.read(CHUNK)
                if not data:
                    break
                yield data
        finally:
            conn.close()

    return stream()


def _public_location(value: str, name: str, public: str, host: str) -> str:
    parts = urlsplit(value)
    path = parts.path.replace(f"/v2/{name}/", f"/v2/{public}/", 1)
    return f"http://{host}{path}" + (f"?{parts.query}" if parts.query else "")


def _json(start_response: Any, status: int, payload: Any, extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    data = json.dumps(payload).encode()
    reason = {
        200: "OK",
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        503: "Service Unavailable",
    }.get(status, "Error")
    start_response(
        f"{status} {reason}",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            API_VERSION,
            *(extra or []),
        ],
    )
    return [data]


def _error(start_response: Any, err: RegistryError) -> list[bytes]:
    return _json(start_response, err.status, {"errors": [{"code": err.code, "message": err.message}]}, err.headers)
