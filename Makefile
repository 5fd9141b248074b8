# Ballast's build, test and demo entry points. `make help` lists them.

# Recipes run in bash and stop at the first failing line, or at a failing
# command anywhere in a pipeline (as kubebuilder's scaffold does).
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

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
	./webhook:FuzzPatch \
	./webhook:FuzzBuildPatchRaw
FUZZTIME ?= 2m

# Tools and control-plane binaries go here (git-ignored), keyed by version.
# Defined here only, before the fragments, which use it in immediately
# expanded variables.
LOCALBIN ?= $(CURDIR)/bin

# golangci-lint, built from its Go module into bin/ by `make golangci-lint`;
# .golangci.yml is its configuration.
GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint

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
lint: golangci-lint lint-workflows ## Fail on unformatted code, golangci-lint findings (go vet among them), an untidy go.mod or actionlint findings in the workflows.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GOLANGCI_LINT) run
	@$(GO) mod tidy -diff || { echo "go.mod or go.sum is not tidy: run 'go mod tidy'"; exit 1; }

.PHONY: lint-fix
lint-fix: golangci-lint ## Run golangci-lint and apply the fixes it can make.
	$(GOLANGCI_LINT) run --fix

.PHONY: lint-config
lint-config: golangci-lint ## Check .golangci.yml against golangci-lint's schema.
	$(GOLANGCI_LINT) config verify

# Phony and cheap: go-install-tool builds nothing when the versioned binary
# is there, and repoints the link when another version was linked.
.PHONY: golangci-lint
golangci-lint: ## Build golangci-lint into bin/golangci-lint-<GOLANGCI_LINT_VERSION>, linked as bin/golangci-lint.
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

.PHONY: generate
generate: ## Regenerate the chart's generated files: the policy part of values.schema.json (from the Go types) and README.md (from values.yaml).
	$(GO) run ./hack/chartgen

.PHONY: update-golden
update-golden: policyreport-crds ## Rewrite golden files from the current output (check, audit, policy defaults, policy reports).
	KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) $(GO) test ./cmd/ballast ./internal/policy ./internal/policyreport -count=1 -update

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

# bench-ratios' settings: `make bench-ratios ROUNDS=21 BENCHTIME=5000x`.
ROUNDS    ?= 11
BENCHTIME ?= 10000x

.PHONY: bench-ratios
bench-ratios: ## Run each webhook handler's benchmark and the bare floor's in turn, ROUNDS times; print the median ratio and its range.
	$(GO) run ./test/benchratio -rounds=$(ROUNDS) -benchtime=$(BENCHTIME)

##@ Build

.PHONY: build
build: ## Build bin/ballast, and bin/kubectl-ballast, a link to it that kubectl runs as a plugin (`kubectl ballast check`).
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ballast ./cmd/ballast
	ln -sfn ballast bin/kubectl-ballast

# go-install-tool builds a Go tool with `go install` into $(LOCALBIN),
# keyed by version, as kubebuilder's scaffold does:
#   $(1) the link to make, $(LOCALBIN)/<name>
#   $(2) the package to install; the binary it makes must be called <name>
#   $(3) its version
# The binary is $(1)-$(3) and $(1) is a relative symlink to it. bin/ may be
# shared by several work trees, so the build goes to a temporary GOBIN under
# a lock, and the binary and the link are renamed into place: an interrupted
# or concurrent run never leaves a partial file behind.
define go-install-tool
@mkdir -p $(LOCALBIN); \
name=$$(basename $(1)); \
exec 9>"$(LOCALBIN)/.$$name.lock"; \
if command -v flock >/dev/null; then flock 9; fi; \
if [ ! -x "$(1)-$(3)" ]; then \
	tmp=$$(mktemp -d "$(LOCALBIN)/.$$name.tmp.XXXXXX"); \
	trap 'rm -rf "$$tmp"' EXIT; \
	echo "Building $(2)@$(3) into $(LOCALBIN)"; \
	(cd "$$tmp" && GOWORK=off GOBIN="$$tmp" $(GO) install $(2)@$(3)); \
	mv -f "$$tmp/$$name" "$(1)-$(3)"; \
fi; \
if [ "$$(readlink "$(1)" 2>/dev/null)" != "$$name-$(3)" ]; then \
	ln -sfn "$$name-$(3)" "$(1).link.$$$$"; \
	mv -f "$(1).link.$$$$" "$(1)"; \
fi
endef
