"""This collection's pipeline modules (codebuild_project, codepipeline_pipeline, codecommit_files,
codeconnections_connection) against the emulator: create, idempotent second run, check mode, update, delete.

The assertions are in tests/roles/playbooks/codepipeline_modules.yml; the test fails when any does.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.emulator


def test_pipeline_modules(aws, ansible_playbook, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "app.py").write_text("print('hello')\n")
    (tmp_path / "sub" / "run.sh").write_text("#!/bin/sh\n")
    (tmp_path / "sub" / "run.sh").chmod(0o755)
    (tmp_path / "template.j2").write_text("not committed\n")
    result = ansible_playbook("tests/roles/playbooks/codepipeline_modules.yml", env={"TEST_SRC_DIR": str(tmp_path)})
    assert result.rc == 0, str(result)
    assert result.failed() == 0
