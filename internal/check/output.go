package check

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ballast-dev/ballast/internal/report"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	return report.WriteJSON(w, r)
}

// WriteText writes the report for people: each object Ballast evaluates
// with its findings, mutations and exemptions, then the errors and a
// summary. Objects of kinds Ballast does not evaluate are only counted.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	for i := range r.Objects {
		writeObject(&b, &r.Objects[i])
	}
	if len(r.Errors) > 0 {
		b.WriteString("Errors\n")
		for _, e := range r.Errors {
			fmt.Fprintf(&b, "  %s: %s\n", e.Source, e.Message)
		}
		b.WriteString("\n")
	}
	writeSummary(&b, &r.Summary)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeObject writes an object Ballast evaluates, and nothing for the others.
func writeObject(b *strings.Builder, o *report.Object) {
	if o.Mode == "" {
		return
	}
	fmt.Fprintf(b, "%s %s (%s", o.Kind, qualifiedName(o), o.Source)
	if o.Template != "" {
		fmt.Fprintf(b, ", %s", o.Template)
	}
	b.WriteString(")")
	if o.Profile != "" {
		fmt.Fprintf(b, " profile %s", o.Profile)
	}
	b.WriteString("\n")
	switch {
	case o.Skipped != "":
		fmt.Fprintf(b, "  skipped: %s\n", o.Skipped)
	case len(o.Findings) == 0 && len(o.Mutations) == 0 && len(o.Notes) == 0:
		b.WriteString("  ok\n")
	}
	for _, f := range o.Findings {
		b.WriteString(report.FindingText(f, "  "))
	}
	for _, m := range o.Mutations {
		fmt.Fprintf(b, "  SET  %s  %s\n", m.Rule, m.Field)
		fmt.Fprintf(b, "       %s\n", m.Message)
	}
	for _, n := range o.Notes {
		fmt.Fprintf(b, "  NOT SET  %s\n", n.Rule)
		fmt.Fprintf(b, "       %s\n", n.Message)
	}
	for _, e := range o.Exemptions {
		fmt.Fprintf(b, "  EXEMPT %s: %s\n", e.Name, e.Terms(rfc3339))
	}
	for _, e := range o.ExpiredExemptions {
		fmt.Fprintf(b, "  EXPIRED %s: no longer applies (%s)\n", e.Name, e.Terms(rfc3339))
	}
	b.WriteString("\n")
}

// qualifiedName returns namespace/name, or name for objects without a
// namespace.
func qualifiedName(o *report.Object) string {
	if o.Namespace == "" {
		return o.Name
	}
	return o.Namespace + "/" + o.Name
}

// rfc3339 writes an exemption's expiry in UTC.
func rfc3339(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// writeSummary writes the summary line.
func writeSummary(b *strings.Builder, s *report.Summary) {
	fmt.Fprintf(b, "Summary (mode %s): objects: %d (%d evaluated, %d skipped); denied: %d; findings: %d deny, %d warn; mutations: %d; errors: %d\n",
		s.Mode, s.Objects, s.Evaluated, s.Skipped, s.Denied, s.DenyFindings, s.WarnFindings, s.Mutations, s.Errors)
}
