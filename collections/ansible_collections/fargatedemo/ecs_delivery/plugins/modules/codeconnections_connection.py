#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: no module of amazon.aws or community.aws manages CodeConnections (formerly CodeStar
# Connections), the way CodePipeline reaches GitHub, Bitbucket or GitLab.

DOCUMENTATION = r"""
---
module: codeconnections_connection
short_description: Create or delete an AWS CodeConnections connection (GitHub, Bitbucket, GitLab)
version_added: 0.1.0
description:
  - Finds a connection by name and provider and creates it when missing, or deletes it.
  - A new connection is C(PENDING) and cannot be used until a person completes the OAuth handshake
    with the provider in the console (Developer Tools > Settings > Connections > Update pending
    connection). The module cannot do that for you; it returns the status and warns while it is C(PENDING).
  - Uses the C(codestar-connections) API endpoint, which serves the same connections as C(codeconnections)
    and whose ARNs CodePipeline accepts.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  name:
    description: Name of the connection (1 to 32 characters, unique in the account and region).
    required: true
    type: str
  provider_type:
    description: The provider.
    type: str
    choices: [Bitbucket, GitHub, GitHubEnterpriseServer, GitLab, GitLabSelfManaged, AzureDevOps]
    default: GitHub
  state:
    description: Whether the connection should exist.
    type: str
    choices: [present, absent]
    default: present
  tags:
    description: Tags given when the connection is created (not updated afterwards).
    type: dict
    default: {}
  owner_tags:
    description:
      - With O(state=absent), delete the connection only when it carries every one of these tags (key and value);
        a connection of the same name without them is someone else's and is left, with a warning and RV(left).
      - Empty, the connection of that name and provider is deleted whatever its tags.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode.
"""

EXAMPLES = r"""
- name: A connection to GitHub (someone must then accept it in the console)
  fargatedemo.ecs_delivery.codeconnections_connection:
    name: helloapp-github
    provider_type: GitHub
  register: connection
"""

RETURN = r"""
connection:
  description: The connection (empty in check mode when it would be created, and after deletion).
  returned: always
  type: dict
  contains:
    connection_arn:
      description: ARN to give a CodeStarSourceConnection action.
      type: str
    connection_name:
      description: Name.
      type: str
    connection_status:
      description: PENDING until the handshake is completed in the console, then AVAILABLE (or ERROR).
      type: str
    provider_type:
      description: Provider.
      type: str
left:
  description: With O(state=absent) and O(owner_tags), true when a connection of that name was found and left.
  returned: when a connection was left
  type: bool
  sample: true
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import aws_call, run


@aws_call("list {provider} connections")
def find_connection(client, name, provider):
    # botocore has no paginator for ListConnections (can_paginate is False for codeconnections and
    # codestar-connections), so amazon.aws's paginated_query_with_retries cannot page it: follow NextToken here.
    params = {"ProviderTypeFilter": provider}
    while True:
        page = client.list_connections(aws_retry=True, **params)
        found = next((c for c in page.get("Connections", []) if c["ConnectionName"] == name), None)
        if found or not page.get("NextToken"):
            return found
        params["NextToken"] = page["NextToken"]


@aws_call("create connection {name}")
def create_connection(client, name, provider, tags):
    tag_list = sorted(ansible_dict_to_boto3_tag_list(tags), key=lambda tag: tag["Key"])
    arn = client.create_connection(ConnectionName=name, ProviderType=provider, Tags=tag_list, aws_retry=True)[
        "ConnectionArn"
    ]
    return client.get_connection(ConnectionArn=arn, aws_retry=True)["Connection"]


@aws_call("read the tags of connection {arn}")
def connection_tags(client, arn):
    return boto3_tag_list_to_ansible_dict(
        client.list_tags_for_resource(ResourceArn=arn, aws_retry=True).get("Tags") or []
    )


@aws_call("delete connection {name}")
def delete_connection(client, name, arn):
    client.delete_connection(ConnectionArn=arn, aws_retry=True)


def view(connection):
    return camel_dict_to_snake_dict(connection) if connection else {}


def ensure_present(module, client):
    name, provider = module.params["name"], module.params["provider_type"]
    current = find_connection(client, name, provider)
    result = {"changed": current is None, "connection": view(current)}
    if current is None:
        set_diff(module, result, {}, {"connection_name": name, "provider_type": provider})
        if module.check_mode:
            return result
        current = create_connection(client, name, provider, module.params["tags"])
        result["connection"] = view(current)
    if current.get("ConnectionStatus") == "PENDING":
        module.warn(
            f"Connection {name} is PENDING: complete the handshake with {provider} in the console "
            "(Developer Tools > Settings > Connections) before the pipeline can use it."
        )
    return result


def ensure_absent(module, client):
    name, provider = module.params["name"], module.params["provider_type"]
    current = find_connection(client, name, provider)
    result = {"changed": current is not None, "connection": {}}
    if current is None:
        return result
    owner = {str(k): str(v) for k, v in module.params["owner_tags"].items()}
    if owner:
        tags = connection_tags(client, current["ConnectionArn"])
        foreign = sorted(k for k, v in owner.items() if tags.get(k) != v)
        if foreign:
            module.warn(f"Left connection {name}: it does not carry the owner tags {', '.join(foreign)}")
            return {"changed": False, "connection": view(current), "left": True}
    if not module.check_mode:
        delete_connection(client, name, current["ConnectionArn"])
    return set_diff(module, result, view(current), {})


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        provider_type=dict(
            type="str",
            default="GitHub",
            choices=["Bitbucket", "GitHub", "GitHubEnterpriseServer", "GitLab", "GitLabSelfManaged", "AzureDevOps"],
        ),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", default={}),
        owner_tags=dict(type="dict", default={}),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("codestar-connections", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
