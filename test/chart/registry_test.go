package chart_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ballastrelease "github.com/ballast-dev/ballast/internal/release"
	"github.com/ballast-dev/ballast/internal/release/gobuild"
	"github.com/ballast-dev/ballast/internal/release/sbom"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
)

// imagePlatforms are the platforms `make image` builds, and their ELF
// machines.
var imagePlatforms = map[string]elf.Machine{"linux/amd64": elf.EM_X86_64, "linux/arm64": elf.EM_AARCH64}

// testInstallFromRegistry publishes a release to an in-process OCI
// registry and installs it from there, as a platform team would: the
// image index built as `make image` builds it (package release), with its
// SBOMs, and the chart packaged and pushed with helm. Then helm installs
// the chart from its oci:// reference with the image pinned by digest,
// and the test checks that the Deployment the API server holds names
// exactly the pushed index, and that the index holds ballast for both
// platforms, each with its SBOM. No pod runs (there is no kubelet): the
// reference is what is checked.
func testInstallFromRegistry(t *testing.T, cp *controlplane.ControlPlane) {
	const rel, ns, version = "oci", "oci-system", "v0.0.0-oci-test"
	ctx := t.Context()
	srv := httptest.NewServer(registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	// The image.
	o := ballastrelease.Options{
		Dir:            repoRoot(t),
		Out:            t.TempDir(),
		Stamp:          gobuild.Stamp{Version: version, Commit: stamp["COMMIT"], Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		ImagePlatforms: []string{"linux/amd64", "linux/arm64"},
	}
	require.NoError(t, ballastrelease.Binaries(ctx, o, o.ImagePlatforms))
	img, err := ballastrelease.Image(o)
	require.NoError(t, err)
	tag, err := name.NewTag(host + "/ballast-dev/ballast:" + version)
	require.NoError(t, err)
	pushed, err := img.Push(ctx, tag)
	require.NoError(t, err)
	built, err := os.ReadFile(filepath.Join(o.Out, ballastrelease.ImageDigestFile))
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(string(built)), pushed.DigestStr(), "the registry holds the index make image wrote")

	// The chart.
	var chart struct {
		Version string `json:"version"`
	}
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/Chart.yaml"), &chart))
	pkgDir := t.TempDir()
	_, err = helmOutput(t, "package", chartDir(t), "-d", pkgDir)
	require.NoError(t, err)
	_, err = helmOutput(t, "push", filepath.Join(pkgDir, "ballast-"+chart.Version+".tgz"), "oci://"+host+"/charts", "--plain-http")
	require.NoError(t, err)

	// The install, from the registry.
	t.Cleanup(func() {
		// Not helmOutput: the test's context is done by now.
		if out, err := exec.Command(helmBinary(t), "uninstall", rel, "-n", ns, "--kubeconfig", cp.KubeconfigPath).CombinedOutput(); err != nil {
			t.Errorf("helm uninstall: %v: %s", err, out)
		}
	})
	_, err = helmOutput(t, "install", rel, "oci://"+host+"/charts/ballast", "--version", chart.Version, "--plain-http",
		"-n", ns, "--create-namespace", "--kubeconfig", cp.KubeconfigPath,
		"--set", "tls.mode=generate",
		"--set", "image.repository="+tag.Context().String(),
		"--set", "image.digest="+pushed.DigestStr())
	require.NoError(t, err)
	// No Service is reachable here: the webhooks would only slow the
	// other subtests down.
	deleteWebhookConfigurations(t, cp.Client, rel+"-ballast")

	var d appsv1.Deployment
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: rel + "-ballast"}, &d))
	require.Len(t, d.Spec.Template.Spec.Containers, 1)
	deployed := d.Spec.Template.Spec.Containers[0].Image
	assert.Equal(t, pushed.String(), deployed, "the Deployment names the pushed index by digest")

	// What that reference names, as a container runtime resolves it.
	ref, err := name.NewDigest(deployed)
	require.NoError(t, err)
	idx, err := remote.Index(ref, remote.WithContext(ctx))
	require.NoError(t, err)
	m, err := idx.IndexManifest()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, desc := range m.Manifests {
		require.NotNil(t, desc.Platform)
		p := desc.Platform.OS + "/" + desc.Platform.Architecture
		seen[p] = true
		t.Run(p, func(t *testing.T) {
			want, ok := imagePlatforms[p]
			require.True(t, ok, "the index lists %s, which make image does not build", p)
			pi, err := remote.Image(ref.Context().Digest(desc.Digest.String()), remote.WithContext(ctx))
			require.NoError(t, err)
			cfg, err := pi.ConfigFile()
			require.NoError(t, err)
			assert.Equal(t, desc.Platform.Architecture, cfg.Architecture)
			assert.Equal(t, "65532:65532", cfg.Config.User, "the user the chart runs as")
			assert.Equal(t, []string{"/ballast"}, cfg.Config.Entrypoint)

			bin := fileInImage(t, pi, "ballast")
			f, err := elf.NewFile(bytes.NewReader(bin))
			require.NoError(t, err)
			assert.Equal(t, want, f.Machine, "the binary is built for %s", p)
			local, err := os.ReadFile(o.BinaryPath(p))
			require.NoError(t, err)
			assert.Equal(t, sha256.Sum256(local), sha256.Sum256(bin), "the image holds the binary built for it")

			refs, err := remote.Referrers(ref.Context().Digest(desc.Digest.String()), remote.WithContext(ctx))
			require.NoError(t, err)
			rm, err := refs.IndexManifest()
			require.NoError(t, err)
			require.Len(t, rm.Manifests, 1, "the image has its SBOM as its one referrer")
			assert.Equal(t, sbom.MediaType, rm.Manifests[0].ArtifactType)
			art, err := remote.Image(ref.Context().Digest(rm.Manifests[0].Digest.String()), remote.WithContext(ctx))
			require.NoError(t, err)
			layers, err := art.Layers()
			require.NoError(t, err)
			require.Len(t, layers, 1)
			rc, err := layers[0].Uncompressed()
			require.NoError(t, err)
			doc, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			sum := sha256.Sum256(bin)
			assert.Contains(t, string(doc), `"checksumValue": "`+hex.EncodeToString(sum[:])+`"`, "the SBOM describes this binary")
		})
	}
	assert.Len(t, seen, len(imagePlatforms), "the index lists every platform: %v", seen)
}

// fileInImage returns the content of the file at path in img's layers.
func fileInImage(t *testing.T, img v1.Image, path string) []byte {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
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
			if hdr.Name == path {
				data, err := io.ReadAll(tr)
				require.NoError(t, err)
				require.NoError(t, rc.Close())
				return data
			}
		}
		require.NoError(t, rc.Close())
	}
	require.Failf(t, "no file", "the image has no %s", path)
	return nil
}
