package policy

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Problem is one thing wrong with a policy.
type Problem struct {
	// Line is the line of the field in the document, counting from 1, or 0
	// when it is not known.
	Line int
	// Err names the field, says what is wrong and how to fix it.
	Err *field.Error
}

// String formats the problem as "line N: path: message".
func (p Problem) String() string {
	if p.Line == 0 {
		return p.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", p.Line, p.Err)
}

// InvalidError reports every problem found in a policy: unknown fields,
// values of the wrong type and failed validations, in document order.
type InvalidError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *InvalidError) Error() string {
	if len(e.Problems) == 1 {
		return "invalid " + Kind + ": " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid %s (%d problems):", Kind, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// ErrorList returns the problems as a field.ErrorList, without lines.
func (e *InvalidError) ErrorList() field.ErrorList {
	errs := make(field.ErrorList, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p.Err
	}
	return errs
}

// Load reads the policy file at path; see Parse.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	return p, nil
}

// Parse decodes a BallastPolicy from YAML or JSON, sets its defaults and
// validates it.
//
// Decoding is strict: an unknown or misspelt field, a duplicate key and a
// value of the wrong type are errors. Fields left out or null take their
// defaults; values written out are kept as written, even "", 0 and [], so
// that "sleepSeconds: 0" is reported rather than replaced. An empty document
// is the default policy, and apiVersion and kind may be left out.
//
// A document that is not YAML gives a plain error. Otherwise Parse reports
// every problem at once, each with its line, in an *InvalidError.
func Parse(data []byte) (*Policy, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", Kind, err)
	}

	p := &Policy{}
	d := newDecoder()
	if root != nil {
		d.lines[""] = root.Line
		d.decode(root, reflect.ValueOf(p).Elem(), nil)
	}
	setDefaults(p)
	d.keepZeros()
	p.Spec.applyProfiles()
	problems := slices.Concat(d.problems, d.profileZeros())
	for _, err := range Validate(p) {
		if !d.covers(err.Field) {
			problems = append(problems, Problem{Line: d.line(err.Field), Err: err})
		}
	}
	if len(problems) > 0 {
		slices.SortStableFunc(problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), strings.Compare(a.Err.Field, b.Err.Field))
		})
		return nil, &InvalidError{Problems: problems}
	}
	return p, nil
}

// parseYAML returns the content of the only document in data, or nil when
// data holds no document or a null one.
func parseYAML(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, err
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, err
	default:
		return nil, fmt.Errorf("line %d: a policy file holds one document; remove the documents after the first", next.Line)
	}

	root := doc.Content[0]
	for root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	switch {
	case root.ShortTag() == "!!null":
		return nil, nil
	case root.Kind != yaml.MappingNode:
		return nil, fmt.Errorf("line %d: a policy must be an object with apiVersion, kind and spec", root.Line)
	}
	return root, nil
}
