"""Fixtures shared by the whole suite: a private local AWS emulator per test session, and playbook runs.

- ``emulator`` (session): a fresh ``python -m awsemu`` on a free 127.0.0.1 port, one per pytest
  process (so each pytest-xdist worker has its own). It does NOT reset state between tests, so
  module-scoped fixtures can build a stack once and several tests can read it (call
  ``emulator.reset()`` at the start of such a fixture). ``make test`` distributes whole files
  (``--dist loadfile``): a module's tests run on one worker, in file order, so they may build on what
  the previous test left. Modules must not share anything else: images pushed to ``emulator.registry``
  are the emulator's own, but the Docker engine's local copies (named after the repository) and the
  plain registry on 127.0.0.1:5000 (container tests) are shared by all workers, so give repositories
  names of the module's own. Do not rely on ``xdist_group``: pytest-xdist 3.8 under
  pytest 9.2 ignores it without a word (pytest-dev/pytest-xdist#1386).
- Strict mode: each emulator runs with ``AWSEMU_STRICT=1``, so every answer it gives is checked against
  botocore's output shape for the operation (``awsemu/strict.py``). After each test that used the
  emulator, ``_strict_answers`` fails it (an error at teardown) with the operation, the member path
  and the problem of every violation its calls caused; violations caused while module- or
  session-scoped fixtures were set up or torn down fail the next test at set-up, or the session.
- ``aws`` (function): resets the emulator (moto's state, ours, the request log, faults, the clock
  scale) and returns it. Tests marked ``@pytest.mark.emulator`` get it automatically.
- ``ansible_playbook`` (function): runs ``.venv/bin/ansible-playbook`` from the repository root
  against the emulator and returns rc, output and the PLAY RECAP per host.

The emulator's time scale is ``--emulator-time-scale`` (default: ``$AWSEMU_TIME_SCALE`` or 1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from awsemu.handle import EmulatorHandle, free_port
from tests.support import REGISTRY_BACKEND, docker_problem, registry_problem, unavailable

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
START_TIMEOUT = 30.0


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--emulator-time-scale",
        default=os.environ.get("AWSEMU_TIME_SCALE", "1"),
        help="AWSEMU_TIME_SCALE of the test emulator (emulated seconds per real second)",
    )


# The longest test files, longest first (seconds of one file on one worker, from `--durations` of a whole run).
# `make test` runs three workers with `--dist loadfile --no-loadscope-reorder`: each worker takes the next file
# in collection order, so these start first and the short files fill in around them. With xdist's default
# reorder (files with the most tests first) the one-test AWX and molecule files came last and one worker ran
# alone for the last ~35 minutes of a loaded run. A file not listed keeps its place after these.
LONGEST_FIRST = (  # seconds in a fresh-clone `make test` on 3 workers (junit), 2026-12-02, then as noted
    "tests/e2e/test_bluegreen.py",  # 424 s; about 660 s with the migrate tests, more with the alarm and gate tests
    "tests/e2e/test_site_ecs.py",  # 642 s
    "tests/e2e/test_native_release.py",  # 348 s alone with the linear/PAUSE test (2026-12-04, load ~2)
    "tests/roles/test_iam_role.py",  # 314 s
    "tests/roles/test_alb.py",  # 192 s; plus the HTTPS tests (343 s of them alone at load ~10, 2026-12-04)
    "tests/awx/test_runner_jobs.py",  # 295 s
    "tests/roles/test_ecs_service.py",  # 287 s
    "tests/roles/test_codepipeline_molecule.py",  # 242 s
    "tests/e2e/test_prebuilt_image.py",  # 236 s alone (issue 16, 2026-12-02: -x -q, one worker)
    "tests/roles/test_codepipeline.py",  # 96 s; plus the approval stage's two runs (2026-12-04)
    "tests/e2e/test_whoami_stack.py",  # 169 s alone (issue 16, 2026-12-02: -x -q, one worker)
    "tests/roles/test_ecr.py",  # 116 s
    "tests/roles/test_ecs_cluster.py",  # 81 s
)


def _schedule_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Anything that talks to the emulator carries the marker, so `-m "not emulator"` selects the rest.
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "emulator" in names and item.get_closest_marker("emulator") is None:
            item.add_marker(pytest.mark.emulator)
    items.sort(key=_schedule_rank)  # stable: tests within a file, and unlisted files, keep their order


def python_executable() -> str:
    venv_python = VENV_BIN / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


@dataclass
class EmulatorProcess(EmulatorHandle):
    """A running awsemu: its URL, admin helpers and boto3 clients pointed at it (``awsemu.handle``)."""

    port: int
    log_path: Path
    time_scale: str = "1"
    proc: subprocess.Popen | None = field(default=None, repr=False)

    # --- lifecycle
    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(MOTO_IAM_LOAD_MANAGED_POLICIES="true", AWSEMU_TIME_SCALE=str(self.time_scale), AWSEMU_STRICT="1")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [python_executable(), "-m", "awsemu", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"awsemu exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                if self.admin("health").get("status") == "ok":
                    return
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"awsemu not ready on {self.url} after {START_TIMEOUT}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(scope="session")
def emulator(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A private emulator for this pytest process (each xdist worker starts its own)."""
    scale = str(request.config.getoption("--emulator-time-scale"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    last_error: Exception | None = None
    for _attempt in range(3):  # a free port can be taken between probing and binding it
        port = free_port()
        emu = EmulatorProcess(port=port, log_path=tmp_path_factory.mktemp(f"awsemu-{worker}") / "awsemu.log")
        emu.time_scale = scale
        try:
            emu.start()
        except RuntimeError as err:
            last_error = err
            continue
        try:
            yield emu
            left = emu.take_violations()
            if left:  # caused by the teardown of module- or session-scoped fixtures
                pytest.fail(strict_report(left, "while fixtures were torn down at the end of the session"))
        finally:
            emu.stop()
        return
    raise RuntimeError(f"could not start the emulator: {last_error}")


def strict_report(violations: list[dict[str, Any]], when: str) -> str:
    """One line per distinct violation: operation, member path, problem, and how often."""
    counts: dict[tuple[str, str, str, str], int] = {}
    for v in violations:
        key = (f"{v['service']}.{v['operation']}", v["handler"], v["path"], v["problem"])
        counts[key] = counts.get(key, 0) + 1
    lines = [f"strict mode: {len(violations)} answer(s) of the emulator do not fit botocore's model ({when}):"]
    for (operation, handler, path, problem), count in sorted(counts.items()):
        lines.append(f"  {operation} [{handler}] {path}: {problem}" + (f" (x{count})" if count > 1 else ""))
    return "\n".join(lines)


@pytest.fixture(autouse=True)
def _strict_answers(request: pytest.FixtureRequest):
    """Fail a test whose emulator calls got an answer that does not fit botocore's output shape."""
    if "emulator" not in request.fixturenames:
        yield
        return
    emu = request.getfixturevalue("emulator")
    earlier = emu.take_violations()
    if earlier:
        pytest.fail(strict_report(earlier, "while module- or session-scoped fixtures were set up or torn down"))
    yield
    caused = emu.take_violations()
    if caused:
        pytest.fail(strict_report(caused, f"during {request.node.nodeid}"))


@pytest.fixture
def aws(emulator: EmulatorProcess) -> EmulatorProcess:
    """The session emulator, reset to an empty account before the test."""
    emulator.reset()
    return emulator


@pytest.fixture(autouse=True)
def _reset_for_emulator_tests(request: pytest.FixtureRequest) -> None:
    # Tests marked `emulator` that ask for neither fixture get a reset emulator; tests that ask for
    # `emulator` itself keep state built by module-scoped fixtures.
    names = request.fixturenames
    if request.node.get_closest_marker("emulator") is not None and "aws" not in names and "emulator" not in names:
        request.getfixturevalue("aws")


# --- ansible-playbook
_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


@dataclass
class PlaybookResult:
    rc: int
    stdout: str
    stderr: str
    stats: dict[str, dict[str, int]]
    command: list[str]

    def changed(self, host: str = "localhost") -> int:
        return self.stats.get(host, {}).get("changed", -1)

    def failed(self, host: str = "localhost") -> int:
        return self.stats.get(host, {}).get("failed", -1)

    def __str__(self) -> str:  # what an assertion message shows
        return f"$ {' '.join(self.command)}\nrc={self.rc}\n{self.stdout[-6000:]}\n{self.stderr[-3000:]}"


def parse_recap(output: str) -> dict[str, dict[str, int]]:
    """The PLAY RECAP lines as {host: {ok, changed, unreachable, failed, skipped, rescued, ignored}}."""
    stats: dict[str, dict[str, int]] = {}
    in_recap = False
    for line in output.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap, stats = True, {}
            continue
        if in_recap:
            match = _RECAP.match(line.strip())
            if match:
                counts = dict(item.split("=") for item in match["counts"].split())
                stats[match["host"]] = {key: int(value) for key, value in counts.items()}
            elif line.strip():
                in_recap = False
    return stats


@pytest.fixture(scope="session")  # stateless, so module-scoped fixtures (one converge per module) can use it
def ansible_playbook(emulator: EmulatorProcess):
    """``run(playbook, extra_vars=None, tags=None, skip_tags=None, check=False, diff=False, ...)``.

    Runs from the repository root with ANSIBLE_CONFIG, the emulator's environment and ``-i inventory/local``;
    returns a PlaybookResult (rc, stdout, stderr, stats per host from PLAY RECAP).
    """

    def run(
        playbook: str | os.PathLike,
        *,
        extra_vars: dict[str, Any] | None = None,
        tags: str | list[str] | None = None,
        skip_tags: str | list[str] | None = None,
        check: bool = False,
        diff: bool = False,
        inventory: str = "inventory/local",
        limit: str | None = None,
        verbosity: int = 0,
        env: dict[str, str] | None = None,
        timeout: float = 900,
    ) -> PlaybookResult:
        binary = VENV_BIN / "ansible-playbook"
        command = [str(binary) if binary.exists() else (shutil.which("ansible-playbook") or "ansible-playbook")]
        command += ["-i", inventory, str(playbook)]
        if extra_vars:
            command += ["-e", json.dumps(extra_vars)]
        if tags:
            command += ["--tags", tags if isinstance(tags, str) else ",".join(tags)]
        if skip_tags:
            command += ["--skip-tags", skip_tags if isinstance(skip_tags, str) else ",".join(skip_tags)]
        if check:
            command.append("--check")
        if diff:
            command.append("--diff")
        if limit:
            command += ["--limit", limit]
        if verbosity:
            command.append("-" + "v" * verbosity)
        run_env = emulator.run_env(extra=env)
        proc = subprocess.run(
            command, cwd=ROOT, env=run_env, capture_output=True, text=True, timeout=timeout, check=False
        )
        return PlaybookResult(proc.returncode, proc.stdout, proc.stderr, parse_recap(proc.stdout), command)

    run.parse_recap = parse_recap  # type: ignore[attr-defined]
    return run


@pytest.fixture(scope="session")
def docker_ready() -> None:
    """A Docker engine, the base image, the wheelhouse and the registry on 127.0.0.1:5000, or the test skips (fails
    under REQUIRE_DOCKER=1). Checked once per session: make host-deps and make base-image provide them."""
    problem = docker_problem()
    if problem:
        unavailable(problem)


@pytest.fixture(scope="session")
def registry_ready() -> str:
    """Debian's docker-registry (127.0.0.1:5000), behind every emulator's ECR registry, or the test skips (fails
    under REQUIRE_DOCKER=1). Images of ECR repositories are pushed to ``emulator.registry``."""
    problem = registry_problem()
    if problem:
        unavailable(problem)
    return REGISTRY_BACKEND
