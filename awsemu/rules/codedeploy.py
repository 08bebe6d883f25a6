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


# CreateDeploymentGroup / UpdateDeploymentGroup alarmConfiguration (CodeDeploy API reference, AlarmConfiguration
# and the errors of CreateDeploymentGroup: https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html).
# InvalidAlarmConfigException: "The alarm list is null. The alarm object is null. The alarm name is empty or null or
# exceeds the limit of 255 characters. Two alarms with the same name have been specified. The alarm configuration
# is enabled, but the alarm list is empty." AlarmsLimitExceededException: "The maximum number of alarms for a
# deployment group (10) was exceeded."
MAX_ALARMS = 10


@validates("codedeploy", "CreateDeploymentGroup", "UpdateDeploymentGroup")
def alarm_configuration(req) -> None:
    config = req.params.get("alarmConfiguration")
    if config is None:
        return
    alarms = config.get("alarms")
    names = [alarm.get("name") if isinstance(alarm, dict) else None for alarm in alarms or []]
    if len(names) > MAX_ALARMS:
        raise AwsError(
            "AlarmsLimitExceededException",
            f"The maximum number of alarms for a deployment group ({MAX_ALARMS}) was exceeded: {len(names)}.",
        )
    problem = None
    if alarms is None and config.get("enabled"):
        problem = "the alarm list is null"
    elif any(not name or len(name) > 255 for name in names):
        problem = "an alarm name is empty or longer than 255 characters"
    elif len(set(names)) != len(names):
        problem = "two alarms have the same name"
    elif config.get("enabled") and not names:
        problem = "the alarm configuration is enabled, but the alarm list is empty"
    if problem:
        raise AwsError("InvalidAlarmConfigException", f"The format of the alarm configuration is invalid: {problem}.")
