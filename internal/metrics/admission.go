package metrics

import (
	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// ObserveDecision counts one answered admission request. resource is the
// lowercase plural resource name ("pods", "deployments", ...) from the
// caller's fixed set; decision is one of engine's Decision* values or
// another word from a fixed set; mode is the namespace's resolved mode, or
// NoMode. Operations other than the four admission operations are counted
// as "other", so a malformed request cannot add a series.
func (r *Recorder) ObserveDecision(resource string, op admissionv1.Operation, decision, mode string) {
	if r == nil {
		return
	}
	r.decisions.WithLabelValues(resource, operationLabel(op), decision, modeLabel(mode)).Inc()
}

// ObserveFindings counts the rules that fired on one object, once per rule
// however many findings (containers) it reported.
func (r *Recorder) ObserveFindings(resource, mode string, findings []validators.Finding) {
	if r == nil {
		return
	}
	mode = modeLabel(mode)
	for i, f := range findings {
		if firstOf(findings[:i], f.Rule, func(f validators.Finding) string { return f.Rule }) {
			r.findings.WithLabelValues(resource, f.Rule, string(f.Action), mode).Inc()
		}
	}
}

// ObserveMutations counts the mutations one Pod received, once per mutator
// however many containers it changed. In dryrun the Pod receives nothing:
// the series with mode="dryrun" count what would have been applied.
func (r *Recorder) ObserveMutations(mode string, changes []mutators.Change) {
	if r == nil {
		return
	}
	mode = modeLabel(mode)
	for i, c := range changes {
		if firstOf(changes[:i], c.Mutator, func(c mutators.Change) string { return c.Mutator }) {
			r.mutations.WithLabelValues(c.Rule, c.Mutator, mode).Inc()
		}
	}
}

// ObserveInternalError counts one request that Ballast failed to evaluate
// on the webhook path (one of the paths the webhook registers).
func (r *Recorder) ObserveInternalError(path string) {
	if r == nil {
		return
	}
	r.internalErrors.WithLabelValues(path).Inc()
}

// firstOf reports whether no element of before has the key: a quadratic
// scan that allocates nothing, for the few findings or changes of one
// object.
func firstOf[T any](before []T, key string, keyOf func(T) string) bool {
	for _, b := range before {
		if keyOf(b) == key {
			return false
		}
	}
	return true
}

// operationLabel bounds the operation label to the admission operations.
func operationLabel(op admissionv1.Operation) string {
	switch op {
	case admissionv1.Create, admissionv1.Update, admissionv1.Delete, admissionv1.Connect:
		return string(op)
	}
	return "other"
}

func modeLabel(mode string) string {
	if mode == "" {
		return NoMode
	}
	return mode
}
