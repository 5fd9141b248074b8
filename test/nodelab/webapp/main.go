// Command webapp is the node lab's test app: a small HTTP server that
// behaves as most apps do. It takes -startup-delay to start listening and
// stops listening as soon as it gets SIGTERM, then finishes the requests
// in flight and exits 0. -drain keeps it serving for a while after SIGTERM
// instead (the app-side fix, for comparison).
//
// With -peers-dir and -peers it behaves like an etcd member bootstrapping a
// cluster: it announces itself with a file in the shared directory and
// listens only once that many peers have announced themselves, so a
// readiness probe on its port would deadlock an OrderedReady StatefulSet.
//
// Every request gets 200 and the pod's name.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", ":8080", "the address to serve HTTP on")
	startupDelay := flag.Duration("startup-delay", 0, "how long the app takes to start listening")
	drain := flag.Duration("drain", 0, "how long the app keeps serving after SIGTERM before it stops listening (0: it stops at once, as most apps do)")
	peersDir := flag.String("peers-dir", "", "a directory shared by the peers; with -peers, listen only once that many peers have announced themselves there")
	peers := flag.Int("peers", 0, "how many peers (this one included) must announce themselves in -peers-dir before the app listens")
	flag.Parse()
	log.SetFlags(log.Ltime | log.Lmicroseconds)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	err := run(ctx, *addr, *startupDelay, *drain, *peersDir, *peers)
	stop()
	if err != nil {
		log.Printf("webapp: %v", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr string, startupDelay, drain time.Duration, peersDir string, peers int) error {
	name, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("reading the host name: %w", err)
	}
	log.Printf("starting: listening on %s in %s", addr, startupDelay)
	select {
	case <-time.After(startupDelay):
	case <-ctx.Done():
		log.Print("SIGTERM before listening: exiting")
		return nil
	}
	if peersDir != "" {
		if err := waitForPeers(ctx, peersDir, name, peers); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintln(w, name)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Printf("listening on %s", addr)

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Printf("SIGTERM: serving on for %s", drain)
	time.Sleep(drain)
	log.Print("closing the listener and finishing the requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	log.Print("stopped")
	return nil
}

// waitForPeers writes dir/name and waits until dir holds n files.
func waitForPeers(ctx context.Context, dir, name string, n int) error {
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
		return fmt.Errorf("announcing %s in %s: %w", name, dir, err)
	}
	for {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("reading the peers in %s: %w", dir, err)
		}
		log.Printf("%d of %d peers announced", len(entries), n)
		if len(entries) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}
