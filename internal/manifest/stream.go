package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"sigs.k8s.io/yaml"
)

// ErrNotText is the error of an input that is not text, so neither YAML
// nor JSON: a binary file, or text in an encoding other than UTF-8.
var ErrNotText = errors.New("not YAML or JSON")

// bufferSize is the size of the buffer an input is read through: the
// longest stretch of leading white space past which JSON is still
// recognised, and a line's chunk.
const bufferSize = 64 << 10

// headSize is how much of an input is looked at to tell text from binary.
const headSize = 1 << 10

// utf8BOM is the byte order mark some editors write at the start of UTF-8.
var utf8BOM = []byte("\xef\xbb\xbf")

// stream reads the documents of one input, document by document: a JSON
// stream when it starts like JSON and parses as such, else multi-document
// YAML. UTF-16 with a byte order mark is read as its UTF-8; other input
// that is not UTF-8 text is reported without being parsed.
func (r *reader) stream(name string, in io.Reader) {
	lr := &limitReader{r: in, left: r.limits.File}
	if r.buffer == nil {
		r.buffer = bufio.NewReaderSize(lr, bufferSize)
	} else {
		r.buffer.Reset(lr)
	}
	br := r.buffer
	// Peek errors are the reader's, which repeats them on the next read.
	if b, _ := br.Peek(2); bytes.Equal(b, []byte{0xff, 0xfe}) || bytes.Equal(b, []byte{0xfe, 0xff}) {
		utf16 := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, utf16), bufferSize)
	}
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM)) // cannot fail: the bytes are buffered
	}
	head, err := br.Peek(headSize)
	if why := notText(head, errors.Is(err, io.EOF)); why != "" {
		r.fail(Source{File: name}, fmt.Errorf("%w: %s", ErrNotText, why))
		return
	}
	if firstByte(br) == '{' {
		rest, ok := r.jsonStream(name, br)
		if ok {
			return
		}
		br = bufio.NewReaderSize(rest, bufferSize)
	}
	r.yamlStream(name, br)
}

// notText says why head, the start of an input, is not UTF-8 text, or
// returns "". whole says that head is the entire input; otherwise its last
// character may be cut short, and is not looked at.
func notText(head []byte, whole bool) string {
	for i := 0; i < len(head); {
		if !whole && !utf8.FullRune(head[i:]) {
			return "" // the last character, cut short
		}
		c, size := utf8.DecodeRune(head[i:])
		switch {
		case c == 0:
			return fmt.Sprintf("a NUL byte at offset %d", i)
		case c == utf8.RuneError && size == 1:
			return fmt.Sprintf("invalid UTF-8 at offset %d", i)
		}
		i += size
	}
	return ""
}

// firstByte returns the first byte of br that is not white space, looking
// no further than its buffer, or 0.
func firstByte(br *bufio.Reader) byte {
	for n := headSize; n <= br.Size(); n *= 2 {
		b, err := br.Peek(n)
		if rest := bytes.TrimLeft(b, " \t\r\n"); len(rest) > 0 {
			return rest[0]
		}
		if err != nil {
			return 0
		}
	}
	return 0
}

// jsonStream reads a stream of JSON values. It returns false, having read
// nothing, when the first value is not JSON (YAML flow style starts with a
// brace too), with a reader of the whole input; after that, an error ends
// the stream, whose end cannot be found again.
func (r *reader) jsonStream(name string, in io.Reader) (io.Reader, bool) {
	rec := &recorder{r: in, line: 1}
	dec := json.NewDecoder(rec)
	for n := 0; ; n++ {
		end := dec.InputOffset()
		rec.drop(end)
		rec.max = end + r.limits.Document
		var raw json.RawMessage
		err := dec.Decode(&raw)
		line := rec.nextLine()
		switch {
		case errors.Is(err, io.EOF):
			return nil, true
		case err != nil && rec.err != nil:
			r.stopped(name, line, rec.err)
			return nil, true
		case err != nil && n == 0:
			return io.MultiReader(bytes.NewReader(rec.buf), in), false
		case err != nil:
			r.fail(Source{File: name, Line: line}, fmt.Errorf("invalid JSON: %w", err))
			return nil, true
		}
		if src := (Source{File: name, Line: line}); !r.skipNonObject(src, raw) {
			r.object(src, line-1, "", raw, raw, nil)
		}
	}
}

