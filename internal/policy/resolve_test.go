package policy

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestResolve(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	yesterday, tomorrow := metav1.NewTime(now.AddDate(0, 0, -1)), metav1.NewTime(now.AddDate(0, 0, 1))
	legacy := Exemption{Name: "legacy", Namespaces: []string{"legacy"}, Rules: []string{"min-replicas"}, Reason: "migrating", Owner: "team-a"}
	batch := Exemption{Namespaces: []string{"batch-*"}, Rules: []string{"pdb", "spread"}, Reason: "batch work"}
	sandbox := Exemption{
		Name:              "sandboxes",
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "sandbox"}},
		Mode:              ModeWarn,
		Reason:            "experiments",
	}
	ref := func(e Exemption, i int) ExemptionRef { return e.ref(i) }

	tests := map[string]struct {
		spec   func(*Spec)
		ns     Namespace
		want   Settings
		expect func(t *testing.T, s Settings)
	}{
		"the policy default": {
			ns:   Namespace{Name: "shop"},
			want: Settings{Namespace: "shop", Mode: ModeDryRun, ModeSource: "policy default"},
		},
		"the namespace label": {
			ns:   Namespace{Name: "shop", Labels: map[string]string{ModeLabel: "enforce"}},
			want: Settings{Namespace: "shop", Mode: ModeEnforce, ModeSource: "namespace label ballast.dev/mode"},
		},
		"the namespace label where the policy does not allow it": {
			spec: func(s *Spec) { s.NamespaceModeLabel = new(false) },
			ns:   Namespace{Name: "shop", Labels: map[string]string{ModeLabel: "off"}},
			want: Settings{Namespace: "shop", Mode: ModeDryRun,
				ModeSource: `policy default (label ballast.dev/mode="off" is ignored: namespaceModeLabel is false)`},
		},
		"a namespace label that is not a mode": {
			spec: func(s *Spec) { s.Mode = ModeWarn },
			ns:   Namespace{Name: "shop", Labels: map[string]string{ModeLabel: "enforced"}},
			want: Settings{Namespace: "shop", Mode: ModeWarn, ModeSource: `policy default (label ballast.dev/mode="enforced" is not a mode)`},
		},
		"an exemption by name": {
			spec: func(s *Spec) { s.Exemptions = []Exemption{batch, legacy} },
			ns:   Namespace{Name: "legacy"},
			want: Settings{Namespace: "legacy", Mode: ModeDryRun, ModeSource: "policy default", Exemptions: []ExemptionRef{ref(legacy, 1)}},
		},
		"an exemption by glob, named after its index": {
			spec: func(s *Spec) { s.Exemptions = []Exemption{legacy, batch} },
			ns:   Namespace{Name: "batch-nightly"},
			want: Settings{Namespace: "batch-nightly", Mode: ModeDryRun, ModeSource: "policy default", Exemptions: []ExemptionRef{
				{Name: "exemptions[1]", Rules: []string{"pdb", "spread"}, Reason: "batch work"},
			}},
		},
		"an exemption by selector sets the mode": {
			spec: func(s *Spec) { s.Exemptions = []Exemption{sandbox} },
			ns:   Namespace{Name: "play", Labels: map[string]string{"env": "sandbox"}},
			want: Settings{Namespace: "play", Mode: ModeWarn, ModeSource: `exemption "sandboxes"`, Exemptions: []ExemptionRef{ref(sandbox, 0)}},
		},
		"a selector that does not match": {
			spec: func(s *Spec) { s.Exemptions = []Exemption{sandbox} },
			ns:   Namespace{Name: "play", Labels: map[string]string{"env": "prod"}},
			want: Settings{Namespace: "play", Mode: ModeDryRun, ModeSource: "policy default"},
		},
		"an exemption's mode beats the namespace label": {
			spec: func(s *Spec) { s.Exemptions = []Exemption{sandbox} },
			ns:   Namespace{Name: "play", Labels: map[string]string{"env": "sandbox", ModeLabel: "enforce"}},
			want: Settings{Namespace: "play", Mode: ModeWarn, ModeSource: `exemption "sandboxes"`, Exemptions: []ExemptionRef{ref(sandbox, 0)}},
		},
		"an expired exemption is listed and not applied": {
			spec: func(s *Spec) {
				e := sandbox
				e.Expires = &yesterday
				s.Exemptions = []Exemption{e}
			},
			ns: Namespace{Name: "play", Labels: map[string]string{"env": "sandbox", ModeLabel: "enforce"}},
			want: Settings{Namespace: "play", Mode: ModeEnforce, ModeSource: "namespace label ballast.dev/mode", Expired: []ExemptionRef{
				{Name: "sandboxes", Mode: ModeWarn, Reason: "experiments", Expires: &yesterday.Time},
			}},
		},
		"an exemption that expires later applies": {
			spec: func(s *Spec) {
				e := legacy
				e.Expires = &tomorrow
				s.Exemptions = []Exemption{e}
			},
			ns: Namespace{Name: "legacy"},
			want: Settings{Namespace: "legacy", Mode: ModeDryRun, ModeSource: "policy default", Exemptions: []ExemptionRef{
				{Name: "legacy", Rules: []string{"min-replicas"}, Reason: "migrating", Owner: "team-a", Expires: &tomorrow.Time},
			}},
		},
		`an exemption of "*" without a mode turns the namespace off`: {
			spec: func(s *Spec) {
				s.Exemptions = []Exemption{{Name: "all", Namespaces: []string{"legacy"}, Rules: []string{AllRules}, Reason: "r"}}
			},
			ns: Namespace{Name: "legacy", Labels: map[string]string{ModeLabel: "enforce"}},
			want: Settings{Namespace: "legacy", Mode: ModeOff, ModeSource: `exemption "all"`, Exemptions: []ExemptionRef{
				{Name: "all", Rules: []string{AllRules}, Reason: "r"},
			}},
		},
		"several exemptions: all apply and the first that sets a mode wins": {
			spec: func(s *Spec) {
				second := sandbox
				second.Name, second.Mode = "second", ModeEnforce
				s.Exemptions = []Exemption{legacy, sandbox, second}
				s.Exemptions[0].NamespaceSelector = sandbox.NamespaceSelector
			},
			ns: Namespace{Name: "play", Labels: map[string]string{"env": "sandbox"}},
			expect: func(t *testing.T, s Settings) {
				assert.Equal(t, ModeWarn, s.Mode)
				assert.Equal(t, `exemption "sandboxes"`, s.ModeSource)
				names := make([]string, len(s.Exemptions))
				for i, e := range s.Exemptions {
					names[i] = e.Name
				}
				assert.Equal(t, []string{"legacy", "sandboxes", "second"}, names)
			},
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			p := Default()
			if test.spec != nil {
				test.spec(&p.Spec)
			}
			got := Resolve(&p.Spec, test.ns, now)
			assert.Same(t, &p.Spec, got.Spec)
			if test.expect != nil {
				test.expect(t, got)
				return
			}
			test.want.Spec = &p.Spec
			assert.Equal(t, test.want, got)
		})
	}
}

