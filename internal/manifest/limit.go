package manifest

import (
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Defaults of Limits.
const (
	// DefaultMaxFileSize is the most bytes read of one file or stream.
	DefaultMaxFileSize int64 = 64 << 20
	// DefaultMaxDocumentSize is the most bytes of one document.
	DefaultMaxDocumentSize int64 = 8 << 20
)

// Limits bound what Read reads of one input, so that an endless or huge
// input (/dev/zero, a runaway renderer) ends with an error instead of
// exhausting memory. A zero field means its default.
type Limits struct {
	// File is the most bytes read of one file or of standard input; a
	// larger input is reported, and nothing past the limit is read.
	File int64
	// Document is the most bytes of one YAML document or JSON value; a
	// larger one is reported, and ends the reading of its input.
	Document int64
}

// withDefaults returns l with its zero fields set to their defaults.
func (l Limits) withDefaults() Limits {
	if l.File <= 0 {
		l.File = DefaultMaxFileSize
	}
	if l.Document <= 0 {
		l.Document = DefaultMaxDocumentSize
	}
	return l
}

// ErrFileTooLarge is the error of a file, or of standard input, larger than
// Limits.File.
var ErrFileTooLarge = errors.New("larger than the file size limit")

// ErrDocumentTooLarge is the error of a document larger than
// Limits.Document.
var ErrDocumentTooLarge = errors.New("document larger than the document size limit")

// stopped reports err, which ends the reading of input name; line is where
// the document being read starts, for ErrDocumentTooLarge.
func (r *reader) stopped(name string, line int, err error) {
	switch {
	case errors.Is(err, ErrFileTooLarge):
		r.fail(Source{File: name}, fmt.Errorf("%w of %s (--max-file-size)", ErrFileTooLarge, formatSize(r.limits.File)))
	case errors.Is(err, ErrDocumentTooLarge):
		r.fail(Source{File: name, Line: line}, fmt.Errorf("%w of %s (--max-document-size): the rest of the input is not read",
			ErrDocumentTooLarge, formatSize(r.limits.Document)))
	default:
		r.fail(Source{File: name}, fmt.Errorf("read: %w", err))
	}
}

// formatSize writes a number of bytes as a quantity: 64Mi, 1500.
func formatSize(n int64) string {
	return resource.NewQuantity(n, resource.BinarySI).String()
}

// limitReader reads at most max bytes of r, then fails with
// ErrFileTooLarge. Its first error, io.EOF included, is returned by every
// later Read without reading r again: a terminal that sent an end of file
// is not asked twice.
type limitReader struct {
	r    io.Reader
	left int64
	err  error
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one byte more, to tell a full input from a larger one
	}
	n, err := l.r.Read(p)
	if int64(n) > l.left {
		n, err = int(l.left), ErrFileTooLarge
	}
	l.left -= int64(n)
	l.err = err
	return n, err
}
