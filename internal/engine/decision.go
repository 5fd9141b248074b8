package engine

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// Limits that keep warnings readable after the API server's truncation
// (about 256 characters each and 4 KiB in all).
const (
	maxWarnings      = 12
	maxWarningLength = 240
)

// Audit annotation keys, relative to the webhook's name (the API server
// prefixes them, e.g. validate.ballast.dev/mode).
const (
	AuditMode      = "mode"
	AuditDecision  = "decision"
	AuditRules     = "rules"
	AuditMutations = "mutations"
	AuditExempted  = "exemptions"
	AuditProfile   = "profile"
)

// Decision values recorded in the AuditDecision annotation.
const (
	DecisionAllowed   = "allowed"
	DecisionDenied    = "denied"
	DecisionWouldDeny = "would-deny"
	DecisionSkipped   = "skipped"
)

// Decision turns a Result into an admission answer according to the mode:
//
//	mode     mutations              deny findings         warn findings
//	enforce  applied                request denied        warning
//	warn     applied                warning               warning
//	dryrun   "would set" warnings   "would deny" warning  warning
//	off      none                   none                  none
func (r Result) Decision() Decision {
	d := Decision{Allowed: true, AuditAnnotations: map[string]string{AuditMode: string(r.Mode)}}
	if r.Skipped != "" {
		d.AuditAnnotations[AuditDecision] = DecisionSkipped
		return d
	}
	var denials []validators.Finding
	for _, f := range r.Findings {
		if f.Action == policy.ActionDeny && r.Mode == policy.ModeEnforce {
			denials = append(denials, f)
		}
	}
	decision := DecisionAllowed
	switch {
	case len(denials) > 0:
		d.Allowed = false
		d.DenyMessage = r.denyMessage(denials)
		decision = DecisionDenied
	case r.Mode == policy.ModeDryRun && r.hasAction(policy.ActionDeny):
		decision = DecisionWouldDeny
	}
	d.AuditAnnotations[AuditDecision] = decision
	if rules := r.firedRules(); rules != "" {
		d.AuditAnnotations[AuditRules] = rules
	}
	if muts := mutationList(r.Mutations); muts != "" {
		d.AuditAnnotations[AuditMutations] = muts
	}
	if r.Profile != "" {
		d.AuditAnnotations[AuditProfile] = r.Profile
	}
	if len(r.Exemptions) > 0 {
		names := make([]string, len(r.Exemptions))
		for i, e := range r.Exemptions {
			names[i] = e.Name
		}
		d.AuditAnnotations[AuditExempted] = strings.Join(names, ",")
	}
	d.Warnings = r.warnings(len(denials) > 0)
	return d
}

func (r Result) hasAction(a policy.Action) bool {
	for _, f := range r.Findings {
		if f.Action == a {
			return true
		}
	}
	return false
}

// denyMessage names the object and lists every violation with its fix.
func (r Result) denyMessage(denials []validators.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Ballast policy (mode enforce, %s%s) denies %s %s: %d violation(s):",
		r.ModeSource, r.profileClause(), r.Kind, r.objectName(), len(denials))
	for _, f := range denials {
		b.WriteString("\n- " + f.Sentence())
	}
	return b.String()
}

// profileClause names the profile the object is judged by, for the
// denial's opening: ", profile NAME", or "".
func (r Result) profileClause() string {
	if r.Profile == "" {
		return ""
	}
	return ", profile " + r.Profile
}

func (r Result) objectName() string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

// warnings returns the short admission warnings, each starting with a rule
// ID: violations that do not deny, mutations the pods get, and exemptions
// that expired. Denied requests carry only the non-denying findings.
func (r Result) warnings(denied bool) []string {
	var out []string
	for _, f := range r.Findings {
		switch {
		case f.Action == policy.ActionDeny && r.Mode == policy.ModeEnforce:
			continue // in the denial message
		case f.Action == policy.ActionDeny && r.Mode == policy.ModeDryRun:
			out = append(out, f.Rule+" (would deny): "+f.Message)
		default:
			out = append(out, f.Rule+": "+f.Message)
		}
	}
	if !denied && r.Kind != workload.KindPod {
		out = append(out, mutationWarnings(r.Mutations, r.Mode == policy.ModeDryRun)...)
		for _, n := range r.Notes {
			out = append(out, n.Rule+": "+n.Message)
		}
	}
	if r.Profile != "" && len(out) > 0 {
		// Where the values behind the other warnings come from.
		out = append(out, "profile "+r.Profile+" of the policy applies in namespace "+r.Namespace)
	}
	for _, e := range r.Expired {
		w := "exemption " + e.Name + " has expired and no longer applies"
		if e.Expires != nil {
			w += " (since " + e.Expires.UTC().Format("2006-01-02") + ")"
		}
		out = append(out, w)
	}
	return clipWarnings(out)
}

// mutationWarnings tells the person who applied a workload what its pods
// will receive: one warning per distinct mutation, naming its containers.
func mutationWarnings(changes []mutators.Change, dryRun bool) []string {
	type key struct{ rule, message, creates string }
	var order []key
	containers := map[key][]string{}
	for _, c := range changes {
		k := key{c.Rule, c.Message, c.Creates}
		if _, seen := containers[k]; !seen {
			order = append(order, k)
		}
		if c.Container != "" {
			containers[k] = append(containers[k], c.Container)
		} else if containers[k] == nil {
			containers[k] = []string{}
		}
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		verb := "pods get "
		if dryRun {
			verb = "would set "
		}
		if k.creates != "" {
			verb = "Ballast creates "
			if dryRun {
				verb = "would create "
			}
		}
		w := k.rule + ": " + verb + k.message
		if cs := containers[k]; len(cs) > 0 {
			w += " (" + strings.Join(cs, ", ") + ")"
		}
		out = append(out, w)
	}
	return out
}

// clipWarnings keeps at most maxWarnings warnings, the last saying how
// many more there are, and clips each with ClipWarning.
func clipWarnings(ws []string) []string {
	if len(ws) > maxWarnings {
		more := len(ws) - (maxWarnings - 1)
		ws = append(ws[:maxWarnings-1], fmt.Sprintf("ballast: %d more warnings; run `ballast check` for all of them", more))
	}
	for i, w := range ws {
		ws[i] = ClipWarning(w)
	}
	return ws
}

// ClipWarning shortens an admission warning to maxWarningLength bytes,
// ending in "...", cutting between runes, so that it stays whole after the
// API server's truncation. Every warning Ballast sends goes through it.
func ClipWarning(w string) string {
	if len(w) <= maxWarningLength {
		return w
	}
	cut := maxWarningLength - len("...")
	for cut > 0 && !utf8.RuneStart(w[cut]) {
		cut--
	}
	return w[:cut] + "..."
}

// firedRules lists rule=action for each rule with findings, once each.
func (r Result) firedRules() string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, f := range r.Findings {
		if seen[f.Rule] {
			continue
		}
		seen[f.Rule] = true
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.Rule + "=" + string(f.Action))
	}
	return b.String()
}

// mutationList lists mutator/container for each change.
func mutationList(changes []mutators.Change) string {
	items := make([]string, 0, len(changes))
	for _, c := range changes {
		item := c.Mutator
		if c.Container != "" {
			item += "/" + c.Container
		}
		items = append(items, item)
	}
	return strings.Join(items, ",")
}
