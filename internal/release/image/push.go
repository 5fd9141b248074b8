package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Push pushes the image to the registry as tag, then each SBOM artifact by
// its digest (go-containerregistry records it as a referrer of its
// subject, through the registry's referrers API or the referrers tag) and
// as sha256-<image digest>.sbom for cosign. It returns the index's
// reference by digest, the one to deploy.
func (i *Image) Push(ctx context.Context, tag name.Tag, opts ...remote.Option) (name.Digest, error) {
	opts = append(opts, remote.WithContext(ctx))
	if err := remote.WriteIndex(tag, i.Index, opts...); err != nil {
		return name.Digest{}, fmt.Errorf("pushing the index to %s: %w", tag, err)
	}
	d, err := i.Index.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	repo := tag.Context()
	for _, s := range i.SBOMs {
		sub, err := Subject(s)
		if err != nil {
			return name.Digest{}, err
		}
		sd, err := s.Digest()
		if err != nil {
			return name.Digest{}, err
		}
		if err := remote.Write(repo.Digest(sd.String()), s, opts...); err != nil {
			return name.Digest{}, fmt.Errorf("pushing the SBOM of %s: %w", sub.Digest, err)
		}
		if err := remote.Tag(repo.Tag(SBOMTag(sub.Digest)), s, opts...); err != nil {
			return name.Digest{}, fmt.Errorf("tagging the SBOM of %s: %w", sub.Digest, err)
		}
	}
	return repo.Digest(d.String()), nil
}
