"""CodeDeploy stops (and rolls back) a deployment while one of its deployment group's CloudWatch alarms is in ALARM.

AWS: "You can create a CloudWatch alarm that watches a single metric ... If the alarm is activated, CodeDeploy
stops the deployment" and, with ``autoRollbackConfiguration`` events ``DEPLOYMENT_STOP_ON_ALARM``, "Roll back
when alarm thresholds are met" (CodeDeploy User Guide, "Monitoring deployments with CloudWatch alarms",
https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-create-alarms.html, and "Redeploy and roll back a
deployment", https://docs.aws.amazon.com/codedeploy/latest/userguide/deployments-rollback-and-redeploy.html).

Here, before a deployment advances (``codedeploy_engine.ADVANCE_CHECKS``) the alarms named by the
``alarmConfiguration`` of the group it was created from are read from moto's CloudWatch state (``SetAlarmState``
works on AWS too, which is how tests drive them). While one is in ALARM the deployment ends ``Stopped`` with
``errorInformation.code`` ``ALARM_ACTIVE``; if its auto-rollback covers ``DEPLOYMENT_STOP_ON_ALARM`` (and it had
started) the engine's rollback restores the listeners to the original target group and starts the rollback
deployment, otherwise traffic stays where the deployment left it, as on AWS.

An alarm that does not exist cannot be polled: ``ignorePollAlarmFailure`` "false: The deployment stops if alarm
status information can't be retrieved from CloudWatch" (API reference, AlarmConfiguration), so it stops the
deployment in the same way unless that flag is true. Rollback deployments (creator ``codeDeployRollback``) are
not stopped by alarms.
"""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.models import cloudwatch_backends

from awsemu.services import codedeploy_engine as engine


def _poll(dep: engine.Deployment, names: list[str]) -> tuple[list[str], list[str]]:
    """(alarms in ALARM, alarms that do not exist) among ``names``, from moto's CloudWatch state."""
    alarms: dict[str, Any] = cloudwatch_backends[dep.account][dep.region].alarms
    active = [name for name in names if name in alarms and alarms[name].state_value == "ALARM"]
    missing = [name for name in names if name not in alarms]
    return active, missing


def stop_on_alarm(dep: engine.Deployment, now: float) -> bool:
    """End ``dep`` at ``now`` when an alarm of its group is in ALARM (or cannot be read); True if it did."""
    config = dep.group_snapshot.get("alarmConfiguration") or {}
    if not dep.active or dep.creator == "codeDeployRollback" or not config.get("enabled"):
        return False
    names = [alarm["name"] for alarm in config.get("alarms") or []]
    active, missing = _poll(dep, names)
    if config.get("ignorePollAlarmFailure"):
        missing = []
    if not active and not missing:
        return False
    if active:
        message = (
            "One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and "
            f"the affected deployments have been stopped. Activated alarms: <{', '.join(active)}>"
        )
    else:
        message = (
            "The deployment was stopped because the state of its alarms could not be retrieved from Amazon "
            f"CloudWatch (ignorePollAlarmFailure is false). Alarms not found: <{', '.join(missing)}>"
        )
    started = dep.stage != "created"
    engine._close_events(dep, now, None, "Skipped")
    dep.error = {"code": "ALARM_ACTIVE", "message": message}
    dep.record(now, "alarmActivated", alarms=active, missing=missing)
    rollback = dep.auto_rollback or {}
    if started and rollback.get("enabled") and "DEPLOYMENT_STOP_ON_ALARM" in (rollback.get("events") or []):
        engine.roll_back(dep, now, "Stopped")
    else:
        engine._finish(dep, now, "Stopped")
    return True


if stop_on_alarm not in engine.ADVANCE_CHECKS:
    engine.ADVANCE_CHECKS.append(stop_on_alarm)
