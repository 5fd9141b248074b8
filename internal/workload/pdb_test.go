package workload

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestPDBName(t *testing.T) {
	assert.Equal(t, "ballast-deployment-web", PDBName(KindDeployment, "web"))
	assert.Equal(t, "ballast-statefulset-db.v2", PDBName(KindStatefulSet, "db.v2"))

	fits := strings.Repeat("a", validation.DNS1123SubdomainMaxLength-len("ballast-deployment-"))
	assert.Equal(t, "ballast-deployment-"+fits, PDBName(KindDeployment, fits))

	// A shortened name is cut where its hash suffix starts; the cut must
	// not leave a dot or a dash before the suffix's own dash.
	cut := validation.DNS1123SubdomainMaxLength - pdbNameHashLen - 1 - len("ballast-deployment-")
	for desc, name := range map[string]string{
		"one character too long":    fits + "b",
		"the longest name":          strings.Repeat("b", validation.DNS1123SubdomainMaxLength),
		"a cut that ends on a dot":  strings.Repeat("c", cut-1) + "." + strings.Repeat("d", 40),
		"a cut that ends on a dash": strings.Repeat("c", cut-1) + "-" + strings.Repeat("d", 40),
	} {
		t.Run(desc, func(t *testing.T) {
			got := PDBName(KindDeployment, name)
			assert.Empty(t, validation.IsDNS1123Subdomain(got), "%q is a DNS subdomain", got)
			assert.True(t, strings.HasPrefix(got, "ballast-deployment-"+name[:cut-1]), "%q keeps the start of the name", got)
			assert.Equal(t, got, PDBName(KindDeployment, name), "stable")
			assert.NotEqual(t, got, PDBName(KindDeployment, name+"x"), "unique")
			assert.NotEqual(t, got, PDBName(KindStatefulSet, name), "unique per kind")
		})
	}
}

