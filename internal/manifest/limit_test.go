package manifest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repeat is an input that repeats text until n bytes have been read, and
// counts them: an endless input for a reader that stops early enough.
type repeat struct {
	text []byte
	n    int64
	read int64
}

func newRepeat(text string, n int64) *repeat { return &repeat{text: []byte(text), n: n} }

func (r *repeat) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n-r.read)]
	for i := range p {
		p[i] = r.text[(r.read+int64(i))%int64(len(r.text))]
	}
	r.read += int64(len(p))
	return len(p), nil
}

// readWithin runs Read within limits, failing the test if it has not returned
// within a deadline: a regression fails instead of hanging the run.
func readWithin(t *testing.T, paths []string, stdin io.Reader, limits Limits) ([]Document, []Error) {
	t.Helper()
	type result struct {
		docs []Document
		errs []Error
	}
	done := make(chan result, 1)
	go func() {
		docs, errs := readLimited(paths, stdin, limits)
		done <- result{docs, errs}
	}()
	select {
	case r := <-done:
		return r.docs, r.errs
	case <-time.After(20 * time.Second):
		t.Fatalf("Read(%q) has not returned after 20s", paths)
		return nil, nil
	case <-t.Context().Done():
		t.Fatal("test cancelled")
		return nil, nil
	}
}

const (
	configMap     = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n"
	jsonConfigMap = `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}` + "\n"
)

func TestReadLimits(t *testing.T) {
	const endless = 1 << 30 // more than any limit below lets through
	big := filepath.Join(t.TempDir(), "big.yaml")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("---\n"+configMap), 1000), 0o600))

	tests := map[string]struct {
		paths  []string
		stdin  *repeat
		limits Limits
		docs   int // how many documents are read before the limit
		errs   []string
	}{
		"-f /dev/zero is not text, and is not read past its first bytes": {
			paths: []string{"/dev/zero"},
			errs:  []string{"/dev/zero: not YAML or JSON: a NUL byte at offset 0"},
		},
		"an endless line on stdin stops at the document limit": {
			paths:  []string{"-"},
			stdin:  newRepeat("y", endless),
			limits: Limits{Document: 64 << 10},
			errs:   []string{"stdin:1: document larger than the document size limit of 64Ki (--max-document-size): the rest of the input is not read"},
		},
		"an endless run of lines on stdin stops at the document limit": {
			paths:  []string{"-"},
			stdin:  newRepeat("# comment\ny\n", endless),
			limits: Limits{Document: 64 << 10},
			errs:   []string{"stdin:2: document larger than the document size limit of 64Ki (--max-document-size): the rest of the input is not read"},
		},
		"endless documents on stdin stop at the file limit": {
			paths:  []string{"-"},
			stdin:  newRepeat(configMap+"---\n", endless),
			limits: Limits{File: 1 << 20},
			docs:   (1 << 20) / len(configMap+"---\n"),
			errs:   []string{"stdin: larger than the file size limit of 1Mi (--max-file-size)"},
		},
		"an endless JSON stream stops at the file limit": {
			paths:  []string{"-"},
			stdin:  newRepeat(jsonConfigMap, endless),
			limits: Limits{File: 1 << 20},
			docs:   (1 << 20) / len(jsonConfigMap),
			errs:   []string{"stdin: larger than the file size limit of 1Mi (--max-file-size)"},
		},
		"an endless JSON value stops at the document limit": {
			paths:  []string{"-"},
			stdin:  &repeat{text: []byte(`{"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "` + strings.Repeat("a", 1<<20)), n: endless},
			limits: Limits{Document: 64 << 10},
			errs:   []string{"stdin:1: document larger than the document size limit of 64Ki (--max-document-size): the rest of the input is not read"},
		},
		"a regular file larger than the file limit is not read": {
			paths:  []string{big},
			limits: Limits{File: 1 << 10},
			errs:   []string{big + ": larger than the file size limit of 1Ki (--max-file-size)"},
		},
		"the defaults": {
			paths: []string{"-"},
			stdin: newRepeat("y", endless),
			errs:  []string{"stdin:1: document larger than the document size limit of 8Mi (--max-document-size): the rest of the input is not read"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var stdin io.Reader = strings.NewReader("")
			if tc.stdin != nil {
				stdin = tc.stdin
			}
			docs, errs := readWithin(t, tc.paths, stdin, tc.limits)
			assert.Equal(t, tc.docs, len(docs), "documents") //nolint:testifylint // Len would print them all
			assert.Equal(t, tc.errs, messages(errs), "errors")
			if tc.stdin != nil {
				limits := tc.limits.withDefaults()
				assert.LessOrEqual(t, tc.stdin.read, min(limits.File, limits.Document)+2*bufferSize+1, "bytes read")
			}
		})
	}
}

