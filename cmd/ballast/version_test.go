package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/version"
)

func TestVersion(t *testing.T) {
	code, stdout, stderr := run(t, "", "version")
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	require.Len(t, lines, 5)
	for i, key := range []string{"version:", "commit:", "built:", "go:", "platform:"} {
		assert.True(t, strings.HasPrefix(lines[i], key), "line %d: %q", i, lines[i])
	}
	assert.Equal(t, "go:       "+runtime.Version(), lines[3])
}

func TestVersionJSON(t *testing.T) {
	code, stdout, stderr := run(t, "", "version", "-o", "json")
	require.Equal(t, exitOK, code, stderr)
	var info version.Info
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&info))
	assert.Equal(t, version.Get(), info)
}

func TestVersionBadOutput(t *testing.T) {
	code, _, stderr := run(t, "", "version", "-o", "yaml")
	assert.Equal(t, exitFailure, code)
	assert.Equal(t, "Error: --output \"yaml\": must be text or json\n", stderr)
}
