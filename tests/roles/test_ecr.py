"""The ecr role against the test emulator and its ECR registry (the emulator's own host:port): Molecule scenario, stack
playbook wiring (including a deploy-only run), build and push skipped when the tag exists, and input
validation before any AWS call."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path

import pytest
from role_validation import run_invalid_cases

from tests.support import assert_molecule_passes

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
ROLE_PLAYBOOK = "tests/roles/playbooks/ecr_role.yml"
STACK_PLAYBOOK = "playbooks/ecr.yml"
BASE_IMAGE = "helloapp-base:bookworm"


def outputs(tmp_path: Path) -> dict:
    return json.loads((tmp_path / "outputs.json").read_text())


def actions(aws) -> list[str]:
    return [r["action"] for r in aws.admin("requests")["requests"] if r["service"] == "ecr"]


def registry_tags(aws, name: str) -> list[str]:
    """The tags ECR holds for ``name`` (what docker push put through the emulator's registry)."""
    details = aws.boto3_client("ecr").describe_images(repositoryName=name)["imageDetails"]
    return sorted(tag for image in details for tag in image.get("imageTags", []))


@pytest.mark.slow
@pytest.mark.docker
def test_molecule_scenario(aws, docker_ready):
    assert_molecule_passes("ecr", aws, env={"MOLECULE_ECR_IMAGE_TAG": f"molecule-{uuid.uuid4().hex[:8]}"})


@pytest.mark.docker
def test_stack_playbook_builds_once_then_skips(aws, ansible_playbook, docker_ready):
    name = f"test-ecr/helloapp-{uuid.uuid4().hex[:8]}"
    extra = {"app_repository_name": name, "app_image_tag": "v1", "app_welcome_route": False}
    ecr = aws.boto3_client("ecr")
    try:
        check = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra, check=True)
        assert check.rc == 0, check
        assert ecr.describe_repositories()["repositories"] == [], "check mode must create nothing"

        first = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra)
        assert first.rc == 0, first
        assert "Build, tag and push the image" in first.stdout
        assert registry_tags(aws, name) == ["v1"]
        repo = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]
        assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repo["imageTagMutability"] == "IMMUTABLE"
        rules = json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])["rules"]
        assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]
        assert rules[1]["selection"]["countNumber"] == 30
        owner = {"application": "helloapp", "environment": "production", "managed-by": "fargatedemo.ecs_delivery"}
        tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        assert {t["Key"]: t["Value"] for t in tags} == owner

        # Deploy-only run: the tag is in the repository, nothing is built, pushed or logged in to.
        aws.admin("requests", "DELETE")
        again = ansible_playbook(STACK_PLAYBOOK, extra_vars=extra, tags="deploy")
        assert again.rc == 0, again
        assert again.changed() == 0, again
        assert "GetAuthorizationToken" not in actions(aws)
        assert ansible_playbook(STACK_PLAYBOOK, extra_vars=extra, check=True).changed() == 0

        # A repository of the same name without the stack's tags (another team's) survives the teardown.
        ecr.untag_resource(resourceArn=repo["repositoryArn"], tagKeys=["managed-by"])
        left = ansible_playbook(STACK_PLAYBOOK, extra_vars={**extra, "stack_state": "absent"})
        assert left.rc == 0 and left.changed() == 0, left
        assert f"Left ECR repository {name}: not tagged as this stack" in left.stdout, left
        assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == [name]
        ecr.delete_repository(repositoryName=name, force=True)
    finally:
        ansible_playbook(STACK_PLAYBOOK, extra_vars={**extra, "stack_state": "absent"})
        subprocess.run(["docker", "image", "rm", f"{aws.registry}/{name}:v1"], capture_output=True, check=False)
    assert ecr.describe_repositories()["repositories"] == []


