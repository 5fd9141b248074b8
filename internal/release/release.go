// Package release builds what a Ballast release publishes, into one
// directory (dist/) and without publishing anything: the ballast binaries
// for each platform with their SBOMs, .tar.gz archives of them, the krew
// plugin manifest, the container image as an OCI layout, and a SHA-256
// checksum of every file. `make release-dry-run` and `make image` run it
// through hack/release; the release workflow then publishes the directory.
//
// Every step is reproducible: the same commit, toolchain and build time
// (SOURCE_DATE_EPOCH, by default the commit's time) give the same bytes and
// the same image digest.
package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ballast-dev/ballast/internal/release/archive"
	"github.com/ballast-dev/ballast/internal/release/gobuild"
	"github.com/ballast-dev/ballast/internal/release/image"
	"github.com/ballast-dev/ballast/internal/release/krew"
	"github.com/ballast-dev/ballast/internal/release/sbom"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Names of what a release holds.
const (
	// Project is the binary's and the krew plugin's name.
	Project = "ballast"
	// Package is the binary's main package.
	Package = "./cmd/ballast"
	// ImageDir is the OCI layout of the image, in the output directory.
	ImageDir = "image"
	// ImageDigestFile holds the image index's digest, sha256:<hex>.
	ImageDigestFile = "image.digest"
	// ChecksumsFile lists the SHA-256 of every file of the directory.
	ChecksumsFile = "checksums.txt"
	// KrewManifest is the krew plugin manifest, named as krew-index names
	// it.
	KrewManifest = "krew/ballast.yaml"
	// KrewTemplate is the krew manifest's template, in the repository.
	KrewTemplate = "hack/release/krew/ballast.yaml.tmpl"
	// sourceURL is the project's repository.
	sourceURL = "https://github.com/ballast-dev/ballast"
)

// Options say what to build and where.
type Options struct {
	// Go is the go command; empty means "go".
	Go string
	// Dir is the module's root. Required.
	Dir string
	// Out is the output directory, such as dist. Required.
	Out string
	// Stamp is the version, commit and build time.
	Stamp gobuild.Stamp
	// Platforms are the binaries' platforms, as os/arch.
	Platforms []string
	// ImagePlatforms are the image's platforms, as linux/arch.
	ImagePlatforms []string
}

// BinaryPath is where the binary of os/arch is in the output directory.
func (o Options) BinaryPath(platform string) string {
	return filepath.Join(o.Out, Project+"-"+strings.ReplaceAll(platform, "/", "-")+exe(platform))
}

// exe is the suffix of executables on the platform.
func exe(platform string) string {
	if strings.HasPrefix(platform, "windows/") {
		return ".exe"
	}
	return ""
}

// Binaries builds the binary of each platform into the output directory,
// with its SBOM beside it (<binary>.spdx.json). It skips no platform: a
// binary already there is rebuilt.
func Binaries(ctx context.Context, o Options, platforms []string) error {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", o.Out, err)
	}
	for _, p := range platforms {
		goos, arch, ok := strings.Cut(p, "/")
		if !ok {
			return fmt.Errorf("platform %q is not os/arch", p)
		}
		out := o.BinaryPath(p)
		if err := gobuild.Build(ctx, gobuild.Options{
			Go: o.Go, Dir: o.Dir, Package: Package, OS: goos, Arch: arch, Stamp: o.Stamp, Out: out,
		}); err != nil {
			return err
		}
		doc, err := sbom.File(out, o.sbomOptions(Project+"-"+o.Stamp.Version+"-"+goos+"-"+arch))
		if err != nil {
			return err
		}
		if err := os.WriteFile(out+".spdx.json", doc, 0o644); err != nil {
			return fmt.Errorf("writing the SBOM of %s: %w", out, err)
		}
	}
	return nil
}

func (o Options) sbomOptions(name string) sbom.Options {
	return sbom.Options{
		Name:      name,
		Namespace: sourceURL + "/spdx/" + o.Stamp.Version,
		Version:   o.Stamp.Version,
		Created:   o.Stamp.Date,
		Creator:   "ballast-release-" + o.Stamp.Version,
	}
}

