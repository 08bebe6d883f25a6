"""AWX/AAP job templates as data: surveys agree with the roles' argument specs, and the EE builds."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import COLLECTION, COLLECTION_DIR

ROOT = Path(__file__).resolve().parents[2]
OBJECTS = yaml.safe_load((ROOT / "awx" / "controller_objects.yml").read_text())
SURVEY_TYPES = {"text": {"str"}, "textarea": {"str"}, "password": {"str"}, "integer": {"int"}, "float": {"float"}}


def _questions():
    for template in OBJECTS["controller_templates"]:
        for question in template["survey"]:
            yield pytest.param(template, question, id=f"{template['name']}:{question['variable']}")


def _argspec(fqcn: str, option: str) -> dict:
    collection, _, role = fqcn.rpartition(".")
    assert collection == COLLECTION, f"{fqcn} is not a role of {COLLECTION}"
    spec = yaml.safe_load((COLLECTION_DIR / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    assert option in options, f"{fqcn} has no argument {option}"
    return options[option]


def test_every_template_names_an_existing_playbook_and_inventory():
    inventories = {i["name"] for i in OBJECTS["controller_inventories"]}
    for template in OBJECTS["controller_templates"]:
        assert (ROOT / template["playbook"]).is_file(), template["playbook"]
        assert template["inventory"] in inventories
    for inventory in OBJECTS["controller_inventories"]:
        assert (ROOT / inventory["source_path"] / "hosts.yml").is_file()


@pytest.mark.parametrize(("template", "question"), list(_questions()))
def test_survey_question_agrees_with_argument_spec(template, question):
    target = OBJECTS["controller_survey_argspecs"].get(question["variable"])
    assert target, f"survey variable {question['variable']} is not mapped in controller_survey_argspecs"
    kind, _, name = target.partition(":")
    if kind == "playbook":
        text = (ROOT / name).read_text()
        assert question["variable"] in text, f"{name} does not use {question['variable']}"
        if question["type"] == "multiplechoice":
            for choice in question["choices"]:
                assert choice in text, f"{name} does not handle choice {choice}"
        return
    spec = _argspec(kind, name)
    if question["type"] == "multiplechoice":
        assert spec.get("type", "str") == "str"
        # A free string in the spec (a deployment config name, custom ones allowed) accepts every choice.
        assert set(question["choices"]) <= set(spec.get("choices", question["choices"])), spec.get("choices")
    else:
        assert spec.get("type", "str") in SURVEY_TYPES[question["type"]], (question["type"], spec.get("type"))
    if question.get("default") not in (None, "") and "choices" in spec:
        assert question["default"] in spec["choices"]
    if question["type"] == "integer" and "default" in spec:
        assert question["min"] <= spec["default"] <= question["max"]


def test_survey_questions_have_the_fields_awx_requires():
    for template in OBJECTS["controller_templates"]:
        for q in template["survey"]:
            assert {"variable", "question_name", "type", "required"} <= set(q), q
            assert re.fullmatch(r"[a-z_][a-z0-9_]*", q["variable"])
            if q["type"] == "multiplechoice":
                assert q["default"] in q["choices"]


def test_execution_environment_pins_match_requirements():
    pins = dict(
        line.split("==")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    pins = {k.lower(): v for k, v in pins.items()}
    for line in (ROOT / "files" / "ee" / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            assert pins.get(name.lower()) == version, f"{name} {version} differs from requirements.txt"


def test_ansible_builder_create(tmp_path):
    builder = Path(sys.executable).parent / "ansible-builder"
    if not builder.exists():
        builder = Path(shutil.which("ansible-builder") or "ansible-builder")
    context = tmp_path / "context"
    result = subprocess.run(
        [str(builder), "create", "-f", "execution-environment.yml", "--context", str(context)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
    text = containerfile.read_text()
    assert "quay.io/centos/centos:stream9" in text
    assert (context / "_build" / "requirements.yml").read_text() == (ROOT / "collections/requirements.yml").read_text()
    assert "boto3==1.44.8" in (context / "_build" / "requirements.txt").read_text()
    assert "ansible-core==2.19.14" in text
