"""make bench (issue 14) cannot rot: its parsers and report against known inputs, and one real run in tiny mode.

The tiny run is ``python -m bench --runs 1 --sections peer,suite --cold-only``: its own emulator through
scripts/emulator.sh, the peer playbook once on an empty account, the resource inventory, a JUnit report, and
BENCHMARKS.md written elsewhere.
The site.yml sections take minutes and are left to ``make bench``; what they feed the report is checked here with
a synthetic result.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import loadtest, measure, report, stack, suite

ROOT = Path(__file__).resolve().parents[2]

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.03ms  20.11ms   90.00%
    Req/Sec     1.57k   100.00     1.80k    70.00%
  Latency Distribution
     50%  812.00us
     75%    5.50ms
     90%    6.10ms
     99%    1.20s
  31234 requests in 10.00s, 5.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:   3123.40
Transfer/sec:    524.00KB
"""


def test_wrk_output_parsed_with_units():
    assert loadtest.parse_wrk(WRK_OUTPUT) == {"rps": 3123.40, "p50_ms": 0.812, "p99_ms": 1200.0, "errors": 9}


def test_recap_is_the_last_one_of_the_host():
    output = (
        "PLAY RECAP ***\nlocalhost : ok=3 changed=1 failed=0\n\nPLAY RECAP ***\nlocalhost : ok=9 changed=0 skipped=2\n"
    )
    assert measure.parse_recap(output) == {"ok": 9, "changed": 0, "skipped": 2}
    assert measure.parse_recap("no recap") == {}


@pytest.mark.parametrize(
    ("spans", "busy"),
    [
        ([(0.0, 1.0), (2.0, 0.5)], 1.5),  # apart
        ([(0.0, 1.0), (0.5, 1.0)], 1.5),  # overlapping: counted once
        ([(0.0, 2.0), (0.5, 0.5)], 2.0),  # nested
        ([(0.0, None)], 0.0),  # not answered yet
    ],
)
def test_time_inside_calls_is_the_union_of_their_spans(spans, busy):
    requests = [{"started": 1000.0 + start, "seconds": seconds} for start, seconds in spans]
    assert measure.busy_seconds(requests) == pytest.approx(busy)


def test_a_release_changes_one_variable_of_the_container():
    spec = {"family": "helloapp", "containerDefinitions": [{"name": "helloapp", "environment": [{"name": "A"}]}]}
    released = stack.with_release(stack.with_release(spec, "helloapp", "ours-1"), "helloapp", "ours-2")
    assert released["containerDefinitions"][0]["environment"] == [
        {"name": "A"},
        {"name": "BENCH_RELEASE", "value": "ours-2"},
    ]
    assert spec["containerDefinitions"][0]["environment"] == [{"name": "A"}]
    assert "ContainerPort: 8000" in stack.appspec("helloapp", 8000)


def test_release_settings_come_from_the_role_defaults():
    settings = stack.release_settings()
    assert all(settings[key] is not None for key in report.SEED), settings


@pytest.mark.parametrize("kind", ["junit", "durations"])
def test_suite_figures_from_a_report(tmp_path, kind):
    if kind == "junit":
        path = tmp_path / "junit.xml"
        path.write_text(
            '<testsuites><testsuite name="pytest" tests="3" time="1730.5">'
            '<testcase classname="tests.e2e.test_site_ecs" name="a" time="300"/>'
            '<testcase classname="tests.e2e.test_site_ecs" name="b" time="200"/>'
            '<testcase classname="tests.unit.test_codedeploy_utils" name="c" time="0.5"/>'
            "</testsuite></testsuites>"
        )
        expected_seconds, tests = 1730.5, 3
    else:
        path = tmp_path / "pytest.txt"
        path.write_text(
            "===== slowest 20 durations =====\n"
            "300.00s setup    tests/e2e/test_site_ecs.py::a\n"
            "200.00s call     tests/e2e/test_site_ecs.py::b\n"
            "0.50s call     tests/unit/test_codedeploy_utils.py::c\n"
            "===== 3 passed in 1730.50s (0:28:50) =====\n"
        )
        expected_seconds, tests = 1730.5, None
    found = suite.read(str(path))
    assert found["seconds"] == expected_seconds and found["tests"] == tests
    assert found["slowest"] == [
        {"file": "tests/e2e/test_site_ecs.py", "seconds": 500.0},
        {"file": "tests/unit/test_codedeploy_utils.py", "seconds": 0.5},
    ]
    assert "no report" in suite.read(str(tmp_path / "missing.xml"))["missing"]


def _summary(seconds: float, calls: int, label: str = "run") -> dict:
    run = measure.Run(label, [], 0, seconds, calls, seconds / 10, False, {"ecs:DescribeServices": calls}, {"ok": 50})
    return measure.summarize([run])


