// Command demo is `make demo`: it runs Ballast as in production against a
// local Kubernetes control plane, applies the sample tenant workloads of
// config/samples/demo and prints what happened. See package
// internal/demo and docs/demo.md.
//
// It needs the control-plane binaries (`make k8s-bins`), helm
// (`make helm`) and the ballast binary (`make build`); `make demo` builds
// all three first. Ctrl-C stops it; it always cleans up after itself.
//
// Usage:
//
//	demo [-ballast bin/ballast] [-helm bin/helm] [-chart charts/ballast] [-samples config/samples/demo]
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

	"github.com/ballast-dev/ballast/internal/demo"
)

func main() {
	cfg := demo.Config{Out: os.Stdout}
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
	err := demo.Run(ctx, cfg)
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
