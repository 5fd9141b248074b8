package netutil

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// FreeAddr returns host:port, with a port of host that nothing listens on.
func FreeAddr(host string) (string, error) {
	addr, err := freeTCPAddr(host)
	if err != nil {
		return "", err
	}
	return addr.String(), nil
}

// FreePort returns a port of host that nothing listens on.
func FreePort(host string) (int, error) {
	addr, err := freeTCPAddr(host)
	if err != nil {
		return 0, err
	}
	return addr.Port, nil
}

// freeTCPAddr listens on port 0 of host, for the kernel to pick a free
// port, and closes the listener.
func freeTCPAddr(host string) (*net.TCPAddr, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	addr, ok := l.Addr().(*net.TCPAddr)
	if err := l.Close(); err != nil {
		return nil, fmt.Errorf("finding a free port on %s: %w", host, err)
	}
	if !ok {
		return nil, fmt.Errorf("finding a free port on %s: the listener's address %s is not TCP", host, l.Addr())
	}
	return addr, nil
}

// ErrStopped is the error WaitReady returns when the server stops before it
// is ready.
var ErrStopped = errors.New("the server stopped before it was ready")

// readyPollInterval is how often WaitReady asks again.
const readyPollInterval = 50 * time.Millisecond

// WaitReady polls url with GET requests until one is answered 200 OK, as
// the kubelet's readiness probe does. It returns ErrStopped when stopped is
// closed first (the server exited; a nil channel never closes), and an
// error wrapping ctx.Err(), with the last answer, when ctx ends first: give
// ctx a deadline to bound the wait.
func WaitReady(ctx context.Context, url string, stopped <-chan struct{}) error {
	tick := time.NewTicker(readyPollInterval)
	defer tick.Stop()
	last := "no answer yet"
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("building the readiness request: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else if ctx.Err() == nil {
			last = err.Error()
		}
		select {
		case <-stopped:
			return ErrStopped
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s to answer 200 OK (last: %s): %w", url, last, ctx.Err())
		case <-tick.C:
		}
	}
}
