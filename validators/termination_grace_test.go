package validators

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestPreStopSleepSeconds(t *testing.T) {
	tests := map[string]struct {
		container corev1.Container
		want      int32
	}{
		"no lifecycle":            {container: corev1.Container{}},
		"a postStart hook only":   {container: corev1.Container{Lifecycle: &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 9}}}}},
		"the native sleep action": {container: container("web"), want: 5},
		"a native sleep beyond int32 is capped": {
			container: corev1.Container{Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: math.MaxInt64}}}},
			want:      math.MaxInt32,
		},
		"an httpGet hook takes an unknown time": {
			container: corev1.Container{Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/drain"}}}},
		},
		"[sleep N]":                         {container: container("web", preStopExec("sleep", "10")), want: 10},
		"[/bin/sleep N]":                    {container: container("web", preStopExec("/bin/sleep", "11")), want: 11},
		"[/usr/bin/sleep N]":                {container: container("web", preStopExec("/usr/bin/sleep", "12")), want: 12},
		"[sh -c sleep N]":                   {container: container("web", preStopExec("sh", "-c", "sleep 13")), want: 13},
		"[/bin/sh -c sleep N]":              {container: container("web", preStopExec("/bin/sh", "-c", "sleep 14")), want: 14},
		"[bash -c sleep N]":                 {container: container("web", preStopExec("bash", "-c", "sleep 15")), want: 15},
		"[/bin/bash -c sleep N]":            {container: container("web", preStopExec("/bin/bash", "-c", "  sleep\t16 \n")), want: 16},
		"a script that goes on after ;":     {container: container("web", preStopExec("sh", "-c", "sleep 17; nginx -s quit")), want: 17},
		"a script that goes on after &&":    {container: container("web", preStopExec("sh", "-c", "sleep 18 && nginx -s quit")), want: 18},
		"a script that goes on on new line": {container: container("web", preStopExec("sh", "-c", "sleep 19\nkill -TERM 1")), want: 19},
		"a script that sleeps in the background": {
			container: container("web", preStopExec("sh", "-c", "sleep 20 & nginx -s quit")),
		},
		"a script that sleeps later": {
			container: container("web", preStopExec("sh", "-c", "nginx -s quit; sleep 20")),
		},
		"a script that runs sleeper, not sleep": {
			container: container("web", preStopExec("sh", "-c", "sleeper 20")),
		},
		"seconds with a suffix":    {container: container("web", preStopExec("sleep", "21s")), want: 21},
		"minutes":                  {container: container("web", preStopExec("sleep", "2m")), want: 120},
		"hours in a script":        {container: container("web", preStopExec("sh", "-c", "sleep 1h")), want: 3600},
		"days beyond int32 capped": {container: container("web", preStopExec("sleep", "99999999d")), want: math.MaxInt32},
		"digits beyond int32 followed by junk are unknown": {container: container("web", preStopExec("sleep", "7000000000&"))},
		"digits beyond int32 capped": {
			container: container("web", preStopExec("sleep", "99999999999999999999999")), want: math.MaxInt32,
		},
		"a fraction is unknown":          {container: container("web", preStopExec("sleep", "1.5"))},
		"infinity is unknown":            {container: container("web", preStopExec("sleep", "infinity"))},
		"a bare unit is unknown":         {container: container("web", preStopExec("sleep", "s"))},
		"sleep without an operand":       {container: container("web", preStopExec("sh", "-c", "sleep"))},
		"sleep with two operands":        {container: container("web", preStopExec("sleep", "5", "5"))},
		"another binary named sleep":     {container: container("web", preStopExec("/opt/bin/sleep", "5"))},
		"a shell without -c":             {container: container("web", preStopExec("sh", "sleep 5"))},
		"a shell that is not sh or bash": {container: container("web", preStopExec("zsh", "-c", "sleep 5"))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, PreStopSleepSeconds(&tc.container))
		})
	}
	assert.Zero(t, PreStopSleepSeconds(nil), "nil container")
}

func TestTerminationGrace(t *testing.T) {
	sleep := func(seconds int64) func(*corev1.Container) {
		return func(c *corev1.Container) { c.Lifecycle.PreStop.Sleep.Seconds = seconds }
	}
	grace := func(seconds int64) func(*corev1.PodSpec) {
		return func(s *corev1.PodSpec) { s.TerminationGracePeriodSeconds = &seconds }
	}
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
				Rule:      TerminationGraceID,
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
				Rule:      TerminationGraceID,
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
			target: newTarget(deployment(containers(container("worker", worker)), pod(grace(10)))),
			want: []Finding{{
				Rule:    TerminationGraceID,
				Field:   field,
				Message: "terminationGracePeriodSeconds 10 < 25s shutdown budget",
				Fix:     "set terminationGracePeriodSeconds: 25",
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
				Rule:      TerminationGraceID,
				Container: "web",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 30 < 5s preStop sleep + 60s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 65",
			}},
		},
		"a huge sleep needs no more than int64 seconds": {
			target: newTarget(deployment(containers(container("web", sleep(math.MaxInt64))), pod(grace(math.MaxInt32)))),
			want: []Finding{{
				Rule:      TerminationGraceID,
				Container: "web",
				Field:     field,
				Message:   "terminationGracePeriodSeconds 2147483647 < 2147483647s preStop sleep + 25s shutdown budget",
				Fix:       "set terminationGracePeriodSeconds: 2147483672",
			}},
		},
		"an HPA has no grace period": {
			target: newTarget(hpa("web", KindDeployment, "web", ptr.To[int32](2), 4)),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assertFindings(t, tc.want, checkTerminationGrace(tc.target))
		})
	}
}

func FuzzPreStopSleepSeconds(f *testing.F) {
	for _, seed := range []string{"sleep 5", "sleep 5 && nginx -s quit", "sleep 99999999999d", "sleep", "sleep -1", " sleep\t7;"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, script string) {
		exec := container("web", preStopExec("/bin/sh", "-c", script))
		n := PreStopSleepSeconds(&exec)
		if n < 0 {
			t.Fatalf("%q sleeps %d seconds", script, n)
		}
		if n > 0 && !strings.HasPrefix(strings.TrimSpace(script), "sleep") {
			t.Fatalf("%q does not start with sleep but sleeps %d seconds", script, n)
		}
		if operand, ok := strings.CutPrefix(script, "sleep "); ok {
			direct := container("web", preStopExec("sleep", operand))
			if d := PreStopSleepSeconds(&direct); d != 0 && d != n {
				t.Fatalf("sh -c %q sleeps %d seconds, sleep %q %d", script, n, operand, d)
			}
		}
	})
}
