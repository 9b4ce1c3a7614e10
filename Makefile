# Redthread — the two commands a newcomer needs:
#   make run    build everything and serve the demo case at http://127.0.0.1:8080
#   make test   run every test: Go (with -race), web unit tests, browser tests
#
# Everything they need (npm packages, Debian's chromium, Neo4j from Maven
# Central) is installed by the targets themselves.

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
GO           ?= go
NPM          ?= npm
BIN          := bin/redthread
ADDR         ?= 127.0.0.1:8080
DATA         ?= .redthread-data
CHROMIUM     ?= /usr/bin/chromium
NEO4J_SH     := scripts/neo4j.sh
# Tests get a Neo4j of their own (temporary data, port 7688 unless taken),
# because they empty the database between cases: `make neo4j` (port 7687,
# data kept in .neo4j/) is yours, and tests never touch it.
NEO4J_TEST    := NEO4J_STATE_DIR=$(CURDIR)/.neo4j-test NEO4J_TMP_DATA=1 NEO4J_PORT=7688
NEO4J_ENV     := .neo4j-test/env
GO_SOURCES   := $(shell find . -name '*.go' -not -path './web/node_modules/*' 2>/dev/null) go.mod go.sum
# npm packages may ship Go files (flatted does); keep them out of ./...
GO_PACKAGES   = $$($(GO) list ./... | grep -v /node_modules/)
WEB_SOURCES  := $(shell find web/src web/index.html web/bench.html web/vite.config.ts web/tsconfig.json web/package.json -type f 2>/dev/null)

.PHONY: run build web test test-go test-web test-e2e test-python pyenv lint generate check-generated check-tidy bench bench-go bench-web chromium clean help \
        neo4j neo4j-stop neo4j-status neo4j-for-tests neo4j-test-stop fuzz test-kill-m load soak

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

run: build ## serve the UI and GraphQL API with the demo case at http://$(ADDR)
	$(BIN) serve --addr $(ADDR) --data $(DATA) --demo

build: $(BIN) ## build the binary with the web UI embedded

$(BIN): web/dist/index.html $(GO_SOURCES)
	$(GO) build -o $(BIN) ./cmd/redthread

web/node_modules/.package-lock.json: web/package.json web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund

web: web/dist/index.html ## build the web UI into web/dist

web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SOURCES)
	cd web && $(NPM) run build

test: lint pyenv test-go test-web test-e2e test-python ## run every test

# The OASIS STIX validator, from PyPI into .venv: the STIX export's tests
# (cases/casestix) run it and fail without it under CI. 3.3.2, not 3.3.1:
# 3.3.1's wheel and sdist ship without the JSON schemas, so it refuses
# every object ("Cannot locate a schema").
PYTHON            ?= python3
STIX2_VALIDATOR   := stix2-validator==3.3.2
PYENV_STAMP       := .venv/.installed-$(STIX2_VALIDATOR)

pyenv: $(PYENV_STAMP) ## the Python tools tests use (.venv: stix2-validator from PyPI)

$(PYENV_STAMP):
	$(PYTHON) -m venv .venv
	.venv/bin/pip install --quiet --disable-pip-version-check '$(STIX2_VALIDATOR)'
	@test -x .venv/bin/stix2_validator
	@touch $@

# The Python client (clients/python) and its notebook, in .venv-client: the
# client and its test, notebook and bench dependencies, every one pinned
# (clients/python/requirements-test.txt). The tests start bin/redthread
# themselves, on the embedded store and on the test Neo4j (under the Go
# tests' lock); the notebook runs headless (nbclient) against a server its
# runner starts, and any failing cell fails the target. mypy checks the
# client's types first.
PYCLIENT_VENV  := .venv-client
PYCLIENT_REQS  := clients/python/requirements-test.txt
PYCLIENT_STAMP := $(PYCLIENT_VENV)/.installed

