package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPingUsage checks ping's failures before it reaches a cluster; the
// chart tests (test/chart, TestChartHelmTest) run it against one, as the
// chart's helm test does.
func TestPingUsage(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("not: [a kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		args []string
		want string
	}{
		"no namespace":                     {args: []string{"ping"}, want: `required flag(s) "namespace" not set`},
		"an argument":                      {args: []string{"ping", "-n", "shop", "extra"}, want: `unknown command "extra"`},
		"a bad kubeconfig":                 {args: []string{"ping", "-n", "shop", "--kubeconfig", kubeconfig}, want: "reading the kubeconfig"},
		"a kubeconfig that does not exist": {args: []string{"ping", "-n", "shop", "--kubeconfig", "/nonexistent/kubeconfig"}, want: "reading the kubeconfig"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := run(t, "", tc.args...)
			assert.Equal(t, exitFailure, code)
			assert.Contains(t, stderr, tc.want)
		})
	}
}
