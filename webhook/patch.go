package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/ballast-dev/ballast/mutators"
)

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// errNotObject reports a pointer that runs through something that is not a
// JSON object or array.
var errNotObject = errors.New("path runs through a value that is not an object or array")

// buildPatch returns the JSON patch that sets each change's Pointer to its
// Value in raw, the object as sent. It touches nothing else, so fields
// Ballast's types do not know survive. A missing parent is created with the
// change's value nested inside it.
//
// Only the members along each pointer are decoded, one level at a time, so
// the cost follows the depth of the changes, not the size of the object.
func buildPatch(raw []byte, changes []mutators.Change) ([]byte, error) {
	doc := &rawDoc{root: raw, levels: map[string]*level{}}
	ops := make([]patchOp, 0, len(changes))
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
	}
	if len(ops) == 0 {
		return nil, nil
	}
	return json.Marshal(ops)
}

// rawDoc is a JSON document decoded lazily along the pointers patched. Its
// cached levels also record what earlier operations of the patch set, so a
// later change sees the document as the patch leaves it.
type rawDoc struct {
	root []byte
	// levels caches the decoded object or array at a pointer prefix.
	levels map[string]*level
}

// level is one decoded object (members) or array (items).
type level struct {
	members map[string]json.RawMessage
	items   []json.RawMessage
}

// decodeLevel returns the level of raw, or errNotObject.
func decodeLevel(raw json.RawMessage) (*level, error) {
	raw = trimSpace(raw)
	switch {
	case len(raw) > 0 && raw[0] == '{':
		l := &level{}
		if err := json.Unmarshal(raw, &l.members); err != nil {
			return nil, fmt.Errorf("decoding object: %w", err)
		}
		return l, nil
	case len(raw) > 0 && raw[0] == '[':
		l := &level{}
		if err := json.Unmarshal(raw, &l.items); err != nil {
			return nil, fmt.Errorf("decoding array: %w", err)
		}
		return l, nil
	}
	return nil, errNotObject
}

// set returns the operation that sets pointer to value, adding missing
// object members on the way in one operation.
func (d *rawDoc) set(pointer string, value json.RawMessage) (patchOp, error) {
	if !strings.HasPrefix(pointer, "/") {
		return patchOp{}, fmt.Errorf("pointer %q does not start with /", pointer)
	}
	tokens := strings.Split(pointer[1:], "/")
	current := json.RawMessage(d.root)
	prefix := ""
	for i, tok := range tokens {
		key := unescape(tok)
		last := i == len(tokens)-1
		next := prefix + "/" + tok
		l, err := d.level(prefix, current)
		if err != nil {
			return patchOp{}, err
		}
		if l.members != nil {
			child, exists := l.members[key]
			isNull := exists && string(trimSpace(child)) == "null"
			if exists && !isNull && !last {
				current, prefix = child, next
				continue
			}
			nested, err := nest(tokens[i+1:], value)
			if err != nil {
				return patchOp{}, err
			}
			l.members[key] = nested
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

// level returns the decoded object or array at prefix, decoding raw once.
func (d *rawDoc) level(prefix string, raw json.RawMessage) (*level, error) {
	if l, ok := d.levels[prefix]; ok {
		return l, nil
	}
	l, err := decodeLevel(raw)
	if err != nil {
		return nil, err
	}
	d.levels[prefix] = l
	return l, nil
}

func trimSpace(raw json.RawMessage) json.RawMessage {
	for len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t' || raw[0] == '\n' || raw[0] == '\r') {
		raw = raw[1:]
	}
	for len(raw) > 0 && (raw[len(raw)-1] == ' ' || raw[len(raw)-1] == '\t' || raw[len(raw)-1] == '\n' || raw[len(raw)-1] == '\r') {
		raw = raw[:len(raw)-1]
	}
	return raw
}

// nest wraps value in one object per remaining token.
func nest(tokens []string, value json.RawMessage) (json.RawMessage, error) {
	for i := len(tokens) - 1; i >= 0; i-- {
		key := unescape(tokens[i])
		if _, err := strconv.Atoi(key); err == nil {
			return nil, fmt.Errorf("cannot create list element %q", key)
		}
		wrapped, err := json.Marshal(map[string]json.RawMessage{key: value})
		if err != nil {
			return nil, err
		}
		value = wrapped
	}
	return value, nil
}

var unescaper = strings.NewReplacer("~1", "/", "~0", "~")

// unescape decodes an RFC 6901 reference token.
func unescape(tok string) string {
	if !strings.Contains(tok, "~") {
		return tok
	}
	return unescaper.Replace(tok)
}
