package metrics

import (
	admissionv1 "k8s.io/api/admission/v1"
)

// Series are label values of the admission metrics that are known before
// the first request: the webhook paths, the resources and operations each
// is sent, the rules and the mutators. Recorder.Expect exports every
// series they name at 0. A counter series that appears only with its
// first increment has no earlier sample, so rate() and increase() miss
// that increment, and an alert on the first internal error would not fire.
type Series struct {
	// Paths are the webhook paths: each gets its series of
	// ballast_internal_errors_total, and one of
	// ballast_reviews_refused_total per reason.
	Paths []string
	// Decisions are series of ballast_admission_decisions_total.
	Decisions []DecisionSeries
	// Findings are series of ballast_rule_findings_total.
	Findings []FindingSeries
	// Mutations are series of ballast_mutations_total.
	Mutations []MutationSeries
}

// DecisionSeries are the labels of a series of
// ballast_admission_decisions_total, as ObserveDecision takes them.
type DecisionSeries struct {
	Resource  string
	Operation admissionv1.Operation
	Decision  string
	Mode      string
}

// FindingSeries are the labels of a series of ballast_rule_findings_total.
type FindingSeries struct {
	Resource, Rule, Action, Mode string
}

// MutationSeries are the labels of a series of ballast_mutations_total.
type MutationSeries struct {
	Rule, Mutator, Mode string
}

// refusedReasons are the reasons of ballast_reviews_refused_total.
var refusedReasons = []string{RefusedTooLarge, RefusedTooManyContainers, RefusedBusy}

// Expect exports every series of s at 0, leaving those that already count
// something as they are. Call it before the first request is served.
func (r *Recorder) Expect(s Series) {
	if r == nil {
		return
	}
	for _, p := range s.Paths {
		r.internalErrors.WithLabelValues(p)
		for _, reason := range refusedReasons {
			r.refused.WithLabelValues(p, reason)
		}
	}
	for _, d := range s.Decisions {
		r.decisions.WithLabelValues(d.Resource, operationLabel(d.Operation), d.Decision, modeLabel(d.Mode))
	}
	for _, f := range s.Findings {
		r.findings.WithLabelValues(f.Resource, f.Rule, f.Action, modeLabel(f.Mode))
	}
	for _, m := range s.Mutations {
		r.mutations.WithLabelValues(m.Rule, m.Mutator, modeLabel(m.Mode))
	}
}
