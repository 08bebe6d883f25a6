"""CodeCommit repository contents through the API (moto has no git endpoint and no commits).

Implements CreateCommit, GetBranch, ListBranches, GetCommit, GetFolder and GetFile per the CodeCommit
API reference, and adds ``defaultBranch`` to GetRepository once the first branch exists (as CodeCommit
does). Object ids are real git ids (blob, tree and commit SHA-1 over git's object encoding), so a client
can compare a local file with the repository by hashing it the way ``git hash-object`` does.

State: per account and region, one entry per repository name: objects (blobs), commits, branches.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from typing import Any

from moto.codecommit.models import codecommit_backends

from awsemu.core import CLOCK, STORE, AwsError, after, handles

MAX_FILE_ENTRIES = 100
MAX_FILE_BYTES = 6 * 1024 * 1024
MODES = {"NORMAL": "100644", "EXECUTABLE": "100755", "SYMLINK": "120000"}
_BRANCH = re.compile(r"^[^\s~^:?*\[\\]+$")


def _state(req) -> dict[str, Any]:
    return STORE.get(req, "codecommit_git", dict)


def _repo(req) -> dict[str, Any]:
    """Our contents of the repository the request names (``repositoryName``), which moto must know."""
    name = _required(
        req, "repositoryName", "RepositoryNameRequiredException", "A repository name is required but was not specified."
    )
    backend = codecommit_backends[req.account_id][req.region]
    if name not in backend.repositories:
        raise AwsError("RepositoryDoesNotExistException", f"{name} does not exist")
    repos = _state(req)
    if name not in repos:
        repos[name] = {"blobs": {}, "commits": {}, "branches": {}, "default_branch": None}
    return repos[name]


# --- git object ids
def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _tree_id(entries: dict[str, tuple[str, str]]) -> str:
    """``entries``: name -> (git mode, object id); returns the git tree id."""

    def sort_key(name: str) -> str:
        return name + "/" if entries[name][0] == "40000" else name

    body = b"".join(
        f"{entries[n][0]} {n}".encode() + b"\0" + binascii.unhexlify(entries[n][1])
        for n in sorted(entries, key=sort_key)
    )
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def _folder_tree_ids(files: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Tree id of every folder ("" is the root) of a flat ``path -> (mode, blob id)`` listing."""
    folders: dict[str, dict[str, tuple[str, str]]] = {"": {}}
    for path in files:
        parts = path.split("/")
        for i in range(1, len(parts)):
            folders.setdefault("/".join(parts[:i]), {})
    for path, (mode, bid) in files.items():
        folders[posixpath.dirname(path)][posixpath.basename(path)] = (MODES[mode], bid)
    ids: dict[str, str] = {}
    for folder in sorted(folders, key=lambda f: f.count("/") if f else -1, reverse=True):
        if folder:
            ids[folder] = _tree_id(folders[folder])
            folders[posixpath.dirname(folder)][posixpath.basename(folder)] = ("40000", ids[folder])
        else:
            ids[""] = _tree_id(folders[""])
    return ids


def _commit_id(tree: str, parents: list[str], author: dict[str, str], message: str) -> str:
    lines = [f"tree {tree}"] + [f"parent {p}" for p in parents]
    who = f"{author['name']} <{author['email']}> {author['date']}"
    lines += [f"author {who}", f"committer {who}", "", message]
    body = "\n".join(lines).encode()
    return hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()


def _norm_path(path: str | None, required: bool = True) -> str:
    if path is None or path == "":
        if required:
            raise AwsError("PathRequiredException", "The folderPath for a location cannot be null.")
        return ""
    norm = posixpath.normpath("/" + path).lstrip("/")
    if ".." in path.split("/") or norm.split("/")[0] == ".git":
        raise AwsError("InvalidPathException", f"The specified path {path} is not valid.")
    return norm


