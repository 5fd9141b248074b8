package engine

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// pdbMutator names, in Change.Mutator, the PodDisruptionBudget that the
// PDB reconciler creates for a workload.
const pdbMutator = "pdb-reconciler"

// injectedAnnotation returns the change that records the mutations in the
// ballast.dev/injected annotation: a comma-separated list of
// mutator/container items (mutator alone for pod-level changes), appended
// to what the annotation already holds.
func injectedAnnotation(pod *corev1.Pod, changes []mutators.Change) mutators.Change {
	value := mutationList(changes)
	if prev := pod.Annotations[policy.InjectedAnnotation]; prev != "" {
		value = prev + "," + value
	}
	p := podspec.NewPath("metadata", "annotations").Key(policy.InjectedAnnotation)
	return mutators.Change{
		Mutator: "injected-annotation",
		Field:   p.String(),
		Message: "records the injected defaults",
		Pointer: p.Pointer(),
		Value:   value,
	}
}

// plannedPDB describes the PodDisruptionBudget the reconciler creates for
// a workload.
func plannedPDB(t *validators.Target) mutators.Change {
	maxUnavailable := intstr.FromInt32(1)
	if mu := t.Settings.Spec.Rules.PDB.MaxUnavailable; mu != nil {
		maxUnavailable = *mu
	}
	name := validators.PDBName(t.Kind, t.Name)
	return mutators.Change{
		Rule:    validators.PDBID,
		Mutator: pdbMutator,
		Field:   "PodDisruptionBudget " + name,
		Message: "PodDisruptionBudget " + name + " (maxUnavailable " + maxUnavailable.String() + ")",
	}
}
