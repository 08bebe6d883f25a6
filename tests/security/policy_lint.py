"""Least privilege, proven: read every policy the stack made back from AWS (the emulator) and lint it with parliament.

``collect_policies(client)`` reads, through boto3 as any auditor would:

- every IAM role's trust policy, its inline policies and the customer-managed policies attached to it
  (AWS-managed ones, ``arn:aws:iam::aws:policy/...``, are AWS's to keep least-privileged and are listed, not linted);
- every S3 bucket policy;
- every ECR repository policy.

``lint(policies)`` runs parliament (https://github.com/duo-labs/parliament, its community auditors included) on each.
A trust policy is a resource policy on the role itself, where IAM forbids the ``Resource`` element ("You can't
include a Resource element in a role trust policy", IAM User Guide, "IAM JSON policy elements: Resource"); parliament
would report every one as MALFORMED, so each trust statement is linted with ``Resource`` set to the role's ARN.

Findings not in the allow-list of SECURITY.md ("Reviewed linter findings") fail the test; so does an allow-list entry
that no longer matches any finding, so the list never outlives the policies it excuses.
"""

from __future__ import annotations

import copy
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SECURITY_MD = ROOT / "SECURITY.md"
AWS_MANAGED = "arn:aws:iam::aws:policy/"


@dataclass(frozen=True)
class Policy:
    kind: str  # trust | inline | managed | bucket | repository
    owner: str  # the role, bucket or repository name
    name: str  # the policy name ("trust" for a trust policy)
    document: dict[str, Any]
    resource: str | None = None  # the ARN a trust policy protects (the role's)

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.owner}/{self.name}"


@dataclass(frozen=True)
class Finding:
    issue: str  # parliament's issue code, e.g. RESOURCE_STAR
    policy: str  # Policy.label
    actions: tuple[str, ...]  # the actions the finding names (lower case, sorted), () when it names none
    detail: str

    @property
    def key(self) -> tuple[str, str, tuple[str, ...]]:
        return (self.issue, self.policy, self.actions)

    def __str__(self) -> str:
        actions = ", ".join(self.actions) or "-"
        return f"{self.issue} in {self.policy} ({actions}): {self.detail}"


def _document(value: Any) -> dict[str, Any]:
    """IAM answers documents URL-encoded (boto3 decodes most of them); S3 and ECR as JSON strings."""
    if isinstance(value, dict):
        return value
    text = str(value)
    if text.startswith("%7B"):
        text = urllib.parse.unquote(text)
    return json.loads(text)


def _paged(method: Callable[..., Any], key: str, **kwargs: Any) -> Iterable[Any]:
    client = method.__self__
    name = method.__name__
    if client.can_paginate(name):
        for page in client.get_paginator(name).paginate(**kwargs):
            yield from page[key]
    else:
        yield from method(**kwargs)[key]


