package image

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyConfig is the content of an artifact's config: an empty JSON
// object, as the OCI empty descriptor's.
var emptyConfig = []byte("{}")

// artifact is an OCI artifact manifest: one blob of content and the
// subject it is about. Its config is empty, with the artifact's type as
// its media type as well as in artifactType: the form OCI 1.1 suggests
// for registries that predate artifactType (oras writes it with
// --image-spec v1.0), so that every registry's referrers list, which may
// report either field, shows the artifact's type.
type artifact struct {
	manifest []byte
	layer    v1.Layer
}

// newArtifact returns the artifact of content, of media type mt, about
// subject, as an image that go-containerregistry can write to a registry
// or a layout.
func newArtifact(content []byte, mt types.MediaType, subject v1.Descriptor, created time.Time) (v1.Image, error) {
	layer := static.NewLayer(content, mt)
	ld, err := partial.Descriptor(layer)
	if err != nil {
		return nil, err
	}
	ld.Annotations = map[string]string{"org.opencontainers.image.title": "sbom.spdx.json"}
	cd, err := partial.Descriptor(static.NewLayer(emptyConfig, mt))
	if err != nil {
		return nil, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  string(mt),
		Config:        *cd,
		Layers:        []v1.Descriptor{*ld},
		Subject:       &subject,
		Annotations:   map[string]string{"org.opencontainers.image.created": created.UTC().Format(time.RFC3339)},
	}
	raw, err := marshal(m)
	if err != nil {
		return nil, err
	}
	return partial.CompressedToImage(&artifact{manifest: raw, layer: layer})
}

// RawConfigFile implements partial.CompressedImageCore.
func (a *artifact) RawConfigFile() ([]byte, error) { return emptyConfig, nil }

// MediaType implements partial.CompressedImageCore.
func (a *artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// RawManifest implements partial.CompressedImageCore.
func (a *artifact) RawManifest() ([]byte, error) { return a.manifest, nil }

// LayerByDigest implements partial.CompressedImageCore.
func (a *artifact) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if d, err := a.layer.Digest(); err == nil && d == h {
		return a.layer, nil
	}
	return nil, fmt.Errorf("the artifact has no blob %s", h)
}
