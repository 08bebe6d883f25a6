# Copyright: Contributors to the fargatedemo.ecs_delivery collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared code of the codecommit_files module: local tree, git blob ids, repository tree, change set.

CodeCommit reports every file's git blob id (GetFolder), so comparing a local tree with a branch needs
no download: hash the local file as ``git hash-object`` does and compare ids and modes.

Pure functions plus ``remote_files`` (takes an already created client); the mutating CreateCommit call
stays in the module, where check mode is decided.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat

# CodeCommit's limits for one CreateCommit call.
MAX_ENTRIES_PER_COMMIT = 100
MAX_FILE_BYTES = 6 * 1024 * 1024


def git_blob_id(data):
    """The git object id of a blob with ``data`` (bytes), as CodeCommit reports it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def excluded(path, patterns):
    """True when ``path`` (relative, "/"-separated) or one of its folders matches a glob in ``patterns``."""
    parts = path.split("/")
    candidates = [path] + parts + ["/".join(parts[:i]) for i in range(1, len(parts))]
    return any(fnmatch.fnmatch(c, p) for c in candidates for p in patterns)


def local_files(src, exclude=()):
    """Files under directory ``src``: {relative path: {"content": bytes, "mode": NORMAL|EXECUTABLE}}."""
    found = {}
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            full = os.path.join(root, name)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            if excluded(rel, exclude) or os.path.islink(full):
                continue
            with open(full, "rb") as handle:
                content = handle.read()
            executable = bool(os.stat(full).st_mode & stat.S_IXUSR)
            found[rel] = {"content": content, "mode": "EXECUTABLE" if executable else "NORMAL"}
    return found


def remote_files(client, repository, commit_id, folder="/"):
    """{path: {"blob_id", "mode"}} of every file of ``commit_id`` (recursive GetFolder calls)."""
    found = {}
    pending = [folder]
    while pending:
        current = pending.pop()
        answer = client.get_folder(
            repositoryName=repository, commitSpecifier=commit_id, folderPath=current, aws_retry=True
        )
        for item in answer.get("files", []) + answer.get("symbolicLinks", []):
            found[item["absolutePath"].lstrip("/")] = {"blob_id": item["blobId"], "mode": item["fileMode"]}
        pending.extend("/" + sub["absolutePath"].lstrip("/") for sub in answer.get("subFolders", []))
    return found


def change_set(desired, current, delete_missing=True):
    """(puts, deletes) to turn ``current`` (remote_files) into ``desired`` (local_files-like).

    ``puts``: sorted paths whose content or mode differs or that are new; ``deletes``: sorted paths only
    in ``current`` (when ``delete_missing``).
    """
    puts = []
    for path, item in desired.items():
        have = current.get(path)
        if have is None or have["blob_id"] != git_blob_id(item["content"]) or have["mode"] != item["mode"]:
            puts.append(path)
    deletes = sorted(p for p in current if p not in desired) if delete_missing else []
    return sorted(puts), deletes
