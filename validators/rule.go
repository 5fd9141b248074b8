package validators

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Kinds of object the rules apply to.
const (
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindDaemonSet   = "DaemonSet"
	KindHPA         = "HorizontalPodAutoscaler"
	KindPDB         = "PodDisruptionBudget"
)

// WorkloadKinds are the kinds whose pod template the rules judge.
var WorkloadKinds = []string{KindDeployment, KindStatefulSet, KindDaemonSet}

// Rule is one check with a stable, kebab-case ID.
type Rule struct {
	// ID is the rule's public name, e.g. "readiness-probe".
	ID string
	// Summary is one line for people: what the rule asks for.
	Summary string
	// DefaultAction applies unless the policy overrides it.
	DefaultAction policy.Action
	// Kinds are the object kinds the rule applies to.
	Kinds []string
	// Check returns what is wrong with t; nil means it passes. It must not
	// modify t.
	Check func(t *Target) []Finding
}

// AppliesTo reports whether the rule judges objects of kind.
func (r *Rule) AppliesTo(kind string) bool {
	for _, k := range r.Kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Target is the object a rule judges, with what is known of its
// surroundings.
type Target struct {
	// Kind, Namespace and Name identify the object.
	Kind      string
	Namespace string
	Name      string
	// Object is the typed object (*appsv1.Deployment, *autoscalingv2.
	// HorizontalPodAutoscaler, *policyv1.PodDisruptionBudget, ...), with the
	// pod defaults applied to its template.
	Object runtime.Object
	// Template is the object's pod template as it will run; its Spec is nil
	// for kinds without one (HPA, PDB).
	Template podspec.Template
	// Related is what is known of the object's namespace.
	Related Related
	// Settings is the policy resolved for the object's namespace.
	Settings *policy.Settings
}

// Related is what the caller knows of the objects around the target, in the
// target's namespace: from the informer cache in the webhook, from the
// other documents in `ballast check`.
type Related struct {
	PDBs      []*policyv1.PodDisruptionBudget
	HPAs      []*autoscalingv2.HorizontalPodAutoscaler
	Workloads []Workload
}

// Workload is what the PDB rules need to know of a workload: which pods it
// runs and how many.
type Workload struct {
	Kind           string
	Name           string
	Replicas       *int32
	TemplateLabels map[string]string
}

// Finding is one violation of a rule.
type Finding struct {
	// Rule is the rule's ID.
	Rule string `json:"rule"`
	// Action is what the finding does: deny or warn. The engine sets it from
	// the resolved settings; rules leave it empty.
	Action policy.Action `json:"action"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Field is the field path, e.g. spec.template.spec.containers[0].readinessProbe.
	Field string `json:"field"`
	// Message says what is wrong, without naming the object (output does).
	Message string `json:"message"`
	// Fix says what to write instead.
	Fix string `json:"fix"`
}

// WorkloadOf returns what the PDB rules need to know of a Deployment,
// StatefulSet or DaemonSet, and false for any other object. The webhook,
// `ballast check` and `ballast audit` all build Related.Workloads with it,
// so they judge a PodDisruptionBudget alike.
func WorkloadOf(obj runtime.Object) (Workload, bool) {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return Workload{Kind: KindDeployment, Name: o.Name, Replicas: o.Spec.Replicas, TemplateLabels: o.Spec.Template.Labels}, true
	case *appsv1.StatefulSet:
		return Workload{Kind: KindStatefulSet, Name: o.Name, Replicas: o.Spec.Replicas, TemplateLabels: o.Spec.Template.Labels}, true
	case *appsv1.DaemonSet:
		// Its pod count is its node count, which nothing here knows.
		return Workload{Kind: KindDaemonSet, Name: o.Name, TemplateLabels: o.Spec.Template.Labels}, true
	}
	return Workload{}, false
}
