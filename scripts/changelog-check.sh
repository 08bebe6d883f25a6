#!/usr/bin/env bash
# A branch that changes what the collection ships (plugins/, roles/, meta/) carries a changelog fragment.
#   scripts/changelog-check.sh            # against main (CHANGELOG_BASE=<ref> for another base)
# What mature collections do: fragments are linted on every run (ansible-test sanity's `changelog` test runs
# `antsibull-changelog lint`, from `make lint`), and a pull request touching plugins must add one (their CI's
# "changelog required" job). Our CI runs on a clean clone of main, where there is no pull request: this script
# is that job, run by `make lint` in a branch (nothing to compare on main itself, or without a base ref). A
# change users need not hear of (tests, docs, refactoring) says so with a fragment holding only `trivial:`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
COLLECTION="collections/ansible_collections/fargatedemo/ecs_delivery"
BASE="${CHANGELOG_BASE:-main}"
cd "${ROOT}"

if ! git rev-parse --verify --quiet "${BASE}^{commit}" >/dev/null; then
    echo "[changelog] no ${BASE} to compare with: nothing to check"
    exit 0
fi
fork="$(git merge-base HEAD "${BASE}")"
if [[ "${fork}" == "$(git rev-parse HEAD)" ]]; then
    echo "[changelog] HEAD is on ${BASE}: nothing to check"
    exit 0
fi
shipped="$(git diff --name-only "${fork}" HEAD -- "${COLLECTION}/plugins" "${COLLECTION}/roles" "${COLLECTION}/meta")"
fragments="$(git diff --name-only --diff-filter=AM "${fork}" HEAD -- "${COLLECTION}/changelogs/fragments")"
if [[ -n "${shipped}" && -z "${fragments}" ]]; then
    echo "[changelog] this branch changes what the collection ships but adds no fragment under" >&2
    echo "            ${COLLECTION}/changelogs/fragments/ (CONTRIBUTING.md, \"Changelog fragments\"); it changes:" >&2
    while read -r path; do printf '              %s\n' "${path}"; done <<<"${shipped}" >&2
    exit 1
fi
count="$(grep -c . <<<"${shipped}" || true)"
echo "[changelog] ${count} shipped file(s) changed since ${BASE}; fragments: $(tr '\n' ' ' <<<"${fragments:-none needed}")"
