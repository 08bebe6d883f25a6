"""The cost report against hand calculations (two task sizes, two regions)."""

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.fargate_cost import fargate_cost


@pytest.mark.parametrize(
    ("cpu", "memory", "count", "region", "hour", "month"),
    [
        # Seoul, the seed's task: 0.25*0.04656 + 0.5*0.00511 = 0.014195 per task-hour; x2 = 0.02839; x730 = 20.72
        (256, 512, 2, "ap-northeast-2", 0.02839, 20.72),
        # Seoul, scaled up: 1*0.04656 + 2*0.00511 = 0.05678; x2 = 0.11356; x730 = 82.90
        (1024, 2048, 2, "ap-northeast-2", 0.11356, 82.90),
        # N. Virginia: 0.25*0.04048 + 0.5*0.004445 = 0.0123425; x2 = 0.024685; x730 = 18.02
        (256, 512, 2, "us-east-1", 0.024685, 18.02),
        # N. Virginia, 1 vCPU / 2 GB, 3 tasks: (0.04048 + 2*0.004445)*3 = 0.14811; x730 = 108.12
        (1024, 2048, 3, "us-east-1", 0.14811, 108.12),
    ],
)
def test_matches_hand_calculation(cpu, memory, count, region, hour, month):
    est = fargate_cost(cpu, memory, count, region)
    assert est["hour_usd"] == pytest.approx(hour, abs=1e-6)
    assert est["month_usd"] == pytest.approx(month, abs=0.005)


def test_bluegreen_overlap_is_a_second_set_for_the_overlap():
    # 60 minutes of termination wait + 5 minutes of deployment, seed task x2 in Seoul: 0.02839 * 65/60
    est = fargate_cost(256, 512, 2, "ap-northeast-2", overlap_minutes=65)
    assert est["bluegreen_release_usd"] == pytest.approx(0.02839 * 65 / 60, abs=1e-6)
    assert fargate_cost(256, 512, 2, "ap-northeast-2")["bluegreen_release_usd"] == 0


def test_price_override_and_unknown_region():
    est = fargate_cost(512, 1024, 1, "xx-test-1", prices={"xx-test-1": {"vcpu_hour": 0.1, "gb_hour": 0.01}})
    assert est["hour_usd"] == pytest.approx(0.5 * 0.1 + 1 * 0.01)
    with pytest.raises(AnsibleFilterError, match="no Fargate price for region 'mars-1'"):
        fargate_cost(256, 512, 2, "mars-1")
    with pytest.raises(AnsibleFilterError, match="must be positive"):
        fargate_cost(0, 512, 2, "us-east-1")
