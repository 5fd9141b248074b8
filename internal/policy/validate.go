package policy

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxSleepSeconds bounds the injected preStop sleep.
const maxSleepSeconds = 3600

// Validate checks a defaulted policy (see SetDefaults) and returns every
// problem, each naming its field and saying how to fix it.
func Validate(p *Policy) field.ErrorList {
	var errs field.ErrorList
	if p.APIVersion != APIVersion {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), p.APIVersion, []string{APIVersion}))
	}
	if p.Kind != Kind {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), p.Kind, []string{Kind}))
	}

	s, sp := &p.Spec, field.NewPath("spec")
	errs = append(errs, validateMode(s.Mode, sp.Child("mode"))...)
	if !slices.Contains([]OnInternalError{InternalErrorAllow, InternalErrorDeny}, s.OnInternalError) {
		errs = append(errs, field.NotSupported(sp.Child("onInternalError"), s.OnInternalError, []OnInternalError{InternalErrorAllow, InternalErrorDeny}))
	}
	errs = append(errs, validateRules(&s.Rules, sp.Child("rules"))...)
	errs = append(errs, validatePodDefaults(&s.PodDefaults, sp.Child("podDefaults"))...)
	errs = append(errs, validateProfiles(s, sp.Child("profiles"))...)
	errs = append(errs, validateExemptions(s.Exemptions, sp.Child("exemptions"))...)
	errs = append(errs, validateSubjects(s.NamespaceAdmins, sp.Child("namespaceAdmins"))...)
	return errs
}

func validateMode(m Mode, fp *field.Path) field.ErrorList {
	if !slices.Contains(Modes, m) {
		return field.ErrorList{field.NotSupported(fp, m, Modes)}
	}
	return nil
}

func validateRules(r *Rules, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, id := range RuleIDs() {
		if a := r.Action(id); a != "" && !slices.Contains(Actions, a) {
			errs = append(errs, field.NotSupported(fp.Child(id, "action"), a, Actions))
		}
	}

	for _, rule := range []struct {
		id      string
		minimum int32
	}{{"min-replicas", r.MinReplicas.Minimum}, {"hpa-min-replicas", r.HPAMinReplicas.Minimum}} {
		if rule.minimum < 1 {
			errs = append(errs, field.Invalid(fp.Child(rule.id, "minimum"), rule.minimum,
				"must be at least 1; 2 or more keeps a service up while a node drains"))
		}
	}
	if b := r.TerminationGrace.ShutdownBudgetSeconds; b < 0 {
		errs = append(errs, field.Invalid(fp.Child("termination-grace", "shutdownBudgetSeconds"), b,
			"must be 0 or more: the seconds the app needs to shut down after its preStop sleep"))
	}
	if mu := r.PDB.MaxUnavailable; mu != nil {
		errs = append(errs, validateMaxUnavailable(*mu, fp.Child("pdb", "maxUnavailable"))...)
	}
	return errs
}

// validateMaxUnavailable accepts a count of at least 1 or a percentage from
// 1% to 100%.
func validateMaxUnavailable(mu intstr.IntOrString, fp *field.Path) field.ErrorList {
	const blocks = "must be at least 1 (or 1%): a PodDisruptionBudget that allows no pod to be unavailable blocks every node drain and cluster upgrade"
	if mu.Type == intstr.Int {
		if mu.IntVal < 1 {
			return field.ErrorList{field.Invalid(fp, mu.IntVal, blocks)}
		}
		return nil
	}
	digits, ok := strings.CutSuffix(mu.StrVal, "%")
	pct, err := strconv.Atoi(digits)
	switch {
	case !ok || err != nil:
		return field.ErrorList{field.Invalid(fp, mu.StrVal, `must be a whole number such as 1 or a percentage such as "25%"`)}
	case pct < 1:
		return field.ErrorList{field.Invalid(fp, mu.StrVal, blocks)}
	case pct > 100:
		return field.ErrorList{field.Invalid(fp, mu.StrVal, "must be at most 100%")}
	}
	return nil
}

