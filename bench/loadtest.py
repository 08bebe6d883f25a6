"""hello_app under wrk on 127.0.0.1: our gunicorn container against the seed's Flask development server.

Both run the same image (built from hello_app/ with the local inventory's build arguments, as the ecr role
builds it); only the command differs. The development server is the seed's ``app.run(host="0.0.0.0")``.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import yaml

from bench.measure import ROOT

DEV_SERVER = ["python3", "-c", "from hello_app import create_app; create_app().run(host='0.0.0.0', port=8000)"]
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _docker(*args: str, timeout: float = 600) -> str:
    proc = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout.strip()


def build(tag: str) -> None:
    inventory = yaml.safe_load((ROOT / "inventory" / "local" / "group_vars" / "all" / "main.yml").read_text())
    build_args = [a for k, v in inventory["app_image_build_args"].items() for a in ("--build-arg", f"{k}={v}")]
    _docker("build", "--network", "none", *build_args, "--tag", tag, str(ROOT / "hello_app"))


def start(image: str, command: list[str]) -> tuple[str, str]:
    """A container published on 127.0.0.1 only (a port Docker picks); returns (id, url) once /healthz answers."""
    cid = _docker("run", "--detach", "--publish", "127.0.0.1::8000", image, *command)
    port = _docker("port", cid, "8000/tcp").split()[0].rsplit(":", 1)[1]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return cid, url
        except OSError:
            time.sleep(0.2)
    logs = subprocess.run(["docker", "logs", cid], capture_output=True, text=True, check=False)
    _docker("rm", "--force", cid)
    raise RuntimeError(f"{image} {' '.join(command)} never answered /healthz:\n{logs.stdout}{logs.stderr}")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Requests/s, p50 and p99 (ms) and errors from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    failed = sum(int(g) for g in errors.groups()) if errors else 0
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99, "errors": failed + (int(non2xx.group(1)) if non2xx else 0)}


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    proc = subprocess.run(
        ["wrk", "--threads", "2", "--connections", str(connections), "--duration", f"{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    return parse_wrk(proc.stdout)


def compare(run_id: str, runs: int, seconds: int, connections: int, log: Callable[[str], None]) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed (Debian package wrk; make host-deps installs it as root)")
    image = f"helloapp-bench-{run_id}"
    build(image)
    servers = {"gunicorn": [], "flask_dev_server": DEV_SERVER}
    raw: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    started = {}
    try:
        for name, command in servers.items():
            started[name] = start(image, command)
        for i in range(runs):  # alternate, so a load spike on the machine hits both
            for name in servers:
                figures = wrk(f"{started[name][1]}/", seconds, connections)
                log(f"wrk {name} #{i + 1}: {figures}")
                raw[name].append(figures)
    finally:
        for cid, _url in started.values():
            subprocess.run(["docker", "rm", "--force", cid], capture_output=True, check=False)
        subprocess.run(["docker", "image", "rm", "--force", image], capture_output=True, check=False)
    result: dict[str, Any] = {"seconds": seconds, "connections": connections, "threads": 2}
    for name, values in raw.items():
        result[name] = {key: round(statistics.median(v[key] for v in values), 3) for key in values[0]}
        result[name]["raw"] = values
    return result
