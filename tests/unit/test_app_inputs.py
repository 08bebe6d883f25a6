"""The stack contract's app inputs (issue 16): the app's directory, build arguments, platform, a prebuilt image URI,
the container's command and environment, as the pre-flight checks them (plugin_utils/limits.py) without Ansible
runs; the image_reference filter the stack role pins a prebuilt image with; and the task definition comparison that
keeps a revision registered before runtimePlatform was set equal to the same one with LINUX/X86_64."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.image_reference import image_reference
from ansible_collections.fargatedemo.ecs_delivery.plugins.modules import ecs_taskdefinition
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import limits

ROOT = Path(__file__).resolve().parents[2]
DIGEST = "sha256:" + "0123456789abcdef" * 4
ECR = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com"


@pytest.mark.parametrize(
    ("rule", "good", "bad"),
    [
        ("platform", ["linux/amd64", "linux/arm64"], ["linux/386", "amd64", "windows/amd64", ""]),
        ("cpu_architecture", ["X86_64", "ARM64"], ["x86_64", "AMD64"]),
        (
            "container_command",
            [["uvicorn", "whoami_app:app"], ["sh", "-c", "exec app"]],
            ["uvicorn whoami_app:app", [], [""], [1]],
        ),
        (
            "container_environment",
            [{}, {"WHOAMI_NAME": "x", "_X1": 3, "flag": True}],
            [{"1X": "a"}, {"A-B": "a"}, {"A": {"b": 1}}, ["A=1"]],
        ),
        (
            "image_uri",
            [f"{ECR}/team/app:1.4.2", f"{ECR}/team/app@{DIGEST}", "127.0.0.1:4566/e2e/whoami:v1", "nginx:1.25"],
            [f"{ECR}/team/app", f"{ECR}/Team/app:1", "team/app@sha256:abc", f"{ECR}/app:-x", "a" * 256 + ":1"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_app_rules_accept_what_aws_and_docker_accept(rule, good, bad):
    for value in good:
        assert limits.RULES[rule].ok(value), (rule, value)
    for value in bad:
        assert not limits.RULES[rule].ok(value), (rule, value)


@pytest.mark.parametrize(
    ("uri", "stack_registry", "expected"),
    [
        (
            f"{ECR}/team/app:1.4.2",
            "",
            {
                "registry": ECR,
                "repository": "team/app",
                "tag": "1.4.2",
                "digest": "",
                "ecr": True,
                "registry_id": "123456789012",
                "region": "ap-northeast-2",
                "pinned": "",
            },
        ),
        (
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com/app@" + DIGEST,
            "",
            {
                "registry_id": "210987654321",
                "region": "eu-west-1",
                "ecr": True,
                "pinned": "210987654321.dkr.ecr.eu-west-1.amazonaws.com/app@" + DIGEST,
            },
        ),
        # The registry the stack pushes to (app_image_registry; the emulator's host:port) is the account's ECR.
        ("127.0.0.1:4566/e2e/whoami:v1", "127.0.0.1:4566", {"ecr": True, "registry_id": "", "region": ""}),
        ("127.0.0.1:4566/e2e/whoami:v1", "", {"ecr": False}),
        ("ghcr.io/team/app:1", "", {"ecr": False, "registry": "ghcr.io", "repository": "team/app"}),
        # A Docker Hub namespace is not a registry host.
        ("team/app@" + DIGEST, "", {"registry": "docker.io", "repository": "team/app", "pinned": "team/app@" + DIGEST}),
        ("nginx:1.25", "", {"registry": "docker.io", "repository": "nginx", "tag": "1.25", "ecr": False}),
    ],
)
def test_image_reference_splits_the_uri_and_knows_ecr(uri, stack_registry, expected):
    ref = image_reference(uri, stack_registry)
    assert {k: ref[k] for k in expected} == expected


def test_image_reference_refuses_what_is_not_an_image():
    with pytest.raises(AnsibleFilterError, match="not an image reference"):
        image_reference("not an image")


def app_problems(values: dict) -> list[str]:
    """The inventory's problems with the app's inputs only (the contract's other required names left out)."""
    names = ("app_source_dir", "app_build_args", "app_platform", "app_image_uri", "app_image_tag", "app_container_")
    found = limits.problems(values, "inventory")
    return [m for m in found if m.startswith(names) and " is not set: " not in m or m.startswith("codepipeline_")]


@pytest.mark.parametrize(
    ("values", "variable", "words"),
    [
        (
            {"app_source_dir": "nope", "stack_facts_app_source_dir": "/nonexistent/nope"},
            "app_source_dir",
            "not a directory",
        ),
        (
            {"app_source_dir": "playbooks", "stack_facts_app_source_dir": str(ROOT / "playbooks")},
            "app_source_dir",
            "has no Dockerfile",
        ),
        ({"app_platform": "linux/386"}, "app_platform", "linux/arm64"),
        ({"app_build_args": {"VERSION-X": "v2"}}, "app_build_args", "build argument names"),
        ({"app_container_command": "uvicorn app:app"}, "app_container_command", "exec form"),
        ({"app_container_environment": {"1X": "a"}}, "app_container_environment", "environment variable names"),
        ({"app_image_uri": "team/app"}, "app_image_uri", ":tag or @sha256"),
        ({"app_image_uri": "ghcr.io/team/app:1"}, "app_image_uri", "ghcr.io/team/app@sha256:"),
        ({"app_image_uri": f"{ECR}/team/app:1", "app_image_tag": "v2"}, "app_image_tag", "leave app_image_tag empty"),
        ({"app_image_uri": f"{ECR}/team/app:1", "codepipeline_enabled": True}, "codepipeline_enabled", "pipeline"),
        ({"app_platform": "linux/arm64", "codepipeline_enabled": True}, "app_platform", "x86_64 CodeBuild"),
        (
            {
                "app_container_environment": {"A": "1"},
                "codepipeline_enabled": True,
                "app_deployment_controller": "CODE_DEPLOY",
            },
            "app_container_environment",
            "taskdef.json",
        ),
    ],
)
def test_app_inputs_are_refused_naming_the_variable(values, variable, words):
    found = app_problems(values)
    assert len(found) == 1, found
    assert found[0].startswith(variable + " ") and words in found[0], found


@pytest.mark.parametrize(
    "values",
    [
        {"app_source_dir": "hello_app", "stack_facts_app_source_dir": str(ROOT / "hello_app")},
        {"app_source_dir": "sample_apps/whoami", "stack_facts_app_source_dir": str(ROOT / "sample_apps" / "whoami")},
        # A prebuilt image: the directory is never read, so it need not exist.
        {"app_image_uri": f"{ECR}/team/app:1", "stack_facts_app_source_dir": "/nonexistent"},
        {"app_image_uri": "ghcr.io/team/app@" + DIGEST, "app_platform": "linux/arm64"},
        {"app_image_uri": "127.0.0.1:4566/e2e/whoami:v1", "app_image_registry": "127.0.0.1:4566"},
        {"app_container_command": [], "app_container_environment": {}, "app_build_args": {}, "app_image_uri": ""},
        {"app_container_environment": {"A": "1"}, "codepipeline_enabled": True, "app_deployment_controller": "ECS"},
    ],
)
def test_app_inputs_that_work_pass(values):
    assert app_problems(values) == []


def test_the_inventories_name_every_app_input():
    import yaml

    for inventory in ("local", "example"):
        given = yaml.safe_load((ROOT / "inventory" / inventory / "group_vars" / "all" / "main.yml").read_text())
        for name in (
            "app_source_dir",
            "app_build_args",
            "app_platform",
            "app_image_uri",
            "app_container_command",
            "app_container_environment",
        ):
            assert name in given, (inventory, name)
        assert given["app_source_dir"] == "hello_app" and given["app_platform"] == "linux/amd64"
        assert given["app_image_uri"] == ""


BASE = {
    "family": "app",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "app", "image": "repo:v1"}],
}


@pytest.mark.parametrize(
    ("existing_platform", "wanted_platform", "differs"),
    [
        (None, {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}, False),  # a revision from before
        ({"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}, None, False),
        (None, {"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}, True),
        ({"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"}, None, True),
    ],
)
def test_a_fargate_definition_without_runtime_platform_is_linux_x86_64(existing_platform, wanted_platform, differs):
    existing = {**BASE, **({"runtimePlatform": existing_platform} if existing_platform else {})}
    wanted = {**BASE, **({"runtimePlatform": wanted_platform} if wanted_platform else {})}
    assert (ecs_taskdefinition.differences(wanted, existing) == ["runtimePlatform"]) is differs
    if not differs:
        assert ecs_taskdefinition.differences(wanted, existing) == []
