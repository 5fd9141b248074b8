package check

import (
	"time"

	"github.com/ballast-dev/ballast/internal/policy"
)

// Report is the outcome of a check. Its JSON form is a public contract,
// documented in docs/check.md.
type Report struct {
	// Objects are every object read, in input order.
	Objects []Object `json:"objects"`
	// Errors are the documents and paths that could not be read, in input
	// order.
	Errors []Error `json:"errors"`
	// Summary counts the above.
	Summary Summary `json:"summary"`
}

// Object is the verdict on one object.
type Object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Namespace is the namespace the object was judged in; for kinds that
	// are not evaluated, the one its manifest sets, if any.
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Source is where the object starts: file:line.
	Source string `json:"source"`
	// Template is the chart template that rendered the object, from the
	// `# Source:` comments of `helm template`.
	Template string `json:"template,omitempty"`
	// Mode is the mode the object was judged in; empty for kinds Ballast
	// does not evaluate.
	Mode policy.Mode `json:"mode,omitempty"`
	// Allowed is false when the object would be denied.
	Allowed bool `json:"allowed"`
	// Skipped says why the object was not evaluated.
	Skipped string `json:"skipped,omitempty"`
	// Findings are the rule violations.
	Findings []Finding `json:"findings"`
	// Mutations are the pod defaults the object's pods would receive, and
	// the actions Ballast would take for it (such as creating a PDB).
	Mutations []Mutation `json:"mutations"`
	// Exemptions are the policy's exemptions in force for the namespace,
	// and ExpiredExemptions those that match it but have expired.
	Exemptions        []Exemption `json:"exemptions,omitempty"`
	ExpiredExemptions []Exemption `json:"expiredExemptions,omitempty"`
}

// Finding is one rule violation.
type Finding struct {
	// Rule is the rule's ID.
	Rule string `json:"rule"`
	// Action is deny or warn.
	Action policy.Action `json:"action"`
	// Container names the container concerned, if any.
	Container string `json:"container,omitempty"`
	// Field is the field path, e.g. spec.template.spec.containers[0].readinessProbe.
	Field string `json:"field"`
	// Message says what is wrong.
	Message string `json:"message"`
	// Fix says what to write instead.
	Fix string `json:"fix"`
}

// Mutation is one pod default.
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
	Name    string      `json:"name"`
	Reason  string      `json:"reason"`
	Owner   string      `json:"owner,omitempty"`
	Rules   []string    `json:"rules,omitempty"`
	Mode    policy.Mode `json:"mode,omitempty"`
	Expires *time.Time  `json:"expires,omitempty"`
}

// Error is a document or path that could not be read.
type Error struct {
	// Source is file:line, or the path when the problem is the whole file.
	Source string `json:"source"`
	// Message says what is wrong.
	Message string `json:"message"`
}

// Summary counts what a Report holds.
type Summary struct {
	// Mode is the mode objects were judged in, unless their namespace is off.
	Mode policy.Mode `json:"mode"`
	// Objects counts every object read; Evaluated those judged, Skipped the
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
	// Errors counts the documents and paths that could not be read.
	Errors int `json:"errors"`
}
