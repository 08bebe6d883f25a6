"""BENCHMARKS.md from the bench's results (a dict, as build/bench/results.json holds it)."""

from __future__ import annotations

from typing import Any

# The seed's release settings (SEED.md part 4: console defaults). ELBv2 target group defaults for HTTP:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html (interval
# 30 s, healthy threshold 5, unhealthy threshold 2) and
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html
# (deregistration delay 300 s); the original task set kept 1 hour before termination (SEED.md).
SEED = {
    "health_check_interval": 30,
    "healthy_threshold": 5,
    "unhealthy_threshold": 2,
    "deregistration_delay": 300,
    "termination_wait_minutes": 60,
}
# Assumptions of the paper estimate, the same for both columns (see the section's text).
TASK_START_SECONDS = 40  # Fargate: ENI attachment, image pull of a ~60 MB image, interpreter start
REROUTE_SECONDS = 5  # one listener change (test, then production traffic), AllAtOnce
STOP_SECONDS = 5  # gunicorn's graceful_timeout; ECS's stopTimeout (30 s) bounds it


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _verdict(met: bool, detail: str) -> str:
    return f"**met** ({detail})" if met else f"**missed** ({detail})"


def per_resource(results: dict[str, Any]) -> dict[str, Any]:
    """Calls and seconds per managed resource of the no-change runs, ours and the peer's."""
    out: dict[str, Any] = {}
    for key, summary, resources in (
        ("ours", results.get("nochange"), results.get("site_resources")),
        ("peer", results.get("peer_nochange"), results.get("peer_resources")),
    ):
        if summary and resources:
            count = len(resources)
            out[key] = {
                "resources": count,
                "calls": summary["calls"] / count,
                "seconds": summary["seconds"] / count,
            }
    return out


def targets(results: dict[str, Any]) -> list[tuple[str, str]]:
    """Each target of issue 14 with its verdict, or why it was not measured."""
    rows: list[tuple[str, str]] = []
    pr = per_resource(results)
    ours, peer = pr.get("ours"), pr.get("peer")
    if ours:
        rows.append(
            (
                "No-change converge: at most 2 AWS calls per managed resource",
                _verdict(
                    ours["calls"] <= 2,
                    f"{ours['calls']:.2f} calls per resource"
                    + ("" if ours["calls"] <= 2 else f", {ours['calls'] / 2:.1f} times the target"),
                ),
            )
        )
    else:
        rows.append(("No-change converge: at most 2 AWS calls per managed resource", "not measured in this run"))
    if ours and peer:
        ratio = ours["seconds"] / peer["seconds"] if peer["seconds"] else float("inf")
        rows.append(
            (
                "No-change converge: at most half the peer's seconds per managed resource",
                _verdict(
                    ratio <= 0.5,
                    f"{ours['seconds']:.2f} s against the peer's {peer['seconds']:.2f} s: {ratio:.2f} times the peer's,"
                    f" target 0.50",
                ),
            )
        )
    else:
        rows.append(("No-change converge: at most half the peer's seconds per managed resource", "not measured"))
    deploy, nochange = results.get("deploy"), results.get("nochange")
    if deploy and nochange:
        share = deploy["seconds"] / nochange["seconds"]
        rows.append(
            (
                "Tag-scoped release with nothing to build: under a third of a full no-change run",
                _verdict(
                    share < 1 / 3,
                    f"{deploy['seconds']:.1f} s against {nochange['seconds']:.1f} s: {share:.0%} of it, target < 33%",
                ),
            )
        )
    else:
        rows.append(("Tag-scoped release with nothing to build: under a third of a full no-change run", "not measured"))
    codedeploy = results.get("codedeploy")
    if codedeploy:
        ours_calls, cli_calls = codedeploy["ours"]["calls"], codedeploy["cli"]["calls"]
        rows.append(
            (
                "Our deployment module: no more AWS calls than `aws ecs deploy` for the same release",
                _verdict(ours_calls <= cli_calls, f"{_f(ours_calls)} calls against {_f(cli_calls)}"),
            )
        )
    else:
        rows.append(("Our deployment module: no more AWS calls than `aws ecs deploy`", "not measured"))
    wrk = results.get("wrk")
    if wrk:
        gun, dev = wrk["gunicorn"], wrk["flask_dev_server"]
        times = gun["rps"] / dev["rps"] if dev["rps"] else float("inf")
        rows.append(
            (
                "gunicorn container: at least 5 times the development server's requests/s, with a lower p99",
                _verdict(
                    times >= 5 and gun["p99_ms"] < dev["p99_ms"],
                    f"{times:.1f} times the requests/s; p99 {gun['p99_ms']:.1f} ms against {dev['p99_ms']:.1f} ms",
                ),
            )
        )
    else:
        rows.append(("gunicorn container: at least 5 times the development server's requests/s", "not measured"))
    return rows


