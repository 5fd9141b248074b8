package workload

import (
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

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
