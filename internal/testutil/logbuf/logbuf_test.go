package logbuf_test

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
)

var _ io.Writer = &logbuf.Buffer{}

// TestBufferConcurrentWriters writes from several goroutines while reading;
// `go test -race` finds any unguarded access.
func TestBufferConcurrentWriters(t *testing.T) {
	var b logbuf.Buffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				if _, err := fmt.Fprintf(&b, "writer %d line %d\n", i, j); err != nil {
					t.Error(err) // not require: this is not the test's goroutine
				}
				_ = b.String()
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	assert.Len(t, lines, 8*100, "no write is lost")
	assert.Contains(t, lines, "writer 7 line 99")
}
