package validators

import "github.com/ballast-dev/ballast/internal/policy"

// The documented defaults of the rules' parameters. The policy package
// applies them when it loads a policy; the rules apply them again so that
// they judge correctly even when given a policy that was never defaulted.
const (
	defaultMinReplicas           = 2
	defaultShutdownBudgetSeconds = 25
)

// spec returns the policy that applies to t, or nil when t carries none.
func spec(t *Target) *policy.Spec {
	if t.Settings == nil {
		return nil
	}
	return t.Settings.Spec
}

// minReplicas returns the min-replicas minimum.
func minReplicas(t *Target) int32 {
	if s := spec(t); s != nil && s.Rules.MinReplicas.Minimum > 0 {
		return s.Rules.MinReplicas.Minimum
	}
	return defaultMinReplicas
}

// hpaMinReplicas returns the hpa-min-replicas minimum.
func hpaMinReplicas(t *Target) int32 {
	if s := spec(t); s != nil && s.Rules.HPAMinReplicas.Minimum > 0 {
		return s.Rules.HPAMinReplicas.Minimum
	}
	return defaultMinReplicas
}

// shutdownBudgetSeconds returns the termination-grace shutdown budget.
func shutdownBudgetSeconds(t *Target) int32 {
	if s := spec(t); s != nil && s.Rules.TerminationGrace.ShutdownBudgetSeconds > 0 {
		return s.Rules.TerminationGrace.ShutdownBudgetSeconds
	}
	return defaultShutdownBudgetSeconds
}

// createPDBs reports whether the policy has Ballast create
// PodDisruptionBudgets (pdb.create, default true).
func createPDBs(t *Target) bool {
	if s := spec(t); s != nil && s.Rules.PDB.Create != nil {
		return *s.Rules.PDB.Create
	}
	return true
}
