package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"

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
// Value in raw (the object as sent; obj marshalled when raw is nil). It
// touches nothing else, so fields Ballast's types do not know survive. A
// missing parent is created with the change's value nested inside it.
func buildPatch(raw []byte, obj runtime.Object, changes []mutators.Change) ([]byte, error) {
	if raw == nil {
		var err error
		if raw, err = json.Marshal(obj); err != nil {
			return nil, fmt.Errorf("marshalling object: %w", err)
		}
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding object: %w", err)
	}
	ops := make([]patchOp, 0, len(changes))
	for _, c := range changes {
		if c.Pointer == "" {
			continue
		}
		value, err := json.Marshal(c.Value)
		if err != nil {
			return nil, fmt.Errorf("marshalling value of %s: %w", c.Field, err)
		}
		op, err := setPointer(&doc, c.Pointer, value)
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

// setPointer sets the value at pointer in doc, creating missing object
// members on the way, and returns the operation that does the same.
func setPointer(doc *any, pointer string, value json.RawMessage) (patchOp, error) {
	tokens := strings.Split(pointer, "/")[1:]
	parent := doc
	for i, tok := range tokens {
		key := unescape(tok)
		last := i == len(tokens)-1
		switch node := (*parent).(type) {
		case map[string]any:
			child, exists := node[key]
			if exists && child != nil && !last {
				// Objects and arrays are references: edits below child
				// reach doc.
				parent = &child
				continue
			}
			// Create the rest of the path here, in one operation.
			nested, err := nest(tokens[i+1:], value)
			if err != nil {
				return patchOp{}, err
			}
			var decoded any
			if err := json.Unmarshal(nested, &decoded); err != nil {
				return patchOp{}, fmt.Errorf("decoding value: %w", err)
			}
			node[key] = decoded
			op := "add"
			if exists && last {
				op = "replace"
			}
			return patchOp{Op: op, Path: "/" + strings.Join(tokens[:i+1], "/"), Value: nested}, nil
		case []any:
			idx, err := strconv.Atoi(key)
			if err != nil || idx < 0 || idx >= len(node) {
				return patchOp{}, fmt.Errorf("index %q out of range", key)
			}
			if last {
				return patchOp{}, fmt.Errorf("replacing list element %q is not supported", key)
			}
			parent = &node[idx]
		default:
			return patchOp{}, errNotObject
		}
	}
	return patchOp{}, fmt.Errorf("empty pointer %q", pointer)
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

func unescape(tok string) string { return unescaper.Replace(tok) }