func validatePodDefaults(pd *PodDefaults, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	kp := fp.Child("ownerKinds")
	if len(pd.OwnerKinds) == 0 {
		errs = append(errs, field.Required(kp, "list the kinds of controller whose pods get defaults, such as ReplicaSet"))
	}
	for i, k := range pd.OwnerKinds {
		switch k {
		case "":
			errs = append(errs, field.Required(kp.Index(i), "name a kind of controller, such as ReplicaSet"))
		case "Job", "CronJob":
			errs = append(errs, field.Invalid(kp.Index(i), k,
				"remove it: the pods of Jobs run to completion and serve no traffic, so a preStop sleep and probes would only delay or kill them"))
		}
	}

	pp := fp.Child("preStop")
	if st := pd.PreStop.Strategy; st != PreStopNative && st != PreStopExec {
		errs = append(errs, field.NotSupported(pp.Child("strategy"), st, []PreStopStrategy{PreStopNative, PreStopExec}))
	}
	if sec := pd.PreStop.SleepSeconds; sec < 1 || sec > maxSleepSeconds {
		errs = append(errs, field.Invalid(pp.Child("sleepSeconds"), sec, fmt.Sprintf(
			"must be between 1 and %d, and shorter than the pods' terminationGracePeriodSeconds, since the API server rejects a longer sleep; to inject no sleep, set enabled to false",
			maxSleepSeconds)))
	}

	if sec, m := pd.PreStop.SleepSeconds, pd.PreStop.MaxSleepSeconds; sec >= 1 && sec <= maxSleepSeconds && (m < sec || m > maxSleepSeconds) {
		errs = append(errs, field.Invalid(pp.Child("maxSleepSeconds"), m, fmt.Sprintf(
			"must be between sleepSeconds (%d) and %d: the longest sleep a pod template may ask for with the %s annotation",
			pd.PreStop.SleepSeconds, maxSleepSeconds, PreStopSleepAnnotation)))
	}

	errs = append(errs, validateProbe(&pd.ReadinessProbe, fp.Child("readinessProbe"))...)
	errs = append(errs, validateProbe(&pd.LivenessProbe, fp.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(&pd.StartupProbe, fp.Child("startupProbe"))...)
	return errs
}

// validateProbe checks a probe's numbers against the ranges the API server
// accepts after its own defaulting.
func validateProbe(p *ProbeDefaults, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if d := p.InitialDelaySeconds; d == nil || *d < 0 {
		errs = append(errs, field.Invalid(fp.Child("initialDelaySeconds"), p.InitialDelaySeconds, "must be 0 or more"))
	}
	for _, n := range []struct {
		name  string
		value int32
	}{{"periodSeconds", p.PeriodSeconds}, {"timeoutSeconds", p.TimeoutSeconds}, {"failureThreshold", p.FailureThreshold}} {
		if n.value < 1 {
			errs = append(errs, field.Invalid(fp.Child(n.name), n.value, "must be at least 1"))
		}
	}
	return errs
}

func validateExemptions(exemptions []Exemption, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := make(map[string]bool, len(exemptions))
	for i, e := range exemptions {
		ep := fp.Index(i)
		if e.Name != "" {
			if names[e.Name] {
				errs = append(errs, field.Duplicate(ep.Child("name"), e.Name))
			}
			names[e.Name] = true
		}
		if strings.TrimSpace(e.Reason) == "" {
			errs = append(errs, field.Required(ep.Child("reason"), "say why the namespaces are exempt, for whoever reviews the exemption later"))
		}

		if len(e.Namespaces) == 0 && e.NamespaceSelector == nil {
			errs = append(errs, field.Required(ep.Child("namespaces"), "set namespaces, namespaceSelector or both, to say which namespaces are exempt"))
		}
		for j, ns := range e.Namespaces {
			if _, err := path.Match(ns, ""); err != nil || ns == "" {
				errs = append(errs, field.Invalid(ep.Child("namespaces").Index(j), ns,
					`must be a namespace name or a glob such as "team-*" (path.Match syntax)`))
			}
		}
		if sel := e.NamespaceSelector; sel != nil {
			sp := ep.Child("namespaceSelector")
			if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
				errs = append(errs, field.Invalid(sp, "{}",
					"an empty selector matches every namespace; add matchLabels or matchExpressions, or set the rule's action to off instead"))
			} else if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
				errs = append(errs, field.Invalid(sp, field.OmitValueType{}, err.Error()))
			}
		}

		errs = append(errs, validateWorkloadScope(&e, ep)...)
		if len(e.Rules) == 0 && e.Mode == "" {
			errs = append(errs, field.Required(ep.Child("rules"), `set rules (rule IDs, or "*" for all), mode, or both`))
		}
		for j, r := range e.Rules {
			if r != AllRules && !IsRuleID(r) {
				errs = append(errs, field.NotSupported(ep.Child("rules").Index(j), r, append(RuleIDs(), AllRules)))
			}
		}
		if e.Mode != "" {
			errs = append(errs, validateMode(e.Mode, ep.Child("mode"))...)
		}
	}
	return errs
}

// validateWorkloadScope checks the workloads and workloadSelector of an
// exemption, at ep.
func validateWorkloadScope(e *Exemption, ep *field.Path) field.ErrorList {
	var errs field.ErrorList
	for j, w := range e.Workloads {
		wp := ep.Child("workloads").Index(j)
		if w.Name == "" {
			errs = append(errs, field.Required(wp.Child("name"), `name the workload, or give a glob such as "report-*"`))
		}
		for _, g := range []struct{ name, value string }{{"kind", w.Kind}, {"name", w.Name}} {
			if _, err := path.Match(g.value, ""); err != nil {
				errs = append(errs, field.Invalid(wp.Child(g.name), g.value, "must be a name or a glob (path.Match syntax)"))
			}
		}
	}
	if sel := e.WorkloadSelector; sel != nil {
		sp := ep.Child("workloadSelector")
		if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
			errs = append(errs, field.Invalid(sp, "{}",
				"an empty selector matches every workload; add matchLabels or matchExpressions, or exempt the whole namespace without it"))
		} else if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			errs = append(errs, field.Invalid(sp, field.OmitValueType{}, err.Error()))
		}
	}
	if e.scoped() && e.Mode != "" {
		errs = append(errs, field.Invalid(ep.Child("mode"), e.Mode,
			"a mode applies to whole namespaces: remove workloads and workloadSelector, or exempt rules (\"*\" for all) instead of setting a mode"))
	}
	return errs
}

