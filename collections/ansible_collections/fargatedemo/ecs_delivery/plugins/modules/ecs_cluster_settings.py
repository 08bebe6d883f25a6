#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: community.aws.ecs_cluster (10.0.0) manages capacity providers only; it has no option
# for cluster settings (Container Insights), and no released module calls UpdateClusterSettings.
# This one does only that, on an existing cluster, so the role keeps using community.aws.ecs_cluster
# for the cluster itself and community.aws.ecs_tag for tags.

DOCUMENTATION = r"""
---
module: ecs_cluster_settings
short_description: Manage the settings (Container Insights) of an existing ECS cluster
version_added: 0.1.0
description:
  - Reads the settings of an Amazon ECS cluster and calls C(UpdateClusterSettings) only when a requested
    setting differs from the current one.
  - The only cluster setting the ECS API knows today is C(containerInsights).
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
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("describe cluster {cluster}")
def describe_cluster(client, cluster):
    response = client.describe_clusters(clusters=[cluster], include=["SETTINGS"], aws_retry=True)
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
    if changes and not module.check_mode:
        settings = update_cluster_settings(client, current["clusterArn"], changes) or settings
    result = {
        "changed": bool(changes),
        "cluster_arn": current["clusterArn"],
        "settings": [camel_dict_to_snake_dict(s) for s in settings],
    }
    return set_diff(module, result, {"settings": before}, {"settings": after})


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        container_insights=dict(type="str", choices=["enhanced", "enabled", "disabled"]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecs", retry_decorator=AWSRetry.jittered_backoff())
    run(module, ensure_present, client)


if __name__ == "__main__":
    main()
