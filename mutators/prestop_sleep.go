package mutators

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
)

// PreStopSleep is the prestop-sleep mutator, for the prestop-hook rule.
//
// **Sets:** spec.containers[*].lifecycle.preStop to a sleep of
// podDefaults.preStop.sleepSeconds (default 5): `sleep: {seconds: N}` with
// the native strategy (default), `exec: {command: ["sleep", "N"]}` with the
// exec strategy.
//
// **When:** on regular containers that serve traffic (podspec.ServingPort)
// and have no preStop hook, while podDefaults.preStop is enabled (default).
//
// **Not when:** the container has a preStop hook of its own, of any kind;
// the container is an init container or a native sidecar; the sleep would
// be longer than the pod's terminationGracePeriodSeconds (unset means 30),
// which the API server rejects, and podDefaults.terminationGracePeriod is
// disabled, so that TerminationGrace will not raise the period to fit it.
//
// **Why:** endpoints, kube-proxy, ingress controllers and cloud load
// balancers learn that a pod is terminating asynchronously, a few seconds
// after the kubelet sends SIGTERM. An app that stops at once drops the
// requests still routed to it. A short sleep before SIGTERM keeps it
// serving until they stop routing.
//
// The native action needs no binary in the image, so it works in
// distroless images, which have no sleep (linkerd/linkerd2#6723), but API
// servers older than 1.30 silently drop it. The exec form works on every
// API server but fails in images without a sleep binary.
//
// Native sidecars are left alone on purpose: the kubelet stops them only
// after every regular container has exited, so they already outlive the
// main container's drain, and a sleep there would only eat the grace
// period. Init containers that run to completion are gone before the pod
// serves; the API server rejects lifecycle hooks on them.
type PreStopSleep struct{}

// ID returns "prestop-sleep".
func (PreStopSleep) ID() string { return "prestop-sleep" }

// RuleID returns "prestop-hook".
func (PreStopSleep) RuleID() string { return policy.RulePreStopHook }

// Apply injects the preStop sleep.
func (m PreStopSleep) Apply(t Target, spec *policy.Spec) []Change {
	p := spec.PodDefaults.PreStop
	if !*p.Enabled || t.Spec == nil {
		return nil
	}
	// The API server rejects a sleep longer than the grace period, and only
	// TerminationGrace raises the period to fit it.
	if int64(p.SleepSeconds) > gracePeriodSeconds(t.Spec) && !*spec.PodDefaults.TerminationGracePeriod.Enabled {
		return nil
	}
	var changes []Change
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		if (c.Lifecycle != nil && c.Lifecycle.PreStop != nil) || !podspec.ServesTraffic(c) {
			continue
		}
		h, msg := preStopHandler(p)
		if c.Lifecycle == nil {
			c.Lifecycle = &corev1.Lifecycle{}
		}
		c.Lifecycle.PreStop = h
		path := t.SpecPath.Child("containers").Index(i).Child("lifecycle").Child("preStop")
		changes = append(changes, newChange(m, c.Name, path, msg, h))
	}
	return changes
}

// preStopHandler returns the sleep p asks for and its description.
func preStopHandler(p policy.PreStopDefaults) (*corev1.LifecycleHandler, string) {
	n := strconv.FormatInt(int64(p.SleepSeconds), 10)
	if p.Strategy == policy.PreStopExec {
		return &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", n}}},
			"preStop exec sleep " + n
	}
	return &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: int64(p.SleepSeconds)}},
		"preStop sleep " + n + "s"
}

// gracePeriodSeconds returns the pod's termination grace period, with the
// API server's default when it is unset.
func gracePeriodSeconds(spec *corev1.PodSpec) int64 {
	return ptr.Deref(spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
}
