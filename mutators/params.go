package mutators

import "github.com/ballast-dev/ballast/internal/policy"

// This file is the one place that reads the policy's parameters. Each
// reading falls back to the documented default when the policy leaves a
// parameter unset, or sets one the API server would reject, so a mutator
// never depends on the policy having been defaulted or validated first.

// The documented defaults.
const (
	defaultSleepSeconds          = 5
	defaultShutdownBudgetSeconds = 25
)

// preStopParams is the resolved preStop configuration.
type preStopParams struct {
	enabled bool
	exec    bool // the exec strategy; any other strategy means native
	seconds int64
}

// graceParams is the resolved termination grace configuration.
type graceParams struct {
	enabled bool
	budget  int64 // the shutdown budget, in seconds
}

// probeParams is the resolved configuration of one kind of injected probe.
type probeParams struct {
	enabled          bool
	initialDelay     int32
	period           int32
	timeout          int32
	failureThreshold int32
}

// The defaults of each kind of probe.
var (
	readinessDefaults = probeParams{enabled: true, initialDelay: 0, period: 10, timeout: 1, failureThreshold: 3}
	livenessDefaults  = probeParams{enabled: false, initialDelay: 10, period: 10, timeout: 1, failureThreshold: 3}
	startupDefaults   = probeParams{enabled: false, initialDelay: 0, period: 10, timeout: 1, failureThreshold: 30}
)

// podDefaults returns the PodDefaults of s, which may be nil.
func podDefaults(s *policy.Spec) policy.PodDefaults {
	if s == nil {
		return policy.PodDefaults{}
	}
	return s.PodDefaults
}

// preStopOf resolves podDefaults.preStop.
func preStopOf(s *policy.Spec) preStopParams {
	d := podDefaults(s).PreStop
	return preStopParams{
		enabled: orTrue(d.Enabled),
		exec:    d.Strategy == policy.PreStopExec,
		seconds: int64(positiveOr(d.SleepSeconds, defaultSleepSeconds)),
	}
}

// graceOf resolves podDefaults.terminationGracePeriod and the shutdown
// budget of the termination-grace rule.
func graceOf(s *policy.Spec) graceParams {
	var budget int32
	if s != nil {
		budget = s.Rules.TerminationGrace.ShutdownBudgetSeconds
	}
	return graceParams{
		enabled: orTrue(podDefaults(s).TerminationGracePeriod.Enabled),
		budget:  int64(positiveOr(budget, defaultShutdownBudgetSeconds)),
	}
}

// probeOf resolves d over def, the defaults of its kind of probe.
func probeOf(d policy.ProbeDefaults, def probeParams) probeParams {
	p := probeParams{
		enabled:          def.enabled,
		initialDelay:     def.initialDelay,
		period:           positiveOr(d.PeriodSeconds, def.period),
		timeout:          positiveOr(d.TimeoutSeconds, def.timeout),
		failureThreshold: positiveOr(d.FailureThreshold, def.failureThreshold),
	}
	if d.Enabled != nil {
		p.enabled = *d.Enabled
	}
	if d.InitialDelaySeconds != nil && *d.InitialDelaySeconds >= 0 {
		p.initialDelay = *d.InitialDelaySeconds
	}
	return p
}

// orTrue reads a toggle that defaults to on.
func orTrue(b *bool) bool { return b == nil || *b }

// positiveOr returns v, or def when v is zero (unset) or negative (invalid).
func positiveOr(v, def int32) int32 {
	if v > 0 {
		return v
	}
	return def
}
