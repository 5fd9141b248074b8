package mutators

import (
	"github.com/ballast-dev/ballast/internal/policy"
)

// LivenessProbe is the liveness-probe mutator, for the rule of the same
// name. It is off unless podDefaults.livenessProbe.enabled is true.
//
// **Sets:** spec.containers[*].livenessProbe to a tcpSocket probe of the
// container's serving port, by number. Timing comes from
// podDefaults.livenessProbe (default: initial delay 10 s, period 10 s,
// timeout 1 s, failure threshold 3).
//
// **When:** on regular containers that serve traffic (podspec.ServingPort)
// and have no liveness probe, once enabled.
//
// **Not when:** the container has a liveness probe of its own; it is an
// init container or a native sidecar. It never probes the readiness path
// of ballast.dev/readiness-path: a health endpoint also fails when the
// app's backends do, and a liveness probe that fails then restarts every
// replica at once, turning a backend outage into a full one. A liveness
// probe must only say "the process is wedged", and a TCP probe says no
// more than "the process still accepts connections".
//
// **Why off by default:** the kubelet restarts a container whose liveness
// probe fails, and an injected probe knows nothing of how long the app
// takes to start. An app that opens its port later than initial delay +
// period × failure threshold (40 s by default) is killed before it ever
// serves, again and again. Enable it together with podDefaults.startupProbe
// (see StartupProbe), which holds the liveness probe back until the port
// first opens.
type LivenessProbe struct{}

// ID returns "liveness-probe".
func (LivenessProbe) ID() string { return "liveness-probe" }

// RuleID returns "liveness-probe".
func (LivenessProbe) RuleID() string { return policy.RuleLivenessProbe }

// Apply injects the liveness probe.
func (m LivenessProbe) Apply(t Target, spec *policy.Spec) []Change {
	return injectProbes(m, t, livenessField, spec.PodDefaults.LivenessProbe, tcpSocketProbe, nil)
}
