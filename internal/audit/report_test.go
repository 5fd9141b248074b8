package audit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// object returns a verdict with a finding per rule=action pair.
func object(kind, name string, allowed bool, findings ...validators.Finding) report.Object {
	return report.Object{Kind: kind, Name: name, Allowed: allowed, Findings: findings}
}

func deny(rule string) validators.Finding {
	return validators.Finding{Rule: rule, Action: policy.ActionDeny}
}

func warn(rule string) validators.Finding {
	return validators.Finding{Rule: rule, Action: policy.ActionWarn}
}

func TestTally(t *testing.T) {
	// Two containers break resource-requests: one object, two findings.
	web := object("Deployment", "web", false, deny("min-replicas"), deny("resource-requests"), deny("resource-requests"), warn("image-tag"))
	api := object("Deployment", "api", true, warn("image-tag"))
	clean := object("StatefulSet", "db", true)
	tests := map[string]struct {
		mode       policy.Mode
		objects    []report.Object
		denied     int
		warnings   int
		violations []Violation
	}{
		"nothing to count": {
			mode: policy.ModeEnforce, objects: []report.Object{}, violations: []Violation{},
		},
		"enforce: deny findings deny, the rest warn": {
			mode:    policy.ModeEnforce,
			objects: []report.Object{web, api, clean},
			denied:  1, warnings: 2,
			violations: []Violation{
				{Rule: "min-replicas", Action: policy.ActionDeny, Objects: 1},
				{Rule: "resource-requests", Action: policy.ActionDeny, Objects: 1},
				{Rule: "image-tag", Action: policy.ActionWarn, Objects: 2},
			},
		},
		"warn: every finding is a warning": {
			mode:    policy.ModeWarn,
			objects: []report.Object{object("Deployment", "web", true, deny("min-replicas"), warn("image-tag"))},
			denied:  0, warnings: 2,
			violations: []Violation{
				{Rule: "min-replicas", Action: policy.ActionDeny, Objects: 1},
				{Rule: "image-tag", Action: policy.ActionWarn, Objects: 1},
			},
		},
		"violations: deny first, then the most objects, then by rule": {
			mode: policy.ModeDryRun,
			objects: []report.Object{
				object("Deployment", "a", true, warn("spread"), warn("image-tag")),
				object("Deployment", "b", true, warn("spread"), deny("readiness-probe")),
			},
			warnings: 4,
			violations: []Violation{
				{Rule: "readiness-probe", Action: policy.ActionDeny, Objects: 1},
				{Rule: "spread", Action: policy.ActionWarn, Objects: 2},
				{Rule: "image-tag", Action: policy.ActionWarn, Objects: 1},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			n := Namespace{Mode: tc.mode, Objects: tc.objects}
			n.tally()
			assert.Equal(t, len(tc.objects), n.Evaluated)
			assert.Equal(t, tc.denied, n.Denied, "denied")
			assert.Equal(t, tc.warnings, n.Warnings, "warnings")
			assert.Equal(t, tc.violations, n.Violations)
		})
	}
}

func TestSortObjects(t *testing.T) {
	objects := []report.Object{
		object("PodDisruptionBudget", "a", true),
		object("Deployment", "web", true),
		object("HorizontalPodAutoscaler", "a", true),
		object("DaemonSet", "agent", true),
		object("StatefulSet", "db", true),
		object("Deployment", "api", true),
	}
	sortObjects(objects)
	var got []string
	for _, o := range objects {
		got = append(got, o.Kind+"/"+o.Name)
	}
	assert.Equal(t, []string{
		"Deployment/api", "Deployment/web", "StatefulSet/db", "DaemonSet/agent",
		"HorizontalPodAutoscaler/a", "PodDisruptionBudget/a",
	}, got)
}

