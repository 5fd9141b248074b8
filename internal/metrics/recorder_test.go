package metrics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// value is the value of the series name{labels}, which must exist.
func value(t *testing.T, reg prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := metricstest.Value(t, reg, name, labels)
	require.True(t, ok, "no series %s%v", name, labels)
	return v
}

func newRecorder(t *testing.T) (*metrics.Recorder, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	return metrics.NewRecorder(reg), reg
}

func TestNewRecorderRegistersEveryMetric(t *testing.T) {
	_, reg := newRecorder(t)
	// Vectors without labels in use are not gathered yet; the pre-built
	// series are.
	for name, labels := range map[string]map[string]string{
		"ballast_policy_reload_total":        {"result": "success"},
		"ballast_policy_last_reload_success": {},
		"ballast_policy_generation":          {},
		"ballast_exemptions":                 {"state": "expiring_soon"},
		"ballast_reviews_in_flight":          {},
		"ballast_review_bytes_in_flight":     {},
	} {
		assert.Zero(t, value(t, reg, name, labels), name)
	}
	_, again := metricstest.Value(t, reg, "ballast_policy_reload_total", map[string]string{"result": "failure"})
	assert.True(t, again)
}

func TestObserveLimits(t *testing.T) {
	r, reg := newRecorder(t)
	r.ObserveRefused("/mutate-pods", metrics.RefusedTooManyContainers)
	r.ObserveRefused("/mutate-pods", metrics.RefusedTooManyContainers)
	r.ObserveRefused("/validate-workloads", metrics.RefusedBusy)
	r.SetInFlight(3, 12345)

	assert.Equal(t, 2.0, value(t, reg, "ballast_reviews_refused_total", map[string]string{"path": "/mutate-pods", "reason": "too_many_containers"}))
	assert.Equal(t, 1.0, value(t, reg, "ballast_reviews_refused_total", map[string]string{"path": "/validate-workloads", "reason": "busy"}))
	assert.Equal(t, 3.0, value(t, reg, "ballast_reviews_in_flight", nil))
	assert.Equal(t, 12345.0, value(t, reg, "ballast_review_bytes_in_flight", nil))

	var nothing *metrics.Recorder
	nothing.ObserveRefused("/mutate-pods", metrics.RefusedTooLarge)
	nothing.SetInFlight(1, 1)
}

func TestNewRecorderPanicsOnDuplicateRegistration(t *testing.T) {
	reg := prometheus.NewRegistry()
	metrics.NewRecorder(reg)
	assert.Panics(t, func() { metrics.NewRecorder(reg) })
}

func TestObserveDecision(t *testing.T) {
	tests := map[string]struct {
		op     admissionv1.Operation
		mode   string
		labels map[string]string
	}{
		"an admission operation is its own label value": {
			op: admissionv1.Update, mode: "enforce",
			labels: map[string]string{"resource": "deployments", "operation": "UPDATE", "decision": "denied", "mode": "enforce"},
		},
		"an unknown operation counts as other, so requests cannot add series": {
			op: "PATCH-ME", mode: "warn",
			labels: map[string]string{"resource": "deployments", "operation": "other", "decision": "denied", "mode": "warn"},
		},
		"an empty mode counts as none": {
			op:     admissionv1.Create,
			labels: map[string]string{"resource": "deployments", "operation": "CREATE", "decision": "denied", "mode": metrics.NoMode},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, reg := newRecorder(t)
			r.ObserveDecision("deployments", tc.op, "denied", tc.mode)
			r.ObserveDecision("deployments", tc.op, "denied", tc.mode)
			assert.Equal(t, 2.0, value(t, reg, "ballast_admission_decisions_total", tc.labels))
		})
	}
}

func TestObserveFindingsCountsEachRuleOncePerRequest(t *testing.T) {
	r, reg := newRecorder(t)
	r.ObserveFindings("deployments", "enforce", []validators.Finding{
		{Rule: "readiness-probe", Action: policy.ActionDeny, Container: "app"},
		{Rule: "readiness-probe", Action: policy.ActionDeny, Container: "sidecar"},
		{Rule: "image-tag", Action: policy.ActionWarn, Container: "app"},
	})
	assert.Equal(t, 1.0, value(t, reg, "ballast_rule_findings_total",
		map[string]string{"resource": "deployments", "rule": "readiness-probe", "action": "deny", "mode": "enforce"}))
	assert.Equal(t, 1.0, value(t, reg, "ballast_rule_findings_total",
		map[string]string{"resource": "deployments", "rule": "image-tag", "action": "warn", "mode": "enforce"}))
}

