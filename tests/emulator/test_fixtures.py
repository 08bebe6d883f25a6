"""The shared fixtures themselves: the session emulator, ansible_playbook and its PLAY RECAP parser."""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

PLAYBOOK = "tests/emulator/playbooks/caller_identity.yml"
RECAP = """
PLAY RECAP *********************************************************************
localhost                  : ok=3    changed=1    unreachable=0    failed=0    skipped=2    rescued=0    ignored=1
other.example              : ok=0    changed=0    unreachable=1    failed=0    skipped=0    rescued=0    ignored=0

"""


def test_emulator_object(emulator):
    assert emulator.url == f"http://127.0.0.1:{emulator.port}"
    assert emulator.env == {
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-northeast-2",
        "AWS_REGION": "ap-northeast-2",
    }
    assert emulator.boto3_client("sts").meta.region_name == "ap-northeast-2"
    with urllib.request.urlopen(f"{emulator.url}/_emulator/health", timeout=5) as response:
        assert json.load(response)["status"] == "ok"


def test_run_env_keeps_the_callers_aws_settings_out(emulator, monkeypatch):
    """What every program run against the emulator gets (ansible_playbook, molecule, the e2e stacks, bench)."""
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("ANSIBLE_STDOUT_CALLBACK", "json")
    env = emulator.run_env()
    assert "AWS_PROFILE" not in env and {k: env[k] for k in emulator.env} == emulator.env
    assert env["ANSIBLE_CONFIG"] == str(Path(__file__).resolve().parents[2] / "ansible.cfg")
    assert env["PATH"].split(os.pathsep)[0].endswith("/.venv/bin")
    assert env["ANSIBLE_STDOUT_CALLBACK"] == "json"  # by default only AWS_ is left out
    clean = emulator.run_env(drop=("AWS_", "ANSIBLE_"), extra={"NO_COLOR": "1"})
    assert "ANSIBLE_STDOUT_CALLBACK" not in clean and clean["NO_COLOR"] == "1"


def test_aws_fixture_starts_from_empty_state(aws):
    # The previous test module may have left repositories behind; `aws` reset them.
    assert aws.boto3_client("codecommit").list_repositories()["repositories"] == []
    aws.boto3_client("codecommit").create_repository(repositoryName="left-behind")


def test_aws_cli_works_with_emulator_env(aws):
    aws_cli = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "aws"
    out = subprocess.run(
        [str(aws_cli), "sts", "get-caller-identity", "--output", "json"],
        env=aws.run_env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(out.stdout)["Account"] == "123456789012"


def test_parse_recap(ansible_playbook):
    stats = ansible_playbook.parse_recap("noise\n" + RECAP)
    assert stats == {
        "localhost": {
            "ok": 3,
            "changed": 1,
            "unreachable": 0,
            "failed": 0,
            "skipped": 2,
            "rescued": 0,
            "ignored": 1,
        },
        "other.example": {
            "ok": 0,
            "changed": 0,
            "unreachable": 1,
            "failed": 0,
            "skipped": 0,
            "rescued": 0,
            "ignored": 0,
        },
    }
    assert ansible_playbook.parse_recap("no recap here") == {}


def test_ansible_playbook_against_the_emulator(aws, ansible_playbook):
    result = ansible_playbook(PLAYBOOK, tags="identity", check=True)
    assert result.rc == 0, result
    assert result.stats["localhost"]["ok"] == 2, result
    assert result.changed() == 0 and result.failed() == 0
    assert "--check" in result.command and "--tags" in result.command
    assert any(r["action"] == "GetCallerIdentity" for r in aws.admin("requests")["requests"])
