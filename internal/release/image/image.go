// Package image builds Ballast's container image without a container
// engine, with go-containerregistry: one OCI image index with an image per
// platform, each the static ballast binary on an empty base (a passwd and a
// group file for the user 65532, an empty /tmp and the user's home; no
// shell, no libc, nothing else), run as 65532:65532.
//
// The build is reproducible: every timestamp is the build's time (the
// commit's, or SOURCE_DATE_EPOCH), files are written in a fixed order and
// owned by numeric ids, so the same binaries give the same digests.
//
// Each platform's image gets its SBOM (package sbom) as an OCI artifact
// whose subject is that image: registries with the OCI 1.1 referrers API
// list it among the image's referrers (`oras discover`), others through the
// referrers tag go-containerregistry maintains, and it is also tagged
// sha256-<image digest>.sbom, where `cosign download sbom` looks.
package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ballast-dev/ballast/internal/release/sbom"
)

const (
	// Entrypoint is where the binary is in the image, and the image's
	// entry point.
	Entrypoint = "/ballast"
	// User is the user and group the image runs as: distroless's nonroot,
	// the ones the chart's securityContext names.
	User = "65532:65532"
	// uid is User's numeric id.
	uid = 65532
)

// Binary is a static ballast binary and the platform it was built for.
type Binary struct {
	// Platform is its OS and architecture (and variant, if any).
	Platform v1.Platform
	// Path is the file.
	Path string
}

// Options say what to build.
type Options struct {
	// Binaries are the binaries, one per platform, in the order the index
	// lists them. Required.
	Binaries []Binary
	// Created is the build's time: every timestamp in the image. Required.
	Created time.Time
	// Annotations are the index's annotations and the images' labels,
	// such as org.opencontainers.image.version.
	Annotations map[string]string
	// SBOM says how to write each binary's SBOM; Name gets the platform
	// appended and Created is Options.Created.
	SBOM sbom.Options
}

// Image is a built image: the index, and the SBOM artifact of each of its
// images.
type Image struct {
	// Index lists one image per platform.
	Index v1.ImageIndex
	// SBOMs are the SBOM artifacts, each with an image of Index as its
	// subject.
	SBOMs []v1.Image
}

// Build builds the image index of opts.Binaries and their SBOMs.
func Build(opts Options) (*Image, error) {
	if len(opts.Binaries) == 0 || opts.Created.IsZero() {
		return nil, errors.New("an image needs binaries and a build time")
	}
	created := v1.Time{Time: opts.Created.UTC()}
	base, err := tarLayer(baseFiles(), created.Time)
	if err != nil {
		return nil, fmt.Errorf("building the base layer: %w", err)
	}
	out := &Image{Index: mutate.IndexMediaType(empty.Index, types.OCIImageIndex)}
	var adds []mutate.IndexAddendum
	for _, b := range opts.Binaries {
		img, err := platformImage(b, base, created, opts.Annotations)
		if err != nil {
			return nil, fmt.Errorf("building the image for %s: %w", b.Platform, err)
		}
		platform := b.Platform
		adds = append(adds, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &platform}})

		so := opts.SBOM
		so.Name = strings.Join([]string{so.Name, b.Platform.OS, b.Platform.Architecture}, "-")
		so.Created = created.Time
		doc, err := sbom.File(b.Path, so)
		if err != nil {
			return nil, err
		}
		subject, err := descriptor(img)
		if err != nil {
			return nil, err
		}
		art, err := newArtifact(doc, sbom.MediaType, *subject, created.Time)
		if err != nil {
			return nil, fmt.Errorf("building the SBOM artifact for %s: %w", b.Platform, err)
		}
		out.SBOMs = append(out.SBOMs, art)
	}
	out.Index = mutate.AppendManifests(out.Index, adds...)
	if len(opts.Annotations) > 0 {
		idx, ok := mutate.Annotations(out.Index, opts.Annotations).(v1.ImageIndex)
		if !ok {
			return nil, errors.New("annotating the index gave no index")
		}
		out.Index = idx
	}
	return out, nil
}

