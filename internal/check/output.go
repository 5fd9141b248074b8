package check

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/report/ci"
	"github.com/ballast-dev/ballast/validators"
)

// CIOptions say how the CI formats name Ballast and locate files.
type CIOptions struct {
	// Version is Ballast's version, which names the SARIF tool.
	Version string
	// ChartDir is the directory that holds the charts `helm template`
	// rendered: their templates' `# Source:` paths are below it.
	ChartDir string
}

// WriteSARIF writes the report as a SARIF 2.1.0 log, for code scanning.
func (r *Report) WriteSARIF(w io.Writer, opts CIOptions) error {
	return ci.WriteSARIF(w, r.ci(opts))
}

// WriteJUnit writes the report as JUnit XML, for CI test reports.
func (r *Report) WriteJUnit(w io.Writer, opts CIOptions) error {
	return ci.WriteJUnit(w, r.ci(opts))
}

// WriteGitHub writes the report as GitHub Actions workflow commands, an
// annotation per finding, input error and note, then the summary line.
func (r *Report) WriteGitHub(w io.Writer, opts CIOptions) error {
	if err := ci.WriteGitHub(w, r.ci(opts)); err != nil {
		return err
	}
	var b strings.Builder
	writeSummary(&b, &r.Summary)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// ci returns the report as the CI formats read it.
func (r *Report) ci(opts CIOptions) *ci.Report {
	return &ci.Report{
		Objects: r.Objects, Errors: ciErrors(r.Errors), Notes: ciErrors(r.Notes),
		Rules: validators.Default(), Version: opts.Version, ChartDir: opts.ChartDir,
	}
}

// ciErrors returns problems of the input as the CI formats read them.
func ciErrors(problems []Error) []ci.Error {
	out := make([]ci.Error, 0, len(problems))
	for _, e := range problems {
		out = append(out, ci.Error{Source: manifest.Source{File: e.File, Line: e.Line}, Message: e.Message})
	}
	return out
}

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
	writeProblems(&b, "Notes", r.Notes)
	writeProblems(&b, "Errors", r.Errors)
	writeSummary(&b, &r.Summary)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// writeProblems writes a titled list of problems of the input, if any.
func writeProblems(b *strings.Builder, title string, problems []Error) {
	if len(problems) == 0 {
		return
	}
	b.WriteString(title + "\n")
	for _, e := range problems {
		fmt.Fprintf(b, "  %s: %s\n", e.Source, e.Message)
	}
	b.WriteString("\n")
}

// writeObject writes an object Ballast evaluates, and nothing for the others.
func writeObject(b *strings.Builder, o *report.Object) {
	if o.Mode == "" {
		return
	}
	fmt.Fprintf(b, "%s %s (%s", o.Kind, o.QualifiedName(), o.Source)
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

// rfc3339 writes an exemption's expiry in UTC.
func rfc3339(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// writeSummary writes the summary line.
func writeSummary(b *strings.Builder, s *report.Summary) {
	fmt.Fprintf(b, "Summary (mode %s): objects: %d (%d evaluated, %d skipped); denied: %d; findings: %d deny, %d warn; mutations: %d; errors: %d\n",
		s.Mode, s.Objects, s.Evaluated, s.Skipped, s.Denied, s.DenyFindings, s.WarnFindings, s.Mutations, s.Errors)
}
