// Command benchratio measures what Ballast's webhook handlers cost against
// the bare floor that any controller-runtime webhook pays (decode the
// review and the object in it, answer allowed), as ratios that mean
// something on a shared machine.
//
// Run one after the other with -count, each benchmark sees a different
// part of the machine's noise, and the ratio of their medians mixes two
// moments. Instead it runs each handler's benchmark and the floor's in
// turn, round after round, with a fixed number of iterations, and takes
// the ratio within each round, where both sides saw nearly the same
// machine; it prints the median and the range of those ratios. The two
// sides swap order every round, so neither is always the one that runs
// first after the other pair.
//
// The package's test binary is built once and run for each benchmark, so
// compiling is not in the loop. `make bench-ratios` runs it;
// docs/performance.md has its figures.
//
// Usage:
//
//	go run ./test/benchratio -rounds=11 -benchtime=10000x
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/ballast-dev/ballast/internal/testutil/measure"
)

// pkg is the package that holds the benchmarks.
const pkg = "./webhook"

// pairs are the handlers measured against the floor, over the same review.
var pairs = []pair{
	{label: "Pod", handler: "BenchmarkMutatePod", floor: "BenchmarkBareFloor/pod"},
	{label: "Deployment", handler: "BenchmarkValidateDeployment", floor: "BenchmarkBareFloor/deployment"},
}

// iterations is the form of -benchtime that benchratio accepts: a count.
var iterations = regexp.MustCompile(`^[1-9][0-9]*x$`)

// config is what the flags set.
type config struct {
	rounds    int
	benchtime string
	goCmd     string
}

func main() {
	var cfg config
	flag.IntVar(&cfg.rounds, "rounds", 11, "rounds; each runs every handler's benchmark and the floor's once, in turn")
	flag.StringVar(&cfg.benchtime, "benchtime", "10000x", "iterations of each benchmark in each round (-test.benchtime), a count such as 2000x")
	flag.StringVar(&cfg.goCmd, "go", "go", "the go command that builds the test binary")
	flag.Parse()
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(os.Stderr, "benchratio: %v\n", err)
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchratio: %v\n", err)
		os.Exit(1)
	}
}

// validate checks the flags.
func (c *config) validate() error {
	var errs []error
	if c.rounds < 1 {
		errs = append(errs, errors.New("-rounds must be at least 1"))
	}
	if !iterations.MatchString(c.benchtime) {
		errs = append(errs, fmt.Errorf("-benchtime must be a count of iterations such as 2000x, not %q: every round must do the same work", c.benchtime))
	}
	return errors.Join(errs...)
}

// run builds the test binary, runs the rounds and prints the table.
func run(ctx context.Context, cfg config) error {
	fmt.Printf("benchratio: %s, %d rounds, -benchtime %s each\n", pkg, cfg.rounds, cfg.benchtime)
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s %s/%s, load average %s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH, measure.LoadAverage())

	dir, err := os.MkdirTemp("", "benchratio-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	bin := filepath.Join(dir, "bench.test")
	if out, err := exec.CommandContext(ctx, cfg.goCmd, "test", "-c", "-o", bin, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("building the test binary of %s: %w\n%s", pkg, err, out)
	}
	// The binary runs in the package's directory, as `go test` runs it.
	pkgDir, err := exec.CommandContext(ctx, cfg.goCmd, "list", "-f", "{{.Dir}}", pkg).Output()
	if err != nil {
		return fmt.Errorf("finding the directory of %s: %w", pkg, err)
	}
	b := bencher{bin: bin, dir: strings.TrimSpace(string(pkgDir)), benchtime: cfg.benchtime}

	started := time.Now()
	rounds := make([][]round, len(pairs))
	for n := range cfg.rounds {
		line := fmt.Sprintf("round %2d/%d:", n+1, cfg.rounds)
		for i, p := range pairs {
			r, err := b.pair(ctx, p, n%2 == 1)
			if err != nil {
				return err
			}
			rounds[i] = append(rounds[i], r)
			line += fmt.Sprintf("  %s %.2f (%s/%s µs)", p.label, r.ratio(), micros(r.handler.nsPerOp), micros(r.floor.nsPerOp))
		}
		fmt.Println(line)
	}
	fmt.Println()
	if err := printTable(os.Stdout, pairs, rounds); err != nil {
		return err
	}
	fmt.Printf("\n%d rounds in %s; load average %s at the end\n", cfg.rounds, time.Since(started).Round(time.Second), measure.LoadAverage())
	return nil
}

// bencher runs one benchmark at a time from the built test binary.
type bencher struct {
	bin, dir, benchtime string
}

// pair runs p's two benchmarks one after the other, the floor first when
// floorFirst is set.
func (b bencher) pair(ctx context.Context, p pair, floorFirst bool) (round, error) {
	var (
		r   round
		err error
	)
	first, second := &r.handler, &r.floor
	firstName, secondName := p.handler, p.floor
	if floorFirst {
		first, second = second, first
		firstName, secondName = secondName, firstName
	}
	if *first, err = b.run(ctx, firstName); err != nil {
		return round{}, err
	}
	if *second, err = b.run(ctx, secondName); err != nil {
		return round{}, err
	}
	return r, nil
}

// run runs the benchmark name alone and returns its result.
func (b bencher) run(ctx context.Context, name string) (result, error) {
	cmd := exec.CommandContext(ctx, b.bin, "-test.run=^$", "-test.bench="+benchPattern(name),
		"-test.benchtime="+b.benchtime, "-test.benchmem", "-test.count=1")
	cmd.Dir = b.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("running %s: %w\n%s", name, err, out)
	}
	return parseResult(out, name)
}

// benchPattern returns the -test.bench pattern that selects the benchmark
// name and nothing else: each level of "BenchmarkX/sub" anchored.
func benchPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
