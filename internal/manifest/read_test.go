package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
)

// summary renders a document as "source apiVersion Kind namespace/name",
// with " typed" when it carries an Object and " from TEMPLATE" when it
// names one.
func summary(d Document) string {
	s := fmt.Sprintf("%s %s %s %s/%s", d.Source, d.APIVersion, d.Kind, d.Namespace, d.Name)
	if d.Object != nil {
		s += " typed"
	}
	if d.Template != "" {
		s += " from " + d.Template
	}
	return s
}

// read reads paths with the default options, and fails the test on notes,
// which only a directory walk of non-object documents makes.
func read(paths []string, stdin io.Reader) ([]Document, []Error) {
	return readLimited(paths, stdin, Limits{})
}

// readLimited reads paths within limits, as read does.
func readLimited(paths []string, stdin io.Reader, limits Limits) ([]Document, []Error) {
	in := Read(paths, stdin, Options{Limits: limits})
	if len(in.Notes) > 0 {
		panic(fmt.Sprintf("unexpected notes: %v", in.Notes))
	}
	return in.Documents, in.Errors
}

func summaries(docs []Document) []string {
	var out []string
	for _, d := range docs {
		out = append(out, summary(d))
	}
	return out
}

func messages(errs []Error) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
`

func TestReadStdin(t *testing.T) {
	tests := map[string]struct {
		input string
		docs  []string
		errs  []string
	}{
		"a single YAML document": {
			input: deployment,
			docs:  []string{"stdin:1 apps/v1 Deployment shop/web typed"},
		},
		"documents start past separators, comments and blank lines": {
			input: "---\n# a comment\n\n" + deployment + "--- # next\n\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n...\n",
			docs: []string{
				"stdin:4 apps/v1 Deployment shop/web typed",
				"stdin:14 v1 Pod /p typed",
			},
		},
		"empty and comment-only documents are skipped": {
			input: "---\n---\n# nothing\n---\n" + deployment + "---\n",
			docs:  []string{"stdin:5 apps/v1 Deployment shop/web typed"},
		},
		"a line that only starts with dashes does not separate": {
			input: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: |\n    ---x\n",
			docs:  []string{"stdin:1 v1 ConfigMap /c"},
		},
		"CRLF line endings": {
			input: strings.ReplaceAll(deployment+"---\n"+deployment, "\n", "\r\n"),
			docs: []string{
				"stdin:1 apps/v1 Deployment shop/web typed",
				"stdin:9 apps/v1 Deployment shop/web typed",
			},
		},
		"helm template output names each document's template": {
			input: "---\n# Source: shop/templates/web.yaml\n" + deployment + "---\n# Source: shop/templates/pdb.yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n",
			docs: []string{
				"stdin:3 apps/v1 Deployment shop/web typed from shop/templates/web.yaml",
				"stdin:12 policy/v1 PodDisruptionBudget /web typed from shop/templates/pdb.yaml",
			},
		},
		"a List is expanded to its items, each at its own line": {
			input: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: shop
-   apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: web, namespace: shop}
- {apiVersion: batch/v1, kind: CronJob, metadata: {name: report}}
`,
			docs: []string{
				"stdin:4 v1 Namespace /shop typed",
				"stdin:8 autoscaling/v2 HorizontalPodAutoscaler shop/web typed",
				"stdin:11 batch/v1 CronJob /report",
			},
		},
		"a typed list kind is expanded": {
			input: "apiVersion: apps/v1\nkind: DeploymentList\nmetadata: {}\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: a\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: b\n",
			docs: []string{
				"stdin:5 apps/v1 Deployment /a typed",
				"stdin:9 apps/v1 Deployment /b typed",
			},
		},
		"a kind ending in List without items is an object": {
			input: "apiVersion: example.com/v1\nkind: AllowList\nmetadata:\n  name: a\nspec: {}\n",
			docs:  []string{"stdin:1 example.com/v1 AllowList /a"},
		},
		"an empty List holds no objects": {
			input: "apiVersion: v1\nkind: List\nitems: []\n",
			errs:  []string{"stdin: no Kubernetes objects found"},
		},
		"a JSON object": {
			input: "\n{\n  \"apiVersion\": \"apps/v1\",\n  \"kind\": \"DaemonSet\",\n  \"metadata\": {\"name\": \"agent\"}\n}\n",
			docs:  []string{"stdin:2 apps/v1 DaemonSet /agent typed"},
		},
		"a JSON stream": {
			input: `{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}}
{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}},
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
]}`,
			docs: []string{
				"stdin:1 apps/v1 StatefulSet /db typed",
				"stdin:3 v1 Service /db typed",
				"stdin:4 v1 Pod /p typed",
			},
		},
		"a JSON stream stops at its first broken value": {
			input: "{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}}\n\n{\"kind\": }\n{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}\n",
			docs:  []string{"stdin:1 v1 Pod /p typed"},
			errs:  []string{"stdin:3: invalid JSON: invalid character '}' looking for beginning of value"},
		},
		"YAML in flow style is not mistaken for JSON": {
			input: "{apiVersion: v1, kind: Pod, metadata: {name: p}}\n",
			docs:  []string{"stdin:1 v1 Pod /p typed"},
		},
		"a broken document does not hide the others": {
			input: deployment + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n---\napiVersion: v1\nkind: Pod\n  metadata: x\n---\n" + deployment,
			docs: []string{
				"stdin:1 apps/v1 Deployment shop/web typed",
				"stdin:18 apps/v1 Deployment shop/web typed",
			},
			errs: []string{
				"stdin:12: unrendered template ({{ ... }}): render it first, e.g. with helm template",
				"stdin:16: invalid YAML: mapping values are not allowed in this context",
			},
		},
		"a template directive is reported at its line": {
			input: "# Source: shop/templates/web.yaml\n{{- if .Values.enabled }}\napiVersion: v1\nkind: Pod\n{{- end }}\n",
			errs:  []string{"stdin:2: unrendered template ({{ ... }}): render it first, e.g. with helm template"},
		},
		"a document that is not an object": {
			input: "- a\n- b\n---\njust a string\n---\n42\n",
			errs: []string{
				"stdin:1: not a Kubernetes object: the document is a list",
				"stdin:4: not a Kubernetes object: the document is a string",
				"stdin:6: not a Kubernetes object: the document is a number",
			},
		},
		"a list item that is not an object": {
			input: "apiVersion: v1\nkind: List\nitems:\n- 3\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n",
			docs:  []string{"stdin:5 v1 Pod /p typed"},
			errs:  []string{"stdin:4: not a Kubernetes object: the document is a number"},
		},
		"an object without kind or apiVersion": {
			input: "apiVersion: v1\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: b}\n---\napiVersion: v1\nkind: [Pod]\n",
			errs: []string{
				`stdin:1: invalid object: "kind" is missing`,
				`stdin:4: invalid Pod: "apiVersion" is missing`,
				"stdin:7: invalid object: json: cannot unmarshal array into Go struct field header.kind of type string",
			},
		},
		"an object of an evaluated kind that does not decode": {
			input: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: two\n",
			errs:  []string{`stdin:1: invalid Deployment "web": json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`},
		},
		"retired apiVersions of evaluated kinds": {
			input: "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: a}\n---\napiVersion: apps/v1beta2\nkind: StatefulSet\nmetadata: {name: b}\n---\napiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata: {name: c}\n---\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: d}\n",
			docs:  []string{"stdin:13 extensions/v1beta1 Ingress /d"},
			errs: []string{
				`stdin:1: Deployment "a": apiVersion extensions/v1beta1 is not served since Kubernetes 1.16; use apps/v1`,
				`stdin:5: StatefulSet "b": apiVersion apps/v1beta2 is not served since Kubernetes 1.16; use apps/v1`,
				`stdin:9: PodDisruptionBudget "c": apiVersion policy/v1beta1 is not served since Kubernetes 1.25; use policy/v1`,
			},
		},
		"other versions of evaluated kinds are kept untyped": {
			input: "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n",
			docs:  []string{"stdin:1 autoscaling/v1 HorizontalPodAutoscaler /web"},
		},
		"a byte order mark": {
			input: "\xef\xbb\xbf" + deployment,
			docs:  []string{"stdin:1 apps/v1 Deployment shop/web typed"},
		},
		"empty input": {
			input: "\n# nothing here\n",
			errs:  []string{"stdin: no Kubernetes objects found"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, errs := read([]string{"-"}, strings.NewReader(tc.input))
			assert.Equal(t, tc.docs, summaries(docs), "documents")
			assert.Equal(t, tc.errs, messages(errs), "errors")
		})
	}
}