def _resolve(repo: dict[str, Any], specifier: str | None) -> str:
    """A commit specifier (branch name, full commit id, or HEAD/default) -> commit id."""
    if not specifier or specifier == "HEAD":
        branch = repo["default_branch"]
        if branch is None:
            raise AwsError("CommitDoesNotExistException", "The specified commit does not exist or no branch exists.")
        return repo["branches"][branch]
    if specifier.startswith("refs/heads/"):
        specifier = specifier[len("refs/heads/") :]
    if specifier in repo["branches"]:
        return repo["branches"][specifier]
    if specifier in repo["commits"]:
        return specifier
    if not re.fullmatch(r"[0-9a-f]{40}", specifier) and not _BRANCH.match(specifier):
        raise AwsError("InvalidCommitException", f"The specified commit {specifier} is not valid.")
    raise AwsError("CommitDoesNotExistException", f"Could not find commit {specifier}.")


def _required(req, param: str, code: str, message: str) -> str:
    """The request's ``param``, or the ``code`` error if it is missing or empty."""
    value = req.param(param)
    if not value:
        raise AwsError(code, message)
    return value


def _branch_name(req) -> str:
    return _required(
        req, "branchName", "BranchNameRequiredException", "A branch name is required but was not specified."
    )


def _commit_id_param(req) -> str:
    return _required(req, "commitId", "CommitIdRequiredException", "A commit ID is required but was not specified.")


