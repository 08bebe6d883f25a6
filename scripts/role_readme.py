#!/usr/bin/env python3
"""Write each role's README variable table and entry point list from its meta/argument_specs.yml.

The README keeps its prose; the part between the two markers below is generated:

    <!-- BEGIN generated from meta/argument_specs.yml by scripts/role_readme.py -->
    ...
    <!-- END generated -->

    scripts/role_readme.py           # rewrite every role README
    scripts/role_readme.py --check   # exit 1 and name the READMEs that are out of date (make lint, the tests)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ROLES = ROOT / "collections" / "ansible_collections" / "fargatedemo" / "ecs_delivery" / "roles"
BEGIN = "<!-- BEGIN generated from meta/argument_specs.yml by scripts/role_readme.py -->"
END = "<!-- END generated -->"


def _type(spec: dict) -> str:
    kind = spec.get("type", "str")
    if kind == "list":
        kind = f"list of {spec.get('elements', 'str')}"
    if spec.get("choices"):
        kind += " (" + ", ".join(f"`{c}`" for c in spec["choices"]) + ")"
    return kind


def _default(spec: dict) -> str:
    if "default" not in spec:
        return "required" if spec.get("required") else ""
    value = spec["default"]
    if isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, str):
        text = value if value else '""'
    else:
        text = json.dumps(value)
    return f"`{text}`".replace("|", "\\|")


def _description(spec: dict) -> str:
    text = spec.get("description", "")
    if isinstance(text, list):
        text = " ".join(text)
    return " ".join(str(text).split()).replace("|", "\\|")


def generated(role: Path) -> str:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())["argument_specs"]
    lines = ["Entry points (`tasks_from`), each with its own argument spec:", ""]
    lines += ["| Entry point | What it does |", "| --- | --- |"]
    for name, entry in specs.items():
        lines.append(f"| `{name}` | {_description({'description': entry.get('short_description', '')})} |")
    options = specs.get("main", next(iter(specs.values()))).get("options", {})
    lines += ["", "Variables of `main` (the other entry points take the same or fewer):", ""]
    lines += ["| Variable | Type | Default | Description |", "| --- | --- | --- | --- |"]
    for name, spec in options.items():
        lines.append(f"| `{name}` | {_type(spec)} | {_default(spec)} | {_description(spec)} |")
    return "\n".join([BEGIN, *lines, END])


def render(readme: str, table: str) -> str:
    if BEGIN not in readme or END not in readme:
        raise ValueError("no generated section (add the BEGIN/END markers under 'Role Variables')")
    head, _, rest = readme.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + table + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date READMEs, change nothing")
    args = parser.parse_args()
    stale = []
    for role in sorted(p for p in ROLES.iterdir() if (p / "meta" / "argument_specs.yml").exists()):
        readme_path = role / "README.md"
        readme = readme_path.read_text()
        try:
            new = render(readme, generated(role))
        except ValueError as error:
            print(f"{readme_path.relative_to(ROOT)}: {error}", file=sys.stderr)
            return 1
        if new != readme:
            stale.append(readme_path.relative_to(ROOT))
            if not args.check:
                readme_path.write_text(new)
    if args.check and stale:
        print("out of date (run scripts/role_readme.py):", *stale, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
