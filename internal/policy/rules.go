package policy

import (
	"reflect"
	"strings"
)

// The rule IDs: part of Ballast's public contract, as keys of the policy's
// rules (the json names of the Rules fields, which a test keeps equal to
// these), in exemptions, warnings, metrics and reports. The validators
// package implements each rule; the other packages name them by these.
const (
	RuleMinReplicas         = "min-replicas"
	RuleHPAMinReplicas      = "hpa-min-replicas"
	RuleReadinessProbe      = "readiness-probe"
	RuleLivenessProbe       = "liveness-probe"
	RuleResourceRequests    = "resource-requests"
	RuleMemoryLimit         = "memory-limit"
	RulePreStopHook         = "prestop-hook"
	RuleTerminationGrace    = "termination-grace"
	RulePDB                 = "pdb"
	RulePDBAllowsDisruption = "pdb-allows-disruption"
	RuleSpread              = "spread"
	RuleRollingUpdate       = "rolling-update"
	RuleImageTag            = "image-tag"
)

// ruleField locates one rule's configuration inside Rules.
type ruleField struct {
	index  int   // of the rule's field in Rules, which orders RuleIDs
	action []int // index path of its Action field
}

// ruleFields maps each rule ID (the json name of a Rules field) to its
// field, so the rule catalog and the policy cannot drift apart.
var ruleFields = func() map[string]ruleField {
	t := reflect.TypeFor[Rules]()
	m := make(map[string]ruleField, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		action, ok := f.Type.FieldByName("Action")
		if !ok {
			panic("policy: rule " + name + " has no Action field")
		}
		m[name] = ruleField{index: i, action: append([]int{i}, action.Index...)}
	}
	return m
}()

// RuleIDs returns the ID of every rule the policy configures, in
// declaration order.
func RuleIDs() []string {
	ids := make([]string, len(ruleFields))
	for id, f := range ruleFields {
		ids[f.index] = id
	}
	return ids
}

// IsRuleID reports whether id names a rule.
func IsRuleID(id string) bool {
	_, ok := ruleFields[id]
	return ok
}

// Action returns the action the policy sets for rule id, or "" when it sets
// none (or id names no rule).
func (r *Rules) Action(id string) Action {
	f, ok := ruleFields[id]
	if !ok {
		return ""
	}
	return Action(reflect.ValueOf(r).Elem().FieldByIndex(f.action).String())
}
