// Package demo runs `make demo`, the README's first command: Ballast as it
// runs in production, against a local Kubernetes control plane, applying
// the sample tenant workloads of config/samples/demo and telling a
// newcomer what happened.
//
// [Run] starts etcd, kube-apiserver and kube-controller-manager (package
// controlplane), renders the webhook configurations of the Helm chart with
// helm (package chart), starts the built `ballast serve` binary with a
// serving certificate from a throwaway CA (package servingcert), installs
// the webhook configurations pointed at it, and applies the samples: the
// platform team's Namespaces and RBAC as an admin, the workloads as a
// developer with edit rights. It then prints, namespace by namespace, the
// mode Ballast resolved, the denials with their messages, the warnings the
// developer read, and the preStop hooks, probes and grace periods of the
// pods the ReplicaSet controller created, with what Ballast injected. It
// stops everything and removes its files when it is done, fails or is
// interrupted.
//
// The subpackages serve the end-to-end tests and the load test too:
// chart renders the chart's webhook configurations, servingcert issues
// and rotates serving certificates, warnings collects the API server's
// warnings per request.
package demo