func TestReadDecodesTypedObjects(t *testing.T) {
	docs, errs := read([]string{"-"}, strings.NewReader(deployment))
	require.Empty(t, errs)
	require.Len(t, docs, 1)
	d, ok := docs[0].Object.(*appsv1.Deployment)
	require.True(t, ok, "object is %T", docs[0].Object)
	assert.Equal(t, "web", d.Name)
	assert.Equal(t, int32(2), *d.Spec.Replicas)
	assert.JSONEq(t, `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":2}}`, string(docs[0].Raw))
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	pod := func(name string) string { return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n" }
	write("b.yaml", pod("b"))
	write("a.yml", pod("a"))
	write("c/d.JSON", `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}}`)
	write("c/README.md", pod("ignored"))
	write("c/e/f.yaml", "---\n"+pod("f"))
	write("empty/none.txt", pod("ignored"))
	write("chart/values.yaml", "replicaCount: 2\nimage: {repository: shop}\n")
	write("chart/kustomization.yaml", "resources: [../b.yaml]\n")
	write("chart/list.yml", "- a\n- b\n---\n"+pod("g"))
	write("chart/package.json", `{"name": "x"}`)
	write("chart/half.yaml", "kind: Deployment\nmetadata: {name: h}\n")
	write("chart/Chart.yaml", "apiVersion: v2\nname: shop\nversion: 0.1.0\n")
	t.Chdir(dir)

	chart := []string{
		"chart/half.yaml:1: invalid Deployment: \"apiVersion\" is missing",
	}
	chartNotes := []string{
		"chart/Chart.yaml:1: not a Kubernetes object (no kind): skipped",
		"chart/kustomization.yaml:1: not a Kubernetes object (no kind): skipped",
		"chart/list.yml:1: not a Kubernetes object (the document is a list): skipped",
		"chart/package.json:1: not a Kubernetes object (no kind): skipped",
		"chart/values.yaml:1: not a Kubernetes object (no kind): skipped",
	}
	tests := map[string]struct {
		paths   []string
		exclude []string
		stdin   string
		docs    []string
		errs    []string
		notes   []string
	}{
		"a directory is read recursively, in lexical order, manifest files only; documents that are no object are noted": {
			paths: []string{"."},
			docs: []string{
				"a.yml:1 v1 Pod /a typed",
				"b.yaml:1 v1 Pod /b typed",
				"c/d.JSON:1 v1 Pod /d typed",
				"c/e/f.yaml:2 v1 Pod /f typed",
				"chart/list.yml:4 v1 Pod /g typed",
			},
			errs:  chart,
			notes: chartNotes,
		},
		"a file named explicitly must hold objects only": {
			paths: []string{"chart/values.yaml", "chart/list.yml"},
			docs:  []string{"chart/list.yml:4 v1 Pod /g typed"},
			errs: []string{
				`chart/values.yaml:1: invalid object: "kind" is missing`,
				"chart/list.yml:1: not a Kubernetes object: the document is a list",
			},
		},
		"a directory of documents that are no objects has no objects": {
			paths:   []string{"chart"},
			exclude: []string{"half.yaml", "list.yml"},
			errs:    []string{"chart: no Kubernetes objects found"},
			notes:   []string{chartNotes[0], chartNotes[1], chartNotes[3], chartNotes[4]},
		},
		"--exclude by name skips files and directories at any depth": {
			paths:   []string{"."},
			exclude: []string{"chart", "*.JSON", "f.y*ml"},
			docs:    []string{"a.yml:1 v1 Pod /a typed", "b.yaml:1 v1 Pod /b typed"},
		},
		"--exclude with a separator matches the path below the directory walked": {
			paths:   []string{"."},
			exclude: []string{"c/*", "chart/*.yaml", "chart/*.json", "a.yml/x"},
			docs:    []string{"a.yml:1 v1 Pod /a typed", "b.yaml:1 v1 Pod /b typed", "chart/list.yml:4 v1 Pod /g typed"},
			notes:   []string{chartNotes[2]},
		},
		"--exclude never skips a path named explicitly": {
			paths:   []string{"a.yml", "c"},
			exclude: []string{"a.yml", "c", "e"},
			docs:    []string{"a.yml:1 v1 Pod /a typed", "c/d.JSON:1 v1 Pod /d typed"},
		},
		"paths are read in the order given, with stdin": {
			paths: []string{"c/e", "-", "a.yml"},
			stdin: pod("in"),
			docs: []string{
				"c/e/f.yaml:2 v1 Pod /f typed",
				"stdin:1 v1 Pod /in typed",
				"a.yml:1 v1 Pod /a typed",
			},
		},
		"a file named explicitly is read whatever its extension": {
			paths: []string{"c/README.md"},
			docs:  []string{"c/README.md:1 v1 Pod /ignored typed"},
		},
		"missing paths and paths without objects are errors": {
			paths: []string{"missing.yaml", "empty", "a.yml"},
			docs:  []string{"a.yml:1 v1 Pod /a typed"},
			errs: []string{
				"missing.yaml: no such file or directory",
				"empty: no Kubernetes objects found",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			in := Read(tc.paths, strings.NewReader(tc.stdin), Options{Exclude: tc.exclude})
			assert.Equal(t, tc.docs, summaries(in.Documents), "documents")
			assert.Equal(t, tc.errs, messages(in.Errors), "errors")
			assert.Equal(t, tc.notes, messages(in.Notes), "notes")
			for _, n := range in.Notes {
				assert.ErrorIs(t, n, ErrNotAnObject)
			}
		})
	}
}

func TestValidateExclude(t *testing.T) {
	tests := map[string]struct {
		patterns []string
		err      string
	}{
		"names and paths": {patterns: []string{"values.yaml", "charts/*/templates", "*.json"}},
		"none":            {},
		"a broken pattern": {
			patterns: []string{"ok", "[a-"},
			err:      `--exclude "[a-": syntax error in pattern: see the syntax of https://pkg.go.dev/path/filepath#Match`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := ValidateExclude(tc.patterns)
			if tc.err == "" {
				assert.NoError(t, err)
				return
			}
			assert.EqualError(t, err, tc.err)
			assert.ErrorIs(t, err, filepath.ErrBadPattern)
		})
	}
}

func TestReadErrorsUnwrap(t *testing.T) {
	_, errs := read([]string{"-", filepath.Join(t.TempDir(), "missing")}, strings.NewReader(""))
	require.Len(t, errs, 2)
	assert.ErrorIs(t, errs[0], ErrNoObjects)
	assert.ErrorIs(t, errs[1], fs.ErrNotExist)
}

func TestReadStdinFailure(t *testing.T) {
	boom := errors.New("boom")
	_, errs := read([]string{"-"}, iotest.ErrReader(boom))
	require.Len(t, errs, 1)
	assert.Equal(t, "stdin: read: boom", errs[0].Error())
	assert.ErrorIs(t, errs[0], boom)
}
