package agreement

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
)

// A verdict is what one of the three says of one object, in the terms the
// webhook can state. Its lists are sorted: the webhook puts denials in its
// message and other findings in warnings, so only their sets compare.
type verdict struct {
	Mode    policy.Mode
	Allowed bool
	Skipped bool
	// Findings are "rule action: message"; findings that deny in enforce
	// mode, which the denial message details, are "rule action at field:
	// message. Fix: fix".
	Findings []string
	// Mutations are "rule[container]", "rule" for those of the whole pod
	// or outside it; those of a Pod that the webhook patches are followed
	// by the path of the patch operation that applies them.
	Mutations []string
	// Notes are "rule: message", the pod defaults a workload's pods do not
	// receive and why (no Service routes to a container): the webhook
	// warns of them when it admits a workload.
	Notes []string
	// Exemptions are "in force: name" and "expired: name".
	Exemptions []string
}

func (v *verdict) sort() {
	slices.Sort(v.Findings)
	slices.Sort(v.Mutations)
	slices.Sort(v.Notes)
	slices.Sort(v.Exemptions)
}

// finding renders a finding as a verdict lists it.
func finding(mode policy.Mode, rule string, action policy.Action, field, message, fix string) string {
	if mode == policy.ModeEnforce && action == policy.ActionDeny {
		return fmt.Sprintf("%s %s at %s: %s. Fix: %s", rule, action, field, message, fix)
	}
	return fmt.Sprintf("%s %s: %s", rule, action, message)
}

// mutation renders the rule and container of a mutation as a verdict lists
// them.
func mutation(rule, container string) string {
	if container == "" {
		return rule
	}
	return rule + "[" + container + "]"
}

// fromObject returns the verdict of check or audit on an object. sent is
// the object the webhook was sent, for a Pod: the JSON pointer of each
// mutation is cut where the webhook's patch adds a missing parent.
func fromObject(o report.Object, sent map[string]any) verdict {
	v := verdict{Mode: o.Mode, Allowed: o.Allowed, Skipped: o.Skipped != ""}
	if v.Skipped {
		return v // the webhook says nothing more of a skipped object
	}
	for _, f := range o.Findings {
		v.Findings = append(v.Findings, finding(o.Mode, f.Rule, f.Action, f.Field, f.Message, f.Fix))
	}
	patched := o.Kind == workload.KindPod && o.Mode != policy.ModeDryRun
	for _, m := range o.Mutations {
		s := mutation(m.Rule, m.Container)
		if patched {
			s += " " + patchPath(sent, m.Field)
		}
		v.Mutations = append(v.Mutations, s)
	}
	if o.Allowed && o.Kind != workload.KindPod {
		// The webhook warns of the notes of the workloads it admits only.
		for _, n := range o.Notes {
			v.Notes = append(v.Notes, note(n.Rule, n.Message))
		}
	}
	for _, e := range o.Exemptions {
		v.Exemptions = append(v.Exemptions, "in force: "+e.Name)
	}
	for _, e := range o.ExpiredExemptions {
		v.Exemptions = append(v.Exemptions, "expired: "+e.Name)
	}
	v.sort()
	return v
}

// note renders a note as a verdict lists it.
func note(rule, message string) string { return rule + ": " + message }

// The webhook's warnings: a finding ("rule: message", "rule (would deny):
// message"), a mutation (its message starts with mutationVerbs), a note
// (a default not injected: "rule: ... not injected"), an exemption that
// expired, or the last, which says how many more there are.
var (
	noteWarning    = regexp.MustCompile(`(?s)^([a-z0-9-]+): (.* not injected)$`)
	findingWarning = regexp.MustCompile(`(?s)^([a-z0-9-]+)( \(would deny\))?: (.*)$`)
	expiredWarning = regexp.MustCompile(`^exemption (\S+) has expired`)
	moreWarnings   = regexp.MustCompile(`^ballast: \d+ more warnings`)
	mutationVerbs  = []string{"pods get ", "would set ", "Ballast creates ", "would create "}
)

