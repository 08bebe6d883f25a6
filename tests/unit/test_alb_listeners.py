"""The alb_listeners filter (plugins/filter/alb_listeners.py): which listeners the alb role creates or repairs, for
HTTP and HTTPS stacks, and what it refuses. No emulator, no Ansible run."""

from __future__ import annotations

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.filter.alb_listeners import (
    alb_listeners,
    alb_live_target_group,
    redirect_action,
)

TG1 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg1/1111"
TG2 = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/helloapp-tg2/2222"
OTHER = "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/other/3333"
CERT = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"
CERT2 = "arn:aws:acm:ap-northeast-2:123456789012:certificate/66666666-2222-3333-4444-555555555555"
POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"


def forward(port, arn, protocol="HTTP", **extra):
    return {
        "port": port,
        "protocol": protocol,
        "default_actions": [{"type": "forward", "target_group_arn": arn}],
        **extra,
    }


def https(port, arn, cert=CERT, policy=POLICY):
    return forward(port, arn, "HTTPS", certificates=[{"certificate_arn": cert}], ssl_policy=policy)


def redirect(port=80, to=443):
    config = redirect_action(to)["RedirectConfig"]
    snake = {"Protocol": "protocol", "Port": "port", "Host": "host", "Path": "path", "Query": "query"}
    return {
        "port": port,
        "protocol": "HTTP",
        "default_actions": [
            {
                "type": "redirect",
                "redirect_config": {
                    **{snake[k]: v for k, v in config.items() if k in snake},
                    "status_code": "HTTP_301",
                },
            }
        ],
    }


def plan(listeners, cert="", **kwargs):
    return alb_listeners(listeners, 80, 443, 8080, [TG1, TG2], cert, POLICY if cert else "", **kwargs)


def by_port(result):
    return {item["Port"]: item for item in result["listeners"]}


def test_http_stack_on_an_empty_load_balancer_is_the_seed():
    result = plan([])
    assert result["production_port"] == 80 and not result["https"]
    assert by_port(result) == {
        80: {"Protocol": "HTTP", "Port": 80, "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG1}]},
        8080: {"Protocol": "HTTP", "Port": 8080, "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG1}]},
    }


def test_http_stack_after_a_release_is_left_alone():
    weighted = {
        "port": 8080,
        "protocol": "HTTP",
        "default_actions": [
            {
                "type": "forward",
                "forward_config": {
                    "target_groups": [{"target_group_arn": TG1, "weight": 10}, {"target_group_arn": TG2, "weight": 90}]
                },
            }
        ],
    }
    result = plan([forward(80, TG2), weighted])
    assert result["listeners"] == [] and result["problems"] == []
    assert result["live_target_group_arn"] == TG2


def test_foreign_test_listener_is_reset_to_the_first_group():
    result = plan([forward(80, TG2), forward(8080, OTHER)])
    assert list(by_port(result)) == [8080]
    assert by_port(result)[8080]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG1}]


def test_https_stack_on_an_empty_load_balancer():
    result = plan([], CERT)
    listeners = by_port(result)
    assert result["production_port"] == 443 and result["https"]
    assert [item["Port"] for item in result["listeners"]] == [443, 8080, 80], "HTTPS first, the redirect last"
    for port in (443, 8080):
        assert listeners[port]["Protocol"] == "HTTPS"
        assert listeners[port]["Certificates"] == [{"CertificateArn": CERT}]
        assert listeners[port]["SslPolicy"] == POLICY
        assert listeners[port]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG1}]
    assert listeners[80] == {"Protocol": "HTTP", "Port": 80, "DefaultActions": [redirect_action(443)]}
    assert redirect_action(443)["RedirectConfig"]["StatusCode"] == "HTTP_301"


def test_converged_https_stack_after_a_release_is_left_alone():
    result = plan([redirect(), https(443, TG2), https(8080, TG2)], CERT)
    assert result["listeners"] == [] and result["problems"] == []
    assert result["live_target_group_arn"] == TG2


def test_switching_an_http_stack_to_https_keeps_production_where_it_is_live():
    result = plan([forward(80, TG2), forward(8080, TG2)], CERT)
    listeners = by_port(result)
    assert result["problems"] == []
    assert [item["Port"] for item in result["listeners"]] == [443, 8080, 80]
    assert listeners[443]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG2}], "where 80 was live"
    # The test listener keeps its actions and gains TLS; 80 becomes the redirect.
    assert listeners[8080]["Protocol"] == "HTTPS"
    assert listeners[8080]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG2}]
    assert listeners[80]["DefaultActions"] == [redirect_action(443)]


@pytest.mark.parametrize(
    ("change", "field"),
    [({"cert": CERT2}, "Certificates"), ({"policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, "SslPolicy")],
)
def test_a_new_certificate_or_policy_keeps_the_actions(change, field):
    result = plan([redirect(), https(443, TG2, **change), https(8080, TG1, **change)], CERT)
    listeners = by_port(result)
    assert sorted(listeners) == [443, 8080]
    assert listeners[443][field] == ({"Certificates": [{"CertificateArn": CERT}], "SslPolicy": POLICY}[field])
    assert listeners[443]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG2}]
    assert listeners[8080]["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": TG1}]


def test_a_redirect_to_another_port_is_repaired():
    result = plan([redirect(to=8443), https(443, TG1), https(8080, TG1)], CERT)
    assert by_port(result) == {80: {"Protocol": "HTTP", "Port": 80, "DefaultActions": [redirect_action(443)]}}


def test_turning_https_off_in_place_is_refused():
    result = plan([redirect(), https(443, TG1), https(8080, TG1)])
    assert result["listeners"] == []
    assert "alb_certificate_arn (app_certificate_arn) is empty" in result["problems"][0]


def test_an_http_listener_with_native_rules_is_not_made_a_redirect():
    rules = [{"priority": "1", "rule_arn": "arn:rule"}, {"priority": "default", "rule_arn": "arn:default"}]
    result = plan([forward(80, TG1, rules=rules), forward(8080, TG1, rules=rules)], CERT)
    assert result["listeners"] == []
    assert "listener 80 has listener rules" in result["problems"][0]


def test_tls_settings_by_port():
    assert plan([], CERT)["tls"]["443"]["Protocol"] == "HTTPS"
    assert plan([], CERT)["tls"]["80"] == {"Protocol": "HTTP"}
    assert plan([])["tls"]["8080"] == {"Protocol": "HTTP"}


def test_live_target_group_name():
    assert alb_live_target_group(forward(443, TG2)) == "helloapp-tg2"
    assert alb_live_target_group(redirect()) == ""
    assert alb_live_target_group({}) == ""
