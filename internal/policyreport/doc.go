// Package policyreport publishes the periodic audit's results in the
// cluster as policy reports, where `kubectl get reports`, Policy Reporter
// and its UI show them beside those of other tools: one report per
// namespace Ballast evaluates, in the OpenReports API (openreports.io/v1alpha1
// Report) or in the policy working group's older one (wgpolicyk8s.io/v1alpha2
// PolicyReport), whichever Options.Format picks.
//
// Build turns one namespace of an audit.Report into a report's results:
// one per evaluated object and rule that applies to its kind, `pass`,
// `fail` (a deny rule broken), `warn` (a warn rule broken) or `skip` (the
// rule is exempted or off), with the rule ID as the policy, the message,
// and the fix, the field, the action, the mode and the exemption (or the
// expired one) as properties. The two APIs share the shape of their
// results and summaries; Ballast builds the OpenReports form and writes it
// as either.
//
// Writer keeps the reports: it creates the report `ballast` of each
// evaluated namespace, updates it in place only when its results changed
// (a run that finds nothing new writes nothing), and deletes it when the
// namespace leaves Ballast's scope (mode off, excluded from the webhook).
// A namespace the audit could not read keeps its last report. Each report
// is labelled app.kubernetes.io/managed-by: ballast and owned by its
// Namespace.
//
// # RBAC
//
// For the API written to: openreports.io reports, or wgpolicyk8s.io
// policyreports: get, list, create, update, delete.
package policyreport
