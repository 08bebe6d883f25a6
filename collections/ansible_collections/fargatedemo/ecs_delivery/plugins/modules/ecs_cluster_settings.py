#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: community.aws.ecs_cluster (10.0.0) manages capacity providers only; it has no option
# for cluster settings (Container Insights), and no released module calls UpdateClusterSettings.
# This one does that, on an existing cluster, so the role keeps using community.aws.ecs_cluster for the cluster
# itself. It also sets the cluster's tags: DescribeClusters returns settings and tags in one call, so a no-change run
# reads the cluster once instead of once more for community.aws.ecs_tag.

DOCUMENTATION = r"""
---
module: ecs_cluster_settings
short_description: Manage the settings (Container Insights) and tags of an existing ECS cluster
version_added: 0.1.0
description:
  - Reads the settings of an Amazon ECS cluster and calls C(UpdateClusterSettings) only when a requested
    setting differs from the current one.
  - The only cluster setting the ECS API knows today is C(containerInsights).
  - With O(tags), adds or changes the cluster's tags (C(TagResource)), and with O(purge_tags) removes the others
    (C(UntagResource)); tags whose key starts with C(aws:) are never removed.
  - The cluster must exist; create it first, for example with M(community.aws.ecs_cluster).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  cluster:
    description:
      - Name or ARN of the cluster.
    required: true
    type: str
  container_insights:
    description:
      - CloudWatch Container Insights for the cluster.
      - V(enhanced) is Container Insights with enhanced observability, V(enabled) the standard one.
      - When omitted, the setting is left as it is.
    type: str
    choices: [enhanced, enabled, disabled]
  tags:
    description:
      - Tags the cluster should have. When omitted, the tags are left as they are.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove the tags not in O(tags) (with O(tags) only).
    type: bool
    default: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Turn Container Insights on for the helloapp cluster
  fargatedemo.ecs_delivery.ecs_cluster_settings:
    cluster: helloapp
    container_insights: enabled

- name: Container Insights and the stack's tags, other tags removed
  fargatedemo.ecs_delivery.ecs_cluster_settings:
    cluster: helloapp
    container_insights: enabled
    tags:
      application: helloapp
      managed-by: fargatedemo.ecs_delivery
"""

RETURN = r"""
cluster_arn:
  description: ARN of the cluster.
  returned: always
  type: str
  sample: arn:aws:ecs:ap-northeast-2:123456789012:cluster/helloapp
settings:
  description: The cluster settings after the change (or as they would be, in check mode).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Name of the setting.
      type: str
      sample: containerInsights
    value:
      description: Value of the setting.
      type: str
      sample: enabled
tags:
  description: The cluster's tags after the change (or as they would be, in check mode).
  returned: always
  type: dict
  sample: {"application": "helloapp", "managed-by": "fargatedemo.ecs_delivery"}
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("describe cluster {cluster}")
def describe_cluster(client, cluster):
    response = client.describe_clusters(clusters=[cluster], include=["SETTINGS", "TAGS"], aws_retry=True)
    clusters = [c for c in response.get("clusters", []) if c.get("status") != "INACTIVE"]
    return clusters[0] if clusters else None


@aws_call(
    "update the settings of cluster {cluster}",
    explain={"ClusterNotFoundException": "ECS cluster {cluster} disappeared"},
)
def update_cluster_settings(client, cluster, settings):
    answer = client.update_cluster_settings(
        cluster=cluster, settings=[{"name": k, "value": v} for k, v in settings.items()], aws_retry=True
    )
    return answer["cluster"].get("settings")


@aws_call("tag cluster {arn}")
def tag_cluster(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=[{"key": k, "value": v} for k, v in sorted(tags.items())], aws_retry=True)


@aws_call("untag cluster {arn}")
def untag_cluster(client, arn, keys):
    client.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True)


def tag_changes(module, current_tags):
    """(to set, to remove, tags after) for O(tags)/O(purge_tags); keys starting with aws: are never removed."""
    wanted = module.params["tags"]
    if wanted is None:
        return {}, [], dict(current_tags)
    wanted = {str(k): str(v) for k, v in wanted.items()}
    to_set, to_remove = compare_aws_tags(current_tags, wanted, module.params["purge_tags"])
    to_remove = sorted(k for k in to_remove if not k.startswith("aws:"))
    after = {k: v for k, v in {**current_tags, **to_set}.items() if k not in to_remove}
    return to_set, to_remove, after


def ensure_present(module, client):
    cluster = module.params["cluster"]
    current = describe_cluster(client, cluster)
    if current is None:
        raise ModuleFailure(f"ECS cluster {cluster} does not exist (or is INACTIVE); create it first")
    before = {s["name"]: s["value"] for s in current.get("settings", [])}
    wanted = {}
    if module.params["container_insights"] is not None:
        wanted["containerInsights"] = module.params["container_insights"]
    changes = {k: v for k, v in wanted.items() if before.get(k) != v}
    after = {**before, **changes}
    settings = [{"name": k, "value": v} for k, v in after.items()]
    tags_before = {t["key"]: t.get("value", "") for t in current.get("tags") or []}
    to_set, to_remove, tags_after = tag_changes(module, tags_before)
    arn = current["clusterArn"]
    if not module.check_mode:
        if changes:
            settings = update_cluster_settings(client, arn, changes) or settings
        if to_remove:
            untag_cluster(client, arn, to_remove)
        if to_set:
            tag_cluster(client, arn, to_set)
    result = {
        "changed": bool(changes or to_set or to_remove),
        "cluster_arn": arn,
        "settings": [camel_dict_to_snake_dict(s) for s in settings],
        "tags": tags_after,
    }
    return set_diff(module, result, {"settings": before, "tags": tags_before}, {"settings": after, "tags": tags_after})


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_insights=dict(type="str", choices=["enhanced", "enabled", "disabled"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    run(module, ensure_present, client)


if __name__ == "__main__":
    main()
