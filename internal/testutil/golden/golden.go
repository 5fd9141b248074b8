// Package golden compares a test's output with a golden file, or rewrites
// the file when the test binary runs with -update (make update-golden).
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update is the -update flag of the test binaries that import the package.
var update = flag.Bool("update", false, "rewrite the golden files")

// Assert compares got with the golden file at path, or rewrites the file
// with -update.
func Assert(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run the test with -update to create it")
	assert.Equal(t, string(want), got, "differs from %s; run the test with -update if the change is intended", path)
}
