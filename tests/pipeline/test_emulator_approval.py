"""CodePipeline manual approval on the emulator (issue 11): the Approval action's declaration is checked as AWS
checks it, and an execution waits at the approval until PutApprovalResult. boto3 is the judge.

AWS references: the Manual approval action
(https://docs.aws.amazon.com/codepipeline/latest/userguide/approvals-action-add.html: configuration NotificationArn,
CustomData, ExternalEntityLink; no artifacts), API_ActionDeclaration (configuration keys 1-50, values 1-1000
characters; botocore itself refuses an empty value, AWS and the emulator a longer one),
API_PutApprovalResult (InvalidApprovalTokenException, ApprovalAlreadyCompletedException,
ActionNotFoundException, StageNotFoundException).
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.pipeline.test_emulator_pipeline_services import _pipeline, code

pytestmark = pytest.mark.emulator

TOPIC = "arn:aws:sns:ap-northeast-2:123456789012:releases"
APPROVAL = {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}


def _with_approval(aws, name="pl", **approval):
    pipeline = _pipeline(aws, name=name)
    action = {"name": "Approve", "actionTypeId": dict(APPROVAL), "configuration": {}, **approval}
    deploy = {
        "name": "Deploy",
        "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "ECS", "version": "1"},
        "configuration": {"ClusterName": "c", "ServiceName": "s", "FileName": "imagedefinitions.json"},
        "inputArtifacts": [{"name": "BuildArtifact"}],
    }
    pipeline["stages"] += [{"name": "Approval", "actions": [action]}, {"name": "Deploy", "actions": [deploy]}]
    return pipeline


@pytest.mark.parametrize(
    ("approval", "error"),
    [
        ({"actionTypeId": {**APPROVAL, "provider": "Robot"}}, "InvalidActionDeclarationException"),
        ({"configuration": {"NotificationArn": TOPIC, "Colour": "red"}}, "InvalidActionDeclarationException"),
        ({"configuration": {"NotificationArn": "releases"}}, "InvalidActionDeclarationException"),
        ({"inputArtifacts": [{"name": "BuildArtifact"}]}, "InvalidActionDeclarationException"),
        ({"configuration": {"CustomData": "x" * 1001}}, "ValidationException"),
    ],
    ids=["provider", "unknown-key", "topic-not-an-arn", "artifacts", "custom-data-too-long"],
)
def test_an_approval_action_aws_refuses_is_refused(aws, approval, error):
    client = aws.boto3_client("codepipeline")
    with pytest.raises(ClientError) as err:
        client.create_pipeline(pipeline=_with_approval(aws, **approval))
    assert code(err) == error
    client.create_pipeline(pipeline=_with_approval(aws))  # then UpdatePipeline checks the same
    with pytest.raises(ClientError) as err:
        client.update_pipeline(pipeline=_with_approval(aws, **approval))
    assert code(err) == error


def test_an_execution_waits_at_the_approval_until_approved_or_rejected(aws):
    client = aws.boto3_client("codepipeline")
    config = {"NotificationArn": TOPIC, "CustomData": "Check the test listener", "ExternalEntityLink": "https://x.test"}
    client.create_pipeline(pipeline=_with_approval(aws, configuration=config))
    stored = client.get_pipeline(name="pl")["pipeline"]["stages"][2]["actions"][0]
    assert stored["configuration"] == config

    first = client.start_pipeline_execution(name="pl")["pipelineExecutionId"]
    assert (
        client.get_pipeline_execution(pipelineName="pl", pipelineExecutionId=first)["pipelineExecution"]["status"]
        == "InProgress"
    )
    states = {s["stageName"]: s for s in client.get_pipeline_state(name="pl")["stageStates"]}
    assert states["Build"]["latestExecution"]["status"] == "Succeeded"
    waiting = states["Approval"]["actionStates"][0]["latestExecution"]
    assert waiting["status"] == "InProgress" and waiting["token"]
    assert "latestExecution" not in states["Deploy"], "the deploy stage ran before the approval"

    where = {"pipelineName": "pl", "stageName": "Approval", "actionName": "Approve"}
    ok = {"summary": "looks good", "status": "Approved"}
    for kwargs, error in [
        ({**where, "token": "00000000-0000-0000-0000-000000000000"}, "InvalidApprovalTokenException"),
        ({**where, "actionName": "Nope", "token": waiting["token"]}, "ActionNotFoundException"),
        ({**where, "stageName": "Nope", "token": waiting["token"]}, "StageNotFoundException"),
    ]:
        with pytest.raises(ClientError) as err:
            client.put_approval_result(result=ok, **kwargs)
        assert code(err) == error

    assert client.put_approval_result(result=ok, token=waiting["token"], **where)["approvedAt"]
    assert (
        client.get_pipeline_execution(pipelineName="pl", pipelineExecutionId=first)["pipelineExecution"]["status"]
        == "Succeeded"
    )
    states = {s["stageName"]: s for s in client.get_pipeline_state(name="pl")["stageStates"]}
    assert states["Deploy"]["latestExecution"]["status"] == "Succeeded"
    with pytest.raises(ClientError) as err:
        client.put_approval_result(result=ok, token=waiting["token"], **where)
    assert code(err) == "ApprovalAlreadyCompletedException"

    second = client.start_pipeline_execution(name="pl")["pipelineExecutionId"]
    token = client.get_pipeline_state(name="pl")["stageStates"][2]["actionStates"][0]["latestExecution"]["token"]
    client.put_approval_result(result={"summary": "no", "status": "Rejected"}, token=token, **where)
    assert (
        client.get_pipeline_execution(pipelineName="pl", pipelineExecutionId=second)["pipelineExecution"]["status"]
        == "Failed"
    )
    states = {s["stageName"]: s for s in client.get_pipeline_state(name="pl")["stageStates"]}
    assert states["Approval"]["latestExecution"]["status"] == "Failed" and "latestExecution" not in states["Deploy"]


def test_a_pipeline_without_approval_still_succeeds_at_once(aws):
    client = aws.boto3_client("codepipeline")
    client.create_pipeline(pipeline=_pipeline(aws))
    run = client.start_pipeline_execution(name="pl")["pipelineExecutionId"]
    execution = client.get_pipeline_execution(pipelineName="pl", pipelineExecutionId=run)["pipelineExecution"]
    assert execution["status"] == "Succeeded"
