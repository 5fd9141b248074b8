package archive_test

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/release/archive"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// TestTarGz checks the archive's entries, and that the same files give
// the same bytes whenever they are archived.
func TestTarGz(t *testing.T) {
	dir := t.TempDir()
	bin := write(t, dir, "bin", "binary")
	lic := write(t, dir, "lic", "license")
	entries := []archive.Entry{{Name: "ballast", Path: bin, Mode: 0o755}, {Name: "LICENSE", Path: lic, Mode: 0o644}}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	first, second := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz")
	require.NoError(t, archive.TarGz(first, entries, at))
	// Another mtime on disk changes nothing.
	require.NoError(t, os.Chtimes(bin, time.Now(), time.Now()))
	require.NoError(t, archive.TarGz(second, entries, at))
	a, err := os.ReadFile(first)
	require.NoError(t, err)
	b, err := os.ReadFile(second)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the archive is reproducible")

	f, err := os.Open(first)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	type got struct {
		name, content string
		mode          int64
		uid           int
	}
	var all []got
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		data, err := io.ReadAll(tr)
		require.NoError(t, err)
		assert.True(t, hdr.ModTime.Equal(at))
		all = append(all, got{hdr.Name, string(data), hdr.Mode, hdr.Uid})
	}
	assert.Equal(t, []got{{"ballast", "binary", 0o755, 0}, {"LICENSE", "license", 0o644, 0}}, all)
}

func TestTarGzErrors(t *testing.T) {
	dir := t.TempDir()
	tests := map[string]struct {
		entries []archive.Entry
		want    string
	}{
		"missing file": {entries: []archive.Entry{{Name: "x", Path: filepath.Join(dir, "none")}}, want: "no such file"},
		"a directory":  {entries: []archive.Entry{{Name: "x", Path: dir}}, want: "not a regular file"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := archive.TarGz(filepath.Join(t.TempDir(), "out.tar.gz"), tc.entries, time.Unix(0, 0))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestChecksums checks the format sha256sum -c reads: the hex digest, two
// spaces, the base name; sorted by name.
func TestChecksums(t *testing.T) {
	dir := t.TempDir()
	b := write(t, dir, "b.txt", "bee")
	a := write(t, dir, "a.txt", "ay")
	out := filepath.Join(dir, "checksums.txt")
	require.NoError(t, archive.Checksums(out, []string{b, a}))
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	assert.Equal(t, sum("ay")+"  a.txt\n"+sum("bee")+"  b.txt\n", string(got))

	require.ErrorContains(t, archive.Checksums(out, []string{filepath.Join(dir, "none")}), "no such file")
}

// TestZip checks the Windows archive's entries, and that the same files
// give the same bytes whenever they are archived.
func TestZip(t *testing.T) {
	dir := t.TempDir()
	entries := []archive.Entry{{Name: "ballast.exe", Path: write(t, dir, "bin", "binary"), Mode: 0o755}, {Name: "LICENSE", Path: write(t, dir, "lic", "license"), Mode: 0o644}}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	first, second := filepath.Join(dir, "a.zip"), filepath.Join(dir, "b.zip")
	require.NoError(t, archive.Zip(first, entries, at))
	require.NoError(t, os.Chtimes(entries[0].Path, time.Now(), time.Now()))
	require.NoError(t, archive.Zip(second, entries, at))
	a, err := os.ReadFile(first)
	require.NoError(t, err)
	b, err := os.ReadFile(second)
	require.NoError(t, err)
	assert.Equal(t, a, b, "the archive is reproducible")

	zr, err := zip.OpenReader(first)
	require.NoError(t, err)
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		assert.True(t, f.Modified.Equal(at), f.Name)
	}
	assert.Equal(t, []string{"ballast.exe", "LICENSE"}, names)
	assert.Equal(t, os.FileMode(0o755), zr.File[0].Mode().Perm())

	require.ErrorContains(t, archive.Zip(filepath.Join(dir, "c.zip"), []archive.Entry{{Name: "x", Path: dir}}, at), "not a regular file")
}
