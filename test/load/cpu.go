package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// The CPU rounds: after the figures of throughput and latency, the load
// test sends -cpu-requests reviews to Ballast and the same number to the
// floor, in turn (the order swapped every round), -cpu-rounds times. The
// load comes from a child process, the same program run with -generate,
// so that this process's CPU time over a batch (getrusage RUSAGE_SELF) is
// the server's alone: the handlers, TLS, HTTP, the garbage collector, and
// the informers, idle meanwhile. The server CPU per review is that time
// over the reviews; the ratio of Ballast's to the floor's within a round
// is what a review costs Ballast against any webhook.

// cpuBatch is what one batch of reviews, sent from the generator, cost.
type cpuBatch struct {
	reviews   int
	server    time.Duration // this process's CPU time over the batch
	generator time.Duration // the generator's CPU time
}

// perReview returns d over the batch's reviews, or 0 for an empty batch.
func (b cpuBatch) perReview(d time.Duration) time.Duration {
	if b.reviews == 0 {
		return 0
	}
	return d / time.Duration(b.reviews)
}

// cpuRound is a batch to Ballast and one to the floor.
type cpuRound struct {
	ballast, floor cpuBatch
}

// ratio is Ballast's server CPU per review over the floor's.
func (r cpuRound) ratio() float64 {
	return float64(r.ballast.perReview(r.ballast.server)) / float64(r.floor.perReview(r.floor.server))
}

// runCPURounds runs the CPU rounds against t and prints each and their
// summary.
func runCPURounds(ctx context.Context, w io.Writer, cfg config, t *target) error {
	fmt.Fprintf(w, "server CPU per review: %d rounds of %d reviews to Ballast and to the floor in turn, from a generator process\n", cfg.cpuRounds, cfg.cpuRequests)
	idle, err := idleCPU(ctx, idleSpan)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "idle: this process used %s of CPU in %s with no reviews (the informers, the garbage collector), counted in every batch\n", idle.Round(time.Microsecond), idleSpan)
	var rounds []cpuRound
	for n := range cfg.cpuRounds {
		var r cpuRound
		first, second := &r.ballast, &r.floor
		if n%2 == 1 {
			first, second = second, first
		}
		for _, b := range []*cpuBatch{first, second} {
			var err error
			addr := t.addr
			if b == &r.floor {
				addr = t.floor.addr
			}
			if *b, err = generate(ctx, cfg, addr, t.caFile, b == &r.floor); err != nil {
				return err
			}
		}
		rounds = append(rounds, r)
		fmt.Fprintf(w, "round %d/%d: Ballast %s, floor %s: ratio %.2f (generator %s and %s)\n", n+1, cfg.cpuRounds,
			micros(r.ballast.perReview(r.ballast.server)), micros(r.floor.perReview(r.floor.server)), r.ratio(),
			micros(r.ballast.perReview(r.ballast.generator)), micros(r.floor.perReview(r.floor.generator)))
	}
	return printCPU(w, rounds)
}

// printCPU writes the medians and ranges over rounds: the server CPU per
// review of Ballast and of the floor, their difference and their ratio,
// each taken within a round, and the generator's CPU per review.
func printCPU(w io.Writer, rounds []cpuRound) error {
	var ballast, floor, extra, genBallast, genFloor []time.Duration
	var ratios []float64
	for _, r := range rounds {
		b, f := r.ballast.perReview(r.ballast.server), r.floor.perReview(r.floor.server)
		ballast, floor, extra = append(ballast, b), append(floor, f), append(extra, b-f)
		genBallast = append(genBallast, r.ballast.perReview(r.ballast.generator))
		genFloor = append(genFloor, r.floor.perReview(r.floor.generator))
		ratios = append(ratios, r.ratio())
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "server CPU per review\tmedian\trange")
	for _, row := range []struct {
		name   string
		values []time.Duration
	}{
		{"Ballast", ballast}, {"floor", floor}, {"Ballast − floor", extra},
		{"generator, to Ballast", genBallast}, {"generator, to the floor", genFloor},
	} {
		s := measure.Summarize(row.values)
		fmt.Fprintf(tw, "%s\t%s\t%s–%s\n", row.name, micros(s.Median), micros(s.Min), micros(s.Max))
	}
	s := measure.Summarize(ratios)
	fmt.Fprintf(tw, "ratio Ballast/floor\t%.2f\t%.2f–%.2f\n", s.Median, s.Min, s.Max)
	return tw.Flush()
}

