#!/usr/bin/env bash
# `make demo`: the seed's story on this machine, one function per step; each step prints what it did and
# adds lines to the summary box printed at the end.
#   1. the stack on the local emulator (site.yml): v1 "Hello World!" behind the ALB, rolling update controller
#   2. the /welcome version shipped by rolling update (site.yml --tags deploy -e app_image_tag=v2)
#   3. the same on a blue/green service: CodeDeploy lifecycle printed step by step, production moved to
#      the other target group
#   4. the pipeline (CodeCommit -> CodeBuild -> CodeDeploy blue/green) as the emulator holds it
#   5. the two image versions run locally through gunicorn and answer curl
#
# Environment: AWSEMU_PORT (default 4566, the emulator `make local-up` started), DEMO_IMAGE (default
# helloapp-demo), DEMO_KEEP=1 leaves the containers running. The demo resets the emulator first.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"
PYTHON="${ROOT}/.venv/bin/python"
[[ -x "${PYTHON}" ]] || PYTHON=python3
DEMO_IMAGE="${DEMO_IMAGE:-helloapp-demo}"
INVENTORY_VARS="inventory/local/group_vars/all/main.yml"

SUMMARY=()         # "label|value" lines for the final box
PLAY_CHANGED=""    # the changed count of the last play's recap
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

# --- Ansible against the local emulator
EMULATOR="http://127.0.0.1:${AWSEMU_PORT:-4566}"
export AWS_ENDPOINT_URL="${EMULATOR}" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_DEFAULT_REGION=ap-northeast-2 ANSIBLE_CONFIG="${ROOT}/ansible.cfg" ANSIBLE_NOCOLOR=1
PLAYBOOK="${ROOT}/.venv/bin/ansible-playbook"
mkdir -p build/demo

# Run a playbook, keep its whole output in build/demo/<name>.log, show the summary and the recap.
play() {
    local name="$1" start=${SECONDS} rc=0
    shift
    printf '    ansible-playbook %s\n' "$*"
    "${PLAYBOOK}" "$@" >"build/demo/${name}.log" 2>&1 || rc=$?
    # The lifecycle lines of a blue/green release, the summary and the recap.
    sed -n -E -e "/^ +msg: '?(d-|Deployment d-)/p" \
        -e "/^ +msg: '?(BeforeInstall|Install|AfterInstall|AllowTestTraffic|AfterAllowTestTraffic|BeforeAllowTraffic|AllowTraffic|AfterAllowTraffic): /p" \
        -e "/^ +- 'ALB:/,/^ +- 'Blue\/green:/p" -e '/^localhost  /p' "build/demo/${name}.log" | sed -E 's/^ +/    /'
    if [[ ${rc} -ne 0 ]]; then
        tail -n 40 "build/demo/${name}.log" >&2
        fail "${name} failed (rc ${rc}); whole output in build/demo/${name}.log"
    fi
    PLAY_CHANGED="$(sed -n -E 's/^localhost +: .*changed=([0-9]+).*/\1/p' "build/demo/${name}.log" | tail -n 1)"
    summary_add "${name}" "ok in $((SECONDS - start))s, changed=${PLAY_CHANGED}"
}

# The target group a listener of the stack's load balancer sends traffic to, as the collection decides it
# (module_utils/elbv2.py, through the elb_listener_traffic_info module); the name comes from the inventory.
# "production" is the HTTPS listener when the inventory sets app_certificate_arn (port 80 then only redirects).
listener_target() {
    local port="$1"
    [[ "${port}" == production ]] && port="{{ app_https_port if app_certificate_arn | default('', true) else app_production_port }}"
    "${ROOT}/.venv/bin/ansible" localhost -o -m fargatedemo.ecs_delivery.elb_listener_traffic_info \
        -a "load_balancer_name={{ app_alb_name }} ports=${port}" 2>/dev/null | "${PYTHON}" -c '
import json, sys
text = sys.stdin.read()
result = json.loads(text.split("=> ", 1)[1]) if "=> " in text else {}
listeners = result.get("listeners") or [{}]
print(listeners[0].get("live_target_group") or "(none: " + (result.get("msg") or "no such listener") + ")")
'
}