def collect_policies(client: Callable[[str], Any]) -> tuple[list[Policy], list[str]]:
    """(every policy document the account holds, the AWS-managed policy ARNs attached to its roles)."""
    iam, s3, ecr = client("iam"), client("s3"), client("ecr")
    policies: list[Policy] = []
    aws_managed: set[str] = set()
    for role in _paged(iam.list_roles, "Roles"):
        name = role["RoleName"]
        if role.get("Path", "/").startswith("/aws-service-role/"):
            continue  # service-linked roles: their policies are AWS's
        trust = _document(iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"])
        policies.append(Policy("trust", name, "trust", trust, role["Arn"]))
        for policy_name in _paged(iam.list_role_policies, "PolicyNames", RoleName=name):
            document = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            policies.append(Policy("inline", name, policy_name, _document(document)))
        for attached in _paged(iam.list_attached_role_policies, "AttachedPolicies", RoleName=name):
            arn = attached["PolicyArn"]
            if arn.startswith(AWS_MANAGED):
                aws_managed.add(arn)
                continue
            version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            policies.append(Policy("managed", name, attached["PolicyName"], _document(document)))
    for bucket in s3.list_buckets().get("Buckets", []):
        try:
            text = s3.get_bucket_policy(Bucket=bucket["Name"])["Policy"]
        except s3.exceptions.ClientError as err:
            if err.response["Error"]["Code"] != "NoSuchBucketPolicy":
                raise
            continue
        policies.append(Policy("bucket", bucket["Name"], "policy", _document(text)))
    for repository in _paged(ecr.describe_repositories, "repositories"):
        try:
            text = ecr.get_repository_policy(repositoryName=repository["repositoryName"])["policyText"]
        except ecr.exceptions.RepositoryPolicyNotFoundException:
            continue
        policies.append(Policy("repository", repository["repositoryName"], "policy", _document(text)))
    return policies, sorted(aws_managed)


def _lintable(policy: Policy) -> dict[str, Any]:
    if policy.kind != "trust":
        return policy.document
    document = copy.deepcopy(policy.document)
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if "Resource" not in statement and "NotResource" not in statement:
            statement["Resource"] = policy.resource
    return document


def _actions(finding: Any) -> tuple[str, ...]:
    found: set[str] = set()
    for source in (finding.detail, finding.location):
        if isinstance(source, dict):
            source = source.get("actions") or source.get("action") or []
        if isinstance(source, list):
            for item in source:
                if isinstance(item, str) and ":" in item:
                    found.add(item.lower())
                elif isinstance(item, dict) and "action" in item:
                    found.add(str(item["action"]).lower())
    return tuple(sorted(found))


def lint(policies: Iterable[Policy]) -> list[Finding]:
    from parliament import analyze_policy_string

    findings: list[Finding] = []
    for policy in policies:
        analyzed = analyze_policy_string(json.dumps(_lintable(policy)), include_community_auditors=True)
        for item in analyzed.findings:
            detail = item.detail if isinstance(item.detail, str) else json.dumps(item.detail, default=str)
            findings.append(Finding(item.issue, policy.label, _actions(item), detail))
    return sorted(set(findings), key=lambda f: f.key)


# --- the allow-list in SECURITY.md --------------------------------------------------------------------------------
_ROW = re.compile(
    r"^\|\s*`(?P<issue>[A-Z_]+)`\s*\|\s*`(?P<policy>[^`]+)`\s*\|\s*(?P<actions>[^|]*)\|(?P<rest>.*)\|\s*$"
)
_ALLOW_START, _ALLOW_END = "<!-- policy-lint-allow-list:start -->", "<!-- policy-lint-allow-list:end -->"


@dataclass(frozen=True)
class Allowed:
    issue: str
    policy: str  # a Policy.label; "*" in it matches any characters (role names carry the app name)
    actions: tuple[str, ...]
    reason: str

    def matches(self, finding: Finding) -> bool:
        pattern = "^" + ".*".join(re.escape(part) for part in self.policy.split("*")) + "$"
        return (
            finding.issue == self.issue and finding.actions == self.actions and bool(re.match(pattern, finding.policy))
        )


def allow_list(text: str | None = None) -> list[Allowed]:
    """The table rows between each pair of allow-list markers of SECURITY.md; each must cite AWS documentation."""
    text = SECURITY_MD.read_text() if text is None else text
    blocks = [part.split(_ALLOW_END, 1)[0] for part in text.split(_ALLOW_START)[1:]]
    if not blocks:
        raise ValueError(f"no {_ALLOW_START} block in SECURITY.md")
    entries = []
    for line in "\n".join(blocks).splitlines():
        match = _ROW.match(line.strip())
        if not match:
            continue
        actions = tuple(sorted(a.strip(" `").lower() for a in match["actions"].split(",") if a.strip(" `-")))
        reason = match["rest"].strip()
        if "https://docs.aws.amazon.com/" not in reason:
            raise ValueError(f"SECURITY.md allow-list row without an AWS documentation link: {line.strip()}")
        entries.append(Allowed(match["issue"], match["policy"], actions, reason))
    return entries


def unexplained(findings: list[Finding], allowed: list[Allowed]) -> tuple[list[Finding], list[Allowed]]:
    """(findings no entry explains, entries that explain no finding)."""
    new = [f for f in findings if not any(a.matches(f) for a in allowed)]
    stale = [a for a in allowed if not any(a.matches(f) for f in findings)]
    return new, stale
