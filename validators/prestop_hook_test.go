package validators

import (
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestPreStopHook(t *testing.T) {
	noHook := func(c *corev1.Container) { c.Lifecycle = nil }
	missing := func(name string, i int) Finding {
		return Finding{
			Rule:      policy.RulePreStopHook,
			Container: name,
			Field:     "spec.template.spec.containers[" + strconv.Itoa(i) + "].lifecycle.preStop",
			Message:   `container "` + name + `" serves traffic but has no preStop hook to drain it`,
			Fix:       `add lifecycle: {preStop: {sleep: {seconds: 5}}} (exec ["sleep", "5"] before Kubernetes 1.30)`,
		}
	}
	tests := map[string]struct {
		target *Target
		want   []Finding
	}{
		"an existing preStop sleep passes": {
			target: newTarget(deployment()),
		},
		"an existing exec preStop passes": {
			target: newTarget(deployment(containers(container("web", preStopExec("/usr/sbin/nginx", "-s", "quit"))))),
		},
		"an existing httpGet preStop passes": {
			target: newTarget(deployment(containers(container("web", func(c *corev1.Container) {
				c.Lifecycle.PreStop = &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/drain"}}
			})))),
		},
		"no containers pass": {
			target: newTarget(deployment(containers())),
		},
		"a serving container without a hook fails": {
			target: newTarget(deployment(containers(container("web", noHook)))),
			want:   []Finding{missing("web", 0)},
		},
		"a lifecycle with only postStart fails": {
			target: newTarget(deployment(containers(container("web", func(c *corev1.Container) {
				c.Lifecycle = &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"/warm-up"}}}}
			})))),
			want: []Finding{missing("web", 0)},
		},
		"each serving container without a hook fails, workers and metrics-only containers pass": {
			target: newTarget(deployment(containers(
				container("web", noHook),
				container("worker", worker),
				container("exporter", noHook, func(c *corev1.Container) {
					c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}}
				}),
				container("api", noHook),
			))),
			want: []Finding{missing("web", 0), missing("api", 3)},
		},
		"native sidecars and init containers need no hook": {
			target: newTarget(deployment(initContainers(
				container("migrate", worker),
				container("proxy", noHook, sidecar),
			))),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkPreStopHook(tc.target))
		})
	}
}
