# The demo, the end-to-end tests and the load test: each runs Ballast as in
# production against a real control plane (etcd, kube-apiserver and
# kube-controller-manager from k8s-bins; the webhook configurations rendered
# from charts/ballast with helm). See docs/demo.md and docs/performance.md.

##@ Demo and figures

# The demo's own program, built beside bin/ballast.
DEMO_BIN ?= $(LOCALBIN)/ballast-demo
# The load test's program and its settings; `make load-test LOAD_REQUESTS=...`.
LOAD_BIN         ?= $(LOCALBIN)/ballast-load
LOAD_CONCURRENCY ?= 8
LOAD_REQUESTS    ?= 20000
LOAD_DURATION    ?= 60s
# Then the rounds of server CPU per review, Ballast's and the bare floor's
# in turn (0 rounds for none).
LOAD_CPU_ROUNDS   ?= 5
LOAD_CPU_REQUESTS ?= 5000
LOAD_FLAGS       ?= -concurrency=$(LOAD_CONCURRENCY) -requests=$(LOAD_REQUESTS) -duration=$(LOAD_DURATION) \
	-cpu-rounds=$(LOAD_CPU_ROUNDS) -cpu-requests=$(LOAD_CPU_REQUESTS)
# The memory test's program and its settings; `make memory-test MEMORY_NAMESPACES=2000`.
MEMORY_BIN        ?= $(LOCALBIN)/ballast-memory
MEMORY_NAMESPACES ?= 10000
MEMORY_FLAGS      ?= -namespaces=$(MEMORY_NAMESPACES)
# Flags for `go test` in test-e2e, e.g. E2E_FLAGS=-v.
E2E_FLAGS ?=

.PHONY: demo
demo: k8s-bins helm build ## Run Ballast against a local control plane, apply sample workloads and show what happened.
	$(GO) build -o $(DEMO_BIN) ./test/demo
	$(DEMO_BIN) -ballast bin/ballast -helm $(HELM) -chart charts/ballast -samples config/samples/demo

.PHONY: test-e2e
test-e2e: k8s-bins helm ## Run only the end-to-end tests (test/e2e) on a real control plane.
	HELM=$(HELM) BALLAST_REQUIRE_ENVTEST=1 $(GO) test -count=1 -timeout 15m $(E2E_FLAGS) ./test/e2e/

.PHONY: attack-test
attack-test: k8s-bins helm ## Attack `ballast serve`, run as the chart runs it, with the reviews of issue 11; report its peak RSS against the memory limit.
	KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) HELM=$(HELM) BALLAST_REQUIRE_ENVTEST=1 $(GO) test ./test/chart -run '^TestChartUnderAttack$$' -count=1 -v

.PHONY: load-test
load-test: k8s-bins ## Load-test the webhook over TLS on loopback: reviews/s, latency, peak memory, and server CPU per review against the bare floor's; Pods then Deployments.
	$(GO) build -o $(LOAD_BIN) ./test/load
	$(LOAD_BIN) -kind=pod $(LOAD_FLAGS)
	$(LOAD_BIN) -kind=deployment $(LOAD_FLAGS)

.PHONY: memory-test
memory-test: k8s-bins build ## Seed MEMORY_NAMESPACES namespaces (2 Deployments each), run `ballast serve` as the chart does; print its RSS and Go heap at ready, steady and after an audit.
	$(GO) build -o $(MEMORY_BIN) ./test/memory
	KUBEBUILDER_ASSETS=$(K8S_BIN_DIR) $(MEMORY_BIN) -ballast bin/ballast $(MEMORY_FLAGS)
