package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// result is what one round of load measured.
type result struct {
	// latencies of the reviews answered as expected.
	latencies []time.Duration
	// errors counts the others; firstErr is the first of them.
	errors   int
	firstErr error
	// elapsed is the round's wall time.
	elapsed time.Duration
}

// count returns the number of reviews sent.
func (r *result) count() int {
	return len(r.latencies) + r.errors
}

// print writes the figures: reviews per second, latency percentiles, and
// the process's resident memory before the load and at its peak.
func (r *result) print(w io.Writer, before, after memory, load string) {
	slices.Sort(r.latencies)
	fmt.Fprintf(w, "reviews     %d in %s, %d errors\n", r.count(), r.elapsed.Round(time.Millisecond), r.errors)
	fmt.Fprintf(w, "throughput  %.0f reviews/s\n", float64(r.count())/r.elapsed.Seconds())
	fmt.Fprintf(w, "latency     p50 %s  p90 %s  p99 %s  max %s\n",
		ms(measure.Percentile(r.latencies, 0.50)), ms(measure.Percentile(r.latencies, 0.90)),
		ms(measure.Percentile(r.latencies, 0.99)), ms(measure.Percentile(r.latencies, 1)))
	fmt.Fprintf(w, "memory      peak RSS %s (VmHWM of the whole process: Ballast, its cache and the load generator); %s before the load\n",
		mib(after.peak), mib(before.rss))
	fmt.Fprintf(w, "load avg    %s at the end\n", load)
}

// ms formats d in milliseconds with two decimals.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}

// mib formats a size in bytes in MiB with one decimal.
func mib(bytes int64) string {
	return strconv.FormatFloat(float64(bytes)/(1<<20), 'f', 1, 64) + " MiB"
}

// memory is the process's resident memory, in bytes.
type memory struct {
	rss  int64 // now (VmRSS)
	peak int64 // the most it ever was (VmHWM)
}

// readMemory reads the process's resident memory from /proc/self/status.
func readMemory() (memory, error) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return memory{}, fmt.Errorf("reading the process's memory (Linux only): %w", err)
	}
	return parseStatus(data)
}

// parseStatus reads VmRSS and VmHWM from the content of /proc/PID/status.
func parseStatus(data []byte) (memory, error) {
	var m memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var into *int64
		switch key {
		case "VmRSS":
			into = &m.rss
		case "VmHWM":
			into = &m.peak
		default:
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return memory{}, fmt.Errorf("parsing %s in /proc/self/status: %w", key, err)
		}
		*into = kb << 10
		found++
	}
	if found != 2 {
		return memory{}, errors.New("/proc/self/status has no VmRSS or no VmHWM")
	}
	return m, nil
}
