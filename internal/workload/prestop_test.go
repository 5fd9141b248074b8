package workload

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
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

// container returns a container named name; mods edit it.
func container(name string, mods ...func(*corev1.Container)) corev1.Container {
	c := corev1.Container{Name: name, Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}}
	for _, m := range mods {
		m(&c)
	}
	return c
}

// preStopExec replaces the container's preStop hook with an exec of command.
func preStopExec(command ...string) func(*corev1.Container) {
	return func(c *corev1.Container) {
		c.Lifecycle.PreStop = &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: command}}
	}
}
