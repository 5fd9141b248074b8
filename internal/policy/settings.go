package policy

import "time"

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
	// Exemptions are the exemptions that match the namespace and are in force.
	Exemptions []ExemptionRef
	// Expired are the exemptions that match the namespace but have expired,
	// so that output can say they no longer apply.
	Expired []ExemptionRef
	// Spec is the defaulted policy.
	Spec *Spec
}

// ExemptionRef is an exemption as reported in output.
type ExemptionRef struct {
	Name    string     `json:"name"`
	Reason  string     `json:"reason"`
	Owner   string     `json:"owner,omitempty"`
	Rules   []string   `json:"rules,omitempty"`
	Mode    Mode       `json:"mode,omitempty"`
	Expires *time.Time `json:"expires,omitempty"`
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
