"""molecule test -s codepipeline against the session emulator (check mode on an empty account, converge
with the ECS deploy action, idempotence, verify, the switch to CodeDeployToECS with its idempotence and
verification, cleanup). Slow: several full runs of the role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import assert_molecule_passes

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def test_molecule_codepipeline(aws):
    assert_molecule_passes("codepipeline", aws, timeout=1800)
