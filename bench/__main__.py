"""``python -m bench``: the figures of issue 14 on a private emulator, written to BENCHMARKS.md (see bench/README.md).

python -m bench                       # every section, 3 runs each (make bench)
python -m bench --runs 5 --out BENCHMARKS.md --suite-report build/ci-junit.xml
python -m bench --runs 1 --sections peer,suite --cold-only    # what tests/bench runs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench import loadtest, measure, report, stack, suite
from bench.measure import ROOT, VENV_BIN, Emulator, Run

SECTIONS = ("cold", "nochange", "deploy", "peer", "codedeploy", "wrk", "suite")
# Emulated seconds per real second: a CodeDeploy release (about a minute emulated) takes a few real seconds, as
# in the e2e tests; rolling updates wait for a steady state on the same clock.
TIME_SCALE = 20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")), help="runs per figure")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument("--no-wrk", action="store_true", help="leave the load test out")
    parser.add_argument(
        "--cold-only", action="store_true", help="only the cold converges of the selected sections (tests/bench)"
    )
    parser.add_argument("--wrk-seconds", type=int, default=10, help="duration of each wrk run")
    parser.add_argument("--wrk-connections", type=int, default=16)
    parser.add_argument(
        "--suite-report",
        default=os.environ.get("BENCH_SUITE_REPORT", ""),
        help="JUnit XML (pytest --junitxml) or saved pytest output with --durations; default build/ci-junit.xml",
    )
    parser.add_argument("--suite-seconds", type=float, default=None, help="wall time of make test, if known")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"), help="the Markdown report")
    parser.add_argument("--json", default=str(ROOT / "build" / "bench" / "results.json"), help="raw results")
    parser.add_argument("--render-only", action="store_true", help="render --out from --json without measuring")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = sorted(set(args.sections) - set(SECTIONS))
    if unknown:
        parser.error(f"--sections: unknown {unknown}; allowed: {', '.join(SECTIONS)}")
    if args.no_wrk and "wrk" in args.sections:
        args.sections.remove("wrk")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def check(run: Run) -> Run:
    log(f"{run.label}: {run.seconds:.1f}s, {run.calls} AWS calls, rc={run.rc}, recap {run.recap}")
    if run.rc != 0:
        raise SystemExit(f"bench: {run.label} failed (rc {run.rc}):\n{run.output_tail}")
    if run.truncated:
        raise SystemExit(f"bench: {run.label} made more calls than the emulator's request log keeps")
    return run


class Bench:
    def __init__(self, args: argparse.Namespace, emulator: Emulator) -> None:
        self.args = args
        self.emu = emulator
        self.run_id = uuid.uuid4().hex[:6]
        # A repository of its own: the registry stand-in behind every emulator is shared with the other users.
        self.stack_vars: dict[str, Any] = {
            "app_repository_name": f"bench-{self.run_id}/helloapp",
            "app_image_tag": "bench-v1",
            "app_welcome_route": True,
        }
        self.results: dict[str, Any] = {"sections": args.sections, "runs": args.runs, "time_scale": TIME_SCALE}

    @property
    def peer_vars(self) -> dict[str, Any]:
        image = f"{self.emu.registry}/{self.stack_vars['app_repository_name']}:{self.stack_vars['app_image_tag']}"
        return {"peer_name": "peer", "peer_image": image}

    def site(self, label: str, extra: dict[str, Any] | None = None, tags: str | None = None) -> Run:
        command = measure.playbook("site.yml", {**self.stack_vars, **(extra or {})}, tags=tags)
        return check(measure.measure(self.emu, label, command, timeout=1800))

    def peer(self, label: str) -> Run:
        return check(measure.measure(self.emu, label, measure.playbook("bench/peer.yml", self.peer_vars), timeout=900))

    # --- cold, no-change, --tags deploy and the peer (one account, interleaved so load hits both alike)
    def converge_sections(self) -> None:
        sections, n = self.args.sections, self.args.runs
        with_site = any(s in sections for s in ("cold", "nochange", "deploy"))
        with_peer = "peer" in sections
        cold_site: list[Run] = []
        cold_peer: list[Run] = []
        site_resources: set[str] = set()
        peer_resources: set[str] = set()
        for i in range(n if "cold" in sections or with_peer else 1):
            self.emu.reset()
            baseline = measure.inventory(self.emu)
            if with_site:
                cold_site.append(self.site(f"site.yml cold #{i + 1}"))
                site_resources = measure.inventory(self.emu) - baseline
            if with_peer:
                cold_peer.append(self.peer(f"peer.yml cold #{i + 1}"))
                peer_resources = measure.inventory(self.emu) - baseline - site_resources
        nochange_site: list[Run] = []
        nochange_peer: list[Run] = []
        for i in range(0 if self.args.cold_only else n):
            if "nochange" in sections:
                nochange_site.append(self.site(f"site.yml no-change #{i + 1}"))
            if with_peer:
                nochange_peer.append(self.peer(f"peer.yml no-change #{i + 1}"))
        deploy: list[Run] = []
        if "deploy" in sections and not self.args.cold_only:
            for i in range(n):
                deploy.append(self.site(f"site.yml --tags deploy #{i + 1}", tags="deploy"))
        if with_site:
            self.results["site_resources"] = sorted(site_resources)
            if "cold" in sections:
                self.results["cold"] = measure.summarize(cold_site)
            if nochange_site:
                self.results["nochange"] = measure.summarize(nochange_site)
            if deploy:
                self.results["deploy"] = measure.summarize(deploy)
        if with_peer:
            self.results["peer_resources"] = sorted(peer_resources)
            self.results["peer_cold"] = measure.summarize(cold_peer)
            if nochange_peer:
                self.results["peer_nochange"] = measure.summarize(nochange_peer)

    # --- our CodeDeploy module against `aws ecs deploy`, releases of the same spec, alternating
    def codedeploy_section(self) -> None:
        self.emu.reset()
        extra = {"app_release_strategy": "codedeploy"}
        setup = self.site("site.yml cold (CODE_DEPLOY, setup)", extra)
        names = stack.names(self.emu)
        spec = stack.task_definition_spec(self.emu, names)
        ours: list[Run] = []
        cli: list[Run] = []
        with tempfile.TemporaryDirectory(prefix="bench-cd-") as tmp:
            for i in range(self.args.runs):
                release = stack.with_release(spec, names["container"], f"ours-{i + 1}")
                extra_vars = {
                    **self.stack_vars,
                    "bench_spec": release,
                    "bench_container_name": names["container"],
                    "bench_container_port": names["port"],
                }
                command = measure.playbook("bench/codedeploy.yml", extra_vars)
                ours.append(check(measure.measure(self.emu, f"codedeploy_deployment #{i + 1}", command, timeout=900)))
                taskdef = Path(tmp) / f"taskdef-{i}.json"
                taskdef.write_text(json.dumps(stack.with_release(spec, names["container"], f"cli-{i + 1}")))
                appspec = Path(tmp) / "appspec.yaml"
                appspec.write_text(stack.appspec(names["container"], names["port"]))
                command = [
                    str(VENV_BIN / "aws"),
                    "ecs",
                    "deploy",
                    "--cluster",
                    names["cluster"],
                    "--service",
                    names["service"],
                    "--task-definition",
                    str(taskdef),
                    "--codedeploy-appspec",
                    str(appspec),
                    "--codedeploy-application",
                    names["application"],
                    "--codedeploy-deployment-group",
                    names["group"],
                ]
                cli.append(check(measure.measure(self.emu, f"aws ecs deploy #{i + 1}", command, timeout=900)))
        self.results["codedeploy"] = {
            "setup_seconds": setup.seconds,
            "ours": measure.summarize(ours),
            "cli": measure.summarize(cli),
        }

    def wrk_section(self) -> None:
        self.results["wrk"] = loadtest.compare(
            self.run_id, self.args.runs, self.args.wrk_seconds, self.args.wrk_connections, log
        )

    def cleanup(self) -> None:
        from tests.support import remove_local_images

        remove_local_images(self.emu.registry, self.stack_vars["app_repository_name"])


def machine() -> dict[str, Any]:
    def version(*command: str) -> str:
        path = shutil.which(command[0], path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
        if path is None:
            return "not installed"
        proc = subprocess.run([path, *command[1:]], capture_output=True, text=True, check=False)
        return (proc.stdout or proc.stderr).strip().splitlines()[0] if (proc.stdout or proc.stderr).strip() else "?"

    from importlib.metadata import version as dist_version

    collections = {}
    for name in ("amazon/aws", "community/aws"):
        manifest = next(
            iter(Path(sys.prefix).glob(f"lib/python*/site-packages/ansible_collections/{name}/MANIFEST.json")), None
        )
        if manifest is not None:
            collections[name.replace("/", ".")] = json.loads(manifest.read_text())["collection_info"]["version"]
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "ansible-core": dist_version("ansible-core"),
        "ansible": dist_version("ansible"),
        **collections,
        "boto3": dist_version("boto3"),
        "moto": dist_version("moto"),
        "awscli": dist_version("awscli"),
        "docker": version("docker", "version", "--format", "{{.Server.Version}}"),
        "wrk": version("wrk", "--version").split(" [")[0].replace("debian/", ""),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out, raw = Path(args.out), Path(args.json)
    if args.render_only:
        out.write_text(report.render(json.loads(raw.read_text())))
        log(f"wrote {out}")
        return 0
    started = time.time()
    results: dict[str, Any] = {"machine": machine(), "load_before": list(os.getloadavg())}
    needs_emulator = any(s in args.sections for s in ("cold", "nochange", "deploy", "peer", "codedeploy"))
    emulator = Emulator(TIME_SCALE)
    results["emulator_port"] = emulator.port
    bench = Bench(args, emulator)
    try:
        if needs_emulator:
            emulator.start()
            log(f"emulator on {emulator.url} (time scale {TIME_SCALE})")
            bench.converge_sections()
            if "codedeploy" in args.sections:
                bench.codedeploy_section()
            bench.results["strict_violations"] = emulator.violations()
        if "wrk" in args.sections:
            bench.wrk_section()
    finally:
        if needs_emulator:
            bench.cleanup()
            emulator.stop()
    results.update(bench.results)
    if "suite" in args.sections:
        results["suite"] = suite.read(args.suite_report or str(ROOT / "build" / "ci-junit.xml"), args.suite_seconds)
    results["load_after"] = list(os.getloadavg())
    results["bench_seconds"] = round(time.time() - started, 1)
    results["date"] = time.strftime("%Y-%m-%d %H:%M %Z")
    results["defaults"] = stack.release_settings()
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps(results, indent=2) + "\n")
    out.write_text(report.render(results))
    log(f"wrote {out} and {raw} in {results['bench_seconds']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
