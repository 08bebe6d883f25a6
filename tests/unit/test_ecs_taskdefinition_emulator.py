"""ecs_taskdefinition, run in-process with real botocore clients against the local emulator: which revision a
converge keeps. The case that matters is the one after a rolled-back release, where the family's latest revision
is the failed one and the service still runs an earlier one."""

from __future__ import annotations

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_taskdefinition as module

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"


def args(aws, memory="512", **extra):
    return dict(
        endpoint_url=aws.url,
        family="helloapp",
        cpu="256",
        memory=memory,
        execution_role_arn=ROLE,
        container_definitions=[
            {"name": "helloapp", "image": "127.0.0.1:5000/helloapp:v2", "portMappings": [{"containerPort": 8000}]}
        ],
        **extra,
    )


def revisions(aws, family="helloapp"):
    return aws.boto3_client("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]


@pytest.fixture
def rolled_back(aws, run_module):
    """Revision 1 (512 MiB) is live; revision 2 (1024 MiB) is the release that was rolled back: the latest."""
    live = run_module(module.main, args(aws))
    failed = run_module(module.main, args(aws, memory="1024"))
    assert live["registered"] and failed["registered"] and failed["revision"] == 2, (live, failed)
    return live["task_definition_arn"], failed["task_definition_arn"]


@pytest.mark.parametrize("check_mode", [False, True])
def test_the_live_revision_is_kept_when_the_inputs_describe_it(aws, run_module, rolled_back, check_mode):
    live, _failed = rolled_back
    result = run_module(module.main, args(aws, reuse_revisions=[live]), check_mode=check_mode)
    assert result["changed"] is False and result["registered"] is False, result
    assert result["task_definition_arn"] == live and result["revision"] == 1
    assert result["differences"] == ["memory"]  # against the latest, which it did not copy
    assert len(revisions(aws)) == 2


def test_without_the_live_revision_a_copy_of_it_is_registered(aws, run_module, rolled_back):
    """What the role did before it passed the service's revision: a third revision equal to the first."""
    result = run_module(module.main, args(aws))
    assert result["changed"] is True and result["revision"] == 3, result


def test_a_reused_revision_must_equal_the_inputs(aws, run_module, rolled_back):
    live, _failed = rolled_back
    result = run_module(module.main, args(aws, memory="2048", reuse_revisions=[live]))
    assert result["changed"] is True and result["revision"] == 3, result


def test_the_latest_revision_wins_and_costs_no_more_reads(aws, run_module, rolled_back):
    _live, failed = rolled_back
    result = run_module(module.main, args(aws, memory="1024", reuse_revisions=[failed]))
    assert result["changed"] is False and result["task_definition_arn"] == failed, result


def test_an_inactive_or_foreign_revision_is_not_reused(aws, run_module, rolled_back):
    live, _failed = rolled_back
    ecs = aws.boto3_client("ecs")
    # The same definition in another family (registered by the module itself).
    foreign = run_module(module.main, {**args(aws), "family": "otherapp"})["task_definition_arn"]
    ecs.deregister_task_definition(taskDefinition=live)
    missing = live.rsplit(":", 1)[0] + ":99"
    result = run_module(module.main, args(aws, reuse_revisions=[foreign, live, missing]))
    assert result["changed"] is True and result["revision"] == 3, result
    assert result["task_definition_arn"].endswith("/helloapp:3")