func TestResolveUndefaultedSpec(t *testing.T) {
	spec := &Spec{}
	got := Resolve(spec, Namespace{Name: "shop", Labels: map[string]string{ModeLabel: "warn"}}, time.Now())
	assert.Equal(t, Settings{Namespace: "shop", Mode: ModeWarn, ModeSource: "namespace label ballast.dev/mode", Spec: spec}, got)

	got = Resolve(spec, Namespace{Name: "shop"}, time.Now())
	assert.Equal(t, Settings{Namespace: "shop", Mode: ModeDryRun, ModeSource: "policy default", Spec: spec}, got)
}

// TestResolveConcurrently shares one policy between goroutines, as the
// webhook does; run it with -race.
func TestResolveConcurrently(t *testing.T) {
	p := Default()
	p.Spec.Exemptions = []Exemption{{
		Name:              "sandboxes",
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"env": "sandbox"}},
		Mode:              ModeOff,
		Reason:            "r",
	}}
	ns := Namespace{Name: "play", Labels: map[string]string{"env": "sandbox"}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				assert.Equal(t, ModeOff, Resolve(&p.Spec, ns, time.Now()).Mode)
			}
		})
	}
	wg.Wait()
}

func TestSettingsAction(t *testing.T) {
	spec := Default().Spec
	spec.Rules.ImageTag.Action = ActionDeny

	tests := map[string]struct {
		settings Settings
		rule     string
		want     Action
	}{
		"mode off turns every rule off": {
			settings: Settings{Mode: ModeOff, Spec: &spec},
			rule:     "image-tag",
			want:     ActionOff,
		},
		"an exempted rule is off": {
			settings: Settings{Mode: ModeEnforce, Spec: &spec, Exemptions: []ExemptionRef{{Rules: []string{"image-tag"}}}},
			rule:     "image-tag",
			want:     ActionOff,
		},
		`"*" exempts every rule`: {
			settings: Settings{Mode: ModeEnforce, Spec: &spec, Exemptions: []ExemptionRef{{Rules: []string{AllRules}}}},
			rule:     "spread",
			want:     ActionOff,
		},
		"the policy overrides the rule's default": {
			settings: Settings{Mode: ModeEnforce, Spec: &spec, Exemptions: []ExemptionRef{{Rules: []string{"spread"}}}},
			rule:     "image-tag",
			want:     ActionDeny,
		},
		"else the rule's default applies": {
			settings: Settings{Mode: ModeEnforce, Spec: &spec},
			rule:     "readiness-probe",
			want:     ActionWarn,
		},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, test.want, test.settings.Action(test.rule, ActionWarn))
		})
	}
}

