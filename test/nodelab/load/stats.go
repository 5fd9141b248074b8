package load

import "time"

// Stats summarises a run.
type Stats struct {
	// Sent is the number of requests sent.
	Sent int `json:"sent"`
	// Failed is the number that did not get a 2xx-4xx answer.
	Failed int `json:"failed"`
	// ByOutcome counts the failures by outcome.
	ByOutcome map[Outcome]int `json:"byOutcome"`
	// PerRollout counts the failures in each rollout's window: from its
	// start to the next one's (the last one's to the end of the run).
	PerRollout []int `json:"perRollout"`
	// LongestRun is the longest run of consecutive failed requests, in the
	// order they were sent.
	LongestRun int `json:"longestRun"`
}

// Summarize computes the stats of results, sent in order, for rollouts
// that started at the given offsets (ascending). Failures before the first
// rollout count in no rollout's window.
func Summarize(results []Result, rollouts []time.Duration) Stats {
	s := Stats{Sent: len(results), ByOutcome: map[Outcome]int{}, PerRollout: make([]int, len(rollouts))}
	run := 0
	for _, r := range results {
		if r.Outcome == OK {
			run = 0
			continue
		}
		s.Failed++
		s.ByOutcome[r.Outcome]++
		run++
		s.LongestRun = max(s.LongestRun, run)
		for i := len(rollouts) - 1; i >= 0; i-- {
			if r.At >= rollouts[i] {
				s.PerRollout[i]++
				break
			}
		}
	}
	return s
}

// PerSecond counts the failed requests sent in each second of the run, up
// to the last request.
func PerSecond(results []Result) []int {
	if len(results) == 0 {
		return nil
	}
	counts := make([]int, int(results[len(results)-1].At/time.Second)+1)
	for _, r := range results {
		if r.Outcome != OK {
			counts[int(r.At/time.Second)]++
		}
	}
	return counts
}
