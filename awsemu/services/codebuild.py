"""CodeBuild projects as the CodeBuild API reference describes them; moto gets several things wrong.

moto demands a source ``location`` for every source type, while AWS needs none for ``CODEPIPELINE``
(the pipeline's source action supplies it) and ``NO_SOURCE`` (which needs a ``buildspec`` instead), and
demands a location for ``CODEPIPELINE`` artifacts too. It also drops or misnames fields on the way
back (``lastModifiedDate`` for ``lastModified``, zero timeouts).

Implemented here: CreateProject (validation per the API reference and the botocore model's enums,
the defaults AWS fills in), BatchGetProjects (``projectsNotFound``), ListProjects (``sortBy``,
``sortOrder``, ``nextToken``) and DeleteProject. UpdateProject is in ``codebuild_project.py``; an
``after`` hook here gives its answer the same shape. Projects stay in moto's backend, so moto's
StartBuild, BatchGetBuilds and ListBuildsForProject keep working on them.

As AWS does, CreateProject refuses a service role that does not exist or that CodeBuild may not
assume (``InvalidInputException: CodeBuild is not authorized to perform: sts:AssumeRole``).
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any
from urllib.parse import unquote

from moto.codebuild.models import codebuild_backends
from moto.core.utils import unix_time

from awsemu.core import AwsError, after, handles, page_size, paginate

SOURCE_TYPES = (
    "CODECOMMIT",
    "CODEPIPELINE",
    "GITHUB",
    "GITLAB",
    "GITLAB_SELF_MANAGED",
    "S3",
    "BITBUCKET",
    "GITHUB_ENTERPRISE",
    "NO_SOURCE",
)
# Source types whose code comes from elsewhere: no location (CODEPIPELINE: the pipeline's source action).
SOURCE_WITHOUT_LOCATION = ("CODEPIPELINE", "NO_SOURCE")
ARTIFACT_TYPES = ("CODEPIPELINE", "S3", "NO_ARTIFACTS")
ENVIRONMENT_TYPES = (
    "WINDOWS_CONTAINER",
    "LINUX_CONTAINER",
    "LINUX_GPU_CONTAINER",
    "ARM_CONTAINER",
    "WINDOWS_SERVER_2019_CONTAINER",
    "WINDOWS_SERVER_2022_CONTAINER",
    "LINUX_LAMBDA_CONTAINER",
    "ARM_LAMBDA_CONTAINER",
    "LINUX_EC2",
    "ARM_EC2",
    "WINDOWS_EC2",
    "MAC_ARM",
)
COMPUTE_TYPES = (
    "BUILD_GENERAL1_SMALL",
    "BUILD_GENERAL1_MEDIUM",
    "BUILD_GENERAL1_LARGE",
    "BUILD_GENERAL1_XLARGE",
    "BUILD_GENERAL1_2XLARGE",
    "BUILD_LAMBDA_1GB",
    "BUILD_LAMBDA_2GB",
    "BUILD_LAMBDA_4GB",
    "BUILD_LAMBDA_8GB",
    "BUILD_LAMBDA_10GB",
    "ATTRIBUTE_BASED_COMPUTE",
    "CUSTOM_INSTANCE_TYPE",
)
ENV_VAR_TYPES = ("PLAINTEXT", "PARAMETER_STORE", "SECRETS_MANAGER")
PULL_CREDENTIALS = ("CODEBUILD", "SERVICE_ROLE")
CACHE_TYPES = ("NO_CACHE", "S3", "LOCAL")
LOG_STATUS = ("ENABLED", "DISABLED")
SORT_BY = {"NAME": "name", "CREATED_TIME": "created", "LAST_MODIFIED_TIME": "lastModified"}
SORT_ORDER = ("ASCENDING", "DESCENDING")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_]{1,149}$")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidInputException", message)


def _backend(req):
    return codebuild_backends[req.account_id][req.region]


def _arn(req, name: str) -> str:
    return f"arn:aws:codebuild:{req.region}:{req.account_id}:project/{name}"


def _find(req, name_or_arn: str):
    backend = _backend(req)
    if name_or_arn in backend.codebuild_projects:
        return backend.codebuild_projects[name_or_arn]
    for project in backend.codebuild_projects.values():
        if project.arn == name_or_arn:
            return project
    return None


# --- validation (CreateProject; UpdateProject validates in codebuild_project.py)
def _enum(value: Any, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise _invalid(f"Invalid type provided: {what}")


def validate_source(source: Any, *, primary: bool = True) -> None:
    if not isinstance(source, dict) or not source.get("type"):
        raise _invalid("Invalid source: source type is required")
    _enum(source["type"], SOURCE_TYPES, "Project source type")
    if source["type"] not in SOURCE_WITHOUT_LOCATION and not source.get("location"):
        raise _invalid("Project source location is required")
    if source["type"] == "NO_SOURCE" and not source.get("buildspec"):
        raise _invalid("Invalid source: buildspec must be specified for source type NO_SOURCE")
    if not primary and not source.get("sourceIdentifier"):
        raise _invalid("Invalid secondary source: sourceIdentifier is required")


def validate_artifacts(artifacts: Any) -> None:
    if not isinstance(artifacts, dict) or not artifacts.get("type"):
        raise _invalid("Invalid artifacts: artifacts type is required")
    _enum(artifacts["type"], ARTIFACT_TYPES, "Artifact type")
    if artifacts["type"] == "S3" and not artifacts.get("location"):
        raise _invalid("Invalid artifacts: artifact location is required for artifact type S3")
    if artifacts["type"] == "NO_ARTIFACTS" and artifacts.get("location"):
        raise _invalid("Invalid artifacts: artifact type NO_ARTIFACTS should have null location")


def validate_environment(environment: Any) -> None:
    if not isinstance(environment, dict):
        raise _invalid("Invalid environment: environment is required")
    for member in ("type", "image", "computeType"):
        if not environment.get(member):
            raise _invalid(f"Invalid environment: {member} is required")
    _enum(environment["type"], ENVIRONMENT_TYPES, environment["type"])
    if environment["computeType"] not in COMPUTE_TYPES:
        raise _invalid(f"Invalid compute type provided: {environment['computeType']}")
    if "imagePullCredentialsType" in environment:
        _enum(environment["imagePullCredentialsType"], PULL_CREDENTIALS, "image pull credentials type")
    names = set()
    for var in environment.get("environmentVariables") or []:
        if not isinstance(var, dict) or not var.get("name") or "value" not in var:
            raise _invalid("Invalid environment variable: name and value are required")
        if var["name"] in names:
            raise _invalid(f"Invalid environment variable: duplicate name {var['name']}")
        names.add(var["name"])
        if "type" in var:
            _enum(var["type"], ENV_VAR_TYPES, "environment variable type")


def validate_logs(logs: Any) -> None:
    if logs is None:
        return
    for key in ("cloudWatchLogs", "s3Logs"):
        part = logs.get(key)
        if part is None:
            continue
        if part.get("status") not in LOG_STATUS:
            raise _invalid(f"Invalid logs config: {key} status must be ENABLED or DISABLED")
        if key == "s3Logs" and part["status"] == "ENABLED" and not part.get("location"):
            raise _invalid("Invalid logs config: s3Logs location is required when s3Logs is ENABLED")


def validate_service_role(req, role: Any) -> str:
    """The role's ARN; AWS refuses a role that is missing or that codebuild.amazonaws.com may not assume."""
    if not isinstance(role, str) or not role:
        raise _invalid("Invalid service role: serviceRole is required")
    arn = role if role.startswith("arn:") else f"arn:aws:iam::{req.account_id}:role/{role}"
    match = re.match(r"^arn:aws:iam::(\d{12}):role/(?:.*/)?([\w+=,.@-]+)$", arn)
    if not match:
        raise _invalid(f"Invalid service role: {role}")
    if match.group(1) != req.account_id:
        raise _invalid("Invalid service role: Service role account ID does not match caller's account")
    if not _codebuild_may_assume(req, match.group(2)):
        raise _invalid(f"CodeBuild is not authorized to perform: sts:AssumeRole on {arn}")
    return arn