def _commit_at(req, repo: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The commit the request's ``commitSpecifier`` names (default branch if none): (id, commit)."""
    commit_id = _resolve(repo, req.param("commitSpecifier"))
    return commit_id, repo["commits"][commit_id]


def _set_branch(repo: dict[str, Any], branch: str, commit_id: str) -> None:
    """Point ``branch`` at ``commit_id``; the repository's first branch becomes its default branch."""
    repo["branches"][branch] = commit_id
    if repo["default_branch"] is None:
        repo["default_branch"] = branch


def _check_parent(repo: dict[str, Any], branch: str, parent: str | None) -> None:
    """CreateCommit's ``parentCommitId``: the tip of an existing branch, any commit for a new branch, none at first."""
    tip = repo["branches"].get(branch)
    if not parent:
        if tip is not None:
            raise AwsError(
                "ParentCommitIdRequiredException",
                "A parent commit ID is required. To view the full commit ID of a branch in a repository, "
                "use GetBranch or a Git command (for example, git pull or git log).",
            )
        if repo["branches"]:
            raise AwsError("BranchDoesNotExistException", f"The branch {branch} does not exist.")
        return
    if parent not in repo["commits"]:  # a repository without branches has no commits: no parent is valid there
        raise AwsError("ParentCommitDoesNotExistException", f"The parent commit ID {parent} does not exist.")
    if tip is not None and parent != tip:
        raise AwsError(
            "ParentCommitIdOutdatedException",
            f"The parent commit ID {parent} is not the tip of branch {branch}. Get the latest commit ID and try again.",
        )


# --- actions
@handles("codecommit", "CreateCommit")
def create_commit(req):
    repo = _repo(req)
    branch = _branch_name(req)
    if not _BRANCH.match(branch) or branch.endswith((".", "/", ".lock")):
        raise AwsError("InvalidBranchNameException", f"The specified branch name {branch} is not valid.")
    parent = req.param("parentCommitId")
    _check_parent(repo, branch, parent)

    puts = req.param("putFiles") or []
    deletes = req.param("deleteFiles") or []
    modes = req.param("setFileModes") or []
    if not (puts or deletes or modes):
        raise AwsError(
            "FileEntryRequiredException", "The commit cannot be created because no files have been specified."
        )
    if len(puts) + len(deletes) + len(modes) > MAX_FILE_ENTRIES:
        raise AwsError(
            "MaximumFileEntriesExceededException",
            "The number of specified files to change as part of this commit exceeds the maximum of "
            f"{MAX_FILE_ENTRIES}.",
        )

    files = dict(repo["commits"][parent]["files"]) if parent else {}
    seen: set[str] = set()
    added, updated, deleted = [], [], []
    new_blobs: dict[str, bytes] = {}

    def claim(entry: dict[str, Any]) -> str:
        """The entry's path, which no other put or delete of this commit may name."""
        path = _norm_path(entry.get("filePath"))
        if path in seen:
            raise AwsError("SamePathRequestException", f"The path {path} is specified more than once.")
        seen.add(path)
        return path

    for entry in puts:
        path = claim(entry)
        content, source = entry.get("fileContent"), entry.get("sourceFile")
        if content is not None and source:
            raise AwsError(
                "FileContentAndSourceFileSpecifiedException",
                "The commit cannot be created: both content and source file given.",
            )
        if source:
            src = _norm_path(source.get("filePath"))
            if src not in files:
                raise AwsError("FileDoesNotExistException", f"The source file {src} does not exist.")
            data = repo["blobs"][files[src][1]]
            if source.get("isMove"):
                files.pop(src)
                deleted.append({"absolutePath": src, "blobId": blob_id(data), "fileMode": "NORMAL"})
        elif content is None:
            raise AwsError(
                "SourceFileOrContentRequiredException", f"No content or source file was specified for {path}."
            )
        else:
            data = base64.b64decode(content)
        if len(data) > MAX_FILE_BYTES:
            raise AwsError("FileContentSizeLimitExceededException", f"The file {path} exceeds the maximum file size.")
        mode = entry.get("fileMode") or (files[path][0] if path in files else "NORMAL")
        if mode not in MODES:
            raise AwsError("InvalidFileModeException", f"The file mode {mode} is not valid.")
        for prefix in _prefixes(path):
            if prefix in files:
                raise AwsError(
                    "FileNameConflictsWithDirectoryNameException",
                    f"The file name {prefix} conflicts with a folder name.",
                )
        if any(p.startswith(path + "/") for p in files):
            raise AwsError(
                "DirectoryNameConflictsWithFileNameException", f"The folder {path} conflicts with a file name."
            )
        bid = blob_id(data)
        new_blobs[bid] = data
        meta = {"absolutePath": path, "blobId": bid, "fileMode": mode}
        if path not in files:
            added.append(meta)
        elif files[path] != (mode, bid):
            updated.append(meta)
        files[path] = (mode, bid)
    for entry in deletes:
        path = claim(entry)
        if path not in files:
            raise AwsError("FileDoesNotExistException", f"The file {path} does not exist.")
        mode, bid = files.pop(path)
        deleted.append({"absolutePath": path, "blobId": bid, "fileMode": mode})
    for entry in modes:
        path = _norm_path(entry.get("filePath"))
        if path not in files:
            raise AwsError("FileDoesNotExistException", f"The file {path} does not exist.")
        if entry.get("fileMode") not in MODES:
            raise AwsError("InvalidFileModeException", f"The file mode {entry.get('fileMode')} is not valid.")
        if files[path][0] != entry["fileMode"]:
            files[path] = (entry["fileMode"], files[path][1])
            updated.append({"absolutePath": path, "blobId": files[path][1], "fileMode": entry["fileMode"]})

    if parent and files == repo["commits"][parent]["files"]:
        raise AwsError(
            "NoChangeException",
            "The commit cannot be created because no changes will be made to the repository as a result of this "
            "commit. A commit must contain at least one change.",
        )

    repo["blobs"].update(new_blobs)
    author = {
        "name": req.param("authorName") or f"arn:aws:iam::{req.account_id}:root",
        "email": req.param("email") or "",
        "date": f"{int(CLOCK.timestamp())} +0000",
    }
    message = req.param("commitMessage") or ""
    trees = _folder_tree_ids(files)
    parents = [parent] if parent else []
    commit_id = _commit_id(trees[""], parents, author, message)
    repo["commits"][commit_id] = {
        "files": files,
        "trees": trees,
        "parents": parents,
        "author": author,
        "message": message,
    }
    _set_branch(repo, branch, commit_id)
    return {
        "commitId": commit_id,
        "treeId": trees[""],
        "filesAdded": added,
        "filesUpdated": updated,
        "filesDeleted": deleted,
    }


def _prefixes(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


@handles("codecommit", "GetBranch")
def get_branch(req):
    repo = _repo(req)
    branch = _branch_name(req)
    if branch not in repo["branches"]:
        raise AwsError("BranchDoesNotExistException", f"Could not retrieve information about branch {branch}.")
    return {"branch": {"branchName": branch, "commitId": repo["branches"][branch]}}


@handles("codecommit", "ListBranches")
def list_branches(req):
    repo = _repo(req)
    return {"branches": sorted(repo["branches"])}


@handles("codecommit", "GetCommit")
def get_commit(req):
    repo = _repo(req)
    commit_id = _commit_id_param(req)
    if not re.fullmatch(r"[0-9a-f]{40}", commit_id):
        raise AwsError("InvalidCommitIdException", f"The specified commit ID {commit_id} is not valid.")
    commit = repo["commits"].get(commit_id)
    if commit is None:
        raise AwsError("CommitIdDoesNotExistException", f"Could not find commit {commit_id}.")
    return {
        "commit": {
            "commitId": commit_id,
            "treeId": commit["trees"][""],
            "parents": commit["parents"],
            "message": commit["message"],
            "author": commit["author"],
            "committer": commit["author"],
            "additionalData": "",
        }
    }


@handles("codecommit", "GetFolder")
def get_folder(req):
    repo = _repo(req)
    raw_path = req.param("folderPath")
    if raw_path is None:
        raise AwsError("PathRequiredException", "The folderPath for a location cannot be null.")
    folder = _norm_path(raw_path, required=False) if raw_path not in ("", "/") else ""
    commit_id, commit = _commit_at(req, repo)
    if folder not in commit["trees"]:
        raise AwsError("FolderDoesNotExistException", f"The folder {raw_path} does not exist.")
    files, subfolders, links = [], [], []
    prefix = folder + "/" if folder else ""
    for path, (mode, bid) in sorted(commit["files"].items()):
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            item = {"blobId": bid, "absolutePath": path, "relativePath": path[len(prefix) :], "fileMode": mode}
            (links if mode == "SYMLINK" else files).append(item)
    for sub, tree in sorted(commit["trees"].items()):
        if sub and sub.startswith(prefix) and "/" not in sub[len(prefix) :]:
            subfolders.append({"treeId": tree, "absolutePath": sub, "relativePath": sub[len(prefix) :]})
    return {
        "commitId": commit_id,
        "folderPath": folder or "/",
        "treeId": commit["trees"][folder],
        "subFolders": subfolders,
        "files": files,
        "symbolicLinks": links,
        "subModules": [],
    }


@handles("codecommit", "GetFile")
def get_file(req):
    repo = _repo(req)
    path = _norm_path(req.param("filePath"))
    commit_id, commit = _commit_at(req, repo)
    if path not in commit["files"]:
        raise AwsError("FileDoesNotExistException", f"The file {path} does not exist.")
    mode, bid = commit["files"][path]
    data = repo["blobs"][bid]
    return {
        "commitId": commit_id,
        "blobId": bid,
        "filePath": path,
        "fileMode": mode,
        "fileSize": len(data),
        "fileContent": base64.b64encode(data).decode(),
    }


@after("codecommit", "GetRepository")
def add_default_branch(req, body):
    repos = _state(req)
    name = (body.get("repositoryMetadata") or {}).get("repositoryName")
    if name in repos and repos[name]["default_branch"]:
        body["repositoryMetadata"]["defaultBranch"] = repos[name]["default_branch"]
    return body


@after("codecommit", "DeleteRepository")
def forget_contents(req, body):
    _state(req).pop(req.param("repositoryName"), None)
    return body


@handles("codecommit", "CreateBranch")
def create_branch(req):
    repo = _repo(req)
    branch, commit_id = _branch_name(req), _commit_id_param(req)
    if branch in repo["branches"]:
        raise AwsError(
            "BranchNameExistsException", f"Cannot create branch with name {branch} because it already exists."
        )
    if commit_id not in repo["commits"]:
        raise AwsError("CommitDoesNotExistException", f"Could not find commit {commit_id}.")
    _set_branch(repo, branch, commit_id)
    return {}
