package sbom_test

import (
	"encoding/json"
	"os"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/release/sbom"
)

// doc is what the tests read of a document.
type doc struct {
	SPDXVersion       string `json:"spdxVersion"`
	Name              string `json:"name"`
	DocumentNamespace string `json:"documentNamespace"`
	CreationInfo      struct {
		Created  string   `json:"created"`
		Creators []string `json:"creators"`
	} `json:"creationInfo"`
	Packages []struct {
		Name         string `json:"name"`
		SPDXID       string `json:"SPDXID"`
		VersionInfo  string `json:"versionInfo"`
		ExternalRefs []struct {
			Locator string `json:"referenceLocator"`
		} `json:"externalRefs"`
	} `json:"packages"`
	Relationships []struct {
		Element string `json:"spdxElementId"`
		Type    string `json:"relationshipType"`
		Related string `json:"relatedSpdxElement"`
	} `json:"relationships"`
}

var created = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func opts() sbom.Options {
	return sbom.Options{Name: "ballast-v1.2.3-linux-amd64", Namespace: "https://example.com/spdx/", Version: "v1.2.3", Created: created, Creator: "test"}
}

func TestGenerate(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/ballast-dev/ballast", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "github.com/spf13/cobra", Version: "v1.10.2"},
			{Path: "k8s.io/api", Version: "v0.0.0", Replace: &debug.Module{Path: "k8s.io/api", Version: "v0.37.2"}},
		},
	}
	tests := map[string]struct {
		mainVersion string
		wantVersion string
	}{
		"a work tree's build takes the version of the options": {mainVersion: "(devel)", wantVersion: "v1.2.3"},
		"go install's module version wins":                     {mainVersion: "v1.2.4", wantVersion: "v1.2.4"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			bi.Main.Version = tc.mainVersion
			out, err := sbom.Generate(bi, "abc123", opts())
			require.NoError(t, err)
			var d doc
			require.NoError(t, json.Unmarshal(out, &d))
			assert.Equal(t, "SPDX-2.3", d.SPDXVersion)
			assert.Equal(t, "https://example.com/spdx/abc123", d.DocumentNamespace)
			assert.Equal(t, "2026-01-02T03:04:05Z", d.CreationInfo.Created)
			assert.Equal(t, []string{"Tool: test"}, d.CreationInfo.Creators)

			purls := map[string]string{}
			for _, p := range d.Packages {
				require.Len(t, p.ExternalRefs, 1)
				purls[p.Name] = p.ExternalRefs[0].Locator
			}
			assert.Equal(t, map[string]string{
				"github.com/ballast-dev/ballast": "pkg:golang/github.com/ballast-dev/ballast@" + tc.wantVersion,
				"stdlib":                         "pkg:golang/stdlib@1.26.8",
				"github.com/spf13/cobra":         "pkg:golang/github.com/spf13/cobra@v1.10.2",
				"k8s.io/api":                     "pkg:golang/k8s.io/api@v0.37.2",
			}, purls, "a replaced module is reported as its replacement")

			require.Len(t, d.Relationships, 4)
			assert.Equal(t, "DESCRIBES", d.Relationships[0].Type)
			assert.Equal(t, d.Packages[0].SPDXID, d.Relationships[0].Related)
			for _, r := range d.Relationships[1:] {
				assert.Equal(t, "DEPENDS_ON", r.Type)
				assert.Equal(t, d.Packages[0].SPDXID, r.Element)
			}
		})
	}
}

func TestGenerateErrors(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Path: "example.com/x"}}
	tests := map[string]struct {
		bi   *debug.BuildInfo
		opts func(*sbom.Options)
		want string
	}{
		"no name":        {bi: bi, opts: func(o *sbom.Options) { o.Name = "" }, want: "an SBOM needs a name, a namespace and a creation time"},
		"no namespace":   {bi: bi, opts: func(o *sbom.Options) { o.Namespace = "" }, want: "an SBOM needs a name, a namespace and a creation time"},
		"no time":        {bi: bi, opts: func(o *sbom.Options) { o.Created = time.Time{} }, want: "an SBOM needs a name, a namespace and a creation time"},
		"no main module": {bi: &debug.BuildInfo{}, opts: func(*sbom.Options) {}, want: "the build info names no main module"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := opts()
			tc.opts(&o)
			_, err := sbom.Generate(tc.bi, "abc", o)
			require.EqualError(t, err, tc.want)
		})
	}
}

// TestFile reads the test binary itself: a Go binary with build info. Two
// documents of the same binary are the same bytes.
func TestFile(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	first, err := sbom.File(exe, opts())
	require.NoError(t, err)
	second, err := sbom.File(exe, opts())
	require.NoError(t, err)
	assert.Equal(t, first, second)
	var d doc
	require.NoError(t, json.Unmarshal(first, &d))
	assert.Equal(t, "github.com/ballast-dev/ballast", d.Packages[0].Name, "the main module")

	_, err = sbom.File(os.Args[0]+".missing", opts())
	require.ErrorContains(t, err, "reading the build info of")
}
