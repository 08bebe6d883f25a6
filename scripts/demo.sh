#!/usr/bin/env bash
# `make demo`: the story on this machine, one function per step; each step adds lines to the summary box
# printed at the end. Today: the seed's two app versions built as images and served locally by gunicorn.
# (The Ansible/emulator part of the story is added as further steps in main.)
#
# Environment: DEMO_IMAGE (default helloapp-demo), DEMO_KEEP=1 leaves the containers running.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
PYTHON="${ROOT}/.venv/bin/python"
[[ -x "${PYTHON}" ]] || PYTHON=python3
DEMO_IMAGE="${DEMO_IMAGE:-helloapp-demo}"
INVENTORY_VARS="inventory/local/group_vars/all/main.yml"

SUMMARY=()         # "label|value" lines for the final box
CONTAINERS=()      # started containers, removed on exit
declare -A URLS=() # version -> http://127.0.0.1:<port>

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
summary_add() { SUMMARY+=("$1|$2"); }
fail() {
    printf 'demo: %s\n' "$*" >&2
    exit 1
}

cleanup() {
    local cid
    [[ "${DEMO_KEEP:-0}" == 1 ]] && return 0
    for cid in "${CONTAINERS[@]}"; do
        docker rm --force "${cid}" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

# --- Step: prerequisites (Docker engine, base image, wheelhouse)
step_prerequisites() {
    say "Prerequisites: Docker engine, base image, wheelhouse"
    timeout 10 docker info >/dev/null 2>&1 || fail "no Docker engine answers: run 'sudo make host-deps'"
    scripts/base-image.sh
    docker image inspect "$(build_arg BASE_IMAGE)" >/dev/null 2>&1 ||
        fail "base image $(build_arg BASE_IMAGE) missing: run 'sudo make base-image'"
    summary_add "Docker engine" "$(docker info --format '{{.ServerVersion}}')"
    summary_add "Base image" "$(build_arg BASE_IMAGE)"
}

# One of the local inventory's app_image_build_args (the same arguments the ecr role passes).
build_arg() {
    "${PYTHON}" -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["app_image_build_args"][sys.argv[2]])' \
        "${INVENTORY_VARS}" "$1"
}

# --- Step: build one version of the app (v1: WELCOME_ROUTE=off, v2: on)
step_build() {
    local version="$1" welcome="$2" start=${SECONDS}
    say "Build ${DEMO_IMAGE}:${version} (WELCOME_ROUTE=${welcome})"
    DOCKER_BUILDKIT=0 docker build --quiet --force-rm \
        --build-arg "BASE_IMAGE=$(build_arg BASE_IMAGE)" \
        --build-arg "PIP_INSTALL_ARGS=$(build_arg PIP_INSTALL_ARGS)" \
        --build-arg "WELCOME_ROUTE=${welcome}" \
        --tag "${DEMO_IMAGE}:${version}" hello_app >/dev/null
    local size
    size="$(docker image inspect -f '{{.Size}}' "${DEMO_IMAGE}:${version}" | awk '{printf "%.0f MB", $1/1e6}')"
    summary_add "Image ${version}" "${DEMO_IMAGE}:${version} (${size}, built in $((SECONDS - start))s)"
}

# --- Step: run one version on 127.0.0.1 (a port Docker picks) and wait for /healthz
step_run() {
    local version="$1" cid port i
    say "Run ${DEMO_IMAGE}:${version} on 127.0.0.1"
    cid="$(docker run --detach --publish 127.0.0.1::8000 "${DEMO_IMAGE}:${version}")"
    CONTAINERS+=("${cid}")
    port="$(docker port "${cid}" 8000/tcp | head -n 1 | sed 's/.*://')"
    URLS[${version}]="http://127.0.0.1:${port}"
    for i in $(seq 1 50); do
        curl -fsS --max-time 2 "${URLS[${version}]}/healthz" >/dev/null 2>&1 && break
        [[ ${i} -eq 50 ]] && {
            docker logs "${cid}" >&2
            fail "${version} never answered /healthz"
        }
        sleep 0.2
    done
    printf '    %s: %s (container %s, user %s)\n' "${version}" "${URLS[${version}]}" "${cid:0:12}" \
        "$(docker exec "${cid}" id -un)"
}

# --- Step: the routes of one version, as curl sees them
step_curl() {
    local version="$1" path code body
    say "curl ${version}"
    for path in / /welcome /healthz; do
        body="$(curl -sS --max-time 5 -o - -w '\n%{http_code}' "${URLS[${version}]}${path}")"
        code="${body##*$'\n'}"
        body="${body%$'\n'*}"
        body="${body%$'\n'}"
        [[ "${code}" == 404 ]] && body="(not found)"
        printf '    GET %-9s -> %s %s\n' "${path}" "${code}" "${body}"
        summary_add "${version} GET ${path}" "${code} ${body}"
    done
}

# --- Step: stop the containers the way ECS does (SIGTERM, 10 s grace) and time it
step_stop() {
    local cid start elapsed
    say "Stop the containers (SIGTERM)"
    for cid in "${CONTAINERS[@]}"; do
        start="$(date +%s.%N)"
        docker stop --time 10 "${cid}" >/dev/null
        elapsed="$(awk -v s="${start}" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')"
        summary_add "docker stop ${cid:0:12}" "${elapsed}s, exit code $(docker inspect -f '{{.State.ExitCode}}' "${cid}")"
    done
}

# --- Final: the summary box
print_summary() {
    local line label value width=0
    for line in "${SUMMARY[@]}"; do
        label="${line%%|*}"
        ((${#label} > width)) && width=${#label}
    done
    local rule
    rule="$(printf '%*s' 78 '' | tr ' ' '-')"
    printf '\n+%s+\n| %-76s |\n+%s+\n' "${rule}" "hello_app demo summary" "${rule}"
    for line in "${SUMMARY[@]}"; do
        label="${line%%|*}"
        value="${line#*|}"
        printf '| %-*s : %-*s |\n' "${width}" "${label}" $((73 - width)) "${value:0:$((73 - width))}"
    done
    printf '+%s+\n' "${rule}"
}

main() {
    step_prerequisites
    step_build v1 off
    step_build v2 on
    step_run v1
    step_run v2
    step_curl v1
    step_curl v2
    if [[ "${DEMO_KEEP:-0}" == 1 ]]; then
        summary_add "Left running" "v1 ${URLS[v1]}  v2 ${URLS[v2]}"
    else
        step_stop
    fi
    print_summary
}

main "$@"
