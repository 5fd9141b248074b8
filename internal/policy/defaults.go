package policy

import "k8s.io/apimachinery/pkg/util/intstr"

// Default returns the default policy: the empty policy, defaulted.
func Default() *Policy {
	p := &Policy{}
	SetDefaults(p)
	return p
}

// SetDefaults fills in every field p leaves unset (nil, "", 0 or empty)
// with its documented default, then applies each profile's overrides to
// the result, for the profile's namespaces. Rule actions are left unset:
// each rule's default action lives with the rule, and Settings.Action
// falls back to it.
//
// Parse has already applied it, keeping the zero values a document spells
// out; do not apply it again to a parsed policy.
func SetDefaults(p *Policy) {
	setDefaults(p)
	p.Spec.applyProfiles()
}

// setDefaults fills in the defaults, as SetDefaults does, without applying
// the profiles.
func setDefaults(p *Policy) {
	setDefault(&p.APIVersion, APIVersion)
	setDefault(&p.Kind, Kind)

	s := &p.Spec
	setDefault(&s.Mode, defaultMode)
	setDefaultPtr(&s.NamespaceModeLabel, true)
	setDefault(&s.OnInternalError, InternalErrorAllow)

	r := &s.Rules
	setDefault(&r.MinReplicas.Minimum, 2)
	setDefault(&r.HPAMinReplicas.Minimum, 2)
	setDefault(&r.TerminationGrace.ShutdownBudgetSeconds, 25)
	setDefaultPtr(&r.PDB.Create, true)
	setDefaultPtr(&r.PDB.MaxUnavailable, intstr.FromInt32(1))

	pd := &s.PodDefaults
	if len(pd.OwnerKinds) == 0 {
		pd.OwnerKinds = DefaultOwnerKinds()
	}
	setDefaultPtr(&pd.PreStop.Enabled, true)
	setDefault(&pd.PreStop.Strategy, PreStopNative)
	setDefault(&pd.PreStop.SleepSeconds, 5)
	setDefault(&pd.PreStop.MaxSleepSeconds, 60)
	setDefaultPtr(&pd.TerminationGracePeriod.Enabled, true)
	setProbeDefaults(&pd.ReadinessProbe, true, 0, 3)
	setProbeDefaults(&pd.LivenessProbe, false, 10, 3)
	setProbeDefaults(&pd.StartupProbe, false, 0, 30)

	if len(s.NamespaceAdmins.Users) == 0 && len(s.NamespaceAdmins.Groups) == 0 {
		s.NamespaceAdmins.Groups = []string{"system:masters"}
	}
}

// defaultMode is the mode of a policy that sets none.
const defaultMode = ModeDryRun

func setProbeDefaults(p *ProbeDefaults, enabled bool, initialDelaySeconds, failureThreshold int32) {
	setDefaultPtr(&p.Enabled, enabled)
	setDefaultPtr(&p.InitialDelaySeconds, initialDelaySeconds)
	setDefault(&p.PeriodSeconds, 10)
	setDefault(&p.TimeoutSeconds, 1)
	setDefault(&p.FailureThreshold, failureThreshold)
}

// setDefault sets *field to value if it holds the zero value.
func setDefault[T comparable](field *T, value T) {
	var zero T
	if *field == zero {
		*field = value
	}
}

// setDefaultPtr points *field at value if it is nil.
func setDefaultPtr[T any](field **T, value T) {
	if *field == nil {
		*field = &value
	}
}

// DefaultOwnerKinds returns the kinds of controller whose Pods get the pod
// defaults when podDefaults.ownerKinds names none.
func DefaultOwnerKinds() []string { return []string{"ReplicaSet", "StatefulSet", "DaemonSet"} }

// Defaulted returns a copy of s (an empty Spec when nil) with every unset
// field defaulted, as SetDefaults does: for specs built in code, mostly by
// tests, since the engine, the rules and the pod defaults read only
// defaulted policies. s is left as it is.
func Defaulted(s *Spec) *Spec {
	p := Policy{}
	if s != nil {
		p.Spec = *s
	}
	SetDefaults(&p)
	return &p.Spec
}
