"""CodeConnections (formerly CodeStar Connections): connections to GitHub and friends; moto has none.

Implements CreateConnection, GetConnection, ListConnections, DeleteConnection, TagResource, UntagResource
and ListTagsForResource for both signing names, ``codestar-connections`` (JSON 1.0, what this project's
module uses) and ``codeconnections`` (JSON requests only; botocore prefers CBOR for it, which this
emulator does not decode). Both names share one set of connections, as in AWS; the ARN service part
follows the endpoint that created the connection.

As in AWS, a new connection is PENDING: a human completes the OAuth handshake in the console. The
non-AWS test endpoint ``POST /_emulator/codeconnections {"ConnectionArn": ..., "ConnectionStatus":
"AVAILABLE"}`` plays that human.
"""

from __future__ import annotations

import re
import uuid

from awsemu.core import STORE, AwsError, admin, handles

SERVICES = ("codestar-connections", "codeconnections")
PROVIDERS = (
    "Bitbucket",
    "GitHub",
    "GitHubEnterpriseServer",
    "GitLab",
    "GitLabSelfManaged",
    "AzureDevOps",
    "GitHubEnterpriseCloudDataResidency",
)
_NAME = re.compile(r"^[\w\-.]{1,32}$")
_ARN = re.compile(r"^arn:aws(-[\w]+)*:(codestar-connections|codeconnections):([\w-]+):(\d{12}):connection/(.+)$")
MAX_CONNECTIONS = 250


def _connections(req) -> dict[str, dict]:
    """Connections keyed by id (the ARN's last part), per account and region."""
    return STORE.get(req, "codeconnections", dict)


def _find(req, arn: str | None, param: str = "ConnectionArn") -> dict:
    if not arn:
        raise AwsError("InvalidInputException", f"{param} is required")
    match = _ARN.match(arn)
    conn = _connections(req).get(match.group(5)) if match else None
    if conn is None:
        raise AwsError("ResourceNotFoundException", f"Connection {arn} does not exist")
    return conn


def _arn(req, conn: dict) -> str:
    return f"arn:aws:{conn['service']}:{req.region}:{req.account_id}:connection/{conn['id']}"


def _public(req, conn: dict) -> dict:
    out = {
        "ConnectionName": conn["name"],
        "ConnectionArn": _arn(req, conn),
        "ProviderType": conn["provider"],
        "OwnerAccountId": req.account_id,
        "ConnectionStatus": conn["status"],
    }
    if conn.get("host"):
        out["HostArn"] = conn["host"]
    return out


def _register(action: str):
    def deco(fn):
        for service in SERVICES:
            handles(service, action)(fn)
        return fn

    return deco


@_register("CreateConnection")
def create_connection(req):
    name = req.param("ConnectionName")
    if not name or not _NAME.match(name):
        raise AwsError("InvalidInputException", "ConnectionName must be 1 to 32 characters of [A-Za-z0-9_.-]")
    provider, host = req.param("ProviderType"), req.param("HostArn")
    if not provider and not host:
        raise AwsError("InvalidInputException", "Either ProviderType or HostArn must be specified")
    if provider and provider not in PROVIDERS:
        raise AwsError("UnsupportedProviderTypeException", f"Provider type {provider} is not supported")
    if host:
        raise AwsError("ResourceNotFoundException", f"Host {host} does not exist")
    conns = _connections(req)
    if len(conns) >= MAX_CONNECTIONS:
        raise AwsError("LimitExceededException", "Exceeded the maximum number of connections for this account")
    conn_id = str(uuid.uuid4())
    tags = req.param("Tags") or []
    conns[conn_id] = {
        "id": conn_id,
        "name": name,
        "provider": provider,
        "status": "PENDING",
        "service": req.service,
        "tags": {t["Key"]: t.get("Value", "") for t in tags},
    }
    return {"ConnectionArn": _arn(req, conns[conn_id]), "Tags": tags}


@_register("GetConnection")
def get_connection(req):
    return {"Connection": _public(req, _find(req, req.param("ConnectionArn")))}


@_register("ListConnections")
def list_connections(req):
    provider = req.param("ProviderTypeFilter")
    items = [_public(req, c) for c in _connections(req).values() if not provider or c["provider"] == provider]
    items.sort(key=lambda c: c["ConnectionName"])
    start = int(req.param("NextToken") or 0)
    size = int(req.param("MaxResults") or 50)
    out = {"Connections": items[start : start + size]}
    if start + size < len(items):
        out["NextToken"] = str(start + size)
    return out


@_register("DeleteConnection")
def delete_connection(req):
    conn = _find(req, req.param("ConnectionArn"))
    _connections(req).pop(conn["id"], None)
    return {}


@_register("ListTagsForResource")
def list_tags(req):
    conn = _find(req, req.param("ResourceArn"), "ResourceArn")
    return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(conn["tags"].items())]}


@_register("TagResource")
def tag_resource(req):
    conn = _find(req, req.param("ResourceArn"), "ResourceArn")
    for tag in req.param("Tags") or []:
        conn["tags"][tag["Key"]] = tag.get("Value", "")
    if len(conn["tags"]) > 200:
        raise AwsError("LimitExceededException", "Too many tags")
    return {}


@_register("UntagResource")
def untag_resource(req):
    conn = _find(req, req.param("ResourceArn"), "ResourceArn")
    for key in req.param("TagKeys") or []:
        conn["tags"].pop(key, None)
    return {}


@admin("codeconnections")
def complete_handshake(method, payload):
    """Non-AWS: list connections (GET) or set a connection's status (POST), as the console handshake would."""
    if method == "POST":
        match = _ARN.match(payload.get("ConnectionArn", ""))
        if not match:
            raise AwsError("ResourceNotFoundException", "no such connection")
        conns = STORE.get((match.group(4), match.group(3)), "codeconnections", dict)
        conn = conns.get(match.group(5))
        if conn is None:
            raise AwsError("ResourceNotFoundException", "no such connection")
        conn["status"] = payload.get("ConnectionStatus", "AVAILABLE")
    return {
        "connections": [
            {"account": a, "region": r, "name": c["name"], "status": c["status"]}
            for (a, r), conns in STORE.items("codeconnections")
            for c in conns.values()
        ]
    }
