#!/usr/bin/python
# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# Why a module: the seed pushes the application with git over SSH keys uploaded to an IAM user. The
# CodeCommit API (GetBranch, GetFolder, CreateCommit) does the same with the play's own credentials,
# needs no git client, no SSH key and no credential helper, and lets us compare before committing.

DOCUMENTATION = r"""
---
module: codecommit_files
short_description: Commit a directory (and generated files) to an AWS CodeCommit branch when they changed
version_added: 0.1.0
description:
  - Makes a branch of a CodeCommit repository hold exactly the given files, like C(git add -A; git commit;
    git push) of a directory, through the CodeCommit API.
  - Compares first. The git blob id and file mode of every local file are compared with the branch's
    tree (C(GetBranch), C(GetFolder)); C(CreateCommit) is called only when something differs, so a
    second run reports no change and creates no empty commit.
  - Creates the branch with the first commit when the repository is empty or the branch is missing
    (a missing branch starts from the repository's default branch).
author:
  - fargatedemo maintainers (@fargatedemo)
options:
  repository:
    description: Name of the CodeCommit repository (it must exist).
    required: true
    type: str
  branch:
    description: Branch to commit to.
    type: str
    default: main
  src:
    description:
      - Local directory whose files are committed, with paths relative to it.
      - Symbolic links are skipped; a file with the owner's execute bit is committed as C(EXECUTABLE).
    type: path
  files:
    description:
      - Files given inline (for example rendered templates); they win over a file of O(src) with the same path.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Path in the repository, relative to its root.
        required: true
        type: str
      content:
        description: Text content of the file.
        required: true
        type: str
      executable:
        description: Commit the file with mode C(EXECUTABLE).
        type: bool
        default: false
  exclude:
    description: Glob patterns of paths (or folder names) under O(src) not to commit.
    type: list
    elements: str
    default: []
  delete_missing:
    description: Delete files of the branch that are neither under O(src) nor in O(files).
    type: bool
    default: true
  commit_message:
    description: Message of the commit.
    type: str
    default: Update from Ansible
  author_name:
    description: Author of the commit; CodeCommit uses the caller's identity when omitted.
    type: str
  email:
    description: E-mail address of the author.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Supports check mode and diff mode (the diff lists the paths that would be added, updated and deleted).
  - One C(CreateCommit) call holds at most 100 file entries and 6 MB per file; the module fails before
    calling AWS when a change set is bigger.
"""

EXAMPLES = r"""
- name: Push the application and its rendered build files to CodeCommit
  fargatedemo.ecs_delivery.codecommit_files:
    repository: helloapp
    branch: main
    src: "{{ playbook_dir }}/../hello_app"
    exclude: ["*.j2", "__pycache__", "wheels"]
    files:
      - path: buildspec.yml
        content: "{{ lookup('ansible.builtin.template', 'buildspec.yml.j2') }}"
    commit_message: Deploy helloapp
"""

