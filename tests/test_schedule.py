"""The suite's schedule: the files it starts first exist (a renamed file would silently fall back to the end)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LONGEST_FIRST, ROOT


def test_every_longest_first_file_exists():
    missing = [path for path in LONGEST_FIRST if not (ROOT / path).is_file()]
    assert not missing, f"tests/conftest.py LONGEST_FIRST names files that do not exist: {missing}"
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
    assert all(Path(path).name.startswith("test_") for path in LONGEST_FIRST)


def test_test_file_basenames_are_unique():
    # pytest imports test files without packages by basename (rootdir-relative "rootdir" import mode): two
    # test_x.py in different folders fail collection with "import file mismatch" on a fresh clone.
    seen: dict[str, list[str]] = {}
    for path in sorted(ROOT.joinpath("tests").rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    clashes = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not clashes, f"test files sharing a basename: {clashes}"
