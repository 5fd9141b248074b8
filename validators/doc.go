// Package validators holds Ballast's rules: pure checks of a workload, an
// HPA or a PodDisruptionBudget, judged as it will run (its pod template with
// the pod defaults applied). A rule never returns an error; what it finds
// wrong comes back as Findings that name the field and the fix.
package validators