RETURN = r"""
commit_id:
  description: Tip of the branch after the run (the new commit, or the unchanged tip). Empty in check mode
    when a commit would be created on an empty repository.
  returned: always
  type: str
  sample: 9d6cce2545ac01ebc0e06b2a28a00b3971fc4401
files_added:
  description: Paths added (or that would be added in check mode).
  returned: always
  type: list
  elements: str
files_updated:
  description: Paths whose content or mode changed.
  returned: always
  type: list
  elements: str
files_deleted:
  description: Paths deleted.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.codecommit import (
    MAX_ENTRIES_PER_COMMIT,
    MAX_FILE_BYTES,
    change_set,
    local_files,
    remote_files,
)
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.compare import set_diff
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils.errors import ModuleFailure, aws_call, run


@aws_call(
    "get CodeCommit repository {repository}",
    explain={"RepositoryDoesNotExistException": "CodeCommit repository {repository} does not exist; create it first"},
)
def get_repository(client, repository):
    return client.get_repository(repositoryName=repository, aws_retry=True)["repositoryMetadata"]


@aws_call("get branch {branch} of {repository}", missing="BranchDoesNotExistException")
def get_branch_tip(client, repository, branch):
    return client.get_branch(repositoryName=repository, branchName=branch, aws_retry=True)["branch"]["commitId"]


@aws_call("read the files of {repository} at {commit_id}")
def read_files(client, repository, commit_id):
    return remote_files(client, repository, commit_id)


@aws_call("create branch {branch} of {repository}")
def create_branch(client, repository, branch, commit_id):
    client.create_branch(repositoryName=repository, branchName=branch, commitId=commit_id, aws_retry=True)


@aws_call("commit to {repository}:{branch}", missing="NoChangeException")
def create_commit(client, repository, branch, request):
    return client.create_commit(aws_retry=True, **request)["commitId"]


def wanted_files(params):
    """{path: {"content": bytes, "mode"}} from src and files; ModuleFailure before any AWS call when unusable."""
    desired = {}
    if params["src"]:
        try:
            desired = local_files(params["src"], params["exclude"])
        except OSError as e:
            raise ModuleFailure(f"Cannot read {params['src']}: {e}") from e
    for item in params["files"]:
        desired[item["path"].strip("/")] = {
            "content": item["content"].encode("utf-8"),
            "mode": "EXECUTABLE" if item["executable"] else "NORMAL",
        }
    if not desired:
        raise ModuleFailure("Nothing to commit: src is empty and no files were given")
    too_big = [p for p, f in desired.items() if len(f["content"]) > MAX_FILE_BYTES]
    if too_big:
        raise ModuleFailure(f"Files larger than CodeCommit's 6 MB per file limit: {', '.join(too_big)}")
    return desired


def commit_request(params, desired, puts, deletes, parent):
    request = {
        "repositoryName": params["repository"],
        "branchName": params["branch"],
        "commitMessage": params["commit_message"],
        "putFiles": [
            {"filePath": p, "fileContent": desired[p]["content"], "fileMode": desired[p]["mode"]} for p in puts
        ],
        "deleteFiles": [{"filePath": p} for p in deletes],
    }
    if parent:
        request["parentCommitId"] = parent
    for key, option in (("authorName", "author_name"), ("email", "email")):
        if params[option]:
            request[key] = params[option]
    return request


def ensure_present(module, client):
    params = module.params
    repository, branch = params["repository"], params["branch"]
    desired = wanted_files(params)
    default_branch = get_repository(client, repository).get("defaultBranch")
    tip = get_branch_tip(client, repository, branch)
    parent = tip or (get_branch_tip(client, repository, default_branch) if default_branch else None)
    current = read_files(client, repository, parent) if parent else {}

    puts, deletes = change_set(desired, current, params["delete_missing"])
    result = {
        "changed": bool(puts or deletes) or tip is None,
        "commit_id": tip or "",
        "files_added": [p for p in puts if p not in current],
        "files_updated": [p for p in puts if p in current],
        "files_deleted": deletes,
    }
    set_diff(module, result, {"files": sorted(current)}, {"files": sorted(desired)})
    if not result["changed"]:
        return result
    if len(puts) + len(deletes) > MAX_ENTRIES_PER_COMMIT:
        raise ModuleFailure(
            f"{len(puts) + len(deletes)} file changes exceed CodeCommit's {MAX_ENTRIES_PER_COMMIT} per commit"
        )
    if not puts and not deletes:
        # A new branch with the content of the default branch: no commit, just the branch.
        if not module.check_mode:
            create_branch(client, repository, branch, parent)
            result["commit_id"] = parent
        return result
    if not module.check_mode:
        commit_id = create_commit(client, repository, branch, commit_request(params, desired, puts, deletes, parent))
        if commit_id is None:  # NoChangeException: the branch already holds it
            result["changed"] = False
        else:
            result["commit_id"] = commit_id
    return result


def main():
    argument_spec = dict(
        repository=dict(type="str", required=True),
        branch=dict(type="str", default="main"),
        src=dict(type="path"),
        files=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                path=dict(type="str", required=True),
                content=dict(type="str", required=True),
                executable=dict(type="bool", default=False),
            ),
        ),
        exclude=dict(type="list", elements="str", default=[]),
        delete_missing=dict(type="bool", default=True),
        commit_message=dict(type="str", default="Update from Ansible"),
        author_name=dict(type="str"),
        email=dict(type="str"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, required_one_of=[("src", "files")])
    client = module.client("codecommit", retry_decorator=AWSRetry.jittered_backoff())
    run(module, ensure_present, client)


if __name__ == "__main__":
    main()
