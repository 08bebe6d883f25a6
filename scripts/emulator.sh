#!/usr/bin/env bash
# The local AWS emulator (a test double: moto + awsemu/ extensions) as a background process.
#   scripts/emulator.sh up|down|status|restart
# Environment: AWSEMU_PORT (4566), AWSEMU_HOST (127.0.0.1), AWSEMU_TIME_SCALE (1; 60 = a minute per
# second), AWSEMU_STRICT (1: check every answer against botocore's model, record and log what does not fit;
# 0 turns it off), AWSEMU_START_TIMEOUT (seconds to wait for readiness, 30), PYTHON (.venv/bin/python).
# Files: build/awsemu-<port>.pid, .log and .code (a fingerprint of the emulator's code and pinned
# dependencies when it started: `up` restarts a running emulator whose code has changed since).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${AWSEMU_PORT:-4566}"
HOST="${AWSEMU_HOST:-127.0.0.1}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
TIMEOUT="${AWSEMU_START_TIMEOUT:-30}"
PIDFILE="$ROOT/build/awsemu-$PORT.pid"
LOGFILE="$ROOT/build/awsemu-$PORT.log"
URL="http://$HOST:$PORT"
CODEFILE="$ROOT/build/awsemu-$PORT.code"

say() { printf 'emulator: %s\n' "$*"; }
die() { printf 'emulator: error: %s\n' "$*" >&2; exit 1; }

# Is /_emulator/health answering with our emulator's answer?
healthy() {
    "$PYTHON" - "$URL/_emulator/health" <<'EOF' >/dev/null 2>&1
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if json.load(r).get("status") == "ok" else 1)
EOF
}

# Something (anything) listening on the port?
port_taken() {
    "$PYTHON" - "$HOST" "$PORT" <<'EOF' >/dev/null 2>&1
import socket, sys
s = socket.socket()
s.settimeout(1)
sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
EOF
}

# A fingerprint of what the emulator runs: its sources and the pinned dependencies.
fingerprint() {
    (cd "$ROOT" && find awsemu -name '*.py' -print0 | sort -z | xargs -0 cat requirements.txt) | sha256sum | cut -d' ' -f1
}

# The pid from the pid file, when that process is alive and is our emulator.
running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(<"$PIDFILE")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- '-m awsemu' || return 1
    echo "$pid"
}

up() {
    local pid
    if pid="$(running_pid)" && [[ "$(cat "$CODEFILE" 2>/dev/null)" != "$(fingerprint)" ]]; then
        say "the emulator's code changed since pid $pid started; restarting it"
        down
    fi
    if pid="$(running_pid)"; then
        if healthy; then
            say "already running on $URL (pid $pid)"
            return 0
        fi
        say "pid $pid exists but does not answer yet; waiting"
    else
        if [[ -f "$PIDFILE" ]]; then
            say "removing stale pid file $PIDFILE"
            rm -f "$PIDFILE"
        fi
        if port_taken; then
            if healthy; then
                say "an emulator not started by this script already answers on $URL; using it"
                say "(this script has no pid file for it, so 'down' will not stop it)"
                return 0
            fi
            die "port $PORT on $HOST is taken by another program; choose another port with AWSEMU_PORT=<port>"
        fi
        [[ -x "$PYTHON" ]] || die "$PYTHON not found; run 'make venv' first"
        mkdir -p "$ROOT/build"
        cd "$ROOT"
        # setsid: the emulator outlives this shell and make; its own process group for a clean stop.
        AWSEMU_STRICT="${AWSEMU_STRICT:-1}" MOTO_IAM_LOAD_MANAGED_POLICIES=true \
            setsid "$PYTHON" -m awsemu --host "$HOST" --port "$PORT" \
            >"$LOGFILE" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$PIDFILE"
        fingerprint >"$CODEFILE"
    fi
    local start=$SECONDS
    until healthy; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$PIDFILE"
            printf 'emulator: error: the emulator exited during start-up; last lines of %s:\n' "$LOGFILE" >&2
            tail -n 20 "$LOGFILE" >&2 || true
            exit 1
        fi
        if ((SECONDS - start >= TIMEOUT)); then
            printf 'emulator: error: not ready on %s after %ss; last lines of %s:\n' "$URL" "$TIMEOUT" "$LOGFILE" >&2
            tail -n 20 "$LOGFILE" >&2 || true
            exit 1
        fi
        sleep 0.2
    done
    say "running on $URL (pid $pid, time scale ${AWSEMU_TIME_SCALE:-1}, log $LOGFILE)"
    say "use it with: export AWS_ENDPOINT_URL=$URL AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
}

down() {
    local pid
    if ! pid="$(running_pid)"; then
        if [[ -f "$PIDFILE" ]]; then
            rm -f "$PIDFILE"
            say "not running (removed stale pid file)"
        else
            say "not running on port $PORT"
        fi
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    rm -f "$PIDFILE" "$CODEFILE"
    say "stopped (pid $pid)"
}

status() {
    local pid
    if pid="$(running_pid)" && healthy; then
        say "running on $URL (pid $pid)"
        return 0
    fi
    if [[ -n "${pid:-}" ]]; then
        say "pid $pid is alive but $URL/_emulator/health does not answer"
        return 1
    fi
    say "not running on port $PORT"
    return 3
}

case "${1:-}" in
up) up ;;
down) down ;;
status) status ;;
restart) down && up ;;
*)
    echo "usage: $0 up|down|status|restart  (AWSEMU_PORT=${PORT})" >&2
    exit 2
    ;;
esac
