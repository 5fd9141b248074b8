package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"
)

// profilesDoc is a policy with one profile of each kind of match.
const profilesDoc = header + `spec:
  mode: warn
  rules:
    min-replicas: {minimum: 2}
    termination-grace: {shutdownBudgetSeconds: 0}
  podDefaults:
    preStop: {sleepSeconds: 5}
  profiles:
  - name: alb-ip
    namespaces: ["shop-*", checkout]
    podDefaults:
      preStop: {sleepSeconds: 25}
  - name: shop-critical
    namespaces: ["shop-pay*"]
    rules:
      min-replicas: {minimum: 3}
  - name: batch
    namespaceSelector: {matchLabels: {ballast.dev/profile: batch}}
    rules:
      readiness-probe: {action: "off"}
    podDefaults:
      readinessProbe: {enabled: false}
`

func TestProfiles(t *testing.T) {
	p, err := Parse([]byte(profilesDoc))
	require.NoError(t, err)
	now := time.Now()

	tests := map[string]struct {
		ns          Namespace
		profile     string
		minimum     int32
		sleep       int32
		readiness   bool
		readinessOn bool
	}{
		"no profile: the policy's values": {
			ns: Namespace{Name: "blog"}, minimum: 2, sleep: 5, readiness: true,
		},
		"a name": {
			ns: Namespace{Name: "checkout"}, profile: "alb-ip", minimum: 2, sleep: 25, readiness: true,
		},
		"a glob": {
			ns: Namespace{Name: "shop-cart"}, profile: "alb-ip", minimum: 2, sleep: 25, readiness: true,
		},
		"the most specific glob wins, and only its overrides apply": {
			ns: Namespace{Name: "shop-payments"}, profile: "shop-critical", minimum: 3, sleep: 5, readiness: true,
		},
		"a glob wins over a selector": {
			ns: Namespace{Name: "shop-cart", Labels: map[string]string{"ballast.dev/profile": "batch"}}, profile: "alb-ip", minimum: 2, sleep: 25, readiness: true,
		},
		"a selector on a guarded label": {
			ns: Namespace{Name: "etl", Labels: map[string]string{"ballast.dev/profile": "batch"}}, profile: "batch", minimum: 2, sleep: 5,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := Resolve(&p.Spec, tc.ns, now)
			assert.Equal(t, tc.profile, s.Profile)
			assert.Equal(t, tc.minimum, s.Spec.Rules.MinReplicas.Minimum)
			assert.Equal(t, tc.sleep, s.Spec.PodDefaults.PreStop.SleepSeconds)
			assert.Equal(t, tc.readiness, *s.Spec.PodDefaults.ReadinessProbe.Enabled)
			assert.Equal(t, int32(0), s.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds, "the policy's own 0 stays 0 under every profile")
			assert.Equal(t, ModeWarn, s.Mode)
			if tc.profile == "batch" {
				assert.Equal(t, ActionOff, s.Action(RuleReadinessProbe, ActionDeny))
			} else {
				assert.Equal(t, ActionDeny, s.Action(RuleReadinessProbe, ActionDeny))
			}
		})
	}
	assert.True(t, *p.Spec.PodDefaults.ReadinessProbe.Enabled, "the policy's own values are left as they are")
	assert.Equal(t, int32(5), p.Spec.PodDefaults.PreStop.SleepSeconds)

	ns := Namespace{Name: "shop-payments"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { p.Spec.profileFor(ns) }), "finding the profile allocates nothing")
}

