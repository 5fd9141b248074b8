// Package krew renders the krew plugin manifest of a release from its
// template, hack/release/krew/ballast.yaml.tmpl, the way krew-release-bot
// does, so that `kubectl krew install --manifest=ballast.yaml` installs
// `ballast` as `kubectl ballast`, and the same template serves the bot's
// pull requests to krew-index.
//
// The template uses the bot's two names: .TagName, the release tag, and
// addURIAndSha "URL" .TagName, which writes the archive's uri and sha256
// lines. Here the checksum comes from the archive the release built, found
// by the URL's file name.
package krew

import (
	"bytes"
	"fmt"
	"path"
	"strings"
	"text/template"
)

// Render renders the template text for the release tag, with the SHA-256
// of each archive by its file name in sums. It fails when the template
// names an archive that sums does not have.
func Render(text, tag string, sums map[string]string) ([]byte, error) {
	tmpl, err := template.New("krew").Option("missingkey=error").Funcs(template.FuncMap{
		"addURIAndSha": func(url, tag string) (string, error) {
			url = strings.ReplaceAll(url, "{{ .TagName }}", tag)
			sum, ok := sums[path.Base(url)]
			if !ok {
				return "", fmt.Errorf("the release has no archive %s", path.Base(url))
			}
			return "uri: " + url + "\n    sha256: " + sum, nil
		},
	}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parsing the krew manifest template: %w", err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, struct{ TagName string }{tag}); err != nil {
		return nil, fmt.Errorf("rendering the krew manifest: %w", err)
	}
	return out.Bytes(), nil
}
