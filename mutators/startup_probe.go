package mutators

import (
	"github.com/ballast-dev/ballast/internal/policy"
)

// StartupProbe is the startup-probe mutator, for the liveness-probe rule,
// whose liveness probes it protects. It is off unless
// podDefaults.startupProbe.enabled is true.
//
// **Sets:** spec.containers[*].startupProbe to a tcpSocket probe of the
// container's serving port, by number. Timing comes from
// podDefaults.startupProbe (default: period 10 s, timeout 1 s, failure
// threshold 30, no initial delay: up to 300 s to start).
//
// **When:** on regular containers that serve traffic (podspec.ServingPort),
// have no startup probe, and have a liveness probe: their own, or the one
// LivenessProbe injected, which runs before it.
//
// **Not when:** the container has a startup probe of its own; it has no
// liveness probe; it is an init container or a native sidecar.
//
// **Why:** the kubelet runs neither the liveness nor the readiness probe
// until the startup probe succeeds, so a slow starter is not killed by
// its liveness probe while it starts, yet a process wedged later is still
// restarted quickly. Without a liveness probe there is nothing to hold
// back: the readiness probe already keeps a starting pod out of Services,
// and a startup probe would only add a restart after 300 s, which is what
// a liveness probe is for, so those containers are left alone.
type StartupProbe struct{}

// ID returns "startup-probe".
func (StartupProbe) ID() string { return "startup-probe" }

// RuleID returns "liveness-probe".
func (StartupProbe) RuleID() string { return policy.RuleLivenessProbe }

// Apply injects the startup probe.
func (m StartupProbe) Apply(t Target, spec *policy.Spec) []Change {
	return injectProbes(m, t, startupField, spec.PodDefaults.StartupProbe, tcpSocketProbe, nil)
}
