// Command memory measures the memory of `ballast serve` in a large cluster:
// the RSS of the process (VmRSS, and its peak so far, VmHWM, from
// /proc/PID/status) and the Go heap (from Ballast's metrics endpoint) at
// each phase of its life.
//
// It starts a real control plane (etcd and kube-apiserver from
// KUBEBUILDER_ASSETS or bin/k8s), seeds it with -namespaces namespaces that
// each hold -deployments two-replica Deployments, then runs `ballast serve`
// as a separate process, as the chart runs it (a 256Mi --memory-limit, so a
// Go soft memory limit of 90% of it, and the periodic audit), and lets
// Ballast's PodDisruptionBudget reconciler create a budget for each
// Deployment. It records:
//
//   - ready: when /readyz first answers 200 (the caches have synced);
//   - started: once every PodDisruptionBudget exists and the start-up audit
//     has run;
//   - steady: -steady later, with nothing happening;
//   - audited: once the next periodic audit has run (-audit-interval after
//     the first).
//
// and prints one table. The webhook configurations are not installed: the
// seeding does not go through the webhook, whose cost per review
// test/load measures. Without kube-controller-manager there are no
// ReplicaSets or Pods: the audit lists Pods but finds none.
//
// Usage (`make memory-test MEMORY_NAMESPACES=10000`):
//
//	go run ./test/memory -ballast bin/ballast -namespaces 2000
package main
