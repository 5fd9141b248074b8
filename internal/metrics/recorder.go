package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// NoMode is the value of the mode label where no namespace mode applies:
// namespace changes, and requests that were not evaluated (malformed, or
// an operation Ballast does not judge).
const NoMode = "none"

// Recorder records Ballast's metrics. Its methods are cheap enough for the
// admission hot path: each is a few label lookups on pre-built vectors,
// without allocation. A nil *Recorder records nothing, so callers that do
// not export metrics (tests, the CLI) need no stub. It is safe for
// concurrent use.
type Recorder struct {
	decisions      *prometheus.CounterVec
	findings       *prometheus.CounterVec
	mutations      *prometheus.CounterVec
	internalErrors *prometheus.CounterVec

	refused       *prometheus.CounterVec
	inFlight      prometheus.Gauge
	inFlightBytes prometheus.Gauge

	reloadSuccess     prometheus.Counter
	reloadFailure     prometheus.Counter
	lastReloadSuccess prometheus.Gauge
	generation        prometheus.Gauge

	exemptionsActive       prometheus.Gauge
	exemptionsExpiringSoon prometheus.Gauge
	exemptionsExpired      prometheus.Gauge
}

// NewRecorder creates Ballast's metrics and registers them on reg:
// controller-runtime's metrics.Registry in the server, so they are served
// beside its own, or a fresh prometheus.NewRegistry() in tests. Like
// prometheus.MustRegister, it panics when they are registered on reg
// already.
func NewRecorder(reg prometheus.Registerer) *Recorder {
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "ballast", Name: name, Help: help}, labels)
	}
	gauge := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "ballast", Name: name, Help: help})
	}
	reloads := counter("policy_reload_total",
		"Attempts to load the policy file, at start-up and on every change, by result (success or failure).",
		"result")
	exemptions := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "ballast", Name: "exemptions",
		Help: "Exemptions of the loaded policy by state: active, expiring_soon (in force, expiring within 7 days) or expired.",
	}, []string{"state"})
	r := &Recorder{
		decisions: counter("admission_decisions_total",
			"Admission requests answered by Ballast's handlers, by resource, operation, decision and namespace mode.",
			"resource", "operation", "decision", "mode"),
		findings: counter("rule_findings_total",
			"Admission requests on which a rule fired, once per rule and request, by resource, rule, action and mode.",
			"resource", "rule", "action", "mode"),
		mutations: counter("mutations_total",
			"Pods that received a mutation (in dryrun: would have), once per mutator and Pod, by rule, mutator and mode.",
			"rule", "mutator", "mode"),
		internalErrors: counter("internal_errors_total",
			"Admission requests Ballast failed to evaluate (cache read error, no policy, panic), answered per the policy's onInternalError, by webhook path.",
			"path"),
		refused: counter("reviews_refused_total",
			"Admission reviews Ballast did not judge because they exceed a limit (too_large, too_many_containers, busy), answered per the policy's onInternalError, by webhook path and reason.",
			"path", "reason"),
		inFlight: gauge("reviews_in_flight",
			"Admission reviews being judged now; at most --max-concurrent-reviews."),
		inFlightBytes: gauge("review_bytes_in_flight",
			"Bytes of the admission reviews being judged now; at most --max-concurrent-review-bytes."),
		reloadSuccess: reloads.WithLabelValues("success"),
		reloadFailure: reloads.WithLabelValues("failure"),
		lastReloadSuccess: gauge("policy_last_reload_success",
			"1 when the last attempt to load the policy file succeeded, 0 when it failed and the last good policy is still in force."),
		generation: gauge("policy_generation",
			"Content hash of the policy in force (53 bits of FNV-1a over its defaulted form): equal across replicas that run the same policy."),
		exemptionsActive:       exemptions.WithLabelValues("active"),
		exemptionsExpiringSoon: exemptions.WithLabelValues("expiring_soon"),
		exemptionsExpired:      exemptions.WithLabelValues("expired"),
	}
	reg.MustRegister(r.decisions, r.findings, r.mutations, r.internalErrors, r.refused, r.inFlight, r.inFlightBytes,
		reloads, r.lastReloadSuccess, r.generation, exemptions)
	return r
}
