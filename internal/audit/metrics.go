package audit

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ballast-dev/ballast/internal/policy"
)

// The names of the metrics the Periodic evaluator exports.
const (
	// ViolationsMetric is the gauge of the objects that currently break a
	// rule, by namespace, rule, action and the namespace's mode. Each run
	// replaces every series, so fixed violations disappear.
	ViolationsMetric = "ballast_violations"
	// NamespacesMetric is the gauge of the namespaces by resolved mode
	// (enforce, warn, dryrun, off): the rollout's progress.
	NamespacesMetric = "ballast_audit_namespaces"
	// UnreadyProbedPodsMetric is the gauge of the running pods that a
	// readiness probe Ballast injected has kept unready for longer than
	// PeriodicOptions.UnreadyAfter, by namespace: only namespaces with
	// such pods have a series. Not by workload: one series per namespace
	// at most, whatever the rollout that went wrong; the Events and
	// `ballast audit` name the workloads and the pods.
	UnreadyProbedPodsMetric = "ballast_injected_probe_unready_pods"
	// LastRunMetric is the Unix time of the end of the last successful
	// run.
	LastRunMetric = "ballast_audit_last_run_timestamp_seconds"
	// DurationMetric is the duration of the last successful run.
	DurationMetric = "ballast_audit_duration_seconds"
)

// gauges are the Periodic evaluator's metrics.
type gauges struct {
	violations *snapshot
	namespaces *snapshot
	unready    *snapshot
	lastRun    prometheus.Gauge
	duration   prometheus.Gauge
}

// newGauges creates the metrics and registers them on reg.
func newGauges(reg prometheus.Registerer) (*gauges, error) {
	g := &gauges{
		violations: newSnapshot(ViolationsMetric,
			"Objects that break a rule, as of the last audit run, by namespace, rule, action (deny or warn) and the namespace's resolved mode.",
			"namespace", "rule", "action", "mode"),
		namespaces: newSnapshot(NamespacesMetric,
			"Namespaces by resolved mode (enforce, warn, dryrun, off), as of the last audit run; namespaces the webhook never sees count as off.",
			"mode"),
		unready: newSnapshot(UnreadyProbedPodsMetric,
			"Running pods that a readiness probe Ballast injected has kept unready for longer than --audit-unready-after, as of the last audit run, by namespace.",
			"namespace"),
		lastRun: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: LastRunMetric,
			Help: "Unix time at which the last successful audit run ended.",
		}),
		duration: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: DurationMetric,
			Help: "Duration of the last successful audit run, in seconds.",
		}),
	}
	var errs []error
	for _, c := range []prometheus.Collector{g.violations, g.namespaces, g.unready, g.lastRun, g.duration} {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("registering the audit metrics: %w", err)
	}
	return g, nil
}

// observe records a report, made at end after taking took.
func (g *gauges) observe(r *Report, end time.Time, took time.Duration) {
	var violations, unready []sample
	modes := make(map[policy.Mode]int, len(policy.Modes))
	for i := range r.Namespaces {
		n := &r.Namespaces[i]
		if n.state() == stateUnreadable {
			continue
		}
		modes[n.Mode]++
		if len(n.UnreadyProbedPods) > 0 {
			unready = append(unready, sample{labels: []string{n.Name}, value: float64(len(n.UnreadyProbedPods))})
		}
		for _, v := range n.Violations {
			violations = append(violations, sample{
				labels: []string{n.Name, v.Rule, string(v.Action), string(n.Mode)},
				value:  float64(v.Objects),
			})
		}
	}
	namespaces := make([]sample, 0, len(policy.Modes))
	for _, m := range policy.Modes {
		namespaces = append(namespaces, sample{labels: []string{string(m)}, value: float64(modes[m])})
	}
	g.violations.set(violations)
	g.namespaces.set(namespaces)
	g.unready.set(unready)
	g.lastRun.Set(float64(end.UnixNano()) / float64(time.Second))
	g.duration.Set(took.Seconds())
}

// snapshot is a gauge vector whose series are replaced all at once, so
// that a scrape never sees half a run, and series that a run no longer
// reports disappear.
type snapshot struct {
	desc    *prometheus.Desc
	mu      sync.RWMutex
	samples []sample
}

// sample is one series of a snapshot.
type sample struct {
	labels []string
	value  float64
}

func newSnapshot(name, help string, labels ...string) *snapshot {
	return &snapshot{desc: prometheus.NewDesc(name, help, labels, nil)}
}

// set replaces every series.
func (s *snapshot) set(samples []sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = samples
}

// Describe implements prometheus.Collector.
func (s *snapshot) Describe(ch chan<- *prometheus.Desc) { ch <- s.desc }

// Collect implements prometheus.Collector.
func (s *snapshot) Collect(ch chan<- prometheus.Metric) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, smp := range s.samples {
		ch <- prometheus.MustNewConstMetric(s.desc, prometheus.GaugeValue, smp.value, smp.labels...)
	}
}
