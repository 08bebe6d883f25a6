#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: neither amazon.aws 10 nor community.aws 10 has a module or lookup for ECR's
# GetAuthorizationToken, and a docker login must not go through `aws ecr get-login-password` in an
# ansible.builtin.command task (a CLI dependency, and the password would sit in a shell pipeline).
# This module only reads: it never changes anything, so it always reports changed=false.

DOCUMENTATION = r"""
---
module: ecr_authorization_token
short_description: Get a Docker login for an Amazon ECR registry
version_added: 0.1.0
description:
  - Calls ECR C(GetAuthorizationToken) and decodes the token into the user name and password that
    C(docker login) (for example M(community.docker.docker_login)) expects.
  - The token is valid for 12 hours.
  - Register the result with C(no_log=true), it contains a password.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  registry_id:
    description:
      - The AWS account ID of the registry. Defaults to the caller's account.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it makes no changes).
"""

EXAMPLES = r"""
- name: Get an ECR login
  fargatedemo.ecs_delivery.ecr_authorization_token:
  register: ecr_login
  no_log: true

- name: Log Docker in to the registry
  community.docker.docker_login:
    registry_url: "{{ ecr_login.registry }}"
    username: "{{ ecr_login.username }}"
    password: "{{ ecr_login.password }}"
  no_log: true
"""

RETURN = r"""
username:
  description: The Docker user name (always C(AWS) for ECR).
  returned: success
  type: str
  sample: AWS
password:
  description: The Docker password (the decoded part of the token after C(AWS:)).
  returned: success
  type: str
proxy_endpoint:
  description: The registry URL to log in to.
  returned: success
  type: str
  sample: https://123456789012.dkr.ecr.ap-northeast-2.amazonaws.com
registry:
  description: The registry host of O(registry_id) (the proxy endpoint without scheme).
  returned: success
  type: str
  sample: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com
expires_at:
  description: When the token expires (ISO 8601).
  returned: success
  type: str
  sample: "2026-11-27T22:51:11+00:00"
"""

import base64

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call("get an ECR authorization token")
def get_authorization_token(client, registry_id=None):
    params = {"registryIds": [registry_id]} if registry_id else {}
    return client.get_authorization_token(aws_retry=True, **params)["authorizationData"][0]


def read_token(module, client):
    data = get_authorization_token(client, module.params["registry_id"])
    username, _sep, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    if not password:
        raise ModuleFailure("ECR returned an authorization token that is not 'user:password'")
    endpoint = data["proxyEndpoint"]
    expires = data.get("expiresAt")
    return {
        "changed": False,
        "username": username,
        "password": password,
        "proxy_endpoint": endpoint,
        "registry": endpoint.split("://", 1)[-1].rstrip("/"),
        "expires_at": expires.isoformat() if hasattr(expires, "isoformat") else expires,
    }


def main():
    module = AnsibleAWSModule(argument_spec=dict(registry_id=dict(type="str")), supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    run(module, read_token, client)


if __name__ == "__main__":
    main()
