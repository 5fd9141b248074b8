package manifest

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrNoObjects is the error of a path, or of standard input, that holds no
// Kubernetes object at all: usually a pipeline whose renderer failed.
var ErrNoObjects = errors.New("no Kubernetes objects found")

// Read reads the manifests at paths, in order. A path is a file, a
// directory (every .yaml, .yml and .json file below it, in lexical order) or
// "-" for stdin. Documents and errors come back in input order; an error
// never stops the reading of the other documents.
func Read(paths []string, stdin io.Reader) ([]Document, []Error) {
	var r reader
	for _, p := range paths {
		found := len(r.docs) + len(r.errs)
		r.path(p, stdin)
		if len(r.docs)+len(r.errs) == found {
			name := p
			if p == "-" {
				name = StdinName
			}
			r.fail(Source{File: name}, ErrNoObjects)
		}
	}
	return r.docs, r.errs
}

// reader collects what Read finds.
type reader struct {
	docs []Document
	errs []Error
}

func (r *reader) fail(src Source, err error) {
	r.errs = append(r.errs, Error{Source: src, Err: err})
}

func (r *reader) path(p string, stdin io.Reader) {
	if p == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			r.fail(Source{File: StdinName}, fmt.Errorf("read: %w", err))
			return
		}
		r.stream(StdinName, data)
		return
	}
	info, err := os.Stat(p)
	if err != nil {
		r.fail(Source{File: p}, unwrapPath(err))
		return
	}
	if !info.IsDir() {
		r.file(p)
		return
	}
	// The callback records every error and never stops the walk, so
	// WalkDir itself returns nil.
	_ = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			r.fail(Source{File: path}, unwrapPath(err))
		case !d.IsDir() && isManifestFile(path):
			r.file(path)
		}
		return nil
	})
}

func (r *reader) file(path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		r.fail(Source{File: path}, unwrapPath(err))
		return
	}
	r.stream(path, data)
}

// isManifestFile reports whether a file found in a directory is read.
func isManifestFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// unwrapPath drops the operation and path of an *fs.PathError, which the
// error's Source already names.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}
