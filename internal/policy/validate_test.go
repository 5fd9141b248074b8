package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// fieldError is what a test expects of a validation error: its type, its
// field and a part of its detail, which says the fix.
type fieldError struct {
	typ    field.ErrorType
	field  string
	detail string
}

func TestValidate(t *testing.T) {
	exemption := func(e Exemption) func(*Policy) {
		return func(p *Policy) { p.Spec.Exemptions = append(p.Spec.Exemptions, e) }
	}
	valid := Exemption{Name: "legacy", Namespaces: []string{"legacy"}, Rules: []string{"min-replicas"}, Reason: "migrating"}
	with := func(change func(*Exemption)) Exemption {
		e := valid
		change(&e)
		return e
	}

	tests := map[string]struct {
		change func(*Policy)
		want   []fieldError
	}{
		"the default policy is valid": {
			change: func(*Policy) {},
		},
		"another apiVersion": {
			change: func(p *Policy) { p.APIVersion = "ballast.dev/v1" },
			want:   []fieldError{{field.ErrorTypeNotSupported, "apiVersion", `"ballast.dev/v1alpha1"`}},
		},
		"another kind": {
			change: func(p *Policy) { p.Kind = "Policy" },
			want:   []fieldError{{field.ErrorTypeNotSupported, "kind", `"BallastPolicy"`}},
		},
		"an unknown mode": {
			change: func(p *Policy) { p.Spec.Mode = "audit" },
			want:   []fieldError{{field.ErrorTypeNotSupported, "spec.mode", `"enforce", "warn", "dryrun", "off"`}},
		},
		"an unknown onInternalError": {
			change: func(p *Policy) { p.Spec.OnInternalError = "ignore" },
			want:   []fieldError{{field.ErrorTypeNotSupported, "spec.onInternalError", `"allow", "deny"`}},
		},
		"unknown rule actions": {
			change: func(p *Policy) {
				p.Spec.Rules.ReadinessProbe.Action = "block"
				p.Spec.Rules.PDB.Action = "Deny"
			},
			want: []fieldError{
				{field.ErrorTypeNotSupported, "spec.rules.readiness-probe.action", `"deny", "warn", "off"`},
				{field.ErrorTypeNotSupported, "spec.rules.pdb.action", `"deny", "warn", "off"`},
			},
		},
		"minimums below 1": {
			change: func(p *Policy) {
				p.Spec.Rules.MinReplicas.Minimum = 0
				p.Spec.Rules.HPAMinReplicas.Minimum = -1
			},
			want: []fieldError{
				{field.ErrorTypeInvalid, "spec.rules.min-replicas.minimum", "at least 1"},
				{field.ErrorTypeInvalid, "spec.rules.hpa-min-replicas.minimum", "at least 1"},
			},
		},
		"a negative shutdown budget": {
			change: func(p *Policy) { p.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds = -1 },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.rules.termination-grace.shutdownBudgetSeconds", "0 or more"}},
		},
		"maxUnavailable 0 would block drains": {
			change: func(p *Policy) { p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromInt32(0)) },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.rules.pdb.maxUnavailable", "blocks every node drain"}},
		},
		"maxUnavailable 0% would block drains": {
			change: func(p *Policy) { p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromString("0%")) },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.rules.pdb.maxUnavailable", "blocks every node drain"}},
		},
		"maxUnavailable over 100%": {
			change: func(p *Policy) { p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromString("101%")) },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.rules.pdb.maxUnavailable", "at most 100%"}},
		},
		"maxUnavailable a string that is no percentage": {
			change: func(p *Policy) { p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromString("one")) },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.rules.pdb.maxUnavailable", `a percentage such as "25%"`}},
		},
		"maxUnavailable 100% is valid": {
			change: func(p *Policy) { p.Spec.Rules.PDB.MaxUnavailable = new(intstr.FromString("100%")) },
		},
		"an exemption scoped to workloads is valid": {
			change: exemption(with(func(e *Exemption) {
				e.Workloads = []WorkloadMatch{{Kind: "Deployment", Name: "cert-manager-cainjector"}, {Name: "report-*"}}
				e.WorkloadSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "batch"}}
			})),
		},
		"an exemption scoped to workloads cannot set a mode": {
			change: exemption(with(func(e *Exemption) {
				e.Workloads = []WorkloadMatch{{Name: "worker"}}
				e.Mode = ModeOff
			})),
			want: []fieldError{{field.ErrorTypeInvalid, "spec.exemptions[0].mode", "a mode applies to whole namespaces"}},
		},
		"a workload without a name, a bad glob, an empty selector": {
			change: exemption(with(func(e *Exemption) {
				e.Workloads = []WorkloadMatch{{Kind: "Deployment"}, {Kind: "[", Name: "x"}}
				e.WorkloadSelector = &metav1.LabelSelector{}
			})),
			want: []fieldError{
				{field.ErrorTypeRequired, "spec.exemptions[0].workloads[0].name", "name the workload"},
				{field.ErrorTypeInvalid, "spec.exemptions[0].workloads[1].kind", "a glob"},
				{field.ErrorTypeInvalid, "spec.exemptions[0].workloadSelector", "matches every workload"},
			},
		},
		"an unknown preStop strategy": {
			change: func(p *Policy) { p.Spec.PodDefaults.PreStop.Strategy = "sidecar" },
			want:   []fieldError{{field.ErrorTypeNotSupported, "spec.podDefaults.preStop.strategy", `"native", "exec"`}},
		},
		"a sleep of 0 seconds": {
			change: func(p *Policy) { p.Spec.PodDefaults.PreStop.SleepSeconds = 0 },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.podDefaults.preStop.sleepSeconds", "set enabled to false"}},
		},
		"a sleep longer than an hour": {
			change: func(p *Policy) { p.Spec.PodDefaults.PreStop.SleepSeconds = 3601 },
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.podDefaults.preStop.sleepSeconds", "terminationGracePeriodSeconds"}},
		},
		"probe numbers out of range": {
			change: func(p *Policy) {
				p.Spec.PodDefaults.ReadinessProbe.PeriodSeconds = 0
				p.Spec.PodDefaults.LivenessProbe.TimeoutSeconds = -1
				p.Spec.PodDefaults.StartupProbe.FailureThreshold = 0
				p.Spec.PodDefaults.StartupProbe.InitialDelaySeconds = new(int32(-5))
			},
			want: []fieldError{
				{field.ErrorTypeInvalid, "spec.podDefaults.readinessProbe.periodSeconds", "at least 1"},
				{field.ErrorTypeInvalid, "spec.podDefaults.livenessProbe.timeoutSeconds", "at least 1"},
				{field.ErrorTypeInvalid, "spec.podDefaults.startupProbe.initialDelaySeconds", "0 or more"},
				{field.ErrorTypeInvalid, "spec.podDefaults.startupProbe.failureThreshold", "at least 1"},
			},
		},
		"no owner kinds": {
			change: func(p *Policy) { p.Spec.PodDefaults.OwnerKinds = nil },
			want:   []fieldError{{field.ErrorTypeRequired, "spec.podDefaults.ownerKinds", "ReplicaSet"}},
		},
		"Job, CronJob and an empty kind as owner kinds": {
			change: func(p *Policy) { p.Spec.PodDefaults.OwnerKinds = []string{"ReplicaSet", "Job", "CronJob", ""} },
			want: []fieldError{
				{field.ErrorTypeInvalid, "spec.podDefaults.ownerKinds[1]", "run to completion"},
				{field.ErrorTypeInvalid, "spec.podDefaults.ownerKinds[2]", "run to completion"},
				{field.ErrorTypeRequired, "spec.podDefaults.ownerKinds[3]", "name a kind"},
			},
		},
		"a valid exemption": {
			change: exemption(valid),
		},
		"an exemption without a reason": {
			change: exemption(with(func(e *Exemption) { e.Reason = " " })),
			want:   []fieldError{{field.ErrorTypeRequired, "spec.exemptions[0].reason", "say why"}},
		},
		"an exemption of no namespace": {
			change: exemption(with(func(e *Exemption) { e.Namespaces = nil })),
			want:   []fieldError{{field.ErrorTypeRequired, "spec.exemptions[0].namespaces", "namespaceSelector"}},
		},
		"an exemption with bad namespace patterns": {
			change: exemption(with(func(e *Exemption) { e.Namespaces = []string{"team-[", "", "ok-*"} })),
			want: []fieldError{
				{field.ErrorTypeInvalid, "spec.exemptions[0].namespaces[0]", "glob"},
				{field.ErrorTypeInvalid, "spec.exemptions[0].namespaces[1]", "glob"},
			},
		},
		"an exemption with an invalid selector": {
			change: exemption(with(func(e *Exemption) {
				e.Namespaces = nil
				e.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: "Among"}}}
			})),
			want: []fieldError{{field.ErrorTypeInvalid, "spec.exemptions[0].namespaceSelector", `"Among" is not a valid label selector operator`}},
		},
		"an exemption with an empty selector": {
			change: exemption(with(func(e *Exemption) { e.NamespaceSelector = &metav1.LabelSelector{} })),
			want:   []fieldError{{field.ErrorTypeInvalid, "spec.exemptions[0].namespaceSelector", "matches every namespace"}},
		},
		"an exemption of an unknown rule": {
			change: exemption(with(func(e *Exemption) { e.Rules = []string{"readiness", "*"} })),
			want:   []fieldError{{field.ErrorTypeNotSupported, "spec.exemptions[0].rules[0]", `"readiness-probe"`}},
		},
		"an exemption with neither rules nor mode": {
			change: exemption(with(func(e *Exemption) { e.Rules = nil })),
			want:   []fieldError{{field.ErrorTypeRequired, "spec.exemptions[0].rules", "mode"}},
		},
		"an exemption with a mode only is valid": {
			change: exemption(with(func(e *Exemption) { e.Rules, e.Mode = nil, ModeWarn })),
		},
		"an exemption with an unknown mode": {
			change: exemption(with(func(e *Exemption) { e.Mode = "permissive" })),
			want:   []fieldError{{field.ErrorTypeNotSupported, "spec.exemptions[0].mode", `"off"`}},
		},
		"two exemptions with one name": {
			change: func(p *Policy) { p.Spec.Exemptions = []Exemption{valid, {}, valid} },
			want: []fieldError{
				{field.ErrorTypeRequired, "spec.exemptions[1].reason", ""},
				{field.ErrorTypeRequired, "spec.exemptions[1].namespaces", ""},
				{field.ErrorTypeRequired, "spec.exemptions[1].rules", ""},
				{field.ErrorTypeDuplicate, "spec.exemptions[2].name", ""},
			},
		},
		"no namespace admins": {
			change: func(p *Policy) { p.Spec.NamespaceAdmins = Subjects{} },
			want:   []fieldError{{field.ErrorTypeRequired, "spec.namespaceAdmins", "nobody ever could"}},
		},
		"empty namespace admins": {
			change: func(p *Policy) {
				p.Spec.NamespaceAdmins = Subjects{Users: []string{""}, Groups: []string{"admins", ""}}
			},
			want: []fieldError{
				{field.ErrorTypeRequired, "spec.namespaceAdmins.users[0]", "name a user"},
				{field.ErrorTypeRequired, "spec.namespaceAdmins.groups[1]", "name a group"},
			},
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			p := Default()
			test.change(p)

			errs := Validate(p)
			got := make([]fieldError, len(errs))
			for i, err := range errs {
				got[i] = fieldError{err.Type, err.Field, ""}
				if test.want != nil && i < len(test.want) {
					assert.Contains(t, err.Detail, test.want[i].detail, err.Field)
				}
			}
			want := make([]fieldError, len(test.want))
			for i, w := range test.want {
				want[i] = fieldError{w.typ, w.field, ""}
			}
			assert.Equal(t, want, got)
		})
	}
}