func TestSortNamespaces(t *testing.T) {
	tests := map[string]struct {
		in   []Namespace
		want []string
	}{
		"most denials first": {
			in:   []Namespace{{Name: "a", Denied: 1}, {Name: "b", Denied: 3}, {Name: "c", Denied: 2}},
			want: []string{"b", "c", "a"},
		},
		"then most warnings": {
			in:   []Namespace{{Name: "a", Denied: 1, Warnings: 1}, {Name: "b", Denied: 1, Warnings: 5}, {Name: "c", Warnings: 9}},
			want: []string{"b", "a", "c"},
		},
		"then by name": {
			in:   []Namespace{{Name: "b"}, {Name: "a"}},
			want: []string{"a", "b"},
		},
		"unreadable after evaluated, skipped last": {
			in: []Namespace{
				{Name: "kube-system", Skipped: notServed},
				{Name: "secret", Error: "forbidden"},
				{Name: "quiet"},
				{Name: "off", Skipped: "mode off"},
				{Name: "hidden", Error: "forbidden"},
			},
			want: []string{"quiet", "hidden", "secret", "kube-system", "off"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			sortNamespaces(tc.in)
			var got []string
			for _, n := range tc.in {
				got = append(got, n.Name)
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSummarize(t *testing.T) {
	ns := []Namespace{
		{
			Name: "shop", Evaluated: 3, Denied: 2, Warnings: 4,
			PlannedPDBs:         []PlannedPDB{{Name: "ballast-deployment-api"}},
			PodsLackingDefaults: Pods{Count: 7},
		},
		{Name: "blog", Evaluated: 1, Warnings: 1},
		{Name: "secret", Error: "forbidden"},
		{Name: "kube-system", Skipped: notServed},
	}
	assert.Equal(t, Summary{
		Namespaces: 4, Evaluated: 2, Skipped: 1, Unreadable: 1,
		Objects: 4, Denied: 2, Warnings: 5, PlannedPDBs: 1, PodsLackingDefaults: 7,
		ByRule: []RuleTotal{},
	}, summarize(ns))
}

func TestByRule(t *testing.T) {
	deny := func(rule string, objects int) Violation {
		return Violation{Rule: rule, Action: policy.ActionDeny, Objects: objects}
	}
	warn := func(rule string, objects int) Violation {
		return Violation{Rule: rule, Action: policy.ActionWarn, Objects: objects}
	}
	tests := map[string]struct {
		ns   []Namespace
		want []RuleTotal
	}{
		"nothing broken is an empty list": {ns: []Namespace{{Name: "shop"}}, want: []RuleTotal{}},
		"a rule's namespaces and objects add up; deny first, then by namespaces, objects and rule": {
			ns: []Namespace{
				{Name: "shop", Violations: []Violation{deny("resource-requests", 3), deny("min-replicas", 1), warn("image-tag", 5)}},
				{Name: "blog", Violations: []Violation{deny("resource-requests", 2), deny("pdb-allows-disruption", 4)}},
				{Name: "cart", Violations: []Violation{deny("min-replicas", 1), warn("spread", 1)}},
			},
			want: []RuleTotal{
				{Rule: "resource-requests", Action: policy.ActionDeny, Namespaces: 2, Objects: 5},
				{Rule: "min-replicas", Action: policy.ActionDeny, Namespaces: 2, Objects: 2},
				{Rule: "pdb-allows-disruption", Action: policy.ActionDeny, Namespaces: 1, Objects: 4},
				{Rule: "image-tag", Action: policy.ActionWarn, Namespaces: 1, Objects: 5},
				{Rule: "spread", Action: policy.ActionWarn, Namespaces: 1, Objects: 1},
			},
		},
		"a rule that denies here and warns there counts twice": {
			ns: []Namespace{
				{Name: "shop", Violations: []Violation{deny("min-replicas", 1)}},
				{Name: "blog", Violations: []Violation{warn("min-replicas", 2)}},
			},
			want: []RuleTotal{
				{Rule: "min-replicas", Action: policy.ActionDeny, Namespaces: 1, Objects: 1},
				{Rule: "min-replicas", Action: policy.ActionWarn, Namespaces: 1, Objects: 2},
			},
		},
		"unreadable and skipped namespaces do not count": {
			ns: []Namespace{
				{Name: "secret", Error: "forbidden", Violations: []Violation{deny("min-replicas", 1)}},
				{Name: "sandbox", Skipped: "mode off", Violations: []Violation{deny("min-replicas", 1)}},
			},
			want: []RuleTotal{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, byRule(tc.ns))
		})
	}
}

func TestListingLine(t *testing.T) {
	tests := map[string]struct {
		kind, kinds, done, total, objects int
		elapsed                           time.Duration
		want                              string
	}{
		"no estimate in the first second": {
			kind: 0, kinds: 9, done: 3, total: 12, objects: 40, elapsed: 500 * time.Millisecond,
			want: "listing pods (kind 1 of 9): 3 of 12 namespaces, 40 objects",
		},
		"no estimate before anything is done": {
			kind: 0, kinds: 9, done: 0, total: 12, objects: 0, elapsed: 5 * time.Second,
			want: "listing pods (kind 1 of 9): 0 of 12 namespaces, 0 objects",
		},
		"half way through the kinds, as long again": {
			kind: 4, kinds: 8, done: 0, total: 10, objects: 7, elapsed: 30 * time.Second,
			want: "listing pods (kind 5 of 8): 0 of 10 namespaces, 7 objects, about 30s left",
		},
		"the namespaces of a kind count as a fraction of it": {
			kind: 1, kinds: 2, done: 50, total: 100, objects: 12000, elapsed: 3 * time.Minute,
			want: "listing pods (kind 2 of 2): 50 of 100 namespaces, 12000 objects, about 1m0s left",
		},
		"minutes are rounded to ten seconds": {
			kind: 0, kinds: 1, done: 1, total: 4, objects: 1, elapsed: 33 * time.Second,
			want: "listing pods (kind 1 of 1): 1 of 4 namespaces, 1 objects, about 1m40s left",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, listingLine("pods", tc.kind, tc.kinds, tc.done, tc.total, tc.objects, tc.elapsed))
		})
	}
}

func TestParseMode(t *testing.T) {
	tests := map[string]struct {
		want    policy.Mode
		wantErr bool
	}{
		"enforce":       {want: policy.ModeEnforce},
		"warn":          {want: policy.ModeWarn},
		"dryrun":        {want: policy.ModeDryRun},
		"as-configured": {want: ""},
		"off":           {wantErr: true},
		"Enforce":       {wantErr: true},
		"":              {wantErr: true},
	}
	for in, tc := range tests {
		t.Run(in, func(t *testing.T) {
			got, err := ParseMode(in)
			if tc.wantErr {
				assert.ErrorContains(t, err, "must be one of enforce, warn, dryrun, as-configured")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
