# Two commands do all set-up on a fresh machine: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# The emulator (make local-up) listens here; AWS SDKs and botocore honour AWS_ENDPOINT_URL.
AWSEMU_PORT ?= 4566
export AWSEMU_PORT

.PHONY: help venv host-deps base-image local-up local-down local-status lint versions test demo bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed ## Create or update the virtualenv from the pinned requirements

host-deps: ## Docker engine, local registry on 127.0.0.1:5000, debootstrap (installs them when root)
	scripts/host-deps.sh

base-image: host-deps ## Build the local base image (debootstrap Debian + python3) and the wheelhouse
	scripts/base-image.sh

local-up: venv ## Start the local AWS emulator on 127.0.0.1:$(AWSEMU_PORT) (idempotent)
	scripts/emulator.sh up

local-down: ## Stop the local AWS emulator
	scripts/emulator.sh down

local-status: ## Is the emulator running?
	scripts/emulator.sh status

lint: venv ## ansible-lint (production), yamllint, ruff, hadolint, shellcheck, detect-secrets, changelog, sanity
	yamllint -s .
	ruff check .
	ruff format --check .
	hadolint hello_app/Dockerfile sample_apps/*/Dockerfile
	shellcheck scripts/*.sh .ci/run
	python scripts/check_secrets.py
	ansible-lint
	scripts/changelog-check.sh
	scripts/sanity.sh

versions: venv ## Sanity and unit tests on the other supported ansible-core versions (nox; CONTRIBUTING.md)
	nox

# --dist loadfile: each test file runs whole, in order, on one worker (module-scoped stacks build on
# each other's steps). Not loadgroup: under pytest 9.2 it ignores xdist_group (pytest-dev/pytest-xdist#1386).
# --no-loadscope-reorder: files go out in collection order, longest first (tests/conftest.py LONGEST_FIRST).
# -n 3 on 2 cores: with 2 workers the cores stood 15% idle (vmstat, whole suite: workers wait on the emulator's
# clock, Docker builds and pip), a third worker fills that.
# The lint, then the other ansible-core versions' sanity and unit tests (nox), run as one job beside the base
# image and the suite: the tests need neither, and run in sequence the lint kept one core idle for about
# 150 s while the base image was built (it is mostly one process; debootstrap waits on the network and disk).
# The two run one after the other because both run ansible-test in the collection's tests/output. Their logs
# are printed after the suite, and any of the three failing fails `make test`. sanity.sh --link-only first:
# the dependency collections it links into collections/ are what the suite's playbooks resolve, from the start.
test: venv host-deps ## Lint, the whole suite, and sanity and unit tests on the other cores beside it
	@mkdir -p build
	scripts/sanity.sh --link-only
	@{ $(MAKE) --no-print-directory lint >build/lint.log 2>&1; echo $$? >build/lint.rc; \
	   nox >build/nox.log 2>&1; echo $$? >build/nox.rc; } & side=$$!; \
	scripts/base-image.sh && pytest -n 3 --dist loadfile --no-loadscope-reorder; suite=$$?; \
	wait $$side; lint=$$(cat build/lint.rc); versions=$$(cat build/nox.rc); \
	echo "==> make lint, exit $$lint; build/lint.log ends:"; tail -n $$(( lint ? 60 : 5 )) build/lint.log; \
	echo "==> nox (ansible-core 2.20 and 2.21: sanity, unit tests), exit $$versions; build/nox.log ends:"; \
	grep -E '^nox > (Session|Ran)|FATAL|ERROR|passed|failed' build/nox.log | tail -n 30; \
	exit $$(( suite || lint || versions ))

demo: venv host-deps local-up ## Run the whole story on the local emulator and print a summary
	scripts/base-image.sh
	scripts/demo.sh

# BENCH_RUNS (3) runs per figure; BENCH_ARGS more options (python -m bench --help), e.g. --suite-report FILE.
bench: venv ## Measure converge, release, peer, load and suite figures on a private emulator; write BENCHMARKS.md
	scripts/host-deps.sh bench
	scripts/base-image.sh
	python -m bench --runs $(or $(BENCH_RUNS),3) $(BENCH_ARGS)

clean: local-down ## Remove the venv and build outputs
	rm -rf $(VENV) build .nox
