package chart_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// installDir holds the raw manifests rendered from the chart.
const installDir = "config/install"

// TestRawManifestsAreCurrent renders the raw manifests with the Makefile's
// own recipe into a temporary directory and compares them with those in
// config/install: a chart change without `make manifests` fails here.
func TestRawManifestsAreCurrent(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(t.Context(), "make", "--no-print-directory", "-s", "render-manifests",
		"MANIFESTS_DIR="+dir, "HELM="+helmBinary(t))
	cmd.Dir = repoRoot(t)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "make render-manifests:\n%s", out)

	want, err := os.ReadDir(dir)
	require.NoError(t, err)
	got, err := os.ReadDir(filepath.Join(repoRoot(t), installDir))
	require.NoError(t, err)
	var wantNames, gotNames []string
	for _, e := range want {
		wantNames = append(wantNames, e.Name())
	}
	for _, e := range got {
		gotNames = append(gotNames, e.Name())
	}
	require.Equal(t, wantNames, gotNames, "the files of %s", installDir)
	for _, name := range wantNames {
		rendered, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Equal(t, string(rendered), string(readRepoFile(t, filepath.Join(installDir, name))),
			"%s/%s is not what the chart renders: run `make manifests`", installDir, name)
	}
}
