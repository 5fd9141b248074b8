package audit

import (
	"cmp"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/workload"
)

// Report is the outcome of an audit. Its JSON form is a public contract,
// documented in docs/audit.md.
type Report struct {
	// Mode is the mode every namespace that is not off was judged in:
	// enforce, warn, dryrun, or as-configured when each kept its own.
	Mode string `json:"mode"`
	// Policy says where the policy came from.
	Policy string `json:"policy,omitempty"`
	// Namespace is the namespace audited; empty when every namespace was.
	Namespace string `json:"namespace,omitempty"`
	// OwnerLabel is the namespace label that names each namespace's
	// owner (Options.OwnerLabel); empty when none was asked for.
	OwnerLabel string `json:"ownerLabel,omitempty"`
	// Time is the moment the policy was resolved at.
	Time time.Time `json:"time"`
	// Namespaces are the namespaces in scope, those that most block
	// enforcement first: the evaluated ones by objects denied, then by
	// warnings, then the unreadable ones, then the skipped ones; by name
	// within each.
	Namespaces []Namespace `json:"namespaces"`
	// Summary adds up the namespaces.
	Summary Summary `json:"summary"`
}

// Namespace is what the audit found in one namespace.
type Namespace struct {
	Name string `json:"name"`
	// UID is the Namespace's UID, for the objects Ballast keeps there
	// (the policy reports they are owned by it); empty when the Namespace
	// could not be read. Not part of the JSON output.
	UID types.UID `json:"-"`
	// Owner is the value of the namespace's Report.OwnerLabel label: the
	// team to talk to. Empty without the label, or without OwnerLabel.
	Owner string `json:"owner,omitempty"`
	// Mode is the mode the namespace was judged in: the configured one,
	// or the one the audit was asked to try unless the namespace is off.
	Mode policy.Mode `json:"mode"`
	// ConfiguredMode is the mode the namespace resolves to, and ModeSource
	// why: the policy default, the namespace label, an exemption, or the
	// webhook configurations that exclude the namespace.
	ConfiguredMode policy.Mode `json:"configuredMode"`
	ModeSource     string      `json:"modeSource"`
	// Profile names the policy profile whose values the namespace is
	// judged by; empty when none applies.
	Profile string `json:"profile,omitempty"`
	// Exemptions are the policy's exemptions in force for the namespace,
	// and ExpiredExemptions those that match it but have expired.
	Exemptions        []report.Exemption `json:"exemptions,omitempty"`
	ExpiredExemptions []report.Exemption `json:"expiredExemptions,omitempty"`
	// Skipped says why the namespace was not evaluated: it is off, or the
	// webhook never sees its requests.
	Skipped string `json:"skipped,omitempty"`
	// Error is why the namespace could not be read, such as the API
	// server's refusal to let the caller list its Deployments. Nothing is
	// reported of an unreadable namespace but this.
	Error string `json:"error,omitempty"`
	// Notes are caveats about how the namespace was judged.
	Notes []string `json:"notes,omitempty"`

	// Evaluated counts the objects evaluated: workloads, HPAs and PDBs.
	Evaluated int `json:"evaluated"`
	// Denied counts the objects that would be denied in Mode.
	Denied int `json:"denied"`
	// Warnings counts the findings that would be admission warnings in
	// Mode: every finding but those that deny.
	Warnings int `json:"warnings"`
	// Violations count the objects that break each rule.
	Violations []Violation `json:"violations"`
	// PlannedPDBs are the PodDisruptionBudgets Ballast would create.
	PlannedPDBs []PlannedPDB `json:"plannedPDBs"`
	// PodsLackingDefaults are the running pods that lack defaults the Pod
	// mutator would inject when they are next created.
	PodsLackingDefaults Pods `json:"podsLackingDefaults"`
	// UnreadyProbedPods are the running pods that a readiness probe
	// Ballast injected has kept unready for longer than
	// Options.UnreadyAfter, by workload then name.
	UnreadyProbedPods []UnreadyPod `json:"unreadyProbedPods,omitempty"`
	// Objects are the evaluated objects, in the shape of `ballast check`,
	// by kind (Deployment, StatefulSet, DaemonSet,
	// HorizontalPodAutoscaler, PodDisruptionBudget) and name.
	Objects []report.Object `json:"objects"`
}

// Violation counts the objects of a namespace that break a rule.
type Violation struct {
	Rule    string        `json:"rule"`
	Action  policy.Action `json:"action"`
	Objects int           `json:"objects"`
}

// PlannedPDB is a PodDisruptionBudget Ballast would create for a workload.
type PlannedPDB struct {
	// Name is the PodDisruptionBudget's name.
	Name string `json:"name"`
	// Kind and Workload name the workload it protects.
	Kind     string `json:"kind"`
	Workload string `json:"workload"`
	// Message describes it, e.g. "PodDisruptionBudget ballast-deployment-web
	// (maxUnavailable 1)".
	Message string `json:"message"`
}

// Pods are the pods of a namespace that lack defaults.
type Pods struct {
	// Count counts them all.
	Count int `json:"count"`
	// Names names the first of them in alphabetical order, at most
	// Options.MaxPodNames.
	Names []string `json:"names"`
	// Rules are the IDs of the rules whose defaults they lack.
	Rules []string `json:"rules"`
}

