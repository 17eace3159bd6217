# careers: `make run` starts the service with demo data; `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/careers
# The private PostgreSQL used by `make test` (separate from `make run`'s data).
TEST_PG_DIR := .data/postgres-test

ASSET_INPUTS := package-lock.json web/build-assets.mjs $(shell find web/styles -type f 2>/dev/null)
PASSWORD_LIST := internal/auth/commonpasswords/data/common-passwords.txt.gz
GO_INPUTS    := go.mod go.sum $(shell find cmd internal web migrations -name '*.go' -o -name '*.sql' 2>/dev/null)

.DEFAULT_GOAL := help
.PHONY: help setup run test build assets generate lint vulncheck verify docker clean bench bench-smoke

# What scripts/setup.sh looks for (run, test or ci); test sets its own.
SETUP_FOR ?= run

help: ## show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## find (as root, install) what run and test need: Go, Node.js and npm, PostgreSQL, Chromium (scripts/setup.sh)
	@bash scripts/setup.sh $(SETUP_FOR)

run: setup build ## start the service with demo data on http://127.0.0.1:8080 (or ADDR)
	./$(BIN) seed
	DEMO_SKIP_SECOND_FACTOR=$${DEMO_SKIP_SECOND_FACTOR:-true} METRICS_ADDR=$${METRICS_ADDR-127.0.0.1:9464} exec ./$(BIN) serve

test: SETUP_FOR = test
test: setup assets ## run every test: real PostgreSQL (private unless TEST_DATABASE_URL is set), real SMTP, headless Chromium
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		$(GO) test -count=1 -timeout 20m ./... ; \
	else \
		$(GO) run ./cmd/careers devdb -fast -data $(TEST_PG_DIR) -- $(GO) test -count=1 -timeout 20m ./... ; \
	fi

build: $(BIN) ## build bin/careers (assets embedded)

$(BIN): assets $(GO_INPUTS) | setup
	$(GO) build -trimpath -o $(BIN) ./cmd/careers

assets: web/static/dist/manifest.json $(PASSWORD_LIST) ## build the NHS stylesheet, scripts and images, and the common-password list, from the pinned npm packages

node_modules/.package-lock.json: package-lock.json | setup
	npm ci --no-audit --no-fund

web/static/dist/manifest.json: node_modules/.package-lock.json $(ASSET_INPUTS)
	npm run build:styles

$(PASSWORD_LIST): node_modules/.package-lock.json package-lock.json web/build-common-passwords.mjs
	npm run build:passwords

generate: ## regenerate the templ code (committed)
	$(GO) tool templ generate

lint: ## go vet and staticcheck
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

vulncheck: ## govulncheck (needs the Go vulnerability database online; CI cannot reach it)
	$(GO) tool govulncheck ./...

verify: generate ## fail if generated code is not committed as generated
	@git diff --exit-code -- '*_templ.go' || { echo "templ generate changed files: commit them"; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- '*_templ.go')" || { echo "templ generate made files git does not track: commit them"; git ls-files --others --exclude-standard -- '*_templ.go'; exit 1; }

bench: build ## measure throughput, latency, memory and SQL per page against a bare net/http + pgx baseline, 100,000 referrals (takes minutes; docs/performance.md)
	$(GO) run ./cmd/bench -careers $(BIN)

# The smoke run fails on errors, on a page over 5 SQL statements, or on a
# baseline that no longer runs the service's SQL. Every page is within the
# budget now; should one go over while being fixed, -over-budget route=n
# names it with the most it may run (docs/performance.md).
bench-smoke: build ## the benchmark's short version on 2,000 referrals, which CI runs so the harness cannot rot
	$(GO) run ./cmd/bench -smoke -careers $(BIN)

docker: ## build the container image (needs a Docker engine)
	docker build -t careers:latest .

clean: ## remove build output (keeps .data, the local databases)
	rm -rf bin
	find web/static/dist -type f ! -name .keep -delete
	rm -f $(PASSWORD_LIST)
