# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``fargatedemo.ecs_delivery.image_reference`` filter: the parts of an image URI, and whether it is in ECR."""

from __future__ import annotations

DOCUMENTATION = r"""
name: image_reference
short_description: Split an image URI into registry, repository, tag and digest, and say whether it is in ECR
version_added: 1.0.0
author:
  - fargatedemo maintainers (@fargatedemo)
description:
  - Parses a container image reference (C(registry/repository:tag), C(registry/repository@sha256:<digest>)) as
    the stack's C(app_image_uri) gives it, and says whether it is in an Amazon ECR private registry
    (C(<account>.dkr.ecr.<region>.amazonaws.com)) or in the registry the stack pushes to, so that the stack can
    look it up with ECR C(DescribeImages) and pin its digest.
  - The same parser as the pre-flight's rule for C(app_image_uri) (the collection's C(plugins/plugin_utils/limits.py)).
options:
  _input:
    description: The image URI.
    type: str
    required: true
  stack_registry:
    description:
      - The registry host the stack pushes to (C(stack_image_registry)); an image there counts as an ECR image of
        the stack's account and region.
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: The parts of a prebuilt image
  ansible.builtin.debug:
    msg: "{{ image | fargatedemo.ecs_delivery.image_reference }}"
  vars:
    image: 123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/team/app:1.4.2
"""

RETURN = r"""
_value:
  description: The parts of the reference.
  type: dict
  contains:
    registry:
      description: The registry host (V(docker.io) when the URI names none).
      type: str
    repository:
      description: The repository, for example V(team/app).
      type: str
    tag:
      description: The tag, empty when the URI has none.
      type: str
    digest:
      description: The digest (C(sha256:...)), empty when the URI has none.
      type: str
    ecr:
      description: Whether the image is in an ECR registry (or the stack's own).
      type: bool
    registry_id:
      description: The ECR registry's account, from its host; empty for the stack's own registry.
      type: str
    region:
      description: The ECR registry's region, from its host; empty for the stack's own registry.
      type: str
    pinned:
      description: The reference by digest (C(registry/repository@sha256:...)) when the URI carries a digest.
      type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.fargatedemo.ecs_delivery.plugins.plugin_utils.limits import image_reference as parse


def image_reference(uri, stack_registry=""):
    ref = parse(uri, str(stack_registry or ""))
    if ref is None:
        raise AnsibleFilterError(f"image_reference: {uri!r} is not an image reference (registry/repository:tag)")
    return ref


class FilterModule:
    def filters(self):
        return {"image_reference": image_reference}
