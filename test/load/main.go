// Command load measures Ballast's admission webhook under load: reviews per
// second, latency percentiles and the process's peak memory.
//
// It starts what `ballast serve` runs, in process (the real manager and
// informer cache against a real kube-apiserver and etcd, the real webhook
// server with TLS on loopback, the real handlers), seeds the cluster with
// namespaces that each hold a Deployment, a PodDisruptionBudget, an
// HorizontalPodAutoscaler and two Services (what the handlers read from the
// cache), and then sends AdmissionReview POSTs to it over TLS, as the API
// server does:
//
//   - -kind=pod: Pod CREATE reviews on /mutate-pods, for a pod of a
//     ReplicaSet in a warn namespace, behind a Service; each answer carries
//     a JSON patch that injects the readiness probe and the other defaults.
//   - -kind=deployment: Deployment CREATE reviews on /validate-workloads,
//     for a one-replica Deployment without probes or resources in a warn
//     namespace, behind a Service; each answer carries the findings and
//     mutations, the readiness probe among them, as warnings.
//
// An answer that is not an HTTP 200 AdmissionReview with the request's UID
// and the expected content counts as an error.
//
// Then it measures the server's CPU time per review, Ballast's against the
// bare floor's (a server beside it, with the same TLS and certificate,
// that decodes the review and the object and answers allowed), in
// interleaved rounds, from a load generator in a process of its own: see
// cpu.go.
//
// It stops by itself after -requests reviews or -duration, whichever comes
// first, and listens on 127.0.0.1 only. The control-plane binaries come from
// KUBEBUILDER_ASSETS or bin/k8s (`make k8s-bins`). `make load-test` runs it
// for both kinds; docs/performance.md has its figures.
//
// Usage:
//
//	go run ./test/load -kind=pod -concurrency=8 -requests=20000 -duration=60s -cpu-rounds=5 -cpu-requests=5000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// config is what the flags set.
type config struct {
	kind        string
	concurrency int
	requests    int
	duration    time.Duration
	warmup      int
	namespaces  int
	cpuRounds   int
	cpuRequests int

	// The generator's mode (cpu.go): where to send, whom to trust, and
	// whether the answers are the floor's.
	generate string
	caFile   string
	floor    bool
}

func main() {
	var cfg config
	flag.StringVar(&cfg.kind, "kind", kindPod, `what to review: "pod" (mutation) or "deployment" (validation)`)
	flag.IntVar(&cfg.concurrency, "concurrency", 8, "requests in flight at once")
	flag.IntVar(&cfg.requests, "requests", 20000, "reviews to measure, after the warm-up")
	flag.DurationVar(&cfg.duration, "duration", time.Minute, "stop measuring after this long even if -requests are not all sent")
	flag.IntVar(&cfg.warmup, "warmup", 500, "reviews sent first and left out of the figures (connections, caches)")
	flag.IntVar(&cfg.namespaces, "namespaces", 50, "namespaces to seed, each with a Deployment, a PDB, an HPA and two Services; the reviews go round them")
	flag.IntVar(&cfg.cpuRounds, "cpu-rounds", 5, "rounds of server CPU per review, Ballast's and the floor's in turn, after the figures; 0 for none")
	flag.IntVar(&cfg.cpuRequests, "cpu-requests", 5000, "reviews to each server in each CPU round")
	flag.StringVar(&cfg.generate, "generate", "", "internal: be the CPU rounds' load generator and send -requests reviews to this host:port")
	flag.StringVar(&cfg.caFile, "ca", "", "internal: with -generate, the CA certificate to trust")
	flag.BoolVar(&cfg.floor, "floor", false, "internal: with -generate, expect the floor's answers")
	flag.Parse()

	if err := cfg.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if cfg.generate != "" {
		err = runGenerator(ctx, cfg)
	} else {
		err = run(ctx, cfg)
	}
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

func (c *config) validate() error {
	var errs []error
	if c.kind != kindPod && c.kind != kindDeployment {
		errs = append(errs, fmt.Errorf("-kind must be %q or %q, not %q", kindPod, kindDeployment, c.kind))
	}
	if c.concurrency < 1 {
		errs = append(errs, errors.New("-concurrency must be at least 1"))
	}
	if c.requests < 1 {
		errs = append(errs, errors.New("-requests must be at least 1"))
	}
	if c.duration <= 0 {
		errs = append(errs, errors.New("-duration must be positive"))
	}
	if c.warmup < 0 {
		errs = append(errs, errors.New("-warmup must not be negative"))
	}
	if c.namespaces < 1 {
		errs = append(errs, errors.New("-namespaces must be at least 1"))
	}
	if c.cpuRounds < 0 {
		errs = append(errs, errors.New("-cpu-rounds must not be negative"))
	}
	if c.cpuRounds > 0 && c.cpuRequests < 1 {
		errs = append(errs, errors.New("-cpu-requests must be at least 1"))
	}
	if c.generate != "" && c.caFile == "" {
		errs = append(errs, errors.New("-generate needs -ca"))
	}
	return errors.Join(errs...)
}

// run sets everything up, sends the load and prints the figures.
func run(ctx context.Context, cfg config) (err error) {
	fmt.Printf("Ballast load test: kind=%s concurrency=%d requests=%d (cap %s) warm-up=%d namespaces=%d\n",
		cfg.kind, cfg.concurrency, cfg.requests, cfg.duration, cfg.warmup, cfg.namespaces)
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s %s/%s, load average %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, measure.LoadAverage())

	started := time.Now()
	t, err := startTarget(ctx, cfg.namespaces)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, t.stop()) }()
	baseline, err := readMemory()
	if err != nil {
		return err
	}
	fmt.Printf("setup: control plane, %d seeded namespaces and Ballast ready in %s; RSS %s\n",
		cfg.namespaces, time.Since(started).Round(100*time.Millisecond), mib(baseline.rss))

	reviews, err := newReviews(cfg.kind, cfg.namespaces)
	if err != nil {
		return err
	}
	l := &loader{addr: t.addr, client: t.client, reviews: reviews, concurrency: cfg.concurrency}
	if cfg.warmup > 0 {
		if warm := l.send(ctx, cfg.warmup, cfg.duration); warm.errors > 0 {
			return fmt.Errorf("%d of %d warm-up reviews failed; the first: %w", warm.errors, warm.count(), warm.firstErr)
		}
	}
	res := l.send(ctx, cfg.requests, cfg.duration)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	mem, err := readMemory()
	if err != nil {
		return err
	}
	res.print(os.Stdout, baseline, mem, measure.LoadAverage())
	if res.errors > 0 {
		return fmt.Errorf("%d reviews failed; the first: %w", res.errors, res.firstErr)
	}
	if cfg.cpuRounds == 0 {
		return nil
	}
	if err := runCPURounds(ctx, os.Stdout, cfg, t); err != nil {
		return err
	}
	fmt.Printf("load avg    %s at the end\n", measure.LoadAverage())
	return nil
}
