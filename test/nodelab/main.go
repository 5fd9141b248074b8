// Command nodelab is `make node-lab`: it measures, on one real node, what
// Ballast's pod defaults do for real pods during rollouts. See the package
// documentation (doc.go) and docs/node-lab.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	cfg := config{Command: "nodelab " + strings.Join(os.Args[1:], " ")}
	flag.StringVar(&cfg.Ballast, "ballast", "bin/ballast", "the ballast binary to run")
	flag.StringVar(&cfg.Helm, "helm", "bin/helm", "the helm binary that renders the chart")
	flag.StringVar(&cfg.Chart, "chart", "charts/ballast", "Ballast's Helm chart")
	flag.StringVar(&cfg.BinDir, "bin-dir", "bin/k8s/v1.37.2", "the Kubernetes binaries: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy")
	flag.StringVar(&cfg.Out, "out", "docs/node-lab", "where to write the report (node-lab.json) and the plots")
	flag.StringVar(&cfg.NodeIP, "node-ip", "", "the node's address (default: the address of the default route's interface)")
	flag.IntVar(&cfg.Replicas, "replicas", 3, "replicas of the Deployment behind the Service")
	flag.IntVar(&cfg.Rollouts, "rollouts", 5, "rolling updates in a row per mode")
	flag.IntVar(&cfg.Rate, "rate", 200, "requests per second through the Service")
	flag.DurationVar(&cfg.Timeout, "timeout", time.Second, "each request's timeout")
	flag.DurationVar(&cfg.StartupDelay, "startup-delay", 3*time.Second, "how long the app takes to start listening in the start-up experiment")
	flag.BoolVar(&cfg.RestoreOnly, "restore", false, "only restore the host settings a killed run left changed, then exit")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "nodelab: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "nodelab: must run as root: it runs containerd, the kubelet and kube-proxy, which change the host's network, cgroups and mounts (and restore them)")
		os.Exit(2)
	}

	logf.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	switch {
	case err == nil:
	case interrupted:
		fmt.Fprintf(os.Stderr, "\nnodelab: interrupted: %v\n", err)
		os.Exit(130)
	default:
		fmt.Fprintf(os.Stderr, "\nnodelab: %v\n", err)
		os.Exit(1)
	}
}