// recorder keeps what a JSON decoder reads of a stream, from the end of the
// last value read, so that the line where each value starts can be counted
// and so that the first value can be read again as YAML. It fails reads
// past max with ErrDocumentTooLarge.
type recorder struct {
	r io.Reader
	// buf holds the bytes read from offset base on; line is the line at
	// base.
	buf        []byte
	base, read int64
	line       int
	max        int64
	// err is the first error of r other than io.EOF.
	err error
}

func (t *recorder) Read(p []byte) (int, error) {
	if t.read >= t.max {
		t.err = ErrDocumentTooLarge
		return 0, t.err
	}
	if int64(len(p)) > t.max-t.read {
		p = p[:t.max-t.read]
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	t.read += int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		t.err = err
	}
	return n, err
}

// drop forgets the bytes before offset, counting their lines.
func (t *recorder) drop(offset int64) {
	k := int(offset - t.base)
	t.line += bytes.Count(t.buf[:k], []byte("\n"))
	t.buf, t.base = t.buf[k:], offset // the next append that outgrows it copies the rest
}

// nextLine returns the line of the first byte that is not white space,
// from base on, or of the last byte read when there is none.
func (t *recorder) nextLine() int {
	ws := len(t.buf) - len(bytes.TrimLeft(t.buf, " \t\r\n"))
	return t.line + bytes.Count(t.buf[:ws], []byte("\n"))
}

// yamlStream reads multi-document YAML, one document at a time.
func (r *reader) yamlStream(name string, in *bufio.Reader) {
	s := splitter{in: in, max: r.limits.Document, buf: r.text}
	defer func() { r.text = s.buf[:0] }()
	for {
		text, start, err := s.next()
		switch {
		case errors.Is(err, io.EOF):
			return
		case err != nil:
			if offset, ok := firstContentLine(text); ok {
				start += offset
			}
			r.stopped(name, start, err)
			return
		}
		r.yamlDocument(Source{File: name, Line: start}, text)
	}
}

// splitter cuts multi-document YAML on its `---` lines.
type splitter struct {
	in *bufio.Reader
	// max is the most bytes of a document.
	max int64
	// lines counts the lines read.
	lines int
	done  bool
	// buf holds the document being read; it is reused for the next.
	buf []byte
}

// next returns the text of the next document, which is valid until the
// next call, and the line it starts at; io.EOF after the last. On any other
// error, text is what was read of the document.
func (s *splitter) next() (text []byte, start int, err error) {
	if s.done {
		return nil, 0, io.EOF
	}
	s.buf, start = s.buf[:0], s.lines+1
	for {
		lineStart := len(s.buf)
		var chunk []byte
		chunk, err = s.in.ReadSlice('\n')
		s.buf = append(s.buf, chunk...)
		for errors.Is(err, bufio.ErrBufferFull) && int64(len(s.buf)) <= s.max {
			chunk, err = s.in.ReadSlice('\n')
			s.buf = append(s.buf, chunk...)
		}
		if len(s.buf) > lineStart {
			s.lines++
		}
		eof := errors.Is(err, io.EOF)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			return s.buf, start, ErrDocumentTooLarge
		case err != nil && !eof:
			return s.buf, start, err
		}
		s.done = eof
		if isSeparator(bytes.TrimSuffix(s.buf[lineStart:], []byte("\n"))) {
			return s.buf[:lineStart], start, nil
		}
		if int64(len(s.buf)) > s.max {
			return s.buf, start, ErrDocumentTooLarge
		}
		if eof {
			return s.buf, start, nil
		}
	}
}

