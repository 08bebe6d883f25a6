#!/usr/bin/env bash
# ansible-test sanity on the collection, with the ansible-core of one virtualenv.
#   scripts/sanity.sh                  # .venv (the default ansible-core), every sanity test
#   PYTHON=.nox/sanity-2-21/bin/python scripts/sanity.sh --test pylint
#   scripts/sanity.sh --link-only      # step 2 alone (nox's unit sessions need the dependency collections too)
# Extra arguments go to `ansible-test sanity`. Three things ansible-test needs here, set up idempotently:
#   1. it runs inside collections/ansible_collections/fargatedemo/ecs_delivery (a real directory);
#   2. our dependencies (amazon.aws, community.aws, community.docker) next to it, in collections/ansible_collections/:
#      ansible-test only sees collections there. They are linked from the pinned `ansible` bundle of .venv (Galaxy
#      is out of reach); .gitignore keeps them out of git and the linters.
#   3. its pip bootstrap: every sanity test gets a fresh virtualenv, bootstrapped by a get-pip script ansible-test
#      downloads from a host we cannot reach unless ~/.ansible/test/cache/ holds it. scripts/get_pip.py is
#      installed there under the name this ansible-test asks for.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-${ROOT}/.venv/bin/python}"
BUNDLE_PYTHON="${BUNDLE_PYTHON:-${ROOT}/.venv/bin/python}"
COLLECTIONS="${ROOT}/collections/ansible_collections"
COLLECTION="${COLLECTIONS}/fargatedemo/ecs_delivery"
DEPENDENCIES=(amazon/aws community/aws community/docker)

log() { printf '[sanity] %s\n' "$*"; }

# 2. The dependency collections, from the bundle of the pinned `ansible` package.
bundle="$("${BUNDLE_PYTHON}" -I -c 'import pathlib, ansible_collections.amazon.aws as m; print(pathlib.Path(list(m.__path__)[0]).resolve().parents[1])')"
for dep in "${DEPENDENCIES[@]}"; do
    [[ -d "${bundle}/${dep}" ]] || { log "the ansible bundle at ${bundle} has no ${dep}"; exit 1; }
    if [[ "$(readlink "${COLLECTIONS}/${dep}" 2>/dev/null)" != "${bundle}/${dep}" ]]; then
        mkdir -p "$(dirname "${COLLECTIONS}/${dep}")"
        rm -rf "${COLLECTIONS:?}/${dep}"
        ln -s "${bundle}/${dep}" "${COLLECTIONS}/${dep}"
    fi
done
if [[ "${1:-}" == "--link-only" ]]; then
    exit 0
fi

# 3. The pip bootstrap, under the name of the pip version this ansible-test installs.
pip_version="$("${PYTHON}" - <<'PY'
import types

from ansible_test._internal.python_requirements import get_venv_packages

print(get_venv_packages(types.SimpleNamespace(version="3"))["pip"])
PY
)"
cache="${HOME}/.ansible/test/cache"
mkdir -p "${cache}"
install -m 0644 "${ROOT}/scripts/get_pip.py" "${cache}/get_pip_${pip_version//./_}.py"

# 1. From the collection's own directory.
cd "${COLLECTION}"
version="$("${PYTHON}" -c 'import ansible; print(ansible.__version__)')"
python_version="$("${PYTHON}" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
log "ansible-core ${version}, Python ${python_version}"
exec "$(dirname "${PYTHON}")/ansible-test" sanity --venv --python "${python_version}" --color no "$@"
