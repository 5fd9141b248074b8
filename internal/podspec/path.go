package podspec

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Path locates a field of an object. It renders as a field path for people
// (spec.containers[0].lifecycle) and as a JSON pointer for patches
// (/spec/containers/0/lifecycle).
type Path struct {
	field   *field.Path
	pointer string
}

// NewPath returns the path of a top-level field and its children.
func NewPath(name string, more ...string) Path {
	p := Path{field: field.NewPath(name), pointer: "/" + escape(name)}
	for _, m := range more {
		p = p.Child(m)
	}
	return p
}

// Child returns the path of a named child field.
func (p Path) Child(name string) Path {
	return Path{field: p.field.Child(name), pointer: p.pointer + "/" + escape(name)}
}

// Key returns the path of a map entry, such as an annotation.
func (p Path) Key(key string) Path {
	return Path{field: p.field.Key(key), pointer: p.pointer + "/" + escape(key)}
}

// Index returns the path of a list element.
func (p Path) Index(i int) Path {
	return Path{field: p.field.Index(i), pointer: p.pointer + "/" + strconv.Itoa(i)}
}

// String returns the field path, e.g. spec.containers[0].ports.
func (p Path) String() string { return p.field.String() }

// Pointer returns the RFC 6901 JSON pointer, e.g. /spec/containers/0/ports.
func (p Path) Pointer() string { return p.pointer }

// Field returns the path as a *field.Path for field.ErrorList users.
func (p Path) Field() *field.Path { return p.field }

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

func escape(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return pointerEscaper.Replace(s)
}
