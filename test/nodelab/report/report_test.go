package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/test/nodelab/load"
)

func run(experiment, mode string, failed int, by map[load.Outcome]int, per []int, longest int, injected string) Run {
	return Run{
		Experiment: experiment, Mode: mode, Injected: injected,
		Stats:           load.Stats{Sent: 1000, Failed: failed, ByOutcome: by, PerRollout: per, LongestRun: longest},
		RolloutsAt:      []float64{3, 10},
		FailedPerSecond: []int{0, failed},
	}
}

func TestWriteTable(t *testing.T) {
	off := run("shutdown", "off", 30, map[load.Outcome]int{load.Refused: 20, load.Timeout: 10}, []int{12, 18}, 7, "-")
	warn := run("shutdown", "warn", 0, map[load.Outcome]int{}, []int{0, 0}, 0, "prestop-sleep/web")
	tests := map[string]struct {
		report Report
		want   string
	}{
		"runs only": {
			report: Report{Runs: []Run{off, warn}},
			want: `EXPERIMENT  MODE  SENT  FAILED  REFUSED  RESET  TIMEOUT  5XX  OTHER  PER ROLLOUT  LONGEST RUN  INJECTED
shutdown    off   1000  30      20       0      10       0    0      12 18        7            -
shutdown    warn  1000  0       0        0      0        0    0      0 0          0            prestop-sleep/web
`,
		},
		"runs and checks": {
			report: Report{Runs: []Run{warn}, Checks: []Check{
				{Name: "peers", Want: "3/3 Ready", Got: "3/3 Ready", Passed: true},
				{Name: "watchdog", Want: "an event", Got: "none"},
			}},
			want: `EXPERIMENT  MODE  SENT  FAILED  REFUSED  RESET  TIMEOUT  5XX  OTHER  PER ROLLOUT  LONGEST RUN  INJECTED
shutdown    warn  1000  0       0        0      0        0    0      0 0          0            prestop-sleep/web

SAFETY CHECK  WANT       GOT        RESULT
peers         3/3 Ready  3/3 Ready  pass
watchdog      an event   none       FAIL
`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			require.NoError(t, tc.report.WriteTable(&b))
			assert.Equal(t, tc.want, b.String())
		})
	}
}

func TestWriteJSON(t *testing.T) {
	r := Report{Date: "2026-12-03T10:00:00Z", Settings: Settings{Replicas: 3, Rollouts: 2, RatePerSec: 200},
		Runs: []Run{run("start-up", "off", 5, map[load.Outcome]int{load.Refused: 5}, []int{2, 3}, 3, "-")}}
	path := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, r.WriteJSON(path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"byOutcome": {`+"\n"+`          "refused": 5`, "outcomes by name")
	var back Report
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, r, back)
}

func TestPlot(t *testing.T) {
	r := Report{Settings: Settings{RatePerSec: 200}, Runs: []Run{
		run("shutdown", "off", 30, nil, nil, 7, "-"),
		run("shutdown", "warn", 0, nil, nil, 0, "prestop-sleep/web"),
	}}
	dir := t.TempDir()
	path := filepath.Join(dir, "shutdown.png")
	require.NoError(t, r.Plot("shutdown", "title", path))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "\x89PNG"), "a PNG")
	assert.ErrorContains(t, r.Plot("start-up", "title", filepath.Join(dir, "x.png")), `no run of experiment "start-up"`)
}
