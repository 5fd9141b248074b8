// Package validators holds Ballast's rules: pure checks of a workload, an
// HPA or a PodDisruptionBudget, judged as it will run (its pod template with
// the pod defaults applied). A rule never returns an error; what it finds
// wrong comes back as Findings that name the field and the fix.
//
// Default returns the catalog in a fixed order. Each rule lives in a file
// named after its ID (min-replicas in min_replicas.go), which opens with
// the fields it checks, the values it allows and the fix; docs/rules.md is
// the catalog's public documentation. The rules read workloads through
// internal/workload (effective replicas, selecting PodDisruptionBudgets, the
// PodDisruptionBudget plan, preStop sleeps, the Services that route to a
// container), as the engine, the Pod mutators and the PDB reconciler do, so
// that they all agree. The rule IDs are constants of internal/policy
// (policy.RuleMinReplicas, ...).
package validators
