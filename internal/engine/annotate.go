package engine

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
)

// The Change.Mutator of the changes the engine makes itself.
const (
	// pdbMutator names the PodDisruptionBudget that the PDB reconciler
	// creates for a workload.
	pdbMutator = "pdb-reconciler"
	// injectedMutator names the ballast.dev/injected annotation.
	injectedMutator = "injected-annotation"
)

// recordInjected records the mutations in the ballast.dev/injected
// annotation of pod, the mutated copy, and returns the edit that does the
// same to the Pod as sent: a comma-separated list of mutator/container
// items (mutator alone for pod-level changes), appended to what the
// annotation already holds.
func recordInjected(pod *corev1.Pod, changes []mutators.Change) mutators.Change {
	value := mutationList(changes)
	if prev := pod.Annotations[policy.InjectedAnnotation]; prev != "" {
		value = prev + "," + value
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[policy.InjectedAnnotation] = value
	p := podspec.NewPath("metadata", "annotations").Key(policy.InjectedAnnotation)
	return mutators.Change{
		Mutator: injectedMutator,
		Field:   p.String(),
		Message: "records the injected defaults",
		Pointer: p.Pointer(),
		Value:   value,
	}
}

// plannedPDB describes the PodDisruptionBudget the reconciler keeps for a
// workload.
func plannedPDB(plan workload.PDBPlan) mutators.Change {
	return mutators.Change{
		Rule:    policy.RulePDB,
		Mutator: pdbMutator,
		Field:   workload.KindPDB + " " + plan.Name,
		Message: workload.KindPDB + " " + plan.Name + " (maxUnavailable " + plan.MaxUnavailable.String() + ")",
		Creates: workload.KindPDB,
	}
}
