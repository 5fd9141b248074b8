package image

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// refNameAnnotation names an entry of an OCI layout, as a tag names a
// manifest in a registry.
const refNameAnnotation = "org.opencontainers.image.ref.name"

// WriteLayout writes the image into a new OCI image layout at dir: the
// index named ref (a tag, such as the version), and each SBOM artifact
// named with the tag cosign would give it (sha256-<image digest>.sbom).
// Tools that read layouts (crane, oras, skopeo) can then copy it to a
// registry; Push does it with the referrers.
func (i *Image) WriteLayout(dir, ref string) error {
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("creating the layout %s: %w", dir, err)
	}
	if err := p.AppendIndex(i.Index, layout.WithAnnotations(map[string]string{refNameAnnotation: ref})); err != nil {
		return fmt.Errorf("writing the index to %s: %w", dir, err)
	}
	for _, s := range i.SBOMs {
		sub, err := Subject(s)
		if err != nil {
			return err
		}
		if err := p.AppendImage(s, layout.WithAnnotations(map[string]string{refNameAnnotation: SBOMTag(sub.Digest)})); err != nil {
			return fmt.Errorf("writing an SBOM to %s: %w", dir, err)
		}
	}
	return nil
}

// ReadLayout reads the image WriteLayout wrote to dir as ref.
func ReadLayout(dir, ref string) (*Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the layout %s: %w", dir, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading the layout %s: %w", dir, err)
	}
	m, err := top.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the layout %s: %w", dir, err)
	}
	out := &Image{}
	for _, d := range m.Manifests {
		name := d.Annotations[refNameAnnotation]
		switch {
		case name == ref && d.MediaType.IsIndex():
			if out.Index, err = top.ImageIndex(d.Digest); err != nil {
				return nil, fmt.Errorf("reading the index %s: %w", ref, err)
			}
		case strings.HasSuffix(name, ".sbom"):
			var s v1.Image
			if s, err = top.Image(d.Digest); err != nil {
				return nil, fmt.Errorf("reading the SBOM %s: %w", name, err)
			}
			out.SBOMs = append(out.SBOMs, s)
		}
	}
	if out.Index == nil {
		return nil, fmt.Errorf("the layout %s has no index named %s", dir, ref)
	}
	return out, nil
}
