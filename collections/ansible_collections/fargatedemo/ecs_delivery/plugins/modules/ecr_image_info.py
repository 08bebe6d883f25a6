#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: amazon.aws 10 and community.aws 10 have no module for ECR DescribeImages
# (community.aws.ecs_ecr manages repositories only), and the ecr role must know whether an image tag
# is already in the repository before it builds and pushes (immutable tags cannot be pushed twice).

DOCUMENTATION = r"""
---
module: ecr_image_info
short_description: Describe the images of an Amazon ECR repository
version_added: 0.1.0
description:
  - Lists the images of an ECR repository (C(DescribeImages)), or only those with the given tags or
    digests.
  - A tag or digest that is not in the repository is left out of RV(images) rather than failing, so
    the module answers "is this tag there?".
  - A repository that does not exist has no images; RV(repository_exists) says which case it was.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  repository_name:
    description:
      - The name of the repository, for example C(fargatedemo/helloapp).
    required: true
    type: str
  registry_id:
    description:
      - The AWS account ID of the registry. Defaults to the caller's account.
    type: str
  image_tags:
    description:
      - Only these tags.
    type: list
    elements: str
    default: []
  image_digests:
    description:
      - Only these digests (C(sha256:...)).
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode (it makes no changes).
"""

EXAMPLES = r"""
- name: Is helloapp:v2 already pushed?
  fargatedemo.ecs_delivery.ecr_image_info:
    repository_name: fargatedemo/helloapp
    image_tags: [v2]
  register: found

- name: All images of the repository
  fargatedemo.ecs_delivery.ecr_image_info:
    repository_name: fargatedemo/helloapp
"""

RETURN = r"""
repository_exists:
  description: Whether the repository exists.
  returned: always
  type: bool
images:
  description: The matching images (C(DescribeImages) C(imageDetails), snake_cased).
  returned: always
  type: list
  elements: dict
  contains:
    image_digest:
      description: The image's manifest digest.
      type: str
      sample: sha256:1fd41f6d3339f8eb8311e085cbd72e5842eb45921bacb6401fa15fa55f4e04ba
    image_tags:
      description: The image's tags.
      type: list
      elements: str
      sample: [v2]
    image_pushed_at:
      description: When the image was pushed.
      type: str
    image_size_in_bytes:
      description: Compressed size of the image.
      type: int
    registry_id:
      description: The registry's account ID.
      type: str
    repository_name:
      description: The repository.
      type: str
"""

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import (
    is_boto3_error_code,
    paginated_query_with_retries,
)
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import aws_call, run


def describe_image(client, params, image_id):
    """One id per call: DescribeImages fails as a whole on a missing id, which is left out here."""
    try:
        return client.describe_images(aws_retry=True, imageIds=[image_id], **params)["imageDetails"]
    except is_boto3_error_code("ImageNotFoundException"):
        return []


@aws_call("describe the images of {params[repositoryName]}", missing="RepositoryNotFoundException")
def describe_images(client, params, image_ids):
    """The image details of ``image_ids`` (all images when empty); None when the repository does not exist."""
    if not image_ids:
        return paginated_query_with_retries(client, "describe_images", **params)["imageDetails"]
    details = []
    for image_id in image_ids:
        found = describe_image(client, params, image_id)
        details.extend(d for d in found if d["imageDigest"] not in {x["imageDigest"] for x in details})
    return details


def read_images(module, client):
    params = {"repositoryName": module.params["repository_name"]}
    if module.params["registry_id"]:
        params["registryId"] = module.params["registry_id"]
    image_ids = [{"imageTag": t} for t in module.params["image_tags"]]
    image_ids += [{"imageDigest": d} for d in module.params["image_digests"]]
    details = describe_images(client, params, image_ids)
    images = []
    for detail in details or []:
        image = camel_dict_to_snake_dict(detail)
        if hasattr(detail.get("imagePushedAt"), "isoformat"):
            image["image_pushed_at"] = detail["imagePushedAt"].isoformat()
        images.append(image)
    return {"changed": False, "repository_exists": details is not None, "images": images}


def main():
    argument_spec = dict(
        repository_name=dict(type="str", required=True),
        registry_id=dict(type="str"),
        image_tags=dict(type="list", elements="str", default=[]),
        image_digests=dict(type="list", elements="str", default=[]),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ecr", retry_decorator=AWSRetry.jittered_backoff())
    run(module, read_images, client)


if __name__ == "__main__":
    main()
