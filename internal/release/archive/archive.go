// Package archive writes the files of a release reproducibly: .tar.gz
// archives whose entries carry one fixed time and numeric owners, .zip
// archives (for Windows) with one fixed time, and a SHA-256 checksum list
// in the format `sha256sum -c` reads.
package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Entry is a file to put into an archive.
type Entry struct {
	// Name is its name in the archive.
	Name string
	// Path is the file on disk.
	Path string
	// Mode is its permission bits in the archive.
	Mode int64
}

// TarGz writes the entries, in order, into a new gzipped tar at out; every
// entry has the time t and is owned by 0:0.
func TarGz(out string, entries []Entry, t time.Time) error {
	return create(out, func(f io.Writer) error {
		gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
		if err != nil {
			return err
		}
		tw := tar.NewWriter(gz)
		for _, e := range entries {
			if err := addFile(tw, e, t); err != nil {
				return fmt.Errorf("adding %s: %w", e.Path, err)
			}
		}
		if err := tw.Close(); err != nil {
			return err
		}
		return gz.Close()
	})
}

// Zip writes the entries, in order, into a new zip archive at out; every
// entry has the time t.
func Zip(out string, entries []Entry, t time.Time) error {
	return create(out, func(f io.Writer) error {
		zw := zip.NewWriter(f)
		for _, e := range entries {
			if err := addZipFile(zw, e, t); err != nil {
				return fmt.Errorf("adding %s: %w", e.Path, err)
			}
		}
		return zw.Close()
	})
}

// create writes a new file at out with write, and closes it.
func create(out string, write func(io.Writer) error) (err error) {
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("creating %s: %w", out, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing %s: %w", out, cerr)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	return nil
}

func addZipFile(zw *zip.Writer, e Entry, t time.Time) error {
	data, err := readRegular(e.Path)
	if err != nil {
		return err
	}
	hdr := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: t.UTC()}
	hdr.SetMode(os.FileMode(e.Mode))
	w, err := zw.CreateHeader(hdr)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// readRegular reads the regular file at path.
func readRegular(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	return os.ReadFile(path)
}

func addFile(tw *tar.Writer, e Entry, t time.Time) error {
	data, err := readRegular(e.Path)
	if err != nil {
		return err
	}
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     e.Name,
		Mode:     e.Mode,
		Size:     int64(len(data)),
		ModTime:  t,
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = tw.Write(data)
	return err
}

// SHA256 returns the hex SHA-256 of the file at path.
func SHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Checksums writes to out the SHA-256 of each file, one "<hex>  <base
// name>" line each, sorted by name: the format of `sha256sum -c`, run in
// the files' directory.
func Checksums(out string, files []string) error {
	sorted := append([]string(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return filepath.Base(sorted[i]) < filepath.Base(sorted[j]) })
	return create(out, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		for _, p := range sorted {
			sum, err := SHA256(p)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(w, "%s  %s\n", sum, filepath.Base(p)); err != nil {
				return err
			}
		}
		return w.Flush()
	})
}
