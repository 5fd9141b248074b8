package policy

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxValues bounds the values one document may decode to. Aliases can make
// a small document expand to a huge one; a real policy stays far below.
const maxValues = 100_000

var (
	timeType        = reflect.TypeFor[metav1.Time]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
)

// decoder decodes a YAML node tree into a Go value strictly, by walking the
// node tree and the value's type side by side, as encoding/json would with
// the type's json tags. Unlike a plain unmarshal it carries on past a
// problem, so that it can report every unknown field and every value of the
// wrong type, each with its line.
type decoder struct {
	// problems are the unknown fields, duplicate keys and wrong types.
	problems []Problem
	// lines maps the path of every field and item in the document to its
	// line, so that validation errors can be given one too.
	lines map[string]int
	// failed holds the paths whose value could not be decoded: validation
	// errors at or below them would only repeat the problem.
	failed []string
	// values counts down the values left to decode (see maxValues).
	values int
	// zeros are the strings, numbers and lists the document spells out as
	// "", 0 or [], which SetDefaults would take for unset (see keepZeros),
	// and zeroPaths their paths.
	zeros     []reflect.Value
	zeroPaths []string
}

func newDecoder() *decoder {
	return &decoder{lines: map[string]int{}, values: maxValues}
}

// decode decodes n into v, which must be settable, at path p.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, p *field.Path) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if d.values--; d.values == 0 {
		d.fail(p, n, field.OmitValueType{}, fmt.Sprintf("the document expands to more than %d values; simplify its aliases", maxValues))
	}
	if d.values <= 0 || n.ShortTag() == "!!null" {
		return // as in JSON, null leaves the field at its zero value
	}

	switch v.Type() {
	case timeType:
		d.decodeTime(n, v, p)
		return
	case intOrStringType:
		d.decodeIntOrString(n, v, p)
		return
	}

	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		d.decode(n, elem.Elem(), p)
		v.Set(elem)
	case reflect.Struct:
		d.decodeStruct(n, v, p)
	case reflect.Map:
		d.decodeMap(n, v, p)
	case reflect.Slice:
		d.decodeSlice(n, v, p)
		d.noteZero(v, p)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.fail(p, n, field.OmitValueType{}, "must be a string")
			return
		}
		if n.ShortTag() != "!!str" {
			d.fail(p, n, n.Value, "must be a string; quote the value")
			return
		}
		v.SetString(n.Value)
		d.noteZero(v, p)
	case reflect.Bool:
		d.decodeScalar(n, v, p, "", "must be true or false")
	case reflect.Int32:
		d.decodeScalar(n, v, p, "!!int", "must be a whole number")
		d.noteZero(v, p)
	default:
		// Only reachable if a field of an unsupported type is added to Policy.
		d.problems = append(d.problems, Problem{
			Line: n.Line,
			Err:  field.InternalError(p, fmt.Errorf("cannot decode into a Go %s", v.Type())),
		})
	}
}

// decodeScalar decodes a scalar with YAML's own rules, which reject values
// out of the type's range. When tag is set, the scalar must have it: YAML
// would otherwise truncate a float into an integer.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, p *field.Path, tag, want string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(p, n, field.OmitValueType{}, want)
		return
	}
	if (tag != "" && n.ShortTag() != tag) || n.Decode(v.Addr().Interface()) != nil {
		d.fail(p, n, n.Value, want)
	}
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, p *field.Path) {
	if n.Kind != yaml.MappingNode {
		d.fail(p, n, field.OmitValueType{}, "must be an object")
		return
	}
	names, index := jsonFields(v.Type())
	d.decodeMapping(n, p, childPath, func(key string, val *yaml.Node, kp *field.Path, line int) {
		i, ok := index[key]
		if !ok {
			d.problems = append(d.problems, Problem{Line: line, Err: field.Forbidden(kp, unknownField(key, names))})
			return
		}
		d.decode(val, v.Field(i), kp)
	})
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, p *field.Path) {
	if n.Kind != yaml.MappingNode {
		d.fail(p, n, field.OmitValueType{}, "must be an object")
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(v.Type(), len(n.Content)/2))
	}
	d.decodeMapping(n, p, (*field.Path).Key, func(key string, val *yaml.Node, kp *field.Path, _ int) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, kp)
		v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), elem)
	})
}

// decodeMapping calls fn for each entry of the mapping n whose key is a
// string that appears once, with the entry's path made by sub, and records
// each key's line.
func (d *decoder) decodeMapping(n *yaml.Node, p *field.Path, sub func(*field.Path, string) *field.Path, fn func(key string, val *yaml.Node, kp *field.Path, line int)) {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content) && d.values > 0; i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		kp := sub(p, k.Value)
		switch {
		case k.ShortTag() == "!!merge":
			d.problems = append(d.problems, Problem{Line: k.Line, Err: field.Forbidden(kp, "merge keys are not supported; repeat the fields")})
			continue
		case k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str":
			d.problems = append(d.problems, Problem{Line: k.Line, Err: field.Invalid(kp, k.Value, "keys must be strings")})
			continue
		}
		if seen[k.Value] {
			err := field.Duplicate(kp, k.Value)
			err.Detail = "the key appears more than once; keep one"
			d.problems = append(d.problems, Problem{Line: k.Line, Err: err})
			continue
		}
		seen[k.Value] = true
		d.lines[kp.String()] = k.Line
		fn(k.Value, val, kp, k.Line)
	}
}

