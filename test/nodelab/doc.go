// Command nodelab is the node lab (`make node-lab`, docs/node-lab.md): it
// measures on one real node what Ballast's pod defaults do for real pods.
//
// It brings up etcd, kube-apiserver and kube-controller-manager
// (internal/testutil/controlplane), then containerd, kube-scheduler, the
// kubelet and kube-proxy in iptables mode with the CNI bridge (package
// node), runs `ballast serve` with the webhook configurations rendered
// from the chart, and runs:
//
//   - shutdown: a Deployment behind a ClusterIP Service, an app that stops
//     listening on SIGTERM, rolled out several times under a fixed load
//     through the Service, in a namespace in mode off (as written) and in
//     mode warn (Ballast's preStop sleep, grace period and readiness
//     probe);
//   - start-up: the same with an app that takes a few seconds to listen
//     (and a preStop sleep of its own, so that only the start-up counts);
//   - safety: an etcd-like StatefulSet in mode warn becomes Ready, and a pod
//     that an injected probe keeps unready is reported by Ballast's
//     watchdog.
//
// It prints one table, writes it as JSON with plots of failed requests
// per second, and tears everything down, restoring the host settings it
// changed (package host), also when interrupted; a killed run is restored
// by the next run or by -restore. It must run as root, installs the Debian
// packages it needs when they are missing, and is not part of `make test`.
package main
