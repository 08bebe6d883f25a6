"""The module_payload_cache callback (plugins/callback/module_payload_cache.py), enabled in the project ansible.cfg.

A throwaway collection's module returns a module_util's value and the file name its code was compiled under: the
cached bytecode is compiled under the name inside the payload, Python's own compile of the source under the path of
the payload's zip, so the name tells which one ran. Each edit that must invalidate an entry is made and the module's
answer checked.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import sys
import zipfile
from pathlib import Path

import yaml
from ansible_collections.fargatedemo.ecs_delivery.plugins.callback import module_payload_cache

from tests.support import ROOT, VENV_BIN

CALLBACK = "fargatedemo.ecs_delivery.module_payload_cache"

MODULE = """#!/usr/bin/python
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.testns.payload.plugins.module_utils.value import VALUE, where


def main():
    module = AnsibleModule(argument_spec={})
    module.exit_json(changed=False, value=VALUE, compiled_as=where.__code__.co_filename)


if __name__ == "__main__":
    main()
"""


def _util(value: int) -> str:
    return f"VALUE = {value}\n\n\ndef where():\n    return None\n"


def _collection(root: Path) -> Path:
    base = root / "ansible_collections" / "testns" / "payload"
    (base / "plugins" / "modules").mkdir(parents=True)
    (base / "plugins" / "module_utils").mkdir(parents=True)
    (base / "galaxy.yml").write_text("namespace: testns\nname: payload\nversion: 1.0.0\nauthors: [t]\nreadme: x\n")
    (base / "plugins" / "modules" / "answer.py").write_text(MODULE)
    (base / "plugins" / "module_utils" / "value.py").write_text(_util(1))
    return base / "plugins" / "module_utils"


def _touch_later(path: Path) -> None:
    # An edit within the file system's timestamp granularity must still be seen: move mtime on explicitly.
    later = path.stat().st_mtime_ns + 5_000_000_000
    os.utime(path, ns=(later, later))


def test_the_project_config_enables_the_callback():
    config = configparser.ConfigParser()
    config.read(ROOT / "ansible.cfg")
    assert CALLBACK in [name.strip() for name in config["defaults"]["callbacks_enabled"].split(",")]


def test_payloads_are_reused_across_runs_until_a_file_changes_or_is_shadowed(ansible_playbook, tmp_path):
    utils = _collection(tmp_path / "colls")
    cache = tmp_path / "cache"
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "vars": {"ansible_python_interpreter": str(VENV_BIN / "python")},
            "tasks": [
                {"testns.payload.answer": {}, "register": "answer"},
                {"ansible.builtin.debug": {"msg": "ANSWER {{ answer.value }} {{ answer.compiled_as }}"}},
            ],
        }
    ]
    playbook = tmp_path / "answer.yml"
    playbook.write_text(yaml.safe_dump(play))
    env = {
        "ANSIBLE_COLLECTIONS_PATH": f"{tmp_path / 'colls'}:{ROOT / 'collections'}",
        "ANSIBLE_CALLBACKS_ENABLED": CALLBACK,
        "MODULE_PAYLOAD_CACHE_DIR": str(cache),
    }

    def answer() -> tuple[int, str, str]:
        result = ansible_playbook(playbook, env=env, verbosity=4, timeout=300)
        assert result.rc == 0, result
        out = result.stdout
        value, compiled_as = re.search(r"ANSWER (\d+) (\S+?)[\"']?$", out, re.MULTILINE).groups()
        reused = "module_payload_cache: ansible_collections.testns.payload.plugins.modules.answer from" in out
        return int(value), compiled_as, reused

    value, compiled_as, reused = answer()
    assert (value, reused) == (1, False)
    # The bytecode ran, compiled under the name inside the payload (Python's compile of the source would name the zip).
    assert compiled_as == "ansible_collections/testns/payload/plugins/module_utils/value.py"
    assert len(list(cache.glob("*.zip"))) == 1

    assert answer() == (1, compiled_as, True)

    # Same size, new content: the modification time alone must invalidate the entry.
    (utils / "value.py").write_text(_util(2))
    _touch_later(utils / "value.py")
    assert answer() == (2, compiled_as, False)
    assert answer() == (2, compiled_as, True)

    # A package of the same name shadows the module (ansible-core looks for the package first): a new file in a
    # directory the entry came from must invalidate it.
    (utils / "value").mkdir()
    (utils / "value" / "__init__.py").write_text(_util(3))
    _touch_later(utils)
    value, compiled_as, reused = answer()
    assert (value, reused) == (3, False)
    assert compiled_as.endswith("module_utils/value/__init__.py")

    # Without the callback, ansible-core's own payload gives the same answer (compiled from source, in the zip).
    env["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.timer"
    value, compiled_as, reused = answer()
    assert (value, reused) == (3, False)
    assert ".zip" in compiled_as


def _import_from_zip(tmp_path: Path, name: str, source: bytes, pyc: bytes):
    archive = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(f"{name}.py", source)
        out.writestr(f"{name}.pyc", pyc)
    sys.path.insert(0, str(archive))
    try:
        spec = importlib.util.find_spec(name)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(archive))
        sys.modules.pop(name, None)


def test_bytecode_is_used_only_when_it_matches_the_source_and_the_interpreter(tmp_path):
    source = b"def f():\n    return 'source'\n"
    good = module_payload_cache.bytecode(source, "payload/good.py")
    assert _import_from_zip(tmp_path, "good", source, good).f.__code__.co_filename == "payload/good.py"

    # Bytecode of other content (the source beside it was edited): the source is compiled instead.
    stale = module_payload_cache.bytecode(b"def f():\n    return 'stale'\n", "payload/stale.py")
    module = _import_from_zip(tmp_path, "stale", source, stale)
    assert module.f() == "source" and module.f.__code__.co_filename.endswith("stale.zip/stale.py")

    # Another interpreter's magic number (a module run by another Python): the source is compiled instead.
    foreign = b"\x00\x00\r\n" + good[4:]
    module = _import_from_zip(tmp_path, "foreign", source, foreign)
    assert module.f() == "source" and module.f.__code__.co_filename.endswith("foreign.zip/foreign.py")
