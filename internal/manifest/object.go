package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// header is the part of an object Read looks at before decoding it.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Items json.RawMessage `json:"items"`
}

// isList reports whether the object is a list whose items are objects:
// kind List, or a *List kind (DeploymentList) with an items array.
func (h *header) isList() bool {
	if h.Kind != "List" && !strings.HasSuffix(h.Kind, "List") {
		return false
	}
	return len(h.Items) > 0 && h.Items[0] == '['
}

// object reads one object, or the items of a list, from its JSON. src is
// where it starts. The lines of a list's items are counted from base, in
// node, its YAML node, or else in text, the YAML or JSON it was read from,
// which is parsed only then.
func (r *reader) object(src Source, base int, template string, data, text []byte, node *yamlv3.Node) {
	if len(data) == 0 || data[0] != '{' {
		r.fail(src, fmt.Errorf("not a Kubernetes object: the document is %s", describeJSON(data)))
		return
	}
	var h header
	if err := json.Unmarshal(data, &h); err != nil {
		r.fail(src, fmt.Errorf("invalid object: %w", err))
		return
	}
	switch {
	case h.Kind == "":
		r.fail(src, errors.New(`invalid object: "kind" is missing`))
		return
	case h.APIVersion == "":
		r.fail(src, fmt.Errorf(`invalid %s: "apiVersion" is missing`, h.Kind))
		return
	case h.isList():
		if node == nil && text != nil {
			var root yamlv3.Node
			_ = yamlv3.Unmarshal(text, &root) // only for the lines of the items
			node = documentNode(&root)
		}
		r.list(src, base, template, &h, node)
		return
	}
	gvk := schema.FromAPIVersionAndKind(h.APIVersion, h.Kind)
	if rm, ok := removed[gvk]; ok {
		r.fail(src, fmt.Errorf("%s %q: apiVersion %s is not served since Kubernetes %s; use %s",
			h.Kind, h.Metadata.Name, h.APIVersion, rm.since, rm.use))
		return
	}
	doc := Document{
		Source:     src,
		Template:   template,
		APIVersion: h.APIVersion,
		Kind:       h.Kind,
		Namespace:  h.Metadata.Namespace,
		Name:       h.Metadata.Name,
		Raw:        data,
	}
	if evaluated[gvk] {
		obj, _, err := clientgoscheme.Codecs.UniversalDeserializer().Decode(data, nil, nil)
		if err != nil {
			r.fail(src, fmt.Errorf("invalid %s %q: %w", h.Kind, h.Metadata.Name, err))
			return
		}
		doc.Object = obj
	}
	r.docs = append(r.docs, doc)
}

// list reads the items of a list object.
func (r *reader) list(src Source, base int, template string, h *header, node *yamlv3.Node) {
	var items []json.RawMessage
	if err := json.Unmarshal(h.Items, &items); err != nil {
		r.fail(src, fmt.Errorf("invalid %s: %w", h.Kind, err))
		return
	}
	nodes := itemNodes(node)
	for i, item := range items {
		at, n := src, (*yamlv3.Node)(nil)
		if len(nodes) == len(items) {
			n = nodes[i]
			at.Line = base + n.Line
		}
		r.object(at, base, template, item, nil, n)
	}
}

// describeJSON names the kind of a JSON value that is not an object.
func describeJSON(data []byte) string {
	if len(data) == 0 {
		return "empty"
	}
	switch data[0] {
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}
