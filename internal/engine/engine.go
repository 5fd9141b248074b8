package engine

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// mirrorPodAnnotation marks the API server's copy of a static pod.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// Engine evaluates objects against a fixed set of rules and mutators. It is
// safe for concurrent use.
type Engine struct {
	rules    []validators.Rule
	mutators []mutators.Mutator
}

var kebabCase = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// New returns an Engine for the rules and mutators, in order. It fails on
// an empty, duplicate or non-kebab-case ID, a rule without a Check, or a
// mutator whose rule is not in rules.
func New(rules []validators.Rule, muts []mutators.Mutator) (*Engine, error) {
	var errs []error
	seen := make(map[string]bool, len(rules))
	for i, r := range rules {
		switch {
		case !kebabCase.MatchString(r.ID):
			errs = append(errs, fmt.Errorf("rule %d: ID %q is not kebab-case", i, r.ID))
		case seen[r.ID]:
			errs = append(errs, fmt.Errorf("rule %q registered twice", r.ID))
		case r.Check == nil:
			errs = append(errs, fmt.Errorf("rule %q has no Check", r.ID))
		}
		seen[r.ID] = true
	}
	seenMut := make(map[string]bool, len(muts))
	for i, m := range muts {
		switch {
		case m == nil:
			errs = append(errs, fmt.Errorf("mutator %d is nil", i))
			continue
		case !kebabCase.MatchString(m.ID()):
			errs = append(errs, fmt.Errorf("mutator %d: ID %q is not kebab-case", i, m.ID()))
		case seenMut[m.ID()]:
			errs = append(errs, fmt.Errorf("mutator %q registered twice", m.ID()))
		case !seen[m.RuleID()]:
			errs = append(errs, fmt.Errorf("mutator %q satisfies unknown rule %q", m.ID(), m.RuleID()))
		}
		seenMut[m.ID()] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("invalid engine configuration: %w", err)
	}
	return &Engine{rules: slices.Clone(rules), mutators: slices.Clone(muts)}, nil
}

// Rules returns the engine's rules, in order; the caller may modify the
// slice.
func (e *Engine) Rules() []validators.Rule { return slices.Clone(e.rules) }

// Mutators returns the engine's pod defaults, in order; the caller may
// modify the slice.
func (e *Engine) Mutators() []mutators.Mutator { return slices.Clone(e.mutators) }

// Default returns the Engine with Ballast's rule catalog and pod defaults.
func Default() *Engine {
	e, err := New(validators.Default(), mutators.Default())
	if err != nil {
		panic(err) // the built-in catalog is checked by tests
	}
	return e
}

// Evaluate judges one object. It is pure: it reads in, modifies nothing and
// does no I/O.
func (e *Engine) Evaluate(in Input) Result {
	res := Result{Kind: kindOf(in.Object)}
	if in.Object == nil {
		res.Skipped = "no object"
		return res
	}
	if m, err := meta.Accessor(in.Object); err == nil {
		res.Namespace, res.Name = m.GetNamespace(), m.GetName()
		if res.Name == "" && m.GetGenerateName() != "" {
			res.Name = m.GetGenerateName() + "*"
		}
	}
	s := in.Settings
	if s == nil || s.Spec == nil {
		res.Skipped = "no policy settings"
		return res
	}
	s = s.For(workload.ScopeOf(in.Object))
	res.Mode, res.ModeSource, res.Profile = s.Mode, s.ModeSource, s.Profile
	res.Exemptions, res.Expired = s.Exemptions, s.Expired
	if s.Mode == policy.ModeOff {
		res.Skipped = "mode off (" + s.ModeSource + ")"
		return res
	}

	k, ok := workload.KindOf(in.Object)
	switch {
	case !ok:
		res.Skipped = fmt.Sprintf("kind %s is not evaluated", res.Kind)
	case k.JudgedUnlessControlledBy != "":
		if owner := controllerOf(in.Object, k.JudgedUnlessControlledBy); owner != "" {
			res.Skipped = fmt.Sprintf("controlled by %s %s, which is judged instead", k.JudgedUnlessControlledBy, owner)
			break
		}
		e.evaluate(k, in, s, &res)
	case k.Name == workload.KindPod:
		e.evaluatePod(k, in, s, &res)
	default:
		e.evaluate(k, in, s, &res)
	}
	return res
}

