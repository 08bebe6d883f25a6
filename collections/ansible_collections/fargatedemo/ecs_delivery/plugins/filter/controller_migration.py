# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of playbooks/migrate.yml (issue 12): may a CODE_DEPLOY service move to an ECS-native style in place?

* ``migration_problems``: the inputs, before any AWS call (the wanted style must be ECS-native, no pipeline);
* ``release_switch_problems``: the live service and the wanted ``app_release_strategy`` (every stack playbook, right
  after the stack facts, before IAM): a native service cannot go back to ``rolling`` or ``codedeploy`` in place;
* ``controller_migration``: the service as DescribeServices reads it, its CodeDeploy deployment group's in-flight
  deployment (``codedeploy_deployment_info``) and the production listener's live target group: whether to switch,
  the target group production stays on, and why not (a deployment in flight, task sets that disagree...).
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: controller_migration
short_description: Decide whether a CODE_DEPLOY service can move to ECS-native blue/green in place
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Reads the service (DescribeServices' shape, as C(community.aws.ecs_service_info) with C(details) returns it),
    the deployment group's deployment as M(fargatedemo.ecs_delivery.codedeploy_deployment_info) returns it and the
    production listener's live target group ARN, and returns what C(playbooks/migrate.yml) does.
  - The same file holds the filter C(migration_problems) (the playbook's inputs, no AWS answer needed) and
    C(release_switch_problems) (the live service against the wanted release style; service, style, names).
options:
  _input:
    description:
      - The service (C(serviceName), C(status), C(deploymentController), C(deploymentConfiguration), C(taskSets)).
    type: dict
    required: true
  deployment:
    description: M(fargatedemo.ecs_delivery.codedeploy_deployment_info)'s result for the service's deployment group.
    type: dict
    required: true
  live_target_group_arn:
    description: The target group the production listener forwards (most of) its traffic to.
    type: str
    required: true
  names:
    description: The C(cluster), C(service), C(application) and C(group) names the messages use.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide
  ansible.builtin.set_fact:
    plan: "{{ service | fargatedemo.ecs_delivery.controller_migration(deployment, live_arn, names) }}"
"""

RETURN = r"""
_value:
  description:
    - C(switch) (true when the service is CODE_DEPLOY-controlled and may move now), C(migrated) (already ECS with a
      native strategy, nothing to switch), C(live_target_group_arn) (the group production stays on) and
      C(problems) (why the playbook refuses; empty when it may go on).
  type: dict
"""

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

NATIVE_STYLES = ("blue_green", "linear", "canary")
NATIVE_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def _true(value):
    return str(value).strip().lower() in ("true", "yes", "1", "on")


def migration_problems(values, prefix="app_release_"):
    """Messages for the inputs playbooks/migrate.yml refuses, each naming the variable the user set."""
    if not isinstance(values, Mapping):
        raise AnsibleFilterError("migration_problems: the input must be a dict of variable names to values")
    problems = []
    style = values.get(prefix + "strategy")
    if style not in NATIVE_STYLES:
        problems.append(
            f"{prefix}strategy is {style!r}: playbooks/migrate.yml moves a CODE_DEPLOY service to an ECS-native "
            f"style, so it must be one of {', '.join(NATIVE_STYLES)} (a switch between rolling and a native style "
            "is site.yml with another app_release_strategy)."
        )
    if _true(values.get("codepipeline_enabled", False)):
        problems.append(
            "codepipeline_enabled is true: the pipeline's deploy stage uses the CodeDeploy deployment group the "
            "migration removes, and the ECS-native styles do not run with the pipeline yet; set it to false."
        )
    return problems


def release_switch_problems(service, style, names):
    """Why a converge must not switch the live ``service`` to the release ``style`` (empty when it may).

    ECS-native -> rolling is refused: UpdateService to ROLLING must keep the service on the target group the
    production rule serves (tg1 or tg2, whichever the last release left), and the roles declare tg1 without the
    alternate group, so ECS answers "alternateTargetGroupArn is required" (and, when it did not, a rolling update onto
    tg1 while the rule sends 100 % to tg2 would leave production without targets). ECS-native -> codedeploy needs
    ROLLING first (AWS refuses CODE_DEPLOY for a service with advanced configuration), so it is refused as well.
    A missing or inactive service (first run) and any switch towards a native style are fine.
    """
    if not isinstance(names, Mapping):
        raise AnsibleFilterError("release_switch_problems: give the names (a dict with cluster and service)")
    if not isinstance(service, Mapping) or service.get("status") != "ACTIVE":
        return []
    controller = (service.get("deploymentController") or {}).get("type") or "ECS"
    strategy = (service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
    if controller != "ECS" or strategy not in NATIVE_STRATEGIES or style in NATIVE_STYLES:
        return []
    live = strategy.lower()
    return [
        f"app_release_strategy is {style!r} but service {names.get('service')} of cluster {names.get('cluster')} "
        f"runs ECS-native {strategy} releases: the stack cannot switch a native service back to {style!r} in place "
        f"(ECS would need the alternate target group and the listener rules kept, see docs/ecs-native-releases.md). "
        f"Keep app_release_strategy {live!r} (or another native style: {', '.join(NATIVE_STYLES)}), or delete the "
        f"service (playbooks/teardown.yml) and converge again with {style!r}. Nothing was changed."
    ]


def _primary_target_group(service):
    task_sets = service.get("taskSets") or []
    primary = [ts for ts in task_sets if ts.get("status") == "PRIMARY"]
    lbs = (primary[0].get("loadBalancers") if primary else service.get("loadBalancers")) or []
    return (lbs[0].get("targetGroupArn") if lbs else "") or ""


def _name(arn):
    parts = str(arn or "").split("/")
    return parts[1] if len(parts) > 2 else str(arn or "")


def controller_migration(service, deployment, live_target_group_arn, names):
    """{switch, migrated, live_target_group_arn, problems} for the service (see DOCUMENTATION)."""
    if not isinstance(deployment, Mapping) or not isinstance(names, Mapping):
        raise AnsibleFilterError("controller_migration: give the deployment (a dict) and the names (a dict)")
    svc = f"Service {names.get('service')} of cluster {names.get('cluster')}"
    out = {"switch": False, "migrated": False, "live_target_group_arn": "", "problems": []}
    if not isinstance(service, Mapping) or service.get("status") != "ACTIVE":
        out["problems"].append(f"{svc} does not exist: nothing to migrate (site.yml creates it in the chosen style).")
        return out
    controller = (service.get("deploymentController") or {}).get("type") or "ECS"
    strategy = (service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"
    if controller == "ECS":
        if strategy in NATIVE_STRATEGIES:
            out["migrated"] = True
        else:
            out["problems"].append(
                f"{svc} uses the ECS controller with the {strategy} strategy, not CodeDeploy: move it to an "
                "ECS-native style with site.yml and app_release_strategy (playbooks/migrate.yml is for CODE_DEPLOY "
                "services). Nothing was changed."
            )
        return out
    if controller != "CODE_DEPLOY":
        out["problems"].append(f"{svc} uses the {controller} controller: only CODE_DEPLOY services are migrated.")
        return out
    if deployment.get("in_flight"):
        out["problems"].append(
            f"CodeDeploy deployment {deployment.get('deployment_id')} of deployment group {names.get('group')} "
            f"(application {names.get('application')}) is in flight ({deployment.get('status')}): ECS cannot change "
            "the controller until it ends. Let it finish (playbooks/deploy.yml waits for it; or follow it with "
            "fargatedemo.ecs_delivery.codedeploy_deployment_info wait_until=succeeded) or stop it with "
            "playbooks/rollback.yml, then run playbooks/migrate.yml again. Nothing was changed."
        )
        return out
    task_sets = service.get("taskSets") or []
    if len(task_sets) > 1:
        out["problems"].append(
            f"{svc} has {len(task_sets)} task sets ({', '.join(ts.get('status', '?') for ts in task_sets)}): a "
            "release is not over; ECS switches a service with one PRIMARY task set only. Finish or roll it back "
            "(playbooks/rollback.yml), then run playbooks/migrate.yml again. Nothing was changed."
        )
        return out
    primary = _primary_target_group(service)
    if live_target_group_arn and primary and primary != live_target_group_arn:
        out["problems"].append(
            f"{svc}: its PRIMARY task set serves target group {_name(primary)} but the production listener "
            f"forwards to {_name(live_target_group_arn)}; put production back on {_name(primary)} (a CodeDeploy "
            "rollback) before migrating. Nothing was changed."
        )
        return out
    out["switch"] = True
    out["live_target_group_arn"] = primary or live_target_group_arn or ""
    return out


class FilterModule:
    def filters(self):
        return {
            "controller_migration": controller_migration,
            "migration_problems": migration_problems,
            "release_switch_problems": release_switch_problems,
        }
