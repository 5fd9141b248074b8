package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// stream reads the documents of one file: a JSON stream when it starts
// like JSON and parses as such, else multi-document YAML.
func (r *reader) stream(name string, data []byte) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if first := bytes.TrimLeft(data, " \t\r\n"); len(first) > 0 && first[0] == '{' && r.jsonStream(name, data) {
		return
	}
	r.yamlStream(name, data)
}

// jsonStream reads a stream of JSON values. It returns false, having read
// nothing, when the first value is not JSON (YAML flow style starts with a
// brace too); after that, an error ends the stream, whose end cannot be
// found again.
func (r *reader) jsonStream(name string, data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	for n := 0; ; n++ {
		start := int(dec.InputOffset())
		start += len(data[start:]) - len(bytes.TrimLeft(data[start:], " \t\r\n"))
		line := 1 + bytes.Count(data[:start], []byte("\n"))
		var raw json.RawMessage
		err := dec.Decode(&raw)
		switch {
		case errors.Is(err, io.EOF):
			return true
		case err != nil && n == 0:
			return false
		case err != nil:
			r.fail(Source{File: name, Line: line}, fmt.Errorf("invalid JSON: %w", err))
			return true
		}
		var root yamlv3.Node
		_ = yamlv3.Unmarshal(raw, &root) // only for the lines of list items
		r.object(Source{File: name, Line: line}, line-1, "", raw, documentNode(&root))
	}
}

// yamlStream splits multi-document YAML on its `---` lines and reads each
// document.
func (r *reader) yamlStream(name string, data []byte) {
	start, startLine := 0, 1
	for off, line := 0, 1; off < len(data); line++ {
		end := bytes.IndexByte(data[off:], '\n')
		next := len(data)
		if end >= 0 {
			end += off
			next = end + 1
		} else {
			end = len(data)
		}
		if isSeparator(data[off:end]) {
			r.yamlDocument(Source{File: name, Line: startLine}, data[start:off])
			start, startLine = next, line+1
		}
		off = next
	}
	r.yamlDocument(Source{File: name, Line: startLine}, data[start:])
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

// yamlDocument reads one YAML document; at is where its text starts.
func (r *reader) yamlDocument(at Source, text []byte) {
	offset, ok := firstContentLine(text)
	if !ok {
		return
	}
	src := Source{File: at.File, Line: at.Line + offset}
	data, err := yaml.YAMLToJSON(text)
	if err != nil {
		r.errs = append(r.errs, yamlError(at, src, text, err))
		return
	}
	if bytes.Equal(data, []byte("null")) {
		return // only comments, or an explicitly empty document
	}
	var root yamlv3.Node
	_ = yamlv3.Unmarshal(text, &root) // only for the lines of list items
	r.object(src, at.Line-1, helmTemplate(text), data, documentNode(&root))
}

// firstContentLine returns the 0-based line of text where its content
// starts, past blank and comment lines, and false when there is none.
func firstContentLine(text []byte) (int, bool) {
	for i, line := range strings.Split(string(text), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && line[0] != '#' {
			return i, true
		}
	}
	return 0, false
}

// helmSource matches the comment `helm template` writes above each
// document.
var helmSource = regexp.MustCompile(`(?m)^#\s*Source:\s*(\S.*?)\s*$`)

// helmTemplate returns the template a document was rendered from, as named
// by its leading `# Source:` comment, or "".
func helmTemplate(text []byte) string {
	offset, _ := firstContentLine(text)
	head := strings.Join(strings.SplitN(string(text), "\n", offset+1)[:offset], "\n")
	if m := helmSource.FindStringSubmatch(head); m != nil {
		return m[1]
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
