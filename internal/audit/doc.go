// Package audit judges the objects already running in a cluster with the
// same engine, policy resolution and surroundings as the admission webhook,
// so that its report and the webhook never disagree. It is the core of
// `ballast audit` (Run) and of the in-cluster evaluator that exports the
// current violations as metrics and Events (Periodic).
//
// For every namespace in scope, Run resolves the policy from the
// namespace's labels at the moment of the audit, replaces the mode when
// asked (the rollout stage to try), and lists from the API server, page by
// page, the Deployments, StatefulSets, DaemonSets, HorizontalPodAutoscalers,
// PodDisruptionBudgets and Pods. Each workload, HPA and PDB is evaluated
// with the neighbours the webhook would read for it; each Pod is evaluated
// to tell whether it lacks defaults the Pod mutator would inject when it is
// next created. The Report says, per namespace, the mode and why, the
// objects that would be denied and for which rules, the warnings, the
// PodDisruptionBudgets Ballast would create and the pods lacking defaults,
// and renders as text, JSON (the per-object shape of `ballast check`) or a
// markdown table for a rollout plan.
//
// Every running Pod is also checked for a readiness probe Ballast injected
// (its ballast.dev/injected annotation lists readiness-probe/<container>)
// that has kept it unready for longer than Options.UnreadyAfter: the
// watchdog of the readiness default, since a probe of a port or a path the
// app does not serve never passes. The report lists such pods with their
// workload (the Deployment of their ReplicaSet, their StatefulSet or
// DaemonSet); the Periodic evaluator counts them by namespace in
// UnreadyProbedPodsMetric and records a Warning Event,
// ReasonInjectedProbeUnready, on the workload.
//
// The Report also rolls the violations up by rule across the cluster
// (Summary.ByRule), and names each namespace's owner from a label of its
// choosing (Options.OwnerLabel). The Periodic evaluator hands each run's
// report to a ReportWriter, such as internal/policyreport's, which keeps
// it in the cluster as policy reports.
//
// Namespaces the webhook configurations never send (the control plane's
// and Ballast's own: see WebhookExcluded) and namespaces that resolve to
// mode off are listed as skipped, and a namespace whose objects the caller
// may not list is reported with the API server's refusal instead of
// failing the run.
//
// # RBAC
//
// The audit reads, and never writes:
//
//   - "" (core) namespaces: list (get, with a single namespace)
//   - apps deployments, statefulsets, daemonsets: list
//   - autoscaling horizontalpodautoscalers: list
//   - policy poddisruptionbudgets: list
//   - "" (core) pods: list
//   - "" (core) configmaps: get, in Ballast's namespace, to read the
//     installed policy (`ballast audit` without --policy)
//
// Cluster-wide list permission is best. Without it, the audit lists each
// namespace in turn, and a namespace it may not read is reported as such.
// The Periodic evaluator also records Events on the objects it judges, in
// their namespaces: events.k8s.io events: create, patch.
package audit
