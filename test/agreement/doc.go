// Package agreement holds the test of the promise of DESIGN.md's "One
// evaluation pipeline": the webhook, `ballast check` and `ballast audit`
// always give the same answer.
//
// TestWebhookCheckAuditAgree judges one corpus three ways and compares the
// answers object by object. The corpus is every rule's pass and fail
// fixture (validators/testdata/<rule-id>/) and the few objects of
// testdata/, each in six namespaces of different modes: enforce, warn and
// off set by the ballast.dev/mode label, dryrun from the policy's default,
// enforce with an exemption in force, and enforce with an exemption that
// has expired. Every workload also gets a Pod of its pod template, owned by
// the workload's controller. The Services of the corpus are judged by none
// of the three, but all three read them to learn which container ports
// receive traffic, and so where a readiness probe belongs: the webhook from
// its informer cache, check from its input, audit from the cluster.
//
// The objects are created in a real API server (envtest) with no webhook
// installed, so that enforce-mode denials do not keep them out. Then:
//
//   - the webhook is Ballast's server as `ballast serve` runs it (its
//     manager, informer cache and TLS), and each object is sent to it as an
//     AdmissionReview over HTTPS, as the API server stored it;
//   - `ballast check` reads the corpus as manifests, with the Namespaces
//     whose labels set the modes, once per mode: check has no as-configured
//     mode, so each namespace is checked in the mode it resolves to;
//   - `ballast audit` reads the cluster, every namespace as configured.
//
// All three use one policy file and one fixed clock. A fixture that carries
// a BallastPolicy is judged under its spec, merged into that policy, by a
// server and an audit of its own.
//
// What is compared is what the webhook can say of an object: its mode,
// whether it is allowed or skipped, its findings (rule, action and
// message, with the field and the fix where the denial message names
// them), the mutations of workloads (rule and container, from the audit
// annotation) and of Pods (also the path of each patch operation), the
// notes of the workloads it admits (a default not injected, and why), and
// the exemptions in force or expired. Beyond that, check and audit must report
// the same objects field for field, and the mutations that check reports of
// a workload must be those its Pod receives.
//
// The test needs the control-plane binaries (`make k8s-bins`) and skips
// without them, unless BALLAST_REQUIRE_ENVTEST=1 makes it fail.
package agreement
