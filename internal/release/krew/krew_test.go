package krew_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/release/krew"
)

const tmpl = `spec:
  version: {{ .TagName }}
  platforms:
  - {{ addURIAndSha "https://example.com/{{ .TagName }}/ballast_{{ .TagName }}_linux_amd64.tar.gz" .TagName }}
    bin: ballast
`

func TestRender(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	tests := map[string]struct {
		sums    map[string]string
		want    string
		wantErr string
	}{
		"the archive's checksum": {
			sums: map[string]string{"ballast_v1.2.3_linux_amd64.tar.gz": sum},
			want: "spec:\n  version: v1.2.3\n  platforms:\n  - uri: https://example.com/v1.2.3/ballast_v1.2.3_linux_amd64.tar.gz\n    sha256: " + sum + "\n    bin: ballast\n",
		},
		"an archive the release lacks": {
			sums:    map[string]string{"ballast_v1.2.3_darwin_amd64.tar.gz": sum},
			wantErr: "the release has no archive ballast_v1.2.3_linux_amd64.tar.gz",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			out, err := krew.Render(tmpl, "v1.2.3", tc.sums)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(out))
		})
	}
}

// TestRenderTheReleaseTemplate renders the repository's template: every
// platform it lists gets its archive's checksum.
func TestRenderTheReleaseTemplate(t *testing.T) {
	text, err := os.ReadFile("../../../hack/release/krew/ballast.yaml.tmpl")
	require.NoError(t, err)
	sums := map[string]string{}
	for _, p := range []string{"linux_amd64.tar.gz", "linux_arm64.tar.gz", "darwin_amd64.tar.gz", "darwin_arm64.tar.gz", "windows_amd64.zip"} {
		sums["ballast_v1.2.3_"+p] = strings.Repeat("cd", 32)
	}
	out, err := krew.Render(string(text), "v1.2.3", sums)
	require.NoError(t, err)
	var plugin struct {
		Spec struct {
			Version   string `json:"version"`
			Platforms []struct {
				URI    string `json:"uri"`
				SHA256 string `json:"sha256"`
			} `json:"platforms"`
		} `json:"spec"`
	}
	require.NoError(t, yaml.Unmarshal(out, &plugin))
	assert.Equal(t, "v1.2.3", plugin.Spec.Version)
	require.Len(t, plugin.Spec.Platforms, len(sums))
	for _, p := range plugin.Spec.Platforms {
		assert.Equal(t, sums[p.URI[strings.LastIndex(p.URI, "/")+1:]], p.SHA256, p.URI)
	}

	_, err = krew.Render("{{ .Nope }}", "v1", nil)
	require.ErrorContains(t, err, "rendering the krew manifest")
}
