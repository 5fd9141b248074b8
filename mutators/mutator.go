package mutators

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// Mutator is one pod default.
type Mutator interface {
	// ID is the mutator's stable, kebab-case name, e.g. "prestop-sleep".
	ID() string
	// RuleID is the rule the mutation satisfies; exempting that rule turns
	// the mutator off too.
	RuleID() string
	// Apply edits t's pod template in place and reports each change.
	// Applying it again to its own output changes nothing. It never touches
	// a field the user set. spec is a defaulted, valid policy
	// (policy.SetDefaults, policy.Validate).
	Apply(t Target, spec *policy.Spec) []Change
}

// Target is the pod template a mutator edits, with what is known of the
// pod's surroundings.
type Target struct {
	podspec.Template
	// Namespace is the pod's namespace.
	Namespace string
	// Services are the Services of the pod's namespace, from which
	// workload.RouteTo tells which container ports receive traffic. A
	// caller that knows of none passes none, and no probe is injected.
	Services []*corev1.Service
	// notes collects what the mutators declined to do, and why.
	notes *[]Note
}

// NewTarget returns the target of a pod template in namespace, among
// services, collecting the mutators' notes into notes (nil drops them).
func NewTarget(tmpl podspec.Template, namespace string, services []*corev1.Service, notes *[]Note) Target {
	return Target{Template: tmpl, Namespace: namespace, Services: services, notes: notes}
}

// Note is a pod default a mutator did not inject, and why: where Ballast
// cannot know that a default is safe, it injects nothing and says so.
type Note struct {
	// Rule is the ID of the rule the default would satisfy.
	Rule string `json:"rule"`
	// Mutator is the ID of the mutator that declined.
	Mutator string `json:"mutator"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Message says what was not injected and why, e.g. "no Service routes
	// to container web: readiness probe not injected".
	Message string `json:"message"`
}

// decline records that m did not inject a default into container, and
// why.
func (t Target) decline(m Mutator, container, message string) {
	if t.notes != nil {
		*t.notes = append(*t.notes, Note{Rule: m.RuleID(), Mutator: m.ID(), Container: container, Message: message})
	}
}

// route returns how the target's Services route traffic to c.
func (t Target) route(c *corev1.Container) workload.Route {
	var labels map[string]string
	if t.Meta != nil {
		labels = t.Meta.Labels
	}
	return workload.RouteTo(c, t.Namespace, labels, t.Services)
}

// Change is one edit of a pod template.
type Change struct {
	// Rule is the ID of the rule the change satisfies.
	Rule string `json:"rule"`
	// Mutator is the ID of the mutator that made it.
	Mutator string `json:"mutator"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Field is the field path of the change, e.g.
	// spec.containers[0].lifecycle.preStop.
	Field string `json:"field"`
	// Message says what was set, e.g. "preStop sleep 5s".
	Message string `json:"message"`
	// Creates is the kind of the object Ballast creates for the change
	// (PodDisruptionBudget) instead of editing the pod template; empty for
	// an edit.
	Creates string `json:"-"`
	// Pointer is the JSON pointer of the field the change sets, and Value
	// its new value (anything encoding/json marshals). The webhook turns them
	// into a JSON patch against the object as it was sent, creating missing
	// parents, so unknown fields of the original are preserved.
	Pointer string `json:"-"`
	Value   any    `json:"-"`
}
