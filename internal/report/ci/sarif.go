package ci

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// informationURI is the SARIF tool's home page.
const informationURI = "https://github.com/ballast-dev/ballast"

// SARIF levels.
const (
	levelError   = "error"
	levelWarning = "warning"
	levelNote    = "note"
)

// WriteSARIF writes r as a SARIF 2.1.0 log of one run: every rule of the
// catalog in tool.driver.rules (its summary, the kinds it applies to, its
// default level and the link to its section of docs/rules.md), each
// finding a result at the object's Locations (level error for a denial,
// warning otherwise), and each input error a tool execution notification
// of level error, so that a run that could not read its input is not
// successful; each note is one of level note.
func WriteSARIF(w io.Writer, r *Report) error {
	log, err := sarif.New(sarif.Version210)
	if err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	driver := sarif.NewDriver("ballast").WithInformationURI(informationURI)
	if r.Version != "" {
		driver.WithVersion(r.Version)
	}
	run := sarif.NewRun(*sarif.NewTool(driver))
	index := map[string]int{}
	for i := range r.Rules {
		index[r.Rules[i].ID] = i
		driver.AddRule(sarifRule(&r.Rules[i]))
	}
	for i := range r.Objects {
		o := &r.Objects[i]
		if !evaluated(o) {
			continue
		}
		for j := range o.Findings {
			run.AddResult(sarifResult(o, &o.Findings[j], index, r.ChartDir))
		}
	}
	inv := run.AddInvocation(len(r.Errors) == 0)
	for _, e := range r.Errors {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification(levelError, e))
	}
	for _, e := range r.Notes {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification(levelNote, e))
	}
	log.AddRun(run)
	if err := log.PrettyWrite(w); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

// sarifNotification is a problem of the input, at its location.
func sarifNotification(level string, e Error) *sarif.Notification {
	n := sarif.NewNotification().WithLevel(level).WithTextMessage(e.Message)
	n.Locations = []*sarif.Location{sarifLocation(e.Source)}
	return n
}

// sarifRule describes a rule of the catalog.
func sarifRule(rule *validators.Rule) *sarif.ReportingDescriptor {
	help := RulesDoc + "#" + rule.ID
	level := levelWarning
	if rule.DefaultAction == policy.ActionDeny {
		level = levelError
	}
	return sarif.NewRule(rule.ID).
		WithName(rule.ID).
		WithShortDescription(sarif.NewMultiformatMessageString(rule.Summary)).
		WithFullDescription(sarif.NewMultiformatMessageString(
			fmt.Sprintf("%s Applies to %s; %s by default.", sentence(rule.Summary), strings.Join(rule.Kinds, ", "), rule.DefaultAction))).
		WithHelpURI(help).
		WithTextHelp(fmt.Sprintf("%s Each finding says which field to change and how. The fields it checks, an example and the fix: %s", sentence(rule.Summary), help)).
		WithMarkdownHelp(fmt.Sprintf("%s Each finding says which field to change and how.\n\nThe fields it checks, an example and the fix: [%s](%s).", sentence(rule.Summary), rule.ID, help)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(level)).
		WithProperties(sarif.Properties{"tags": []string{"kubernetes", "reliability"}})
}

// sentence returns s as a sentence: capitalised, ending with a full stop.
func sentence(s string) string {
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// sarifResult is a finding on object o, whose templates are below chartDir.
func sarifResult(o *report.Object, f *validators.Finding, index map[string]int, chartDir string) *sarif.Result {
	level := levelWarning
	if Denies(o, f) {
		level = levelError
	}
	res := sarif.NewRuleResult(f.Rule).
		WithLevel(level).
		WithMessage(sarif.NewTextMessage(Title(o) + ": " + f.Detail()))
	if i, ok := index[f.Rule]; ok {
		res.WithRuleIndex(i)
	}
	object := sarif.NewLogicalLocation().
		WithName(o.Name).
		WithFullyQualifiedName(Title(o)).
		WithKind("resource")
	for _, l := range Locations(o, chartDir) {
		loc := sarifLocation(l)
		loc.WithLogicalLocations([]*sarif.LogicalLocation{object})
		res.AddLocation(loc)
	}
	props := sarif.Properties{"action": string(f.Action), "field": f.Field, "fix": f.Fix, "mode": string(o.Mode)}
	if f.Container != "" {
		props["container"] = f.Container
	}
	res.Properties = props
	return res
}

// sarifLocation is a place in a file.
func sarifLocation(l manifest.Source) *sarif.Location {
	phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(fileURI(l.File)))
	if l.Line > 0 {
		phys.WithRegion(sarif.NewRegion().WithStartLine(l.Line))
	}
	return sarif.NewLocationWithPhysicalLocation(phys)
}

// fileURI returns the URI of a path: relative, as code scanning wants it
// (relative to the repository, when check runs at its root), or a file://
// URI for an absolute path.
func fileURI(path string) string {
	u := url.URL{Path: filepath.ToSlash(path)}
	if filepath.IsAbs(path) {
		u.Scheme = "file"
	}
	return u.String()
}
