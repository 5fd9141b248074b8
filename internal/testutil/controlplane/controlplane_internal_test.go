package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBinaryAssetsDirectory(t *testing.T) {
	t.Run("KUBEBUILDER_ASSETS wins", func(t *testing.T) {
		want := t.TempDir()
		t.Setenv(envAssets, want)
		dir, source, err := binaryAssetsDirectory()
		require.NoError(t, err)
		assert.Equal(t, want, dir)
		assert.Contains(t, source, envAssets)
	})

	t.Run("otherwise the repository's bin directory", func(t *testing.T) {
		t.Setenv(envAssets, "")
		dir, _, err := binaryAssetsDirectory()
		require.NoError(t, err)
		root := repoRoot(t)
		assert.Equal(t, filepath.Join(root, "bin", "k8s", "v"+KubernetesVersion), dir)
	})
}

func TestNewWithoutBinaries(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(envAssets, dir)
	_, err := New(t.Context(), Options{ControllerManager: true})
	require.ErrorContains(t, err, "etcd, kube-apiserver, kube-controller-manager missing in "+dir)
	assert.ErrorContains(t, err, "run `make k8s-bins`")
}

// TestKubernetesVersionMatchesMakefile keeps the version that Start looks
// for equal to the one that `make k8s-bins` builds.
func TestKubernetesVersionMatchesMakefile(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot(t), "make", "k8s.mk"))
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^K8S_VERSION\s*\?=\s*(\S+)\s*$`).FindSubmatch(mk)
	require.NotNil(t, m, "K8S_VERSION in make/k8s.mk")
	assert.Equal(t, KubernetesVersion, string(m[1]))
}

func TestProcessLog(t *testing.T) {
	t.Run("stream mode logs whole lines", func(t *testing.T) {
		tb := &fakeTB{TB: t}
		l := newProcessLog(tb, "etcd", true)
		writeAll(t, l, "one\ntw", "o\nthree")
		assert.Equal(t, []string{"etcd: one", "etcd: two"}, tb.logs)
		l.Close()
		assert.Equal(t, []string{"etcd: one", "etcd: two", "etcd: three"}, tb.logs)
		writeAll(t, l, "after close\n")
		assert.Len(t, tb.logs, 3, "writes after Close are dropped")
	})

	t.Run("kept output is logged only when the test failed", func(t *testing.T) {
		tb := &fakeTB{TB: t}
		l := newProcessLog(tb, "kcm", false)
		writeAll(t, l, "started\n")
		l.Close()
		assert.Empty(t, tb.logs)

		tb = &fakeTB{TB: t, failed: true}
		l = newProcessLog(tb, "kcm", false)
		writeAll(t, l, "started\n", "crashed\n")
		l.Close()
		assert.Equal(t, []string{"output of kcm:\nstarted\ncrashed"}, tb.logs)
	})

	t.Run("only the last part is kept, from a line start", func(t *testing.T) {
		tb := &fakeTB{TB: t, failed: true}
		l := newProcessLog(tb, "apiserver", false)
		line := strings.Repeat("x", 99) + "\n"
		for i := range 2 * processLogLimit / len(line) {
			writeAll(t, l, fmt.Sprintf("%08d", i), line)
		}
		writeAll(t, l, "last\n")
		assert.LessOrEqual(t, len(l.buf), processLogLimit)
		l.Close()
		require.Len(t, tb.logs, 1)
		out := strings.TrimPrefix(tb.logs[0], "output of apiserver, last part:\n")
		assert.Regexp(t, `^\d{8}x{99}\n`, out)
		assert.True(t, strings.HasSuffix(out, "\nlast"), "ends with the last line")
	})
}

func writeAll(t *testing.T, l *processLog, chunks ...string) {
	t.Helper()
	for _, c := range chunks {
		n, err := l.Write([]byte(c))
		require.NoError(t, err)
		require.Equal(t, len(c), n)
	}
}

// fakeTB records Logf calls and reports a chosen Failed.
type fakeTB struct {
	testing.TB
	failed bool
	logs   []string
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Failed() bool { return f.failed }

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := RepoRoot()
	require.NoError(t, err)
	return root
}
