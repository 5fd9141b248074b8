# The node lab (test/nodelab, docs/node-lab.md): one real node (containerd,
# kubelet, kube-proxy, the CNI bridge) on this machine, to measure what
# Ballast's pod defaults do for real pods during rollouts. It needs root,
# changes the host's network while it runs (and restores it), and installs
# containerd, runc, iptables, nftables, conntrack and the CNI plugins from
# Debian when they are missing: opt-in, never part of `make test`.

##@ Node lab

NODE_LAB_BIN   ?= $(LOCALBIN)/ballast-node-lab
# Flags for the lab, e.g. NODE_LAB_FLAGS='-rollouts=10 -rate=400'.
NODE_LAB_FLAGS ?=

.PHONY: k8s-node-bins
k8s-node-bins: ## Build kubelet, kube-proxy and kube-scheduler (and the control plane) into bin/k8s/v<K8S_VERSION>.
	K8S_VERSION=$(K8S_VERSION) bash hack/k8s-bins.sh $(K8S_BIN_DIR) node

.PHONY: node-lab
node-lab: k8s-node-bins helm build ## As root: run a real node, measure rollouts with and without Ballast, write docs/node-lab/.
	$(GO) build -o $(NODE_LAB_BIN) ./test/nodelab
	$(NODE_LAB_BIN) -ballast bin/ballast -helm $(HELM) -chart charts/ballast -bin-dir $(K8S_BIN_DIR) -out docs/node-lab $(NODE_LAB_FLAGS)

.PHONY: node-lab-restore
node-lab-restore: ## As root: restore the host settings a killed node-lab run left changed.
	$(GO) build -o $(NODE_LAB_BIN) ./test/nodelab
	$(NODE_LAB_BIN) -restore
