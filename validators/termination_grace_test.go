package validators

import (
	"math"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestTerminationGrace(t *testing.T) {
	sleep := func(seconds int64) func(*corev1.Container) {
		return func(c *corev1.Container) { c.Lifecycle.PreStop.Sleep.Seconds = seconds }
	}
	grace := func(seconds int64) func(*corev1.PodSpec) {
		return func(s *corev1.PodSpec) { s.TerminationGracePeriodSeconds = &seconds }
	}
	noPreStop := func(c *corev1.Container) { c.Lifecycle = nil }
	const field = "spec.template.spec.terminationGracePeriodSeconds"
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"the default 30 s cover a 5 s sleep and the default 25 s budget": {
			target: newTarget(deployment()),
		},
		"no containers and the default grace period pass": {
			target: newTarget(deployment(containers())),
		},
		"a 6 s sleep overruns the default 30 s": {
			target: newTarget(deployment(containers(container("web", sleep(6))))),
			want: []Finding{{
				Rule:      policy.RuleTerminationGrace,
				Container: "web",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 30 < 6s preStop sleep + 25s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 31",
			}},
		},
		"the longest sleep counts, sidecars included": {
			target: newTarget(deployment(
				containers(container("web", sleep(10)), container("api", preStopExec("sh", "-c", "sleep 20"))),
				initContainers(container("proxy", sidecar, preStopExec("/bin/sleep", "40"))),
				pod(grace(60)),
			)),
			want: []Finding{{
				Rule:      policy.RuleTerminationGrace,
				Container: "proxy",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 60 < 40s preStop sleep + 25s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 65",
			}},
		},
		"an exec sleep covered by the grace period passes": {
			target: newTarget(deployment(containers(container("web", preStopExec("sleep", "15"))), pod(grace(40)))),
		},
		"a grace period shorter than the budget fails without a sleep": {
			target: newTarget(deployment(containers(container("web", noPreStop)), pod(grace(10)))),
			want: []Finding{{
				Rule:    policy.RuleTerminationGrace,
				Field:   field,
				Message: "terminationGracePeriodSeconds 10 < 25s shutdown budget",
				Fix:     "set terminationGracePeriodSeconds: 25",
			}},
		},
		"a pod with no sleep and no serving container is not checked": {
			target: newTarget(deployment(containers(container("worker", worker)), pod(grace(10)))),
		},
		"a pod with only metrics ports serves no traffic": {
			target: newTarget(deployment(containers(container("exporter", worker, func(c *corev1.Container) {
				c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}}
			})), pod(grace(5)))),
		},
		"a node agent on the host network without ports may stop at once": {
			target: newTarget(daemonSet(func(d *appsv1.DaemonSet) {
				s := &d.Spec.Template.Spec
				s.HostNetwork, s.TerminationGracePeriodSeconds = true, ptr.To[int64](0)
				s.Containers = []corev1.Container{container("agent", worker)}
			})),
		},
		"a container that serves no traffic but sleeps is checked": {
			target: newTarget(deployment(containers(container("worker", worker, preStopExec("sleep", "10"))), pod(grace(10)))),
			want: []Finding{{
				Rule:      policy.RuleTerminationGrace,
				Container: "worker",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 10 < 10s preStop sleep + 25s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 35",
			}},
		},
		"an unknown preStop counts as no sleep": {
			target: newTarget(deployment(containers(container("web", preStopExec("/usr/sbin/nginx", "-s", "quit"))), pod(grace(25)))),
		},
		"the policy's budget replaces the default": {
			target: withSettings(newTarget(deployment(pod(grace(30)))), func(s *policy.Settings) {
				s.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds = 60
			}),
			want: []Finding{{
				Rule:      policy.RuleTerminationGrace,
				Container: "web",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 30 < 5s preStop sleep + 60s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 65",
			}},
		},
		"a huge sleep needs no more than int64 seconds": {
			target: newTarget(deployment(containers(container("web", sleep(math.MaxInt64))), pod(grace(math.MaxInt32)))),
			want: []Finding{{
				Rule:      policy.RuleTerminationGrace,
				Container: "web",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 2147483647 < 2147483647s preStop sleep + 25s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 2147483672",
			}},
		},
		"an HPA has no grace period": {
			target: newTarget(hpa("web", workload.KindDeployment, "web", ptr.To[int32](2), 4)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkTerminationGrace(tc.target))
		})
	}
}
