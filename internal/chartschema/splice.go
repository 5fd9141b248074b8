package chartschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/invopop/jsonschema"
)

// Splice returns the chart's values schema, valuesSchema, with the value of
// its properties.policy replaced by policy, indented as the file is (two
// spaces a level). Everything else is left byte for byte as it is.
func Splice(valuesSchema []byte, policy *jsonschema.Schema) ([]byte, error) {
	start, end, err := policyValue(valuesSchema)
	if err != nil {
		return nil, fmt.Errorf("values.schema.json: %w", err)
	}
	compact, err := json.Marshal(policy)
	if err != nil {
		return nil, fmt.Errorf("encoding the policy schema: %w", err)
	}
	var value bytes.Buffer
	// properties.policy sits two objects deep.
	if err := json.Indent(&value, compact, "    ", "  "); err != nil {
		return nil, fmt.Errorf("indenting the policy schema: %w", err)
	}
	var out bytes.Buffer
	out.Write(valuesSchema[:start])
	out.Write(value.Bytes())
	out.Write(valuesSchema[end:])
	return out.Bytes(), nil
}

// policyValue returns where the value of properties.policy starts and ends
// in the values schema.
func policyValue(data []byte) (start, end int, err error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	for _, key := range []string{"properties", "policy"} {
		if err := enterObject(dec); err != nil {
			return 0, 0, err
		}
		if err := skipTo(dec, key); err != nil {
			return 0, 0, err
		}
	}
	// The raw value is the value's bytes alone, without the colon and
	// the white space before it.
	var value json.RawMessage
	if err := dec.Decode(&value); err != nil {
		return 0, 0, fmt.Errorf("reading properties.policy: %w", err)
	}
	end = int(dec.InputOffset())
	return end - len(value), end, nil
}

// enterObject reads the '{' that opens an object.
func enterObject(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("reading the schema: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("want an object, found %v", tok)
	}
	return nil
}

// skipTo reads the keys of the object the decoder is in, skipping their
// values, up to key.
func skipTo(dec *json.Decoder, key string) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("reading the schema: %w", err)
		}
		if tok == key {
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return fmt.Errorf("reading the schema: %w", err)
		}
	}
	return fmt.Errorf("no key %q: %w", key, io.ErrUnexpectedEOF)
}