def _codebuild_may_assume(req, role_name: str) -> bool:
    from moto.iam.models import iam_backends

    try:
        role = iam_backends[req.account_id]["global"].get_role(role_name)
    except Exception:  # moto's IAMNotFoundException and friends
        return False
    document = role.assume_role_policy_document
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document))
        except ValueError:
            return False
    statements = document.get("Statement", [])
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        services = (statement.get("Principal") or {}).get("Service", [])
        services = services if isinstance(services, list) else [services]
        if "codebuild.amazonaws.com" in services:
            return True
    return False


# --- the shape AWS answers with
def shape(req, meta: dict[str, Any]) -> dict[str, Any]:
    """Fill the defaults AWS reports for a project and fix moto's field names (in place)."""
    if "lastModifiedDate" in meta:
        meta["lastModified"] = meta.pop("lastModifiedDate")
    name = meta["name"]
    meta.setdefault("arn", _arn(req, name))
    source = meta.get("source") or {}
    source.setdefault("insecureSsl", False)
    artifacts = meta.get("artifacts") or {}
    if artifacts.get("type") in ("CODEPIPELINE", "S3"):
        artifacts.setdefault("name", name)
        artifacts.setdefault("packaging", "NONE")
        artifacts.setdefault("encryptionDisabled", False)
    if artifacts.get("type") == "S3":
        artifacts.setdefault("namespaceType", "NONE")
    environment = meta.get("environment") or {}
    environment.setdefault("environmentVariables", [])
    for var in environment["environmentVariables"]:
        var.setdefault("type", "PLAINTEXT")
    environment.setdefault("privilegedMode", False)
    environment.setdefault("imagePullCredentialsType", "CODEBUILD")
    if not meta.get("cache"):
        meta["cache"] = {"type": "NO_CACHE"}
    if not meta.get("timeoutInMinutes"):
        meta["timeoutInMinutes"] = 60
    if not meta.get("queuedTimeoutInMinutes"):
        meta["queuedTimeoutInMinutes"] = 480
    meta.setdefault("encryptionKey", f"arn:aws:kms:{req.region}:{req.account_id}:alias/aws/s3")
    if meta.get("tags") is None:
        meta["tags"] = []
    meta.setdefault("badge", {"badgeEnabled": False})
    logs = meta.get("logsConfig") or {}
    logs.setdefault("cloudWatchLogs", {"status": "ENABLED"})
    logs.setdefault("s3Logs", {"status": "DISABLED", "encryptionDisabled": False})
    meta["logsConfig"] = logs
    meta.setdefault("projectVisibility", "PRIVATE")
    if meta.get("description") in (None, ""):
        meta.pop("description", None)
    return meta


