"""Pure helpers of the pipeline modules: compare-first, tags, git blob ids, the CodeCommit change set."""

from __future__ import annotations

import hashlib

import pytest
from ansible_collections.fargatedemo.ecs_delivery.plugins.module_utils import codecommit, compare


@pytest.mark.parametrize(
    ("desired", "current", "found"),
    [
        ({"a": 1}, {"a": 1, "extra": 2}, []),
        ({"a": 1}, {"a": 2}, ["a"]),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1]}}, ["a.b"]),
        ({"s": [{"n": "x"}]}, {"s": [{"n": "x", "runOrder": 1}]}, []),
        ({"s": [{"n": "x"}]}, {"s": [{"n": "y"}]}, ["s[0].n"]),
        ({"new": "v"}, {}, ["new"]),
        ({"empty": []}, {}, []),
        # exact keys: a dropped configuration key is a change
        ({"configuration": {"A": "1"}}, {"configuration": {"A": "1", "B": "2"}}, ["configuration"]),
        ({"configuration": {}}, {}, []),
    ],
)
def test_differences(desired, current, found):
    assert compare.differences(desired, current, exact_keys=("configuration",)) == found


@pytest.mark.parametrize(
    ("desired", "current", "purge", "expected"),
    [
        ({"a": "1"}, {"a": "1"}, True, ({}, [])),
        ({"a": "2"}, {"a": "1", "b": "x"}, True, ({"a": "2"}, ["b"])),
        ({"a": "2"}, {"a": "1", "b": "x"}, False, ({"a": "2"}, [])),
        (None, {"a": "1"}, True, ({}, [])),
        # aws: keys belong to AWS and cannot be removed: purging leaves them
        ({"a": "1"}, {"a": "1", "aws:cloudformation:stack-name": "s"}, True, ({}, [])),
    ],
)
def test_tag_changes(desired, current, purge, expected):
    assert compare.tag_changes(desired, current, purge) == expected


def test_snake_keys_keeps_action_configuration():
    pipeline = {
        "stages": [{"actions": [{"actionTypeId": {"category": "Deploy"}, "configuration": {"ClusterName": "c"}}]}]
    }
    assert compare.snake_keys(pipeline, keep=("configuration",)) == {
        "stages": [{"actions": [{"action_type_id": {"category": "Deploy"}, "configuration": {"ClusterName": "c"}}]}]
    }


def test_git_blob_id_matches_git():
    # `printf 'hello\n' | git hash-object --stdin`
    assert codecommit.git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert codecommit.git_blob_id(b"") == hashlib.sha1(b"blob 0\0").hexdigest()


@pytest.mark.parametrize(
    ("path", "patterns", "expected"),
    [
        ("buildspec.yml.j2", ["*.j2"], True),
        ("wheels/flask.whl", ["wheels/*.whl"], True),
        ("wheels/.gitkeep", ["wheels/*.whl"], False),
        ("pkg/__pycache__/x.pyc", ["__pycache__"], True),
        ("app.py", ["*.j2", "__pycache__"], False),
    ],
)
def test_excluded(path, patterns, expected):
    assert codecommit.excluded(path, patterns) is expected


def test_local_files_and_change_set(tmp_path):
    (tmp_path / "run.sh").write_bytes(b"#!/bin/sh\n")
    (tmp_path / "run.sh").chmod(0o755)
    (tmp_path / "app.py").write_bytes(b"print(1)\n")
    (tmp_path / "t.j2").write_text("x")
    local = codecommit.local_files(str(tmp_path), ["*.j2"])
    assert sorted(local) == ["app.py", "run.sh"]
    assert local["run.sh"]["mode"] == "EXECUTABLE"
    remote = {
        "app.py": {"blob_id": codecommit.git_blob_id(b"print(1)\n"), "mode": "NORMAL"},
        "old.txt": {"blob_id": "0" * 40, "mode": "NORMAL"},
    }
    assert codecommit.change_set(local, remote) == (["run.sh"], ["old.txt"])
    assert codecommit.change_set(local, remote, delete_missing=False) == (["run.sh"], [])
    same = {p: {"blob_id": codecommit.git_blob_id(f["content"]), "mode": f["mode"]} for p, f in local.items()}
    assert codecommit.change_set(local, same) == ([], [])
