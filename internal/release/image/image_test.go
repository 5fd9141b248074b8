package image_test

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/release/image"
	"github.com/ballast-dev/ballast/internal/release/sbom"
)

var (
	amd64 = v1.Platform{OS: "linux", Architecture: "amd64"}
	arm64 = v1.Platform{OS: "linux", Architecture: "arm64"}
)

// options builds from the test binary, a Go binary with build info, for
// both platforms.
func options(t *testing.T, created time.Time) image.Options {
	t.Helper()
	exe, err := os.Executable()
	require.NoError(t, err)
	return image.Options{
		Binaries:    []image.Binary{{Platform: amd64, Path: exe}, {Platform: arm64, Path: exe}},
		Created:     created,
		Annotations: map[string]string{"org.opencontainers.image.version": "v0.0.0-test"},
		SBOM:        sbom.Options{Name: "ballast-v0.0.0-test", Namespace: "https://example.com/spdx"},
	}
}

func digest(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	require.NoError(t, err)
	return h
}

func TestBuildIsReproducible(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first, err := image.Build(options(t, created))
	require.NoError(t, err)
	second, err := image.Build(options(t, created))
	require.NoError(t, err)
	assert.Equal(t, digest(t, first.Index), digest(t, second.Index), "the same binaries and time give the same index")
	require.Len(t, second.SBOMs, 2)
	for i := range first.SBOMs {
		assert.Equal(t, digest(t, first.SBOMs[i]), digest(t, second.SBOMs[i]), "and the same SBOMs")
	}

	later, err := image.Build(options(t, created.Add(time.Second)))
	require.NoError(t, err)
	assert.NotEqual(t, digest(t, first.Index), digest(t, later.Index), "the build time is in the image")
}

