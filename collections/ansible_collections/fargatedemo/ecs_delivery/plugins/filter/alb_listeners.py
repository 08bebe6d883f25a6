# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.alb_listeners`` filter: which listeners the alb role creates or repairs.

One place decides, for HTTP and HTTPS stacks alike (issue 11, Deliver 1):

* which listener is production: the HTTPS one (``https_port``) when a certificate is given, else the HTTP one;
* which listeners are missing or not this stack's, and what they must become: a listener is passed to
  ``amazon.aws.elb_application_lb`` only when it is missing, does not forward to the stack's target groups, or
  lacks its TLS settings (protocol, certificate, policy) or, for the HTTP port of an HTTPS stack, its redirect.
  A listener that forwards to the stack's groups keeps its default actions as they are (a release put them
  there), so a re-run after a release never moves traffic;
* where a new production listener forwards: to the group production is live on now (the HTTP listener's while
  an HTTP stack is switched to HTTPS), else the first target group;
* what it refuses: turning HTTPS off in place, and switching a listener that carries rules (an ECS-native
  release's) to a redirect, which would leave the rules serving plain HTTP.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: alb_listeners
short_description: The listeners the alb role must create or repair, for an HTTP or an HTTPS stack
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Compares the load balancer's listeners (as C(amazon.aws.elb_application_lb_info) returns them) with what the
    stack needs and returns the C(listeners) to pass to C(amazon.aws.elb_application_lb) with
    C(purge_listeners=false), the production port, the group production is live on and the problems that stop
    the run before anything changes.
  - Without a certificate, the production and test listeners are HTTP and forward to the target groups (the
    seed's behaviour). With one, O(https_port) is the HTTPS production listener, O(http_port) redirects to it
    (HTTP 301) and the test listener is HTTPS with the same certificate and policy.
options:
  _input:
    description: The load balancer's listeners (C(listeners) of C(elb_application_lb_info), optionally with C(rules)).
    type: list
    elements: dict
    required: true
  http_port:
    description: The HTTP port (the production listener of an HTTP stack; the redirect of an HTTPS one).
    type: int
    required: true
  https_port:
    description: The HTTPS production listener's port (used only with O(certificate_arn)).
    type: int
    required: true
  test_port:
    description: The test listener's port.
    type: int
    required: true
  target_group_arns:
    description: The stack's two target groups, the first one first.
    type: list
    elements: str
    required: true
  certificate_arn:
    description: The ACM certificate of the HTTPS listeners; empty for an HTTP stack.
    type: str
    default: ""
  ssl_policy:
    description: The security policy of the HTTPS listeners.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Decide which listeners to create or repair
  ansible.builtin.set_fact:
    plan: >-
      {{ load_balancer.listeners | fargatedemo.ecs_delivery.alb_listeners(80, 443, 8080, target_group_arns,
         certificate_arn, 'ELBSecurityPolicy-TLS13-1-2-2021-06') }}
"""

RETURN = r"""
_value:
  description:
    - C(listeners) (the module's listener dicts to pass), C(production_port), C(https) (a boolean),
      C(live_target_group_arn) (where production is live before the run, else the first group),
      C(tls) (port to the protocol, certificates and policy each listener must have) and C(problems)
      (sentences; the role fails with them before any change).
    - The same file holds C(alb_live_target_group), the name of the target group a listener sends its traffic to
      (the heaviest while a release shifts weights), decided by the collection's C(module_utils/elbv2.py).
  type: dict
"""

from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.elbv2 import (
    live_target_group,
    live_target_group_arn,
)

# elb_application_lb_info's names of the RedirectConfig keys.
_SNAKE = {
    "Protocol": "protocol",
    "Port": "port",
    "Host": "host",
    "Path": "path",
    "Query": "query",
    "StatusCode": "status_code",
}


def redirect_action(https_port):
    """The HTTP listener's default action of an HTTPS stack, with every field as DescribeListeners returns it
    (so the module's comparison sees no change on a re-run)."""
    return {
        "Type": "redirect",
        "RedirectConfig": {
            "Protocol": "HTTPS",
            "Port": str(int(https_port)),
            "Host": "#{host}",
            "Path": "/#{path}",
            "Query": "#{query}",
            "StatusCode": "HTTP_301",
        },
    }


def _targets(listener):
    """(ARNs a listener's default actions forward to, number of actions that are not forwards)."""
    targets, others = [], 0
    for action in listener.get("default_actions") or []:
        if action.get("type") != "forward":
            others += 1
            continue
        if action.get("target_group_arn"):
            targets.append(action["target_group_arn"])
        targets.extend(
            tg.get("target_group_arn") for tg in (action.get("forward_config") or {}).get("target_groups") or []
        )
    return targets, others


def _forwards_to_ours(listener, groups):
    targets, others = _targets(listener)
    return bool(listener) and others == 0 and bool(targets) and set(targets) <= set(groups)


def _current_actions(listener):
    """A listener's forward actions in the module's (API) shape, as they are."""
    actions = []
    for action in listener.get("default_actions") or []:
        groups = (action.get("forward_config") or {}).get("target_groups") or []
        if action.get("target_group_arn") and len(groups) <= 1:
            actions.append({"Type": "forward", "TargetGroupArn": action["target_group_arn"]})
        else:
            weighted = [{"TargetGroupArn": g["target_group_arn"], "Weight": int(g.get("weight", 1))} for g in groups]
            actions.append({"Type": "forward", "ForwardConfig": {"TargetGroups": weighted}})
    return actions


def _is_redirect(listener, https_port):
    actions = listener.get("default_actions") or []
    if listener.get("protocol") != "HTTP" or len(actions) != 1 or actions[0].get("type") != "redirect":
        return False
    config = actions[0].get("redirect_config") or {}
    wanted = redirect_action(https_port)["RedirectConfig"]
    return all(str(config.get(_SNAKE[key], "")) == value for key, value in wanted.items())


def _tls_matches(listener, tls):
    if listener.get("protocol") != tls["Protocol"]:
        return False
    if tls["Protocol"] != "HTTPS":
        return True
    certificates = [c.get("certificate_arn") for c in listener.get("certificates") or []]
    return certificates[:1] == [tls["Certificates"][0]["CertificateArn"]] and (
        not tls.get("SslPolicy") or listener.get("ssl_policy") == tls["SslPolicy"]
    )


def _custom_rules(listener):
    return [r for r in listener.get("rules") or [] if str(r.get("priority", "default")) != "default"]


def alb_listeners(listeners, http_port, https_port, test_port, target_group_arns, certificate_arn="", ssl_policy=""):
    groups = [arn for arn in target_group_arns or [] if arn]
    http_port, https_port, test_port = int(http_port), int(https_port), int(test_port)
    by_port = {int(item.get("port", 0)): item for item in listeners or []}
    https = bool(certificate_arn)
    production_port = https_port if https else http_port
    tls_https = {"Protocol": "HTTPS", "Certificates": [{"CertificateArn": certificate_arn}]}
    if ssl_policy:
        tls_https["SslPolicy"] = ssl_policy
    tls = {http_port: {"Protocol": "HTTP"}, production_port: tls_https if https else {"Protocol": "HTTP"}}
    tls[test_port] = tls_https if https else {"Protocol": "HTTP"}

    # Where production is live now: the HTTPS listener's group, else the HTTP one's (an HTTP stack being switched).
    live = ""
    for port in (https_port, http_port) if https else (http_port,):
        listener = by_port.get(port) or {}
        if _forwards_to_ours(listener, groups):
            live = live_target_group_arn(listener.get("default_actions")) or ""
            break
    first = groups[0] if groups else ""
    live = live or first

    problems = []
    https_listener = by_port.get(https_port) or {}
    if not https and https_listener.get("protocol") == "HTTPS" and _forwards_to_ours(https_listener, groups):
        problems.append(
            f"alb_certificate_arn (app_certificate_arn) is empty, but listener {https_port} of the load balancer "
            "serves this stack over HTTPS: turning HTTPS off in place is not supported (port "
            f"{http_port} would start serving plain HTTP). Set the certificate again, or delete the stack "
            "(teardown.yml) and create it without one."
        )

    def wanted(port, default_target):
        listener = by_port.get(port)
        if not listener or not _forwards_to_ours(listener, groups):
            return {
                **tls[port],
                "Port": port,
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": default_target}],
            }
        if not _tls_matches(listener, tls[port]):
            return {**tls[port], "Port": port, "DefaultActions": _current_actions(listener)}
        return None

    # Order matters: elb_application_lb adds before it modifies, so a new HTTPS listener serves before the HTTP
    # one becomes its redirect.
    plan = [wanted(production_port, live), wanted(test_port, first)]
    if https:
        listener = by_port.get(http_port)
        if not listener or not _is_redirect(listener, https_port):
            if listener and _custom_rules(listener):
                problems.append(
                    f"listener {http_port} has listener rules (an ECS-native release style shifts them): making it "
                    f"the redirect to HTTPS {https_port} would leave them serving plain HTTP. Switch an ECS-native "
                    "stack to HTTPS by migrating it: teardown.yml and site.yml with app_certificate_arn set."
                )
            plan.append({"Protocol": "HTTP", "Port": http_port, "DefaultActions": [redirect_action(https_port)]})
    out = [item for item in plan if item]
    return {
        "listeners": [] if problems else out,
        "production_port": production_port,
        "https": https,
        "live_target_group_arn": live,
        "tls": {str(port): value for port, value in tls.items()},
        "problems": problems,
    }


def alb_live_target_group(listener):
    """The name of the target group a listener (elb_application_lb_info's) sends its traffic to, '' for none."""
    return live_target_group((listener or {}).get("default_actions")) or ""


class FilterModule:
    def filters(self):
        return {"alb_listeners": alb_listeners, "alb_live_target_group": alb_live_target_group}
