package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	cfg := config{Out: os.Stdout}
	flag.StringVar(&cfg.Ballast, "ballast", "bin/ballast", "the ballast binary to run")
	flag.StringVar(&cfg.Helm, "helm", "bin/helm", "the helm binary that renders the chart")
	flag.StringVar(&cfg.Chart, "chart", "charts/ballast", "Ballast's Helm chart")
	flag.StringVar(&cfg.Samples, "samples", "config/samples/demo", "the sample policy and workloads")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "demo: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}

	// The demo's report is the output; envtest's own log lines are not.
	logf.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case err == nil:
	case interrupted:
		fmt.Fprintln(os.Stderr, "\ndemo: interrupted")
		os.Exit(130)
	default:
		fmt.Fprintf(os.Stderr, "\ndemo: %v\n", err)
		os.Exit(1)
	}
}
