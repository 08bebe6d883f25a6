#!/usr/bin/env bash
# Local base image and wheelhouses for the sample apps, since no image can be pulled from any registry here:
#   1. helloapp-base:bookworm: debootstrap (minbase) Debian bookworm + python3 + python3-venv +
#      ca-certificates, trimmed, then `docker import`. Skipped when the image exists.
#   2. <app>/wheels/ of hello_app and of every sample_apps/<name>/: `pip download` of <app>/requirements.txt
#      for the base's Python, so each Dockerfile installs with --no-index (containers cannot reach PyPI
#      through the TLS-intercepting proxy).
# Real use does not need either: the Dockerfile's defaults build FROM python:3.12-slim and install from PyPI.
# Environment: BASE_IMAGE (default helloapp-base:bookworm), DEBIAN_MIRROR, FORCE_BASE_IMAGE=1 to rebuild.
# Not root or no Docker engine: say so and exit 0 (the Docker tests skip unless REQUIRE_DOCKER=1).
set -euo pipefail

PATH="${PATH}:/usr/local/sbin:/usr/sbin:/sbin" # debootstrap
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ROOT}/build"
BASE_IMAGE="${BASE_IMAGE:-helloapp-base:bookworm}"
SUITE="bookworm"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BASE_PACKAGES="python3,python3-venv,ca-certificates"
PIP="${ROOT}/.venv/bin/pip"
[[ -x "${PIP}" ]] || PIP="pip3"

log() { printf '[base-image] %s\n' "$*"; }

check_engine() {
    if ! command -v docker >/dev/null 2>&1 || ! timeout 10 docker info >/dev/null 2>&1; then
        log "no Docker engine answers: skipping the base image (run 'make host-deps' as root first)."
        exit 0
    fi
}

# Remove what a container running one Python app never needs: docs, man pages, locales, apt lists/caches.
trim_rootfs() {
    local rootfs="$1"
    rm -rf "${rootfs}"/usr/share/{doc,man,info,locale,lintian,linda}/* \
        "${rootfs}"/var/lib/apt/lists/* "${rootfs}"/var/cache/apt/* "${rootfs}"/var/cache/debconf/*-old \
        "${rootfs}"/var/log/*.log "${rootfs}"/var/log/apt/* "${rootfs}"/tmp/* "${rootfs}"/root/.cache
    find "${rootfs}/usr/lib" -name '__pycache__' -type d -prune -exec rm -rf {} +
    # Keep the image's apt usable later (`apt-get update` first), as in Docker's official Debian images.
    printf 'deb %s %s main\n' "${DEBIAN_MIRROR}" "${SUITE}" >"${rootfs}/etc/apt/sources.list"
}

build_base_image() {
    if [[ "${FORCE_BASE_IMAGE:-0}" != 1 ]] && docker image inspect "${BASE_IMAGE}" >/dev/null 2>&1; then
        log "${BASE_IMAGE}: exists, reused (FORCE_BASE_IMAGE=1 rebuilds)"
        return 0
    fi
    if [[ "$(id -u)" -ne 0 ]]; then
        log "${BASE_IMAGE} is missing and debootstrap needs root: run 'sudo make base-image'. Skipping."
        exit 0
    fi
    local rootfs="${BUILD}/base-rootfs" start=${SECONDS}
    rm -rf "${rootfs}"
    mkdir -p "${BUILD}"
    log "debootstrap ${SUITE} (minbase + ${BASE_PACKAGES}) from ${DEBIAN_MIRROR} (log: build/debootstrap.log)"
    if ! debootstrap --variant=minbase --include="${BASE_PACKAGES}" "${SUITE}" "${rootfs}" "${DEBIAN_MIRROR}" \
        >"${BUILD}/debootstrap.log" 2>&1; then
        tail -n 30 "${BUILD}/debootstrap.log" >&2
        exit 1
    fi
    trim_rootfs "${rootfs}"
    log "docker import -> ${BASE_IMAGE}"
    tar --numeric-owner -C "${rootfs}" -c . | docker import \
        --change 'ENV LANG=C.UTF-8' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["/bin/bash"]' \
        --message "debootstrap --variant=minbase ${SUITE} + ${BASE_PACKAGES} (scripts/base-image.sh)" \
        - "${BASE_IMAGE}" >/dev/null
    rm -rf "${rootfs}"
    log "${BASE_IMAGE}: built in $((SECONDS - start))s, $(docker image inspect -f '{{.Size}}' "${BASE_IMAGE}" |
        awk '{printf "%.0f MB", $1/1000/1000}')"
}

# Wheels for the base image's interpreter and CPU: binary only, so nothing compiles in the build.
# Skipped when build/wheelhouse-<app>.stamp says this requirements file was already downloaded for this base.
fill_wheelhouse() {
    local app="$1" target want
    local wheelhouse="${ROOT}/${app}/wheels" requirements="${ROOT}/${app}/requirements.txt"
    local stamp="${BUILD}/wheelhouse-${app//\//-}.stamp"
    target="$(docker run --rm --network none "${BASE_IMAGE}" python3 -c \
        'import platform, sys; print(f"{sys.version_info[0]}.{sys.version_info[1]} {platform.machine()}")')"
    local pyver="${target% *}" arch="${target#* }"
    want="$(sha256sum "${requirements}" | cut -d' ' -f1) ${BASE_IMAGE} ${pyver} ${arch}"
    if [[ -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]] && compgen -G "${wheelhouse}/*.whl" >/dev/null; then
        log "wheelhouse ${app}: up to date ($(find "${wheelhouse}" -name '*.whl' | wc -l) wheels for CPython ${pyver} ${arch})"
        return 0
    fi
    mkdir -p "${wheelhouse}" "${BUILD}"
    log "wheelhouse ${app}: pip download -r ${app}/requirements.txt for CPython ${pyver} ${arch} -> ${app}/wheels/"
    "${PIP}" download --quiet --disable-pip-version-check --dest "${wheelhouse}" --only-binary=:all: \
        --implementation cp --python-version "${pyver}" \
        --platform "manylinux2014_${arch}" --platform "manylinux_2_28_${arch}" --platform "manylinux_2_34_${arch}" \
        -r "${requirements}"
    echo "${want}" >"${stamp}"
    log "wheelhouse ${app}: $(find "${wheelhouse}" -name '*.whl' | wc -l) wheels"
}

# One run at a time (make test and make demo may start together): wait for the other one.
mkdir -p "${BUILD}"
exec 9>"${BUILD}/base-image.lock"
flock 9
check_engine
build_base_image
fill_wheelhouse hello_app
for requirements in "${ROOT}"/sample_apps/*/requirements.txt; do
    [[ -f "${requirements}" ]] || continue
    app="${requirements#"${ROOT}/"}"
    fill_wheelhouse "${app%/requirements.txt}"
done
