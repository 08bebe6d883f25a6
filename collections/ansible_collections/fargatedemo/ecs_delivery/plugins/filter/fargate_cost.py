# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fargate cost estimate: the ``fargatedemo.ecs_delivery.fargate_cost`` filter.

Fargate bills per second for the vCPU and memory a task asks for. The monthly figure uses AWS's
pricing-page convention of 730 hours a month. Prices are Linux/x86 on-demand USD; the seed's
Seoul figures (0.04656 per vCPU-hour, 0.00511 per GB-hour) are the ap-northeast-2 row. Prices change:
pass ``prices`` to override or extend the table, and check the AWS Fargate pricing page before
budgeting.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: fargate_cost
short_description: Estimate the Fargate cost of an ECS service per hour and per month
version_added: 0.1.0
description:
  - Computes what a Fargate service costs from its task size, desired count and region, and the
    extra cost of a CodeDeploy blue/green release, when the original and the replacement task sets
    run side by side until the original is terminated.
  - Linux/x86 on-demand prices in USD; 730 hours a month.
options:
  _input:
    description: Task cpu units (256 = 0.25 vCPU).
    type: int
    required: true
  memory:
    description: Task memory in MiB.
    type: int
    required: true
  count:
    description: Number of tasks (the service's desired count).
    type: int
    required: true
  region:
    description: AWS region whose price applies.
    type: str
    required: true
  overlap_minutes:
    description:
      - Minutes both task sets run together in one blue/green release (deployment time plus the
        termination wait).
    type: float
    default: 0
  prices:
    description:
      - 'Extra or overriding price rows: C({"<region>": {"vcpu_hour": <USD>, "gb_hour": <USD>}}).'
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Estimate the service's cost
  ansible.builtin.debug:
    msg: "{{ 256 | fargatedemo.ecs_delivery.fargate_cost(memory=512, count=2, region='ap-northeast-2') }}"
"""

RETURN = r"""
_value:
  description: The estimate.
  type: dict
  contains:
    region: {description: Region priced., type: str}
    vcpu: {description: vCPU per task., type: float}
    memory_gb: {description: Memory per task in GB., type: float}
    count: {description: Tasks., type: int}
    vcpu_hour_usd: {description: Price of one vCPU-hour., type: float}
    gb_hour_usd: {description: Price of one GB-hour., type: float}
    task_hour_usd: {description: One task for one hour., type: float}
    hour_usd: {description: The service for one hour., type: float}
    month_usd: {description: The service for a month of 730 hours., type: float}
    bluegreen_overlap_minutes: {description: Minutes of double capacity per release., type: float}
    bluegreen_release_usd: {description: Extra cost of one blue/green release., type: float}
"""

from ansible.errors import AnsibleFilterError

HOURS_PER_MONTH = 730

# USD per vCPU-hour and per GB-hour, Linux/x86, on demand (AWS Fargate pricing page, 2025).
PRICES: dict[str, dict[str, float]] = {
    "us-east-1": {"vcpu_hour": 0.04048, "gb_hour": 0.004445},
    "us-east-2": {"vcpu_hour": 0.04048, "gb_hour": 0.004445},
    "us-west-2": {"vcpu_hour": 0.04048, "gb_hour": 0.004445},
    "eu-west-1": {"vcpu_hour": 0.04048, "gb_hour": 0.004445},
    "eu-central-1": {"vcpu_hour": 0.04656, "gb_hour": 0.00511},
    "ap-northeast-1": {"vcpu_hour": 0.05056, "gb_hour": 0.00553},
    "ap-northeast-2": {"vcpu_hour": 0.04656, "gb_hour": 0.00511},
    "ap-southeast-1": {"vcpu_hour": 0.05056, "gb_hour": 0.00553},
    "ap-southeast-2": {"vcpu_hour": 0.04856, "gb_hour": 0.00532},
}


def fargate_cost(
    cpu: int,
    memory: int,
    count: int,
    region: str,
    overlap_minutes: float = 0,
    prices: dict | None = None,
) -> dict:
    table = {**PRICES, **(prices or {})}
    if region not in table:
        raise AnsibleFilterError(
            f"fargate_cost: no Fargate price for region {region!r}; known: {', '.join(sorted(table))}. "
            "Pass prices={'<region>': {'vcpu_hour': ..., 'gb_hour': ...}}."
        )
    try:
        cpu, memory, count, overlap = int(cpu), int(memory), int(count), float(overlap_minutes)
    except (TypeError, ValueError) as e:
        raise AnsibleFilterError(f"fargate_cost: cpu, memory, count and overlap_minutes must be numbers: {e}") from e
    if cpu <= 0 or memory <= 0 or count < 0 or overlap < 0:
        raise AnsibleFilterError("fargate_cost: cpu and memory must be positive, count and overlap_minutes >= 0")
    row = table[region]
    vcpu, memory_gb = cpu / 1024, memory / 1024
    task_hour = vcpu * row["vcpu_hour"] + memory_gb * row["gb_hour"]
    hour = task_hour * count
    return {
        "region": region,
        "vcpu": vcpu,
        "memory_gb": memory_gb,
        "count": count,
        "vcpu_hour_usd": row["vcpu_hour"],
        "gb_hour_usd": row["gb_hour"],
        "task_hour_usd": round(task_hour, 6),
        "hour_usd": round(hour, 6),
        "month_usd": round(hour * HOURS_PER_MONTH, 2),
        "bluegreen_overlap_minutes": overlap,
        # The replacement set runs `count` more tasks for the overlap.
        "bluegreen_release_usd": round(hour * overlap / 60, 6),
    }


class FilterModule:
    def filters(self):
        return {"fargate_cost": fargate_cost}
