// Package load sends HTTP requests at a fixed rate, each on a new
// connection (as a client behind a Service opens them, and so that
// kube-proxy picks an endpoint for each), with a short timeout, and
// classifies what came back. Stats and PerSecond summarise the results.
package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// Outcome is what became of one request.
type Outcome string

// The outcomes. Every one but OK is a failure.
const (
	OK        Outcome = "ok"
	Refused   Outcome = "refused"
	Reset     Outcome = "reset"
	Timeout   Outcome = "timeout"
	Status5xx Outcome = "5xx"
	Other     Outcome = "other"
)

// Failures lists the failing outcomes, in the order reports show them.
var Failures = []Outcome{Refused, Reset, Timeout, Status5xx, Other}

// Result is one request: when it was sent, relative to the start of the
// run, and its outcome.
type Result struct {
	At      time.Duration `json:"at"`
	Outcome Outcome       `json:"outcome"`
}

// Run sends GET url at rate requests per second until ctx ends, and
// returns the results in the order they were sent, timed from start.
func Run(ctx context.Context, url string, rate int, timeout time.Duration, start time.Time) []Result {
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: timeout}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var (
		mu      sync.Mutex
		results []Result
		wg      sync.WaitGroup
	)
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			wg.Wait()
			return results
		case <-tick.C:
		}
		mu.Lock()
		results = append(results, Result{At: time.Since(start)})
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := get(c, url)
			mu.Lock()
			results[i].Outcome = o
			mu.Unlock()
		}()
	}
}

// get sends one request; it is not tied to the run's context, so that the
// requests sent before the end finish with their own outcome.
func get(c *http.Client, url string) Outcome {
	resp, err := c.Get(url)
	if err != nil {
		return Classify(err, 0)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return Classify(err, 0)
	}
	return Classify(nil, resp.StatusCode)
}

// Classify names the outcome of a request that returned err, or status.
func Classify(err error, status int) Outcome {
	var netErr net.Error
	switch {
	case err == nil && status >= 500:
		return Status5xx
	case err == nil:
		return OK
	case errors.Is(err, syscall.ECONNREFUSED):
		return Refused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.EPIPE):
		return Reset
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr) && netErr.Timeout():
		return Timeout
	default:
		return Other
	}
}

// WaitServing sends requests one after another, each on a new connection,
// until n in a row succeed: kube-proxy then routes the Service to ready
// endpoints only, and the measure can start. It gives up when ctx ends.
func WaitServing(ctx context.Context, url string, timeout time.Duration, n int) error {
	tr := &http.Transport{DisableKeepAlives: true, Proxy: nil}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: timeout}
	var last Outcome
	for ok := 0; ok < n; {
		if last = get(c, url); last == OK {
			ok++
			continue
		}
		ok = 0
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to answer %d requests in a row (last: %s): %w", url, n, last, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
