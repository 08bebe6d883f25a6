"""The filter_preload callback (plugins/callback/filter_preload.py) and the project's ansible.cfg enabling it.

ansible-core imports every filter file of a collection in the worker forked for each task that uses one of its
filters; with the collection's filters loaded in the controller first, the workers inherit them. The figure is the
CPU time of the playbook's processes (the workers and what they run), read with getrusage around each run: the
ratio, not the seconds, is asserted, so a loaded machine changes both sides alike.
"""

from __future__ import annotations

import configparser
import resource
from pathlib import Path

import yaml

from tests.support import ROOT, VENV_BIN

TASKS = 20
CALLBACK = "fargatedemo.ecs_delivery.filter_preload"


def _playbook(tmp_path: Path) -> Path:
    # unknown_inputs is a small filter: the cost measured is the loading of the collection's other filter files.
    task = {"ansible.builtin.debug": {"msg": "{{ ['app_nmae'] | fargatedemo.ecs_delivery.unknown_inputs }}"}}
    play = {
        "hosts": "localhost",
        "gather_facts": False,
        "vars": {"ansible_python_interpreter": str(VENV_BIN / "python")},
        "tasks": [task] * TASKS,
    }
    path = tmp_path / "filters.yml"
    path.write_text(yaml.safe_dump([play]))
    return path


def _cpu_seconds(ansible_playbook, playbook: Path, callbacks: list[str]) -> tuple[float, str]:
    # Never empty (ansible-core refuses an empty name): timer prints one line and loads nothing of ours.
    env = {"ANSIBLE_CALLBACKS_ENABLED": ",".join(["ansible.posix.timer", *callbacks])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = ansible_playbook(playbook, env=env, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.rc == 0, result
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, result.stdout


def test_the_project_config_enables_the_callback():
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg")
    assert CALLBACK in [name.strip() for name in config["defaults"]["callbacks_enabled"].split(",")]


def test_preloading_cuts_the_workers_cost_of_collection_filters_and_changes_no_output(ansible_playbook, tmp_path):
    playbook = _playbook(tmp_path)
    without, out_without = _cpu_seconds(ansible_playbook, playbook, [])
    with_preload, out_with = _cpu_seconds(ansible_playbook, playbook, [CALLBACK])
    # Measured: 5.4 CPU-s without, 1.6 with (the controller's own start-up included in both).
    assert with_preload < 0.6 * without, f"{TASKS} tasks: {with_preload:.1f} CPU-s preloaded, {without:.1f} without"

    def results(out: str) -> list[str]:
        return [
            line.strip() for line in out.splitlines() if line.strip().startswith(("ok:", "- app_", "msg", "localhost"))
        ]

    assert results(out_with) == results(out_without)
    assert f"ok={TASKS} " in out_with.replace("  ", " ")