func TestSubjectsAllows(t *testing.T) {
	admins := Subjects{Users: []string{"alice"}, Groups: []string{"system:masters", "platform"}}
	tests := map[string]struct {
		subjects Subjects
		user     string
		groups   []string
		want     bool
	}{
		"a named user":                {subjects: admins, user: "alice", want: true},
		"a member of a named group":   {subjects: admins, user: "bob", groups: []string{"system:authenticated", "platform"}, want: true},
		"anyone else":                 {subjects: admins, user: "bob", groups: []string{"system:authenticated"}},
		"a group name is not a user":  {subjects: admins, user: "platform"},
		"no subjects allow nobody":    {subjects: Subjects{}, user: "alice", groups: []string{"system:masters"}},
		"the default admins":          {subjects: Default().Spec.NamespaceAdmins, user: "kubernetes-admin", groups: []string{"system:masters"}, want: true},
		"a service account is a user": {subjects: Subjects{Users: []string{"system:serviceaccount:argocd:argocd-server"}}, user: "system:serviceaccount:argocd:argocd-server", want: true},
	}
	for name, test := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, test.want, test.subjects.Allows(test.user, test.groups))
		})
	}
}

// BenchmarkResolve resolves a namespace under a policy of 50 exemptions:
// names, globs and selectors, none of which match, as for most namespaces.
func BenchmarkResolve(b *testing.B) {
	p := Default()
	for i := range 50 {
		e := Exemption{Name: fmt.Sprint("e", i), Rules: []string{"spread"}, Reason: "r"}
		switch i % 3 {
		case 0:
			e.Namespaces = []string{fmt.Sprint("legacy-", i)}
		case 1:
			e.Namespaces = []string{fmt.Sprint("batch-", i, "-*")}
		case 2:
			e.NamespaceSelector = &metav1.LabelSelector{
				MatchLabels:      map[string]string{"team": fmt.Sprint("t", i)},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"dev", "test"}}},
			}
		}
		p.Spec.Exemptions = append(p.Spec.Exemptions, e)
	}
	ns := Namespace{Name: "shop", Labels: map[string]string{"team": "shop", "env": "prod", ModeLabel: "warn"}}
	now := time.Now()

	b.ReportAllocs()
	for b.Loop() {
		Resolve(&p.Spec, ns, now)
	}
}

