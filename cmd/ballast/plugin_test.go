package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"text/template"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func TestDisplayName(t *testing.T) {
	tests := map[string]string{
		"/usr/local/bin/ballast":             "ballast",
		"bin/kubectl-ballast":                "kubectl ballast",
		`C:\tools\kubectl-ballast.exe`:       "kubectl ballast",
		"/home/me/.krew/bin/kubectl-foo_bar": "kubectl foo-bar",
		"kubectl-":                           "ballast",
		"ballast.test":                       "ballast",
	}
	for program, want := range tests {
		t.Run(program, func(t *testing.T) {
			assert.Equal(t, want, displayName(strings.ReplaceAll(program, `\`, "/")))
		})
	}
}

func TestKubectlPluginNamesItself(t *testing.T) {
	for program, want := range map[string]string{
		"/tmp/bin/kubectl-ballast": "  kubectl ballast check -f PATH [-f PATH...] [flags]",
		"/tmp/bin/ballast":         "  ballast check -f PATH [-f PATH...] [flags]",
	} {
		t.Run(program, func(t *testing.T) {
			argv0 := os.Args[0]
			os.Args[0] = program
			t.Cleanup(func() { os.Args[0] = argv0 })
			code, stdout, _ := run(t, "", "check", "--help")
			assert.Equal(t, exitOK, code)
			assert.Contains(t, strings.Split(stdout, "\n"), want)
		})
	}
}

// krewPlugin is the part of a krew Plugin manifest the test reads.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
			URI    string `json:"uri"`
			SHA256 string `json:"sha256"`
			Bin    string `json:"bin"`
			Files  []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"files"`
		} `json:"platforms"`
	} `json:"spec"`
}

// TestKrewManifest renders the krew manifest template as krew-release-bot
// does, with a stand-in for the archives' checksums, and checks the result
// is a complete krew Plugin with an archive per platform.
func TestKrewManifest(t *testing.T) {
	const tag = "v1.2.3"
	const sum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	text, err := os.ReadFile("../../hack/release/krew/ballast.yaml.tmpl")
	require.NoError(t, err)
	tmpl, err := template.New("krew").Funcs(template.FuncMap{
		"addURIAndSha": func(url, tag string) string {
			return "uri: " + strings.ReplaceAll(url, "{{ .TagName }}", tag) + "\n    sha256: " + sum
		},
	}).Parse(string(text))
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, tmpl.Execute(&out, struct{ TagName string }{tag}))

	var p krewPlugin
	require.NoError(t, yaml.UnmarshalStrict(out.Bytes(), &p), out.String())
	assert.Equal(t, "krew.googlecontainertools.github.com/v1alpha2", p.APIVersion)
	assert.Equal(t, "Plugin", p.Kind)
	assert.Equal(t, "ballast", p.Metadata.Name, "kubectl runs it as kubectl ballast")
	assert.Equal(t, tag, p.Spec.Version)
	assert.NotEmpty(t, p.Spec.Homepage)
	assert.NotEmpty(t, p.Spec.ShortDescription)
	assert.NotEmpty(t, p.Spec.Description)

	var platforms []string
	for _, pl := range p.Spec.Platforms {
		os, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		platforms = append(platforms, os+"/"+arch)
		assert.Contains(t, pl.URI, "/releases/download/"+tag+"/ballast_"+tag+"_"+os+"_"+arch+".", "the archive of %s/%s", os, arch)
		assert.Equal(t, sum, pl.SHA256)
		var from []string
		for _, f := range pl.Files {
			from = append(from, f.From)
		}
		assert.Contains(t, from, pl.Bin, "the binary is among the files installed")
		assert.Contains(t, from, "LICENSE")
	}
	assert.ElementsMatch(t, []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}, platforms)
}
