package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ErrNoObjects is the error of a path, or of standard input, that holds no
// Kubernetes object at all: usually a pipeline whose renderer failed.
var ErrNoObjects = errors.New("no Kubernetes objects found")

// ErrNotRegular is the error of a file found in a directory that is not a
// regular file, nor a symlink to one: a named pipe, a device, a socket or a
// directory named like a manifest. It is skipped: reading it could block
// forever or never end.
var ErrNotRegular = errors.New("not a regular file")

// Read reads the manifests at paths, in order, within the default Limits.
// A path is a file, a directory (every .yaml, .yml and .json file below it,
// in lexical order) or "-" for stdin. Documents and errors come back in
// input order; an error never stops the reading of the other documents.
//
// A file named in paths is read whatever it is, so that a named pipe such as
// `-f <(helm template ...)` works; in a directory only regular files, and
// symlinks to regular files, are read, and the others are reported
// (ErrNotRegular). Every input is read one document at a time, so the
// memory reading takes, beyond the Documents it returns, follows the
// largest document rather than the input.
func Read(paths []string, stdin io.Reader) ([]Document, []Error) {
	return ReadLimited(paths, stdin, Limits{})
}

// ReadLimited reads as Read does, within limits.
func ReadLimited(paths []string, stdin io.Reader, limits Limits) ([]Document, []Error) {
	r := reader{limits: limits.withDefaults()}
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
	limits Limits
	docs   []Document
	errs   []Error
	// buffer and text are reused from one input to the next: the buffer
	// an input is read through, and the text of the document being read.
	buffer *bufio.Reader
	text   []byte
}

func (r *reader) fail(src Source, err error) {
	r.errs = append(r.errs, Error{Source: src, Err: err})
}

func (r *reader) path(p string, stdin io.Reader) {
	if p == "-" {
		r.stream(StdinName, stdin)
		return
	}
	info, err := os.Stat(p)
	if err != nil {
		r.fail(Source{File: p}, unwrapPath(err))
		return
	}
	if !info.IsDir() {
		r.named(p)
		return
	}
	root := p
	if l, err := os.Lstat(p); err == nil && l.Mode()&fs.ModeSymlink != 0 {
		// WalkDir does not follow a root that is a symlink; with a
		// trailing separator the root is the directory it points to.
		root += string(filepath.Separator)
	}
	// The callback records every error and never stops the walk, so
	// WalkDir itself returns nil.
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			r.fail(Source{File: path}, unwrapPath(err))
		case !d.IsDir() && isManifestFile(path):
			r.walked(path, d)
		}
		return nil
	})
}

// named reads a file named on the command line, whatever its type: a
// named pipe or a device is read as a stream, within the limits.
func (r *reader) named(path string) {
	f, err := os.Open(path)
	if err != nil {
		r.fail(Source{File: path}, unwrapPath(err))
		return
	}
	defer f.Close()
	r.file(path, f)
}

// walked reads a manifest file found in a directory if it is a regular
// file or a symlink to one, and reports it otherwise: reading a named pipe
// could block forever and reading a device could never end.
func (r *reader) walked(path string, d fs.DirEntry) {
	mode, what := d.Type(), describeMode(d.Type())
	if mode&fs.ModeSymlink != 0 {
		info, err := os.Stat(path)
		if err != nil {
			r.fail(Source{File: path}, unwrapPath(err))
			return
		}
		mode, what = info.Mode(), "a symlink to "+describeMode(info.Mode())
	}
	if !mode.IsRegular() {
		r.fail(Source{File: path}, notRegular(what))
		return
	}
	// O_NONBLOCK: should the file be swapped for a named pipe since it was
	// looked at, opening it does not wait for a writer, and the check
	// below skips it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		r.fail(Source{File: path}, unwrapPath(err))
		return
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && !info.Mode().IsRegular() {
		r.fail(Source{File: path}, notRegular(describeMode(info.Mode())))
		return
	}
	r.file(path, f)
}

// file reads an open file. A regular file larger than the limit is
// reported without reading it.
func (r *reader) file(path string, f *os.File) {
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > r.limits.File {
		r.stopped(path, 0, ErrFileTooLarge)
		return
	}
	r.stream(path, f)
}

// notRegular is the error of a file that is not read because of its type.
func notRegular(what string) error {
	return fmt.Errorf("%w (%s): skipped", ErrNotRegular, what)
}

// describeMode names the type of a file.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "an irregular file"
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
