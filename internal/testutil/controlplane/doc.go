// Package controlplane runs a real Kubernetes control plane for integration
// tests: etcd and kube-apiserver through controller-runtime's envtest and,
// on request, a real kube-controller-manager beside them.
//
// It follows cert-manager's test/integration framework: plain testing and
// testify, no Ginkgo. [Start] brings the control plane up for one test (or one
// test and its subtests) and registers its shutdown with t.Cleanup:
//
//	cp := controlplane.Start(t, controlplane.Options{ControllerManager: true})
//	ns := cp.CreateNamespace(t, "demo", map[string]string{"ballast.dev/mode": "enforce"})
//	err := cp.Client.Create(t.Context(), deployment)
//
// Programs without a testing.T (`make demo`, the load test) use its core,
// [New], and stop the control plane themselves with [ControlPlane.Stop]:
//
//	cp, err := controlplane.New(ctx, controlplane.Options{ControllerManager: true})
//	defer cp.Stop()
//
// # Binaries
//
// The binaries (kube-apiserver, etcd and kube-controller-manager) are built
// from Go modules by hack/k8s-bins.sh; `make k8s-bins` puts them in
// bin/k8s/v<version> at the root of the repository. Start and New look for
// them in
//
//  1. the directory named by the KUBEBUILDER_ASSETS environment variable,
//     when it is set and not empty (the Makefile's test targets set it);
//  2. otherwise bin/k8s/v1.37.2 in the nearest directory, from the working
//     directory upwards, that holds a go.mod (the repository root).
//
// When a binary is missing Start skips the test (and New fails) with a
// message that says how to build it, unless BALLAST_REQUIRE_ENVTEST=1, in which case it fails: CI
// sets it so that a broken build can never pass as a skipped test. In -short
// mode (`go test -short`) Start always skips.
//
// # Output
//
// Under Start, the output of etcd, kube-apiserver and kube-controller-manager
// is kept in memory (the last part of it) and written to the test log only
// when the test fails, or streamed to it line by line when
// BALLAST_TEST_VERBOSE=1. New hands it to Options.Output.
//
// # What the control plane is not
//
// There is no kubelet, scheduler or network: pods stay Pending unless a test
// writes their status. Webhooks are reached by URL only: install them through
// [Options.WebhookInstall], whose configurations envtest rewrites to
// https://127.0.0.1:PORT/PATH with a serving certificate of its own.
package controlplane
