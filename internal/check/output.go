package check

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteText writes the report for people: each object Ballast evaluates
// with its findings, mutations and exemptions, then the errors and a
// summary. Objects of kinds Ballast does not evaluate are only counted.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i := range r.Objects {
		r.Objects[i].writeText(&b)
	}
	if len(r.Errors) > 0 {
		b.WriteString("Errors\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "  %s: %s\n", e.Source, e.Message)
		}
		b.WriteString("\n")
	}
	r.Summary.writeText(&b)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func (o *Object) writeText(b *strings.Builder) {
	if o.Mode == "" {
		return
	}
	fmt.Fprintf(b, "%s %s (%s", o.Kind, o.name(), o.Source)
	if o.Template != "" {
		fmt.Fprintf(b, ", %s", o.Template)
	}
	b.WriteString(")\n")
	switch {
	case o.Skipped != "":
		fmt.Fprintf(b, "  skipped: %s\n", o.Skipped)
	case len(o.Findings) == 0 && len(o.Mutations) == 0:
		b.WriteString("  ok\n")
	}
	for _, f := range o.Findings {
		fmt.Fprintf(b, "  %-4s %s  %s\n", strings.ToUpper(string(f.Action)), f.Rule, f.Field)
		fmt.Fprintf(b, "       %s\n", f.Message)
		if f.Fix != "" {
			fmt.Fprintf(b, "       fix: %s\n", f.Fix)
		}
	}
	for _, m := range o.Mutations {
		fmt.Fprintf(b, "  SET  %s  %s\n", m.Rule, m.Field)
		fmt.Fprintf(b, "       %s\n", m.Message)
	}
	for _, e := range o.Exemptions {
		fmt.Fprintf(b, "  EXEMPT %s: %s\n", e.Name, e.describe())
	}
	for _, e := range o.ExpiredExemptions {
		fmt.Fprintf(b, "  EXPIRED %s: no longer applies (%s)\n", e.Name, e.describe())
	}
	b.WriteString("\n")
}

// name returns namespace/name, or name for objects without a namespace.
func (o *Object) name() string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// describe says what an exemption does, why, whose it is and until when.
func (e *Exemption) describe() string {
	var parts []string
	if len(e.Rules) > 0 {
		parts = append(parts, "rules "+strings.Join(e.Rules, ", "))
	}
	if e.Mode != "" {
		parts = append(parts, "mode "+string(e.Mode))
	}
	parts = append(parts, fmt.Sprintf("reason %q", e.Reason))
	if e.Owner != "" {
		parts = append(parts, "owner "+e.Owner)
	}
	if e.Expires != nil {
		parts = append(parts, "expires "+e.Expires.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, "; ")
}

func (s *Summary) writeText(b *strings.Builder) {
	fmt.Fprintf(b, "Summary (mode %s): objects: %d (%d evaluated, %d skipped); denied: %d; findings: %d deny, %d warn; mutations: %d; errors: %d\n",
		s.Mode, s.Objects, s.Evaluated, s.Skipped, s.Denied, s.DenyFindings, s.WarnFindings, s.Mutations, s.Errors)
}
