package mutators

import (
	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Mutator is one pod default.
type Mutator interface {
	// ID is the mutator's stable, kebab-case name, e.g. "prestop-sleep".
	ID() string
	// RuleID is the rule the mutation satisfies; exempting that rule turns
	// the mutator off too.
	RuleID() string
	// Apply edits t in place and reports each change. Applying it again to
	// its own output changes nothing. It never touches a field the user set.
	// spec is a defaulted, valid policy (policy.SetDefaults, policy.Validate).
	Apply(t podspec.Template, spec *policy.Spec) []Change
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
