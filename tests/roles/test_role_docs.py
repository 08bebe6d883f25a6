"""Every role's documentation agrees with its argument specs: the README variable tables are generated from
meta/argument_specs.yml (scripts/role_readme.py), every variable of main has a default in defaults/main.yml equal
to the spec's, and the entry points the stack relies on are declared. No Ansible run."""

from __future__ import annotations

import importlib.util

import pytest
import yaml

from tests.support import COLLECTION_DIR, ROOT

ROLES = sorted(p.name for p in (COLLECTION_DIR / "roles").iterdir() if (p / "meta" / "argument_specs.yml").exists())
_spec = importlib.util.spec_from_file_location("role_readme", ROOT / "scripts" / "role_readme.py")
role_readme = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role_readme)


def specs(role: str) -> dict:
    return yaml.safe_load((COLLECTION_DIR / "roles" / role / "meta" / "argument_specs.yml").read_text())[
        "argument_specs"
    ]


def test_every_role_is_checked():
    assert ROLES == ["alb", "codepipeline", "ecr", "ecs_cluster", "ecs_service", "iam", "stack"]


@pytest.mark.parametrize("role", ROLES)
def test_readme_table_is_generated_from_the_specs(role):
    path = COLLECTION_DIR / "roles" / role / "README.md"
    readme = path.read_text()
    assert role_readme.render(readme, role_readme.generated(path.parent)) == readme, (
        f"{path} is out of date: run scripts/role_readme.py"
    )


@pytest.mark.parametrize("role", ROLES)
def test_defaults_match_the_specs(role):
    options = specs(role)["main"]["options"]
    defaults = yaml.safe_load((COLLECTION_DIR / "roles" / role / "defaults" / "main.yml").read_text()) or {}
    assert set(options) == set(defaults), set(options) ^ set(defaults)
    for name, spec in options.items():
        assert spec.get("default") == defaults[name], name
        assert spec.get("description"), name
        assert name.startswith(f"{role}_") or (role == "stack" and name.startswith("stack_facts_")), name
