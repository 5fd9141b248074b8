package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

// Defaults of the PeriodicOptions fields that have one.
const (
	// DefaultInterval is how often the Periodic evaluator audits.
	DefaultInterval = 10 * time.Minute
	// DefaultEventInterval is how long an object goes without a new Event
	// once it got one: the API server's default event TTL, so that
	// `kubectl describe` keeps showing one while the violations last.
	DefaultEventInterval = time.Hour
	// DefaultMaxEventsPerRun caps the Events of one run.
	DefaultMaxEventsPerRun = 100
)

// EventRecorderName is the reporting controller of the Events the
// Periodic evaluator records, the name to get its recorder by.
const EventRecorderName = "ballast-audit"

// ReasonPolicy is the reason of the Warning Events recorded on objects
// admitted with violations in warn mode.
const ReasonPolicy = "BallastPolicy"

// ReasonInjectedProbeUnready is the reason of the Warning Events recorded
// on the workloads whose pods a readiness probe Ballast injected keeps
// unready (on the Pods themselves when their workload is not known).
const ReasonInjectedProbeUnready = "InjectedProbeUnready"

// eventAction is the action of the Events.
const eventAction = "Audit"

// maxNoteLength is the longest note an events.k8s.io/v1 Event may carry,
// in bytes.
const maxNoteLength = 1024

// PolicySource gives the policy in force, which may be replaced at any
// time. The server's hot-reloader implements it, as it does
// webhook.PolicySource.
type PolicySource interface {
	// Policy returns the current, defaulted policy, or nil before one has
	// loaded, in which case a run is skipped. The policy must not be
	// modified.
	Policy() *policy.Policy
}

// ReportWriter publishes the report of each run of the Periodic evaluator,
// for the tools that read results from the cluster.
type ReportWriter interface {
	// WriteReport publishes r, judged under spec, the policy of the run.
	// The evaluator logs an error, and the next run tries again.
	WriteReport(ctx context.Context, r *Report, spec *policy.Spec) error
}

// PeriodicOptions configures NewPeriodic. Reader and Policy are required.
type PeriodicOptions struct {
	// Reader reads from the API server: the manager's GetAPIReader(),
	// never its cache, which strips pod templates and does not page.
	Reader client.Reader
	// Policy gives the policy in force.
	Policy PolicySource
	// Interval is the time between the starts of two runs, and the limit
	// of one run. Zero means DefaultInterval.
	Interval time.Duration
	// PageSize is the limit of each list request. Zero means
	// DefaultPageSize.
	PageSize int64
	// Excluded reports the namespaces the webhook configurations never
	// send to Ballast: see Options.Excluded. Pass the server the same
	// function as pdb.Options.Excluded, so that the gauges, the
	// PodDisruptionBudgets and admission agree.
	Excluded func(*corev1.Namespace) bool
	// UnreadyAfter is how long a running Pod must have been unready before
	// the audit blames the readiness probe Ballast injected: see
	// Options.UnreadyAfter. Zero means DefaultUnreadyAfter.
	UnreadyAfter time.Duration
	// Registerer receives the metrics (ViolationsMetric, NamespacesMetric,
	// UnreadyProbedPodsMetric, LastRunMetric, DurationMetric); nil exports
	// none.
	Registerer prometheus.Registerer
	// Events records the Warning Events on objects admitted with
	// violations in warn mode, and on the workloads whose pods injected
	// readiness probes keep unready: the manager's
	// GetEventRecorder(EventRecorderName). Nil records none.
	Events events.EventRecorder
	// Reports publishes the report of each successful run in the cluster,
	// such as internal/policyreport's Writer. Nil publishes none.
	Reports ReportWriter
	// EventInterval is the shortest time between two Events on the same
	// object. Zero means DefaultEventInterval.
	EventInterval time.Duration
	// MaxEventsPerRun caps the Events of one run; the objects left out
	// come first in the next run. Zero means DefaultMaxEventsPerRun.
	MaxEventsPerRun int
	// Engine judges the objects; nil means engine.Default().
	Engine *engine.Engine
	// Now is the clock against which exemptions expire and Events are
	// spaced. Nil means time.Now.
	Now func() time.Time
	// Logger logs each run. The zero Logger discards.
	Logger logr.Logger
}

// Periodic is the in-cluster evaluator: a manager Runnable that audits the
// whole cluster every interval, in the mode each namespace is configured
// in, exports the current violations and the pods injected readiness
// probes keep unready as gauges, and records Warning Events on the objects
// admitted with violations in warn mode and on the workloads of those
// pods, so that `kubectl describe` shows them to their team. It needs
// leader election: one replica evaluates.
type Periodic struct {
	opts   PeriodicOptions
	gauges *gauges
	// lastEvent is when each object last got an Event of each reason.
	// Only the run loop touches it.
	lastEvent map[eventKey]time.Time
}

// eventKey is an object and the reason of an Event on it.
type eventKey struct {
	uid    types.UID
	reason string
}

