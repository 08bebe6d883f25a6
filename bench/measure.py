"""What make bench measures with: a private emulator, timed playbook and command runs, the account's resources.

Every run is measured the same way: wall-clock time around the process, the AWS calls it made from the
emulator's request log (``/_emulator/requests``, cleared before the run), and the time spent inside those calls
from each entry's real ``started``/``seconds`` (the emulator's handling time; on loopback the network adds
almost nothing). Time outside AWS calls is the client's own: Ansible's per-task overhead, templating, Python
start-up of modules, Docker builds.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from awsemu.handle import EmulatorHandle, free_port

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
# The emulator keeps the last 2,000 calls (awsemu/server.py); a run that reaches it is reported as truncated.
REQUEST_LOG_SIZE = 2000
_RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+(?P<counts>(?:\w+=\d+\s*)+)$")


class Emulator(EmulatorHandle):
    """A private emulator started with scripts/emulator.sh on a free port (never the shared 4566)."""

    http_timeout = 60.0

    def __init__(self, time_scale: float, port: int | None = None) -> None:
        self.port = port or free_port()
        self.time_scale = time_scale

    def _script(self, action: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWSEMU_PORT=str(self.port), AWSEMU_TIME_SCALE=str(self.time_scale), AWSEMU_STRICT="1")
        proc = subprocess.run(
            [str(ROOT / "scripts" / "emulator.sh"), action], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise RuntimeError(f"scripts/emulator.sh {action} failed:\n{proc.stdout}{proc.stderr}")

    def start(self) -> None:
        self._script("up")

    def stop(self) -> None:
        self._script("down")

    def reset(self) -> None:
        super().reset()
        self.admin("clock", "POST", {"scale": self.time_scale})

    def requests(self) -> list[dict[str, Any]]:
        return self.admin("requests")["requests"]

    def clear_requests(self) -> None:
        self.admin("requests", "DELETE")

    def violations(self) -> list[str]:
        """The operations whose answers strict mode found not to fit botocore's model, with their counts."""
        found = Counter(f"{v['service']}.{v['operation']}" for v in self.admin("strict")["violations"])
        return [f"{operation} x{count}" for operation, count in sorted(found.items())]

    def client(self, service: str) -> Any:
        return self.boto3_client(service)


@dataclass
class Run:
    """One measured process: what ran, how long, which AWS calls, and Ansible's recap when it was a playbook."""

    label: str
    command: list[str]
    rc: int
    seconds: float
    calls: int
    calls_seconds: float
    truncated: bool
    actions: dict[str, int]
    recap: dict[str, int] = field(default_factory=dict)
    output_tail: str = ""

    @property
    def outside_share(self) -> float:
        """The share of the wall time spent outside AWS calls (0..1)."""
        return max(0.0, 1.0 - self.calls_seconds / self.seconds) if self.seconds else 0.0

    @property
    def tasks(self) -> int:
        """Tasks that ran on localhost (ok counts changed ones too), without the skipped ones."""
        return self.recap.get("ok", 0) + self.recap.get("failed", 0)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outside_share"] = round(self.outside_share, 4)
        data["tasks"] = self.tasks
        return data


def parse_recap(output: str, host: str = "localhost") -> dict[str, int]:
    """The last PLAY RECAP line of ``host`` as {ok, changed, unreachable, failed, skipped, rescued, ignored}."""
    for line in reversed(output.splitlines()):
        match = _RECAP.match(line.strip())
        if match and match["host"] == host:
            return {key: int(value) for key, value in (item.split("=") for item in match["counts"].split())}
    return {}


def busy_seconds(requests: list[dict[str, Any]]) -> float:
    """Seconds covered by at least one call (the union of [started, started + seconds]: calls may overlap)."""
    spans = sorted(
        (r["started"], r["started"] + r["seconds"]) for r in requests if r.get("started") and r.get("seconds")
    )
    total, end = 0.0, float("-inf")
    for start, stop in spans:
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def measure(emulator: Emulator, label: str, command: list[str], env: dict[str, str] | None = None, **kw: Any) -> Run:
    """Run ``command`` from the repository root against ``emulator`` and measure it."""
    # No ANSIBLE_ setting of the caller's either: the figures are those of the repository's ansible.cfg.
    run_env = emulator.run_env(drop=("AWS_", "ANSIBLE_"), extra=env)
    emulator.clear_requests()
    start = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=run_env, capture_output=True, text=True, check=False, **kw)
    seconds = time.monotonic() - start
    requests = emulator.requests()
    actions = Counter(f"{r['service']}:{r['action']}" for r in requests)
    return Run(
        label=label,
        command=command,
        rc=proc.returncode,
        seconds=round(seconds, 3),
        calls=len(requests),
        calls_seconds=round(busy_seconds(requests), 3),
        truncated=len(requests) >= REQUEST_LOG_SIZE,
        actions=dict(actions.most_common()),
        recap=parse_recap(proc.stdout),
        output_tail=(proc.stdout[-4000:] + proc.stderr[-2000:]) if proc.returncode else "",
    )


def playbook(playbook_path: str, extra_vars: dict[str, Any], *, tags: str | None = None) -> list[str]:
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "inventory/local", playbook_path]
    command += ["-e", json.dumps(extra_vars)]
    if tags:
        command += ["--tags", tags]
    return command


def median(values: list[float]) -> float:
    return round(statistics.median(values), 3) if values else 0.0


