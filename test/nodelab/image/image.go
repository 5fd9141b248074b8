// Package image builds the node lab's container images from its own Go
// commands and imports them into containerd, with no registry: a static
// binary as /app in a single layer, written as a docker-save tarball with
// go-containerregistry, then `ctr images import`.
//
//	tar, err := image.Build(ctx, "./test/nodelab/webapp", "lab.local/webapp:v1", dir)
//	err = image.Import(ctx, "/run/containerd/containerd.sock", tar)
package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Entrypoint is where the binary sits in the image.
const Entrypoint = "/app"

// Namespace is containerd's namespace for the kubelet's images.
const Namespace = "k8s.io"

// Build compiles the Go main package pkg (static, for this machine's
// architecture) and writes an image of it, tagged ref, to a docker-save
// tarball in dir, whose path it returns. The build runs in the current
// module, so run it from the repository.
func Build(ctx context.Context, pkg, ref, dir string) (string, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	base := filepath.Base(pkg)
	bin := filepath.Join(dir, base)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %w: %s", pkg, err, strings.TrimSpace(string(out)))
	}
	binary, err := os.ReadFile(bin)
	if err != nil {
		return "", fmt.Errorf("reading the binary of %s: %w", pkg, err)
	}
	layerTar, err := layer(binary)
	if err != nil {
		return "", fmt.Errorf("packing %s into a layer: %w", pkg, err)
	}
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	})
	if err != nil {
		return "", fmt.Errorf("making the layer of %s: %w", ref, err)
	}
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		return "", fmt.Errorf("adding the layer of %s: %w", ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return "", fmt.Errorf("reading the config of %s: %w", ref, err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Config.Entrypoint = []string{Entrypoint}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return "", fmt.Errorf("setting the config of %s: %w", ref, err)
	}
	out := filepath.Join(dir, base+".tar")
	if err := tarball.WriteToFile(out, tag, img); err != nil {
		return "", fmt.Errorf("writing image %s to %s: %w", ref, out, err)
	}
	return out, nil
}

// layer returns a tar stream with binary as Entrypoint (mode 0755) and an
// empty /tmp.
func layer(binary []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	modTime := time.Unix(0, 0)
	headers := []*tar.Header{
		{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777, ModTime: modTime},
		{Name: strings.TrimPrefix(Entrypoint, "/"), Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(binary)), ModTime: modTime},
	}
	for _, h := range headers {
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("writing %s: %w", h.Name, err)
		}
	}
	if _, err := tw.Write(binary); err != nil {
		return nil, fmt.Errorf("writing %s: %w", Entrypoint, err)
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the layer: %w", err)
	}
	return buf.Bytes(), nil
}

// Import imports the docker-save tarball into containerd at address, in
// the kubelet's namespace.
func Import(ctx context.Context, address, tarPath string) error {
	out, err := exec.CommandContext(ctx, "ctr", "--address", address, "-n", Namespace, "images", "import", tarPath).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ctr images import %s: %w: %s", tarPath, err, strings.TrimSpace(string(out)))
	}
	return nil
}
