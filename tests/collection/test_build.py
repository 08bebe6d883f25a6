"""The collection as it ships: ``ansible-galaxy collection build`` makes a tarball of the collection only,
which installs into an empty collections path and runs a role, a module and the filter by FQCN from there.

The installed copy is proven to be the one in use: the runs happen outside the repository, with an empty
ansible.cfg and ANSIBLE_COLLECTIONS_PATH naming only the temporary path and the venv's site-packages (for
amazon.aws and community.aws from the ``ansible`` bundle), and ansible-doc and ansible-galaxy report the
module and the collection from the temporary path.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import ansible
import pytest
import yaml

from tests.support import COLLECTION, COLLECTION_DIR, ROOT, VENV_BIN

GALAXY = yaml.safe_load((COLLECTION_DIR / "galaxy.yml").read_text())
ROLES = ("stack", "iam", "ecr", "alb", "ecs_cluster", "ecs_service", "codepipeline")
# What the collection directory may ship at its top level; galaxy.yml becomes MANIFEST.json and FILES.json.
# LICENSE (GPL-3.0-or-later, as galaxy.yml says) and changelogs/ (antsibull-changelog's changelog.yaml and
# fragments, which Galaxy and Automation Hub read) ship as in amazon.aws's tarball.
TOP_LEVEL = {"MANIFEST.json", "FILES.json", "README.md", "CHANGELOG.md", "LICENSE", "changelogs", "meta", "plugins"}
TOP_LEVEL |= {"roles"}
# The playbook project around the collection: none of it may ship.
PROJECT_ONLY = {"awsemu", "hello_app", "tests", "scripts", "molecule", "inventory", "playbooks", "awx", "files"}
PROJECT_ONLY |= {".venv", "build", "collections", "site.yml", "Makefile", "galaxy.yml", "ansible.cfg"}
# amazon.aws, community.aws and community.docker as the `ansible` package installs them, next to ansible-core.
SITE_PACKAGES = Path(ansible.__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"$ {' '.join(command)}\n{result.stdout[-4000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty directory outside the repository, with an empty ansible.cfg: no ./collections, no roles_path."""
    path = tmp_path_factory.mktemp("collection-build")
    (path / "ansible.cfg").write_text("[defaults]\n")
    return path


@pytest.fixture(scope="module")
def isolated_env(workdir: Path) -> dict[str, str]:
    """The environment of every command here: only the install path and the venv's bundled collections."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "AWS_")) and k != "PYTHONPATH"}
    env.update(
        ANSIBLE_CONFIG=str(workdir / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=f"{workdir / 'installed'}{os.pathsep}{SITE_PACKAGES}",
        ANSIBLE_NOCOLOR="1",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


@pytest.fixture(scope="module")
def tarball(workdir: Path, isolated_env: dict[str, str]) -> Path:
    out = workdir / "dist"
    _run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "build", str(COLLECTION_DIR), "--output-path", str(out)],
        cwd=workdir,
        env=isolated_env,
    )
    (built,) = out.glob("*.tar.gz")
    assert built.name == f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    return built


@pytest.fixture(scope="module")
def installed(workdir: Path, isolated_env: dict[str, str], tarball: Path) -> Path:
    # --no-deps: Galaxy is out of reach; the dependencies come from the venv's `ansible` bundle instead.
    target = workdir / "installed"
    _run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(target), str(tarball)],
        cwd=workdir,
        env=isolated_env,
    )
    path = target / "ansible_collections" / GALAXY["namespace"] / GALAXY["name"]
    assert (path / "MANIFEST.json").is_file()
    return path


def _tracked_files() -> set[str]:
    """The collection directory's files in git, relative to it: what the tarball must hold, and no more."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", str(COLLECTION_DIR.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    prefix = f"{COLLECTION_DIR.relative_to(ROOT).as_posix()}/"
    return {name.removeprefix(prefix) for name in listed.split("\0") if name}


def test_tarball_holds_the_collection_only(tarball: Path):
    with tarfile.open(tarball) as tar:
        members = tar.getmembers()
        manifest = json.load(tar.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
    assert not [m.name for m in members if m.issym() or m.islnk()], "links in the tarball"
    shipped = {m.name for m in members if m.isfile()}
    # Over files: an empty directory carries nothing (ansible-test leaves tests/ around the tests/output it
    # writes and ansible-galaxy skips).
    top = {name.split("/", 1)[0] for name in shipped}
    assert top == TOP_LEVEL, f"unexpected top level: {sorted(top ^ TOP_LEVEL)}"
    assert not top & PROJECT_ONLY
    files = shipped - {"MANIFEST.json", "FILES.json"}
    tracked = _tracked_files() - {"galaxy.yml"}
    assert files == tracked, f"shipped but not tracked: {sorted(files - tracked)}; missing: {sorted(tracked - files)}"
    for role in ROLES:
        assert f"roles/{role}/tasks/main.yml" in files and f"roles/{role}/meta/argument_specs.yml" in files, role
    assert {"meta/runtime.yml", "plugins/modules/ecr_image_info.py", "plugins/filter/fargate_cost.py"} <= files
    info = manifest["collection_info"]
    keys = ("namespace", "name", "version", "dependencies")
    assert {k: info[k] for k in keys} == {k: GALAXY[k] for k in keys}


def test_installed_collection_is_the_one_resolved(workdir: Path, isolated_env: dict[str, str], installed: Path):
    listing = _run(
        [str(VENV_BIN / "ansible-galaxy"), "collection", "list", COLLECTION, "--format", "json"],
        cwd=workdir,
        env=isolated_env,
    )
    found = {path: names for path, names in json.loads(listing.stdout).items() if COLLECTION in names}
    assert list(found) == [str(installed.parent.parent)], found
    doc = _run(
        [
            str(
                VENV_BIN / "ansible-doc",
            ),
            "--json",
            f"{COLLECTION}.ecr_image_info",
        ],
        cwd=workdir,
        env=isolated_env,
    )
    filename = Path(json.loads(doc.stdout)[f"{COLLECTION}.ecr_image_info"]["doc"]["filename"])
    assert filename.is_relative_to(installed), filename


def test_role_module_and_filter_run_by_fqcn_from_the_install(
    aws, workdir: Path, isolated_env: dict[str, str], installed: Path
):
    repository = "collection-build/helloapp"
    aws.boto3_client("ecr").create_repository(repositoryName=repository)
    inventory = workdir / "hosts.yml"
    inventory.write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "localhost": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": str(VENV_BIN / "python"),
                        }
                    }
                }
            }
        )
    )
    # A copy outside the repository, so no collections/ directory sits next to the playbook either.
    playbook = workdir / "by_fqcn.yml"
    playbook.write_text((Path(__file__).parent / "playbooks" / "by_fqcn.yml").read_text())
    extra = {"cluster_name": "collection-build", "repository_name": repository}
    run = _run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-e", json.dumps(extra)],
        cwd=workdir,
        env={**isolated_env, **aws.env},
        timeout=600,
    )
    assert "failed=0" in run.stdout, run.stdout
    actions = [entry.get("action") for entry in aws.admin("requests")["requests"]]
    assert "CreateCluster" in actions and "DeleteCluster" in actions, actions
    clusters = aws.boto3_client("ecs").describe_clusters(clusters=["collection-build"])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in clusters), clusters
