#!/usr/bin/env bash
# Host prerequisites for the container tests and the demo:
#   - the Debian packages docker.io, debootstrap, docker-registry (installed with apt-get when root), and with
#     the argument "bench" (make bench) also wrk, the load generator of its hello_app figures,
#   - a Docker engine that answers (dockerd started in the background when none does; log build/dockerd.log),
#   - Debian's docker-registry bound to 127.0.0.1:5000 only, as the local stand-in for ECR
#     (our own config build/registry/config.yml, storage build/registry/data, pid build/registry/registry.pid).
# Idempotent: a running engine or registry is reused. Not root and something missing: say what and
# exit 0, so the Docker tests skip on a laptop (.ci/run sets REQUIRE_DOCKER=1 and makes them fail instead).
set -euo pipefail

# dockerd and debootstrap live in sbin, which ordinary users' PATH often lacks.
PATH="${PATH}:/usr/local/sbin:/usr/sbin:/sbin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ROOT}/build"
REGISTRY_DIR="${BUILD}/registry"
REGISTRY_ADDR="127.0.0.1:5000"
APT_PACKAGES=(docker.io debootstrap docker-registry ca-certificates curl)
# command -> Debian package that provides it
declare -A NEEDED=([dockerd]=docker.io [docker]=docker.io [debootstrap]=debootstrap
    [docker-registry]=docker-registry [curl]=curl)
# make bench only: CI's make test does not need wrk, so it does not pay for installing it.
if [[ "${1:-}" == bench ]]; then
    APT_PACKAGES+=(wrk)
    NEEDED[wrk]=wrk
fi

log() { printf '[host-deps] %s\n' "$*"; }
is_root() { [[ "$(id -u)" -eq 0 ]]; }

missing_commands() {
    local cmd
    for cmd in "${!NEEDED[@]}"; do
        command -v "${cmd}" >/dev/null 2>&1 || printf '%s ' "${cmd}"
    done
}

install_packages() {
    local missing
    missing="$(missing_commands)"
    [[ -z "${missing}" ]] && return 0
    if ! is_root; then
        log "missing: ${missing}(packages: ${APT_PACKAGES[*]}); run 'sudo make host-deps' to install."
        # Without the docker CLI nothing else here can work; without the rest an engine may still be usable.
        if ! command -v docker >/dev/null 2>&1; then
            log "Docker tests will be skipped."
            exit 0
        fi
        return 0
    fi
    log "installing ${APT_PACKAGES[*]} (missing: ${missing})"
    export DEBIAN_FRONTEND=noninteractive
    # Keep the packages' init scripts from starting services (we start dockerd and the registry below,
    # the registry on 127.0.0.1 only); a policy-rc.d that is already there is left alone.
    local policy=/usr/sbin/policy-rc.d added=0
    if [[ ! -e "${policy}" ]]; then
        printf '#!/bin/sh\nexit 101\n' >"${policy}"
        chmod +x "${policy}"
        added=1
    fi
    local status=0
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null; } ||
        status=$?
    if [[ ${added} -eq 1 ]]; then
        rm -f "${policy}"
    fi
    return "${status}"
}

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

start_engine() {
    if engine_up; then
        log "Docker engine: already running"
        return 0
    fi
    if ! is_root; then
        log "no Docker engine answers and we are not root: start it (or join the docker group); Docker tests will be skipped."
        exit 0
    fi
    mkdir -p "${BUILD}"
    log "starting dockerd (log: build/dockerd.log)"
    # setsid: the engine outlives this script and make (the machine's engine, not a test fixture);
    # 9>&- : it must not inherit the lock below, or the next run would wait for it forever.
    setsid dockerd >>"${BUILD}/dockerd.log" 2>&1 </dev/null 9>&- &
    local i
    for i in $(seq 1 60); do
        if engine_up; then
            log "Docker engine: up after ${i}s"
            return 0
        fi
        sleep 1
    done
    log "dockerd did not answer within 60s; last lines of build/dockerd.log:"
    tail -n 20 "${BUILD}/dockerd.log" >&2
    exit 1
}

registry_up() { curl -fsS --max-time 3 "http://${REGISTRY_ADDR}/v2/" >/dev/null 2>&1; }

write_registry_config() {
    mkdir -p "${REGISTRY_DIR}/data"
    cat >"${REGISTRY_DIR}/config.yml" <<EOF
# Written by scripts/host-deps.sh: the local stand-in for ECR, reachable from this host only.
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${REGISTRY_DIR}/data
  delete:
    enabled: true
http:
  addr: ${REGISTRY_ADDR}
EOF
}

start_registry() {
    if ! command -v docker-registry >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
        log "registry: docker-registry or curl is missing; the push/pull test will be skipped."
        exit 0
    fi
    if registry_up; then
        log "registry: already answering on ${REGISTRY_ADDR}"
        return 0
    fi
    local pidfile="${REGISTRY_DIR}/registry.pid" code
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://${REGISTRY_ADDR}/v2/" || true)"
    if [[ "${code}" != 000 ]] && ! { [[ -f "${pidfile}" ]] && kill -0 "$(cat "${pidfile}")" 2>/dev/null; }; then
        # Most likely Debian's own service (its packaged config: htpasswd auth, all interfaces), started by
        # the package's postinst on a machine with an init system. Ours replaces it.
        if is_root && [[ -x /etc/init.d/docker-registry ]]; then
            log "registry: another one answers on port 5000 (HTTP ${code}); stopping Debian's docker-registry service"
            /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
            sleep 1
        else
            log "registry: port 5000 is taken by something that answers HTTP ${code}; free it and rerun."
            exit 1
        fi
    fi
    if [[ -f "${pidfile}" ]] && kill -0 "$(cat "${pidfile}")" 2>/dev/null; then
        log "registry: pid $(cat "${pidfile}") exists but does not answer; restarting it"
        kill "$(cat "${pidfile}")" || true
        sleep 1
    fi
    write_registry_config
    log "starting docker-registry on ${REGISTRY_ADDR} (log: build/registry/registry.log)"
    # Detached like dockerd, without the lock (9>&-).
    setsid docker-registry serve "${REGISTRY_DIR}/config.yml" >>"${REGISTRY_DIR}/registry.log" 2>&1 </dev/null 9>&- &
    echo $! >"${pidfile}"
    local i
    for i in $(seq 1 30); do
        if registry_up; then
            log "registry: up (pid $(cat "${pidfile}"))"
            return 0
        fi
        sleep 0.5
    done
    log "docker-registry did not answer; last lines of build/registry/registry.log:"
    tail -n 20 "${REGISTRY_DIR}/registry.log" >&2
    exit 1
}

# One run at a time (make test and make demo may start together): wait for the other one.
mkdir -p "${BUILD}"
exec 9>"${BUILD}/host-deps.lock"
flock 9
install_packages
start_engine
start_registry
