package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unreachableKubeconfig names an API server nobody listens on: serve must
// fail on its inputs before it ever contacts one.
const unreachableKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: nowhere
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: nowhere
  context:
    cluster: nowhere
    user: nobody
current-context: nowhere
users:
- name: nobody
  user:
    token: none
`

func TestServeHelpListsEveryFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"serve", "--help"}, strings.NewReader(""), &stdout, &stderr)

	require.Equal(t, exitOK, code, stderr.String())
	for _, flag := range []string{
		"--policy-file", "--cert-dir", "--webhook-port", "--enable-http2",
		"--max-request-bytes", "--max-containers", "--max-concurrent-reviews", "--max-concurrent-review-bytes", "--memory-limit",
		"--metrics-bind-address", "--health-probe-bind-address", "--namespace-selector", "--audit-interval", "--audit-policy-reports", "--leader-elect",
		"--leader-election-namespace", "--graceful-shutdown-timeout", "--shutdown-delay", "--kubeconfig",
		"--zap-devel", "--zap-encoder", "--zap-log-level", "--zap-stacktrace-level", "--zap-time-encoding",
	} {
		assert.Contains(t, stdout.String(), flag)
	}
}

func TestServeFailsOnABrokenPolicyListingEveryProblem(t *testing.T) {
	dir := t.TempDir()
	policyFile := writeTestFile(t, dir, "policy.yaml", `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: enforcing
  rules:
    min-replicas:
      minimum: -1
`)
	kubeconfig := writeTestFile(t, dir, "kubeconfig", unreachableKubeconfig)

	var stdout, stderr bytes.Buffer
	code := Execute([]string{
		"serve", "--kubeconfig", kubeconfig, "--policy-file", policyFile, "--cert-dir", dir,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
	}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), "line 4: spec.mode")
	assert.Contains(t, stderr.String(), "line 7: spec.rules.min-replicas.minimum")
}

func TestServeFailsWithoutACertificate(t *testing.T) {
	dir := t.TempDir()
	policyFile := writeTestFile(t, dir, "policy.yaml", "")
	kubeconfig := writeTestFile(t, dir, "kubeconfig", unreachableKubeconfig)
	certDir := filepath.Join(dir, "certs")

	var stdout, stderr bytes.Buffer
	code := Execute([]string{
		"serve", "--kubeconfig", kubeconfig, "--policy-file", policyFile, "--cert-dir", certDir,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
	}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), "loading the serving certificate from "+certDir)
}

func TestServeRejectsAShutdownDelayNotShorterThanTheTimeout(t *testing.T) {
	dir := t.TempDir()
	policyFile := writeTestFile(t, dir, "policy.yaml", "")
	kubeconfig := writeTestFile(t, dir, "kubeconfig", unreachableKubeconfig)

	var stdout, stderr bytes.Buffer
	code := Execute([]string{
		"serve", "--kubeconfig", kubeconfig, "--policy-file", policyFile, "--cert-dir", dir,
		"--shutdown-delay", "10s", "--graceful-shutdown-timeout", "10s",
	}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), "the shutdown delay 10s is not shorter than the graceful shutdown timeout 10s")
}

func TestServeRejectsABadNamespaceSelector(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"serve", "--namespace-selector", "team in (a"}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), "--namespace-selector")
}

func TestServeRejectsLimitsOutOfRange(t *testing.T) {
	dir := t.TempDir()
	policyFile := writeTestFile(t, dir, "policy.yaml", "")
	kubeconfig := writeTestFile(t, dir, "kubeconfig", unreachableKubeconfig)

	var stdout, stderr bytes.Buffer
	code := Execute([]string{
		"serve", "--kubeconfig", kubeconfig, "--policy-file", policyFile, "--cert-dir", dir,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0",
		"--max-request-bytes", "8Mi", "--max-concurrent-review-bytes", "1Mi",
	}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), "the largest review, 8388608 bytes, must be positive and at most 7340032 bytes")
	assert.Contains(t, stderr.String(), "the most bytes of reviews judged at once, 1048576, must be at least the largest review")

	stderr.Reset()
	code = Execute([]string{"serve", "--memory-limit", "lots"}, strings.NewReader(""), &stdout, &stderr)
	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), `invalid argument "lots" for "--memory-limit" flag: not a quantity of bytes`)
}

func TestServeRejectsArguments(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := Execute([]string{"serve", "extra"}, strings.NewReader(""), &stdout, &stderr)

	assert.NotEqual(t, exitOK, code)
	assert.Contains(t, stderr.String(), `unknown command "extra"`)
}

func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}
