package engine

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// KindPod is the kind of the objects the engine mutates.
const KindPod = "Pod"

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
	res.Mode, res.ModeSource = s.Mode, s.ModeSource
	res.Exemptions, res.Expired = s.Exemptions, s.Expired
	if s.Mode == policy.ModeOff {
		res.Skipped = "mode off (" + s.ModeSource + ")"
		return res
	}

	switch res.Kind {
	case KindPod:
		e.evaluatePod(in, s, &res)
	case validators.KindDeployment, validators.KindStatefulSet, validators.KindDaemonSet:
		e.evaluateWorkload(in, s, &res)
	case validators.KindHPA, validators.KindPDB:
		res.Findings = e.check(&validators.Target{
			Kind: res.Kind, Namespace: res.Namespace, Name: res.Name,
			Object: in.Object, Related: in.Related, Settings: s,
		})
	default:
		res.Skipped = fmt.Sprintf("kind %s is not evaluated", res.Kind)
	}
	return res
}

// evaluatePod applies the pod defaults to a Pod created by a long-running
// controller and, unless in dryrun, builds the patch.
func (e *Engine) evaluatePod(in Input, s *policy.Settings, res *Result) {
	pod := in.Object.(*corev1.Pod)
	if reason := podSkipReason(pod, s.Spec.PodDefaults.OwnerKinds); reason != "" {
		res.Skipped = reason
		return
	}
	mutated := pod.DeepCopy()
	tmpl, _ := podspec.Extract(mutated)
	res.Mutations = e.mutate(tmpl, s)
	if len(res.Mutations) == 0 || s.Mode == policy.ModeDryRun {
		return
	}
	changes := append(slices.Clip(res.Mutations), injectedAnnotation(pod, res.Mutations))
	patch, err := buildPatch(in.Raw, in.Object, changes)
	if err != nil {
		// The raw object did not match the typed one: apply nothing rather
		// than a patch that could rewrite what the user sent.
		res.Skipped = "cannot build patch: " + err.Error()
		res.Mutations = nil
		return
	}
	res.Patch = patch
}

// evaluateWorkload judges a workload as it will run: its pod template with
// the defaults its pods will receive.
func (e *Engine) evaluateWorkload(in Input, s *policy.Settings, res *Result) {
	mutated := in.Object.DeepCopyObject()
	tmpl, _ := podspec.Extract(mutated)
	if slices.Contains(ownerKinds(s.Spec.PodDefaults.OwnerKinds), podOwnerKind(res.Kind)) {
		res.Mutations = e.mutate(tmpl, s)
	}
	t := &validators.Target{
		Kind: res.Kind, Namespace: res.Namespace, Name: res.Name,
		Object: mutated, Template: tmpl, Related: in.Related, Settings: s,
	}
	if validators.WillCreatePDB(t) {
		res.Mutations = append(res.Mutations, plannedPDB(t))
	}
	res.Findings = e.check(t)
}

// mutate applies every mutator whose rule is not exempted.
func (e *Engine) mutate(tmpl podspec.Template, s *policy.Settings) []mutators.Change {
	spec := s.Spec
	if _, exempt := s.Exempted(validators.TerminationGraceID); exempt {
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
		changes = append(changes, m.Apply(tmpl, spec)...)
	}
	return changes
}

// check runs every rule that applies to the target's kind and is not off.
func (e *Engine) check(t *validators.Target) []validators.Finding {
	var findings []validators.Finding
	for i := range e.rules {
		r := &e.rules[i]
		if !r.AppliesTo(t.Kind) {
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
// Pods controlled by a long-running controller do.
func podSkipReason(pod *corev1.Pod, kinds []string) string {
	if _, mirror := pod.Annotations[mirrorPodAnnotation]; mirror {
		return "mirror pod of a static pod"
	}
	for _, ref := range pod.OwnerReferences {
		if ref.Controller == nil || !*ref.Controller {
			continue
		}
		if slices.Contains(ownerKinds(kinds), ref.Kind) {
			return ""
		}
		return fmt.Sprintf("controlled by a %s, not a long-running controller", ref.Kind)
	}
	return "bare pod without a controller"
}

// ownerKinds returns kinds, or the policy's default owner kinds when a spec
// that was never defaulted names none.
func ownerKinds(kinds []string) []string {
	if len(kinds) == 0 {
		return policy.DefaultOwnerKinds()
	}
	return kinds
}

// podOwnerKind is the kind of the controller that creates a workload's Pods.
func podOwnerKind(workloadKind string) string {
	if workloadKind == validators.KindDeployment {
		return "ReplicaSet"
	}
	return workloadKind
}

func kindOf(obj runtime.Object) string {
	switch obj.(type) {
	case *corev1.Pod:
		return KindPod
	case *appsv1.Deployment:
		return validators.KindDeployment
	case *appsv1.StatefulSet:
		return validators.KindStatefulSet
	case *appsv1.DaemonSet:
		return validators.KindDaemonSet
	case *autoscalingv2.HorizontalPodAutoscaler:
		return validators.KindHPA
	case *policyv1.PodDisruptionBudget:
		return validators.KindPDB
	case nil:
		return ""
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
