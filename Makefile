# The two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
NPM     ?= npm
BIN     := bin/fechatter
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

# The web client (web/) is built by Vite into web/static/dist, which the binary embeds.
# It is rebuilt only when its sources or locked dependencies change (dist/index.html dates the last build).
WEB_SRC   := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/vite.config.ts \
             web/tsconfig.json web/tsconfig.app.json web/tsconfig.node.json web/package.json
WEB_STAMP := web/static/dist/index.html
WEB_DEPS  := web/node_modules/.package-lock.json

.PHONY: help run build web test test-go test-web test-web-unit test-web-e2e vet bench clean check fuzz-short history-long \
        lint docker helm check-deploy

help: ## list the targets
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z_-]+:[^#]*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: build ## run Fechatter on the embedded default (SQLite + in-process NATS) at http://localhost:8080
	./$(BIN)

build: web ## the binary, with the web client embedded (without Node it embeds a page saying how to build it)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/fechatter

web: ## build the web client if its sources changed (needs Node 20+ and npm; skipped with a warning without them)
	@if command -v $(NPM) >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(WEB_STAMP); \
	elif [ "$$CI" = true ]; then \
		echo "make: npm not found; CI needs Node 20+ and npm to build the web client" >&2; exit 1; \
	elif [ -f web/static/dist/index.html ]; then \
		echo "make: npm not found; embedding the web client built earlier" >&2; \
	else \
		echo "make: npm not found; the binary will serve a page saying how to build the web client (install Node 20+ and npm)" >&2; \
	fi

$(WEB_DEPS): web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_STAMP): $(WEB_DEPS) $(WEB_SRC)
	cd web && $(NPM) run build

test: test-go fuzz-short test-web ## every test, with the race detector, against the real engines, and each fuzz target for FUZZ_TIME (see README)

test-go: ## the Go tests alone, with the race detector
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

test-web: test-web-unit test-web-e2e ## the web client's unit tests and its end-to-end tests in Chromium

test-web-unit:
	@if command -v $(NPM) >/dev/null 2>&1 || [ "$$CI" = true ]; then \
		$(MAKE) --no-print-directory $(WEB_DEPS) && cd web && $(NPM) test; \
	else echo "make: npm not found; web unit tests skipped (they fail under CI=true)" >&2; fi

# The e2e tests drive the real binary (with the client embedded) through Debian's Chromium.
# Without /usr/bin/chromium they are skipped locally and fail under CI=true.
test-web-e2e: build
	@if command -v $(NPM) >/dev/null 2>&1 || [ "$$CI" = true ]; then \
		cd web && FECHATTER_BIN=$(CURDIR)/$(BIN) $(NPM) run test:e2e; \
	else echo "make: npm not found; web e2e tests skipped (they fail under CI=true)" >&2; fi

bench: ## store benchmarks (acked sends per second per backend)
	$(GO) test -run '^$$' -bench . -benchtime 3s ./store/...

clean: ## remove the binary and the built web client
	rm -rf bin web/static/dist

# CI gates beside the tests: gofmt, go vet, staticcheck (pinned; installed once into
# /opt/fechatter-ci/bin when missing) and a tidy go.mod. Kept apart from `lint`.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(shell command -v staticcheck 2>/dev/null || echo /opt/fechatter-ci/bin/staticcheck)
check: ## gofmt, go vet, staticcheck and `go mod tidy` must all be clean
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt -w needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@[ -x $(STATICCHECK) ] || GOBIN=/opt/fechatter-ci/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(STATICCHECK) ./...
	$(GO) mod tidy -diff

# Every native fuzz target, FUZZ_TIME each (the seeds in testdata/fuzz run in every `go test`).
# A count of executions, not a duration: Go 1.26's fuzz coordinator can report its own
# -fuzztime deadline as a failure ("context deadline exceeded", no crasher; golang/go#75804,
# fixed in Go 1.27), which a count never arms. FUZZ_TIME=10m still works for long runs.
FUZZ_TIME    ?= 20000x
FUZZ_TARGETS := hub:FuzzDecodeFrame hub:FuzzResumeMap hub:FuzzLastEventID hub:FuzzDecodeCursorToken search:FuzzParse search:FuzzCursor rest:FuzzBind
fuzz-short: ## run each fuzz target for FUZZ_TIME (default 20,000 executions)
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZ_TIME))"; \
		log=$$(mktemp); \
		if ! $(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZ_TIME) ./$$pkg >$$log 2>&1; then cat $$log; rm -f $$log; exit 1; fi; \
		grep '^fuzz: elapsed' $$log | tail -1; rm -f $$log; \
	done

# The long history run (docs/operations.md): every fault in turn, with a slow consumer among the
# clients all along, until 100,000 sends are acked. Run it on a quiet machine.
history-long: ## the long fault-injection history run (100,000 acked sends, every fault)
	FECHATTER_HISTORY_LONG=100000 $(GO) test -count=1 -timeout 4h -run TestHistoryAllFaults -v ./internal/history

# --- operations: container, Helm chart, alert rules, dashboards (docs/operations.md) ---
IMAGE ?= fechatter:$(VERSION)
HELM_CHART := deploy/helm/fechatter

lint: check ## the Go gates (check), promtool check+test of the alert rules, strict check of the Grafana dashboards
	@promtool=$$(bash .ci/promtool.sh) && \
		$$promtool check rules deploy/prometheus/alerts.yml && \
		$$promtool test rules deploy/prometheus/alerts_test.yml && \
		$$promtool check config --syntax-only deploy/prometheus/prometheus.yml
	cd deploy/check && $(GO) vet . && $(GO) test -count=1 -run 'Dashboard' .

docker: ## build the image fechatter:<version> with the web client embedded (needs a Docker engine)
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE) .

helm: ## helm lint --strict and helm template of the chart, manifests strictly decoded into the Kubernetes types
	@helm=$$(bash .ci/helm.sh) && for v in $(HELM_CHART)/ci/*-values.yaml; do \
		echo "helm lint --strict -f $$v"; $$helm lint --strict -f $$v $(HELM_CHART) >/dev/null || exit 1; \
	done && cd deploy/check && HELM=$$helm $(GO) test -count=1 -run 'Helm|Strict|ChartAlerts' .

check-deploy: lint helm ## what CI checks beside the tests (the Go gates, the deployment files and the chart)