@handles("codebuild", "CreateProject")
def create_project(req):
    name = req.param("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _invalid("Only alphanumeric characters, dash, and underscore are supported")
    source = req.param("source")
    validate_source(source)
    for secondary in req.param("secondarySources") or []:
        validate_source(secondary, primary=False)
    artifacts = req.param("artifacts")
    validate_artifacts(artifacts)
    if (source["type"] == "CODEPIPELINE") != (artifacts["type"] == "CODEPIPELINE"):
        raise _invalid(
            "Invalid input: when source type is CODEPIPELINE, artifacts type must be CODEPIPELINE, and the reverse"
        )
    environment = req.param("environment")
    validate_environment(environment)
    validate_logs(req.param("logsConfig"))
    cache = req.param("cache")
    if cache is not None:
        _enum(cache.get("type"), CACHE_TYPES, "cache type")
    for key in ("timeoutInMinutes", "queuedTimeoutInMinutes"):
        value = req.param(key)
        limit = (5, 2160) if key == "timeoutInMinutes" else (5, 480)
        if value is not None and not limit[0] <= int(value) <= limit[1]:
            raise _invalid(f"Invalid {key}: must be between {limit[0]} and {limit[1]}")
    role_arn = validate_service_role(req, req.param("serviceRole"))
    if _find(req, name) is not None:
        raise AwsError("ResourceAlreadyExistsException", f"Project already exists: {_arn(req, name)}")

    backend = _backend(req)
    backend.create_project(
        project_name=name,
        description=req.param("description"),
        project_source=copy.deepcopy(source),
        artifacts=copy.deepcopy(artifacts),
        environment=copy.deepcopy(environment),
        service_role=role_arn,
        tags=copy.deepcopy(req.param("tags")),
        cache=copy.deepcopy(cache),
        timeout=req.param("timeoutInMinutes"),
        queued_timeout=req.param("queuedTimeoutInMinutes"),
        source_version=req.param("sourceVersion"),
        logs_config=copy.deepcopy(req.param("logsConfig")),
        vpc_config=copy.deepcopy(req.param("vpcConfig")),
    )
    project = backend.codebuild_projects[name]
    meta = project.project_metadata
    for key in (
        "secondarySources",
        "secondarySourceVersions",
        "secondaryArtifacts",
        "fileSystemLocations",
        "buildBatchConfig",
        "concurrentBuildLimit",
        "autoRetryLimit",
    ):
        if req.param(key) is not None:
            meta[key] = copy.deepcopy(req.param(key))
    if req.param("encryptionKey"):
        meta["encryptionKey"] = req.param("encryptionKey")
    if req.param("badgeEnabled") is not None:
        meta["badge"] = {"badgeEnabled": bool(req.param("badgeEnabled"))}
    now = unix_time()
    meta["created"] = now
    meta.pop("lastModifiedDate", None)
    meta["lastModified"] = now
    return {"project": copy.deepcopy(shape(req, meta))}


@after("codebuild", "UpdateProject")
def shape_updated_project(req, body):
    project = body.get("project") if isinstance(body, dict) else None
    if project and project.get("name"):
        stored = _find(req, project["name"])
        if stored is not None:
            shape(req, stored.project_metadata)
            body["project"] = copy.deepcopy(stored.project_metadata)
    return body


@handles("codebuild", "BatchGetProjects")
def batch_get_projects(req):
    names = req.param("names")
    if not isinstance(names, list) or not names:
        raise _invalid("names is required")
    if len(names) > 100:
        raise _invalid("Invalid names: at most 100 names may be given")
    found, missing = [], []
    for name in names:
        project = _find(req, name)
        if project is None:
            missing.append(name)
        else:
            found.append(copy.deepcopy(shape(req, project.project_metadata)))
    return {"projects": found, "projectsNotFound": missing}


@handles("codebuild", "ListProjects")
def list_projects(req):
    sort_by = req.param("sortBy", "NAME")
    order = req.param("sortOrder", "ASCENDING")
    if sort_by not in SORT_BY:
        raise _invalid(f"Invalid sortBy: {sort_by}")
    if order not in SORT_ORDER:
        raise _invalid(f"Invalid sortOrder: {order}")
    projects = [shape(req, p.project_metadata) for p in _backend(req).codebuild_projects.values()]
    field = SORT_BY[sort_by]
    projects.sort(key=lambda p: (p.get(field) or 0, p["name"]), reverse=(order == "DESCENDING"))
    page, token = paginate(
        [p["name"] for p in projects], req.param("nextToken"), page_size(req, 100), "InvalidInputException"
    )
    result: dict[str, Any] = {"projects": page}
    if token:
        result["nextToken"] = token
    return result


@handles("codebuild", "DeleteProject")
def delete_project(req):
    name = req.require("name", "InvalidInputException")
    project = _find(req, name)
    if project is not None:  # as in AWS, deleting a missing project succeeds
        backend = _backend(req)
        backend.codebuild_projects.pop(project.project_metadata["name"], None)
        backend.build_metadata.pop(project.project_metadata["name"], None)
    return {}
