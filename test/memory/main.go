package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.ballast, "ballast", "bin/ballast", "the ballast binary to run")
	flag.IntVar(&cfg.namespaces, "namespaces", 10000, "how many namespaces to seed")
	flag.IntVar(&cfg.deployments, "deployments", 2, "how many Deployments to seed in each namespace")
	flag.IntVar(&cfg.workers, "workers", 16, "how many creates to send at once while seeding")
	flag.StringVar(&cfg.memoryLimit, "memory-limit", "256Mi", "ballast serve's --memory-limit (the chart's limits.memory); empty for none")
	flag.DurationVar(&cfg.auditInterval, "audit-interval", 3*time.Minute, "ballast serve's --audit-interval")
	flag.DurationVar(&cfg.steady, "steady", 30*time.Second, "how long to wait after start-up before the steady sample")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "memory: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, cfg, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "memory: %v\n", err)
		os.Exit(1)
	}
}
