"""The buildspec runs for real: the codepipeline role renders it, bash runs its phases like CodeBuild, three
times, as CodePipeline would: a build of commit A, a build of commit B, and B again (Retry / Release change).

The source directory is what the role commits to CodeCommit (hello_app/ minus the exclusions, plus the
rendered buildspec.yml, taskdef.json and appspec.yml), plus the local wheelhouse that stands in for PyPI.
The environment is CodeBuild's: CODEBUILD_RESOLVED_SOURCE_VERSION, AWS_DEFAULT_REGION, the project's
environment variables; the AWS CLI of the venv reaches the session emulator (AWS_ENDPOINT_URL) for
``aws ecr get-login-password``, ``docker login`` and ``docker push`` go to the emulator's ECR registry, which
refuses a tag already in an immutable repository as ECR does, and the build arguments of the local
inventory (BASE_IMAGE, PIP_INSTALL_ARGS) are rendered into the buildspec as the role renders
codepipeline_docker_build_args (empty on real CodeBuild).

Every build must pass against the IMMUTABLE repository the ecr role creates; the buildspec of before (a
fixture copy, which also pushed ``latest``) must fail there on its second build, so the harness can fail.
Then the artifacts are checked (imagedefinitions.json, imageDetail.json, taskdef.json, appspec.yml), the
pushed tags, and that the blue/green deploy module's pure functions (module_utils/codedeploy.py) accept
the task definition and AppSpec once CodePipeline's placeholders are filled in.

Docker: skipped without an engine, the base image or the registry, FAILED instead when REQUIRE_DOCKER=1.
"""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pytest
import yaml

from tests.support import remove_local_images

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
APP_DIR = ROOT / "hello_app"
REPOSITORY = f"pipeline-{uuid.uuid4().hex[:8]}/helloapp"
# The buildspec as it was before issue 10: it also tagged and pushed latest on every build.
OLD_BUILDSPEC = Path(__file__).parent / "fixtures" / "buildspec-pushes-latest.yml.j2"
INVENTORY = yaml.safe_load((ROOT / "inventory" / "local" / "group_vars" / "all" / "main.yml").read_text())
BUILD_ARGS = {"WELCOME_ROUTE": "on", **INVENTORY["app_image_build_args"]}
CONTAINER = "helloapp"
PORT = 8000
TIMINGS_FILE = ROOT / "build" / "pipeline-test-timings.json"

sys.path.insert(0, str(ROOT / "collections"))
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codedeploy  # noqa: E402


def record_timing(name: str, seconds: float) -> None:
    TIMINGS_FILE.parent.mkdir(exist_ok=True)
    data = json.loads(TIMINGS_FILE.read_text()) if TIMINGS_FILE.exists() else {}
    data[name] = round(seconds, 1)
    TIMINGS_FILE.write_text(json.dumps(data, indent=2) + "\n")


def render_with_role(dest: Path, repository_uri: str, **extra) -> None:
    """The role's own rendering and cross-checks (tests/pipeline/render.yml), no AWS call."""
    variables = {
        "dest": str(dest),
        "codepipeline_image_repository_uri": repository_uri,
        "codepipeline_artifact_bucket_name": "helloapp-artifacts-123456789012-ap-northeast-2",
        "codepipeline_source_dir": str(APP_DIR),
        "codepipeline_docker_build_args": BUILD_ARGS,
        "codepipeline_container_name": CONTAINER,
        "codepipeline_container_port": PORT,
        "codepipeline_task_family": "helloapp",
        "codepipeline__account_id": "123456789012",
        **extra,
    }
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH=f"{VENV_BIN}:{os.environ['PATH']}")
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "tests/pipeline/render.yml", "-e", json.dumps(variables)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def source_tree(dest: Path, exclude: list[str]) -> None:
    """hello_app/ as the role commits it (same exclusions), next to the rendered files."""
    for path in APP_DIR.rglob("*"):
        rel = path.relative_to(APP_DIR).as_posix()
        parts = rel.split("/")
        candidates = [rel, *parts, *("/".join(parts[:i]) for i in range(1, len(parts)))]
        if path.is_dir() or any(fnmatch.fnmatch(c, p) for c in candidates for p in exclude):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def codebuild_script(buildspec: dict) -> str:
    """One bash script of all phases, as CodeBuild runs them in one shell (variables carry over)."""
    lines = ["set -e"]
    for phase in ("install", "pre_build", "build", "post_build"):
        for command in (buildspec.get("phases", {}).get(phase) or {}).get("commands", []):
            lines.append("echo " + shlex.quote(f"[Container] Running command {command}"))
            lines.append(command)
    return "\n".join(lines) + "\n"


def commit_id() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]


@dataclass
class Build:
    """One CodeBuild run of a buildspec: its source directory, commit, image tag and the bash result."""

    src: Path
    commit: str
    proc: subprocess.CompletedProcess

    @property
    def tag(self) -> str:
        return self.commit[:7]

    @property
    def output(self) -> str:
        return f"{self.proc.stdout[-6000:]}\n{self.proc.stderr[-4000:]}"


