// Package workload is Ballast's model of the objects it judges: one table of
// kinds (what each is, how to reach its pod template and replicas, which
// neighbours its rules read), the workloads and neighbours of a namespace,
// effective replicas under an HPA, the PodDisruptionBudgets that select a
// workload's pods, the plan of the PodDisruptionBudget Ballast keeps for a
// workload, and the preStop sleep parser.
//
// It is pure: no I/O, no clock. The rules (validators), the pod defaults
// (mutators), the engine, the webhook, the PDB reconciler, `ballast check`
// and `ballast audit` all read workloads through it, so they agree.
package workload
