package mutators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestPreStopSleep(t *testing.T) {
	m := PreStopSleep{}
	app := container("app", namedPort("http", 8080))
	api := container("api", port(9090))
	worker := container("worker")
	metrics := container("exporter", namedPort("metrics", 9100), namedPort("http-metrics", 9101), namedPort("pprof", 6060))
	dns := container("dns", udpPort("dns", 53))

	cases := map[string]mutatorCase{
		"a pod without containers gets nothing": {},
		"every container that serves traffic gets a native sleep, the others nothing": {
			spec: corev1.PodSpec{Containers: []corev1.Container{app, worker, api, metrics}},
			want: corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(5)), worker, withPreStop(api, sleepHook(5)), metrics}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
				change(m, "api", "/spec/containers/2/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
		"init containers and native sidecars are left alone": {
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{app},
			},
			want: corev1.PodSpec{
				InitContainers: []corev1.Container{container("migrate", port(5432)), sidecar("proxy", namedPort("proxy", 15001))},
				Containers:     []corev1.Container{withPreStop(app, sleepHook(5))},
			},
			changes: []Change{change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5))},
		},
		"metrics, debug and profiling ports do not serve traffic": {
			spec: corev1.PodSpec{Containers: []corev1.Container{metrics}},
			want: corev1.PodSpec{Containers: []corev1.Container{metrics}},
		},
		"UDP ports do not serve traffic, a TCP port beside them does": {
			spec: corev1.PodSpec{Containers: []corev1.Container{dns, container("dns-tcp", udpPort("dns", 53), namedPort("dns-tcp", 53))}},
			want: corev1.PodSpec{Containers: []corev1.Container{dns, withPreStop(container("dns-tcp", udpPort("dns", 53), namedPort("dns-tcp", 53)), sleepHook(5))}},
			changes: []Change{
				change(m, "dns-tcp", "/spec/containers/1/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
		"a preStop hook the user set is kept, whatever it does": {
			spec: corev1.PodSpec{Containers: []corev1.Container{
				withPreStop(app, httpHook("/drain", 8080)),
				withPreStop(api, execHook("/bin/drain", "--wait")),
			}},
			want: corev1.PodSpec{Containers: []corev1.Container{
				withPreStop(app, httpHook("/drain", 8080)),
				withPreStop(api, execHook("/bin/drain", "--wait")),
			}},
		},
		"a lifecycle without preStop gets one beside its postStart hook": {
			spec: corev1.PodSpec{Containers: []corev1.Container{postStart(app)}},
			want: corev1.PodSpec{Containers: []corev1.Container{withPreStop(postStart(app), sleepHook(5))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
		"the exec strategy runs the sleep binary": {
			policy: podDefaultsSpec(policy.PodDefaults{PreStop: policy.PreStopDefaults{Strategy: policy.PreStopExec, SleepSeconds: 10}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, execHook("sleep", "10"))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop exec sleep 10", execHook("sleep", "10")),
			},
		},
		"the native strategy sleeps as long as the policy says": {
			policy: podDefaultsSpec(policy.PodDefaults{PreStop: policy.PreStopDefaults{Strategy: policy.PreStopNative, SleepSeconds: 15}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(15))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 15s", sleepHook(15)),
			},
		},
		"a sleep as long as the grace period fits": {
			spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](5), Containers: []corev1.Container{app}},
			want: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](5), Containers: []corev1.Container{withPreStop(app, sleepHook(5))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
		"a sleep longer than the grace period is injected for termination-grace to raise the period": {
			spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](3), Containers: []corev1.Container{app}},
			want: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](3), Containers: []corev1.Container{withPreStop(app, sleepHook(5))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
		"without termination-grace, a sleep longer than the grace period is not injected, as the API server would reject it": {
			policy: podDefaultsSpec(policy.PodDefaults{TerminationGracePeriod: policy.Toggle{Enabled: ptr.To(false)}}),
			spec:   corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](3), Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](3), Containers: []corev1.Container{app}},
		},
		"without termination-grace, a sleep longer than the default grace period is not injected": {
			policy: podDefaultsSpec(policy.PodDefaults{
				PreStop:                policy.PreStopDefaults{SleepSeconds: 31},
				TerminationGracePeriod: policy.Toggle{Enabled: ptr.To(false)},
			}),
			spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"disabled by the policy, it injects nothing": {
			policy: podDefaultsSpec(policy.PodDefaults{PreStop: policy.PreStopDefaults{Enabled: ptr.To(false)}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{app}},
		},
		"enabled explicitly, it injects as by default": {
			policy: podDefaultsSpec(policy.PodDefaults{PreStop: policy.PreStopDefaults{Enabled: ptr.To(true)}}),
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(5))}},
			changes: []Change{
				change(m, "app", "/spec/containers/0/lifecycle/preStop", "preStop sleep 5s", sleepHook(5)),
			},
		},
	}
	runCases(t, m, cases)
}

