package gobuild_test

import (
	"bytes"
	"debug/buildinfo"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/release/gobuild"
)

func TestLDFlags(t *testing.T) {
	got := gobuild.LDFlags(gobuild.Stamp{Version: "v1.2.3", Commit: "abc", Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))})
	assert.Equal(t, "-s -w -buildid= "+
		"-X github.com/ballast-dev/ballast/internal/version.version=v1.2.3 "+
		"-X github.com/ballast-dev/ballast/internal/version.commit=abc "+
		"-X github.com/ballast-dev/ballast/internal/version.date=2026-01-02T02:04:05Z", got)
}

// tinyModule writes a module with a main package that prints what -X
// stamps, and returns its directory.
func tinyModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/tiny\n\ngo 1.26\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600))
	return dir
}

// TestBuildIsReproducible builds a program twice, from two copies of its
// module in different directories, and gets the same bytes: no path, VCS
// stamp or build ID differs.
func TestBuildIsReproducible(t *testing.T) {
	stamp := gobuild.Stamp{Version: "v1.2.3", Commit: "abc", Date: time.Unix(1700000000, 0)}
	var bins [][]byte
	for range 2 {
		out := filepath.Join(t.TempDir(), "tiny")
		require.NoError(t, gobuild.Build(t.Context(), gobuild.Options{Dir: tinyModule(t), Package: ".", OS: "linux", Arch: "arm64", Stamp: stamp, Out: out}))
		data, err := os.ReadFile(out)
		require.NoError(t, err)
		bins = append(bins, data)

		bi, err := buildinfo.ReadFile(out)
		require.NoError(t, err)
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		assert.Equal(t, "0", settings["CGO_ENABLED"])
		assert.Equal(t, "true", settings["-trimpath"])
		assert.Equal(t, "arm64", settings["GOARCH"])
		assert.NotContains(t, settings, "vcs.revision")
	}
	assert.True(t, bytes.Equal(bins[0], bins[1]), "two builds give the same binary")
}

func TestBuildErrors(t *testing.T) {
	tests := map[string]struct {
		opts gobuild.Options
		want string
	}{
		"missing fields": {opts: gobuild.Options{Dir: "."}, want: "a build needs a module directory, a package, an OS, an architecture and an output file"},
		"no such package": {opts: gobuild.Options{Dir: tinyModule(t), Package: "./none", OS: "linux", Arch: "amd64", Out: filepath.Join(t.TempDir(), "x")},
			want: "GOOS=linux GOARCH=amd64 go build -trimpath"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := gobuild.Build(t.Context(), tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
