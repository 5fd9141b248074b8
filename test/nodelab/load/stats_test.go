package load

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// results builds results one every 100 ms from a string of outcomes:
// '.' OK, 'r' refused, 'x' reset, 't' timeout, '5' 5xx, '?' other.
func results(s string) []Result {
	codes := map[rune]Outcome{'.': OK, 'r': Refused, 'x': Reset, 't': Timeout, '5': Status5xx, '?': Other}
	out := make([]Result, 0, len(s))
	for i, c := range s {
		out = append(out, Result{At: time.Duration(i) * 100 * time.Millisecond, Outcome: codes[c]})
	}
	return out
}

func TestSummarize(t *testing.T) {
	tests := map[string]struct {
		results  string
		rollouts []time.Duration
		want     Stats
	}{
		"no requests": {
			rollouts: []time.Duration{0},
			want:     Stats{ByOutcome: map[Outcome]int{}, PerRollout: []int{0}},
		},
		"all fine": {
			results:  "..........",
			rollouts: []time.Duration{0, 500 * time.Millisecond},
			want:     Stats{Sent: 10, ByOutcome: map[Outcome]int{}, PerRollout: []int{0, 0}},
		},
		"failures split by rollout window, the last runs to the end": {
			// rollouts at 0.2 s (index 2) and 0.6 s (index 6)
			results:  "..rr..txx5",
			rollouts: []time.Duration{200 * time.Millisecond, 600 * time.Millisecond},
			want: Stats{Sent: 10, Failed: 6, LongestRun: 4,
				ByOutcome:  map[Outcome]int{Refused: 2, Timeout: 1, Reset: 2, Status5xx: 1},
				PerRollout: []int{2, 4}},
		},
		"failures before the first rollout count in no window": {
			results:  "r?..r",
			rollouts: []time.Duration{300 * time.Millisecond},
			want: Stats{Sent: 5, Failed: 3, LongestRun: 2,
				ByOutcome: map[Outcome]int{Refused: 2, Other: 1}, PerRollout: []int{1}},
		},
		"the longest run is the longest, not the last": {
			results: "rrr.r.rr",
			want:    Stats{Sent: 8, Failed: 6, LongestRun: 3, ByOutcome: map[Outcome]int{Refused: 6}, PerRollout: []int{}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Summarize(results(tc.results), tc.rollouts))
		})
	}
}

func TestPerSecond(t *testing.T) {
	tests := map[string]struct {
		results string
		want    []int
	}{
		"nothing":                               {results: "", want: nil},
		"one second, no failure":                {results: "..........", want: []int{0}},
		"failures in the second they were sent": {results: "r.........xt...........5", want: []int{1, 2, 1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, PerSecond(results(tc.results)))
		})
	}
}