// isSeparator reports whether a line separates YAML documents: `---`,
// alone or followed by a comment.
func isSeparator(line []byte) bool {
	rest, ok := bytes.CutPrefix(line, []byte("---"))
	if !ok {
		return false
	}
	rest = bytes.TrimSpace(rest)
	return len(rest) == 0 || rest[0] == '#'
}

// yamlDocument reads one YAML document; at is where its text starts. text
// is not kept.
func (r *reader) yamlDocument(at Source, text []byte) {
	offset, ok := firstContentLine(text)
	if !ok {
		return
	}
	src := Source{File: at.File, Line: at.Line + offset}
	data, err := yaml.YAMLToJSON(text)
	if err != nil {
		e := yamlError(at, src, text, err)
		r.fail(e.Source, e.Err)
		return
	}
	if bytes.Equal(data, []byte("null")) || r.skipNonObject(src, data) {
		return // only comments, or an explicitly empty document; or no object
	}
	r.object(src, at.Line-1, helmTemplate(text, offset), data, text, nil)
}

// firstContentLine returns the 0-based line of text where its content
// starts, past blank and comment lines, and false when there is none.
func firstContentLine(text []byte) (int, bool) {
	for i := 0; len(text) > 0; i++ {
		line, rest, _ := bytes.Cut(text, []byte("\n"))
		if line = bytes.TrimSpace(line); len(line) > 0 && line[0] != '#' {
			return i, true
		}
		text = rest
	}
	return 0, false
}

// helmSource matches the comment `helm template` writes above each
// document.
var helmSource = regexp.MustCompile(`(?m)^#\s*Source:\s*(\S.*?)\s*$`)

// helmTemplate returns the template a document was rendered from, as named
// by a `# Source:` comment above its content, which starts at line offset
// of text; or "".
func helmTemplate(text []byte, offset int) string {
	if offset == 0 {
		return ""
	}
	end := -1 // the newline that ends the line before the content
	for range offset {
		end += 1 + bytes.IndexByte(text[end+1:], '\n')
	}
	if m := helmSource.FindSubmatch(text[:end]); m != nil {
		return string(m[1])
	}
	return ""
}

// yamlLine matches the location the YAML parser puts in its messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlError says why a document is not valid YAML and where: at the first
// `{{` of an unrendered template, else on the line the parser names, counted
// from at where the document's text starts (but not past its end), else at
// doc where the document starts.
func yamlError(at, doc Source, text []byte, err error) Error {
	lines := strings.Split(strings.TrimRight(string(text), " \t\r\n"), "\n")
	for i, line := range lines {
		if strings.Contains(line, "{{") {
			return Error{
				Source: Source{File: at.File, Line: at.Line + i},
				Err:    errors.New("unrendered template ({{ ... }}): render it first, e.g. with helm template"),
			}
		}
	}
	msg := yamlMessage(err)
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return Error{Source: doc, Err: fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
	}
	src := doc
	if n, convErr := strconv.Atoi(m[1]); convErr == nil && n >= 1 {
		src.Line = at.Line + min(n, len(lines)) - 1
	}
	return Error{Source: src, Err: fmt.Errorf("invalid YAML: %s", msg[len(m[0]):])}
}

// yamlMessage returns the YAML parser's message on one line, without the
// converter's prefix.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "error converting YAML to JSON: ")
	return strings.Join(strings.Fields(msg), " ")
}

// documentNode returns the top-level node of a parsed YAML document, or nil.
func documentNode(root *yamlv3.Node) *yamlv3.Node {
	if root.Kind == yamlv3.DocumentNode && len(root.Content) == 1 {
		return root.Content[0]
	}
	return nil
}

// itemNodes returns the nodes of the items of a list object, or nil.
func itemNodes(obj *yamlv3.Node) []*yamlv3.Node {
	if obj == nil || obj.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(obj.Content); i += 2 {
		if k, v := obj.Content[i], obj.Content[i+1]; k.Value == "items" && v.Kind == yamlv3.SequenceNode {
			return v.Content
		}
	}
	return nil
}
