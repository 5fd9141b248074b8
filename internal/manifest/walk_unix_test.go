//go:build unix

package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadDirectorySkipsNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), []byte(configMap), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(other, "real.yaml"), []byte(configMap), 0o600))
	require.NoError(t, os.Symlink(filepath.Join(other, "real.yaml"), filepath.Join(dir, "b.yaml")))
	require.NoError(t, os.Symlink(other, filepath.Join(dir, "c.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(other, "missing.yaml"), filepath.Join(dir, "d.yaml")))
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "x.yaml"), 0o600))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")))
	require.NoError(t, os.Symlink("/dev/zero", filepath.Join(dir, "zero.txt")), "not a manifest: not looked at")
	t.Chdir(dir)

	docs, errs := readWithin(t, []string{"."}, nil, Limits{})
	assert.Equal(t, []string{"a.yaml:1 v1 ConfigMap /c", "b.yaml:1 v1 ConfigMap /c"}, summaries(docs))
	assert.Equal(t, []string{
		"c.yaml: not a regular file (a symlink to a directory): skipped",
		"d.yaml: no such file or directory",
		"x.yaml: not a regular file (a named pipe): skipped",
		"zero.yaml: not a regular file (a symlink to a character device): skipped",
	}, messages(errs))
	for _, i := range []int{0, 2, 3} {
		assert.ErrorIs(t, errs[i], ErrNotRegular)
	}
}

func TestReadNamedPipe(t *testing.T) {
	// -f <(helm template ...): a named pipe named on the command line is
	// read as a stream.
	fifo := filepath.Join(t.TempDir(), "rendered")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		_, _ = f.WriteString(configMap + "---\n" + strings.Repeat("y", 4<<10))
	}()
	docs, errs := readWithin(t, []string{fifo}, nil, Limits{Document: 1 << 10})
	assert.Equal(t, []string{fifo + ":1 v1 ConfigMap /c"}, summaries(docs))
	assert.Equal(t, []string{fifo + ":6: document larger than the document size limit of 1Ki (--max-document-size): the rest of the input is not read"}, messages(errs))
}

func TestReadSymlinkToDirectory(t *testing.T) {
	// A directory named on the command line through a symlink is walked.
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "real"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "real", "a.yaml"), []byte(configMap), 0o600))
	require.NoError(t, os.Symlink("real", filepath.Join(dir, "link")))
	t.Chdir(dir)

	docs, errs := read([]string{"link"}, nil)
	assert.Equal(t, []string{"link/a.yaml:1 v1 ConfigMap /c"}, summaries(docs))
	assert.Empty(t, errs)
}
