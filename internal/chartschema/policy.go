package chartschema

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/invopop/jsonschema"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/policy"
)

// policyDir is the directory of the policy package, relative to the
// repository's root: the doc comments of its types are the descriptions.
const policyDir = "internal/policy"

// Policy returns the JSON Schema of the chart's policy value, a
// policy.Spec, with the descriptions read from the doc comments in
// root/internal/policy, where root is the repository's root.
func Policy(root string) (*jsonschema.Schema, error) {
	comments, err := readComments(filepath.Join(root, policyDir))
	if err != nil {
		return nil, err
	}
	r := &jsonschema.Reflector{
		DoNotReference: true,
		Anonymous:      true,
		Mapper:         mapType,
		LookupComment:  comments.lookup,
	}
	s := r.ReflectFromType(reflect.TypeFor[policy.Spec]())
	s.Version = ""
	s.Description = "The BallastPolicy spec that `ballast serve` loads (docs/policy.md). " +
		"Generated from the Go types by `make generate`: do not edit."
	for path, constrain := range constraints {
		node, err := find(s, path)
		if err != nil {
			return nil, fmt.Errorf("constraint on %s: %w", path, err)
		}
		constrain(node)
	}
	return s, nil
}

// mapType gives the schema of the types whose reflection alone would say
// too little: the policy's enumerations, with the values the policy
// package lists, the 32-bit integers with their range, and the Kubernetes
// types with their own JSON forms.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[policy.Mode]():
		return enum(policy.Modes)
	case reflect.TypeFor[policy.Action]():
		// Unset, "", is the rule's own default action.
		return enum(append(slices.Clone(policy.Actions), ""))
	case reflect.TypeFor[policy.OnInternalError]():
		return enum([]policy.OnInternalError{policy.InternalErrorAllow, policy.InternalErrorDeny})
	case reflect.TypeFor[policy.PreStopStrategy]():
		return enum([]policy.PreStopStrategy{policy.PreStopNative, policy.PreStopExec})
	case reflect.TypeFor[metav1.LabelSelectorOperator]():
		return enum([]metav1.LabelSelectorOperator{
			metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist,
		})
	case reflect.TypeFor[metav1.Time]():
		// The shape only: whether the date exists is the chart's template
		// check, since helm does not assert "format".
		return &jsonschema.Schema{
			Type:    "string",
			Pattern: `^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$`,
		}
	case reflect.TypeFor[intstr.IntOrString]():
		return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{int32Schema(), {Type: "string"}}}
	}
	if t.Kind() == reflect.Int32 {
		return int32Schema()
	}
	return nil
}

// int32Schema is the schema of a whole number that fits in 32 bits, as the
// policy's decoder requires.
func int32Schema() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "integer", Minimum: "-2147483648", Maximum: "2147483647"}
}

func enum[T ~string](values []T) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string"}
	for _, v := range values {
		s.Enum = append(s.Enum, string(v))
	}
	return s
}

// find returns the schema at path: property names separated by dots, and
// "[]" for the items of an array, such as "exemptions[].namespaces[]". An
// anyOf is searched for the first alternative that has the next property.
func find(s *jsonschema.Schema, path string) (*jsonschema.Schema, error) {
	for part := range strings.SplitSeq(path, ".") {
		name, items := strings.CutSuffix(part, "[]")
		if name != "" {
			if s.Properties == nil {
				return nil, fmt.Errorf("%s: not an object", name)
			}
			p, ok := s.Properties.Get(name)
			if !ok {
				return nil, fmt.Errorf("no property %s", name)
			}
			s = p
		}
		if items {
			if s.Items == nil {
				return nil, fmt.Errorf("%s: not an array", part)
			}
			s = s.Items
		}
	}
	return s, nil
}

// comments holds the doc comments of the policy package's types and of
// their fields, by "Type" and "Type.Field".
type comments map[string]string

// lookup gives a struct field's doc comment, else the doc comment of the
// field's type. Types alone get none: a field says better what it holds.
func (c comments) lookup(t reflect.Type, field string) string {
	if field == "" || t.PkgPath() != reflect.TypeFor[policy.Spec]().PkgPath() {
		return ""
	}
	if text := c[t.Name()+"."+field]; text != "" {
		// "MinReplicas: workloads run..." says what the field means
		// without its Go name.
		if rest, ok := strings.CutPrefix(text, field+": "); ok && rest != "" {
			return strings.ToUpper(rest[:1]) + rest[1:]
		}
		return text
	}
	f, ok := t.FieldByName(field)
	if !ok {
		return ""
	}
	ft := f.Type
	for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
		ft = ft.Elem()
	}
	if ft.PkgPath() != t.PkgPath() {
		return ""
	}
	return c[ft.Name()]
}

// readComments parses the Go files of dir, tests left out, and returns
// the doc comments of their types and struct fields, each on one line.
func readComments(dir string) (comments, error) {
	fset := token.NewFileSet()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	c := comments{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("reading the doc comments of the policy types: %w", err)
		}
		for _, decl := range f.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.TYPE {
				continue
			}
			for _, spec := range gen.Specs {
				ts, ok := spec.(*ast.TypeSpec)
				if !ok {
					continue
				}
				docs := ts.Doc
				if docs == nil && len(gen.Specs) == 1 {
					docs = gen.Doc
				}
				c[ts.Name.Name] = oneLine(docs)
				st, ok := ts.Type.(*ast.StructType)
				if !ok {
					continue
				}
				for _, field := range st.Fields.List {
					for _, name := range field.Names {
						c[ts.Name.Name+"."+name.Name] = oneLine(field.Doc)
					}
				}
			}
		}
	}
	if len(c) == 0 {
		return nil, errors.New("no Go types in " + dir)
	}
	return c, nil
}

// oneLine is the text of a doc comment as one line.
func oneLine(g *ast.CommentGroup) string {
	if g == nil {
		return ""
	}
	return strings.Join(strings.Fields(g.Text()), " ")
}
