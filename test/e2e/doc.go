// Package e2e holds Ballast's end-to-end tests: Ballast as it runs in
// production (the server of `ballast serve`: the real manager, its
// informer cache, real TLS from a certificate directory that is rotated
// under it) against a real control plane (etcd, kube-apiserver and
// kube-controller-manager built from Go modules), with the webhook
// configurations that the Helm chart renders, installed by envtest.
//
// Pods come from the real ReplicaSet and Job controllers, so the Pod
// mutator sees exactly the requests a cluster sends it; workloads are
// applied by a tenant user with edit rights in its namespaces, who reads
// the answers as kubectl would show them (denials and warnings). A
// workload whose pods should get the readiness probe gets the Service it
// would have in a cluster, and each scenario waits until Ballast's cache
// has seen it: Ballast probes only the ports a Service routes traffic to.
//
// One control plane and one Ballast serve the whole test binary; each
// scenario works in namespaces of its own, and the scenarios that do not
// change the policy or the certificates run in parallel.
//
// The tests need the control-plane binaries (`make k8s-bins`) and helm
// (`make helm`). They skip when either is missing, unless
// BALLAST_REQUIRE_ENVTEST=1, as `make test-e2e` sets, which makes them
// fail instead. BALLAST_TEST_VERBOSE=1 streams the control plane's output
// to the test log; Ballast's own log is printed when a test fails.
package e2e
