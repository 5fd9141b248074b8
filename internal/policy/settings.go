package policy

import (
	"slices"
	"time"
)

// Namespace is what resolution needs to know of a namespace.
type Namespace struct {
	Name   string
	Labels map[string]string
}

// Settings is the policy as it applies to one namespace at one moment: the
// resolved mode and why, and the exemptions in force. Resolve builds it;
// the engine reads it.
type Settings struct {
	// Namespace is the namespace's name.
	Namespace string
	// Mode is the resolved mode.
	Mode Mode
	// ModeSource says where Mode came from, for people: "policy default",
	// "namespace label ballast.dev/mode", or `exemption "NAME"`. A namespace
	// label that was ignored is named in parentheses after "policy default",
	// such as `policy default (label ballast.dev/mode="enforced" is not a
	// mode)`.
	ModeSource string
	// Profile names the profile of the namespace, whose overrides Spec
	// holds; empty when none applies.
	Profile string
	// Exemptions are the exemptions that match the namespace and are in force.
	Exemptions []ExemptionRef
	// Expired are the exemptions that match the namespace but have expired,
	// so that output can say they no longer apply.
	Expired []ExemptionRef
	// Spec is the defaulted policy, with the overrides of the namespace's
	// profile applied.
	Spec *Spec

	// scoped are the exemptions that match the namespace but are scoped to
	// some of its workloads: For adds those that match an object.
	scoped []scopedExemption
}

// scopedExemption is an exemption scoped to workloads that matches a
// namespace, in force or expired.
type scopedExemption struct {
	e       *Exemption
	ref     ExemptionRef
	expired bool
}

// Object is what an exemption scoped to workloads knows of the object
// judged: the workload, and the labels of its pods.
type Object struct {
	// Kind and Name name the workload: the object itself, the workload that
	// owns a Pod, or the one an HPA scales. Empty for other objects, which
	// no scoped exemption matches.
	Kind, Name string
	// PodLabels are the labels of the workload's pods: its pod template
	// labels, or a Pod's own. Nil for an HPA.
	PodLabels map[string]string
}

// ScopedExemptions returns the exemptions in force in the namespace that
// are scoped to some of its workloads (For adds them to the settings of
// the objects they name), for output that describes the namespace.
func (s *Settings) ScopedExemptions() []ExemptionRef {
	var out []ExemptionRef
	for _, se := range s.scoped {
		if !se.expired {
			out = append(out, se.ref)
		}
	}
	return out
}

// For returns the settings of one object of the namespace: s itself when
// no exemption scoped to workloads matches o, else a copy of s with those
// exemptions among Exemptions (or Expired). s is not modified, so settings
// cached per namespace may be shared.
func (s *Settings) For(o Object) *Settings {
	if len(s.scoped) == 0 || o.Kind == "" {
		return s
	}
	var out *Settings
	for i := range s.scoped {
		se := &s.scoped[i]
		if !se.e.matchesWorkload(o) {
			continue
		}
		if out == nil {
			c := *s
			c.Exemptions, c.Expired = slices.Clip(s.Exemptions), slices.Clip(s.Expired)
			out = &c
		}
		if se.expired {
			out.Expired = append(out.Expired, se.ref)
		} else {
			out.Exemptions = append(out.Exemptions, se.ref)
		}
	}
	if out == nil {
		return s
	}
	return out
}

// ExemptionRef is an exemption as reported in output.
type ExemptionRef struct {
	Name    string     `json:"name"`
	Reason  string     `json:"reason"`
	Owner   string     `json:"owner,omitempty"`
	Rules   []string   `json:"rules,omitempty"`
	Mode    Mode       `json:"mode,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
	// Scope says, for an exemption scoped to workloads, which: for
	// example "Deployment report-worker" or "pods labelled tier=batch";
	// empty for one that exempts whole namespaces.
	Scope string `json:"scope,omitempty"`
}

// AllRules is the wildcard rule ID of an exemption.
const AllRules = "*"

// Exempted returns the exemption in force that exempts a rule, if any.
func (s *Settings) Exempted(ruleID string) (ExemptionRef, bool) {
	for _, e := range s.Exemptions {
		for _, r := range e.Rules {
			if r == ruleID || r == AllRules {
				return e, true
			}
		}
	}
	return ExemptionRef{}, false
}

// Action returns what a violation of ruleID does in this namespace: off
// when the mode is off or an exemption covers the rule, else the policy's
// override, else def, the rule's default action.
func (s *Settings) Action(ruleID string, def Action) Action {
	if s.Mode == ModeOff {
		return ActionOff
	}
	if _, ok := s.Exempted(ruleID); ok {
		return ActionOff
	}
	if s.Spec != nil {
		if a := s.Spec.Rules.Action(ruleID); a != "" {
			return a
		}
	}
	return def
}
