package manifest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead checks that no input makes Read panic, and that every document
// and error it returns is located in the input.
func FuzzRead(f *testing.F) {
	seeds := []string{
		deployment,
		"---\n# Source: shop/templates/web.yaml\n" + deployment + "---\n" + deployment,
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n- 3\n",
		"apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n",
		`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}{"apiVersion": "v1", "kind": "List", "items": [{}]}`,
		"{apiVersion: v1, kind: Pod}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: two\n  template:\n    spec:\n      containers: [{name: a, resources: {requests: {cpu: lots}}}]\n",
		"apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\n",
		"a: &a [*a]\n",
		"- a\n---\n42\n---\n\"s\"\n---\nnull\n",
		"\xef\xbb\xbf---\r\napiVersion: v1\r\nkind: Namespace\r\nmetadata:\r\n  name: shop\r\n  labels: {ballast.dev/mode: enforce}\r\n",
		"\x1f\x8b\x08\x00{{\xff}}",
		utf16LE("---\n" + deployment + "---\n" + deployment),
		"\n\n{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n  {\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n]}\n{",
		"{apiVersion: v1,\n kind: Pod}\n---\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, errs := read([]string{"-"}, bytes.NewReader(data))
		lines := bytes.Count(data, []byte("\n")) + 1
		for _, d := range docs {
			if d.Source.File != StdinName || d.Source.Line < 1 || d.Source.Line > lines {
				t.Errorf("document %s/%s at %s: outside the input's %d lines", d.Kind, d.Name, d.Source, lines)
			}
			if d.Kind == "" || d.APIVersion == "" || len(d.Raw) == 0 {
				t.Errorf("document at %s: incomplete: %+v", d.Source, d)
			}
		}
		for _, e := range errs {
			if e.Source.File != StdinName || e.Source.Line < 0 || e.Source.Line > lines || strings.TrimSpace(e.Err.Error()) == "" {
				t.Errorf("error %q: bad location or message", e)
			}
		}
		if len(docs)+len(errs) == 0 {
			t.Error("no documents and no errors: ErrNoObjects expected")
		}

		// In a directory walk, documents that are no object are notes;
		// every other document is what reading it alone gives.
		dir := t.TempDir()
		path := filepath.Join(dir, "in.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		walked := Read([]string{dir}, nil, Options{})
		if len(walked.Documents) != len(docs) {
			t.Errorf("walked: %d documents, read alone: %d", len(walked.Documents), len(docs))
		}
		for _, n := range walked.Notes {
			if !errors.Is(n, ErrNotAnObject) || n.Source.File != path || n.Source.Line < 1 || n.Source.Line > lines {
				t.Errorf("note %q: not ErrNotAnObject, or badly located", n)
			}
		}
		if len(walked.Errors)+len(walked.Notes) < len(errs) {
			t.Errorf("walked: %d errors and %d notes, read alone: %d errors", len(walked.Errors), len(walked.Notes), len(errs))
		}
	})
}