// evaluatePod applies the pod defaults to a Pod created by a long-running
// controller and, unless in dryrun, lists the edits that apply them.
func (e *Engine) evaluatePod(k *workload.Kind, in Input, s *policy.Settings, res *Result) {
	pod := in.Object.(*corev1.Pod)
	if reason := podSkipReason(pod, s.Spec.PodDefaults.OwnerKinds); reason != "" {
		res.Skipped = reason
		return
	}
	mutated := pod.DeepCopy()
	res.Object = mutated
	tmpl, _ := workload.TemplateOf(mutated)
	res.Mutations = e.mutate(mutators.NewTarget(tmpl, res.Namespace, in.Related.For(k).Services, &res.Notes), s)
	if len(res.Mutations) == 0 || s.Mode == policy.ModeDryRun {
		return
	}
	res.Edits = append(slices.Clip(res.Mutations), recordInjected(mutated, res.Mutations))
}

// evaluate judges a workload as it will run, its pod template with the
// defaults its pods will receive, or an HPA or a PodDisruptionBudget as it
// is, among the neighbours its kind reads.
func (e *Engine) evaluate(k *workload.Kind, in Input, s *policy.Settings, res *Result) {
	// Only a pod template is edited: the other kinds are judged as they are.
	mutated := in.Object
	if k.HasTemplate() {
		mutated = in.Object.DeepCopyObject()
	}
	res.Object = mutated
	t := &validators.Target{
		Kind: res.Kind, Namespace: res.Namespace, Name: res.Name,
		Object: mutated, Related: in.Related.For(k), Settings: s,
	}
	if tmpl, ok := k.Template(mutated); ok {
		t.Template = tmpl
		if !in.ReplicasOnly && slices.Contains(s.Spec.PodDefaults.OwnerKinds, k.PodOwner) {
			res.Mutations = e.mutate(mutators.NewTarget(tmpl, res.Namespace, t.Related.Services, &res.Notes), s)
		}
	}
	if w, ok := workload.Of(mutated); ok {
		t.Workload = w
		if plan := workload.PlanPDB(&t.Workload, t.Related, s); plan.Planned {
			res.Mutations = append(res.Mutations, plannedPDB(plan))
		}
	}
	res.Findings = e.check(t, in.ReplicasOnly)
}

// mutate applies every mutator whose rule is not exempted.
func (e *Engine) mutate(t mutators.Target, s *policy.Settings) []mutators.Change {
	spec := s.Spec
	if _, exempt := s.Exempted(policy.RuleTerminationGrace); exempt {
		// The preStop mutator injects a sleep longer than the pod's grace
		// period only when the grace default will raise the period; tell
		// it that the exemption keeps the period as it is, or the API
		// server would reject the pod.
		withoutGrace := *spec
		withoutGrace.PodDefaults.TerminationGracePeriod.Enabled = ptr.To(false)
		spec = &withoutGrace
	}
	var changes []mutators.Change
	for _, m := range e.mutators {
		if _, exempt := s.Exempted(m.RuleID()); exempt {
			continue
		}
		changes = append(changes, m.Apply(t, spec)...)
	}
	return changes
}

// check runs every rule that applies to the target's kind and is not off;
// with replicasOnly, only the rules that judge replicas alone.
func (e *Engine) check(t *validators.Target, replicasOnly bool) []validators.Finding {
	var findings []validators.Finding
	for i := range e.rules {
		r := &e.rules[i]
		if !r.AppliesTo(t.Kind) || replicasOnly && !r.ReplicasOnly {
			continue
		}
		action := t.Settings.Action(r.ID, r.DefaultAction)
		if action == policy.ActionOff {
			continue
		}
		for _, f := range r.Check(t) {
			f.Rule, f.Action = r.ID, action
			findings = append(findings, f)
		}
	}
	return findings
}

// podSkipReason says why a Pod gets no defaults, or "" when it does: only
// Pods controlled by a controller of one of the owner kinds do.
func podSkipReason(pod *corev1.Pod, ownerKinds []string) string {
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		return "mirror pod of a static pod"
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		if slices.Contains(ownerKinds, ref.Kind) {
			return ""
		}
		return fmt.Sprintf("controlled by a %s, not a long-running controller", ref.Kind)
	}
	return "bare pod without a controller"
}

// controllerOf returns the name of obj's controller when it is of kind, or
// "".
func controllerOf(obj runtime.Object, kind string) string {
	m, err := meta.Accessor(obj)
	if err != nil {
		return ""
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil && ref.Kind == kind {
		return ref.Name
	}
	return ""
}

// kindOf names the kind of obj: from the kinds table, else its TypeMeta,
// else its Go type, for the message that says it is not evaluated.
func kindOf(obj runtime.Object) string {
	if obj == nil {
		return ""
	}
	if k, ok := workload.KindOf(obj); ok {
		return k.Name
	}
	if gvk := obj.GetObjectKind().GroupVersionKind(); gvk.Kind != "" {
		return gvk.Kind
	}
	t := reflect.TypeOf(obj)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}
