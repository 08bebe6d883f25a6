"""The policy linter harness itself (no emulator): parliament sees what it must, the allow-list is strict.

The harness runs on a whole converged stack in tests/e2e/test_bluegreen.py (test_every_policy_passes_the_linter).
"""

from __future__ import annotations

import json

import pytest

from tests.security.policy_lint import Allowed, Finding, Policy, allow_list, lint, unexplained

ROLE_ARN = "arn:aws:iam::123456789012:role/helloapp-codebuild"
BUCKET = "arn:aws:s3:::helloapp-artifacts"


def statement(action, resource="*", **extra):
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
    }


@pytest.mark.parametrize(
    ("document", "issues"),
    [
        pytest.param(statement(["s3:GetObject"], f"{BUCKET}/*"), set(), id="scoped-object-read"),
        pytest.param(statement(["s3:GetObject"]), {"RESOURCE_STAR"}, id="object-read-on-star"),
        pytest.param(statement(["s3:GetObject"], BUCKET), {"RESOURCE_MISMATCH"}, id="object-action-on-bucket-arn"),
        pytest.param(statement(["ecs:RegisterTaskDefinition"]), {"RESOURCE_STAR"}, id="register-task-definition-star"),
        pytest.param(statement(["s3:*"], f"{BUCKET}/*"), {"PERMISSIONS_MANAGEMENT_ACTIONS"}, id="service-wildcard"),
        pytest.param(statement(["iam:PassRole"]), {"RESOURCE_STAR", "PERMISSIONS_MANAGEMENT_ACTIONS"}, id="pass-any"),
        pytest.param(statement(["ecs:DescribeTaskDefinition"]), set(), id="no-resource-level-permissions"),
        pytest.param(statement(["ecs:DescribeFoo"]), {"UNKNOWN_ACTION"}, id="unknown-action"),
    ],
)
def test_parliament_reports_what_it_must(document, issues):
    findings = lint([Policy("inline", "helloapp-codebuild", "access", document)])
    assert issues <= {f.issue for f in findings}, findings
    if not issues:
        assert findings == []


def test_trust_policy_is_linted_as_the_roles_resource_policy():
    """No Resource in a trust policy (IAM forbids it): linted with the role's ARN, so only real findings remain."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "codebuild.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
            }
        ],
    }
    findings = lint([Policy("trust", "helloapp-codebuild", "trust", trust, ROLE_ARN)])
    assert [f.issue for f in findings] == ["CREDENTIALS_EXPOSURE"]
    assert "Resource" not in trust["Statement"][0]  # the document read back is left as it was


def test_unexplained_reports_new_findings_and_stale_entries():
    finding = Finding("RESOURCE_STAR", "inline:helloapp-codepipeline/codepipeline-access", ("ecs:x",), "")
    other = Finding("RESOURCE_STAR", "inline:helloapp-codebuild/codebuild-access", ("ecs:x",), "")
    entry = Allowed("RESOURCE_STAR", "inline:*-codepipeline/codepipeline-access", ("ecs:x",), "doc")
    stale = Allowed("RESOURCE_STAR", "inline:*-codepipeline/codepipeline-access", ("ecs:y",), "doc")
    assert unexplained([finding, other], [entry, stale]) == ([other], [stale])


def test_security_md_allow_list_is_well_formed():
    entries = allow_list()
    assert entries, "SECURITY.md lists no reviewed finding"
    assert len({(e.issue, e.policy, e.actions) for e in entries}) == len(entries)
    for entry in entries:
        assert entry.actions, entry  # a row excuses named actions, never a whole policy


def test_a_row_without_aws_documentation_is_refused():
    text = (
        "<!-- policy-lint-allow-list:start -->\n| `RESOURCE_STAR` | `inline:a/b` | `s3:getobject` | trust me |\n"
        "<!-- policy-lint-allow-list:end -->\n"
    )
    with pytest.raises(ValueError, match="without an AWS documentation link"):
        allow_list(text)


def test_documents_read_back_url_encoded_are_decoded():
    from tests.security.policy_lint import _document

    document = statement(["s3:GetObject"], f"{BUCKET}/*")
    from urllib.parse import quote

    assert _document(quote(json.dumps(document))) == document
    assert _document(json.dumps(document)) == document
