// Package validators holds Ballast's rules: pure checks of a workload, an
// HPA or a PodDisruptionBudget, judged as it will run (its pod template with
// the pod defaults applied). A rule never returns an error; what it finds
// wrong comes back as Findings that name the field and the fix.
//
// Default returns the catalog in a fixed order. Each rule lives in a file
// named after its ID (min-replicas in min_replicas.go), which opens with
// the fields it checks, the values it allows and the fix; docs/rules.md is
// the catalog's public documentation. EffectiveReplicas, TargetingHPA,
// SelectingPDBs, WillCreatePDB, PDBName and PreStopSleepSeconds are shared
// with the engine, the Pod mutators and the PDB reconciler, so that they all
// count replicas, match PodDisruptionBudgets and read preStop sleeps alike.
package validators
