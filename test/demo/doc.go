// Command demo is `make demo`, the README's first command: Ballast as it
// runs in production, against a local Kubernetes control plane, applying
// the sample tenant workloads of config/samples/demo and telling a
// newcomer what happened. See docs/demo.md.
//
// It starts etcd, kube-apiserver and kube-controller-manager (package
// internal/testutil/controlplane), renders the webhook configurations of
// the Helm chart with helm (internal/testutil/chart), starts the built
// `ballast serve` binary with a serving certificate from a throwaway CA
// (internal/testutil/servingcert), installs the webhook configurations
// pointed at it, and applies the samples: the platform team's Namespaces
// and RBAC as an admin, the workloads and their Services as a developer
// with edit rights, whose warnings it collects per request
// (internal/testutil/warnings); after each Service it waits until Ballast
// has seen it. It then prints, namespace by namespace, the mode Ballast
// resolved, where each Service sends traffic, the denials with their
// messages, the warnings the developer read, and the preStop hooks,
// probes and grace periods of the pods the ReplicaSet and StatefulSet
// controllers created, with what Ballast injected. It stops everything and
// removes its files when it is done, fails or is interrupted (Ctrl-C).
//
// It needs the control-plane binaries (`make k8s-bins`), helm
// (`make helm`) and the ballast binary (`make build`); `make demo` builds
// all three first.
//
// Usage:
//
//	demo [-ballast bin/ballast] [-helm bin/helm] [-chart charts/ballast] [-samples config/samples/demo]
package main