func TestReadDocumentLimit(t *testing.T) {
	huge := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  k: " + strings.Repeat("a", 2<<10) + "\n"
	input := "# Source: shop/templates/a.yaml\n" + configMap + "---\n# Source: shop/templates/huge.yaml\n" + huge + "---\n" + configMap
	docs, errs := readLimited([]string{"-"}, strings.NewReader(input), Limits{Document: 1 << 10})
	assert.Equal(t, []string{"stdin:2 v1 ConfigMap /c from shop/templates/a.yaml"}, summaries(docs))
	assert.Equal(t, []string{"stdin:8: document larger than the document size limit of 1Ki (--max-document-size): the rest of the input is not read"}, messages(errs))
	assert.ErrorIs(t, errs[0], ErrDocumentTooLarge)

	docs, errs = readLimited([]string{"-"}, strings.NewReader(input), Limits{Document: int64(len(huge) + len("# Source: shop/templates/huge.yaml\n"))})
	assert.Len(t, docs, 3, "a document as large as the limit is read")
	assert.Empty(t, errs)
}

func TestReadFileLimitIsInclusive(t *testing.T) {
	input := configMap + "---\n" + configMap
	docs, errs := readLimited([]string{"-"}, strings.NewReader(input), Limits{File: int64(len(input))})
	assert.Len(t, docs, 2)
	assert.Empty(t, errs)

	docs, errs = readLimited([]string{"-"}, strings.NewReader(input), Limits{File: int64(len(input) - 1)})
	assert.Len(t, docs, 1, "the documents before the limit are read")
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrFileTooLarge)
}

func TestReadBinary(t *testing.T) {
	tests := map[string]struct {
		input string
		docs  []string
		errs  []string
	}{
		"NUL bytes": {
			input: "apiVersion: v1\x00\x00\x00",
			errs:  []string{"stdin: not YAML or JSON: a NUL byte at offset 14"},
		},
		"braces in binary data are not a template": {
			input: "\x1f\x8b\x08\x00{{\xff\xfe}}",
			errs:  []string{"stdin: not YAML or JSON: invalid UTF-8 at offset 1"},
		},
		"invalid UTF-8 in the first KB": {
			input: "# caf\xe9\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n{{ .x }}\n",
			errs:  []string{"stdin: not YAML or JSON: invalid UTF-8 at offset 5"},
		},
		"a character cut at the end of the first KB is text": {
			input: configMap + "data:\n  k: " + strings.Repeat("a", headSize-len(configMap)-len("data:\n  k: ")-1) + "é\n",
			docs:  []string{"stdin:1 v1 ConfigMap /c"},
		},
		"a character cut after two of its three bytes is text": {
			input: configMap + "data:\n  k: " + strings.Repeat("a", headSize-len(configMap)-len("data:\n  k: ")-2) + "€\n",
			docs:  []string{"stdin:1 v1 ConfigMap /c"},
		},
		"NUL after the first KB is left to the parser": {
			input: configMap + "data:\n  k: " + strings.Repeat("a", headSize) + "\x00\n",
			errs:  []string{"stdin:1: invalid YAML: control characters are not allowed"},
		},
		"UTF-16, little-endian, with a byte order mark": {
			input: utf16LE("---\n" + configMap + "---\n" + configMap),
			docs:  []string{"stdin:2 v1 ConfigMap /c", "stdin:7 v1 ConfigMap /c"},
		},
		"UTF-16, big-endian, with a byte order mark": {
			input: utf16BE(configMap),
			docs:  []string{"stdin:1 v1 ConfigMap /c"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			docs, errs := read([]string{"-"}, strings.NewReader(tc.input))
			assert.Equal(t, tc.docs, summaries(docs), "documents")
			assert.Equal(t, tc.errs, messages(errs), "errors")
			for _, e := range errs {
				if strings.Contains(e.Error(), "not YAML or JSON") {
					assert.ErrorIs(t, e, ErrNotText)
				}
			}
		})
	}
}

