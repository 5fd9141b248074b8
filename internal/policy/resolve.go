package policy

import (
	"fmt"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"weak"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The sources of a resolved mode, as Settings.ModeSource reports them.
const (
	sourceDefault = "policy default"
	sourceLabel   = "namespace label " + ModeLabel
)

// Resolve returns the settings of the namespace ns at the moment now under
// the policy spec, which should be defaulted (an unset mode or
// namespaceModeLabel takes its default). The mode comes from, in order:
//
//  1. the first exemption in force for ns that sets a mode, or that exempts
//     every rule ("*"), which means mode off;
//  2. the namespace label ballast.dev/mode, where spec.NamespaceModeLabel
//     allows it and its value is a mode;
//  3. spec.Mode.
//
// An exemption applies to ns when one of its namespaces patterns or its
// namespace selector matches. One scoped to workloads (workloads or
// workloadSelector) is kept aside for Settings.For, which adds it for the
// objects it names. A matching exemption that expired before now
// is listed in Settings.Expired and has no effect. Exemptions that fail
// validation (a bad glob or selector) match nothing.
//
// The namespace's profile, if any (see Spec.profileFor), replaces spec
// in Settings.Spec by the spec with the profile's overrides applied; a
// spec that was not defaulted has no profile applied.
//
// Resolve does no I/O and does not modify spec, which must not change
// afterwards: it remembers the label selectors it has parsed.
func Resolve(spec *Spec, ns Namespace, now time.Time) Settings {
	s := Settings{Namespace: ns.Name, Spec: spec}
	if p := spec.profileFor(ns); p != nil && p.effective != nil {
		s.Spec, s.Profile = p.effective, p.Name
	}
	for i := range spec.Exemptions {
		e := &spec.Exemptions[i]
		if !e.matches(ns) {
			continue
		}
		ref := e.ref(i)
		expired := e.Expires != nil && e.Expires.Time.Before(now)
		if e.scoped() {
			s.scoped = append(s.scoped, scopedExemption{e: e, ref: ref, expired: expired})
			continue
		}
		if expired {
			s.Expired = append(s.Expired, ref)
			continue
		}
		s.Exemptions = append(s.Exemptions, ref)
		if m, ok := e.mode(); ok && s.Mode == "" {
			s.Mode, s.ModeSource = m, fmt.Sprintf("exemption %q", ref.Name)
		}
	}
	if s.Mode != "" {
		return s
	}

	s.Mode, s.ModeSource = spec.Mode, sourceDefault
	if s.Mode == "" {
		s.Mode = defaultMode
	}
	label, ok := ns.Labels[ModeLabel]
	switch {
	case !ok:
	case spec.NamespaceModeLabel != nil && !*spec.NamespaceModeLabel:
		s.ModeSource = fmt.Sprintf("%s (label %s=%q is ignored: namespaceModeLabel is false)", sourceDefault, ModeLabel, label)
	case !slices.Contains(Modes, Mode(label)):
		s.ModeSource = fmt.Sprintf("%s (label %s=%q is not a mode)", sourceDefault, ModeLabel, label)
	default:
		s.Mode, s.ModeSource = Mode(label), sourceLabel
	}
	return s
}

// Allows reports whether the user, who belongs to groups, is one of the
// subjects.
func (s Subjects) Allows(username string, groups []string) bool {
	if slices.Contains(s.Users, username) {
		return true
	}
	return slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(s.Groups, g) })
}

// matches reports whether the exemption applies to ns, expired or not.
func (e *Exemption) matches(ns Namespace) bool {
	for _, pattern := range e.Namespaces {
		if ok, _ := path.Match(pattern, ns.Name); ok {
			return true
		}
	}
	if e.NamespaceSelector == nil {
		return false
	}
	sel, ok := compileSelector(e.NamespaceSelector)
	return ok && sel.Matches(labels.Set(ns.Labels))
}

// scoped reports whether the exemption is scoped to some workloads of its
// namespaces rather than to whole namespaces.
func (e *Exemption) scoped() bool {
	return len(e.Workloads) > 0 || e.WorkloadSelector != nil
}

// matchesWorkload reports whether the exemption, scoped to workloads,
// applies to o: one of its workloads names o's kind and name, and its
// workload selector, if any, matches o's pod labels.
func (e *Exemption) matchesWorkload(o Object) bool {
	if len(e.Workloads) > 0 && !slices.ContainsFunc(e.Workloads, func(w WorkloadMatch) bool {
		return globMatches(w.Kind, o.Kind) && globMatches(w.Name, o.Name)
	}) {
		return false
	}
	if e.WorkloadSelector == nil {
		return true
	}
	sel, ok := compileSelector(e.WorkloadSelector)
	return ok && o.PodLabels != nil && sel.Matches(labels.Set(o.PodLabels))
}

// globMatches reports whether name matches pattern (path.Match syntax); an
// empty pattern matches every name.
func globMatches(pattern, name string) bool {
	if pattern == "" {
		return true
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// mode returns the mode the exemption sets: its own, or off when it
// exempts every rule (for whole namespaces: an exemption scoped to
// workloads sets no mode).
func (e *Exemption) mode() (Mode, bool) {
	if e.scoped() {
		return "", false
	}
	switch {
	case e.Mode != "":
		return e.Mode, true
	case slices.Contains(e.Rules, AllRules):
		return ModeOff, true
	}
	return "", false
}

// ref returns the exemption, the i-th of its policy, as output reports it.
func (e *Exemption) ref(i int) ExemptionRef {
	r := ExemptionRef{
		Name:   e.Name,
		Reason: e.Reason,
		Owner:  e.Owner,
		Rules:  e.Rules,
		Mode:   e.Mode,
	}
	if r.Name == "" {
		r.Name = fmt.Sprintf("exemptions[%d]", i)
	}
	if e.Expires != nil {
		t := e.Expires.Time
		r.Expires = &t
	}
	if e.scoped() {
		r.Scope = e.scopeText()
	}
	return r
}

// scopeText describes the workloads an exemption is scoped to, for
// people: "Deployment report-worker, report-* whose pods are labelled
// tier=batch".
func (e *Exemption) scopeText() string {
	names := make([]string, len(e.Workloads))
	for i, w := range e.Workloads {
		names[i] = strings.TrimSpace(w.Kind + " " + w.Name)
	}
	text := strings.Join(names, ", ")
	if e.WorkloadSelector == nil {
		return text
	}
	if text == "" {
		text = "workloads"
	}
	return text + " whose pods are labelled " + metav1.FormatLabelSelector(e.WorkloadSelector)
}

// selectors caches compiled label selectors by the address of their
// source, for as long as the source lives, so that Resolve parses a
// policy's selectors once rather than on every admission request.
var selectors sync.Map // weak.Pointer[metav1.LabelSelector] -> compiled

type compiled struct {
	selector labels.Selector
	ok       bool // false: the source is not a valid selector
}

// compileSelector returns ls as a labels.Selector, and false if ls is not
// valid.
func compileSelector(ls *metav1.LabelSelector) (labels.Selector, bool) {
	key := weak.Make(ls)
	if c, ok := selectors.Load(key); ok {
		return c.(compiled).selector, c.(compiled).ok
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	c := compiled{selector: sel, ok: err == nil}
	if _, loaded := selectors.LoadOrStore(key, c); !loaded {
		runtime.AddCleanup(ls, func(key weak.Pointer[metav1.LabelSelector]) { selectors.Delete(key) }, key)
	}
	return c.selector, c.ok
}
