package chartschema

import (
	"testing"

	"github.com/invopop/jsonschema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSplice(t *testing.T) {
	policy := &jsonschema.Schema{Type: "object"}
	tests := map[string]struct {
		schema  string
		want    string
		wantErr string
	}{
		"the policy's value is replaced, the rest kept byte for byte": {
			schema: "{\n  \"title\": \"x\",\n  \"properties\": {\n    \"a\": {\"type\":  \"string\"},\n    \"policy\": {\"type\": \"string\"},\n    \"z\": {}\n  }\n}\n",
			want:   "{\n  \"title\": \"x\",\n  \"properties\": {\n    \"a\": {\"type\":  \"string\"},\n    \"policy\": {\n      \"type\": \"object\"\n    },\n    \"z\": {}\n  }\n}\n",
		},
		"no policy": {
			schema:  `{"properties": {"a": {}}}`,
			wantErr: `no key "policy"`,
		},
		"no properties": {
			schema:  `{"title": "x"}`,
			wantErr: `no key "properties"`,
		},
		"not an object": {
			schema:  `[]`,
			wantErr: "want an object",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := Splice([]byte(tc.schema), policy)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(got))
		})
	}
}

func TestFind(t *testing.T) {
	s, err := Policy("../..")
	require.NoError(t, err)
	tests := map[string]struct {
		path    string
		want    string
		wantErr string
	}{
		"a property":           {path: "mode", want: "string"},
		"nested":               {path: "rules.min-replicas.minimum", want: "integer"},
		"the items of a list":  {path: "exemptions[].namespaces[]", want: "string"},
		"no such property":     {path: "rules.nope", wantErr: "no property nope"},
		"items of a non-array": {path: "mode[]", wantErr: "not an array"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := find(s, tc.path)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got.Type)
		})
	}
}