def _run_table(title: str, summary: dict[str, Any] | None) -> list[str]:
    if not summary:
        return [f"| {title} | not measured | | | | | |"]
    return [
        f"| {title} | {summary['n']} | {_f(summary['seconds'])} | {_f(summary['calls'], 0)} | "
        f"{_f(summary['calls_seconds'], 2)} | {summary['outside_share']:.0%} | {_f(summary['tasks'], 0)} / "
        f"{_f(summary['changed'], 0)} |"
    ]


def _raw(results: dict[str, Any]) -> list[str]:
    lines = ["| Run | s | AWS calls | s in calls | tasks | changed |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    summaries = [results.get(k) for k in ("cold", "nochange", "deploy", "peer_cold", "peer_nochange")]
    if results.get("codedeploy"):
        summaries += [results["codedeploy"]["ours"], results["codedeploy"]["cli"]]
    for summary in filter(None, summaries):
        for run in summary["runs"]:
            lines.append(
                f"| {run['label']} | {run['seconds']:.1f} | {run['calls']} | {run['calls_seconds']:.2f} | "
                f"{run['tasks']} | {run['recap'].get('changed', '')} |"
            )
    return lines


def _top_actions(summary: dict[str, Any] | None, count: int = 12) -> str:
    if not summary:
        return "n/a"
    actions = summary["runs"][len(summary["runs"]) // 2]["actions"]
    return ", ".join(f"{name} {n}" for name, n in list(actions.items())[:count])


def paper(defaults: dict[str, Any]) -> list[str]:
    """Deliver 3: a real blue/green release's expected time, our defaults against the seed's, with the arithmetic."""
    ours = {k: defaults.get(k) for k in SEED}
    lines = [
        "## On paper: a real blue/green release (Deliver 3)",
        "",
        "The emulator runs a release on a scaled clock, so these are estimates for a real account, from the settings"
        " alone. Ours are read from the role defaults (`roles/alb/defaults/main.yml`,"
        " `roles/ecs_service/defaults/main.yml`) when the bench runs; the seed's are the console defaults its"
        " walkthrough keeps (ELBv2 target group defaults for HTTP, 1 hour before the original task set ends).",
        "",
        f"Assumptions, the same for both: a replacement task is running {TASK_START_SECONDS} s after CodeDeploy"
        " starts it (Fargate ENI attachment, image pull, start-up); each listener change (test traffic, then"
        f" production traffic, `{defaults.get('deployment_config')}`) takes {REROUTE_SECONDS} s; a target turns"
        " healthy after *healthy threshold* consecutive checks, one per *interval*, the first one an interval after"
        " registration; a stopped task exits within"
        f" {STOP_SECONDS} s (gunicorn's graceful timeout).",
        "",
        "| Setting | Ours | Seed |",
        "| --- | ---: | ---: |",
    ]
    labels = {
        "health_check_interval": "Target group health check interval (s)",
        "healthy_threshold": "Healthy threshold (checks)",
        "unhealthy_threshold": "Unhealthy threshold (checks)",
        "deregistration_delay": "Deregistration delay (s)",
        "termination_wait_minutes": "Termination wait of the original task set (min)",
    }
    for key, label in labels.items():
        lines.append(f"| {label} | {ours[key]} | {SEED[key]} |")

    def timeline(s: dict[str, Any]) -> dict[str, int]:
        healthy = s["healthy_threshold"] * s["health_check_interval"]
        shifted = TASK_START_SECONDS + healthy + 2 * REROUTE_SECONDS
        wait = s["termination_wait_minutes"] * 60
        done = shifted + wait + s["deregistration_delay"] + STOP_SECONDS
        return {
            "healthy": healthy,
            "shifted": shifted,
            "wait": wait,
            "done": done,
            "done_no_wait": done - wait,
            "detect": s["unhealthy_threshold"] * s["health_check_interval"],
        }

    if any(v is None for v in ours.values()):
        lines += ["", "(some of our settings could not be read from the role defaults: no estimate)"]
        return lines
    a, b = timeline(ours), timeline(SEED)
    lines += [
        "",
        "| Step | Ours (s) | Seed (s) | Arithmetic |",
        "| --- | ---: | ---: | --- |",
        f"| Replacement task running | {TASK_START_SECONDS} | {TASK_START_SECONDS} | assumption |",
        f"| Targets healthy | {a['healthy']} | {b['healthy']} | healthy threshold x interval:"
        f" {ours['healthy_threshold']} x {ours['health_check_interval']}, {SEED['healthy_threshold']} x"
        f" {SEED['health_check_interval']} |",
        f"| Test, then production traffic | {2 * REROUTE_SECONDS} | {2 * REROUTE_SECONDS} | 2 x {REROUTE_SECONDS} |",
        f"| **Production on the new version** | **{a['shifted']}** | **{b['shifted']}** | sum of the above |",
        f"| Termination wait | {a['wait']} | {b['wait']} | minutes x 60 |",
        f"| Original targets drained | {ours['deregistration_delay']} | {SEED['deregistration_delay']} |"
        " deregistration delay |",
        f"| Original tasks stopped | {STOP_SECONDS} | {STOP_SECONDS} | assumption |",
        f"| **Deployment succeeded** | **{a['done']}** ({a['done'] / 60:.1f} min) | **{b['done']}**"
        f" ({b['done'] / 60:.1f} min) | sum |",
        f"| Succeeded, termination wait 0 (inventory/local) | {a['done_no_wait']} | {b['done_no_wait']} |"
        " without the wait |",
        f"| A bad release's targets marked unhealthy | {a['detect']} | {b['detect']} | unhealthy threshold x"
        " interval |",
        "",
        f"Production serves the new version after {a['shifted']} s with our defaults against {b['shifted']} s with"
        f" the seed's ({b['shifted'] / a['shifted']:.1f} times as long), almost all of the difference in the health"
        " check: five checks 30 s apart against two 5 s apart. The deployment as a whole is dominated by the"
        " termination wait both keep (an hour during which a rollback is one ContinueDeployment/StopDeployment away);"
        f" without it, {a['done_no_wait']} s against {b['done_no_wait']} s, where the seed's 300 s deregistration"
        " delay is the largest item. A release whose tasks fail their health check is seen after"
        f" {a['detect']} s instead of {b['detect']} s.",
    ]
    return lines


def growth(results: dict[str, Any]) -> list[str]:
    nochange = results.get("nochange")
    resources = results.get("site_resources") or []
    lines = ["", "## On paper: how the cost of a converge grows", ""]
    if not nochange or not resources:
        return [*lines, "Not measured in this run (needs the no-change section)."]
    tasks = nochange["tasks"] or 1
    outside = nochange["seconds"] * nochange["outside_share"]
    per_task = outside / tasks
    per_call = nochange["calls_seconds"] / nochange["calls"] if nochange["calls"] else 0.0
    calls_per_resource = nochange["calls"] / len(resources)
    lines += [
        f"A no-change `site.yml` ran {_f(tasks, 0)} tasks and made {_f(nochange['calls'], 0)} AWS calls for"
        f" {len(resources)} managed resources in {_f(nochange['seconds'])} s. Outside AWS calls it spent"
        f" {outside:.1f} s, {per_task:.2f} s per task; inside, {nochange['calls_seconds']:.2f} s,"
        f" {per_call * 1000:.0f} ms per call on the emulator (a real AWS call is more like 50 to 200 ms).",
        "",
        "So the wall time of a converge is about *tasks x per-task overhead + calls x call latency*, and on this"
        " machine the first term dominates: cost grows with the number of Ansible tasks far more than with the"
        " number of calls. Every stack (one `app_name`: one service with its ALB, target groups, listeners, roles,"
        " repository and log group) is its own `site.yml` run, so *n* services cost *n* times a run, in wall time and"
        f" in calls ({_f(nochange['calls'], 0)} x n per merge, {calls_per_resource:.1f} per resource), all against"
        " the account's API rate limits, which are shared with every other tool. Against a real region the call"
        f" term grows by 50 to 200 ms x {_f(nochange['calls'], 0)} = {nochange['calls'] * 0.05:.0f} to"
        f" {nochange['calls'] * 0.2:.0f} s per run; fewer calls per resource then pays as much as fewer tasks.",
    ]
    return lines


def render(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    before, after = results.get("load_before", [0, 0, 0]), results.get("load_after", [0, 0, 0])
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m bench`, see `bench/README.md`); do not edit by hand: re-run it. Every"
        " figure is a median of the runs shown under *Raw figures*, measured side by side in one run against a"
        " private emulator (moto and `awsemu/`) on a scaled clock"
        f" ({results.get('time_scale')} emulated seconds per second). AWS calls are read from the emulator's request"
        " log; the time inside them from each call's handling time there.",
        "",
        "## Machine",
        "",
        f"- {m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gib')} GiB, Linux {m.get('kernel')}; run on"
        f" {results.get('date')} at commit {m.get('commit')}, {results.get('runs')} runs per figure,"
        f" {results.get('bench_seconds')} s in all.",
        f"- Load average (1, 5, 15 min) {' / '.join(f'{x:.2f}' for x in before)} before, "
        f"{' / '.join(f'{x:.2f}' for x in after)} after."
        + (
            " **The machine was loaded** (other work was running): absolute seconds are inflated and noisy; the"
            " ratios measured side by side are the figures to read."
            if max(before + after) > (m.get("cores") or 1) * 0.5
            else ""
        ),
        f"- Python {m.get('python')}, ansible {m.get('ansible')} (ansible-core {m.get('ansible-core')}),"
        f" amazon.aws {m.get('amazon.aws')}, community.aws {m.get('community.aws')}, boto3 {m.get('boto3')},"
        f" moto {m.get('moto')}, awscli {m.get('awscli')}, Docker {m.get('docker')}, {m.get('wrk')}.",
        "- Answers of the emulator that strict mode found not to fit botocore's model during the run (the bench's own"
        " inventory list calls included): " + (", ".join(results.get("strict_violations") or []) or "none") + ".",
        "",
        "## Targets of issue 14",
        "",
        "| Target | Result |",
        "| --- | --- |",
        *(f"| {name} | {verdict} |" for name, verdict in targets(results)),
        "",
        "## Converge",
        "",
        "| Run | n | wall s | AWS calls | s in calls | outside calls | tasks / changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        *_run_table("`site.yml`, cold (empty account)", results.get("cold")),
        *_run_table("`site.yml`, no change", results.get("nochange")),
        *_run_table("`site.yml --tags deploy`, nothing to build", results.get("deploy")),
        *_run_table("peer (`bench/peer.yml`), cold", results.get("peer_cold")),
        *_run_table("peer, no change", results.get("peer_nochange")),
        "",
    ]
    pr = per_resource(results)
    if pr:
        lines += ["| No-change run | managed resources | AWS calls per resource | seconds per resource |"]
        lines += ["| --- | ---: | ---: | ---: |"]
        for key, label in (("ours", "`site.yml`"), ("peer", "peer")):
            if key in pr:
                p = pr[key]
                lines.append(f"| {label} | {p['resources']} | {p['calls']:.2f} | {p['seconds']:.2f} |")
        lines.append("")
    lines += [
        "*Managed resource*: an object the run added to an empty account, counted with one list call per type"
        " after the cold converge (the default VPC's objects and AWS managed policies are there before and do not"
        " count). Types counted: IAM roles, customer managed and inline policies, ECR repositories, log groups,"
        " security groups, load balancers, listeners, non-default listener rules, target groups, ECS clusters,"
        " services and task definition families, CodeDeploy applications and deployment groups, S3 buckets,"
        " CodeCommit repositories, CodeBuild projects, pipelines, EventBridge rules, CloudWatch alarms, Application"
        " Auto Scaling targets.",
        "",
        f"- Ours ({len(results.get('site_resources') or [])}): "
        + (", ".join(f"`{r}`" for r in results.get("site_resources") or []) or "n/a"),
        f"- Peer ({len(results.get('peer_resources') or [])}): "
        + (", ".join(f"`{r}`" for r in results.get("peer_resources") or []) or "n/a"),
        f"- Calls of a no-change `site.yml` (median run): {_top_actions(results.get('nochange'))}.",
        f"- Calls of a no-change peer run: {_top_actions(results.get('peer_nochange'))}.",
        f"- Calls of `--tags deploy`: {_top_actions(results.get('deploy'))}.",
        "",
        "The peer is the same core resources (roles, repository, log group, security groups, target groups, ALB"
        " with both listeners, cluster, task definition, service) written with the stock amazon.aws and"
        " community.aws modules in one plain play: no pre-flight checks, facts, summary or cost report, and"
        " no blue/green. `community.aws.ecs_service` calls UpdateService on every run, so the peer reports a"
        " change on a run that changes nothing.",
        "",
    ]
    codedeploy = results.get("codedeploy")
    lines += ["## Blue/green release: our module against `aws ecs deploy`", ""]
    if codedeploy:
        ours, cli = codedeploy["ours"], codedeploy["cli"]
        lines += [
            "Each run registers a new revision of the live task definition (one environment variable differs) and"
            " deploys it through the stack's CodeDeploy deployment group, waiting until the deployment succeeded"
            " (termination wait 0, as in `inventory/local`): `bench/codedeploy.yml` runs"
            " `fargatedemo.ecs_delivery.ecs_taskdefinition` (register, comparing first) and"
            " `fargatedemo.ecs_delivery.codedeploy_deployment`, then `aws ecs deploy` (awscli"
            f" {m.get('awscli')}) gets the same spec and the seed's appspec. Runs alternate.",
            "",
            "| Tool | n | wall s | AWS calls | s in calls |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| `ecs_taskdefinition` + `codedeploy_deployment` | {ours['n']} | {_f(ours['seconds'])} |"
            f" {_f(ours['calls'], 0)} | {_f(ours['calls_seconds'], 2)} |",
            f"| `aws ecs deploy` | {cli['n']} | {_f(cli['seconds'])} | {_f(cli['calls'], 0)} |"
            f" {_f(cli['calls_seconds'], 2)} |",
            "",
            f"- Ours: {_top_actions(ours)}.",
            f"- `aws ecs deploy`: {_top_actions(cli)}.",
            "",
            "Both poll GetDeployment until it succeeds: the CLI's waiter every 15 s, ours with a backoff from 2 s"
            " (capped at 15 s), so wall time here mostly measures the polling interval against a deployment that"
            " lasts a few real seconds on the scaled clock.",
        ]
    else:
        lines.append("Not measured in this run.")
    lines += ["", "## hello_app under load", ""]
    wrk = results.get("wrk")
    if wrk:
        gun, dev = wrk["gunicorn"], wrk["flask_dev_server"]
        lines += [
            f"`wrk --threads {wrk['threads']} --connections {wrk['connections']} --duration {wrk['seconds']}s"
            " --latency` against `GET /` on 127.0.0.1, the same image for both: its gunicorn command"
            ' (`hello_app/gunicorn.conf.py`) and the seed\'s `app.run(host="0.0.0.0")`; runs alternate.',
            "",
            "| Server | requests/s | p50 ms | p99 ms | errors |",
            "| --- | ---: | ---: | ---: | ---: |",
            f"| gunicorn (our container) | {gun['rps']:.0f} | {gun['p50_ms']:.2f} | {gun['p99_ms']:.2f} |"
            f" {_f(gun['errors'], 0)} |",
            f"| Flask development server | {dev['rps']:.0f} | {dev['p50_ms']:.2f} | {dev['p99_ms']:.2f} |"
            f" {_f(dev['errors'], 0)} |",
            "",
            "Raw requests/s: gunicorn "
            + ", ".join(f"{r['rps']:.0f}" for r in gun["raw"])
            + "; development server "
            + ", ".join(f"{r['rps']:.0f}" for r in dev["raw"])
            + ". wrk shares the two cores with the server.",
        ]
    else:
        lines.append("Not measured in this run (`--no-wrk`, or the section was not selected).")
    lines += ["", "## Test suite", ""]
    s = results.get("suite")
    if not s:
        lines.append("Not measured in this run.")
    elif s.get("missing"):
        lines.append(f"Not measured: {s['missing']}.")
    else:
        lines += [
            f"From {s['kind']} `{s['source']}`: `make test` took {_f(s.get('seconds'))} s"
            + (f" for {s['tests']} tests" if s.get("tests") else "")
            + ". Slowest files (time summed over their tests, fixtures included; `make test` runs whole files in"
            " parallel on 3 pytest-xdist workers):",
            "",
            "| File | s |",
            "| --- | ---: |",
            *(f"| `{row['file']}` | {row['seconds']:.1f} |" for row in s["slowest"]),
        ]
    lines += ["", *paper(results.get("defaults", {})), *growth(results), "", "## Raw figures", "", *_raw(results), ""]
    return "\n".join(lines)
