// Package metrics holds Ballast's own Prometheus metrics, all prefixed
// ballast_. They sit on the manager's registry beside controller-runtime's
// webhook metrics (controller_runtime_webhook_*), which already count
// requests by path and HTTP code and time them: the metrics here add what
// only Ballast knows, the decision, the rules that fired, the mutations,
// the policy and its exemptions.
//
// Every label takes its values from a small fixed set (resources,
// operations, decisions, modes, rule and mutator IDs): no namespace or
// object name ever becomes a label value. Dry-run requests are answered
// like real ones and counted like them, without a label of their own.
// docs/metrics.md describes each metric with a PromQL example.
package metrics