@pytest.mark.docker
def test_role_outputs_and_a_new_tag_is_a_new_image(aws, ansible_playbook, docker_ready, tmp_path):
    name = f"test-ecr/outputs-{uuid.uuid4().hex[:8]}"
    base = {"ecr_repository_name": name, "ecr_registry": aws.registry, "ecr_build_args": {"BASE_IMAGE": BASE_IMAGE}}
    base["ecr_build_args"]["PIP_INSTALL_ARGS"] = "--no-index --find-links=/tmp/build/wheels"
    try:
        for tag in ("v1", "v2"):
            extra = {**base, "ecr_image_tag": tag, "outputs_file": str(tmp_path / "outputs.json")}
            result = ansible_playbook(ROLE_PLAYBOOK, extra_vars=extra)
            assert result.rc == 0, result
            out = outputs(tmp_path)
            assert out["repository_uri"] == f"{aws.registry}/{name}"
            assert out["image_uri"] == f"{aws.registry}/{name}:{tag}"
            assert re.fullmatch(r"sha256:[0-9a-f]{64}", out["digest"]), out
            described = aws.boto3_client("ecr").describe_images(repositoryName=name, imageIds=[{"imageTag": tag}])
            assert described["imageDetails"][0]["imageDigest"] == out["digest"]
        assert registry_tags(aws, name) == ["v1", "v2"]
    finally:
        ansible_playbook(ROLE_PLAYBOOK, extra_vars={**base, "ecr_state": "absent"})
        for tag in ("v1", "v2"):
            subprocess.run(["docker", "image", "rm", f"{aws.registry}/{name}:{tag}"], capture_output=True, check=False)


INVALID = [
    ({"ecr_repository_name": "fargatedemo/HelloApp"}, "ecr_repository_name"),
    ({"ecr_repository_name": "a"}, "ecr_repository_name"),
    ({"ecr_repository_name": "fargatedemo//helloapp"}, "ecr_repository_name"),
    ({"ecr_repository_name": "fargatedemo/helloapp-"}, "ecr_repository_name"),
    ({"ecr_image_tag": "-v2"}, "ecr_image_tag"),
    ({"ecr_image_tag": "v 2"}, "ecr_image_tag"),
    ({"ecr_image_tag": "v" * 129}, "ecr_image_tag"),
    ({"ecr_push_latest": True}, "ecr_push_latest"),
    ({"ecr_encryption_type": "KMS"}, "ecr_kms_key"),
    ({"ecr_keep_images": 0}, "ecr_keep_images"),
    ({"ecr_image_tag_mutability": "immutable"}, "ecr_image_tag_mutability"),
    ({"ecr_registry": "https://127.0.0.1:5000/"}, "ecr_registry"),
    ({"ecr_state": "gone"}, "ecr_state"),
    ({"ecr_build_context": ""}, "ecr_build_context"),
]


# The cases that also run with --check (validation must not depend on check mode).
INVALID_CHECK = [
    ({"ecr_repository_name": "fargatedemo/HelloApp"}, "ecr_repository_name"),
    ({"ecr_image_tag": "v 2"}, "ecr_image_tag"),
]


@pytest.mark.parametrize("check", [False, True], ids=["run", "check"])
def test_invalid_input_fails_before_any_aws_call(aws, ansible_playbook, tmp_path, check):
    cases = INVALID_CHECK if check else INVALID
    messages = run_invalid_cases(ansible_playbook, tmp_path, "ecr", [c for c, _ in cases], check=check)
    for (overrides, variable), message in zip(cases, messages, strict=True):
        assert message is not None and variable in message, (overrides, variable, message)
    assert aws.admin("requests")["requests"] == [], "validation must fail before any AWS call"


def test_stack_playbook_rejects_an_upper_case_repository_before_any_ecr_call(aws, ansible_playbook):
    result = ansible_playbook(STACK_PLAYBOOK, extra_vars={"app_repository_name": "FargateDemo/helloapp"})
    assert result.rc != 0, result
    # The pre-flight (every stack playbook imports it through stack_facts.yml) names the variable the user set.
    assert "app_repository_name is 'FargateDemo/helloapp': it must be an ECR repository name" in result.stdout
    assert actions(aws) == []