def summarize(runs: list[Run]) -> dict[str, Any]:
    """Medians of the runs of one kind, plus the raw figures."""
    return {
        "n": len(runs),
        "seconds": median([r.seconds for r in runs]),
        "calls": median([r.calls for r in runs]),
        "calls_seconds": median([r.calls_seconds for r in runs]),
        "outside_share": median([r.outside_share for r in runs]),
        "tasks": median([r.tasks for r in runs]),
        "changed": median([r.recap.get("changed", 0) for r in runs]),
        "raw_seconds": [r.seconds for r in runs],
        "raw_calls": [r.calls for r in runs],
        "runs": [r.as_dict() for r in runs],
    }


# --- the account's resources: one list call per type; "managed" = what a converge added to the account
def _safe(fn: Any) -> list[str]:
    try:
        return list(fn())
    except Exception:  # a type the emulator does not answer for is left out of the count (said in the report)
        return []


def inventory(emulator: Emulator) -> set[str]:
    """Every resource in the account the stack can own, as "type:name" (default VPC objects included)."""
    iam, ecr, logs = emulator.client("iam"), emulator.client("ecr"), emulator.client("logs")
    ec2, elbv2, ecs = emulator.client("ec2"), emulator.client("elbv2"), emulator.client("ecs")
    codedeploy, s3 = emulator.client("codedeploy"), emulator.client("s3")
    found: set[str] = set()

    def add(kind: str, names: list[str]) -> None:
        found.update(f"{kind}:{name}" for name in names)

    add("iam-role", _safe(lambda: [r["RoleName"] for r in iam.list_roles()["Roles"]]))
    add("iam-policy", _safe(lambda: [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]))
    add(
        "iam-inline-policy",
        _safe(
            lambda: [
                f"{role}/{name}"
                for role in (r["RoleName"] for r in iam.list_roles()["Roles"])
                for name in iam.list_role_policies(RoleName=role)["PolicyNames"]
            ]
        ),
    )
    add("ecr-repository", _safe(lambda: [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]]))
    add("log-group", _safe(lambda: [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]))
    add("security-group", _safe(lambda: [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]]))
    lbs = _safe(lambda: [lb["LoadBalancerArn"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]])
    add("load-balancer", [arn.split("/", 1)[1] for arn in lbs])
    listeners = _safe(
        lambda: [
            listener["ListenerArn"]
            for arn in lbs
            for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        ]
    )
    add("listener", [arn.split("/", 1)[1] for arn in listeners])
    add(
        "listener-rule",
        _safe(
            lambda: [
                rule["RuleArn"].split("/", 1)[1]
                for arn in listeners
                for rule in elbv2.describe_rules(ListenerArn=arn)["Rules"]
                if not rule.get("IsDefault")
            ]
        ),
    )
    add(
        "target-group",
        _safe(lambda: [tg["TargetGroupName"] for tg in elbv2.describe_target_groups()["TargetGroups"]]),
    )
    clusters = _safe(lambda: ecs.list_clusters()["clusterArns"])
    add("ecs-cluster", [arn.rsplit("/", 1)[1] for arn in clusters])
    add(
        "ecs-service",
        _safe(
            lambda: [
                arn.split(":service/", 1)[1] for c in clusters for arn in ecs.list_services(cluster=c)["serviceArns"]
            ]
        ),
    )
    add("task-definition-family", _safe(lambda: ecs.list_task_definition_families(status="ACTIVE")["families"]))
    apps = _safe(lambda: codedeploy.list_applications()["applications"])
    add("codedeploy-application", apps)
    add(
        "codedeploy-deployment-group",
        _safe(
            lambda: [
                f"{app}/{group}"
                for app in apps
                for group in codedeploy.list_deployment_groups(applicationName=app)["deploymentGroups"]
            ]
        ),
    )
    add("s3-bucket", _safe(lambda: [b["Name"] for b in s3.list_buckets()["Buckets"]]))
    add(
        "codecommit-repository",
        _safe(lambda: [r["repositoryName"] for r in emulator.client("codecommit").list_repositories()["repositories"]]),
    )
    add("codebuild-project", _safe(lambda: emulator.client("codebuild").list_projects()["projects"]))
    add(
        "codepipeline",
        _safe(lambda: [p["name"] for p in emulator.client("codepipeline").list_pipelines()["pipelines"]]),
    )
    add("events-rule", _safe(lambda: [r["Name"] for r in emulator.client("events").list_rules()["Rules"]]))
    add(
        "alarm",
        _safe(lambda: [a["AlarmName"] for a in emulator.client("cloudwatch").describe_alarms()["MetricAlarms"]]),
    )
    add(
        "scalable-target",
        _safe(
            lambda: [
                t["ResourceId"]
                for t in emulator.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")[
                    "ScalableTargets"
                ]
            ]
        ),
    )
    return found


INVENTORY_TYPES = (
    "IAM roles, customer managed and inline policies, ECR repositories, log groups, security groups, load "
    "balancers, listeners, non-default listener rules, target groups, ECS clusters, services and task definition "
    "families, CodeDeploy applications and deployment groups, S3 buckets, CodeCommit repositories, CodeBuild "
    "projects, pipelines, EventBridge rules, CloudWatch alarms, Application Auto Scaling targets"
)


def kinds(resources: set[str]) -> dict[str, int]:
    return dict(sorted(Counter(r.split(":", 1)[0] for r in resources).items()))
