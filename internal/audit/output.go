package audit

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	return report.WriteJSON(w, r)
}

// WriteText writes the report for people: each evaluated namespace with
// its mode and why, the objects with findings, the PodDisruptionBudgets
// Ballast would create, the pods lacking defaults, the pods injected
// readiness probes keep unready and the exemptions; the unreadable and
// skipped namespaces; then a table of every namespace and the totals.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Ballast audit of %s (mode %s", r.scope(), r.Mode)
	if r.Policy != "" {
		fmt.Fprintf(&b, ", policy %s", r.Policy)
	}
	b.WriteString(")\n\n")
	for i := range r.Namespaces {
		r.Namespaces[i].writeText(&b, r.Time)
	}

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	owner := func(*Namespace) string { return "" }
	if r.OwnerLabel != "" {
		fmt.Fprint(tw, "NAMESPACE\tOWNER\t")
		owner = func(n *Namespace) string { return cmp.Or(n.Owner, "-") + "\t" }
	} else {
		fmt.Fprint(tw, "NAMESPACE\t")
	}
	fmt.Fprintln(tw, "MODE\tDENIED\tWARNINGS\tPDBS\tPODS\tNOTE")
	for i := range r.Namespaces {
		n := &r.Namespaces[i]
		switch n.state() {
		case stateEvaluated:
			fmt.Fprintf(tw, "%s\t%s%s\t%d\t%d\t%d\t%d\t%s\n", n.Name, owner(n), n.Mode, n.Denied, n.Warnings,
				len(n.PlannedPDBs), n.PodsLackingDefaults.Count, strings.Join(n.Notes, "; "))
		case stateUnreadable:
			fmt.Fprintf(tw, "%s\t%s%s\t-\t-\t-\t-\tunreadable\n", n.Name, owner(n), n.Mode)
		case stateSkipped:
			fmt.Fprintf(tw, "%s\t%s%s\t-\t-\t-\t-\tskipped: %s\n", n.Name, owner(n), n.Mode, n.Skipped)
		}
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	s := &r.Summary
	fmt.Fprintf(&b, "\nSummary (mode %s): namespaces: %d (%d evaluated, %d skipped, %d unreadable); objects: %d; denied: %d; warnings: %d; PDBs to create: %d; pods lacking defaults: %d",
		r.Mode, s.Namespaces, s.Evaluated, s.Skipped, s.Unreadable, s.Objects, s.Denied, s.Warnings, s.PlannedPDBs, s.PodsLackingDefaults)
	if s.UnreadyProbedPods > 0 {
		fmt.Fprintf(&b, "; pods kept unready by injected readiness probes: %d", s.UnreadyProbedPods)
	}
	b.WriteString("\n")
	if len(s.ByRule) > 0 {
		b.WriteString("\nBy rule:\n")
		for _, t := range s.ByRule {
			fmt.Fprintf(&b, "  %s\n", t)
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// String says where the rule is broken: "resource-requests blocks 2
// namespaces, 3 objects" for a deny rule, "image-tag warns in 1 namespace,
// 1 object" for a warn rule.
func (t RuleTotal) String() string {
	verb := "warns in"
	if t.Action == policy.ActionDeny {
		verb = "blocks"
	}
	return fmt.Sprintf("%s %s %s, %s", t.Rule, verb, plural(t.Namespaces, "namespace"), plural(t.Objects, "object"))
}

// plural counts n things.
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// scope names what was audited.
func (r *Report) scope() string {
	if r.Namespace == "" {
		return "all namespaces"
	}
	return "namespace " + r.Namespace
}

func (n *Namespace) writeText(b *strings.Builder, now time.Time) {
	switch n.state() {
	case stateUnreadable:
		fmt.Fprintf(b, "%s: unreadable: %s\n\n", n.Name, n.Error)
		return
	case stateSkipped:
		fmt.Fprintf(b, "%s: skipped, %s (%s)\n\n", n.Name, n.Skipped, n.ModeSource)
		return
	case stateEvaluated:
	}
	owner := ""
	if n.Owner != "" {
		owner = " (owner " + n.Owner + ")"
	}
	fmt.Fprintf(b, "%s%s: %s (%s)\n", n.Name, owner, n.Mode, n.modeOrigin())
	quiet := true
	for i := range n.Objects {
		o := &n.Objects[i]
		if len(o.Findings) == 0 {
			continue
		}
		quiet = false
		verdict := ""
		if !o.Allowed {
			verdict = ": would be denied"
		}
		fmt.Fprintf(b, "  %s %s%s\n", o.Kind, o.Name, verdict)
		for _, f := range o.Findings {
			b.WriteString(report.FindingText(f, "    "))
		}
	}
	for _, p := range n.PlannedPDBs {
		quiet = false
		fmt.Fprintf(b, "  would create %s for %s %s\n", p.Message, p.Kind, p.Workload)
	}
	if p := &n.PodsLackingDefaults; p.Count > 0 {
		quiet = false
		fmt.Fprintf(b, "  %d pod(s) lack defaults (%s): %s\n", p.Count, strings.Join(p.Rules, ", "), p.names())
	}
	for _, g := range groupUnready(n.UnreadyProbedPods) {
		quiet = false
		fmt.Fprintf(b, "  %s: %s: %s\n", g.owner(), g.summary(now), g.names(DefaultMaxPodNames))
		fmt.Fprintf(b, "    fix: %s\n", UnreadyFix)
	}
	for _, e := range n.Exemptions {
		fmt.Fprintf(b, "  exemption %s\n", describeExemption(e))
	}
	for _, e := range n.ExpiredExemptions {
		fmt.Fprintf(b, "  expired exemption %s: no longer applies\n", describeExemption(e))
	}
	for _, note := range n.Notes {
		fmt.Fprintf(b, "  note: %s\n", note)
	}
	if quiet {
		b.WriteString("  ok\n")
	}
	b.WriteString("\n")
}

// modeOrigin says where the mode the namespace was judged in came from.
func (n *Namespace) modeOrigin() string {
	origin := n.ModeSource
	if n.Mode != n.ConfiguredMode {
		origin = fmt.Sprintf("%s; configured: %s, %s", modeSource, n.ConfiguredMode, n.ModeSource)
	}
	if n.Profile != "" {
		origin += "; profile " + n.Profile
	}
	return origin
}

// names lists the pods' names, with an ellipsis for those left out.
func (p *Pods) names() string {
	s := strings.Join(p.Names, ", ")
	if more := p.Count - len(p.Names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// describeExemption says which exemption, what it does, why, whose it is
// and until when.
func describeExemption(e report.Exemption) string {
	return e.Name + ": " + e.Terms(day)
}

// day formats a time as a date when it is midnight UTC, as exemption
// expiries usually are, and in RFC 3339 otherwise.
func day(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// WriteMarkdown writes the report as markdown for a rollout plan: a table
// of every namespace, those that most block enforcement first, the totals,
// a table of the objects that would be denied, and one of the workloads
// whose pods injected readiness probes keep unready.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("## Ballast audit\n\n")
	fmt.Fprintf(&b, "Mode **%s**, %s", r.Mode, r.scope())
	if r.Policy != "" {
		fmt.Fprintf(&b, ", policy %s", cell(r.Policy))
	}
	b.WriteString(".\n\n")
	owner := func(*Namespace) string { return "" }
	if r.OwnerLabel != "" {
		b.WriteString("| Namespace | Owner (" + cell(r.OwnerLabel) + ") ")
		owner = func(n *Namespace) string { return " " + cell(n.Owner) + " |" }
	} else {
		b.WriteString("| Namespace ")
	}
	b.WriteString("| Mode | Configured mode | Denied | Deny rules (objects) | Warnings | PDBs to create | Pods lacking defaults | Notes |\n")
	if r.OwnerLabel != "" {
		b.WriteString("|---")
	}
	b.WriteString("|---|---|---|--:|---|--:|--:|--:|---|\n")
	for i := range r.Namespaces {
		n := &r.Namespaces[i]
		origin := n.ModeSource
		if n.Profile != "" {
			origin += "; profile " + n.Profile
		}
		configured := cell(fmt.Sprintf("%s (%s)", n.ConfiguredMode, origin))
		switch n.state() {
		case stateEvaluated:
			fmt.Fprintf(&b, "| %s |%s %s | %s | %d | %s | %d | %d | %d | %s |\n",
				cell(n.Name), owner(n), n.Mode, configured, n.Denied, cell(n.denyRules()), n.Warnings,
				len(n.PlannedPDBs), n.PodsLackingDefaults.Count, cell(n.notes()))
		case stateUnreadable:
			fmt.Fprintf(&b, "| %s |%s %s | %s | | | | | | %s |\n", cell(n.Name), owner(n), n.Mode, configured, cell("unreadable: "+n.Error))
		case stateSkipped:
			fmt.Fprintf(&b, "| %s |%s %s | %s | | | | | | %s |\n", cell(n.Name), owner(n), n.Mode, configured, cell("skipped: "+n.Skipped))
		}
	}
	s := &r.Summary
	fmt.Fprintf(&b, "\n**Totals:** namespaces: %d (%d evaluated, %d skipped, %d unreadable); objects: %d; would be denied: %d; warnings: %d; PodDisruptionBudgets to create: %d; pods lacking defaults: %d",
		s.Namespaces, s.Evaluated, s.Skipped, s.Unreadable, s.Objects, s.Denied, s.Warnings, s.PlannedPDBs, s.PodsLackingDefaults)
	if s.UnreadyProbedPods > 0 {
		fmt.Fprintf(&b, "; pods kept unready by injected readiness probes: %d", s.UnreadyProbedPods)
	}
	b.WriteString(".\n")
	if len(s.ByRule) > 0 {
		b.WriteString("\n### By rule\n\n| Rule | Action | Namespaces | Objects |\n|---|---|--:|--:|\n")
		for _, t := range s.ByRule {
			fmt.Fprintf(&b, "| %s | %s | %d | %d |\n", t.Rule, t.Action, t.Namespaces, t.Objects)
		}
	}
	if s.Denied > 0 {
		b.WriteString("\n### Would be denied\n\n| Namespace | Object | Rules |\n|---|---|---|\n")
		for i := range r.Namespaces {
			n := &r.Namespaces[i]
			for j := range n.Objects {
				if o := &n.Objects[j]; !o.Allowed {
					fmt.Fprintf(&b, "| %s | %s %s | %s |\n", cell(n.Name), o.Kind, cell(o.Name), cell(strings.Join(deniedRules(o.Findings), ", ")))
				}
			}
		}
	}
	if s.UnreadyProbedPods > 0 {
		b.WriteString("\n### Kept unready by an injected readiness probe\n\n")
		b.WriteString("Fix: " + cell(UnreadyFix) + ".\n\n")
		b.WriteString("| Namespace | Workload | Unready pods | Containers (probe) | Unready for |\n|---|---|--:|---|---|\n")
		for i := range r.Namespaces {
			n := &r.Namespaces[i]
			for _, g := range groupUnready(n.UnreadyProbedPods) {
				fmt.Fprintf(&b, "| %s | %s | %d | %s | %s |\n", cell(n.Name), cell(g.owner()), len(g.Pods),
					cell(g.containers()), humanDuration(r.Time.Sub(g.Since)))
			}
		}
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// denyRules lists the deny rules the namespace's objects break, each with
// the number of objects: what blocks enforcement.
func (n *Namespace) denyRules() string {
	var parts []string
	for _, v := range n.Violations {
		if v.Action == policy.ActionDeny {
			parts = append(parts, fmt.Sprintf("%s (%d)", v.Rule, v.Objects))
		}
	}
	return strings.Join(parts, ", ")
}

// deniedRules lists, once each, the rules of the findings that deny.
func deniedRules(findings []validators.Finding) []string {
	var rules []string
	for _, f := range findings {
		if f.Action == policy.ActionDeny && !slices.Contains(rules, f.Rule) {
			rules = append(rules, f.Rule)
		}
	}
	return rules
}

// notes lists the exemptions, the expired ones and the notes of the
// namespace, for the markdown table.
func (n *Namespace) notes() string {
	var parts []string
	for _, e := range n.Exemptions {
		parts = append(parts, "exemption "+describeExemption(e))
	}
	for _, e := range n.ExpiredExemptions {
		parts = append(parts, "expired exemption "+describeExemption(e))
	}
	parts = append(parts, n.Notes...)
	return strings.Join(parts, "; ")
}

// cell escapes s for a markdown table cell.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ").Replace(s)
}
