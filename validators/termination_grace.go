package validators

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

/*
The termination grace period covers the preStop sleep and the app's own
shutdown after it. The kubelet kills the containers when the period ends,
whatever they are doing: a period shorter than the sleep plus the shutdown
cuts in-flight requests, or stops the sleep before traffic has moved away.

**Checked Fields:**

spec.template.spec.terminationGracePeriodSeconds (unset: 30)
spec.template.spec.{containers,initContainers}[*].lifecycle.preStop: the
longest sleep among them, read by PreStopSleepSeconds.

**Allowed Values:**

at least the longest preStop sleep + rules.termination-grace.
shutdownBudgetSeconds (default 25). A preStop hook that is not a sleep
counts as 0 seconds, as its length cannot be known.

**Fix:**

terminationGracePeriodSeconds: sleep + budget, e.g. 30 for a 5 s sleep and
the default budget.
*/

func terminationGraceRule() Rule {
	return Rule{
		ID:            TerminationGraceID,
		Summary:       "terminationGracePeriodSeconds covers the longest preStop sleep plus the shutdown budget.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{KindDeployment, KindStatefulSet, KindDaemonSet},
		Check:         checkTerminationGrace,
	}
}

func checkTerminationGrace(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil {
		return nil
	}
	var sleep int32
	var sleeper *corev1.Container
	for _, c := range everyContainer(spec) {
		if n := PreStopSleepSeconds(c); n > sleep {
			sleep, sleeper = n, c
		}
	}
	grace := ptr.Deref(spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
	budget := shutdownBudgetSeconds(t)
	need := int64(sleep) + int64(budget)
	if grace >= need {
		return nil
	}
	f := Finding{
		Rule:    TerminationGraceID,
		Field:   t.Template.SpecPath.Child("terminationGracePeriodSeconds").String(),
		Message: fmt.Sprintf("terminationGracePeriodSeconds %d < %ds shutdown budget", grace, budget),
		Fix:     fmt.Sprintf("set terminationGracePeriodSeconds: %d", need),
	}
	if sleeper != nil {
		f.Container = sleeper.Name
		f.Message = fmt.Sprintf("terminationGracePeriodSeconds %d < %ds preStop sleep + %ds shutdown budget", grace, sleep, budget)
	}
	return []Finding{f}
}

// PreStopSleepSeconds returns how long the preStop hook of c sleeps: the
// seconds of a sleep action, or N of an exec of `sleep N` in one of the
// forms [sleep N], [/bin/sleep N], [/usr/bin/sleep N] or [SHELL -c SCRIPT],
// where SHELL is sh, /bin/sh, bash or /bin/bash and SCRIPT starts with the
// command `sleep N`, alone or followed by `;`, `&&` or a new line and more
// commands. N is a whole number with an optional s, m, h or d suffix, as
// GNU and busybox sleep read it. It returns 0 for any other hook or none,
// and caps the result at math.MaxInt32.
func PreStopSleepSeconds(c *corev1.Container) int32 {
	if c == nil || c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return 0
	}
	switch h := c.Lifecycle.PreStop; {
	case h.Sleep != nil:
		return clampSeconds(h.Sleep.Seconds)
	case h.Exec != nil:
		return execSleepSeconds(h.Exec.Command)
	}
	return 0
}

func execSleepSeconds(cmd []string) int32 {
	switch {
	case len(cmd) == 2 && (cmd[0] == "sleep" || cmd[0] == "/bin/sleep" || cmd[0] == "/usr/bin/sleep"):
		n, _ := sleepDuration(cmd[1])
		return n
	case len(cmd) == 3 && (cmd[0] == "sh" || cmd[0] == "/bin/sh" || cmd[0] == "bash" || cmd[0] == "/bin/bash") && cmd[1] == "-c":
		return scriptSleepSeconds(cmd[2])
	}
	return 0
}

// scriptSleepSeconds returns N when a shell script starts with `sleep N`.
func scriptSleepSeconds(script string) int32 {
	rest, ok := strings.CutPrefix(strings.TrimSpace(script), "sleep")
	if !ok || rest == "" || rest[0] != ' ' && rest[0] != '\t' {
		return 0
	}
	rest = strings.TrimLeft(rest, " \t")
	arg, tail := rest, ""
	if i := strings.IndexAny(rest, " \t\n;&|"); i >= 0 {
		arg, tail = rest[:i], strings.TrimLeft(rest[i:], " \t")
	}
	n, ok := sleepDuration(arg)
	if !ok || tail != "" && tail[0] != ';' && tail[0] != '\n' && !strings.HasPrefix(tail, "&&") {
		return 0
	}
	return n
}

// sleepDuration parses the operand of sleep: digits and an optional unit.
func sleepDuration(s string) (int32, bool) {
	unit := int64(1)
	if s != "" {
		switch s[len(s)-1] {
		case 's':
			s = s[:len(s)-1]
		case 'm':
			unit, s = 60, s[:len(s)-1]
		case 'h':
			unit, s = 60*60, s[:len(s)-1]
		case 'd':
			unit, s = 24*60*60, s[:len(s)-1]
		}
	}
	if s == "" {
		return 0, false
	}
	var n int64 // saturates at MaxInt32, so that n*10 and n*unit cannot overflow
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = min(n*10+int64(r-'0'), math.MaxInt32)
	}
	return clampSeconds(n * unit), true
}

// clampSeconds converts seconds to int32, capping them to [0, MaxInt32].
func clampSeconds(s int64) int32 {
	return int32(min(max(s, 0), math.MaxInt32))
}
