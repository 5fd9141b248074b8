package image

import (
	"archive/tar"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuild builds the pause image and reads the tarball back as the
// container runtime will.
func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go binary")
	}
	dir := t.TempDir()
	path, err := Build(t.Context(), "../pause", "lab.local/pause:test", dir)
	require.NoError(t, err)
	tag, err := name.NewTag("lab.local/pause:test")
	require.NoError(t, err)
	img, err := tarball.ImageFromPath(path, &tag)
	require.NoError(t, err)

	cf, err := img.ConfigFile()
	require.NoError(t, err)
	assert.Equal(t, "linux", cf.OS)
	assert.Equal(t, runtime.GOARCH, cf.Architecture)
	assert.Equal(t, []string{Entrypoint}, cf.Config.Entrypoint)

	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	modes := map[string]int64{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		modes[h.Name] = h.Mode
	}
	assert.Equal(t, map[string]int64{"tmp/": 0o1777, "app": 0o755}, modes)
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Build(t.Context(), "../pause", "Not A Reference", dir)
	assert.ErrorContains(t, err, `image reference "Not A Reference"`)
	_, err = Build(t.Context(), "./does-not-exist", "lab.local/x:v1", filepath.Join(dir, "x"))
	assert.ErrorContains(t, err, "go build ./does-not-exist")
}
