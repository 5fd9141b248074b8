package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAuditUnreadyAfterMustBePositive(t *testing.T) {
	for _, value := range []string{"0", "-5m"} {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", "/nonexistent", "--unready-after", value)
		assert.Equal(t, exitFailure, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "--unready-after "+value) // 0s, -5m0s
		assert.Contains(t, stderr, ": must be positive")
	}
}

func TestServeHelpListsAuditUnreadyAfter(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"serve", "--help"}, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, exitOK, code, stderr.String())
	var line string
	for l := range strings.Lines(stdout.String()) {
		if strings.Contains(l, "--audit-unready-after duration") {
			line = l
		}
	}
	assert.Contains(t, line, "ballast_injected_probe_unready_pods")
	assert.Contains(t, line, "(default 10m0s)")
}
