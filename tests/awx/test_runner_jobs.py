"""Every job template's playbook, run the way AWX runs it: through ansible-runner, with the template's
tags and limit, the survey defaults as extra vars and the AWS credential injected as environment
variables (what AWX's "Amazon Web Services" credential type does), against the emulator."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import ansible_runner
import pytest
import yaml

from tests.support import remove_local_images

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = yaml.safe_load((ROOT / "awx" / "controller_objects.yml").read_text())
TEMPLATES = {t["name"]: t for t in OBJECTS["controller_templates"]}

# What a person types where a survey has no usable default (teardown's confirmation), as in AWX.
ANSWERS = {"Teardown": {"teardown_confirm": "helloapp@123456789012"}}  # <app_name>@<the emulator's account>

pytestmark = [pytest.mark.slow, pytest.mark.docker]
# The Teardown job force-deletes the repository (and so its images), and the engine's local copies are named
# after it: the jobs use a repository of this run's own, not the seed's name.
REPOSITORY = f"awx-{uuid.uuid4().hex[:8]}/helloapp"
AWX_TIME_SCALE = 20


def run_template(name: str, emulator, tmp_path: Path, extra: dict | None = None):
    template = TEMPLATES[name]
    extravars = {q["variable"]: q["default"] for q in template["survey"] if q.get("default") not in (None,)}
    extravars.update(ANSWERS.get(name, {}))
    extravars.update({"app_repository_name": REPOSITORY}, **(extra or {}))
    private = tmp_path / name.replace(" ", "_")
    (private / "env").mkdir(parents=True)
    # AWX injects the credential as environment variables; the local inventory reads the endpoint too.
    envvars = {
        "AWS_ACCESS_KEY_ID": "AKIAAWXINJECTED00000",
        "AWS_SECRET_ACCESS_KEY": "awx-injected-secret",
        "AWS_ENDPOINT_URL": emulator.url,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "false",
    }
    result = ansible_runner.run(
        private_data_dir=str(private),
        project_dir=str(ROOT),
        playbook=str(ROOT / template["playbook"]),
        inventory=str(ROOT / "inventory" / "local"),
        extravars=extravars,
        tags=template["job_tags"] or None,
        limit=template["limit"],
        envvars=envvars,
        quiet=True,
        timeout=1200,
    )
    stdout = result.stdout.read()
    return result, stdout


@pytest.fixture(scope="module")
def awx_emulator(emulator):
    emulator.reset()
    # The jobs' waits (tasks starting, health checks, the load balancer's deregistration delay) on a clock 20
    # times faster, as the end-to-end stacks run; reset() returns the session emulator to its own scale.
    emulator.admin("clock", "POST", {"scale": AWX_TIME_SCALE})
    yield emulator
    emulator.reset()
    # The images the Stand up job built for this run's repository (the registry copy went with Teardown).
    remove_local_images(emulator.registry, REPOSITORY)


def test_jobs_in_the_order_an_operator_runs_them(docker_ready, awx_emulator, tmp_path, monkeypatch):
    # docker_ready: the Stand up job builds and pushes the image (skips without Docker, fails in CI).
    # ansible-runner starts ansible-playbook from PATH, as the execution environment's does.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in ("Stand up stack", "Deploy image", "Rollback", "Teardown"):
        result, stdout = run_template(name, awx_emulator, tmp_path)
        assert result.status == "successful", f"{name}: {result.status} rc={result.rc}\n{stdout[-4000:]}"
        stats = result.stats or {}
        assert not stats.get("failures"), f"{name}: {json.dumps(stats)}"
    # Teardown removed the service and the cluster.
    ecs = awx_emulator.boto3_client("ecs")
    assert [c for c in ecs.describe_clusters(clusters=["helloapp"])["clusters"] if c["status"] == "ACTIVE"] == []
