// Package krew writes the krew plugin manifest of a release, so that
// `kubectl krew install --manifest=ballast.yaml` (or, once the manifest is
// in krew-index, `kubectl krew install ballast`) installs `ballast` as
// `kubectl ballast`.
package krew

import (
	"errors"
	"fmt"

	"sigs.k8s.io/yaml"
)

// Platform is one archive of the release.
type Platform struct {
	// OS and Arch are krew's os and arch labels (GOOS and GOARCH).
	OS, Arch string
	// URI is where the release publishes the archive.
	URI string
	// SHA256 is the archive's checksum.
	SHA256 string
	// Bin is the binary's name in the archive.
	Bin string
}

// Options say what the manifest describes.
type Options struct {
	// Name is the plugin's name: `kubectl <name>`.
	Name string
	// Version is the release, vX.Y.Z.
	Version string
	// Homepage is the project's page.
	Homepage string
	// ShortDescription and Description are what `kubectl krew info` shows.
	ShortDescription, Description string
	// Platforms are the release's archives.
	Platforms []Platform
}

// manifest is krew's Plugin, krew.googlecontainertools.github.com/v1alpha2.
type manifest struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   metadata `json:"metadata"`
	Spec       spec     `json:"spec"`
}

type metadata struct {
	Name string `json:"name"`
}

type spec struct {
	Version          string     `json:"version"`
	Homepage         string     `json:"homepage"`
	ShortDescription string     `json:"shortDescription"`
	Description      string     `json:"description"`
	Platforms        []platform `json:"platforms"`
}

type platform struct {
	Selector selector `json:"selector"`
	URI      string   `json:"uri"`
	SHA256   string   `json:"sha256"`
	Bin      string   `json:"bin"`
}

type selector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

// Manifest returns the plugin manifest, in YAML.
func Manifest(opts Options) ([]byte, error) {
	if opts.Name == "" || opts.Version == "" || len(opts.Platforms) == 0 {
		return nil, errors.New("a krew manifest needs a name, a version and platforms")
	}
	m := manifest{
		APIVersion: "krew.googlecontainertools.github.com/v1alpha2",
		Kind:       "Plugin",
		Metadata:   metadata{Name: opts.Name},
		Spec: spec{
			Version:          opts.Version,
			Homepage:         opts.Homepage,
			ShortDescription: opts.ShortDescription,
			Description:      opts.Description,
		},
	}
	for _, p := range opts.Platforms {
		if p.URI == "" || len(p.SHA256) != 64 || p.Bin == "" {
			return nil, fmt.Errorf("platform %s/%s needs a URI, a SHA-256 and a binary", p.OS, p.Arch)
		}
		m.Spec.Platforms = append(m.Spec.Platforms, platform{
			Selector: selector{MatchLabels: map[string]string{"os": p.OS, "arch": p.Arch}},
			URI:      p.URI,
			SHA256:   p.SHA256,
			Bin:      p.Bin,
		})
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encoding the krew manifest: %w", err)
	}
	return out, nil
}