step_emulator() {
    say "Local AWS emulator at ${EMULATOR} (a test double of AWS), reset to an empty account"
    curl -fsS -X POST "${EMULATOR}/moto-api/reset" >/dev/null || fail "no emulator at ${EMULATOR}: run 'make local-up'"
    curl -fsS -X DELETE "${EMULATOR}/_emulator/strict" >/dev/null || true  # count this demo's answers only
    summary_add "Emulator" "${EMULATOR} (reset)"
}

step_stack_rolling() {
    say "1. Stand the stack up: IAM, ECR + image v1, ALB, cluster, service (rolling update)"
    play site-v1 site.yml -e app_image_tag=v1 -e app_welcome_route=false
    summary_add "Production (rolling)" "$(listener_target production)"
}

step_rolling_v2() {
    say "2. Ship the /welcome version by rolling update"
    play deploy-v2-rolling site.yml --tags deploy -e app_image_tag=v2 -e app_welcome_route=true
    say "   Run site.yml again with the same inputs: nothing may change"
    play site-again site.yml -e app_image_tag=v2 -e app_welcome_route=true
    [[ "${PLAY_CHANGED}" == 0 ]] || fail "the second site.yml run changed ${PLAY_CHANGED} things (expected 0)"
}

step_bluegreen() {
    say "3. Blue/green: a CODE_DEPLOY service (a new service: the controller cannot change in place)"
    play teardown playbooks/teardown.yml -e teardown_confirm=helloapp@123456789012 -e app_image_tag=v2
    play site-bluegreen-v1 site.yml -e app_release_strategy=codedeploy -e app_image_tag=v1 \
        -e app_welcome_route=false
    summary_add "Production before" "$(listener_target production)"
    say "   Deploy v2 blue/green: replacement task set, test listener 8080, then the production listener"
    play deploy-v2-bluegreen playbooks/deploy.yml -e app_release_strategy=codedeploy \
        -e app_image_tag=v2 -e app_welcome_route=true
    summary_add "Production after" "$(listener_target production)"
    summary_add "Test :8080 after" "$(listener_target 8080)"
}

step_pipeline() {
    say "4. The pipeline: CodeCommit -> CodeBuild -> CodeDeploy blue/green"
    play pipeline site.yml -e app_release_strategy=codedeploy -e codepipeline_enabled=true \
        -e app_image_tag=v2 -e app_welcome_route=true
    local stages
    stages="$("${PYTHON}" - <<'PY'
import boto3

pipeline = boto3.client("codepipeline").get_pipeline(name="helloapp-pipeline")["pipeline"]
print(" -> ".join(s["actions"][0]["actionTypeId"]["provider"] for s in pipeline["stages"]))
PY
)"
    printf '    %s\n' "${stages}"
    summary_add "Pipeline" "${stages}"
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
        # Long values wrap onto continuation lines instead of being cut.
        while :; do
            printf '| %-*s : %-*s |\n' "${width}" "${label}" $((73 - width)) "${value:0:$((73 - width))}"
            value="${value:$((73 - width))}"
            [[ -n "${value}" ]] || break
            label=""
        done
    done
    printf '+%s+\n' "${rule}"
    printf 'Each playbook run'"'"'s whole output: build/demo/<name>.log\n'
}

# Strict mode (on unless AWSEMU_STRICT=0 started the emulator): answers that did not fit botocore's model.
step_strict() {
    local count
    count="$(curl -fsS "${EMULATOR}/_emulator/strict" | "${PYTHON}" -c \
        'import json, sys; d = json.load(sys.stdin); print(len(d["violations"]) if d["enabled"] else "off")')" ||
        count="unknown"
    summary_add "Strict mode" "${count} answers off botocore's model (GET ${EMULATOR}/_emulator/strict)"
}

main() {
    step_prerequisites
    step_emulator
    step_stack_rolling
    step_rolling_v2
    step_bluegreen
    step_pipeline
    say "5. The two versions, run locally through gunicorn"
    step_build v1 off
    step_build v2 on
    step_run v1
    step_run v2
    step_curl v1
    step_curl v2
    step_strict
    if [[ "${DEMO_KEEP:-0}" == 1 ]]; then
        summary_add "Left running" "v1 ${URLS[v1]}  v2 ${URLS[v2]}"
    else
        step_stop
    fi
    print_summary
}

main "$@"
