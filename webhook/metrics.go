package webhook

import (
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
)

// answer is the decisions a request can get in a mode.
type answer struct {
	mode      string
	decisions []string
}

// notJudged is how a request Ballast does not judge is answered, with no
// mode: malformed, failed, or an operation or object it leaves alone.
var notJudged = answer{metrics.NoMode, []string{DecisionInvalid, DecisionError, engine.DecisionSkipped}}

// judged are the answers to a request for a kind Ballast judges, by the
// mode of its namespace (the engine's mode table), and notJudged.
var judged = []answer{
	{string(policy.ModeEnforce), []string{engine.DecisionAllowed, engine.DecisionDenied, engine.DecisionSkipped}},
	{string(policy.ModeWarn), []string{engine.DecisionAllowed, engine.DecisionSkipped}},
	{string(policy.ModeDryRun), []string{engine.DecisionAllowed, engine.DecisionWouldDeny, engine.DecisionSkipped}},
	{string(policy.ModeOff), []string{engine.DecisionSkipped}},
	notJudged,
}

// guarded are the answers of the namespace guard, which has no mode.
var guarded = []answer{{metrics.NoMode, []string{engine.DecisionAllowed, engine.DecisionDenied, engine.DecisionSkipped, DecisionInvalid, DecisionError}}}

// findingModes are the modes in which rules fire, and in which pod
// defaults are applied (or, in dryrun, would be).
var findingModes = []policy.Mode{policy.ModeEnforce, policy.ModeWarn, policy.ModeDryRun}

// expectedSeries returns the series of the admission metrics that the
// handlers of every path can count, from the kinds each path serves, the
// operations the webhook configurations send for them, and eng's rules
// and mutators: Register exports them at 0 before the first request.
func expectedSeries(eng *engine.Engine) metrics.Series {
	s := metrics.Series{Paths: []string{MutatePodsPath, ValidateWorkloadsPath, ValidateNamespacesPath}}
	rules, muts := eng.Rules(), eng.Mutators()
	for i := range kinds {
		k := &kinds[i]
		for _, op := range k.operations() {
			for _, a := range k.answers() {
				for _, d := range a.decisions {
					s.Decisions = append(s.Decisions, metrics.DecisionSeries{Resource: k.resource, Operation: op, Decision: d, Mode: a.mode})
				}
			}
		}
		if k.model == nil {
			continue // the scale subresource is counted as its workload
		}
		for j := range rules {
			if !rules[j].AppliesTo(k.gvk.Kind) {
				continue
			}
			for _, action := range []policy.Action{policy.ActionDeny, policy.ActionWarn} {
				for _, mode := range findingModes {
					s.Findings = append(s.Findings, metrics.FindingSeries{Resource: k.resource, Rule: rules[j].ID, Action: string(action), Mode: string(mode)})
				}
			}
		}
	}
	for _, m := range muts {
		for _, mode := range findingModes {
			s.Mutations = append(s.Mutations, metrics.MutationSeries{Rule: m.RuleID(), Mutator: m.ID(), Mode: string(mode)})
		}
	}
	return s
}

// operations are the operations the webhook configurations send for k:
// Pods at CREATE only (they are mutated at creation), the scale
// subresource at UPDATE, every other kind at CREATE and UPDATE.
func (k *kind) operations() []admissionv1.Operation {
	switch {
	case k.path == MutatePodsPath:
		return []admissionv1.Operation{admissionv1.Create}
	case k.resource == scaleSubresource:
		return []admissionv1.Operation{admissionv1.Update}
	}
	return []admissionv1.Operation{admissionv1.Create, admissionv1.Update}
}

// answers are the decisions, by mode, a request for k can get.
func (k *kind) answers() []answer {
	switch {
	case k.path == ValidateNamespacesPath:
		return guarded
	case k.model == nil:
		return []answer{notJudged} // the scale subresource: judged as its workload
	}
	return judged
}