func TestPlanPDB(t *testing.T) {
	labels := map[string]string{"app": "web"}
	team := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "team"},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	own := team.DeepCopy()
	own.Name = "ballast-deployment-web"
	downToOne := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-hpa"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: KindDeployment, Name: "web"},
			MinReplicas:    ptr.To[int32](1),
		},
	}
	noCreate := policy.Defaulted(&policy.Spec{Rules: policy.Rules{PDB: policy.PDBRule{Create: ptr.To(false)}}})
	minimum5 := policy.Defaulted(&policy.Spec{Rules: policy.Rules{MinReplicas: policy.ReplicasRule{Minimum: 5}}})
	percent := policy.Defaulted(&policy.Spec{Rules: policy.Rules{PDB: policy.PDBRule{MaxUnavailable: ptr.To(intstr.FromString("20%"))}}})

	tests := map[string]struct {
		kind        string
		mode        policy.Mode
		spec        *policy.Spec
		exemptions  []policy.ExemptionRef
		replicas    int32
		related     Related
		wantPlanned bool
		wantWrite   bool
		wantReason  string
		wantMax     intstr.IntOrString
	}{
		"enforce, 3 replicas": {
			mode: policy.ModeEnforce, replicas: 3, wantPlanned: true, wantWrite: true,
		},
		"warn writes too": {
			mode: policy.ModeWarn, replicas: 3, wantPlanned: true, wantWrite: true,
		},
		"its own budget does not count as another": {
			mode: policy.ModeEnforce, replicas: 3, wantPlanned: true, wantWrite: true,
			related: Related{PDBs: []*policyv1.PodDisruptionBudget{own}},
		},
		"the policy's maxUnavailable": {
			mode: policy.ModeEnforce, replicas: 3, spec: percent, wantPlanned: true, wantWrite: true,
			wantMax: intstr.FromString("20%"),
		},
		"a StatefulSet": {
			kind: KindStatefulSet, mode: policy.ModeEnforce, replicas: 3, wantPlanned: true, wantWrite: true,
		},
		"dryrun plans but does not write": {
			mode: policy.ModeDryRun, replicas: 3, wantPlanned: true,
			wantReason: "the namespace's mode is dryrun (policy default)",
		},
		"dryrun names the mode before anything else": {
			mode: policy.ModeDryRun, replicas: 1,
			wantReason: "the namespace's mode is dryrun (policy default)",
		},
		"mode off": {
			mode: policy.ModeOff, replicas: 3,
			wantReason: "the namespace's mode is off (policy default)",
		},
		"a DaemonSet": {
			kind: KindDaemonSet, mode: policy.ModeEnforce,
			wantReason: "a DaemonSet gets no PodDisruptionBudget from Ballast",
		},
		"exempted": {
			mode: policy.ModeEnforce, replicas: 3,
			exemptions: []policy.ExemptionRef{{Name: "migration", Rules: []string{"pdb"}}},
			wantReason: `rule pdb is exempted here by "migration"`,
		},
		"creation off": {
			mode: policy.ModeEnforce, replicas: 3, spec: noCreate,
			wantReason: "the policy sets rules.pdb.create to false",
		},
		"a team budget": {
			mode: policy.ModeEnforce, replicas: 3,
			related:    Related{PDBs: []*policyv1.PodDisruptionBudget{team}},
			wantReason: "PodDisruptionBudget team already covers its pods",
		},
		"one replica": {
			mode: policy.ModeEnforce, replicas: 1,
			wantReason: "it runs 1 replica, too few to need one",
		},
		"0 replicas": {
			mode: policy.ModeEnforce, replicas: 0,
			wantReason: "it runs 0 replicas, too few to need one",
		},
		"an HPA of minReplicas 2": {
			mode: policy.ModeEnforce, replicas: 1, wantPlanned: true, wantWrite: true,
			related: Related{HPAs: []*autoscalingv2.HorizontalPodAutoscaler{hpa("web-hpa", KindDeployment, "web", ptr.To[int32](2), 4)}},
		},
		"a budget over the whole namespace": {
			mode: policy.ModeEnforce, replicas: 3,
			related: Related{PDBs: []*policyv1.PodDisruptionBudget{pdb("all", func(p *policyv1.PodDisruptionBudget) {
				p.Spec.Selector = &metav1.LabelSelector{}
			})}},
			wantReason: "PodDisruptionBudget all already covers its pods",
		},
		"every rule exempted": {
			mode: policy.ModeEnforce, replicas: 3,
			exemptions: []policy.ExemptionRef{{Name: "legacy", Rules: []string{policy.AllRules}}},
			wantReason: `rule pdb is exempted here by "legacy"`,
		},
		"another rule exempted": {
			mode: policy.ModeEnforce, replicas: 3, wantPlanned: true, wantWrite: true,
			exemptions: []policy.ExemptionRef{{Name: "legacy", Rules: []string{policy.RuleSpread}}},
		},
		"fewer than the policy's minimum": {
			mode: policy.ModeEnforce, replicas: 3, spec: minimum5,
			wantReason: "it runs 3 replicas, fewer than the min-replicas minimum",
		},
		"an autoscaler down to one": {
			mode: policy.ModeEnforce, replicas: 3,
			related:    Related{HPAs: []*autoscalingv2.HorizontalPodAutoscaler{downToOne}},
			wantReason: "HorizontalPodAutoscaler web-hpa may scale it down to 1 replica, too few to need one",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			kind := tc.kind
			if kind == "" {
				kind = KindDeployment
			}
			spec := tc.spec
			if spec == nil {
				spec = policy.Defaulted(nil)
			}
			want := tc.wantMax
			if want == (intstr.IntOrString{}) {
				want = intstr.FromInt32(1)
			}
			w := Workload{Kind: kind, Namespace: "shop", Name: "web", TemplateLabels: labels}
			if kind != KindDaemonSet {
				w.Replicas = &tc.replicas
			}
			s := &policy.Settings{Mode: tc.mode, ModeSource: "policy default", Exemptions: tc.exemptions, Spec: spec}

			plan := PlanPDB(&w, tc.related, s)

			assert.Equal(t, PDBName(kind, "web"), plan.Name)
			assert.Equal(t, want, plan.MaxUnavailable)
			assert.Equal(t, tc.wantPlanned, plan.Planned, "planned")
			assert.Equal(t, tc.wantWrite, plan.Write, "written")
			assert.Equal(t, tc.wantReason, plan.Reason())
		})
	}
}

func TestOf(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tmpl := func() (t appsv1.DeploymentSpec) {
		t.Selector = sel
		t.Template.Labels = map[string]string{"app": "web", "tier": "front"}
		return t
	}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}, Spec: tmpl()}
	d.Spec.Replicas = ptr.To[int32](3)
	w, ok := Of(d)
	assert.True(t, ok)
	assert.Equal(t, Workload{Kind: KindDeployment, Namespace: "shop", Name: "web", Replicas: d.Spec.Replicas,
		Selector: sel, TemplateLabels: d.Spec.Template.Labels}, w)
	assert.Equal(t, sel.MatchLabels, w.PodLabels(), "a PDB selects by the workload's selector")

	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "agent"}}
	ds.Spec.Template.Labels = map[string]string{"app": "agent"}
	w, ok = Of(ds)
	assert.True(t, ok)
	assert.Nil(t, w.Replicas, "a DaemonSet's pod count is its node count")
	assert.Equal(t, ds.Spec.Template.Labels, w.PodLabels(), "without a selector, the template's labels")

	_, ok = Of(&policyv1.PodDisruptionBudget{})
	assert.False(t, ok, "a PodDisruptionBudget is no workload")
	_, ok = Of(nil)
	assert.False(t, ok)
}