// TestSettingsFor: an exemption scoped to workloads applies only to the
// objects it names, in force or expired, and leaves the namespace's
// settings, shared by every request, as they are.
func TestSettingsFor(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	past := &metav1.Time{Time: now.Add(-time.Hour)}
	spec := Defaulted(&Spec{Exemptions: []Exemption{
		{Name: "whole", Namespaces: []string{"shop"}, Rules: []string{"spread"}, Reason: "r"},
		{Name: "cainjector", Namespaces: []string{"shop"}, Rules: []string{"min-replicas"}, Reason: "r",
			Workloads: []WorkloadMatch{{Kind: "Deployment", Name: "cainjector"}}},
		{Name: "reports", Namespaces: []string{"shop"}, Rules: []string{"*"}, Reason: "r",
			Workloads: []WorkloadMatch{{Name: "report-*"}}},
		{Name: "batch", Namespaces: []string{"shop"}, Rules: []string{"pdb"}, Reason: "r",
			WorkloadSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "batch"}}},
		{Name: "old", Namespaces: []string{"shop"}, Rules: []string{"image-tag"}, Reason: "r", Expires: past,
			Workloads: []WorkloadMatch{{Name: "cainjector"}}},
		{Name: "elsewhere", Namespaces: []string{"blog"}, Rules: []string{"*"}, Reason: "r",
			Workloads: []WorkloadMatch{{Name: "cainjector"}}},
	}})
	s := Resolve(spec, Namespace{Name: "shop"}, now)
	names := func(refs []ExemptionRef) []string {
		var out []string
		for _, r := range refs {
			out = append(out, r.Name)
		}
		return out
	}
	require.Equal(t, []string{"whole"}, names(s.Exemptions), "scoped exemptions are kept aside")
	assert.Empty(t, s.Expired)

	tests := map[string]struct {
		obj               Object
		exempted, expired []string
	}{
		"a workload named by kind and name": {
			obj: Object{Kind: "Deployment", Name: "cainjector"}, exempted: []string{"whole", "cainjector"}, expired: []string{"old"},
		},
		"the same name, another kind": {
			obj: Object{Kind: "StatefulSet", Name: "cainjector"}, exempted: []string{"whole"}, expired: []string{"old"},
		},
		"a name glob, any kind": {
			obj: Object{Kind: "StatefulSet", Name: "report-weekly"}, exempted: []string{"whole", "reports"},
		},
		"a selector on the pods' labels": {
			obj: Object{Kind: "Deployment", Name: "etl", PodLabels: map[string]string{"tier": "batch"}}, exempted: []string{"whole", "batch"},
		},
		"an HPA has no pod labels for a selector": {
			obj: Object{Kind: "Deployment", Name: "etl"}, exempted: []string{"whole"},
		},
		"an object of no workload": {
			obj: Object{}, exempted: []string{"whole"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := s.For(tc.obj)
			assert.Equal(t, tc.exempted, names(got.Exemptions))
			assert.Equal(t, tc.expired, names(got.Expired))
			assert.Equal(t, []string{"whole"}, names(s.Exemptions), "the namespace's settings are left as they are")
			if len(tc.exempted) == 1 && len(tc.expired) == 0 {
				assert.Same(t, &s, got, "no scoped exemption matches: the same settings")
			}
		})
	}
	_, exempt := s.For(Object{Kind: "Deployment", Name: "report-daily"}).Exempted("readiness-probe")
	assert.True(t, exempt, `"*" exempts every rule for the workloads it names`)
	assert.Equal(t, ModeEnforce, Resolve(spec, Namespace{Name: "shop", Labels: map[string]string{ModeLabel: "enforce"}}, now).Mode,
		"an exemption scoped to workloads leaves the namespace's mode alone")

	blog := Resolve(Defaulted(&Spec{}), Namespace{Name: "blog"}, now)
	assert.Zero(t, testing.AllocsPerRun(100, func() { blog.For(Object{Kind: "Deployment", Name: "web"}) }),
		"no scoped exemption: nothing allocated")
}
