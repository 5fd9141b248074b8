package controlplane

import (
	"bytes"
	"sync"
	"testing"
)

// processLogLimit is how much of a process's output a processLog keeps for a
// failed test: the last part, where the reason usually is.
const processLogLimit = 256 << 10

// processLog is the io.Writer for a control-plane process's output. In
// stream mode it writes every line to the test log as it comes; otherwise it
// keeps the last processLogLimit bytes and writes them to the test log on
// Close if the test failed. Writes after Close are dropped, so a process that
// outlives the test cannot log into a finished test.
type processLog struct {
	t      testing.TB
	name   string
	stream bool

	mu        sync.Mutex
	buf       []byte // the partial last line (stream) or the kept output
	truncated bool
	closed    bool
}

func newProcessLog(t testing.TB, name string, stream bool) *processLog {
	return &processLog{t: t, name: name, stream: stream}
}

// Write implements io.Writer. It never fails.
func (l *processLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	if l.stream {
		for {
			i := bytes.IndexByte(l.buf, '\n')
			if i < 0 {
				break
			}
			l.t.Logf("%s: %s", l.name, l.buf[:i])
			l.buf = l.buf[i+1:]
		}
		return len(p), nil
	}
	if len(l.buf) > processLogLimit {
		// Keep three quarters, so that trimming is rare.
		keep := l.buf[len(l.buf)-processLogLimit*3/4:]
		if i := bytes.IndexByte(keep, '\n'); i >= 0 {
			keep = keep[i+1:]
		}
		l.buf = append([]byte(nil), keep...)
		l.truncated = true
	}
	return len(p), nil
}

// Close writes what is left to the test log (in stream mode, or when the test
// failed) and drops all later writes. It must be called before the test
// completes, from t.Cleanup.
func (l *processLog) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	out := bytes.TrimRight(l.buf, "\n")
	l.buf = nil
	switch {
	case len(out) == 0:
	case l.stream:
		l.t.Logf("%s: %s", l.name, out)
	case l.t.Failed():
		note := ""
		if l.truncated {
			note = ", last part"
		}
		l.t.Logf("output of %s%s:\n%s", l.name, note, out)
	}
}
