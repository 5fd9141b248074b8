package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// timeoutError is a net.Error that timed out.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	tests := map[string]struct {
		err    error
		status int
		want   Outcome
	}{
		"200":                  {status: 200, want: OK},
		"404 is an answer":     {status: 404, want: OK},
		"503":                  {status: 503, want: Status5xx},
		"refused":              {err: fmt.Errorf("get: %w", opErr(syscall.ECONNREFUSED)), want: Refused},
		"reset":                {err: fmt.Errorf("get: %w", opErr(syscall.ECONNRESET)), want: Reset},
		"closed mid-response":  {err: fmt.Errorf("get: %w", io.ErrUnexpectedEOF), want: Reset},
		"deadline":             {err: fmt.Errorf("get: %w", os.ErrDeadlineExceeded), want: Timeout},
		"client timeout":       {err: fmt.Errorf("get: %w", timeoutError{}), want: Timeout},
		"context deadline":     {err: fmt.Errorf("get: %w", context.DeadlineExceeded), want: Timeout},
		"anything else":        {err: errors.New("no route to host"), want: Other},
		"unreachable is other": {err: opErr(syscall.EHOSTUNREACH), want: Other},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Classify(tc.err, tc.status))
		})
	}
}

// TestRun runs the load against a real server that answers 503 to every
// other request, then against a closed port.
func TestRun(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	res := Run(ctx, srv.URL, 100, time.Second, time.Now())
	require.NotEmpty(t, res)
	s := Summarize(res, nil)
	// A fixed rate is a ceiling, never exceeded; a loaded machine may send
	// fewer, so the floor is only that some were sent.
	assert.Positive(t, s.Sent)
	assert.LessOrEqual(t, s.Sent, 51, "100/s for half a second sends at most 51")
	assert.InDelta(t, s.Sent/2, s.ByOutcome[Status5xx], 1, "every other request")
	assert.Equal(t, s.ByOutcome[Status5xx], s.Failed)

	require.NoError(t, WaitServing(t.Context(), srv.URL+"/?", time.Second, 1))

	addr := srv.Listener.Addr().String()
	srv.Close()
	ctx, cancel = context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	for _, r := range Run(ctx, "http://"+addr, 100, time.Second, time.Now()) {
		assert.Equal(t, Refused, r.Outcome)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	assert.ErrorContains(t, WaitServing(ctx, "http://"+addr, time.Second, 1), "last: refused")
}
