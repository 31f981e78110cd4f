# The two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
BIN     := bin/fechatter
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: run build test vet bench clean

run: build ## run Fechatter on the embedded default (SQLite + in-process NATS) at http://localhost:8080
	./$(BIN)

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o $(BIN) ./cmd/fechatter

test: ## every test, with the race detector, against the real engines (see README)
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

bench: ## store benchmarks (acked sends per second per backend)
	$(GO) test -run '^$$' -bench . -benchtime 3s ./store/...

clean:
	rm -rf bin
