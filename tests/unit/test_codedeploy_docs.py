"""Every module's documentation renders with ansible-doc and matches its argument spec."""

from __future__ import annotations

import ast
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from tests.support import COLLECTION_DIR

ROOT = Path(__file__).resolve().parents[2]
# Every module of the collection (validate-modules checks the same in `make lint`; this runs with each core).
MODULES = sorted(path.stem for path in (COLLECTION_DIR / "plugins" / "modules").glob("*.py"))
# Warnings that are not ours: amazon.aws 10's module_utils import from ansible.module_utils._text, which
# ansible-core 2.21 deprecates (our modules import them; the message does not say who imported what).
UPSTREAM_NOISE = re.compile(
    r"Importing '\w+' from 'ansible\.module_utils\._text' is deprecated|Deprecation warnings can be disabled"
)
# Options every AWS module gets from amazon.aws (documented by the doc fragments).
COMMON = {
    "access_key",
    "secret_key",
    "session_token",
    "profile",
    "endpoint_url",
    "validate_certs",
    "aws_ca_bundle",
    "aws_config",
    "debug_botocore_endpoint_logs",
    "region",
}


@pytest.fixture(scope="module")
def rendered():
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    # The ansible-doc of the ansible-core under test (nox runs this file with 2.20 and 2.21 too).
    binary = Path(sys.executable).parent / "ansible-doc"
    names = [f"fargatedemo.ecs_delivery.{name}" for name in MODULES]
    proc = subprocess.run(
        [str(binary) if binary.exists() else "ansible-doc", "-t", "module", "--json", *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    stderr = "\n".join(line for line in proc.stderr.splitlines() if not UPSTREAM_NOISE.search(line))
    assert "WARNING" not in stderr and "ERROR" not in stderr, proc.stderr
    return json.loads(proc.stdout)


class Captured(Exception):
    pass


def argument_spec(name, monkeypatch):
    """The argument_spec a module's main() hands to AnsibleAWSModule (captured, nothing runs)."""

    def capture(self, **kwargs):
        raise Captured(kwargs)

    monkeypatch.setattr(AnsibleAWSModule, "__init__", capture)
    mod = importlib.import_module(f"ansible_collections.fargatedemo.ecs_delivery.plugins.modules.{name}")
    with pytest.raises(Captured) as info:
        mod.main()
    return info.value.args[0]


def fragment_options(fragments):
    """Options the module's doc fragments document, except the connection ones every AWS module gets (COMMON)."""
    options = {}
    for fragment in fragments:  # amazon.aws.<name>[.<variant>]
        assert fragment.startswith("amazon.aws."), fragment
        name, _, variant = fragment.removeprefix("amazon.aws.").partition(".")
        module = importlib.import_module(f"ansible_collections.amazon.aws.plugins.doc_fragments.{name}")
        # Ansible's rule: the attribute the variant names (.modules -> MODULES), else DOCUMENTATION.
        text = getattr(module.ModuleDocFragment(), (variant or "documentation").upper())
        options.update(yaml.safe_load(text).get("options") or {})
    return {k: v for k, v in options.items() if k not in COMMON}


def compare(doc_options, spec, path):
    assert set(doc_options) == set(spec), f"{path}: documented {sorted(doc_options)} vs spec {sorted(spec)}"
    for option, doc in doc_options.items():
        arg = spec[option]
        where = f"{path}.{option}"
        assert doc.get("type", "str") == arg.get("type", "str"), where
        assert doc.get("default") == arg.get("default"), where
        assert doc.get("choices") == arg.get("choices"), where
        assert bool(doc.get("required")) == bool(arg.get("required")), where
        assert doc.get("elements") == arg.get("elements"), where
        assert sorted(doc.get("aliases") or []) == sorted(arg.get("aliases") or []), where
        if "options" in arg or "suboptions" in doc:
            compare(doc.get("suboptions") or {}, arg.get("options") or {}, where)


@pytest.mark.parametrize("name", MODULES)
def test_doc_renders(rendered, name):
    doc = rendered[f"fargatedemo.ecs_delivery.{name}"]
    assert doc["doc"]["module"] == name
    assert doc["doc"]["short_description"]
    assert doc["examples"].strip() and doc["return"]
    yaml.safe_load(doc["examples"])  # EXAMPLES is valid YAML
    mod = importlib.import_module(f"ansible_collections.fargatedemo.ecs_delivery.plugins.modules.{name}")
    for section in (mod.DOCUMENTATION, mod.RETURN):
        assert_descriptions_are_text(yaml.safe_load(section), name)


def assert_descriptions_are_text(node, where):
    """Every description is a string or a list of strings (an unquoted 'a: b' in YAML is a dict, which
    validate-modules refuses and ansible-doc cannot render)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and not isinstance(value, dict):  # a dict: an option named description
                items = value if isinstance(value, list) else [value]
                assert all(isinstance(item, str) for item in items), f"{where}.description: {items!r}"
            else:
                assert_descriptions_are_text(value, f"{where}.{key}")
    elif isinstance(node, list):
        for item in node:
            assert_descriptions_are_text(item, where)


@pytest.mark.parametrize("name", MODULES)
def test_doc_matches_argument_spec(name, monkeypatch):
    mod = importlib.import_module(f"ansible_collections.fargatedemo.ecs_delivery.plugins.modules.{name}")
    doc = yaml.safe_load(mod.DOCUMENTATION)
    documented = {**fragment_options(doc.get("extends_documentation_fragment") or []), **doc["options"]}
    kwargs = argument_spec(name, monkeypatch)
    assert kwargs.get("supports_check_mode") is True
    compare(documented, kwargs["argument_spec"], name)


@pytest.mark.parametrize("name", [*MODULES, "../module_utils/codedeploy"])
def test_sanity_basics(name):
    path = COLLECTION_DIR / "plugins" / "modules" / f"{name}.py"
    tree = ast.parse(path.read_text())
    calls = [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "print" not in calls, "modules must not print (stdout is the JSON result)"
    imports = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert "__future__" not in imports
    assert not any(m and m.startswith("ansible_collections.community") for m in imports)
    # boto3/botocore are only reached through AnsibleAWSModule (HAS_BOTO3 handling)
    plain = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert "boto3" not in plain
