// Package chart holds the tests of how Ballast is installed: the Helm chart
// (charts/ballast) with each of its variants (charts/ballast/ci), the raw
// manifests rendered from it (config/install), the image (`make image`
// and the Dockerfile, kept equal) and its publication: the image index and
// the chart pushed to an in-process OCI registry and installed from there.
//
// The tests render the chart with a real helm and check what it renders:
// the webhook configurations and the Deployment against what `ballast
// serve` expects, the values schema, the RBAC, the alerts against the
// metrics Ballast exports, and Ballast's own workloads with `ballast check`.
// Then they install every variant into a real API server (envtest, with
// cert-manager's and the Prometheus Operator's CustomResourceDefinitions)
// and run cert-manager's CA injection against the webhook configurations
// the end-to-end tests install, helm install and upgrade, and `ballast
// serve` with exactly the permissions the chart grants.
//
// They need helm (`make helm`, or HELM) and, for the API server, the
// control-plane binaries (`make k8s-bins`); they skip without them unless
// BALLAST_REQUIRE_ENVTEST=1, which makes them fail. So do the ServiceMonitor
// and PrometheusRule on the API server without the Prometheus Operator's
// CustomResourceDefinitions (`make monitoring-crds`, or
// BALLAST_MONITORING_CRDS). The package has no code of its own.
package chart
