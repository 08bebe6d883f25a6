"""Sanity and unit tests of the collection on every supported ansible-core (CONTRIBUTING.md, "Versions").

    nox                               # what `make test` runs beside the suite: sanity + units on 2.20, 2.21
    nox -s units-2.21                 # one version's unit tests
    nox -s sanity -- --test pylint    # extra arguments go to ansible-test sanity (or pytest for units)
    nox -l                            # every session, 2.19 included

The default version, ansible-core 2.19 on Python 3.11, is the shared .venv's: `make lint` runs its sanity and
the whole suite its unit tests, so by default nox runs only the other versions (its 2.19 sessions exist for
running one version's tests the same way by hand). Versions live in requirements.txt: its pins for everything,
and its `# nox:` lines for the other cores and their Pythons. Interpreters come from pyenv (~/.pyenv/versions)
or PATH; nothing is downloaded but PyPI packages, fetched through the system CA bundle.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
REQUIREMENTS = ROOT / "requirements.txt"
DEFAULT_CORE = "2.19"
# What a unit-test session needs besides ansible-core (versions from requirements.txt).
UNIT_PACKAGES = ("boto3", "botocore", "pytest", "PyYAML")
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")

nox.options.default_venv_backend = "venv"
nox.options.download_python = "never"
nox.options.error_on_missing_interpreters = True
nox.options.reuse_venv = "yes"


def pins() -> dict[str, str]:
    """requirements.txt's pins, by lower-case name."""
    found = {}
    for line in REQUIREMENTS.read_text().splitlines():
        if line and not line.startswith("#") and "==" in line:
            name, _, version = line.partition("==")
            found[name.strip().lower()] = version.strip()
    return found


def cores() -> dict[str, tuple[str, str]]:
    """Each supported ansible-core minor version: (its pinned release, its Python)."""
    found = {DEFAULT_CORE: (pins()["ansible-core"], "3.11")}
    for match in re.finditer(r"^# nox: ansible-core==(\S+) python(\S+)$", REQUIREMENTS.read_text(), re.M):
        release, python = match.groups()
        found[".".join(release.split(".")[:2])] = (release, python)
    return found


def interpreter(version: str) -> str:
    """pyenv's newest Python <version> (they are not on PATH in a clean shell), else the name for PATH."""
    versions = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = sorted(versions.glob(f"{version}.*/bin/python{version}"), key=lambda p: p.parent.parent.name)
    return str(candidates[-1]) if candidates else f"python{version}"


CORES = cores()
OTHERS = [core for core in CORES if core != DEFAULT_CORE]


def ca_env() -> dict[str, str]:
    bundle = next((path for path in CA_BUNDLES if os.path.isfile(path)), None)
    return {"PIP_CERT": bundle, "SSL_CERT_FILE": bundle, "REQUESTS_CA_BUNDLE": bundle} if bundle else {}


def install(session: nox.Session, core: str, *names: str) -> None:
    release, _ = CORES[core]
    versions = pins()
    session.install(f"ansible-core=={release}", *(f"{name}=={versions[name.lower()]}" for name in names), env=ca_env())


def per_core(name):
    """Register <name>-<core> for every supported core, each on the Python that core is tested with (a
    parametrized session cannot tie its Python to its parameter)."""

    def decorate(func):
        for core, (release, python) in CORES.items():

            def run(session: nox.Session, core: str = core) -> None:
                func(session, core)

            run.__doc__ = f"{func.__doc__.splitlines()[0]} [ansible-core {release}, Python {python}]"
            nox.session(name=f"{name}-{core}", python=interpreter(python), default=core in OTHERS)(run)
        return func

    return decorate


@per_core("sanity")
def sanity(session: nox.Session, core: str) -> None:
    """ansible-test sanity, every test, with this core (scripts/sanity.sh does the set-up)."""
    install(session, core)
    env = {**ca_env(), "PYTHON": os.path.join(session.bin, "python")}
    session.run("bash", str(ROOT / "scripts" / "sanity.sh"), *session.posargs, env=env, external=True)


@per_core("units")
def units(session: nox.Session, core: str) -> None:
    """The Python unit tests that need no emulator (the emulator-backed ones run in the whole suite)."""
    install(session, core, *UNIT_PACKAGES)
    # The dependency collections next to ours, as ansible-test sees them (no install: Galaxy is out of reach).
    session.run("bash", str(ROOT / "scripts" / "sanity.sh"), "--link-only", external=True)
    args = session.posargs or ["tests/unit", "tests/unit_cost", "-m", "not emulator"]
    # PYTEST_ADDOPTS is the whole suite's (CI's JUnit report, which these runs must not overwrite).
    session.run("python", "-m", "pytest", "-p", "no:cacheprovider", "-q", *args, env={**ca_env(), "PYTEST_ADDOPTS": ""})
