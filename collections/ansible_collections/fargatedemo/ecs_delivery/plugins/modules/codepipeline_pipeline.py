#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: community.aws.codepipeline (10.0.0) calls UpdatePipeline on every run (changed every
# time, and a new pipeline version each run) and has no check mode or V2 options (pipeline type,
# triggers, variables, execution mode). This one reads the pipeline first and updates only on a difference.

DOCUMENTATION = r"""
---
module: codepipeline_pipeline
short_description: Create, update or delete an AWS CodePipeline pipeline (V1 or V2), comparing first
version_added: 0.1.0
description:
  - Creates a pipeline, or calls C(UpdatePipeline) only when the declared structure differs from the
    current one, or deletes it. Tags are applied with C(TagResource)/C(UntagResource).
  - O(stages), O(triggers) and O(variables) are given in the shape of the CodePipeline API (camelCase keys,
    for example C(actionTypeId), C(inputArtifacts)), so a pipeline JSON from the console or the CLI can be
    pasted as is. Action C(configuration) values are sent as strings (booleans become C(true)/C(false)).
  - Defaults AWS fills in (C(runOrder) 1, empty artifact lists and configuration) are filled in before
    comparing, so an unchanged declaration never updates the pipeline.
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  name:
    description: Name of the pipeline.
    required: true
    type: str
  state:
    description: Whether the pipeline should exist.
    type: str
    choices: [present, absent]
    default: present
  role_arn:
    description: ARN of the IAM role CodePipeline assumes. Required when O(state=present).
    type: str
  artifact_store:
    description: Where artifacts are stored, as the C(artifactStore) of the API (C(type) S3, C(location) bucket name,
      optionally C(encryptionKey)).
    type: dict
  stages:
    description: The stages, as the C(stages) of the API. Required when O(state=present).
    type: list
    elements: dict
  pipeline_type:
    description: V2 has triggers, variables and execution modes, and is billed per action minute.
    type: str
    choices: [V1, V2]
    default: V2
  execution_mode:
    description: How concurrent executions are handled (V2 only for other than SUPERSEDED).
    type: str
    choices: [QUEUED, SUPERSEDED, PARALLEL]
    default: SUPERSEDED
  triggers:
    description: Triggers (V2), as the C(triggers) of the API, for CodeStarSourceConnection source actions.
    type: list
    elements: dict
    default: []
  variables:
    description: Pipeline-level variables (V2), as the C(variables) of the API.
    type: list
    elements: dict
    default: []
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - amazon.aws.tags
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: A V2 pipeline CodeCommit -> CodeBuild -> ECS
  fargatedemo.ecs_delivery.codepipeline_pipeline:
    name: helloapp-pipeline
    role_arn: arn:aws:iam::123456789012:role/helloapp-codepipeline
    artifact_store:
      type: S3
      location: helloapp-artifacts-123456789012-ap-northeast-2
    stages:
      - name: Source
        actions:
          - name: Source
            actionTypeId: {category: Source, owner: AWS, provider: CodeCommit, version: "1"}
            configuration: {RepositoryName: helloapp, BranchName: main, PollForSourceChanges: false}
            outputArtifacts: [{name: SourceArtifact}]
      - name: Build
        actions:
          - name: Build
            actionTypeId: {category: Build, owner: AWS, provider: CodeBuild, version: "1"}
            configuration: {ProjectName: helloapp-build}
            inputArtifacts: [{name: SourceArtifact}]
            outputArtifacts: [{name: BuildArtifact}]
      - name: Deploy
        actions:
          - name: Deploy
            actionTypeId: {category: Deploy, owner: AWS, provider: ECS, version: "1"}
            configuration: {ClusterName: helloapp, ServiceName: helloapp, FileName: imagedefinitions.json}
            inputArtifacts: [{name: BuildArtifact}]
"""

RETURN = r"""
pipeline:
  description: The pipeline declaration as CodePipeline returns it (keys in snake_case, action configuration
    keys as AWS spells them). In check mode, the current one.
  returned: when O(state=present) and the pipeline exists (or was created)
  type: dict
  contains:
    name:
      description: Name.
      type: str
    version:
      description: Version, incremented by every update.
      type: int
    pipeline_type:
      description: V1 or V2.
      type: str
    stages:
      description: Stages and their actions.
      type: list
      elements: dict
pipeline_arn:
  description: ARN of the pipeline.
  returned: when the pipeline exists
  type: str
differences:
  description: Parts of the declaration that differed (empty when nothing changed).
  returned: always
  type: list
  elements: str
  sample: ["stages[2].actions[0].actionTypeId.provider"]
"""

import copy

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import compare
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import aws_call, run


