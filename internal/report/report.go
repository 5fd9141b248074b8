package report

import (
	"time"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

// Object is the verdict on one object.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Namespace is the namespace the object was judged in; for kinds that
	// are not evaluated, the one its manifest sets, if any.
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Source is where the object comes from: the file:line where it
	// starts for `ballast check`, "cluster" for `ballast audit`.
	Source string `json:"source"`
	// File and Line are Source's parts, for the formats that link to a
	// file (SARIF, JUnit, GitHub annotations); Line is 0 when unknown. They
	// are not part of the JSON, which has Source.
	File string `json:"-"`
	Line int    `json:"-"`
	// Template is the chart template that rendered the object, from the
	// `# Source:` comments of `helm template`.
	Template string `json:"template,omitempty"`
	// Mode is the mode the object was judged in; empty for kinds Ballast
	// does not evaluate.
	Mode policy.Mode `json:"mode,omitempty"`
	// Profile names the policy profile whose values the object was judged
	// by; empty when none applies.
	Profile string `json:"profile,omitempty"`
	// Allowed is false when the object would be denied.
	Allowed bool `json:"allowed"`
	// Skipped says why the object was not evaluated.
	Skipped string `json:"skipped,omitempty"`
	// Findings are the rule violations, as the rules report them: their
	// JSON is validators.Finding's.
	Findings []validators.Finding `json:"findings"`
	// Mutations are the pod defaults the object's pods would receive, and
	// the actions Ballast would take for it (such as creating a PDB).
	Mutations []Mutation `json:"mutations"`
	// Notes are the pod defaults the object's pods do not receive, and
	// why (no Service routes traffic to a container, for one).
	Notes []Note `json:"notes,omitempty"`
	// Exemptions are the policy's exemptions in force for the namespace,
	// and ExpiredExemptions those that match it but have expired.
	Exemptions        []Exemption `json:"exemptions,omitempty"`
	ExpiredExemptions []Exemption `json:"expiredExemptions,omitempty"`
}

// QualifiedName returns namespace/name, or name for objects without a
// namespace.
func (o *Object) QualifiedName() string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// Mutation is one pod default, or an action Ballast takes for an object.
type Mutation struct {
	// Rule is the ID of the rule the mutation satisfies.
	Rule string `json:"rule"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Field is the field path of the change; empty for actions outside the
	// object.
	Field string `json:"field,omitempty"`
	// Message says what is set.
	Message string `json:"message"`
}

// Exemption is a policy exemption that matches an object's namespace.
type Exemption struct {
	// Name is the exemption's name, or exemptions[i] for an unnamed one.
	Name string `json:"name"`
	// Reason says why it was granted, and Owner to whom.
	Reason string `json:"reason"`
	Owner  string `json:"owner,omitempty"`
	// Rules are the IDs of the rules it exempts from ("*" for every rule).
	Rules []string `json:"rules,omitempty"`
	// Mode is the mode it sets for the namespace, if any.
	Mode policy.Mode `json:"mode,omitempty"`
	// Expires is when it stops applying; nil when it never does.
	Expires *time.Time `json:"expires,omitempty"`
	// Scope names the workloads it is scoped to; empty when it exempts
	// whole namespaces.
	Scope string `json:"scope,omitempty"`
}

// NewObject returns the verdict on an object from the engine's result.
// Source and Template are left empty for the caller, which knows where the
// object came from.
func NewObject(apiVersion string, res engine.Result) Object {
	o := Object{
		APIVersion:        apiVersion,
		Kind:              res.Kind,
		Namespace:         res.Namespace,
		Name:              res.Name,
		Mode:              res.Mode,
		Profile:           res.Profile,
		Allowed:           res.Decision().Allowed,
		Skipped:           res.Skipped,
		Findings:          append(make([]validators.Finding, 0, len(res.Findings)), res.Findings...),
		Mutations:         make([]Mutation, 0, len(res.Mutations)),
		Exemptions:        NewExemptions(res.Exemptions),
		ExpiredExemptions: NewExemptions(res.Expired),
	}
	for _, m := range res.Mutations {
		o.Mutations = append(o.Mutations, Mutation{Rule: m.Rule, Container: m.Container, Field: m.Field, Message: m.Message})
	}
	for _, n := range res.Notes {
		o.Notes = append(o.Notes, Note{Rule: n.Rule, Container: n.Container, Message: n.Message})
	}
	return o
}

// Note is a pod default Ballast did not inject, and why.
type Note struct {
	// Rule is the ID of the rule the default would satisfy.
	Rule string `json:"rule"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Message says what was not injected and why.
	Message string `json:"message"`
}

// NewExemptions returns the exemptions the policy resolved, as reported;
// nil when there are none.
func NewExemptions(refs []policy.ExemptionRef) []Exemption {
	var out []Exemption
	for _, e := range refs {
		out = append(out, Exemption{Name: e.Name, Reason: e.Reason, Owner: e.Owner, Rules: e.Rules, Mode: e.Mode, Expires: e.Expires, Scope: e.Scope})
	}
	return out
}

// Summary counts a list of objects, and the inputs that could not be read.
type Summary struct {
	// Mode is the mode objects were judged in, unless their namespace is off.
	Mode policy.Mode `json:"mode"`
	// Objects counts every object; Evaluated those judged, Skipped the
	// others (kinds not evaluated, mode off, bare Pods).
	Objects   int `json:"objects"`
	Evaluated int `json:"evaluated"`
	Skipped   int `json:"skipped"`
	// Denied counts the objects that would be denied.
	Denied int `json:"denied"`
	// DenyFindings and WarnFindings count findings by action, Rules by rule ID.
	DenyFindings int            `json:"denyFindings"`
	WarnFindings int            `json:"warnFindings"`
	Rules        map[string]int `json:"rules"`
	// Mutations counts the mutations of every object.
	Mutations int `json:"mutations"`
	// Errors counts the inputs that could not be read, such as the
	// documents and paths of `ballast check`.
	Errors int `json:"errors"`
}

// Add counts o.
func (s *Summary) Add(o *Object) {
	s.Objects++
	if o.Skipped != "" {
		s.Skipped++
		return
	}
	s.Evaluated++
	if !o.Allowed {
		s.Denied++
	}
	if s.Rules == nil {
		s.Rules = map[string]int{}
	}
	for _, f := range o.Findings {
		s.Rules[f.Rule]++
		switch f.Action {
		case policy.ActionDeny:
			s.DenyFindings++
		case policy.ActionWarn:
			s.WarnFindings++
		case policy.ActionOff:
			// The engine leaves out the findings of rules that are off.
		}
	}
	s.Mutations += len(o.Mutations)
}
