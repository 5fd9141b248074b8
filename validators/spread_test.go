package validators

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestSpread(t *testing.T) {
	spread := func(key string, sel *metav1.LabelSelector) func(*corev1.PodSpec) {
		return func(s *corev1.PodSpec) {
			s.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: key, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel}}
		}
	}
	antiAffinity := func(required bool, key string, sel *metav1.LabelSelector) func(*corev1.PodSpec) {
		return func(s *corev1.PodSpec) {
			s.TopologySpreadConstraints = nil
			term := corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: sel}
			anti := &corev1.PodAntiAffinity{}
			if required {
				anti.RequiredDuringSchedulingIgnoredDuringExecution = []corev1.PodAffinityTerm{term}
			} else {
				anti.PreferredDuringSchedulingIgnoredDuringExecution = []corev1.WeightedPodAffinityTerm{{Weight: 100, PodAffinityTerm: term}}
			}
			s.Affinity = &corev1.Affinity{PodAntiAffinity: anti}
		}
	}
	own := &metav1.LabelSelector{MatchLabels: webLabels}
	other := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}}
	unspread := func(n string) Finding {
		return Finding{
			Rule:    policy.RuleSpread,
			Field:   "spec.template.spec.topologySpreadConstraints",
			Message: n + " replicas and no spread over nodes or zones: one node may hold them all",
			Fix: "add topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, " +
				"whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}]",
		}
	}
	none := pod(func(s *corev1.PodSpec) { s.TopologySpreadConstraints = nil })
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"a spread over nodes passes": {
			target: newTarget(deployment()),
		},
		"a spread over zones passes": {
			target: newTarget(deployment(pod(spread(corev1.LabelTopologyZone, own)))),
		},
		"a spread over the beta zone label passes": {
			target: newTarget(deployment(pod(spread(corev1.LabelFailureDomainBetaZone, own)))),
		},
		"required anti-affinity over nodes passes": {
			target: newTarget(deployment(pod(antiAffinity(true, corev1.LabelHostname, own)))),
		},
		"preferred anti-affinity over zones passes": {
			target: newTarget(deployment(pod(antiAffinity(false, corev1.LabelTopologyZone, own)))),
		},
		"no spread fails": {
			target: newTarget(deployment(none)),
			want:   []Finding{unspread("2")},
		},
		"a spread over another topology fails": {
			target: newTarget(deployment(pod(spread("topology.kubernetes.io/region", own)))),
			want:   []Finding{unspread("2")},
		},
		"a spread of other pods fails": {
			target: newTarget(deployment(pod(spread(corev1.LabelHostname, other)))),
			want:   []Finding{unspread("2")},
		},
		"a spread without a selector counts no pods and fails": {
			target: newTarget(deployment(pod(spread(corev1.LabelHostname, nil)))),
			want:   []Finding{unspread("2")},
		},
		"anti-affinity to other pods fails": {
			target: newTarget(deployment(pod(antiAffinity(false, corev1.LabelHostname, other)))),
			want:   []Finding{unspread("2")},
		},
		"node affinity alone fails": {
			target: newTarget(deployment(none, pod(func(s *corev1.PodSpec) {
				s.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}}
			}))),
			want: []Finding{unspread("2")},
		},
		"1 replica has nothing to spread": {
			target: newTarget(deployment(none, replicas(nil))),
		},
		"0 replicas have nothing to spread": {
			target: newTarget(deployment(none, replicas(ptr.To[int32](0)))),
		},
		"the minReplicas of an HPA counts": {
			target: newTarget(deployment(none, replicas(nil)), hpa("web", workload.KindDeployment, "web", ptr.To[int32](4), 10)),
			want:   []Finding{unspread("4")},
		},
		"a StatefulSet is judged too": {
			target: newTarget(statefulSet(func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.TopologySpreadConstraints = nil })),
			want:   []Finding{unspread("2")},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkSpread(tc.target))
		})
	}
}
