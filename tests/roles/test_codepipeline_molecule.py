"""molecule test -s codepipeline against the session emulator (check mode on an empty account, converge
with the ECS deploy action, idempotence, verify, the switch to CodeDeployToECS with its idempotence and
verification, cleanup). Slow: several full runs of the role."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def test_molecule_codepipeline(aws):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws.env)
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}", NO_COLOR="1"
    )
    start = time.monotonic()
    proc = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", "codepipeline"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, f"molecule failed after {elapsed:.0f}s:\n{proc.stdout[-8000:]}\n{proc.stderr[-4000:]}"