// Summary adds up a report's namespaces.
type Summary struct {
	// Namespaces counts the namespaces in scope: Evaluated, Skipped (off,
	// or excluded from the webhook) and Unreadable.
	Namespaces int `json:"namespaces"`
	Evaluated  int `json:"evaluated"`
	Skipped    int `json:"skipped"`
	Unreadable int `json:"unreadable"`
	// Objects, Denied, Warnings, PlannedPDBs and PodsLackingDefaults add up
	// the namespaces' counts.
	Objects             int `json:"objects"`
	Denied              int `json:"denied"`
	Warnings            int `json:"warnings"`
	PlannedPDBs         int `json:"plannedPDBs"`
	PodsLackingDefaults int `json:"podsLackingDefaults"`
	// UnreadyProbedPods adds up the namespaces' UnreadyProbedPods.
	UnreadyProbedPods int `json:"unreadyProbedPods,omitempty"`
	// ByRule rolls the namespaces' Violations up by rule, across the
	// cluster: what blocks enforcement, and where.
	ByRule []RuleTotal `json:"byRule"`
}

// RuleTotal is one rule's roll-up across the namespaces evaluated.
type RuleTotal struct {
	Rule   string        `json:"rule"`
	Action policy.Action `json:"action"`
	// Namespaces counts the namespaces where objects break the rule, and
	// Objects those objects.
	Namespaces int `json:"namespaces"`
	Objects    int `json:"objects"`
}

// tally counts n's objects: Evaluated, Denied, Warnings and Violations.
func (n *Namespace) tally() {
	n.Evaluated, n.Denied, n.Warnings = len(n.Objects), 0, 0
	type key struct {
		rule   string
		action policy.Action
	}
	counts := map[key]int{}
	for i := range n.Objects {
		o := &n.Objects[i]
		if !o.Allowed {
			n.Denied++
		}
		seen := map[key]bool{}
		for _, f := range o.Findings {
			if f.Action != policy.ActionDeny || n.Mode != policy.ModeEnforce {
				n.Warnings++
			}
			k := key{f.Rule, f.Action}
			if !seen[k] {
				seen[k] = true
				counts[k]++
			}
		}
	}
	n.Violations = make([]Violation, 0, len(counts))
	for k, c := range counts {
		n.Violations = append(n.Violations, Violation{Rule: k.rule, Action: k.action, Objects: c})
	}
	slices.SortFunc(n.Violations, func(a, b Violation) int {
		return cmp.Or(
			cmp.Compare(actionRank(a.Action), actionRank(b.Action)),
			cmp.Compare(b.Objects, a.Objects),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
}

// byRule rolls the violations of the evaluated namespaces up by rule and
// action: deny rules first, then those in the most namespaces, then with
// the most objects.
func byRule(ns []Namespace) []RuleTotal {
	totals := map[Violation]*RuleTotal{}
	out := []RuleTotal{}
	for i := range ns {
		if ns[i].state() != stateEvaluated {
			continue
		}
		for _, v := range ns[i].Violations {
			k := Violation{Rule: v.Rule, Action: v.Action}
			t := totals[k]
			if t == nil {
				t = &RuleTotal{Rule: v.Rule, Action: v.Action}
				totals[k] = t
			}
			t.Namespaces++
			t.Objects += v.Objects
		}
	}
	for _, t := range totals {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b RuleTotal) int {
		return cmp.Or(
			cmp.Compare(actionRank(a.Action), actionRank(b.Action)),
			cmp.Compare(b.Namespaces, a.Namespaces),
			cmp.Compare(b.Objects, a.Objects),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
	return out
}

// actionRank orders deny before warn.
func actionRank(a policy.Action) int {
	if a == policy.ActionDeny {
		return 0
	}
	return 1
}

// kindRank orders objects as the report lists them.
var kindRank = map[string]int{
	workload.KindDeployment:  0,
	workload.KindStatefulSet: 1,
	workload.KindDaemonSet:   2,
	workload.KindHPA:         3,
	workload.KindPDB:         4,
}

// sortObjects orders objects by kind, then name.
func sortObjects(objects []report.Object) {
	slices.SortFunc(objects, func(a, b report.Object) int {
		return cmp.Or(cmp.Compare(kindRank[a.Kind], kindRank[b.Kind]), cmp.Compare(a.Name, b.Name))
	})
}

// namespaceState is what became of a namespace, in report order.
type namespaceState int

const (
	stateEvaluated namespaceState = iota
	stateUnreadable
	stateSkipped
)

func (n *Namespace) state() namespaceState {
	switch {
	case n.Error != "":
		return stateUnreadable
	case n.Skipped != "":
		return stateSkipped
	}
	return stateEvaluated
}

// sortNamespaces orders namespaces as Report.Namespaces documents: those
// that most block enforcement first.
func sortNamespaces(ns []Namespace) {
	slices.SortFunc(ns, func(a, b Namespace) int {
		return cmp.Or(
			cmp.Compare(a.state(), b.state()),
			cmp.Compare(b.Denied, a.Denied),
			cmp.Compare(b.Warnings, a.Warnings),
			cmp.Compare(a.Name, b.Name),
		)
	})
}

// summarize adds up the namespaces.
func summarize(ns []Namespace) Summary {
	s := Summary{Namespaces: len(ns)}
	for i := range ns {
		n := &ns[i]
		switch n.state() {
		case stateEvaluated:
			s.Evaluated++
		case stateUnreadable:
			s.Unreadable++
		case stateSkipped:
			s.Skipped++
		}
		s.Objects += n.Evaluated
		s.Denied += n.Denied
		s.Warnings += n.Warnings
		s.PlannedPDBs += len(n.PlannedPDBs)
		s.PodsLackingDefaults += n.PodsLackingDefaults.Count
		s.UnreadyProbedPods += len(n.UnreadyProbedPods)
	}
	s.ByRule = byRule(ns)
	return s
}
