package mutators

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	seconds, from, why := sleepSeconds(t.Meta, p)
	// The API server rejects a sleep longer than the grace period, and only
	// TerminationGrace raises the period to fit it.
	if int64(seconds) > gracePeriodSeconds(t.Spec) && !*spec.PodDefaults.TerminationGracePeriod.Enabled {
		return nil
	}
	var changes []Change
	for i := range t.Spec.Containers {
		c := &t.Spec.Containers[i]
		if (c.Lifecycle != nil && c.Lifecycle.PreStop != nil) || !podspec.ServesTraffic(c) {
			continue
		}
		if why != "" && len(changes) == 0 {
			t.decline(m, "", why)
		}
		h, msg := preStopHandler(p.Strategy, seconds, from)
		if c.Lifecycle == nil {
			c.Lifecycle = &corev1.Lifecycle{}
		}
		c.Lifecycle.PreStop = h
		path := t.SpecPath.Child("containers").Index(i).Child("lifecycle").Child("preStop")
		changes = append(changes, newChange(m, c.Name, path, msg, h))
	}
	return changes
}

// preStopHandler returns a sleep of seconds with strategy, and its
// description, which names from, where the length came from, unless it
// is the policy.
func preStopHandler(strategy policy.PreStopStrategy, seconds int32, from string) (*corev1.LifecycleHandler, string) {
	n := strconv.FormatInt(int64(seconds), 10)
	var h *corev1.LifecycleHandler
	var msg string
	if strategy == policy.PreStopExec {
		h, msg = &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sleep", n}}}, "preStop exec sleep "+n
	} else {
		h, msg = &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: int64(seconds)}}, "preStop sleep "+n+"s"
	}
	if from != "" {
		msg += " (" + from + ")"
	}
	return h, msg
}

// sleepSeconds returns the length of the sleep to inject into the pods of
// a template with meta: the policy's, or the longer one the template asks
// for with the ballast.dev/prestop-sleep-seconds annotation, up to the
// policy's maximum. from names the annotation when its value is used, and
// why says, when the annotation asks for something not granted, what was
// used instead. Nothing the annotation says can shorten or remove the
// sleep.
func sleepSeconds(meta *metav1.ObjectMeta, p policy.PreStopDefaults) (seconds int32, from, why string) {
	v, ok := "", false
	if meta != nil {
		v, ok = meta.Annotations[policy.PreStopSleepAnnotation]
	}
	if !ok {
		return p.SleepSeconds, "", ""
	}
	asked, err := strconv.ParseInt(v, 10, 32)
	policySleep := strconv.Itoa(int(p.SleepSeconds)) + "s"
	switch {
	case err != nil || asked < 1:
		return p.SleepSeconds, "", fmt.Sprintf("%s=%q is not a whole number of seconds: the policy's %s is used", policy.PreStopSleepAnnotation, v, policySleep)
	case asked <= int64(p.SleepSeconds):
		return p.SleepSeconds, "", fmt.Sprintf("%s asks for %ds, no longer than the policy's %s, which is used", policy.PreStopSleepAnnotation, asked, policySleep)
	case asked > int64(p.MaxSleepSeconds):
		return p.MaxSleepSeconds, "annotation " + policy.PreStopSleepAnnotation + ", capped",
			fmt.Sprintf("%s asks for %ds, above the policy's maximum of %ds, which is used", policy.PreStopSleepAnnotation, asked, p.MaxSleepSeconds)
	}
	return int32(asked), "annotation " + policy.PreStopSleepAnnotation, ""
}

// gracePeriodSeconds returns the pod's termination grace period, with the
// API server's default when it is unset.
func gracePeriodSeconds(spec *corev1.PodSpec) int64 {
	return ptr.Deref(spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
}
