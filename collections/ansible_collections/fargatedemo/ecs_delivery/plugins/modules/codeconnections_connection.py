#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: no module of amazon.aws or community.aws manages CodeConnections (formerly CodeStar
# Connections), the way CodePipeline reaches GitHub, Bitbucket or GitLab.

from __future__ import annotations

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
"""

try:  # noqa: SIM105 (amazon.aws idiom: HAS_BOTO3 is checked by AnsibleAWSModule)
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def find_connection(module, client, name, provider):
    request = {"ProviderTypeFilter": provider}
    while True:
        try:
            page = client.list_connections(aws_retry=True, **request)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg="Failed to list connections")
        for conn in page.get("Connections", []):
            if conn["ConnectionName"] == name:
                return conn
        if not page.get("NextToken"):
            return None
        request["NextToken"] = page["NextToken"]


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
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("codestar-connections", retry_decorator=AWSRetry.jittered_backoff())
    name, provider = module.params["name"], module.params["provider_type"]
    current = find_connection(module, client, name, provider)
    result = {"changed": False, "connection": camel_dict_to_snake_dict(current) if current else {}}

    if module.params["state"] == "absent":
        if current:
            result.update(changed=True, connection={})
            if not module.check_mode:
                try:
                    client.delete_connection(ConnectionArn=current["ConnectionArn"], aws_retry=True)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    module.fail_json_aws(e, msg=f"Failed to delete connection {name}")
        module.exit_json(**result)

    if current is None:
        result["changed"] = True
        if module.check_mode:
            module.exit_json(**result)
        tags = [{"Key": k, "Value": v} for k, v in sorted(module.params["tags"].items())]
        try:
            arn = client.create_connection(ConnectionName=name, ProviderType=provider, Tags=tags, aws_retry=True)[
                "ConnectionArn"
            ]
            current = client.get_connection(ConnectionArn=arn, aws_retry=True)["Connection"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            module.fail_json_aws(e, msg=f"Failed to create connection {name}")
        result["connection"] = camel_dict_to_snake_dict(current)
    if current.get("ConnectionStatus") == "PENDING":
        module.warn(
            f"Connection {name} is PENDING: complete the handshake with {provider} in the console "
            "(Developer Tools > Settings > Connections) before the pipeline can use it."
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
