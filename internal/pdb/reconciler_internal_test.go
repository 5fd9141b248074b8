package pdb

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

func TestUntilExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { return ptr.To(now.Add(d)) }
	tests := map[string]struct {
		exemptions []policy.ExemptionRef
		want       time.Duration
	}{
		"no exemption":    {},
		"no expiry":       {exemptions: []policy.ExemptionRef{{Name: "forever"}}},
		"one expiry":      {exemptions: []policy.ExemptionRef{{Expires: at(time.Hour)}}, want: time.Hour + expiryMargin},
		"the first wins":  {exemptions: []policy.ExemptionRef{{Expires: at(time.Hour)}, {}, {Expires: at(time.Minute)}}, want: time.Minute + expiryMargin},
		"expiring now":    {exemptions: []policy.ExemptionRef{{Expires: at(0)}}, want: expiryMargin},
		"already expired": {exemptions: []policy.ExemptionRef{{Expires: at(-time.Hour)}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, untilExpiry(&policy.Settings{Exemptions: tc.exemptions}, now))
		})
	}
}

func TestWhyNotNeeded(t *testing.T) {
	labels := map[string]string{"app": "web"}
	team := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "team"},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-hpa"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](1),
		},
	}
	noCreate := policy.Default().Spec
	noCreate.Rules.PDB.Create = ptr.To(false)
	minimum5 := policy.Default().Spec
	minimum5.Rules.MinReplicas.Minimum = 5

	tests := map[string]struct {
		mode       policy.Mode
		spec       *policy.Spec
		exemptions []policy.ExemptionRef
		replicas   int32
		related    validators.Related
		want       string
	}{
		"dryrun": {
			mode: policy.ModeDryRun, replicas: 3,
			want: "the namespace's mode is dryrun (policy default)",
		},
		"exempted": {
			mode: policy.ModeEnforce, replicas: 3,
			exemptions: []policy.ExemptionRef{{Name: "migration", Rules: []string{"pdb"}}},
			want:       `rule pdb is exempted here by "migration"`,
		},
		"creation off": {
			mode: policy.ModeEnforce, replicas: 3, spec: &noCreate,
			want: "the policy sets rules.pdb.create to false",
		},
		"a team budget": {
			mode: policy.ModeEnforce, replicas: 3,
			related: validators.Related{PDBs: []*policyv1.PodDisruptionBudget{team}},
			want:    "PodDisruptionBudget team already covers its pods",
		},
		"one replica": {
			mode: policy.ModeEnforce, replicas: 1,
			want: "it runs 1 replica, too few to need one",
		},
		"fewer than the policy's minimum": {
			mode: policy.ModeEnforce, replicas: 3, spec: &minimum5,
			want: "it runs 3 replicas, fewer than the min-replicas minimum",
		},
		"an autoscaler down to one": {
			mode: policy.ModeEnforce, replicas: 3,
			related: validators.Related{HPAs: []*autoscalingv2.HorizontalPodAutoscaler{hpa}},
			want:    "HorizontalPodAutoscaler web-hpa may scale it down to 1 replica, too few to need one",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			obj := deployment("shop", "web", labels)
			obj.Spec.Replicas = &tc.replicas
			spec := tc.spec
			if spec == nil {
				spec = &policy.Default().Spec
			}
			tmpl, _ := podspec.Extract(obj)
			target := &validators.Target{
				Kind: validators.KindDeployment, Namespace: "shop", Name: "web",
				Object: obj, Template: tmpl, Related: tc.related,
				Settings: &policy.Settings{Mode: tc.mode, ModeSource: "policy default", Exemptions: tc.exemptions, Spec: spec},
			}
			name := validators.PDBName(validators.KindDeployment, "web")
			require.False(t, enforced(tc.mode) && validators.WillCreatePDB(target), "the case needs no PodDisruptionBudget")
			assert.Equal(t, tc.want, whyNotNeeded(target, name))
		})
	}
}

func TestNewActionCounter(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	first, err := newActionCounter(reg)
	require.NoError(t, err)
	first.inc(actionCreate)

	second, err := newActionCounter(reg)
	require.NoError(t, err, "a second manager in the same process shares the counter")
	second.inc(actionCreate)
	assert.Equal(t, map[string]float64{"create": 2, "update": 0, "delete": 0}, gatherActions(t, reg))

	clash := prometheus.NewRegistry()
	require.NoError(t, clash.Register(prometheus.NewCounter(prometheus.CounterOpts{Name: ActionsMetric, Help: "another"})))
	_, err = newActionCounter(clash)
	assert.ErrorContains(t, err, ActionsMetric)

	unregistered, err := newActionCounter(nil)
	require.NoError(t, err)
	unregistered.inc(actionDelete)
}

// gatherActions returns the values of ActionsMetric in reg by action.
func gatherActions(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != ActionsMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "action" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return got
}