func TestBuildErrors(t *testing.T) {
	tests := map[string]struct {
		opts image.Options
		want string
	}{
		"no binaries":     {opts: image.Options{Created: time.Unix(1, 0)}, want: "an image needs binaries and a build time"},
		"no time":         {opts: image.Options{Binaries: []image.Binary{{Platform: amd64, Path: "x"}}}, want: "an image needs binaries and a build time"},
		"missing binary":  {opts: image.Options{Binaries: []image.Binary{{Platform: amd64, Path: filepath.Join(t.TempDir(), "none")}}, Created: time.Unix(1, 0)}, want: "building the image for linux/amd64: reading the binary"},
		"not a Go binary": {opts: image.Options{Binaries: []image.Binary{{Platform: amd64, Path: writeFile(t, "#!/bin/sh\n")}}, Created: time.Unix(1, 0), SBOM: sbom.Options{Name: "n", Namespace: "https://example.com"}}, want: "reading the build info of"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := image.Build(tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o755))
	return p
}

// TestImageContent checks each platform's image: its platform, the
// non-root user, the binary as entry point, and files: the base's and the
// binary, no shell.
func TestImageContent(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opts := options(t, created)
	img, err := image.Build(opts)
	require.NoError(t, err)
	bin, err := os.ReadFile(opts.Binaries[0].Path)
	require.NoError(t, err)

	m, err := img.Index.IndexManifest()
	require.NoError(t, err)
	assert.Equal(t, "v0.0.0-test", m.Annotations["org.opencontainers.image.version"])
	var platforms []v1.Platform
	for _, d := range m.Manifests {
		require.NotNil(t, d.Platform)
		platforms = append(platforms, *d.Platform)
		pi, err := img.Index.Image(d.Digest)
		require.NoError(t, err)
		cfg, err := pi.ConfigFile()
		require.NoError(t, err)
		assert.Equal(t, d.Platform.Architecture, cfg.Architecture)
		assert.Equal(t, "linux", cfg.OS)
		assert.Equal(t, "65532:65532", cfg.Config.User)
		assert.Equal(t, []string{"/ballast"}, cfg.Config.Entrypoint)
		assert.True(t, cfg.Created.Equal(created))

		files := filesOf(t, pi)
		assert.Equal(t, []string{"ballast", "etc/", "etc/group", "etc/passwd", "home/", "home/nonroot/", "tmp/"}, sortedKeys(files))
		assert.Equal(t, bin, files["ballast"].data)
		assert.Equal(t, int64(0o755), files["ballast"].hdr.Mode)
		assert.Contains(t, string(files["etc/passwd"].data), "nonroot:x:65532:65532:")
		assert.Equal(t, 65532, files["home/nonroot/"].hdr.Uid)
		for _, f := range files {
			assert.True(t, f.hdr.ModTime.Equal(created), "%s has the build time", f.hdr.Name)
		}
	}
	assert.Equal(t, []v1.Platform{amd64, arm64}, platforms)
}

type entry struct {
	hdr  *tar.Header
	data []byte
}

// filesOf returns the files of img's layers by name.
func filesOf(t *testing.T, img v1.Image) map[string]entry {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	out := map[string]entry{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		require.NoError(t, err)
		tr := tar.NewReader(rc)
		for {
			hdr, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			data, err := io.ReadAll(tr)
			require.NoError(t, err)
			out[hdr.Name] = entry{hdr, data}
		}
		require.NoError(t, rc.Close())
	}
	return out
}

func sortedKeys(m map[string]entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestPush pushes the image, through an OCI layout, to an in-process
// registry with and without the referrers API, and finds each platform's
// SBOM as oras and cosign do: among the image's referrers, and at the tag
// sha256-<digest>.sbom.
func TestPush(t *testing.T) {
	img, err := image.Build(options(t, time.Unix(1700000000, 0)))
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "layout")
	require.NoError(t, img.WriteLayout(dir, "v0.0.0-test"))
	read, err := image.ReadLayout(dir, "v0.0.0-test")
	require.NoError(t, err)
	require.Equal(t, digest(t, img.Index), digest(t, read.Index), "the layout holds the index")
	require.Len(t, read.SBOMs, 2)

	_, err = image.ReadLayout(dir, "v9")
	require.ErrorContains(t, err, "has no index named v9")

	for name, referrersAPI := range map[string]bool{"referrers API": true, "referrers tag": false} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(referrersAPI), registry.Logger(log.New(io.Discard, "", 0))))
			t.Cleanup(srv.Close)
			tag, err := nameTag(strings.TrimPrefix(srv.URL, "http://") + "/ballast:v0.0.0-test")
			require.NoError(t, err)

			ref, err := read.Push(t.Context(), tag)
			require.NoError(t, err)
			assert.Equal(t, digest(t, img.Index).String(), ref.DigestStr())

			idx, err := remote.Index(ref)
			require.NoError(t, err)
			m, err := idx.IndexManifest()
			require.NoError(t, err)
			require.Len(t, m.Manifests, 2)
			for _, d := range m.Manifests {
				sub := tag.Context().Digest(d.Digest.String())
				refs, err := remote.Referrers(sub)
				require.NoError(t, err)
				rm, err := refs.IndexManifest()
				require.NoError(t, err)
				require.Len(t, rm.Manifests, 1, "%s has one referrer", d.Platform)
				assert.Equal(t, sbom.MediaType, rm.Manifests[0].ArtifactType)

				fromReferrers := sbomOf(t, tag.Context().Digest(rm.Manifests[0].Digest.String()))
				fromTag := sbomOf(t, tag.Context().Tag(image.SBOMTag(d.Digest)))
				assert.Equal(t, fromReferrers, fromTag, "cosign's tag names the referrer")
				var doc struct {
					Name string `json:"name"`
				}
				require.NoError(t, json.Unmarshal(fromTag, &doc))
				assert.Equal(t, "ballast-v0.0.0-test-linux-"+d.Platform.Architecture, doc.Name)
			}
		})
	}
}

func nameTag(s string) (name.Tag, error) { return name.NewTag(s) }

// sbomOf returns the one layer of the artifact at ref, as cosign download
// sbom reads it.
func sbomOf(t *testing.T, ref name.Reference) []byte {
	t.Helper()
	art, err := remote.Image(ref)
	require.NoError(t, err)
	layers, err := art.Layers()
	require.NoError(t, err)
	require.Len(t, layers, 1)
	mt, err := layers[0].MediaType()
	require.NoError(t, err)
	assert.Equal(t, sbom.MediaType, string(mt))
	rc, err := layers[0].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	return data
}