func (d *decoder) decodeSlice(n *yaml.Node, v reflect.Value, p *field.Path) {
	if n.Kind != yaml.SequenceNode {
		d.fail(p, n, field.OmitValueType{}, "must be a list")
		return
	}
	if len(n.Content) == 0 {
		return // leave it nil: an empty list means nothing more
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		if d.values <= 0 {
			break
		}
		ip := p.Index(i)
		d.lines[ip.String()] = item.Line
		d.decode(item, s.Index(i), ip)
	}
	v.Set(s)
}

// decodeTime accepts an RFC 3339 time or a date, which means the start of
// that day in UTC.
func (d *decoder) decodeTime(n *yaml.Node, v reflect.Value, p *field.Path) {
	const want = `must be a date such as "2026-12-31" or an RFC 3339 time such as "2026-12-31T18:00:00Z"`
	if n.Kind != yaml.ScalarNode {
		d.fail(p, n, field.OmitValueType{}, want)
		return
	}
	t, err := time.Parse(time.RFC3339, n.Value)
	if err != nil {
		t, err = time.Parse(time.DateOnly, n.Value)
	}
	if err != nil {
		d.fail(p, n, n.Value, want)
		return
	}
	v.Set(reflect.ValueOf(metav1.NewTime(t)))
}

func (d *decoder) decodeIntOrString(n *yaml.Node, v reflect.Value, p *field.Path) {
	const want = `must be a whole number or a percentage such as "25%"`
	if n.Kind != yaml.ScalarNode {
		d.fail(p, n, field.OmitValueType{}, want)
		return
	}
	switch n.ShortTag() {
	case "!!str":
		v.Set(reflect.ValueOf(intstr.FromString(n.Value)))
	case "!!int":
		var i int32
		if n.Decode(&i) != nil {
			d.fail(p, n, n.Value, want)
			return
		}
		v.Set(reflect.ValueOf(intstr.FromInt32(i)))
	default:
		d.fail(p, n, n.Value, want)
	}
}

// childPath is the path of the struct field name under p.
func childPath(p *field.Path, name string) *field.Path {
	return p.Child(name)
}

// noteZero remembers v, at path p, if the document set it to its zero
// value.
func (d *decoder) noteZero(v reflect.Value, p *field.Path) {
	if v.IsZero() {
		d.zeros = append(d.zeros, v)
		d.zeroPaths = append(d.zeroPaths, p.String())
	}
}

// keepZeros sets back to zero the values the document spells out as "", 0
// or [] after SetDefaults, so that they mean what they say and are
// validated as written: "sleepSeconds: 0" is an error rather than the
// default 5, and "shutdownBudgetSeconds: 0" is no budget rather than 25.
func (d *decoder) keepZeros() {
	for _, v := range d.zeros {
		v.SetZero()
	}
}

// fail records that the value at p could not be decoded.
func (d *decoder) fail(p *field.Path, n *yaml.Node, value any, detail string) {
	d.problems = append(d.problems, Problem{Line: n.Line, Err: field.TypeInvalid(p, value, detail)})
	d.failed = append(d.failed, p.String())
}

// covers reports whether a validation error at path would only repeat a
// decoding problem at or above it.
func (d *decoder) covers(path string) bool {
	return slices.ContainsFunc(d.failed, func(f string) bool {
		return path == f || strings.HasPrefix(path, f+".") || strings.HasPrefix(path, f+"[")
	})
}

// line returns the line of path, or of its nearest ancestor the document
// spells out, or 0.
func (d *decoder) line(path string) int {
	for {
		if l, ok := d.lines[path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		path = parentPath(path)
	}
}

// parentPath strips the last element from a path as field.Path prints it:
// "a.b[0]" -> "a.b" -> "a" -> "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i]
	}
	return ""
}

// jsonFields returns the json names of t's fields in declaration order, and
// each name's field index.
func jsonFields(t reflect.Type) ([]string, map[string]int) {
	names := make([]string, 0, t.NumField())
	index := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		index[name] = i
	}
	return names, index
}

// unknownField says what is wrong with the field key of a struct whose
// fields are known: the closest known field when one is close enough to be
// a likely misspelling, else all of them.
func unknownField(key string, known []string) string {
	best, bestDist := "", 2+len(key)/4 // a close field is at most 1+len/4 edits away
	for _, k := range known {
		if dist := editDistance(strings.ToLower(key), strings.ToLower(k)); dist < bestDist {
			best, bestDist = k, dist
		}
	}
	if best != "" {
		return fmt.Sprintf("unknown field; did you mean %q?", best)
	}
	return "unknown field; known fields: " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := range len(a) {
		cur[0] = i + 1
		for j := range len(b) {
			cost := 1
			if a[i] == b[j] {
				cost = 0
			}
			cur[j+1] = min(prev[j+1]+1, cur[j]+1, prev[j]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// profileZeros reports the rule parameters and pod defaults a profile
// spells out as "", 0 or []: a profile overrides only the fields it sets,
// so such a value would be ignored rather than applied.
func (d *decoder) profileZeros() []Problem {
	var problems []Problem
	for _, p := range d.zeroPaths {
		rest, ok := strings.CutPrefix(p, "spec.profiles[")
		if !ok || !strings.Contains(rest, "].rules.") && !strings.Contains(rest, "].podDefaults.") {
			continue
		}
		problems = append(problems, Problem{Line: d.line(p), Err: field.Invalid(field.NewPath(p), field.OmitValueType{},
			`a profile cannot override with "", 0 or []: leave the field out to keep the policy's value, or set the value it should have`)})
	}
	return problems
}
