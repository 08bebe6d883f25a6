"""The test suite's figures, read from a report of a run that already happened (the suite takes ~30 minutes).

- JUnit XML (``pytest --junitxml``; .ci/run writes build/ci-junit.xml): the session's wall time is the
  testsuite's ``time``; a file's time is the sum of its test cases' times (set-up, call and teardown, so its
  module-scoped fixtures count).
- Saved pytest output run with ``--durations=N``: the wall time from the final "in 1234.56s" line; a file's
  time is the sum of its listed phases (a lower bound: only the N slowest phases are listed).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.measure import ROOT

_DURATION = re.compile(r"^\s*([\d.]+)s\s+(setup|call|teardown)\s+(\S+?)::")
_SESSION = re.compile(r"=+ .*\bin ([\d.]+)s\b.* =+\s*$")


def _file_of(classname: str) -> str:
    """tests.e2e.test_site_ecs(.TestClass) -> tests/e2e/test_site_ecs.py (the longest prefix that is a file)."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        candidate = "/".join(parts[:end]) + ".py"
        if (ROOT / candidate).is_file():
            return candidate
    return "/".join(parts) + ".py"


def from_junit(path: Path) -> dict[str, Any]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    per_file: dict[str, float] = defaultdict(float)
    cases = 0
    for case in root.iter("testcase"):
        cases += 1
        name = case.get("file") or _file_of(case.get("classname", ""))
        per_file[name] += float(case.get("time") or 0)
    wall = sum(float(s.get("time") or 0) for s in suites)
    return {"tests": cases, "seconds": round(wall, 1), "files": per_file, "kind": "JUnit XML"}


def from_text(path: Path) -> dict[str, Any]:
    per_file: dict[str, float] = defaultdict(float)
    wall = None
    for line in path.read_text(errors="replace").splitlines():
        match = _DURATION.match(line)
        if match:
            per_file[match.group(3)] += float(match.group(1))
        session = _SESSION.search(line)
        if session:
            wall = float(session.group(1))
    return {"tests": None, "seconds": wall, "files": per_file, "kind": "pytest --durations output (lower bounds)"}


def read(report: str, seconds: float | None = None) -> dict[str, Any]:
    """The suite's wall time and its five slowest files, or why there are none."""
    path = Path(report)
    if not path.is_file():
        return {"source": report, "missing": f"no report at {report} (run .ci/run, or pass --suite-report)"}
    try:
        found = from_junit(path) if path.read_bytes().lstrip()[:1] == b"<" else from_text(path)
    except (ET.ParseError, OSError) as err:
        return {"source": report, "missing": f"{report} could not be read: {err}"}
    if seconds is not None:
        found["seconds"] = seconds
    slowest = sorted(found.pop("files").items(), key=lambda item: item[1], reverse=True)[:5]
    found["slowest"] = [{"file": name, "seconds": round(value, 1)} for name, value in slowest]
    found["source"] = str(path)
    return found
