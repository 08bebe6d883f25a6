"""CodeBuild UpdateProject, which moto lacks (CreateProject itself is in codebuild.py).

As in AWS, only the fields given change; the answer is the whole project. A CODEPIPELINE source needs
CODEPIPELINE artifacts and the reverse (InvalidInputException), and the project must exist
(ResourceNotFoundException).
"""

from __future__ import annotations

from moto.codebuild.models import codebuild_backends
from moto.core.utils import unix_time

from awsemu.core import AwsError, handles

# UpdateProject input field -> the project attribute it replaces
FIELDS = {
    "description": "description",
    "source": "source",
    "secondarySources": "secondarySources",
    "sourceVersion": "sourceVersion",
    "artifacts": "artifacts",
    "secondaryArtifacts": "secondaryArtifacts",
    "cache": "cache",
    "environment": "environment",
    "serviceRole": "serviceRole",
    "timeoutInMinutes": "timeoutInMinutes",
    "queuedTimeoutInMinutes": "queuedTimeoutInMinutes",
    "encryptionKey": "encryptionKey",
    "tags": "tags",
    "vpcConfig": "vpcConfig",
    "badgeEnabled": None,
    "logsConfig": "logsConfig",
    "concurrentBuildLimit": "concurrentBuildLimit",
}


@handles("codebuild", "UpdateProject")
def update_project(req):
    name = req.require("name")
    backend = codebuild_backends[req.account_id][req.region]
    project = backend.codebuild_projects.get(name)
    if project is None:
        for candidate in backend.codebuild_projects.values():
            if candidate.arn == name:
                project = candidate
    if project is None:
        raise AwsError(
            "ResourceNotFoundException",
            f"Project cannot be found: arn:aws:codebuild:{req.region}:{req.account_id}:project/{name}",
        )
    meta = project.project_metadata
    source = req.param("source") or meta.get("source") or {}
    artifacts = req.param("artifacts") or meta.get("artifacts") or {}
    if (source.get("type") == "CODEPIPELINE") != (artifacts.get("type") == "CODEPIPELINE"):
        raise AwsError(
            "InvalidInputException",
            "Invalid input: when source type is CODEPIPELINE, artifacts type must be CODEPIPELINE, and the reverse",
        )
    for field, attr in FIELDS.items():
        value = req.param(field)
        if value is None:
            continue
        if field == "badgeEnabled":
            meta["badge"] = {"badgeEnabled": bool(value)}
        else:
            meta[attr] = value
    if req.param("serviceRole"):
        project.service_role = req.param("serviceRole")
    if req.param("tags") is not None:
        project.tags = req.param("tags")
    meta["lastModifiedDate"] = unix_time()
    return {"project": meta}
