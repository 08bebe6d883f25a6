"""Input validation of a role, many invalid cases in ONE ansible-playbook run.

Each case includes the role alone (``gather_facts: false``, the play's AWS module defaults pointed at the
emulator, nothing else) inside its own block/rescue, with the case's variables as task vars, and records the
failure message (``ansible_failed_result.msg`` and the messages of failed loop items) or ``None`` when the role
did not fail. The caller asserts that each message names its variable and that the emulator's request log is
empty: no case reached AWS. A case the role accepted would run the role for real against the emulator, so it
shows up both as ``None`` and in the request log.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support import COLLECTION

AWS_DEFAULTS = {
    "region": "{{ aws_region }}",
    "endpoint_url": "{{ aws_endpoint_url | default(omit, true) }}",
    "access_key": "{{ aws_access_key | default(omit, true) }}",
    "secret_key": "{{ aws_secret_key | default(omit, true) }}",
}

_MESSAGE = (
    "{{ ([ansible_failed_result.msg | default('')] + (ansible_failed_result.results | default([])"
    " | selectattr('failed', 'defined') | selectattr('failed') | map(attribute='msg') | list)) | join(' | ') }}"
)


def _case_block(role: str, index: int, variables: dict[str, Any]) -> dict[str, Any]:
    key = str(index)
    return {
        "name": f"Case {index}",
        "block": [
            {
                "name": "Include the role",
                "ansible.builtin.include_role": {"name": f"{COLLECTION}.{role}"},
                "vars": variables,
            },
            {
                "name": "The role accepted the input",
                "ansible.builtin.set_fact": {
                    "validation_results": f"{{{{ validation_results | combine({{'{key}': none}}) }}}}"
                },
            },
        ],
        "rescue": [
            {
                "name": "The role refused the input",
                "ansible.builtin.set_fact": {
                    "validation_results": f"{{{{ validation_results | combine({{'{key}': __message}}) }}}}"
                },
                "vars": {"__message": _MESSAGE},
            }
        ],
    }


def run_invalid_cases(
    ansible_playbook,
    tmp_path: Path,
    role: str,
    cases: list[dict[str, Any]],
    *,
    check: bool = False,
    base_vars: dict[str, Any] | None = None,
) -> list[str | None]:
    """Run ``role`` once per case (``base_vars`` updated with the case) in one playbook; one message per case."""
    results = tmp_path / f"{role}-validation{'-check' if check else ''}.json"
    tasks = [_case_block(role, i, {**(base_vars or {}), **case}) for i, case in enumerate(cases)]
    tasks.append(
        {
            "name": "Write the results",
            "ansible.builtin.copy": {
                "content": "{{ validation_results | to_json }}",
                "dest": str(results),
                "mode": "0600",
            },
            "check_mode": False,
        }
    )
    play = {
        "name": f"Invalid inputs of the {role} role",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/aws": AWS_DEFAULTS, "group/fargatedemo.ecs_delivery.aws": AWS_DEFAULTS},
        "vars": {"validation_results": {}},
        "tasks": tasks,
    }
    playbook = tmp_path / f"{role}-validation.yml"
    playbook.write_text(json.dumps([play], indent=1))  # JSON is YAML
    run = ansible_playbook(playbook, check=check)
    assert run.rc == 0, run
    messages = json.loads(results.read_text())
    assert sorted(messages, key=int) == [str(i) for i in range(len(cases))], run
    return [messages[str(i)] for i in range(len(cases))]
