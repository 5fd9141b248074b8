package validators

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

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
	// ReplicasOnly reports that the rule reads of a workload only its
	// replicas, selector and pod template labels, and its neighbours: it
	// also judges a request to the workload's scale subresource, which
	// changes nothing else.
	ReplicasOnly bool
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
	// Workload is the model of the object when it is a workload
	// (Deployment, StatefulSet, DaemonSet); the zero value otherwise.
	Workload workload.Workload
	// Related is what is known of the object's namespace.
	Related workload.Related
	// Settings is the policy resolved for the object's namespace; its Spec
	// is defaulted (policy.SetDefaults).
	Settings *policy.Settings
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

// Sentence returns the finding on one line, as the webhook's denial lists
// it: "rule: message (field). Fix: fix".
func (f *Finding) Sentence() string {
	return f.Rule + ": " + f.Detail()
}

// Detail returns what is wrong, where and the fix on one line, without the
// rule: "message (field). Fix: fix".
func (f *Finding) Detail() string {
	return f.Message + " (" + f.Field + "). Fix: " + f.Fix
}