func TestProfilesInCode(t *testing.T) {
	spec := Defaulted(&Spec{Profiles: []Profile{{
		Name: "slow", Namespaces: []string{"legacy"},
		PodDefaults: PodDefaults{PreStop: PreStopDefaults{SleepSeconds: 30}, ReadinessProbe: ProbeDefaults{Enabled: ptr.To(false)}},
	}}})
	s := Resolve(spec, Namespace{Name: "legacy"}, time.Now())
	assert.Equal(t, "slow", s.Profile)
	assert.Equal(t, int32(30), s.Spec.PodDefaults.PreStop.SleepSeconds)
	assert.False(t, *s.Spec.PodDefaults.ReadinessProbe.Enabled)
	assert.Equal(t, PreStopNative, s.Spec.PodDefaults.PreStop.Strategy, "what the profile leaves out is the policy's")
	assert.Equal(t, int32(10), s.Spec.PodDefaults.ReadinessProbe.PeriodSeconds)
}

func TestParseProfileProblems(t *testing.T) {
	tests := map[string]struct {
		doc  string
		want []string
	}{
		"the same namespace in two profiles": {
			doc:  header + "spec:\n  profiles:\n  - {name: a, namespaces: [shop]}\n  - {name: b, namespaces: [blog, shop]}\n",
			want: []string{`line 6: spec.profiles[1].namespaces[1]: Invalid value: "shop": is also in profile "a": a namespace resolves to one profile; keep it in one of them`},
		},
		"the same glob in two profiles": {
			doc:  header + "spec:\n  profiles:\n  - {name: a, namespaces: [\"team-*\"]}\n  - {name: b, namespaces: [\"team-*\"]}\n",
			want: []string{`line 6: spec.profiles[1].namespaces[0]: Invalid value: "team-*": is also in profile "a": a namespace resolves to one profile; keep it in one of them`},
		},
		"a selector on a label tenants may set": {
			doc:  header + "spec:\n  profiles:\n  - name: a\n    namespaceSelector: {matchLabels: {team: payments}}\n",
			want: []string{`line 6: spec.profiles[0].namespaceSelector: Invalid value: "team": select on labels only namespace admins may set: keys under ballast.dev/ (guarded by Ballast) or kubernetes.io/metadata.name; a tenant could set "team" on its namespace and pick its own profile`},
		},
		"no name, no namespaces, a duplicate name": {
			doc: header + "spec:\n  profiles:\n  - {namespaces: [a]}\n  - {name: b}\n  - {name: b, namespaces: [c]}\n",
			want: []string{
				`line 5: spec.profiles[0].name: Required value: name the profile: output names it where its values apply`,
				`line 6: spec.profiles[1].namespaces: Required value: set namespaces, namespaceSelector or both, to say which namespaces the profile is for`,
				`line 7: spec.profiles[2].name: Duplicate value: "b"`,
			},
		},
		"an override out of range is reported at the profile's line": {
			doc:  header + "spec:\n  profiles:\n  - name: a\n    namespaces: [a]\n    podDefaults:\n      preStop: {sleepSeconds: 4000}\n",
			want: []string{`line 8: spec.profiles[0].podDefaults.preStop.sleepSeconds: Invalid value: 4000: must be between 1 and 3600, and shorter than the pods' terminationGracePeriodSeconds, since the API server rejects a longer sleep; to inject no sleep, set enabled to false`},
		},
		"an override written as 0 would be ignored": {
			doc:  header + "spec:\n  profiles:\n  - name: a\n    namespaces: [a]\n    rules:\n      termination-grace: {shutdownBudgetSeconds: 0}\n",
			want: []string{`line 8: spec.profiles[0].rules.termination-grace.shutdownBudgetSeconds: Invalid value: a profile cannot override with "", 0 or []: leave the field out to keep the policy's value, or set the value it should have`},
		},
		"a problem of the policy's own values is reported once": {
			doc:  header + "spec:\n  rules:\n    min-replicas: {minimum: -1}\n  profiles:\n  - {name: a, namespaces: [a]}\n",
			want: []string{`line 5: spec.rules.min-replicas.minimum: Invalid value: -1: must be at least 1; 2 or more keeps a service up while a node drains`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			var invalid *InvalidError
			require.ErrorAs(t, err, &invalid)
			var got []string
			for _, p := range invalid.Problems {
				got = append(got, p.String())
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