// generate runs the generator (this program with -generate) to send
// cfg.cpuRequests reviews to addr, and returns the CPU time that this
// process and the generator spent meanwhile.
func generate(ctx context.Context, cfg config, addr, caFile string, floor bool) (cpuBatch, error) {
	// This very program, even should its file be rebuilt meanwhile.
	cmd := exec.CommandContext(ctx, "/proc/self/exe", "-generate="+addr, "-ca="+caFile, "-floor="+strconv.FormatBool(floor),
		"-kind="+cfg.kind, "-namespaces="+strconv.Itoa(cfg.namespaces), "-concurrency="+strconv.Itoa(cfg.concurrency),
		"-requests="+strconv.Itoa(cfg.cpuRequests), "-duration="+cfg.duration.String())
	before, err := processCPU()
	if err != nil {
		return cpuBatch{}, err
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return cpuBatch{}, fmt.Errorf("the load generator: %w\n%s", err, out)
	}
	after, err := processCPU()
	if err != nil {
		return cpuBatch{}, err
	}
	return cpuBatch{
		reviews:   cfg.cpuRequests,
		server:    after - before,
		generator: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(),
	}, nil
}

// idleSpan is how long idleCPU watches the process at rest.
const idleSpan = 2 * time.Second

// idleCPU returns the CPU time this process uses in span with no load:
// what each batch's server time holds besides the reviews.
func idleCPU(ctx context.Context, span time.Duration) (time.Duration, error) {
	before, err := processCPU()
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, fmt.Errorf("interrupted: %w", ctx.Err())
	case <-time.After(span):
	}
	after, err := processCPU()
	if err != nil {
		return 0, err
	}
	return after - before, nil
}

// processCPU returns the CPU time, user and system, that this process has
// used, its children not included.
func processCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("getrusage: %w", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// runGenerator is the -generate mode: it sends cfg.requests reviews of
// cfg.kind to cfg.generate, trusting the CA in cfg.caFile, and fails
// unless every answer is as expected: Ballast's (see newReviews) or, with
// -floor, the floor's (allowed, for the request's UID).
func runGenerator(ctx context.Context, cfg config) error {
	pem, err := os.ReadFile(cfg.caFile)
	if err != nil {
		return fmt.Errorf("reading the CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return fmt.Errorf("no certificate in %s", cfg.caFile)
	}
	reviews, err := newReviews(cfg.kind, cfg.namespaces)
	if err != nil {
		return err
	}
	if cfg.floor {
		for i := range reviews {
			reviews[i].check = allowed
		}
	}
	l := &loader{addr: cfg.generate, client: newClient(roots), reviews: reviews, concurrency: cfg.concurrency}
	res := l.send(ctx, cfg.requests, cfg.duration)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case res.errors > 0:
		return fmt.Errorf("%d of %d reviews failed; the first: %w", res.errors, res.count(), res.firstErr)
	case res.count() < cfg.requests:
		return fmt.Errorf("only %d of %d reviews sent within %s", res.count(), cfg.requests, cfg.duration)
	}
	return nil
}

// allowed is the check of the floor's answers.
func allowed(resp *admissionv1.AdmissionResponse) error {
	if !resp.Allowed {
		return errors.New("want an allowed answer")
	}
	return nil
}

// micros formats d in µs with one decimal.
func micros(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Microsecond), 'f', 1, 64) + " µs"
}
