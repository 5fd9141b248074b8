package manifest

import (
	"bufio"
	"encoding/json"
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

// ErrNotAnObject is the note of a document a directory walk skips because
// it is no Kubernetes object at all: not a mapping, or a mapping without a
// kind, such as a Helm values file or Chart.yaml, a CI or tool
// configuration, a kustomization without apiVersion and kind.
var ErrNotAnObject = errors.New("not a Kubernetes object")

// Options says how Read reads.
type Options struct {
	// Limits bound what is read of each input.
	Limits Limits
	// Exclude are the glob patterns (filepath.Match) of the files and
	// directories a directory walk skips. A pattern without a separator
	// matches the name of a file or directory at any depth; one with a
	// separator matches its path relative to the directory walked. Paths
	// named in the paths themselves are always read.
	Exclude []string
}

// Input is what Read found.
type Input struct {
	// Documents are the objects, in input order.
	Documents []Document
	// Errors are the documents, files and paths that could not be read, in
	// input order; an error never stops the reading of the other documents.
	Errors []Error
	// Notes are the documents a directory walk skipped because they are no
	// Kubernetes object at all (ErrNotAnObject), in input order.
	Notes []Error
}

// ValidateExclude checks Options.Exclude: each must be a valid pattern.
func ValidateExclude(patterns []string) error {
	for _, p := range patterns {
		if _, err := filepath.Match(p, ""); err != nil {
			return fmt.Errorf("--exclude %q: %w: see the syntax of https://pkg.go.dev/path/filepath#Match", p, err)
		}
	}
	return nil
}

// Read reads the manifests at paths, in order. A path is a file, a
// directory (every .yaml, .yml and .json file below it, in lexical order,
// but those opts.Exclude matches) or "-" for stdin.
//
// A file named in paths is read whatever it is, so that a named pipe such as
// `-f <(helm template ...)` works, and each of its documents must be a
// Kubernetes object. In a directory only regular files, and symlinks to
// regular files, are read, and the others are reported (ErrNotRegular);
// documents that are no Kubernetes object at all (not a mapping, or no
// kind) are noted and skipped, as a repository holds
// values files and configuration beside its manifests. Every input is read
// one document at a time, within opts.Limits, so the memory reading takes,
// beyond the Documents it returns, follows the largest document rather than
// the input.
func Read(paths []string, stdin io.Reader, opts Options) Input {
	r := reader{limits: opts.Limits.withDefaults(), exclude: opts.Exclude}
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
	return Input{Documents: r.docs, Errors: r.errs, Notes: r.notes}
}

// reader collects what Read finds.
type reader struct {
	limits  Limits
	exclude []string
	docs    []Document
	errs    []Error
	notes   []Error
	// walking is true while a file found in a directory is read.
	walking bool
	// buffer and text are reused from one input to the next: the buffer
	// an input is read through, and the text of the document being read.
	buffer *bufio.Reader
	text   []byte
}

func (r *reader) fail(src Source, err error) {
	r.errs = append(r.errs, Error{Source: src, Err: err})
}

// skipNonObject notes and skips a document of a walked file that is no
// Kubernetes object at all, and reports whether it did. data is the
// document as JSON.
func (r *reader) skipNonObject(src Source, data []byte) bool {
	if !r.walking {
		return false
	}
	var why string
	if len(data) == 0 || data[0] != '{' {
		why = "the document is " + describeJSON(data)
	} else {
		var h header
		if json.Unmarshal(data, &h) != nil || h.Kind != "" {
			return false // an object, or one object() reports
		}
		why = "no kind"
	}
	r.notes = append(r.notes, Error{Source: src, Err: fmt.Errorf("%w (%s): skipped", ErrNotAnObject, why)})
	return true
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
		case path != root && r.excluded(root, path):
			if d.IsDir() {
				return filepath.SkipDir
			}
		case !d.IsDir() && isManifestFile(path):
			r.walking = true
			r.walked(path, d)
			r.walking = false
		}
		return nil
	})
}

// excluded reports whether a path found in the walk of root matches a
// pattern of Options.Exclude: by its name, or by its path relative to root
// for a pattern with a separator.
func (r *reader) excluded(root, path string) bool {
	rel, err := filepath.Rel(root, path)
	if err != nil {
		rel = path
	}
	name := filepath.Base(path)
	for _, p := range r.exclude {
		subject := name
		if strings.ContainsRune(filepath.ToSlash(p), '/') {
			subject = filepath.ToSlash(rel)
			p = filepath.ToSlash(p)
		}
		if ok, _ := filepath.Match(p, subject); ok { // ValidateExclude checked the patterns
			return true
		}
	}
	return false
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