class CodeBuild:
    """Runs a rendered buildspec in a source tree like CodeBuild: one shell, CodeBuild's environment."""

    def __init__(self, emulator, work: Path, repository_uri: str):
        self.emulator, self.work, self.repository_uri = emulator, work, repository_uri

    def source(self, name: str, buildspec_text: str | None = None) -> Path:
        """hello_app as the role commits it, its rendered files, and the local wheelhouse."""
        src = self.work / name
        src.mkdir()
        render_with_role(src, self.repository_uri)
        exclude = json.loads((src / "exclude.json").read_text())
        (src / "exclude.json").unlink()
        source_tree(src, exclude)
        assert not any((src / "wheels").glob("*.whl")), "the role must not commit the local wheelhouse"
        # Local stand-in for PyPI (PIP_INSTALL_ARGS of the local inventory): the wheelhouse, not committed.
        shutil.copytree(APP_DIR / "wheels", src / "wheels", dirs_exist_ok=True)
        if buildspec_text is not None:
            (src / "buildspec.yml").write_text(buildspec_text)
        return src

    def run(self, src: Path, commit: str, timing: str | None = None) -> Build:
        buildspec = yaml.safe_load((src / "buildspec.yml").read_text())
        env = {
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            "HOME": str(self.work),
            "DOCKER_CONFIG": str(self.work / "docker-config"),
            "DOCKER_BUILDKIT": "0",
            "CODEBUILD_RESOLVED_SOURCE_VERSION": commit,
            "CODEBUILD_SRC_DIR": str(src),
            "CODEBUILD_BUILD_ID": f"helloapp-build:{uuid.uuid4()}",
            **self.emulator.env,
        }
        # Precedence as in CodeBuild: buildspec env < project environment variables (set by the role).
        env.update({k: str(v) for k, v in (buildspec.get("env", {}).get("variables") or {}).items()})
        env.update(
            {"REPOSITORY_URI": self.repository_uri, "CONTAINER_NAME": CONTAINER, "AWS_DEFAULT_REGION": "ap-northeast-2"}
        )
        start = time.monotonic()
        proc = subprocess.run(
            ["bash", "-c", codebuild_script(buildspec)],
            cwd=src,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if timing:
            record_timing(timing, time.monotonic() - start)
        return Build(src, commit, proc)


@pytest.fixture(scope="module")
def codebuild(docker_ready, emulator, tmp_path_factory):
    """An IMMUTABLE repository as the ecr role makes it, and a CodeBuild runner for it."""
    emulator.reset()
    emulator.boto3_client("ecr").create_repository(repositoryName=REPOSITORY, imageTagMutability="IMMUTABLE")
    runner = CodeBuild(emulator, tmp_path_factory.mktemp("codebuild"), f"{emulator.registry}/{REPOSITORY}")
    yield runner
    remove_local_images(emulator.registry, REPOSITORY)  # runner.repository_uri's images


@pytest.fixture(scope="module")
def builds(codebuild) -> list[Build]:
    """Builds of commit A, of commit B, and of B again, each in a fresh checkout."""
    a, b = commit_id(), commit_id()
    runs = []
    for i, (commit, timing) in enumerate(
        [(a, "buildspec_run_seconds"), (b, "buildspec_second_run_seconds"), (b, None)]
    ):
        runs.append(codebuild.run(codebuild.source(f"src-{i}"), commit, timing))
    return runs


@pytest.fixture(scope="module")
def build(builds):
    """The first build: (source dir, image tag, the buildspec, the bash result)."""
    first = builds[0]
    return first.src, first.tag, yaml.safe_load((first.src / "buildspec.yml").read_text()), first.proc


def ecr_tags(emulator) -> dict[str, str]:
    details = emulator.boto3_client("ecr").describe_images(repositoryName=REPOSITORY)["imageDetails"]
    return {tag: image["imageDigest"] for image in details for tag in image.get("imageTags", [])}


pytestmark = [pytest.mark.docker]


def test_buildspec_phases_succeed(build):
    _src, _tag, _buildspec, proc = build
    assert proc.returncode == 0, f"buildspec failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-4000:]}"
    assert "Login Succeeded" in proc.stdout


def test_artifacts_exist_at_the_root(build):
    src, _tag, buildspec, proc = build
    assert proc.returncode == 0
    assert buildspec["artifacts"]["discard-paths"] in (True, "yes")
    for name in buildspec["artifacts"]["files"]:
        assert (src / name).is_file(), f"artifact {name} missing"


def test_imagedefinitions_name_the_new_image(emulator, build):
    src, tag, _buildspec, proc = build
    assert proc.returncode == 0
    definitions = json.loads((src / "imagedefinitions.json").read_text())
    uri = f"{emulator.registry}/{REPOSITORY}:{tag}"
    assert definitions == [{"name": CONTAINER, "imageUri": uri}]
    detail = json.loads((src / "imageDetail.json").read_text())
    assert detail == {"ImageURI": uri}


def test_taskdef_and_appspec_line_up(build):
    src, _tag, _buildspec, proc = build
    assert proc.returncode == 0
    taskdef = json.loads((src / "taskdef.json").read_text())
    appspec = yaml.safe_load((src / "appspec.yml").read_text())
    assert taskdef["family"] == "helloapp"
    (container,) = [c for c in taskdef["containerDefinitions"] if c["name"] == CONTAINER]
    assert container["image"] == "<IMAGE1_NAME>"
    assert PORT in [m["containerPort"] for m in container["portMappings"]]
    props = appspec["Resources"][0]["TargetService"]["Properties"]
    assert props["TaskDefinition"] == "<TASK_DEFINITION>"
    assert props["LoadBalancerInfo"] == {"ContainerName": CONTAINER, "ContainerPort": PORT}


def test_every_build_passes_against_the_immutable_repository(emulator, builds):
    """Two commits, then the second again: each build passes, each commit's tag is pushed once, never latest."""
    for build in builds:
        assert build.proc.returncode == 0, f"build of {build.tag} failed:\n{build.output}"
    first, second, again = builds
    assert "Login Succeeded" in second.proc.stdout
    tags = ecr_tags(emulator)
    assert set(tags) >= {first.tag, second.tag} and "latest" not in tags
    assert "is already in ECR (an earlier build of this commit): reusing it" in again.proc.stdout
    uri = f"{emulator.registry}/{REPOSITORY}"
    assert f"Building {uri}:{second.tag}" in second.proc.stdout
    assert f"Building {uri}:{again.tag}" not in again.proc.stdout  # nothing rebuilt, nothing pushed again
    for build in builds:
        image = json.loads((build.src / "imageDetail.json").read_text())["ImageURI"]
        assert image == f"{emulator.registry}/{REPOSITORY}:{build.tag}"
    assert json.loads((again.src / "imageDetail.json").read_text()) == json.loads(
        (second.src / "imageDetail.json").read_text()
    )


def test_the_old_buildspec_fails_on_its_second_build(emulator, builds, codebuild):
    """What issue 10 found: pushing latest on every build fails the second build against an immutable repository."""
    assert builds[-1].proc.returncode == 0  # the new buildspec's builds ran first, without latest
    template = jinja2.Environment(undefined=jinja2.StrictUndefined)
    template.filters["to_json"] = json.dumps
    template.filters["quote"] = shlex.quote
    old = template.from_string(OLD_BUILDSPEC.read_text()).render(
        image_repository_uri=codebuild.repository_uri,
        container_name=CONTAINER,
        docker_build_args=BUILD_ARGS,
        docker_build_context=".",
    )
    first = codebuild.run(codebuild.source("old-1", old), commit_id())
    assert first.proc.returncode == 0, first.output
    second = codebuild.run(codebuild.source("old-2", old), commit_id())
    assert second.proc.returncode != 0
    assert (
        f"tag invalid: The image tag 'latest' already exists in the '{REPOSITORY}' repository and cannot be "
        "overwritten because the repository is immutable." in second.output
    )


def test_blue_green_module_accepts_the_artifacts(emulator, build):
    """What CodePipeline's CodeDeployToECS action does with the artifacts, then H7's AppSpec checks."""
    src, tag, _buildspec, proc = build
    assert proc.returncode == 0
    image = json.loads((src / "imageDetail.json").read_text())["ImageURI"]
    taskdef = json.loads((src / "taskdef.json").read_text().replace("<IMAGE1_NAME>", image))
    arn = "arn:aws:ecs:ap-northeast-2:123456789012:task-definition/helloapp:7"
    appspec = yaml.safe_load((src / "appspec.yml").read_text().replace("<TASK_DEFINITION>", arn))
    props = appspec["Resources"][0]["TargetService"]["Properties"]
    codedeploy.check_container(
        taskdef, props["LoadBalancerInfo"]["ContainerName"], props["LoadBalancerInfo"]["ContainerPort"]
    )
    assert appspec == codedeploy.build_appspec(arn, CONTAINER, PORT)
    assert codedeploy.task_definition_of_revision(codedeploy.appspec_revision(appspec)) == arn
    assert taskdef["containerDefinitions"][0]["image"] == f"{emulator.registry}/{REPOSITORY}:{tag}"


def test_a_broken_buildspec_fails(docker_ready, emulator, tmp_path):
    """The harness can fail: a buildspec whose artifact is never written is caught."""
    broken = {"version": 0.2, "phases": {"build": {"commands": ["test -f imagedefinitions.json"]}}}
    proc = subprocess.run(["bash", "-c", codebuild_script(broken)], cwd=tmp_path, capture_output=True, check=False)
    assert proc.returncode != 0
