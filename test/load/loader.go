package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
)

// loader sends reviews to a webhook server from concurrency workers.
type loader struct {
	addr        string       // the server's host:port
	client      *http.Client // trusts the server's certificate
	reviews     []review
	concurrency int
}

// send sends n reviews, or as many as fit in limit, and returns what
// happened. The reviews go round l.reviews.
func (l *loader) send(ctx context.Context, n int, limit time.Duration) *result {
	var (
		next    atomic.Int64
		mu      sync.Mutex
		res     = &result{latencies: make([]time.Duration, 0, n)}
		wg      sync.WaitGroup
		started = time.Now()
	)
	deadline := started.Add(limit)
	for range l.concurrency {
		wg.Go(func() {
			var (
				latencies []time.Duration
				errs      int
				firstErr  error
			)
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil || time.Now().After(deadline) {
					break
				}
				r := &l.reviews[i%len(l.reviews)]
				t0 := time.Now()
				if err := l.do(ctx, r); err != nil {
					errs++
					if firstErr == nil {
						firstErr = err
					}
					continue
				}
				latencies = append(latencies, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, latencies...)
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(started)
	return res
}

// do sends one review and checks the answer.
func (l *loader) do(ctx context.Context, r *review) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+l.addr+r.path, bytes.NewReader(r.body))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", r.path, err)
	}
	defer func() {
		// Read to the end, so the connection is kept alive for the next.
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("POST %s: HTTP %d: %s", r.path, resp.StatusCode, msg)
	}
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil {
		return fmt.Errorf("POST %s: decoding the answer: %w", r.path, err)
	}
	if err := r.verify(&ar); err != nil {
		return fmt.Errorf("POST %s: %w", r.path, err)
	}
	return nil
}