// NewPeriodic returns the evaluator, its metrics registered on
// opts.Registerer. Add it to the manager: mgr.Add(p).
func NewPeriodic(opts PeriodicOptions) (*Periodic, error) {
	if opts.Reader == nil || opts.Policy == nil {
		return nil, errors.New("setting up the periodic audit: PeriodicOptions.Reader and Policy are required")
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.EventInterval <= 0 {
		opts.EventInterval = DefaultEventInterval
	}
	if opts.MaxEventsPerRun <= 0 {
		opts.MaxEventsPerRun = DefaultMaxEventsPerRun
	}
	if opts.Engine == nil {
		opts.Engine = engine.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	p := &Periodic{opts: opts, lastEvent: map[eventKey]time.Time{}}
	if opts.Registerer != nil {
		g, err := newGauges(opts.Registerer)
		if err != nil {
			return nil, fmt.Errorf("setting up the periodic audit: %w", err)
		}
		p.gauges = g
	}
	return p, nil
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: only the
// leader audits.
func (p *Periodic) NeedLeaderElection() bool { return true }

// Start implements manager.Runnable: it runs an audit at once, then every
// interval, until ctx is done. A failed run is logged, and the metrics
// keep the values of the last good one: alert on the age of
// LastRunMetric.
func (p *Periodic) Start(ctx context.Context) error {
	p.opts.Logger.Info("Starting the periodic audit", "interval", p.opts.Interval)
	ticker := time.NewTicker(p.opts.Interval)
	defer ticker.Stop()
	for {
		p.run(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// run audits once.
func (p *Periodic) run(ctx context.Context) {
	log := p.opts.Logger
	pol := p.opts.Policy.Policy()
	if pol == nil {
		log.Info("No policy loaded yet; skipping this audit run")
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.opts.Interval)
	defer cancel()

	started := time.Now()
	now := p.opts.Now()
	a, err := newAuditor(p.opts.Reader, Options{
		Spec:         &pol.Spec,
		Now:          now,
		PageSize:     p.opts.PageSize,
		Excluded:     p.opts.Excluded,
		UnreadyAfter: p.opts.UnreadyAfter,
		Engine:       p.opts.Engine,
	})
	if err == nil {
		err = a.run(ctx)
	}
	if err != nil {
		log.Error(err, "Audit run failed; the metrics keep the values of the last run")
		return
	}
	r := a.report()
	took := time.Since(started)
	if p.gauges != nil {
		p.gauges.observe(r, time.Now(), took)
	}
	if p.opts.Reports != nil {
		if err := p.opts.Reports.WriteReport(ctx, r, &pol.Spec); err != nil {
			log.Error(err, "Writing the policy reports failed; the next run tries again")
		}
	}
	sent, held := p.recordEvents(append(a.warned(), a.unreadyEvents()...), now)
	for i := range r.Namespaces {
		if n := &r.Namespaces[i]; n.Error != "" {
			log.Info("Namespace not audited: its objects cannot be listed", "namespace", n.Name, "reason", n.Error)
		}
	}
	s := &r.Summary
	log.Info("Audit run done", "duration", took.Round(time.Millisecond), "namespaces", s.Evaluated,
		"unreadable", s.Unreadable, "objects", s.Objects, "violatingObjects", violating(r),
		"unreadyProbedPods", s.UnreadyProbedPods, "events", sent, "eventsHeldBack", held)
}

// violating counts the objects with findings.
func violating(r *Report) int {
	n := 0
	for i := range r.Namespaces {
		for j := range r.Namespaces[i].Objects {
			if len(r.Namespaces[i].Objects[j].Findings) > 0 {
				n++
			}
		}
	}
	return n
}

// recordEvents records a Warning Event on each object of objs that has not
// had one of the same reason for EventInterval, at most MaxEventsPerRun of
// them: those without an Event for the longest first, so that the cap
// rotates. It forgets the objects no longer in objs (fixed, deleted, or no
// longer in warn mode), so that they get an Event at once should they
// break a rule again. It returns how many Events it recorded and how many
// it held back for the cap.
func (p *Periodic) recordEvents(objs []warnedObject, now time.Time) (sent, held int) {
	if p.opts.Events == nil {
		return 0, 0
	}
	slices.SortStableFunc(objs, func(a, b warnedObject) int {
		return p.lastEvent[a.key()].Compare(p.lastEvent[b.key()])
	})
	seen := make(map[eventKey]bool, len(objs))
	for _, o := range objs {
		key := o.key()
		seen[key] = true
		if last, ok := p.lastEvent[key]; ok && now.Sub(last) < p.opts.EventInterval {
			continue
		}
		if sent == p.opts.MaxEventsPerRun {
			held++
			continue
		}
		p.opts.Events.Eventf(o.ref, nil, corev1.EventTypeWarning, key.reason, eventAction, "%s", o.note())
		p.lastEvent[key] = now
		sent++
	}
	for key := range p.lastEvent {
		if !seen[key] {
			delete(p.lastEvent, key)
		}
	}
	return sent, held
}

// key returns the object and the reason of its Event.
func (o *warnedObject) key() eventKey {
	if o.unready != nil {
		return eventKey{o.ref.UID, ReasonInjectedProbeUnready}
	}
	return eventKey{o.ref.UID, ReasonPolicy}
}

// note returns the note of its Event.
func (o *warnedObject) note() string {
	if o.unready != nil {
		return unreadyNote(o.unready, o.now)
	}
	return eventNote(o.findings)
}

// eventNote names each violation with its fix, within maxNoteLength.
func eventNote(findings []validators.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Admitted in warn mode with %d Ballast policy violation(s)", len(findings))
	for _, f := range findings {
		b.WriteString("; ")
		b.WriteString(f.Rule)
		if f.Action == policy.ActionDeny {
			b.WriteString(" (denied in enforce mode)")
		}
		fmt.Fprintf(&b, ": %s. Fix: %s", f.Message, f.Fix)
	}
	return truncate(b.String(), maxNoteLength)
}

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut
// with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const ellipsis = "..."
	cut := n - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
