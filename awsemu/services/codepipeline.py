"""CodePipeline: structure checks moto skips, the defaults AWS fills in, and GetPipelineState.

moto stores any pipeline it is given. AWS rejects, with InvalidStructureException, the mistakes this
project must not make silently: duplicate stage or action names, an input artifact no earlier action
produces, a duplicate output artifact, a Source action outside the first stage, triggers or variables
on a V1 pipeline, a trigger that names no CodeStarSourceConnection source action. CreatePipeline and
UpdatePipeline validate, fill ``pipelineType`` (V1) and ``executionMode`` (SUPERSEDED) as AWS does,
then let moto's backend store the pipeline. GetPipelineState reports every stage and action of the
current version with the latest execution (moto runs none, so its executions succeed at once).

Manual approval (https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html): an
Approval action must be provider Manual, owner AWS, version 1, with no input or output artifacts and only the
configuration keys NotificationArn (an SNS topic ARN), CustomData and ExternalEntityLink; every action's
configuration keys are 1-50 and values 1-1000 characters (API_ActionDeclaration). Errors are
InvalidActionDeclarationException, as AWS answers. An execution of a pipeline with an approval stops there:
the execution stays InProgress, GetPipelineState shows the approval action InProgress with its token, and only
PutApprovalResult with that token moves it on (Approved: the later actions succeed at once, as moto's do;
Rejected: the execution Failed). A newer execution gets its own approval (no superseding is modelled).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from moto.codepipeline.exceptions import InvalidStructureException, PipelineNotFoundException, ResourceNotFoundException
from moto.codepipeline.models import codepipeline_backends
from moto.core.utils import utcnow

from awsemu.core import AwsError, after, epoch_seconds, handles

PIPELINE_TYPES = ("V1", "V2")
EXECUTION_MODES = ("QUEUED", "SUPERSEDED", "PARALLEL")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidStructureException", message)


APPROVAL_KEYS = ("NotificationArn", "CustomData", "ExternalEntityLink")
_SNS_TOPIC_ARN = re.compile(r"arn:aws[\w-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?")


def _bad_action(message: str) -> AwsError:
    return AwsError("InvalidActionDeclarationException", message)


def validate_action(stage: str, action: dict[str, Any]) -> None:
    """InvalidActionDeclarationException for a configuration AWS refuses (any action) and a wrong Approval."""
    name = action.get("name")
    for key, value in (action.get("configuration") or {}).items():
        if not 1 <= len(str(key)) <= 50:
            raise AwsError("ValidationException", f"Action {name}: configuration key '{key}' must be 1-50 characters")
        if not isinstance(value, str) or not 1 <= len(value) <= 1000:
            raise AwsError(
                "ValidationException",
                f"Action {name}: configuration value of '{key}' must be a string of 1-1000 characters",
            )
    type_id = action.get("actionTypeId") or {}
    if type_id.get("category") != "Approval":
        return
    if (type_id.get("owner"), type_id.get("provider"), str(type_id.get("version"))) != ("AWS", "Manual", "1"):
        raise _bad_action(
            f"ActionType (Category: 'Approval', Provider: '{type_id.get('provider')}', Owner: "
            f"'{type_id.get('owner')}', Version: '{type_id.get('version')}') in action '{name}' is not available"
        )
    if action.get("inputArtifacts") or action.get("outputArtifacts"):
        raise _bad_action(f"Action '{name}' in stage '{stage}': an Approval action takes no input or output artifacts")
    unknown = sorted(set(action.get("configuration") or {}) - set(APPROVAL_KEYS))
    if unknown:
        raise _bad_action(f"Action configuration for action '{name}' contains unknown configuration '{unknown[0]}'")
    topic = (action.get("configuration") or {}).get("NotificationArn")
    if topic is not None and not _SNS_TOPIC_ARN.fullmatch(topic):
        raise _bad_action(f"Action '{name}': NotificationArn '{topic}' is not an Amazon SNS topic ARN")


def validate(pipeline: dict[str, Any]) -> None:
    """Raise InvalidStructureException for what AWS rejects in a pipeline declaration."""
    if not isinstance(pipeline, dict) or not pipeline.get("name"):
        raise AwsError("ValidationException", "pipeline.name is required")
    ptype = pipeline.setdefault("pipelineType", "V1")
    if ptype not in PIPELINE_TYPES:
        raise AwsError(
            "ValidationException", f"Value '{ptype}' at 'pipeline.pipelineType' failed to satisfy constraint"
        )
    mode = pipeline.setdefault("executionMode", "SUPERSEDED")
    if mode not in EXECUTION_MODES:
        raise AwsError(
            "ValidationException", f"Value '{mode}' at 'pipeline.executionMode' failed to satisfy constraint"
        )
    if ptype == "V1":
        for key in ("triggers", "variables"):
            if pipeline.get(key):
                raise _invalid(f"Pipeline {key} are only supported for pipelines of type V2")
        if mode != "SUPERSEDED":
            raise _invalid(f"Execution mode {mode} is only supported for pipelines of type V2")
    stages = pipeline.get("stages") or []
    produced: set[str] = set()
    stage_names: set[str] = set()
    source_actions: dict[str, str] = {}
    for index, stage in enumerate(stages):
        name = stage.get("name")
        if name in stage_names:
            raise _invalid(f"Stage names must be unique within a pipeline. Duplicate stage name: {name}")
        stage_names.add(name)
        actions = stage.get("actions") or []
        if not actions:
            raise _invalid(f"Stage {name} should have at least one action")
        action_names: set[str] = set()
        stage_outputs: set[str] = set()
        for action in actions:
            validate_action(name, action)
            aname = action.get("name")
            if aname in action_names:
                raise _invalid(f"Action names must be unique within a stage. Duplicate action name: {aname}")
            action_names.add(aname)
            category = (action.get("actionTypeId") or {}).get("category")
            if (category == "Source") != (index == 0):
                raise _invalid(
                    f"Action {aname} in stage {name}: Source actions must be in the first stage, "
                    "and the first stage must contain only Source actions"
                )
            if category == "Source":
                source_actions[aname] = (action.get("actionTypeId") or {}).get("provider", "")
            for art in action.get("inputArtifacts") or []:
                if art.get("name") not in produced:
                    raise _invalid(
                        f"Input Artifact Bundle {art.get('name')} in action {aname} of stage {name} is not declared "
                        "as an output artifact of any preceding action"
                    )
            for art in action.get("outputArtifacts") or []:
                if art.get("name") in produced or art.get("name") in stage_outputs:
                    raise _invalid(f"Output Artifact Bundle name {art.get('name')} must be unique within a pipeline")
                stage_outputs.add(art.get("name"))
        produced |= stage_outputs
    for trigger in pipeline.get("triggers") or []:
        if trigger.get("providerType") != "CodeStarSourceConnection":
            raise _invalid("Trigger providerType must be CodeStarSourceConnection")
        source = (trigger.get("gitConfiguration") or {}).get("sourceActionName")
        if source_actions.get(source) != "CodeStarSourceConnection":
            raise _invalid(f"Trigger sourceActionName {source} is not a CodeStarSourceConnection source action")


def _backend(req):
    return codepipeline_backends[req.account_id][req.region]


def _moto_error(err: Exception) -> AwsError:
    return AwsError(type(err).__name__, getattr(err, "message", str(err)))


@handles("codepipeline", "CreatePipeline")
def create_pipeline(req):
    pipeline = req.require("pipeline")
    validate(pipeline)
    try:
        stored, tags = _backend(req).create_pipeline(pipeline, req.param("tags"))
    except InvalidStructureException as err:
        raise _moto_error(err) from err
    out: dict[str, Any] = {"pipeline": stored}
    if tags:
        out["tags"] = tags
    return out


@handles("codepipeline", "UpdatePipeline")
def update_pipeline(req):
    pipeline = req.require("pipeline")
    validate(pipeline)
    try:
        return {"pipeline": _backend(req).update_pipeline(pipeline)}
    except ResourceNotFoundException as err:
        raise _moto_error(err) from err


def _first_approval(pipeline: dict[str, Any]) -> tuple[str, str] | None:
    for stage in pipeline.get("stages") or []:
        for action in stage.get("actions") or []:
            if (action.get("actionTypeId") or {}).get("category") == "Approval":
                return stage["name"], action["name"]
    return None


@after("codepipeline", "StartPipelineExecution")
def hold_at_approval(req, body):
    """An execution of a pipeline with a manual approval waits there (moto's would succeed at once)."""
    name = req.param("name")
    found = _backend(req).pipelines.get(name)
    execution = found.executions.get(body.get("pipelineExecutionId")) if found else None
    approval = _first_approval(found.pipeline) if found else None
    if execution is not None and approval is not None:
        execution.status = "InProgress"
        execution.awsemu_approval = {
            "stage": approval[0],
            "action": approval[1],
            "token": str(uuid.uuid4()),
            "status": "InProgress",
        }
    return body


def _action_state(status: str, when: Any, approval: dict[str, Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "lastStatusChange": epoch_seconds(when)}
    if approval is not None and status == "InProgress":
        out["token"] = approval["token"]
    if approval is not None and approval.get("summary") is not None:
        out["summary"] = approval["summary"]
    return out


@handles("codepipeline", "GetPipelineState")
def get_pipeline_state(req):
    name = req.require("name")
    try:
        pipeline, metadata = _backend(req).get_pipeline(name)
    except PipelineNotFoundException as err:
        raise _moto_error(err) from err
    executions = list(_backend(req).pipelines[name].executions.values())
    latest = executions[-1] if executions else None
    approval = getattr(latest, "awsemu_approval", None) if latest is not None else None
    reached = True  # stages after an approval that is not approved have not run in this execution
    stages = []
    for stage in pipeline["stages"]:
        state: dict[str, Any] = {
            "stageName": stage["name"],
            "inboundTransitionState": {"enabled": True},
            "actionStates": [{"actionName": a["name"]} for a in stage["actions"]],
        }
        if latest is not None and reached:
            status = latest.status
            if approval is not None:
                status = "Succeeded"
                if stage["name"] == approval["stage"]:
                    status = {"Approved": "Succeeded", "Rejected": "Failed"}.get(approval["status"], "InProgress")
                    reached = approval["status"] == "Approved"
            state["latestExecution"] = {"pipelineExecutionId": latest.pipeline_execution_id, "status": status}
            for action in state["actionStates"]:
                is_approval = approval is not None and (stage["name"], action["actionName"]) == (
                    approval["stage"],
                    approval["action"],
                )
                action["latestExecution"] = _action_state(
                    status if is_approval or approval is None else "Succeeded",
                    latest.last_update_time,
                    approval if is_approval else None,
                )
        stages.append(state)
    return {
        "pipelineName": name,
        "pipelineVersion": pipeline["version"],
        "stageStates": stages,
        "created": epoch_seconds(metadata["created"]),
        "updated": epoch_seconds(metadata["updated"]),
    }


@handles("codepipeline", "PutApprovalResult")
def put_approval_result(req):
    """Approve or reject the approval an execution waits at (API_PutApprovalResult's errors)."""
    name, stage_name, action_name = req.require("pipelineName"), req.require("stageName"), req.require("actionName")
    result, token = req.require("result"), req.require("token")
    found = _backend(req).pipelines.get(name)
    if found is None:
        raise AwsError(
            "PipelineNotFoundException", f"Account '{req.account_id}' does not have a pipeline with name '{name}'"
        )
    stage = next((s for s in found.pipeline["stages"] if s["name"] == stage_name), None)
    if stage is None:
        raise AwsError("StageNotFoundException", f"Stage '{stage_name}' not found in pipeline '{name}'")
    action = next((a for a in stage["actions"] if a["name"] == action_name), None)
    if action is None or (action.get("actionTypeId") or {}).get("category") != "Approval":
        raise AwsError("ActionNotFoundException", f"Approval action '{action_name}' not found in stage '{stage_name}'")
    status = (result or {}).get("status")
    if status not in ("Approved", "Rejected"):
        raise AwsError("ValidationException", f"Value '{status}' at 'result.status' failed to satisfy constraint")
    for execution in found.executions.values():
        approval = getattr(execution, "awsemu_approval", None)
        if not approval or approval["token"] != token:
            continue
        if (approval["stage"], approval["action"]) != (stage_name, action_name):
            break
        if approval["status"] != "InProgress":
            raise AwsError("ApprovalAlreadyCompletedException", "The approval request has already been completed")
        approval.update(status=status, summary=(result or {}).get("summary", ""))
        execution.status = "Succeeded" if status == "Approved" else "Failed"
        execution.last_update_time = utcnow()
        return {"approvedAt": epoch_seconds(execution.last_update_time)}
    raise AwsError("InvalidApprovalTokenException", f"The token '{token}' is not valid for action '{action_name}'")


@after("codepipeline", "GetPipelineExecution")
def execution_without_nulls(req, body):
    """moto sends statusSummary null; AWS leaves out a member that has no value."""
    execution = body.get("pipelineExecution") or {}
    if execution.get("statusSummary") is None:
        execution.pop("statusSummary", None)
    return body


@after("codepipeline", "ListPipelineExecutions")
def summaries_without_nulls(req, body):
    for summary in body.get("pipelineExecutionSummaries") or []:
        if summary.get("statusSummary") is None:
            summary.pop("statusSummary", None)
    return body


@after("codepipeline", "GetPipeline")
def metadata_timestamps(req, body):
    """moto sends metadata.created/updated as ISO 8601 text; the JSON protocol's timestamps are epoch seconds."""
    metadata = body.get("metadata") or {}
    for key in ("created", "updated", "pollingDisabledAt"):
        if key in metadata:
            metadata[key] = epoch_seconds(metadata[key])
    return body