// utf16LE encodes ASCII text as UTF-16LE with a byte order mark.
func utf16LE(s string) string {
	b := []byte{0xff, 0xfe}
	for i := range len(s) {
		b = append(b, s[i], 0)
	}
	return string(b)
}

// utf16BE encodes ASCII text as UTF-16BE with a byte order mark.
func utf16BE(s string) string {
	b := []byte{0xfe, 0xff}
	for i := range len(s) {
		b = append(b, 0, s[i])
	}
	return string(b)
}

// sampler is an input that records the most heap in use while it is read.
type sampler struct {
	r         io.Reader
	read, at  int64
	every     int64
	peak      uint64
	baseline  uint64
	memStats  runtime.MemStats
	samplings int
}

func (s *sampler) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.read += int64(n)
	if s.read >= s.at {
		s.at += s.every
		runtime.ReadMemStats(&s.memStats)
		s.peak = max(s.peak, s.memStats.HeapAlloc)
		s.samplings++
	}
	return n, err
}

// TestReadMemoryFollowsDocuments reads 32 MiB of documents whose objects
// are small (most of each is a comment, as a chart's license header is) and
// checks that the heap never holds the input: reading keeps one document at
// a time.
func TestReadMemoryFollowsDocuments(t *testing.T) {
	const size = 32 << 20
	doc := "---\n# Source: shop/templates/cm.yaml\n" + strings.Repeat("# Licensed under the Apache License, Version 2.0 (the \"License\").\n", 60) + configMap
	in := &sampler{r: newRepeat(doc, size), every: 1 << 20}
	runtime.GC()
	runtime.ReadMemStats(&in.memStats)
	in.baseline = in.memStats.HeapAlloc

	docs, errs := readLimited([]string{"-"}, in, Limits{File: size})
	require.Empty(t, errs)
	require.Equal(t, size/len(doc), len(docs), "documents") //nolint:testifylint // Len would print them all
	grown := int64(in.peak) - int64(in.baseline)
	t.Logf("read %d MiB in %d documents; heap grew by at most %d KiB (%d samples)", size>>20, len(docs), grown>>10, in.samplings)
	assert.Less(t, grown, int64(size/4), "the heap grew by %d MiB while reading %d MiB", grown>>20, size>>20)
}

// BenchmarkRead reads 20 MB of ordinary small manifests, as `helm template`
// writes them, from a file: a Deployment, a Service and a ConfigMap per
// application. B/op is the memory allocated in all, retained-B/op what the
// documents read take.
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "apps.yaml")
	require.NoError(b, os.WriteFile(path, applications(20_000_000), 0o600))
	b.ReportAllocs()
	b.ResetTimer()
	var retained uint64
	for b.Loop() {
		docs, errs := read([]string{path}, nil)
		if len(errs) > 0 || len(docs) == 0 {
			b.Fatalf("%d documents, errors %v", len(docs), errs)
		}
		b.StopTimer()
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		withDocs := m.HeapAlloc
		runtime.KeepAlive(docs)
		runtime.GC()
		runtime.ReadMemStats(&m)
		retained += withDocs - m.HeapAlloc
		b.StartTimer()
	}
	b.ReportMetric(float64(retained)/float64(b.N), "retained-B/op")
}

// applications returns at least size bytes of `helm template` output: a
// Deployment, a Service and a ConfigMap per application, in 50 namespaces.
func applications(size int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, `---
# Source: app/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
  labels: {app: app-%[1]d}
spec:
  replicas: 2
  selector:
    matchLabels: {app: app-%[1]d}
  template:
    metadata:
      labels: {app: app-%[1]d}
    spec:
      containers:
      - name: web
        image: registry.example.com/app-%[1]d:1.0.%[1]d
        ports:
        - containerPort: 8080
          name: http
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {memory: 256Mi}
---
# Source: app/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
spec:
  selector: {app: app-%[1]d}
  ports:
  - port: 80
    targetPort: http
---
# Source: app/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-%[1]d
  namespace: team-%[2]d
data:
  LOG_LEVEL: info
  FEATURE: "on"
`, i, i%50)
	}
	return b.Bytes()
}
