package report

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingWriter fails every write.
type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteJSON(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteJSON(&b, Summary{Mode: "warn", Rules: map[string]int{}}))
	assert.True(t, strings.HasPrefix(b.String(), "{\n  \"mode\": \"warn\",\n  \"objects\": 0,"), "indented by two spaces: %s", b.String())
	assert.True(t, strings.HasSuffix(b.String(), "}\n"), "ends with a newline")

	err := WriteJSON(failingWriter{}, Summary{})
	require.ErrorIs(t, err, errDiskFull)
	assert.ErrorContains(t, err, "write report: ")
}