$(PYCLIENT_STAMP): $(PYCLIENT_REQS)
	$(PYTHON) -m venv $(PYCLIENT_VENV)
	$(PYCLIENT_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(PYCLIENT_REQS)
	@touch $@

test-python: build neo4j-for-tests $(PYCLIENT_STAMP) ## the Python client's tests (live server, both stores) and the example notebook, headless
	$(PYCLIENT_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --force-reinstall ./clients/python
	$(PYCLIENT_VENV)/bin/mypy --ignore-missing-imports clients/python/src/redthread
	@uri="$${NEO4J_URI:-$$(sed -n 's/^NEO4J_URI=//p' $(NEO4J_ENV))}"; \
	  if [ -z "$$uri" ]; then echo "test-python: no Neo4j: $(NEO4J_ENV) holds no NEO4J_URI (see $(NEO4J_SH) status)" >&2; exit 1; fi; \
	  echo "NEO4J_URI=$$uri pytest clients/python/tests"; \
	  NEO4J_URI="$$uri" REDTHREAD_BIN=$(CURDIR)/$(BIN) $(PYCLIENT_VENV)/bin/pytest -q -p no:cacheprovider clients/python/tests
	REDTHREAD_BIN=$(CURDIR)/$(BIN) $(PYCLIENT_VENV)/bin/python examples/notebooks/run.py

# golangci-lint at a pinned version, built once into bin/ (.golangci.yml says
# which linters and why). gofmt and go vet run inside it.
GOLANGCI_LINT_VERSION := v2.15.0
GOLANGCI_LINT         := bin/golangci-lint-$(GOLANGCI_LINT_VERSION)

$(GOLANGCI_LINT):
	@mkdir -p bin/.golangci-lint
	GOBIN=$(CURDIR)/bin/.golangci-lint $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv bin/.golangci-lint/golangci-lint $@

lint: $(GOLANGCI_LINT) ## golangci-lint (pinned; gofmt, vet, errcheck, staticcheck, revive, funlen, forbidigo)
	$(GOLANGCI_LINT) run $$($(GO) list -f '{{.Dir}}' ./... | grep -v /node_modules/)

# A package's tests under -race on a busy 2-core machine: e2e (real binaries,
# Neo4j crashed and restarted) alone takes 4 to 10 minutes, go test's default.
GO_TEST_TIMEOUT ?= 30m

test-go: web/dist/index.html neo4j-for-tests ## Go unit, conformance, GraphQL and end-to-end tests (race detector on; Neo4j included)
	@uri="$${NEO4J_URI:-$$(sed -n 's/^NEO4J_URI=//p' $(NEO4J_ENV))}"; \
	  if [ -z "$$uri" ]; then echo "test-go: no Neo4j: $(NEO4J_ENV) holds no NEO4J_URI (see $(NEO4J_SH) status)" >&2; exit 1; fi; \
	  echo "NEO4J_URI=$$uri $(GO) test -race -count=1 -timeout $(GO_TEST_TIMEOUT) ./..."; \
	  NEO4J_URI="$$uri" $(GO) test -race -count=1 -timeout $(GO_TEST_TIMEOUT) $(GO_PACKAGES)

# The Neo4j the Go tests use: NEO4J_URI from the environment (your own Neo4j or
# Aura, with NEO4J_USER/NEO4J_PASSWORD), else the local one, started when it is
# not running. A Neo4j that cannot start fails the run with the reason.
neo4j-for-tests:
	@if [ -n "$${NEO4J_URI:-}" ]; then echo "test-go: using NEO4J_URI=$$NEO4J_URI from the environment (its database is emptied)"; \
	  else $(NEO4J_TEST) $(NEO4J_SH) start; fi

neo4j-test-stop: ## stop the Neo4j that make test started
	@$(NEO4J_TEST) $(NEO4J_SH) stop

neo4j: ## start a local Neo4j 5.26 in the background (built from Maven Central on first use); prints NEO4J_URI
	@$(NEO4J_SH) start

neo4j-stop: ## stop the local Neo4j
	@$(NEO4J_SH) stop

neo4j-status: ## is the local Neo4j running, and its NEO4J_URI
	@$(NEO4J_SH) status || true

test-web: web/node_modules/.package-lock.json ## web type checks, lint and unit tests
	cd web && $(NPM) run check

test-e2e: build chromium ## browser tests: real binary (demo case and generated data), real Chromium
	cd web && REDTHREAD_BIN=$(CURDIR)/$(BIN) CHROMIUM=$(CHROMIUM) $(NPM) run e2e

chromium: ## install Debian's chromium when it is missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "installing chromium from Debian's packages"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

check-tidy: ## fail when go mod tidy would change go.mod or go.sum
	$(GO) mod tidy
	@git diff --exit-code -- go.mod go.sum || { echo "go.mod is not tidy: run go mod tidy and commit"; exit 1; }

# Code generated from schema.graphqls: gqlgen's Go (server/gql) and, from the
# same schema and the documents in web/src/api.ts, the web client's TypeScript
# types and typed documents (web/src/gql, GraphQL Code Generator from
# node_modules: no network).
GENERATED    := server/gql web/src/gql

generate: web/node_modules/.package-lock.json ## regenerate the Go and TypeScript code from schema.graphqls (and web/src's GraphQL documents)
	$(GO) tool gqlgen generate
	cd web && $(NPM) run --silent codegen

# git status, not git diff: a file generate adds or removes is stale too.
check-generated: generate ## fail when generated code (server/gql, web/src/gql) is out of date
	@stale=$$(git status --porcelain --untracked-files=all -- $(GENERATED)); \
	  if [ -n "$$stale" ]; then git --no-pager diff --stat -- $(GENERATED); echo "$$stale"; \
	    echo "generated code is stale: run make generate and commit"; exit 1; fi

test-kill-m: ## the ingest kill test at M scale (5 M transfers; about 10 min and 11 GiB at peak here)
	$(GO) test -v -count=1 -timeout 60m -run 'TestIngestSurvivesKill$$' ./e2e/ -args -kill-transfers=5000000

FUZZTIME ?= 10s
# Every parser's (and the store codec's) fuzz target, for FUZZTIME each. -fuzzminimizetime stays
# short: minimising the large real seed files would eat the whole budget.
fuzz: ## run every parser's and decoder's fuzz target for FUZZTIME (default 10s) each
	@GO="$(GO)" FUZZTIME="$(FUZZTIME)" scripts/fuzz.sh

# The issue-19 table: each part writes its own section of BENCH_OUT, with the command, the
# commit and the machine; every ratio in it is between rows of one part, measured in one run.
BENCH_OUT   ?= bench/RESULTS.md
BENCH_LARGE ?= -transfers 5000000 -wallets 1250000
BENCH_MEDIUM ?= -neo4j-n 200
BENCH_DATA  ?= bin/benchdata
BENCH_WEB   ?=
bench: build chromium ## the speed table into bench/RESULTS.md: ingest and open at 5 M transfers, queries at 1 M (both stores, networkx, reference; and filtered) and 5 M, the canvas
	$(GO) run ./bench $(BENCH_LARGE) -out $(BENCH_OUT) -section ingest-5m -title "Ingest and open, 5 M transfers"
	$(GO) run ./bench -queries $(BENCH_MEDIUM) -data $(BENCH_DATA)/1m -out $(BENCH_OUT) -section queries-1m -title "Investigation queries, 1 M transfers"
	$(GO) run ./bench -queries -visibility -neo4j=false $(BENCH_MEDIUM) -data $(BENCH_DATA)/1m-marked -out $(BENCH_OUT) -section visibility-1m -title "Investigation queries with the visibility filter, 1 M transfers, embedded"
	$(GO) run ./bench -queries -neo4j=false -networkx=false $(BENCH_LARGE) -data $(BENCH_DATA)/5m -out $(BENCH_OUT) -section queries-5m -title "Investigation queries, 5 M transfers, embedded"
	began="$$(date -u +%Y-%m-%dT%H:%M:%SZ)" && (cd web && CHROMIUM=$(CHROMIUM) node bench/render.mjs $(BENCH_WEB)) > bin/render.txt && \
		$(GO) run ./bench/section -markdown -out $(BENCH_OUT) -section browser -title "Rendering in Chromium (SwiftShader)" -command "node web/bench/render.mjs" -began "$$began" < bin/render.txt

bench-go: ## Go testing.B benchmarks of the stores and the ingest readers (with the test Neo4j)
	$(NEO4J_TEST) $(NEO4J_SH) start >/dev/null
	NEO4J_URI="$$(sed -n 's/^NEO4J_URI=//p' $(NEO4J_ENV))" $(GO) test -run '^$$' -bench . -benchmem ./graph/... ./ingest/...

LOAD_FLAGS ?=
load: build ## load test: 50 and 200 clients, alone and with 5 heavy, 60 s each, embedded store and Neo4j; into bench/LOAD.md
	$(GO) run ./bench/load -bin $(BIN) -stores embedded,neo4j -runs 50,50+5,200,200+5 -duration 60s -out bench/LOAD.md -section latest -title "Latest load run" $(LOAD_FLAGS)

soak: build ## 10-minute soak: 50 clients + 2 heavy on the embedded store, RSS and goroutines every 10 s; into bench/LOAD.md
	$(GO) run ./bench/load -bin $(BIN) -stores embedded -runs 50+2 -duration 10m -curve-every 10s -out bench/LOAD.md -section soak -title "Soak" $(LOAD_FLAGS)

bench-web: build chromium ## render benchmark: 1k/10k/50k-node subgraphs in Chromium (WebGL on SwiftShader)
	cd web && CHROMIUM=$(CHROMIUM) node bench/render.mjs

clean: ## remove build output
	rm -rf bin web/dist/assets web/dist/index.html
