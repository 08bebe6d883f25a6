# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.release_wait_seconds`` filter: the default wait for a blue/green release."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_wait_seconds
short_description: How long to wait for a CodeDeploy blue/green release to reach a checkpoint
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - The default timeout of a release that waits until a checkpoint, in seconds, derived as the AWS CLI's
    C(aws ecs deploy) derives its own; the traffic shifting time of the deployment configuration (canary or
    linear intervals; 0 for C(CodeDeployDefault.ECSAllAtOnce)), plus the termination wait when the checkpoint
    is V(succeeded), plus a margin of 15 minutes for starting the replacement tasks, the listener moves and
    draining the original tasks.
  - A deployment configuration of your own has intervals the filter cannot know before AWS answers; it then
    fails, asking for an explicit timeout.
options:
  _input:
    description: The checkpoint, V(created), V(ready), V(traffic_shifted) or V(succeeded).
    type: str
    required: true
  config_name:
    description: The deployment configuration, for example V(CodeDeployDefault.ECSCanary10Percent5Minutes).
    type: str
    required: true
  termination_wait_minutes:
    description: The deployment group's termination wait (0-2880 minutes).
    type: int
    required: true
"""

EXAMPLES = r"""
- name: The default wait of a release with a 60-minute termination wait (4500 s)
  ansible.builtin.debug:
    msg: "{{ 'succeeded' | fargatedemo.ecs_delivery.release_wait_seconds('CodeDeployDefault.ECSAllAtOnce', 60) }}"
"""

RETURN = r"""
_value:
  description: Seconds.
  type: int
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils import limits


def release_wait_seconds(checkpoint, config_name, termination_wait_minutes):
    if checkpoint not in limits.CHECKPOINTS:
        raise AnsibleFilterError(f"release_wait_seconds: checkpoint {checkpoint!r} is not one of {limits.CHECKPOINTS}")
    seconds = limits.release_wait_seconds(checkpoint, str(config_name), termination_wait_minutes)
    if seconds is None:
        raise AnsibleFilterError(
            f"release_wait_seconds: {config_name!r} is a deployment configuration of your own; its traffic shifting "
            "time is not known before AWS answers, so give the timeout explicitly"
        )
    return seconds


class FilterModule:
    def filters(self):
        return {"release_wait_seconds": release_wait_seconds}
