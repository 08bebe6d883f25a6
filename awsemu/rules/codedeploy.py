"""CodeDeploy rules: the names' characters (their length and the termination wait are checked by
``awsemu.services.codedeploy``).

applicationName, deploymentGroupName, deploymentConfigName: "Length Constraints: Minimum length of 1. Maximum
length of 100." and the model's pattern ``[A-Za-z0-9+=,.@_-]*`` (CodeDeploy API reference, CreateApplication,
CreateDeploymentGroup, CreateDeploymentConfig). CodeDeploy answers a bad name with the exception of that name.
"""

from __future__ import annotations

import re

from awsemu.core import AwsError, validates

_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,100}")
_MEMBERS = {
    "applicationName": ("InvalidApplicationNameException", "application name"),
    "newApplicationName": ("InvalidApplicationNameException", "application name"),
    "deploymentGroupName": ("InvalidDeploymentGroupNameException", "deployment group name"),
    "currentDeploymentGroupName": ("InvalidDeploymentGroupNameException", "deployment group name"),
    "newDeploymentGroupName": ("InvalidDeploymentGroupNameException", "deployment group name"),
    "deploymentConfigName": ("InvalidDeploymentConfigNameException", "deployment configuration name"),
}


@validates(
    "codedeploy",
    "CreateApplication",
    "UpdateApplication",
    "CreateDeploymentGroup",
    "UpdateDeploymentGroup",
    "CreateDeploymentConfig",
    "CreateDeployment",
)
def names(req) -> None:
    for member, (code, what) in _MEMBERS.items():
        value = req.params.get(member)
        if value is None:
            continue
        if len(str(value)) > 100:
            raise AwsError(code, f"The {what} is too long (maximum 100): '{value}'")
        if not _NAME.fullmatch(str(value)):
            raise AwsError(code, f"The {what} '{value}' is not valid: use A-Z, a-z, 0-9 and +=,.@_- only.")
