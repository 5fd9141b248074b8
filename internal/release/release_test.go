package release_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/release"
	"github.com/ballast-dev/ballast/internal/release/archive"
	"github.com/ballast-dev/ballast/internal/release/gobuild"
	"github.com/ballast-dev/ballast/internal/release/image"
)

// module writes a module with a tiny main package at release.Package and
// a LICENSE, so that Dist runs in seconds; the real binary is built by
// test/chart and `make release-dry-run`.
func module(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, release.Package), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module github.com/ballast-dev/ballast\n\ngo 1.26\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, release.Package, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "LICENSE"), []byte("license\n"), 0o600))
	tmpl, err := os.ReadFile(filepath.Join("..", "..", release.KrewTemplate))
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(release.KrewTemplate)), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, release.KrewTemplate), tmpl, 0o600))
	return dir
}

// TestDist builds a release twice into two directories and checks what it
// holds, and that both are the same bytes.
func TestDist(t *testing.T) {
	dir := module(t)
	var sums [][]byte
	for range 2 {
		o := release.Options{
			Dir:            dir,
			Out:            t.TempDir(),
			Stamp:          gobuild.Stamp{Version: "v1.2.3", Commit: "abc", Date: time.Unix(1700000000, 0)},
			Platforms:      []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"},
			ImagePlatforms: []string{"linux/amd64", "linux/arm64"},
		}
		// A file put there before, as the Makefile puts the chart.
		require.NoError(t, os.WriteFile(filepath.Join(o.Out, "ballast-1.2.3.tgz"), []byte("chart"), 0o600))
		require.NoError(t, release.Dist(t.Context(), o))

		checksums, err := os.ReadFile(filepath.Join(o.Out, release.ChecksumsFile))
		require.NoError(t, err)
		sums = append(sums, checksums)
		listed := map[string]string{}
		sc := bufio.NewScanner(bytes.NewReader(checksums))
		for sc.Scan() {
			sum, file, ok := strings.Cut(sc.Text(), "  ")
			require.True(t, ok, sc.Text())
			listed[file] = sum
			got, err := archive.SHA256(filepath.Join(o.Out, file))
			require.NoError(t, err)
			assert.Equal(t, sum, got, file)
		}
		var names []string
		for f := range listed {
			names = append(names, f)
		}
		assert.ElementsMatch(t, []string{
			"ballast-1.2.3.tgz", "image.digest",
			"ballast-darwin-amd64", "ballast-darwin-amd64.spdx.json", "ballast_v1.2.3_darwin_amd64.tar.gz",
			"ballast-darwin-arm64", "ballast-darwin-arm64.spdx.json", "ballast_v1.2.3_darwin_arm64.tar.gz",
			"ballast-linux-amd64", "ballast-linux-amd64.spdx.json", "ballast_v1.2.3_linux_amd64.tar.gz",
			"ballast-linux-arm64", "ballast-linux-arm64.spdx.json", "ballast_v1.2.3_linux_arm64.tar.gz",
			"ballast-windows-amd64.exe", "ballast-windows-amd64.exe.spdx.json", "ballast_v1.2.3_windows_amd64.zip",
		}, names)

		var plugin struct {
			Spec struct {
				Version   string `json:"version"`
				Platforms []struct {
					Selector struct {
						MatchLabels map[string]string `json:"matchLabels"`
					} `json:"selector"`
					URI    string `json:"uri"`
					SHA256 string `json:"sha256"`
				} `json:"platforms"`
			} `json:"spec"`
		}
		raw, err := os.ReadFile(filepath.Join(o.Out, release.KrewManifest))
		require.NoError(t, err)
		require.NoError(t, yaml.Unmarshal(raw, &plugin))
		assert.Equal(t, "v1.2.3", plugin.Spec.Version)
		require.Len(t, plugin.Spec.Platforms, 5)
		for _, p := range plugin.Spec.Platforms {
			file := p.URI[strings.LastIndex(p.URI, "/")+1:]
			assert.Equal(t, "https://github.com/ballast-dev/ballast/releases/download/v1.2.3/"+file, p.URI)
			assert.Contains(t, file, "_"+p.Selector.MatchLabels["os"]+"_"+p.Selector.MatchLabels["arch"]+".")
			assert.Equal(t, listed[file], p.SHA256, "krew checks the archive it downloads")
		}

		img, err := image.ReadLayout(filepath.Join(o.Out, release.ImageDir), "v1.2.3")
		require.NoError(t, err)
		d, err := img.Index.Digest()
		require.NoError(t, err)
		digestFile, err := os.ReadFile(filepath.Join(o.Out, release.ImageDigestFile))
		require.NoError(t, err)
		assert.Equal(t, d.String()+"\n", string(digestFile))
		assert.Len(t, img.SBOMs, 2)
	}
	assert.Equal(t, string(sums[0]), string(sums[1]), "two builds of the same source give the same files")
}

func TestBinariesRejectsABadPlatform(t *testing.T) {
	o := release.Options{Dir: module(t), Out: t.TempDir()}
	require.EqualError(t, release.Binaries(t.Context(), o, []string{"linux"}), `platform "linux" is not os/arch`)
	_, err := release.Image(o)
	require.EqualError(t, err, "no image platforms")
}
