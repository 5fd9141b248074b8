# Ballast's build, test and demo entry points. `make help` lists them.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w \
	-X github.com/ballast-dev/ballast/internal/version.version=$(VERSION) \
	-X github.com/ballast-dev/ballast/internal/version.commit=$(COMMIT) \
	-X github.com/ballast-dev/ballast/internal/version.date=$(DATE)

# Fuzz targets as package:Func; `make fuzz` runs each for FUZZTIME, `make
# test` for 10s each.
FUZZ_TARGETS := \
	./internal/policy:FuzzParse \
	./validators:FuzzParseImage \
	./internal/workload:FuzzPreStopSleepSeconds \
	./internal/manifest:FuzzRead \
	./internal/engine:FuzzEvaluate \
	./webhook:FuzzHandlers \
	./webhook:FuzzPatch
FUZZTIME ?= 2m

# Tools and control-plane binaries go here; set before the fragments,
# which use it in immediately expanded variables.
LOCALBIN ?= $(CURDIR)/bin

include make/*.mk

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "Usage: make <target>\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  %-16s %s\n", $$1, $$2 } /^##@/ { printf "\n%s\n", substr($$0, 5) }' $(MAKEFILE_LIST)

##@ Development

.PHONY: fmt
fmt: ## Format the Go code.
	$(GO) fmt ./...

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: lint
lint: ## Fail on unformatted code or go vet findings.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

.PHONY: update-golden
update-golden: ## Rewrite golden files from the current output (check, audit, policy defaults).
	KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) $(GO) test ./cmd/ballast ./internal/policy -count=1 -update

##@ Test

.PHONY: test
test: lint test-go ## Everything CI runs: lint, unit, envtest and end-to-end tests, 10s of fuzzing per target.
	$(MAKE) fuzz FUZZTIME=10s

.PHONY: test-go
test-go: k8s-bins helm ## Run every Go test; envtest suites use the binaries from k8s-bins.
	KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) HELM=$(HELM) BALLAST_REQUIRE_ENVTEST=1 $(GO) test -count=1 -timeout 30m ./...

.PHONY: test-unit
test-unit: ## Run only the tests that need no control plane.
	$(GO) test -count=1 -short ./...

.PHONY: fuzz
fuzz: ## Run each fuzz target for FUZZTIME (default 2m; `make fuzz FUZZTIME=30m` for a long run).
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; \
		echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
		$(GO) test $$pkg -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s; \
	done

.PHONY: bench
bench: ## Run the benchmarks (ns/op, allocs/op).
	$(GO) test -run '^$$' -bench . -benchmem ./...

##@ Build

.PHONY: build
build: ## Build bin/ballast.
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ballast ./cmd/ballast
