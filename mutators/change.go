package mutators

import "github.com/ballast-dev/ballast/internal/podspec"

// newChange reports that m set the field at p to value.
func newChange(m Mutator, container string, p podspec.Path, message string, value any) Change {
	return Change{
		Rule:      m.RuleID(),
		Mutator:   m.ID(),
		Container: container,
		Field:     p.String(),
		Message:   message,
		Pointer:   p.Pointer(),
		Value:     value,
	}
}