func TestObserveMutationsCountsEachMutatorOncePerPod(t *testing.T) {
	r, reg := newRecorder(t)
	changes := []mutators.Change{
		{Rule: "prestop-hook", Mutator: "prestop-sleep", Container: "app"},
		{Rule: "prestop-hook", Mutator: "prestop-sleep", Container: "sidecar"},
		{Rule: "termination-grace", Mutator: "termination-grace"},
	}
	r.ObserveMutations("warn", changes)
	r.ObserveMutations("dryrun", changes)
	for _, mode := range []string{"warn", "dryrun"} {
		assert.Equal(t, 1.0, value(t, reg, "ballast_mutations_total",
			map[string]string{"rule": "prestop-hook", "mutator": "prestop-sleep", "mode": mode}))
		assert.Equal(t, 1.0, value(t, reg, "ballast_mutations_total",
			map[string]string{"rule": "termination-grace", "mutator": "termination-grace", "mode": mode}))
	}
}

func TestObserveInternalError(t *testing.T) {
	r, reg := newRecorder(t)
	r.ObserveInternalError("/mutate-pods")
	assert.Equal(t, 1.0, value(t, reg, "ballast_internal_errors_total", map[string]string{"path": "/mutate-pods"}))
}

func TestObservePolicyReload(t *testing.T) {
	r, reg := newRecorder(t)
	p := policy.Default()

	r.ObservePolicyReload(p, nil)
	assert.Equal(t, 1.0, value(t, reg, "ballast_policy_reload_total", map[string]string{"result": "success"}))
	assert.Equal(t, 1.0, value(t, reg, "ballast_policy_last_reload_success", nil))
	generation := value(t, reg, "ballast_policy_generation", nil)
	assert.Equal(t, float64(metrics.PolicyGeneration(p)), generation)
	assert.NotZero(t, generation)

	r.ObservePolicyReload(nil, errors.New("line 3: spec.mode: Unsupported value"))
	assert.Equal(t, 1.0, value(t, reg, "ballast_policy_reload_total", map[string]string{"result": "failure"}))
	assert.Zero(t, value(t, reg, "ballast_policy_last_reload_success", nil))
	assert.Equal(t, generation, value(t, reg, "ballast_policy_generation", nil), "the last good policy is still in force")
}

func TestPolicyGeneration(t *testing.T) {
	a, b := policy.Default(), policy.Default()
	assert.Equal(t, metrics.PolicyGeneration(a), metrics.PolicyGeneration(b), "equal policies")
	assert.Less(t, metrics.PolicyGeneration(a), uint64(1)<<53, "exact as a float64 sample")

	b.Spec.Mode = policy.ModeEnforce
	assert.NotEqual(t, metrics.PolicyGeneration(a), metrics.PolicyGeneration(b), "a changed policy")
	assert.Zero(t, metrics.PolicyGeneration(nil))
}

func TestObserveExemptions(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *metav1.Time { return &metav1.Time{Time: now.Add(d)} }
	tests := map[string]struct {
		expires *metav1.Time
		state   string
	}{
		"an exemption without expiry is active":                {nil, "active"},
		"one expiring in more than a week is active":           {at(7*24*time.Hour + time.Second), "active"},
		"one expiring in exactly a week is expiring soon":      {at(7 * 24 * time.Hour), "expiring_soon"},
		"one expiring now is still in force, so expiring soon": {at(0), "expiring_soon"},
		"one that expired a second ago is expired":             {at(-time.Second), "expired"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r, reg := newRecorder(t)
			p := policy.Default()
			p.Spec.Exemptions = []policy.Exemption{{Name: "x", Namespaces: []string{"a"}, Rules: []string{"*"}, Reason: "r", Expires: tc.expires}}
			r.ObserveExemptions(p, now)
			for _, state := range []string{"active", "expiring_soon", "expired"} {
				want := 0.0
				if state == tc.state {
					want = 1
				}
				assert.Equal(t, want, value(t, reg, "ballast_exemptions", map[string]string{"state": state}), state)
			}
		})
	}
}

