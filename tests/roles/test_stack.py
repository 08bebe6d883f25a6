"""The stack role (read-only facts) through its Molecule scenario on the session emulator."""

from __future__ import annotations

import pytest

from tests.support import assert_molecule_passes

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


def test_molecule_scenario(aws):
    assert_molecule_passes("stack", aws, timeout=600)
