"""ansible-test's pip bootstrap, without the download it cannot make here.

ansible-test creates an empty virtual environment for each sanity test and runs
``python get_pip_<version>.py --disable-pip-version-check pip==<version> --no-setuptools --no-wheel`` in it. It
downloads that script from a host this project's machines cannot reach, unless it finds a copy in
``~/.ansible/test/cache/`` first. ``scripts/sanity.sh`` copies this file there under each name the installed
ansible-test asks for (never by hand).

What it does instead of the upstream get-pip.py: ``ensurepip`` gives the environment the pip its Python bundles,
then that pip installs the exact pip version asked for from the package index, trusting the system's CA bundle
(outbound TLS goes through a proxy whose CA only that bundle holds).
"""

from __future__ import annotations

import os
import subprocess
import sys

# get-pip.py's own switches, which are not pip install options.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
CA_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def ca_bundle() -> str | None:
    if os.environ.get("PIP_CERT"):
        return os.environ["PIP_CERT"]
    return next((path for path in CA_BUNDLES if os.path.isfile(path)), None)


def main(argv: list[str]) -> int:
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], env=env, check=True)
    command = [sys.executable, "-m", "pip", "install", "--quiet"]
    bundle = ca_bundle()
    if bundle:
        command += ["--cert", bundle]
    command += [arg for arg in argv if arg not in GET_PIP_ONLY]
    return subprocess.run(command, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
