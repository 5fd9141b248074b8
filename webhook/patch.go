package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ballast-dev/ballast/mutators"
)

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string
	Path  string
	Value []byte
}

var (
	// errNotObject reports a pointer that runs through something that is
	// not a JSON object or array.
	errNotObject = errors.New("path runs through a value that is not an object or array")
	// errMalformed reports raw JSON that does not scan: it cannot happen
	// for an object the webhook decoded, but is answered, not trusted.
	errMalformed = errors.New("malformed JSON")
)

// buildPatch returns the JSON patch that sets each change's Pointer to its
// Value in raw, the object as sent. It touches nothing else, so fields
// Ballast's types do not know survive. A missing parent is created with the
// change's value nested inside it.
//
// Only the members along each pointer are scanned, one level at a time,
// each as a slice of raw: nothing is copied or decoded but the keys, so the
// cost follows the depth of the changes, not the size of the object. raw
// is an object the webhook has decoded, so valid JSON; a scan that finds
// otherwise fails rather than guessing.
func buildPatch(raw []byte, changes []mutators.Change) ([]byte, error) {
	doc := &rawDoc{root: raw, levels: map[string]*level{}}
	ops := make([]patchOp, 0, len(changes))
	size := 2
	for _, c := range changes {
		if c.Pointer == "" {
			continue
		}
		value, err := json.Marshal(c.Value)
		if err != nil {
			return nil, fmt.Errorf("marshalling value of %s: %w", c.Field, err)
		}
		op, err := doc.set(c.Pointer, value)
		if err != nil {
			return nil, fmt.Errorf("patching %s: %w", c.Pointer, err)
		}
		ops = append(ops, op)
		size += len(op.Path) + len(op.Value) + 40
	}
	if len(ops) == 0 {
		return nil, nil
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, op := range ops {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"op":"`...)
		out = append(out, op.Op...)
		out = append(out, `","path":`...)
		out = appendString(out, op.Path)
		out = append(out, `,"value":`...)
		out = append(out, op.Value...)
		out = append(out, '}')
	}
	return append(out, ']'), nil
}

// rawDoc is a JSON document scanned lazily along the pointers patched. Its
// cached levels also record what earlier operations of the patch set, so a
// later change sees the document as the patch leaves it.
type rawDoc struct {
	root []byte
	// levels caches the scanned object or array at a pointer prefix.
	levels map[string]*level
}

// level is one scanned object (members, in order) or array (items), each
// value a slice of the document.
type level struct {
	object  bool
	members []member
	items   [][]byte
}

// member is one member of an object.
type member struct {
	key   string
	value []byte
}

// lookup returns the index of the member called key, the last one when
// the key repeats (as decoders read it), or -1.
func (l *level) lookup(key string) int {
	for i := len(l.members) - 1; i >= 0; i-- {
		if l.members[i].key == key {
			return i
		}
	}
	return -1
}

// set returns the operation that sets pointer to value, adding missing
// object members on the way in one operation.
func (d *rawDoc) set(pointer string, value []byte) (patchOp, error) {
	if !strings.HasPrefix(pointer, "/") {
		return patchOp{}, fmt.Errorf("pointer %q does not start with /", pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	current := d.root
	prefix := ""
	for i, tok := range tokens {
		key := unescape(tok)
		last := i == len(tokens)-1
		next := prefix + "/" + tok
		l, err := d.level(prefix, current)
		if err != nil {
			return patchOp{}, err
		}
		if l.object {
			at := l.lookup(key)
			exists := at >= 0
			isNull := exists && string(trimSpace(l.members[at].value)) == "null"
			if exists && !isNull && !last {
				current, prefix = l.members[at].value, next
				continue
			}
			nested, err := nest(tokens[i+1:], value)
			if err != nil {
				return patchOp{}, err
			}
			if exists {
				l.members[at].value = nested
			} else {
				l.members = append(l.members, member{key: key, value: nested})
			}
			op := "add"
			if exists && last {
				op = "replace"
			}
			return patchOp{Op: op, Path: next, Value: nested}, nil
		}
		idx, err := strconv.Atoi(key)
		if err != nil || idx < 0 || idx >= len(l.items) {
			return patchOp{}, fmt.Errorf("index %q out of range", key)
		}
		if last {
			return patchOp{}, fmt.Errorf("replacing list element %q is not supported", key)
		}
		current, prefix = l.items[idx], next
	}
	return patchOp{}, fmt.Errorf("empty pointer %q", pointer)
}

// level returns the scanned object or array at prefix, scanning raw once.
func (d *rawDoc) level(prefix string, raw []byte) (*level, error) {
	if l, ok := d.levels[prefix]; ok {
		return l, nil
	}
	l, err := scanLevel(raw)
	if err != nil {
		return nil, err
	}
	d.levels[prefix] = l
	return l, nil
}

// scanLevel splits raw, an object or an array, into its members or items.
func scanLevel(raw []byte) (*level, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' && raw[i] != '[' {
		return nil, errNotObject
	}
	l := &level{object: raw[i] == '{'}
	closing := byte(']')
	if l.object {
		closing = '}'
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == closing {
		return l, nil
	}
	for {
		var key string
		if l.object {
			end, err := skipString(raw, i)
			if err != nil {
				return nil, err
			}
			if key, err = decodeKey(raw[i:end]); err != nil {
				return nil, err
			}
			if i = skipSpace(raw, end); i >= len(raw) || raw[i] != ':' {
				return nil, errMalformed
			}
			i = skipSpace(raw, i+1)
		}
		end, err := skipJSONValue(raw, i)
		if err != nil {
			return nil, err
		}
		if l.object {
			l.members = append(l.members, member{key: key, value: raw[i:end]})
		} else {
			l.items = append(l.items, raw[i:end])
		}
		switch i = skipSpace(raw, end); {
		case i < len(raw) && raw[i] == ',':
			i = skipSpace(raw, i+1)
		case i < len(raw) && raw[i] == closing:
			return l, nil
		default:
			return nil, errMalformed
		}
	}
}

// decodeKey returns the string of a member's key, quotes included in raw.
func decodeKey(raw []byte) (string, error) {
	if len(raw) < 2 {
		return "", errMalformed
	}
	if !strings.ContainsRune(string(raw[1:len(raw)-1]), '\\') {
		return string(raw[1 : len(raw)-1]), nil
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", fmt.Errorf("decoding key: %w", err)
	}
	return key, nil
}

// skipJSONValue returns the offset just past the value that starts at raw[i].
func skipJSONValue(raw []byte, i int) (int, error) {
	if i >= len(raw) {
		return 0, errMalformed
	}
	switch raw[i] {
	case '"':
		return skipString(raw, i)
	case '{', '[':
		depth := 0
		for ; i < len(raw); i++ {
			switch raw[i] {
			case '"':
				end, err := skipString(raw, i)
				if err != nil {
					return 0, err
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errMalformed
	}
	start := i
	for i < len(raw) && !strings.ContainsRune(",}] \t\r\n", rune(raw[i])) {
		i++
	}
	if i == start {
		return 0, errMalformed
	}
	return i, nil
}

// skipString returns the offset just past the string that starts at
// raw[i], a quote.
func skipString(raw []byte, i int) (int, error) {
	if i >= len(raw) || raw[i] != '"' {
		return 0, errMalformed
	}
	for i++; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errMalformed
}

// skipSpace returns the offset of the first byte from i that is not JSON
// whitespace.
func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}

func trimSpace(raw []byte) []byte {
	raw = raw[skipSpace(raw, 0):]
	for len(raw) > 0 && (raw[len(raw)-1] == ' ' || raw[len(raw)-1] == '\t' || raw[len(raw)-1] == '\n' || raw[len(raw)-1] == '\r') {
		raw = raw[:len(raw)-1]
	}
	return raw
}

// nest wraps value in one object per remaining token.
func nest(tokens []string, value []byte) ([]byte, error) {
	for i := len(tokens) - 1; i >= 0; i-- {
		key := unescape(tokens[i])
		if _, err := strconv.Atoi(key); err == nil {
			return nil, fmt.Errorf("cannot create list element %q", key)
		}
		wrapped := make([]byte, 0, len(key)+len(value)+8)
		wrapped = appendString(append(wrapped, '{'), key)
		wrapped = append(append(append(wrapped, ':'), value...), '}')
		value = wrapped
	}
	return value, nil
}

// appendString appends s to b as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
			i++
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return append(b, '"')
}

var unescaper = strings.NewReplacer("~1", "/", "~0", "~")

// unescape decodes an RFC 6901 reference token.
func unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return unescaper.Replace(tok)
}
