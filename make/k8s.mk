# Control-plane binaries and helm for the tests, built from Go modules into
# bin/ (git-ignored) and keyed by version, so a fresh clone on a fresh machine
# needs nothing but Go and the module proxy. See hack/k8s-bins.sh and
# hack/helm.sh; both are idempotent and skip what is already there.
#
# Test targets that start a control plane (internal/testutil/controlplane)
# must depend on k8s-bins, and on helm when they render the chart. Their
# recipes see KUBEBUILDER_ASSETS, exported below; the tests skip when the
# binaries are missing unless BALLAST_REQUIRE_ENVTEST=1.

# K8S_VERSION is the version of kube-apiserver and kube-controller-manager
# (k8s.io/kubernetes); internal/testutil/controlplane.KubernetesVersion must
# match it (a test checks). The etcd version is set in hack/k8s-bins.sh.
K8S_VERSION ?= 1.37.2
HELM_VERSION ?= v3.22.0

K8S_BIN_DIR := $(LOCALBIN)/k8s/v$(K8S_VERSION)
HELM ?= $(LOCALBIN)/helm

# envtest (and Start in internal/testutil/controlplane) take the binaries from
# here. `:=` so that a KUBEBUILDER_ASSETS left in the environment by another
# project cannot slip other versions in; `make ... KUBEBUILDER_ASSETS=dir`
# still overrides it.
#
# A KUBEBUILDER_ASSETS of the environment or the command line is not lost,
# though: k8s-bins copies the binaries of the right versions from it (such
# as a directory that `setup-envtest use 1.37.2 -p path` prints) instead of
# building them.
PREBUILT_K8S_DIRS := $(if $(filter environment command,$(firstword $(origin KUBEBUILDER_ASSETS))),$(KUBEBUILDER_ASSETS))
export KUBEBUILDER_ASSETS := $(K8S_BIN_DIR)

##@ Tools

# Phony and cheap: the script skips the binaries that are already there (it
# takes well under a second then), and it holds a lock, so parallel runs are
# safe too.
.PHONY: k8s-bins
k8s-bins: ## Build kube-apiserver, kube-controller-manager and etcd into bin/k8s/v<K8S_VERSION>, or copy prebuilt ones (KUBEBUILDER_ASSETS, setup-envtest's store).
	K8S_VERSION=$(K8S_VERSION) PREBUILT_DIRS="$(PREBUILT_K8S_DIRS)" bash hack/k8s-bins.sh $(K8S_BIN_DIR)

# Phony too: the script does nothing when helm-$(HELM_VERSION) is there and
# repoints bin/helm at it when another version was linked.
.PHONY: helm
helm: ## Install helm into bin/helm-<HELM_VERSION>, linked as bin/helm.
	HELM_VERSION=$(HELM_VERSION) bash hack/helm.sh $(LOCALBIN)
