package krew_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/release/krew"
)

var sum = strings.Repeat("ab", 32)

func TestManifest(t *testing.T) {
	out, err := krew.Manifest(krew.Options{
		Name: "ballast", Version: "v1.2.3", Homepage: "https://example.com", ShortDescription: "short", Description: "long",
		Platforms: []krew.Platform{
			{OS: "linux", Arch: "amd64", URI: "https://example.com/ballast-v1.2.3-linux-amd64.tar.gz", SHA256: sum, Bin: "ballast"},
			{OS: "darwin", Arch: "arm64", URI: "https://example.com/ballast-v1.2.3-darwin-arm64.tar.gz", SHA256: sum, Bin: "ballast"},
		},
	})
	require.NoError(t, err)
	want := `apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: ballast
spec:
  description: long
  homepage: https://example.com
  platforms:
  - bin: ballast
    selector:
      matchLabels:
        arch: amd64
        os: linux
    sha256: ` + sum + `
    uri: https://example.com/ballast-v1.2.3-linux-amd64.tar.gz
  - bin: ballast
    selector:
      matchLabels:
        arch: arm64
        os: darwin
    sha256: ` + sum + `
    uri: https://example.com/ballast-v1.2.3-darwin-arm64.tar.gz
  shortDescription: short
  version: v1.2.3
`
	assert.Equal(t, want, string(out))
	var back map[string]any
	require.NoError(t, yaml.Unmarshal(out, &back))
}

func TestManifestErrors(t *testing.T) {
	ok := krew.Platform{OS: "linux", Arch: "amd64", URI: "https://example.com/a.tar.gz", SHA256: sum, Bin: "ballast"}
	tests := map[string]struct {
		opts krew.Options
		want string
	}{
		"no name":      {opts: krew.Options{Version: "v1", Platforms: []krew.Platform{ok}}, want: "a krew manifest needs a name, a version and platforms"},
		"no platforms": {opts: krew.Options{Name: "b", Version: "v1"}, want: "a krew manifest needs a name, a version and platforms"},
		"short sum": {opts: krew.Options{Name: "b", Version: "v1", Platforms: []krew.Platform{{OS: "linux", Arch: "arm64", URI: "u", SHA256: "ab", Bin: "b"}}},
			want: "platform linux/arm64 needs a URI, a SHA-256 and a binary"},
		"no uri": {opts: krew.Options{Name: "b", Version: "v1", Platforms: []krew.Platform{{OS: "darwin", Arch: "amd64", SHA256: sum, Bin: "b"}}},
			want: "platform darwin/amd64 needs a URI, a SHA-256 and a binary"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := krew.Manifest(tc.opts)
			require.EqualError(t, err, tc.want)
		})
	}
}