// patchOp is one operation of the webhook's JSON patch.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// fromResponse returns the webhook's verdict from its answer: the mode,
// decision, rules with their actions, mutations and exemptions of the
// audit annotations, the findings of the denial message and of the
// warnings, the notes of the warnings, and the operations of the patch. What cannot be read is listed
// among the findings or mutations in capitals, to show in the diff.
func fromResponse(resp *admissionv1.AdmissionResponse) verdict {
	ann := resp.AuditAnnotations
	v := verdict{
		Mode:    policy.Mode(ann[engine.AuditMode]),
		Allowed: resp.Allowed,
		Skipped: ann[engine.AuditDecision] == engine.DecisionSkipped,
	}
	actions := map[string]policy.Action{}
	for _, item := range list(ann[engine.AuditRules]) {
		rule, action, _ := strings.Cut(item, "=")
		actions[rule] = policy.Action(action)
	}
	if !resp.Allowed {
		if resp.Result == nil {
			v.Findings = append(v.Findings, "DENIED WITHOUT A MESSAGE")
		} else {
			// "Ballast policy (...) denies ...: N violation(s):" and a line
			// per denial.
			for _, line := range strings.Split(resp.Result.Message, "\n- ")[1:] {
				v.Findings = append(v.Findings, denial(line, actions))
			}
		}
	}
	for _, w := range resp.Warnings {
		if m := expiredWarning.FindStringSubmatch(w); m != nil {
			v.Exemptions = append(v.Exemptions, "expired: "+m[1])
			continue
		}
		if moreWarnings.MatchString(w) {
			v.Findings = append(v.Findings, "CLIPPED WARNINGS: "+w)
			continue
		}
		if m := noteWarning.FindStringSubmatch(w); m != nil {
			v.Notes = append(v.Notes, note(m[1], m[2]))
			continue
		}
		m := findingWarning.FindStringSubmatch(w)
		switch {
		case m == nil:
			v.Findings = append(v.Findings, "UNREADABLE WARNING: "+w)
		case slices.ContainsFunc(mutationVerbs, func(verb string) bool { return strings.HasPrefix(m[3], verb) }):
			// A mutation: the audit annotation lists them all.
		default:
			v.Findings = append(v.Findings, fmt.Sprintf("%s %s: %s", m[1], actions[m[1]], m[3]))
		}
	}
	v.Mutations = mutationsOf(ann[engine.AuditMutations], resp.Patch)
	for _, name := range list(ann[engine.AuditExempted]) {
		v.Exemptions = append(v.Exemptions, "in force: "+name)
	}
	v.sort()
	return v
}

// denial reads one line of a denial message: "rule: message (field). Fix:
// fix".
func denial(line string, actions map[string]policy.Action) string {
	rule, rest, ok := strings.Cut(line, ": ")
	i := strings.Index(rest, "). Fix: ")
	j := strings.LastIndex(rest[:max(i, 0)], " (")
	if !ok || i < 0 || j < 0 {
		return "UNREADABLE DENIAL: " + line
	}
	return finding(policy.ModeEnforce, rule, actions[rule], rest[j+2:i], rest[:j], rest[i+len("). Fix: "):])
}

// mutationsOf returns the mutations of the audit annotation (a list of
// mutator/container) and, when there is a patch, the path of the operation
// of each: the patch applies them in order, then records them in the Pod's
// ballast.dev/injected annotation.
func mutationsOf(annotation string, patch []byte) []string {
	items := list(annotation)
	var ops []patchOp
	if len(patch) > 0 {
		if err := json.Unmarshal(patch, &ops); err != nil {
			return []string{"UNREADABLE PATCH: " + err.Error()}
		}
	}
	var out []string
	if len(ops) > 0 && len(ops) != len(items)+1 {
		out = append(out, fmt.Sprintf("PATCH OF %d OPERATIONS FOR %d MUTATIONS", len(ops), len(items)))
	}
	for i, item := range items {
		mutator, container, _ := strings.Cut(item, "/")
		s := mutation(ruleOf(mutator), container)
		if i < len(ops) {
			s += " " + ops[i].Path
		}
		out = append(out, s)
	}
	if len(ops) > 0 {
		if got := injected(ops[len(ops)-1]); got != annotation {
			out = append(out, fmt.Sprintf("THE PATCH RECORDS %q IN %s, NOT %q", got, policy.InjectedAnnotation, annotation))
		}
	}
	return out
}

// injected returns the value op gives the ballast.dev/injected annotation,
// whether it adds the annotation or all of them.
func injected(op patchOp) string {
	var value string
	switch op.Path {
	case "/metadata/annotations/" + strings.ReplaceAll(policy.InjectedAnnotation, "/", "~1"):
		_ = json.Unmarshal(op.Value, &value)
	case "/metadata/annotations":
		var all map[string]string
		_ = json.Unmarshal(op.Value, &all)
		value = all[policy.InjectedAnnotation]
	}
	return value
}

// pdbMutator is the Mutator of the change that stands for the
// PodDisruptionBudget Ballast creates for a workload (internal/engine).
const pdbMutator = "pdb-reconciler"

// ruleOf returns the rule a mutator satisfies.
func ruleOf(mutator string) string {
	if mutator == pdbMutator {
		return policy.RulePDB
	}
	for _, m := range mutators.Default() {
		if m.ID() == mutator {
			return m.RuleID()
		}
	}
	return "UNKNOWN MUTATOR " + mutator
}

// list splits a comma-separated audit annotation.
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// patchPath returns the path of the patch operation that sets field in
// doc: its JSON pointer, cut after the first member that doc lacks (the
// patch adds that member with the value nested inside).
func patchPath(doc map[string]any, field string) string {
	var cur any = doc
	path := ""
	for _, tok := range tokens(field) {
		path += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
		switch c := cur.(type) {
		case map[string]any:
			child, ok := c[tok]
			if !ok || child == nil {
				return path
			}
			cur = child
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return path + " (NOT IN THE OBJECT)"
			}
			cur = c[i]
		default:
			return path
		}
	}
	return path
}

// tokens splits a field path, spec.containers[0].lifecycle, into its
// members and indices.
func tokens(field string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(field); i++ {
		switch c := field[i]; c {
		case '.':
			flush()
		case '[':
			flush()
			end := strings.IndexByte(field[i:], ']')
			if end < 0 {
				end = len(field) - i
			}
			out = append(out, field[i+1:i+end])
			i += end
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}