def config_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def normalize_stages(stages):
    """The stages with AWS's defaults filled in and configuration values as strings."""
    stages = copy.deepcopy(stages)
    for stage in stages:
        for action in stage.get("actions", []):
            action.setdefault("runOrder", 1)
            action["configuration"] = {k: config_value(v) for k, v in (action.get("configuration") or {}).items()}
            action.setdefault("inputArtifacts", [])
            action.setdefault("outputArtifacts", [])
            type_id = action.get("actionTypeId") or {}
            if "version" in type_id:
                type_id["version"] = str(type_id["version"])
    return stages


def desired_declaration(params):
    declaration = {
        "name": params["name"],
        "roleArn": params["role_arn"],
        "artifactStore": params["artifact_store"],
        "stages": normalize_stages(params["stages"]),
        "pipelineType": params["pipeline_type"],
        "executionMode": params["execution_mode"],
        "triggers": params["triggers"],
        "variables": params["variables"],
    }
    return {k: v for k, v in declaration.items() if v is not None}


@aws_call("get pipeline {name}", missing="PipelineNotFoundException", default=(None, None))
def get_pipeline(client, name):
    answer = client.get_pipeline(name=name, aws_retry=True)
    return answer["pipeline"], answer.get("metadata", {}).get("pipelineArn")


@aws_call("list the tags of pipeline {arn}")
def get_tags(client, arn):
    return compare.tag_dict(client.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags", []))


@aws_call("create pipeline {name}")
def create_pipeline(client, name, declaration, tags):
    request = {"pipeline": declaration}
    if tags:
        request["tags"] = compare.tag_list(tags)
    return client.create_pipeline(aws_retry=True, **request)["pipeline"]


@aws_call("update pipeline {name}")
def update_pipeline(client, name, declaration):
    return client.update_pipeline(pipeline=declaration, aws_retry=True)["pipeline"]


@aws_call("tag pipeline {arn}")
def tag_pipeline(client, arn, tags):
    client.tag_resource(resourceArn=arn, tags=compare.tag_list(tags), aws_retry=True)


@aws_call("untag pipeline {arn}")
def untag_pipeline(client, arn, keys):
    client.untag_resource(resourceArn=arn, tagKeys=list(keys), aws_retry=True)


@aws_call("delete pipeline {name}")
def delete_pipeline(client, name):
    client.delete_pipeline(name=name, aws_retry=True)


def snake(pipeline):
    # compare.snake_keys, not camel_dict_to_snake_dict: the latter drops its ignore_list inside lists and
    # would rewrite action configuration keys.
    return compare.snake_keys(pipeline, keep=("configuration",)) if pipeline else {}


def ensure_present(module, client):
    name, tags = module.params["name"], module.params["tags"]
    wanted = desired_declaration(module.params)
    current, arn = get_pipeline(client, name)
    if current is None:
        result = {"changed": True, "differences": ["pipeline"]}
        if not module.check_mode:
            created = create_pipeline(client, name, wanted, tags)
            result.update(pipeline=snake(created), pipeline_arn=get_pipeline(client, name)[1])
        return compare.set_diff(module, result, {}, snake(wanted))

    # Compare with what AWS holds, defaults filled the same way on both sides.
    have = dict(current, stages=normalize_stages(current.get("stages", [])))
    have.setdefault("triggers", [])
    have.setdefault("variables", [])
    found = compare.differences(wanted, have, exact_keys=("configuration", "triggers", "variables"))
    current_tags = get_tags(client, arn)
    to_set, to_remove = compare.tag_changes(tags, current_tags, module.params["purge_tags"])
    differences = found + (["tags"] if to_set or to_remove else [])
    result = {"changed": bool(differences), "pipeline": snake(current), "pipeline_arn": arn, "differences": differences}
    if not differences:
        return result
    if found and not module.check_mode:
        result["pipeline"] = snake(update_pipeline(client, name, wanted))
    if to_set and not module.check_mode:
        tag_pipeline(client, arn, to_set)
    if to_remove and not module.check_mode:
        untag_pipeline(client, arn, to_remove)
    return compare.set_diff(module, result, *compare.update_diff(have, wanted, snake, current_tags, tags))


def ensure_absent(module, client):
    name = module.params["name"]
    current, _arn = get_pipeline(client, name)
    result = {"changed": current is not None, "differences": []}
    if current is not None and not module.check_mode:
        delete_pipeline(client, name)
    return compare.set_diff(module, result, snake(current), {}) if current is not None else result


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        role_arn=dict(type="str"),
        artifact_store=dict(type="dict"),
        stages=dict(type="list", elements="dict"),
        pipeline_type=dict(type="str", choices=["V1", "V2"], default="V2"),
        execution_mode=dict(type="str", choices=["QUEUED", "SUPERSEDED", "PARALLEL"], default="SUPERSEDED"),
        triggers=dict(type="list", elements="dict", default=[]),
        variables=dict(type="list", elements="dict", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ("role_arn", "artifact_store", "stages"))],
    )
    client = module.client("codepipeline", retry_decorator=AWSRetry.jittered_backoff())
    ensure = ensure_present if module.params["state"] == "present" else ensure_absent
    run(module, ensure, client)


if __name__ == "__main__":
    main()