// platformImage is the image of one binary: the base layer, then the
// binary.
func platformImage(b Binary, base v1.Layer, created v1.Time, labels map[string]string) (v1.Image, error) {
	bin, err := os.ReadFile(b.Path)
	if err != nil {
		return nil, fmt.Errorf("reading the binary: %w", err)
	}
	layer, err := tarLayer([]file{{name: strings.TrimPrefix(Entrypoint, "/"), mode: 0o755, data: bin}}, created.Time)
	if err != nil {
		return nil, fmt.Errorf("building the binary's layer: %w", err)
	}
	cfg := &v1.ConfigFile{
		Architecture: b.Platform.Architecture,
		OS:           b.Platform.OS,
		Variant:      b.Platform.Variant,
		Created:      created,
		Config: v1.Config{
			User:       User,
			Entrypoint: []string{Entrypoint},
			WorkingDir: "/",
			Labels:     labels,
		},
		RootFS: v1.RootFS{Type: "layers"},
	}
	img, err := mutate.ConfigFile(empty.Image, cfg)
	if err != nil {
		return nil, err
	}
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, History: v1.History{Created: created, CreatedBy: "ballast release: /etc/passwd, /etc/group, /tmp, /home/nonroot"}},
		mutate.Addendum{Layer: layer, History: v1.History{Created: created, CreatedBy: "ballast release: " + Entrypoint}},
	)
	if err != nil {
		return nil, err
	}
	img = mutate.MediaType(img, types.OCIManifestSchema1)
	return mutate.ConfigMediaType(img, types.OCIConfigJSON), nil
}

// file is an entry of a layer: a regular file, or a directory when its
// name ends in a slash.
type file struct {
	name     string
	mode     int64
	uid, gid int
	data     []byte
}

// baseFiles are the base's files: what distroless's static image gives
// its nonroot user and Ballast can use, without CA certificates or time
// zones, which Ballast does not read (it trusts the cluster's CA from its
// ServiceAccount).
func baseFiles() []file {
	return []file{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte("root:x:0:\nnonroot:x:65532:\n")},
		{name: "etc/passwd", mode: 0o644, data: []byte(
			"root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")},
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: uid, gid: uid},
		{name: "tmp/", mode: 0o1777},
	}
}

// tarLayer is a gzipped tar of files, each with the time t and numeric
// owners only, in the order of their names.
func tarLayer(files []file, t time.Time) (v1.Layer, error) {
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		hdr := &tar.Header{
			Name:    f.name,
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.gid,
			ModTime: t,
			Format:  tar.FormatPAX,
		}
		if strings.HasSuffix(f.name, "/") {
			hdr.Typeflag = tar.TypeDir
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.name, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, fmt.Errorf("writing %s: %w", f.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the tar: %w", err)
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer))
}

// descriptor is the descriptor of img, as a subject names it.
func descriptor(img v1.Image) (*v1.Descriptor, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	size, err := img.Size()
	if err != nil {
		return nil, err
	}
	mt, err := img.MediaType()
	if err != nil {
		return nil, err
	}
	return &v1.Descriptor{MediaType: mt, Size: size, Digest: d}, nil
}

// SBOMTag is the tag cosign gives the SBOM it attaches to the image
// digest d: sha256-<hex>.sbom.
func SBOMTag(d v1.Hash) string {
	return d.Algorithm + "-" + d.Hex + ".sbom"
}

// Subject returns the subject of an SBOM artifact.
func Subject(art v1.Image) (*v1.Descriptor, error) {
	m, err := art.Manifest()
	if err != nil {
		return nil, err
	}
	if m.Subject == nil {
		return nil, errors.New("the artifact has no subject")
	}
	return m.Subject, nil
}

// marshal is json.Marshal for the manifests of this package, which can
// always be encoded.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding a manifest: %w", err)
	}
	return b, nil
}
