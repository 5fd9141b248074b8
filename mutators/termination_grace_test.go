package mutators

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestTerminationGrace(t *testing.T) {
	m := TerminationGrace{}
	app := container("app", namedPort("http", 8080))
	sleeping := func(c corev1.Container, seconds int64) corev1.Container { return withPreStop(c, sleepHook(seconds)) }
	grace := func(seconds int64, cs ...corev1.Container) corev1.PodSpec {
		return corev1.PodSpec{TerminationGracePeriodSeconds: &seconds, Containers: cs}
	}
	const pointer = "/spec/terminationGracePeriodSeconds"

	cases := map[string]mutatorCase{
		"a pod without containers gets nothing": {},
		"an unset grace period, 30 s, covers the default sleep and budget": {
			spec: corev1.PodSpec{Containers: []corev1.Container{sleeping(app, 5)}},
			want: corev1.PodSpec{Containers: []corev1.Container{sleeping(app, 5)}},
		},
		"an unset grace period is raised to cover a longer sleep": {
			spec:    corev1.PodSpec{Containers: []corev1.Container{sleeping(app, 10)}},
			want:    grace(35, sleeping(app, 10)),
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 30 -> 35", int64(35))},
		},
		"a lower grace period is raised to sleep + budget": {
			spec:    grace(10, sleeping(app, 5)),
			want:    grace(30, sleeping(app, 5)),
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 10 -> 30", int64(30))},
		},
		"a zero grace period is raised too": {
			spec:    grace(0, sleeping(app, 5)),
			want:    grace(30, sleeping(app, 5)),
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 0 -> 30", int64(30))},
		},
		"a higher grace period is kept": {
			spec: grace(60, sleeping(app, 5)),
			want: grace(60, sleeping(app, 5)),
		},
		"the longest sleep of many containers counts, in any form": {
			spec: corev1.PodSpec{Containers: []corev1.Container{
				sleeping(app, 5),
				withPreStop(container("api", port(9090)), execHook("/bin/sh", "-c", "sleep 20")),
				container("worker"),
			}},
			want: grace(45,
				sleeping(app, 5),
				withPreStop(container("api", port(9090)), execHook("/bin/sh", "-c", "sleep 20")),
				container("worker"),
			),
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 30 -> 45", int64(45))},
		},
		"a native sidecar's sleep counts, since it shares the grace period": {
			spec: corev1.PodSpec{
				InitContainers: []corev1.Container{withPreStop(sidecar("proxy", port(15001)), sleepHook(15))},
				Containers:     []corev1.Container{sleeping(app, 5)},
			},
			want: corev1.PodSpec{
				TerminationGracePeriodSeconds: ptr.To[int64](40),
				InitContainers:                []corev1.Container{withPreStop(sidecar("proxy", port(15001)), sleepHook(15))},
				Containers:                    []corev1.Container{sleeping(app, 5)},
			},
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 30 -> 40", int64(40))},
		},
		"a preStop hook that does not sleep leaves the owner's period alone": {
			spec: grace(10, withPreStop(app, httpHook("/drain", 8080)), withPreStop(container("api"), execHook("sh", "-c", "nginx -s quit"))),
			want: grace(10, withPreStop(app, httpHook("/drain", 8080)), withPreStop(container("api"), execHook("sh", "-c", "nginx -s quit"))),
		},
		"without any preStop sleep a deliberate period, even 0, is kept": {
			spec: grace(0, app, container("worker")),
			want: grace(0, app, container("worker")),
		},
		"the shutdown budget comes from the termination-grace rule": {
			policy:  policy.Defaulted(&policy.Spec{Rules: policy.Rules{TerminationGrace: policy.TerminationGraceRule{ShutdownBudgetSeconds: 40}}}),
			spec:    corev1.PodSpec{Containers: []corev1.Container{sleeping(app, 5)}},
			want:    grace(45, sleeping(app, 5)),
			changes: []Change{change(m, "", pointer, "terminationGracePeriodSeconds 30 -> 45", int64(45))},
		},
		"disabled by the policy, it raises nothing": {
			policy: podDefaultsSpec(policy.PodDefaults{TerminationGracePeriod: policy.Toggle{Enabled: ptr.To(false)}}),
			spec:   grace(10, sleeping(app, 5)),
			want:   grace(10, sleeping(app, 5)),
		},
	}
	runCases(t, m, cases)
}
