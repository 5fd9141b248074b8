package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// heapMetrics are the series of the Go runtime's memory that each sample
// reads from Ballast's metrics endpoint, in the order the table shows
// them.
var heapMetrics = []string{
	"go_memstats_heap_inuse_bytes",
	"go_memstats_heap_alloc_bytes",
	"go_memstats_heap_sys_bytes",
	"go_memstats_alloc_bytes_total",
}

// sample is the memory of Ballast at one phase.
type sample struct {
	phase string
	// at is the time since Ballast started.
	at time.Duration
	// rss and hwm are VmRSS and VmHWM, in bytes.
	rss, hwm float64
	// heap holds the value of each of heapMetrics.
	heap []float64
}

// sampler takes samples of one Ballast process.
type sampler struct {
	pid        int
	metricsURL string
	start      time.Time
}

// take samples the process now.
func (s *sampler) take(ctx context.Context, phase string) (sample, error) {
	smp := sample{phase: phase, at: time.Since(s.start)}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return smp, fmt.Errorf("reading Ballast's status: %w", err)
	}
	if smp.rss, err = statusBytes(string(status), "VmRSS"); err != nil {
		return smp, err
	}
	if smp.hwm, err = statusBytes(string(status), "VmHWM"); err != nil {
		return smp, err
	}
	values, err := s.metrics(ctx)
	if err != nil {
		return smp, err
	}
	for _, name := range heapMetrics {
		v, ok := values[name]
		if !ok {
			return smp, fmt.Errorf("ballast's metrics have no %s", name)
		}
		smp.heap = append(smp.heap, v)
	}
	return smp, nil
}

// metric returns the value of the series name, without labels, or 0 when
// Ballast does not export it yet.
func (s *sampler) metric(ctx context.Context, name string) (float64, error) {
	values, err := s.metrics(ctx)
	return values[name], err
}

// metrics returns the value of each series without labels that Ballast's
// metrics endpoint serves, in the Prometheus text format.
func (s *sampler) metrics(ctx context.Context) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.metricsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("reading Ballast's metrics: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading Ballast's metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading Ballast's metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// parseMetrics reads the series without labels of a Prometheus text
// exposition.
func parseMetrics(r io.Reader) (map[string]float64, error) {
	values := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 || strings.HasPrefix(fields[0], "#") || strings.Contains(fields[0], "{") {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			return nil, fmt.Errorf("reading Ballast's metrics: series %s: %w", fields[0], err)
		}
		values[fields[0]] = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading Ballast's metrics: %w", err)
	}
	return values, nil
}

// statusBytes returns the field of /proc/PID/status, given in kB, in
// bytes.
func statusBytes(status, field string) (float64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		rest, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0, fmt.Errorf("reading %s: %w", field, err)
		}
		return kb * 1024, nil
	}
	return 0, fmt.Errorf("the process status has no %s", field)
}

// printTable writes the samples as one table, in MiB.
func printTable(out io.Writer, samples []sample) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tat\tVmRSS\tVmHWM\theap inuse\theap alloc\theap sys\tallocated total\t")
	for _, s := range samples {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t", s.phase, s.at.Round(time.Second), mib(s.rss), mib(s.hwm))
		for _, v := range s.heap {
			fmt.Fprintf(tw, "%s\t", mib(v))
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
	fmt.Fprintln(out, "(MiB; VmHWM is the peak RSS so far; allocated total counts every heap allocation since start)")
}

// mib formats bytes in MiB.
func mib(b float64) string { return strconv.FormatFloat(b/(1<<20), 'f', 1, 64) }