// profileLabelKeys are the namespace label keys outside ballast.dev/ that a
// profile's namespaceSelector may use: set by the API server, not tenants.
var profileLabelKeys = []string{"kubernetes.io/metadata.name"}

// validateProfiles checks the profiles of s, whose effective specs are
// set: their names, what they select, that no namespace name or glob is in
// two of them, and the overrides, as they apply. A problem of the policy's
// own rules or pod defaults is reported there, not again per profile.
func validateProfiles(s *Spec, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	patterns := map[string]string{} // namespace name or glob -> profile
	base := map[string]bool{}
	for _, e := range slices.Concat(validateRules(&s.Rules, nil), validatePodDefaults(&s.PodDefaults, field.NewPath("podDefaults"))) {
		base[e.Field] = true
	}
	for i := range s.Profiles {
		p, pp := &s.Profiles[i], fp.Index(i)
		switch {
		case p.Name == "":
			errs = append(errs, field.Required(pp.Child("name"), "name the profile: output names it where its values apply"))
		case names[p.Name]:
			errs = append(errs, field.Duplicate(pp.Child("name"), p.Name))
		}
		names[p.Name] = true

		if len(p.Namespaces) == 0 && p.NamespaceSelector == nil {
			errs = append(errs, field.Required(pp.Child("namespaces"), "set namespaces, namespaceSelector or both, to say which namespaces the profile is for"))
		}
		for j, ns := range p.Namespaces {
			np := pp.Child("namespaces").Index(j)
			if _, err := path.Match(ns, ""); err != nil || ns == "" {
				errs = append(errs, field.Invalid(np, ns, `must be a namespace name or a glob such as "team-*" (path.Match syntax)`))
				continue
			}
			if other, dup := patterns[ns]; dup && other != p.Name {
				errs = append(errs, field.Invalid(np, ns, fmt.Sprintf(
					"is also in profile %q: a namespace resolves to one profile; keep it in one of them", other)))
			}
			patterns[ns] = p.Name
		}
		if sel := p.NamespaceSelector; sel != nil {
			errs = append(errs, validateProfileSelector(sel, pp.Child("namespaceSelector"))...)
		}

		if p.effective == nil {
			continue // not defaulted: Validate is only ever given defaulted policies
		}
		for _, e := range validateRules(&p.effective.Rules, pp.Child("rules")) {
			if rel, _ := strings.CutPrefix(e.Field, pp.String()+".rules."); !base[rel] {
				errs = append(errs, e)
			}
		}
		for _, e := range validatePodDefaults(&p.effective.PodDefaults, pp.Child("podDefaults")) {
			if rel, _ := strings.CutPrefix(e.Field, pp.String()+"."); !base[rel] {
				errs = append(errs, e)
			}
		}
	}
	return errs
}

// validateProfileSelector checks a profile's namespace selector: valid,
// not empty, and on labels tenants cannot set, since a tenant who could
// would pick its own profile.
func validateProfileSelector(sel *metav1.LabelSelector, sp *field.Path) field.ErrorList {
	if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 {
		return field.ErrorList{field.Invalid(sp, "{}", "an empty selector matches every namespace; change the policy's own values instead")}
	}
	if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
		return field.ErrorList{field.Invalid(sp, field.OmitValueType{}, err.Error())}
	}
	keys := slices.Collect(maps.Keys(sel.MatchLabels))
	for _, r := range sel.MatchExpressions {
		keys = append(keys, r.Key)
	}
	slices.Sort(keys)
	var errs field.ErrorList
	for _, k := range slices.Compact(keys) {
		if !strings.HasPrefix(k, Prefix) && !slices.Contains(profileLabelKeys, k) {
			errs = append(errs, field.Invalid(sp, k, fmt.Sprintf(
				"select on labels only namespace admins may set: keys under %s (guarded by Ballast) or kubernetes.io/metadata.name; a tenant could set %q on its namespace and pick its own profile", Prefix, k)))
		}
	}
	return errs
}

func validateSubjects(s Subjects, fp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(s.Users) == 0 && len(s.Groups) == 0 {
		errs = append(errs, field.Required(fp, "name at least one user or group: only they may set or change ballast.dev/ labels and annotations on namespaces, so with none nobody ever could"))
	}
	for i, u := range s.Users {
		if u == "" {
			errs = append(errs, field.Required(fp.Child("users").Index(i), "name a user, or remove the item"))
		}
	}
	for i, g := range s.Groups {
		if g == "" {
			errs = append(errs, field.Required(fp.Child("groups").Index(i), "name a group, or remove the item"))
		}
	}
	return errs
}
