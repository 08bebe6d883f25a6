"""Every policy the iam and codepipeline roles write, rendered from their templates without AWS, then linted.

tests/security/playbooks/render_policies.yml renders, for each variant of the inputs (variants/*.yml), every trust
policy, inline policy and the artifact bucket policy the two roles would write, with the roles' own defaults, vars
and templates. One ansible-playbook run for the module (no emulator, no module executed); the tests lint the
documents with parliament against SECURITY.md's allow-list and check the least-privilege properties issue 11 asks
for. The converged stack is linted the same way, read back from the emulator, in tests/e2e/test_bluegreen.py
(test_every_policy_passes_the_linter).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.security.policy_lint import Policy, allow_list, lint, unexplained

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "tests" / "security" / "playbooks" / "render_policies.yml"
ACCOUNT = "123456789012"
APP, GROUP = "AppECS-helloapp-helloapp", "DgpECS-helloapp-helloapp"
# The service principal of each trust policy and the service prefix its aws:SourceArn must name.
SOURCE_SERVICE = {
    "ecs-tasks.amazonaws.com": "ecs",
    "ecs.amazonaws.com": "ecs",
    "codedeploy.amazonaws.com": "codedeploy",
    "codebuild.amazonaws.com": "codebuild",
    "codepipeline.amazonaws.com": "codepipeline",
    "events.amazonaws.com": "events",
}
REGION = {"default": "ap-northeast-2", "codeconnections": "ap-northeast-2", "codestar-connections": "cn-north-1"}
PARTITION = {"default": "aws", "codeconnections": "aws", "codestar-connections": "aws-cn"}


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Policy]]:
    binary = ROOT / ".venv" / "bin" / "ansible-playbook"
    command = [str(binary) if binary.exists() else shutil.which("ansible-playbook") or "ansible-playbook"]
    command += ["-i", "localhost,", "-c", "local", str(PLAYBOOK)]
    # The json callback: each play's debug result is one variant (the playbook runs no module at all).
    env = {**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"}
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    variants = {}
    for play in json.loads(proc.stdout)["plays"]:
        for task in play["tasks"]:
            message = task["hosts"]["localhost"].get("msg")
            if message is None:
                continue
            message = json.loads(message) if isinstance(message, str) else message
            variants[message["variant"]] = [
                Policy(
                    p["kind"],
                    p["owner"],
                    p["name"],
                    p["document"],
                    f"arn:aws:iam::{ACCOUNT}:role/{p['owner']}" if p["kind"] == "trust" else None,
                )
                for p in message["policies"]
            ]
    assert set(variants) == {"default", "codeconnections", "codestar-connections", "no-source-conditions"}
    return variants


def by_label(policies: list[Policy]) -> dict[str, Policy]:
    return {p.label: p for p in policies}


def test_every_rendered_policy_passes_the_linter(rendered):
    """Zero findings beyond the reviewed ones of SECURITY.md, in every variant."""
    policies = [p for variant in rendered.values() for p in variant]
    assert {p.kind for p in policies} == {"trust", "inline", "bucket"}
    new, _ = unexplained(lint(policies), allow_list())
    assert not new, "findings not reviewed in SECURITY.md:\n" + "\n".join(map(str, new))


def test_a_wildcard_register_task_definition_would_be_reported(rendered):
    """The lint is not blind: the pipeline policy with RegisterTaskDefinition on "*" (as before issue 11) fails."""
    pipeline = by_label(rendered["default"])["inline:helloapp-codepipeline/codepipeline-access"]
    widened = json.loads(json.dumps(pipeline.document))
    for statement in widened["Statement"]:
        if statement["Sid"] == "EcsRegisterTaskDefinitions":
            statement["Resource"] = "*"
    new, _ = unexplained(lint([Policy("inline", pipeline.owner, pipeline.name, widened)]), allow_list())
    assert [(f.issue, f.actions) for f in new] == [("RESOURCE_STAR", ("ecs:registertaskdefinition",))]


@pytest.mark.parametrize("variant", ["default", "codeconnections", "codestar-connections"])
def test_every_trust_policy_names_the_account_and_the_source(rendered, variant):
    """aws:SourceAccount and aws:SourceArn (partition, service, region, account of the stack) on every trust."""
    trusts = [p for p in rendered[variant] if p.kind == "trust"]
    services = set()
    for policy in trusts:
        (statement,) = policy.document["Statement"]
        service = statement["Principal"]["Service"]
        services.add(service)
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}, policy.label
        source = statement["Condition"]["ArnLike"]["aws:SourceArn"]
        prefix = f"arn:{PARTITION[variant]}:{SOURCE_SERVICE[service]}:{REGION[variant]}:{ACCOUNT}:"
        assert source.startswith(prefix), (policy.label, source)
    expected = {"ecs-tasks.amazonaws.com", "codedeploy.amazonaws.com", "codebuild.amazonaws.com"}
    expected |= {"codepipeline.amazonaws.com", "events.amazonaws.com"}
    if variant == "default":
        expected.add("ecs.amazonaws.com")
    assert services == expected


def test_each_source_arn_is_the_documented_resource(rendered):
    sources = {
        p.owner: p.document["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"]
        for p in rendered["default"]
        if p.kind == "trust"
    }
    here = f"ap-northeast-2:{ACCOUNT}"
    assert sources == {
        "helloapp-task-execution": f"arn:aws:ecs:{here}:*",
        "helloapp-task": f"arn:aws:ecs:{here}:*",
        "helloapp-codedeploy": f"arn:aws:codedeploy:{here}:deploymentgroup:{APP}/{GROUP}",
        "helloapp-ecs-infrastructure": f"arn:aws:ecs:{here}:service/helloapp/*",
        "helloapp-codebuild": f"arn:aws:codebuild:{here}:project/helloapp-build",
        "helloapp-codepipeline": f"arn:aws:codepipeline:{here}:helloapp-pipeline",
        "helloapp-pipeline-events": f"arn:aws:events:{here}:rule/helloapp-pipeline-codecommit",
    }


def test_the_switch_turns_the_conditions_off(rendered):
    trusts = [p for p in rendered["no-source-conditions"] if p.kind == "trust"]
    assert trusts and all("Condition" not in p.document["Statement"][0] for p in trusts)


@pytest.mark.parametrize(
    ("variant", "prefix"), [("codeconnections", "codeconnections"), ("codestar-connections", "codestar-connections")]
)
def test_use_connection_only_for_the_arns_own_service(rendered, variant, prefix):
    pipeline = by_label(rendered[variant])["inline:helloapp-codepipeline/codepipeline-access"]
    connection = [s for s in pipeline.document["Statement"] if any("UseConnection" in a for a in s["Action"])]
    assert len(connection) == 1, connection
    (statement,) = connection
    assert statement["Action"] == [f"{prefix}:UseConnection"]
    assert all(arn.split(":")[2] == prefix for arn in statement["Resource"]), statement


def test_artifact_bucket_denies_requests_without_tls(rendered):
    for variant in ("default", "codestar-connections"):
        (bucket,) = [p for p in rendered[variant] if p.kind == "bucket"]
        arn = f"arn:{PARTITION[variant]}:s3:::{bucket.owner}"
        assert bucket.document["Statement"] == [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [arn, f"{arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ]


def test_the_infrastructure_role_may_invoke_exactly_the_hooks_functions(rendered):
    (policy,) = [p for p in rendered["default"] if p.name == "lifecycle-hooks"]
    (statement,) = policy.document["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Resource"] == [f"arn:aws:lambda:ap-northeast-2:{ACCOUNT}:function:helloapp-pre-scale-up-check"]


def test_the_approval_topic_is_the_only_thing_the_pipeline_may_publish_to(rendered):
    """sns:Publish on the manual approval's topic when one is given (default variant), nothing otherwise."""
    topic = f"arn:aws:sns:ap-northeast-2:{ACCOUNT}:helloapp-approvals"
    for variant, expected in (("default", [topic]), ("codeconnections", None)):
        pipeline = by_label(rendered[variant])["inline:helloapp-codepipeline/codepipeline-access"]
        publish = [s for s in pipeline.document["Statement"] if any(a.startswith("sns:") for a in s["Action"])]
        if expected is None:
            assert publish == [], publish
        else:
            assert publish == [
                {"Sid": "ApprovalNotification", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": expected}
            ]
