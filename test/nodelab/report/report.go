// Package report is the node lab's result: the model, the table it
// prints, the JSON file it writes and the plot of failed requests per
// second.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ballast-dev/ballast/test/nodelab/load"
)

// Report is a run of the node lab.
type Report struct {
	// Date is when the run started (RFC 3339, UTC).
	Date string `json:"date"`
	// Machine describes the host: CPUs, kernel, and the node's versions.
	Machine string `json:"machine"`
	// Command is how the lab was run.
	Command string `json:"command"`
	// Settings are the load and rollout settings.
	Settings Settings `json:"settings"`
	// Runs are the rollout experiments, each in one mode.
	Runs []Run `json:"runs"`
	// Checks are the safety checks.
	Checks []Check `json:"checks"`
}

// Settings are what every run shares.
type Settings struct {
	Replicas     int    `json:"replicas"`
	Rollouts     int    `json:"rollouts"`
	RatePerSec   int    `json:"ratePerSecond"`
	Timeout      string `json:"requestTimeout"`
	StartupDelay string `json:"startupDelay"`
}

// Run is one experiment in one mode.
type Run struct {
	// Experiment names the experiment: "shutdown" or "start-up".
	Experiment string `json:"experiment"`
	// Mode is the namespace's Ballast mode.
	Mode string `json:"mode"`
	// Injected is what Ballast injected into the pods (the
	// ballast.dev/injected annotation of one), "-" for nothing.
	Injected string `json:"injected"`
	// Stats are the load's figures.
	Stats load.Stats `json:"stats"`
	// RolloutsAt are the rollouts' start times, in seconds from the start
	// of the load.
	RolloutsAt []float64 `json:"rolloutsAt"`
	// FailedPerSecond counts the failed requests in each second.
	FailedPerSecond []int `json:"failedPerSecond"`
	// Duration is how long the load ran, in seconds.
	Duration float64 `json:"durationSeconds"`
}

// Check is one safety check.
type Check struct {
	Name   string `json:"name"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Passed bool   `json:"passed"`
}

// WriteTable prints the runs and the checks as aligned text tables.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"EXPERIMENT", "MODE", "SENT", "FAILED"}
	for _, o := range load.Failures {
		head = append(head, strings.ToUpper(string(o)))
	}
	head = append(head, "PER ROLLOUT", "LONGEST RUN", "INJECTED")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, run := range r.Runs {
		row := []string{run.Experiment, run.Mode, strconv.Itoa(run.Stats.Sent), strconv.Itoa(run.Stats.Failed)}
		for _, o := range load.Failures {
			row = append(row, strconv.Itoa(run.Stats.ByOutcome[o]))
		}
		per := make([]string, len(run.Stats.PerRollout))
		for i, n := range run.Stats.PerRollout {
			per[i] = strconv.Itoa(n)
		}
		row = append(row, strings.Join(per, " "), strconv.Itoa(run.Stats.LongestRun), run.Injected)
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if len(r.Checks) > 0 {
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "SAFETY CHECK\tWANT\tGOT\tRESULT")
		for _, c := range r.Checks {
			result := "FAIL"
			if c.Passed {
				result = "pass"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Want, c.Got, result)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}

// WriteJSON writes the report to path.
func (r *Report) WriteJSON(path string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