RESULTS = {
    "machine": {"cores": 2, "awscli": "1.46.3"},
    "load_before": [0.2, 0.2, 0.2],
    "load_after": [0.2, 0.2, 0.2],
    "runs": 1,
    "time_scale": 20,
    "site_resources": [f"r:{i}" for i in range(20)],
    "peer_resources": [f"p:{i}" for i in range(10)],
    "cold": _summary(60.0, 200),
    "peer_cold": _summary(30.0, 90),
    "nochange": _summary(20.0, 40),  # 2 calls and 1 s per resource
    "peer_nochange": _summary(20.0, 37),  # 2 s per resource
    "deploy": _summary(6.0, 10),
    "codedeploy": {"ours": _summary(8.0, 9), "cli": _summary(16.0, 9)},
    "wrk": {
        "seconds": 10,
        "connections": 16,
        "threads": 2,
        "gunicorn": {"rps": 5000.0, "p50_ms": 2.0, "p99_ms": 9.0, "errors": 0, "raw": [{"rps": 5000.0}]},
        "flask_dev_server": {"rps": 1000.0, "p50_ms": 8.0, "p99_ms": 30.0, "errors": 0, "raw": [{"rps": 1000.0}]},
    },
    "suite": {"source": "junit.xml", "kind": "JUnit XML", "tests": 3, "seconds": 1730.5, "slowest": []},
    "defaults": stack.release_settings(),
}


@pytest.mark.parametrize(
    ("change", "missed"),
    [
        ({}, []),
        ({"nochange": _summary(20.0, 41)}, ["at most 2 AWS calls"]),
        ({"peer_nochange": _summary(19.0, 37)}, ["half the peer's seconds"]),
        ({"deploy": _summary(6.7, 10)}, ["under a third"]),
        ({"codedeploy": {"ours": _summary(8.0, 10), "cli": _summary(16.0, 9)}}, ["no more AWS calls"]),
        ({"wrk.flask_dev_server.rps": 1001.0}, ["5 times"]),
        ({"wrk.gunicorn.p99_ms": 30.0}, ["5 times"]),
    ],
)
def test_each_target_met_or_missed_at_its_boundary(change, missed):
    results = copy.deepcopy(RESULTS)
    for key, value in change.items():
        *path, last = key.split(".")
        node = results
        for part in path:
            node = node[part]
        node[last] = value
    verdicts = report.targets(results)
    assert len(verdicts) == 5
    assert [name for name, verdict in verdicts if "**missed**" in verdict] == [
        name for name, _ in verdicts if any(m in name for m in missed)
    ]
    assert all("**met**" in v or "**missed**" in v for _, v in verdicts)
    text = report.render(results)
    assert "not measured" not in text.split("## On paper")[0]


def test_paper_release_arithmetic():
    seed = report.paper(report.SEED | {"deployment_config": "CodeDeployDefault.ECSAllAtOnce"})
    # 40 s start + 5 x 30 s healthy + 2 x 5 s reroutes = 200 s; + 3600 s wait + 300 s drain + 5 s stop = 4105 s
    assert any("**Production on the new version** | **200** | **200**" in line for line in seed)
    assert any("**Deployment succeeded** | **4105**" in line for line in seed)


def test_tiny_bench_run(tmp_path):
    """One real run of the bench, small: its own emulator, the peer on an empty account, and a suite report."""
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuite time="12.5"><testcase classname="tests.bench.test_bench" name="x" time="2"/></testsuite>'
    )
    out, raw = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", "--runs", "1", "--sections", "peer,suite", "--cold-only"]
    command += ["--suite-report", str(junit), "--out", str(out), "--json", str(raw)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads(raw.read_text())
    kinds = measure.kinds(set(results["peer_resources"]))
    assert kinds == {
        "ecr-repository": 1,
        "ecs-cluster": 1,
        "ecs-service": 1,
        "iam-role": 2,
        "listener": 2,
        "load-balancer": 1,
        "log-group": 1,
        "security-group": 2,
        "target-group": 2,
        "task-definition-family": 1,
    }
    (run,) = results["peer_cold"]["runs"]
    assert run["rc"] == 0 and run["calls"] > len(results["peer_resources"])
    assert 0 < run["calls_seconds"] < run["seconds"]
    assert run["actions"]["ecs:CreateService"] == 1 and run["recap"]["changed"] >= 10
    assert "peer_nochange" not in results and "wrk" not in results
    text = out.read_text()
    assert "| peer (`bench/peer.yml`), cold | 1 |" in text and "`tests/bench/test_bench.py` | 2.0 |" in text
    assert "## On paper: a real blue/green release" in text
    assert not (ROOT / "build" / f"awsemu-{results['emulator_port']}.pid").exists(), "the emulator was left running"