// Image builds the image from the binaries Binaries built for
// o.ImagePlatforms, writes it as an OCI layout to <out>/image, with the
// index named after the version, and its digest to <out>/image.digest.
func Image(o Options) (*image.Image, error) {
	if len(o.ImagePlatforms) == 0 {
		return nil, errors.New("no image platforms")
	}
	opts := image.Options{
		Created: o.Stamp.Date,
		Annotations: map[string]string{
			"org.opencontainers.image.title":       Project,
			"org.opencontainers.image.description": "Admission webhook that gives every tenant workload the reliability defaults an SRE would add by hand",
			"org.opencontainers.image.source":      sourceURL,
			"org.opencontainers.image.licenses":    "Apache-2.0",
			"org.opencontainers.image.version":     o.Stamp.Version,
			"org.opencontainers.image.revision":    o.Stamp.Commit,
			"org.opencontainers.image.created":     o.Stamp.Date.UTC().Format(time.RFC3339),
		},
		SBOM: o.sbomOptions(Project + "-" + o.Stamp.Version),
	}
	for _, p := range o.ImagePlatforms {
		goos, arch, _ := strings.Cut(p, "/")
		opts.Binaries = append(opts.Binaries, image.Binary{Platform: v1.Platform{OS: goos, Architecture: arch}, Path: o.BinaryPath(p)})
	}
	img, err := image.Build(opts)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(o.Out, ImageDir)
	if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("removing the old layout: %w", err)
	}
	if err := img.WriteLayout(dir, o.Stamp.Version); err != nil {
		return nil, err
	}
	d, err := img.Index.Digest()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Out, ImageDigestFile), []byte(d.String()+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing the image digest: %w", err)
	}
	return img, nil
}

// Dist builds everything a release publishes into the output directory:
// the binaries of o.Platforms with their SBOMs, an archive of each (the
// binary and LICENSE; .zip for Windows, else .tar.gz, named as the krew
// manifest template expects), the krew manifest from that template, the
// image of o.ImagePlatforms, and checksums.txt over every file at the top
// of the directory (so also over files put there before, such as the
// packaged chart).
func Dist(ctx context.Context, o Options) error {
	if err := Binaries(ctx, o, o.Platforms); err != nil {
		return err
	}
	sums := map[string]string{}
	for _, p := range o.Platforms {
		name, err := archivePlatform(o, p)
		if err != nil {
			return err
		}
		if sums[name], err = archive.SHA256(filepath.Join(o.Out, name)); err != nil {
			return err
		}
	}
	tmpl, err := os.ReadFile(filepath.Join(o.Dir, KrewTemplate))
	if err != nil {
		return fmt.Errorf("reading the krew manifest template: %w", err)
	}
	manifest, err := krew.Render(string(tmpl), o.Stamp.Version, sums)
	if err != nil {
		return err
	}
	krewPath := filepath.Join(o.Out, KrewManifest)
	if err := os.MkdirAll(filepath.Dir(krewPath), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(krewPath), err)
	}
	if err := os.WriteFile(krewPath, manifest, 0o644); err != nil {
		return fmt.Errorf("writing the krew manifest: %w", err)
	}
	if _, err := Image(o); err != nil {
		return err
	}
	return checksums(o.Out)
}

// archivePlatform writes the archive of the platform's binary and
// LICENSE, ballast_<version>_<os>_<arch>.tar.gz (.zip on Windows), and
// returns its name.
func archivePlatform(o Options, platform string) (string, error) {
	goos, arch, _ := strings.Cut(platform, "/")
	entries := []archive.Entry{
		{Name: Project + exe(platform), Path: o.BinaryPath(platform), Mode: 0o755},
		{Name: "LICENSE", Path: filepath.Join(o.Dir, "LICENSE"), Mode: 0o644},
	}
	base := Project + "_" + o.Stamp.Version + "_" + goos + "_" + arch
	if goos == "windows" {
		return base + ".zip", archive.Zip(filepath.Join(o.Out, base+".zip"), entries, o.Stamp.Date)
	}
	return base + ".tar.gz", archive.TarGz(filepath.Join(o.Out, base+".tar.gz"), entries, o.Stamp.Date)
}

// checksums writes checksums.txt over every regular file at the top of
// dir but itself.
func checksums(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("listing %s: %w", dir, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name() != ChecksumsFile {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return archive.Checksums(filepath.Join(dir, ChecksumsFile), files)
}
