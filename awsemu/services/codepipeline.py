"""CodePipeline: structure checks moto skips, the defaults AWS fills in, and GetPipelineState.

moto stores any pipeline it is given. AWS rejects, with InvalidStructureException, the mistakes this
project must not make silently: duplicate stage or action names, an input artifact no earlier action
produces, a duplicate output artifact, a Source action outside the first stage, triggers or variables
on a V1 pipeline, a trigger that names no CodeStarSourceConnection source action. CreatePipeline and
UpdatePipeline validate, fill ``pipelineType`` (V1) and ``executionMode`` (SUPERSEDED) as AWS does,
then let moto's backend store the pipeline. GetPipelineState reports every stage and action of the
current version with the latest execution (moto runs none, so its executions succeed at once).
"""

from __future__ import annotations

from typing import Any

from moto.codepipeline.exceptions import InvalidStructureException, PipelineNotFoundException, ResourceNotFoundException
from moto.codepipeline.models import codepipeline_backends

from awsemu.core import AwsError, after, epoch_seconds, handles

PIPELINE_TYPES = ("V1", "V2")
EXECUTION_MODES = ("QUEUED", "SUPERSEDED", "PARALLEL")


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidStructureException", message)


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


@handles("codepipeline", "GetPipelineState")
def get_pipeline_state(req):
    name = req.require("name")
    try:
        pipeline, metadata = _backend(req).get_pipeline(name)
    except PipelineNotFoundException as err:
        raise _moto_error(err) from err
    executions = list(_backend(req).pipelines[name].executions.values())
    latest = executions[-1] if executions else None
    stages = []
    for stage in pipeline["stages"]:
        state: dict[str, Any] = {
            "stageName": stage["name"],
            "inboundTransitionState": {"enabled": True},
            "actionStates": [{"actionName": a["name"]} for a in stage["actions"]],
        }
        if latest is not None:
            state["latestExecution"] = {"pipelineExecutionId": latest.pipeline_execution_id, "status": latest.status}
            for action in state["actionStates"]:
                action["latestExecution"] = {
                    "status": latest.status,
                    "lastStatusChange": epoch_seconds(latest.last_update_time),
                }
        stages.append(state)
    return {
        "pipelineName": name,
        "pipelineVersion": pipeline["version"],
        "stageStates": stages,
        "created": epoch_seconds(metadata["created"]),
        "updated": epoch_seconds(metadata["updated"]),
    }


@after("codepipeline", "GetPipeline")
def metadata_timestamps(req, body):
    """moto sends metadata.created/updated as ISO 8601 text; the JSON protocol's timestamps are epoch seconds."""
    metadata = body.get("metadata") or {}
    for key in ("created", "updated", "pollingDisabledAt"):
        if key in metadata:
            metadata[key] = epoch_seconds(metadata[key])
    return body