func TestObserveExemptionsWithoutPolicyResetsTheGauges(t *testing.T) {
	r, reg := newRecorder(t)
	p := policy.Default()
	p.Spec.Exemptions = []policy.Exemption{{Name: "x", Namespaces: []string{"a"}, Rules: []string{"*"}, Reason: "r"}}
	r.ObserveExemptions(p, time.Now())
	r.ObserveExemptions(nil, time.Now())
	assert.Zero(t, value(t, reg, "ballast_exemptions", map[string]string{"state": "active"}))
}

func TestNilRecorderRecordsNothing(t *testing.T) {
	var r *metrics.Recorder
	assert.NotPanics(t, func() {
		r.ObserveDecision("pods", admissionv1.Create, "allowed", "warn")
		r.ObserveFindings("pods", "warn", []validators.Finding{{Rule: "x"}})
		r.ObserveMutations("warn", []mutators.Change{{Mutator: "x"}})
		r.ObserveInternalError("/mutate-pods")
		r.ObservePolicyReload(policy.Default(), nil)
		r.ObserveExemptions(policy.Default(), time.Now())
	})
}

func TestAdmissionObservationsDoNotAllocate(t *testing.T) {
	r, _ := newRecorder(t)
	findings := []validators.Finding{{Rule: "readiness-probe", Action: policy.ActionDeny}, {Rule: "readiness-probe", Action: policy.ActionDeny}}
	changes := []mutators.Change{{Rule: "prestop-hook", Mutator: "prestop-sleep"}}
	allocs := testing.AllocsPerRun(100, func() {
		r.ObserveDecision("deployments", admissionv1.Create, "denied", "enforce")
		r.ObserveFindings("deployments", "enforce", findings)
		r.ObserveMutations("enforce", changes)
	})
	assert.Zero(t, allocs)
}

func TestExpectExportsSeriesAtZeroAndKeepsCounts(t *testing.T) {
	r, reg := newRecorder(t)
	r.ObserveInternalError("/mutate-pods")
	s := metrics.Series{
		Paths:     []string{"/mutate-pods", "/validate-workloads"},
		Decisions: []metrics.DecisionSeries{{Resource: "deployments", Operation: admissionv1.Create, Decision: "denied", Mode: "enforce"}},
		Findings:  []metrics.FindingSeries{{Resource: "deployments", Rule: "min-replicas", Action: "deny", Mode: "dryrun"}},
		Mutations: []metrics.MutationSeries{{Rule: "prestop-hook", Mutator: "prestop-sleep", Mode: ""}},
	}
	r.Expect(s)
	r.Expect(s) // twice changes nothing

	tests := map[string]struct {
		name   string
		labels map[string]string
		want   float64
	}{
		"an internal error already counted stays counted": {
			name: "ballast_internal_errors_total", labels: map[string]string{"path": "/mutate-pods"}, want: 1,
		},
		"another path's internal errors": {
			name: "ballast_internal_errors_total", labels: map[string]string{"path": "/validate-workloads"},
		},
		"every refusal reason of a path": {
			name: "ballast_reviews_refused_total", labels: map[string]string{"path": "/validate-workloads", "reason": "too_many_containers"},
		},
		"a decision": {
			name: "ballast_admission_decisions_total", labels: map[string]string{"resource": "deployments", "operation": "CREATE", "decision": "denied", "mode": "enforce"},
		},
		"a finding": {
			name: "ballast_rule_findings_total", labels: map[string]string{"resource": "deployments", "rule": "min-replicas", "action": "deny", "mode": "dryrun"},
		},
		"a mutation, its empty mode as none": {
			name: "ballast_mutations_total", labels: map[string]string{"rule": "prestop-hook", "mutator": "prestop-sleep", "mode": metrics.NoMode},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, value(t, reg, tc.name, tc.labels))
		})
	}

	var nothing *metrics.Recorder
	nothing.Expect(s)
}