func postStart(c corev1.Container) corev1.Container {
	c = *c.DeepCopy()
	c.Lifecycle = &corev1.Lifecycle{PostStart: execHook("/bin/warm-up")}
	return c
}

// TestPreStopSleepAnnotation: a pod template may ask for a longer sleep
// than the policy's, up to the policy's maximum; nothing it writes
// shortens or removes the sleep.
func TestPreStopSleepAnnotation(t *testing.T) {
	m := PreStopSleep{}
	app := container("app", namedPort("http", 8080))
	ask := func(v string) map[string]string { return map[string]string{policy.PreStopSleepAnnotation: v} }
	sleeping := func(n int64, msg string) (corev1.PodSpec, []Change) {
		return corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(n))}},
			[]Change{change(m, "app", "/spec/containers/0/lifecycle/preStop", msg, sleepHook(n))}
	}
	note := func(msg string) []Note { return []Note{{Rule: policy.RulePreStopHook, Mutator: m.ID(), Message: msg}} }
	granted, grantedChanges := sleeping(20, "preStop sleep 20s (annotation ballast.dev/prestop-sleep-seconds)")
	capped, cappedChanges := sleeping(60, "preStop sleep 60s (annotation ballast.dev/prestop-sleep-seconds, capped)")
	policySleep, policyChanges := sleeping(5, "preStop sleep 5s")
	profile, profileChanges := sleeping(25, "preStop sleep 25s")
	cases := map[string]mutatorCase{
		"a longer sleep within the maximum is granted": {
			annotations: ask("20"), spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: granted, changes: grantedChanges,
		},
		"a sleep above the maximum gets the maximum, and says so": {
			annotations: ask("120"), spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: capped, changes: cappedChanges,
			notes: note("ballast.dev/prestop-sleep-seconds asks for 120s, above the policy's maximum of 60s, which is used"),
		},
		"a shorter sleep is not granted": {
			annotations: ask("1"), spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: policySleep, changes: policyChanges,
			notes: note("ballast.dev/prestop-sleep-seconds asks for 1s, no longer than the policy's 5s, which is used"),
		},
		"zero, negative or garbage cannot remove the sleep": {
			annotations: ask("0"), spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: policySleep, changes: policyChanges,
			notes: note(`ballast.dev/prestop-sleep-seconds="0" is not a whole number of seconds: the policy's 5s is used`),
		},
		"not a number": {
			annotations: ask("20s"), spec: corev1.PodSpec{Containers: []corev1.Container{app}},
			want: policySleep, changes: policyChanges,
			notes: note(`ballast.dev/prestop-sleep-seconds="20s" is not a whole number of seconds: the policy's 5s is used`),
		},
		"a profile's longer sleep needs no annotation": {
			policy: &policy.Spec{PodDefaults: policy.PodDefaults{PreStop: policy.PreStopDefaults{SleepSeconds: 25}}},
			spec:   corev1.PodSpec{Containers: []corev1.Container{app}},
			want:   profile, changes: profileChanges,
		},
		"a container with its own hook keeps it, whatever the annotation": {
			annotations: ask("30"), spec: corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(2))}},
			want: corev1.PodSpec{Containers: []corev1.Container{withPreStop(app, sleepHook(2))}},
		},
	}
	runCases(t, m, cases)
}
