package audit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/validators"
)

// Run audits the namespaces in scope of the cluster c reads, as the
// package documentation describes, and returns the report.
//
// c must read from the API server (a client.Client, or a manager's
// GetAPIReader()), not from an informer cache: Run pages through lists
// with Limit and Continue, and needs whole pod templates, which Ballast's
// cache strips.
//
// Run fails when the namespaces cannot be listed (or, for
// Options.Namespace, read for another reason than an RBAC refusal), and
// when a list fails for another reason than an RBAC refusal. A list the
// API server refuses cluster-wide is made namespace by namespace instead,
// and a namespace it refuses is reported with the refusal.
func Run(ctx context.Context, c client.Reader, opts Options) (*Report, error) {
	a, err := newAuditor(c, opts)
	if err != nil {
		return nil, err
	}
	if err := a.run(ctx); err != nil {
		return nil, err
	}
	return a.report(), nil
}

// objectKind is a kind the audit lists.
type objectKind struct {
	gvk schema.GroupVersionKind
	// resource names the kind as the API server does in messages, e.g.
	// deployments.apps.
	resource string
	newList  func() client.ObjectList
	// model is the kind in the workload model; nil for Namespaces.
	model *workload.Kind
}

// namespaceKind is the kind of the Namespaces the audit lists first.
var namespaceKind = objectKind{corev1.SchemeGroupVersion.WithKind("Namespace"), "namespaces",
	func() client.ObjectList { return &corev1.NamespaceList{} }, nil}

// objectKinds are listed in this order: every kind a neighbour of another
// (PDBs, HPAs, Services, then the workloads, in the order the model lists
// neighbours), then Pods. So each workload is evaluated as its page
// arrives, with the PDBs and HPAs its kind reads all known, and only what
// the PDB rules need of it is kept; PDBs and HPAs, and the workloads a PDB
// with minAvailable selects (whose judgement counts the pods of every
// workload that PDB selects), are evaluated once every workload is known.
var objectKinds = func() []*objectKind {
	var out []*objectKind
	pod, _ := workload.Named(workload.KindPod)
	listed := slices.Clone(workload.AllNeighbours.Kinds())
	for _, k := range workload.Workloads() {
		if k.NotANeighbour {
			listed = append(listed, k) // judged, never read by another kind
		}
	}
	for _, k := range append(listed, pod) {
		resource := k.Resource
		if k.GVK.Group != "" {
			resource += "." + k.GVK.Group
		}
		out = append(out, &objectKind{gvk: k.GVK, resource: resource, newList: k.NewList, model: k})
	}
	return out
}()

// auditor holds the state of one audit.
type auditor struct {
	c        client.Reader
	opts     Options
	progress progress
	spaces   map[string]*space
	order    []*space // in listing order
	// names are the names of the namespaces in scope, sorted, for the
	// progress line.
	names []string
	// kind is the index in objectKinds of the kind being listed, and
	// listed how many of its objects have been listed so far.
	kind, listed int
}

// space is a namespace being audited.
type space struct {
	report Namespace
	// settings are the namespace's settings with the mode the audit
	// judges in; nil when the namespace is not evaluated.
	settings *policy.Settings
	// podSettings are settings in dryrun: a Pod's mutations are the same
	// in every mode that is not off, and dryrun spares the JSON patch.
	podSettings *policy.Settings
	// related are the objects of the namespace that are neighbours of
	// others: each is judged with those its kind reads (Related.For).
	related workload.Related
	// warned are the objects with findings in a warn namespace.
	warned []warnedObject
	// counted are the workloads a PodDisruptionBudget with minAvailable
	// selects, evaluated once every workload is listed: only they are held
	// until then.
	counted []client.Object
	// workloads are the workloads listed, for the Events on those whose
	// pods injected probes keep unready.
	workloads map[workloadKey]*metav1.PartialObjectMetadata
	// probed are the pods injected readiness probes keep unready.
	probed []probedPod
}

// warnedObject is an object the Periodic evaluator records a Warning
// Event on: one admitted in warn mode with violations (findings), or the
// workload, or the Pod, that injected readiness probes keep unready
// (unready, as of now).
type warnedObject struct {
	ref      *metav1.PartialObjectMetadata
	findings []validators.Finding
	unready  *unreadyGroup
	now      time.Time
}

// newAuditor prepares an audit of what c reads.
func newAuditor(c client.Reader, opts Options) (*auditor, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &auditor{c: c, opts: opts, progress: progress{w: opts.Progress}, spaces: map[string]*space{}}, nil
}

// run lists and evaluates everything in scope.
func (a *auditor) run(ctx context.Context) error {
	defer a.progress.clear()
	if err := a.listNamespaces(ctx); err != nil {
		return err
	}
	for _, s := range a.order {
		a.names = append(a.names, s.report.Name)
	}
	slices.Sort(a.names)
	for i, k := range objectKinds {
		a.kind, a.listed = i, 0
		if err := a.list(ctx, k); err != nil {
			return err
		}
	}
	for _, s := range a.order {
		if !s.evaluating() {
			continue
		}
		for _, o := range s.counted {
			a.evaluate(s, o)
		}
		s.counted = nil
		for _, hpa := range s.related.HPAs {
			a.evaluate(s, hpa)
		}
		for _, pdb := range s.related.PDBs {
			a.evaluate(s, pdb)
		}
	}
	return nil
}

// listNamespaces adds the namespaces in scope.
func (a *auditor) listNamespaces(ctx context.Context) error {
	name := a.opts.Namespace
	if name == "" {
		_, err := a.listPages(ctx, &namespaceKind, "")
		return err
	}
	ns := &corev1.Namespace{}
	switch err := a.c.Get(ctx, client.ObjectKey{Name: name}, ns); {
	case err == nil:
		a.addNamespace(ns)
	case apierrors.IsForbidden(err):
		// Tenants may list their namespace's objects without reading the
		// Namespace itself: judge it without labels, and say so.
		ns.Name = name
		s := a.addNamespace(ns)
		s.report.Notes = append(s.report.Notes,
			"the Namespace could not be read ("+refusal(err)+"): its mode is resolved without its labels")
	default:
		return fmt.Errorf("reading namespace %q: %w", name, err)
	}
	return nil
}

// addNamespace resolves the settings of ns and adds it to the audit.
func (a *auditor) addNamespace(ns *corev1.Namespace) *space {
	r := Namespace{
		Name:                ns.Name,
		UID:                 ns.UID,
		Owner:               ns.Labels[a.opts.OwnerLabel],
		Violations:          []Violation{},
		PlannedPDBs:         []PlannedPDB{},
		PodsLackingDefaults: Pods{Names: []string{}, Rules: []string{}},
		Objects:             []report.Object{},
	}
	s := &space{workloads: map[workloadKey]*metav1.PartialObjectMetadata{}}
	settings := policy.Resolve(a.opts.Spec, policy.Namespace{Name: ns.Name, Labels: ns.Labels}, a.opts.Now)
	r.ConfiguredMode, r.ModeSource, r.Profile = settings.Mode, settings.ModeSource, settings.Profile
	r.Exemptions, r.ExpiredExemptions = report.NewExemptions(settings.Exemptions), report.NewExemptions(settings.Expired)
	switch {
	case a.opts.Excluded != nil && a.opts.Excluded(ns):
		r.Mode, r.ConfiguredMode = policy.ModeOff, policy.ModeOff
		r.ModeSource, r.Skipped = "excluded by the webhook configurations", notServed
	case settings.Mode == policy.ModeOff:
		r.Mode, r.Skipped = policy.ModeOff, "mode off"
	default:
		if a.opts.Mode != "" {
			settings.Mode, settings.ModeSource = a.opts.Mode, modeSource
		}
		r.Mode = settings.Mode
		pods := settings
		pods.Mode = policy.ModeDryRun
		s.settings, s.podSettings = &settings, &pods
	}
	s.report = r
	a.spaces[ns.Name] = s
	a.order = append(a.order, s)
	return s
}

// notServed is the Skipped of the namespaces the webhook never sees.
const notServed = "not sent to the webhook"

// evaluating reports whether the namespace's objects are judged.
func (s *space) evaluating() bool {
	return s.settings != nil && s.report.Error == ""
}

// list feeds every object of kind k in the namespaces being evaluated to
// collect: with one list across namespaces when allowed, else namespace
// by namespace, where a refusal marks the namespace unreadable.
func (a *auditor) list(ctx context.Context, k *objectKind) error {
	if a.opts.Namespace == "" {
		n, err := a.listPages(ctx, k, "")
		// A refusal comes with the first page; one later on would have
		// the objects already collected counted twice.
		if err == nil || !apierrors.IsForbidden(err) || n > 0 {
			return err
		}
	}
	for _, s := range a.order {
		if !s.evaluating() {
			continue
		}
		_, err := a.listPages(ctx, k, s.report.Name)
		switch {
		case apierrors.IsForbidden(err) && k.model != nil && k.model.NotANeighbour:
			// Judged only, never read for another object's verdict: the
			// rest of the namespace's report stands without them.
			s.report.Notes = append(s.report.Notes, k.resource+" could not be listed ("+refusal(err)+"): not judged")
		case apierrors.IsForbidden(err):
			s.report.Error = refusal(err)
		case err != nil:
			return err
		}
	}
	return nil
}

// listPages lists the objects of kind k in namespace (every namespace when
// empty), one page of Options.PageSize at a time, feeds them to collect,
// and returns how many there were.
func (a *auditor) listPages(ctx context.Context, k *objectKind, namespace string) (int, error) {
	where := ""
	if namespace != "" {
		where = " in namespace " + namespace
	}
	opts := []client.ListOption{client.Limit(a.opts.PageSize), client.InNamespace(namespace)}
	n := 0
	for cont := ""; ; {
		// A new list per page: collect keeps pointers into its items.
		list := k.newList()
		if err := a.c.List(ctx, list, append(opts, client.Continue(cont))...); err != nil {
			return n, fmt.Errorf("listing %s%s: %w", k.resource, where, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return n, fmt.Errorf("reading the list of %s%s: %w", k.resource, where, err)
		}
		for _, item := range items {
			a.collect(k, item)
		}
		n += len(items)
		a.showProgress(k, namespace, items)
		if cont = list.GetContinue(); cont == "" {
			return n, nil
		}
	}
}

// showProgress updates the progress line after a page of items of kind k
// listed in namespace (every namespace when empty).
func (a *auditor) showProgress(k *objectKind, namespace string, items []runtime.Object) {
	if k == &namespaceKind {
		a.listed += len(items)
		a.progress.showf("listing namespaces: %d", a.listed)
		return
	}
	a.listed += len(items)
	// Lists come in the order of their keys, by namespace then name: the
	// namespaces before the last item's are done with this kind.
	at := namespace
	if at == "" && len(items) > 0 {
		if m, err := meta.Accessor(items[len(items)-1]); err == nil {
			at = m.GetNamespace()
		}
	}
	done, _ := slices.BinarySearch(a.names, at)
	a.progress.listed(k.resource, a.kind, len(objectKinds), done, len(a.names), a.listed)
}

// collect takes one listed object: it adds a namespace, keeps a neighbour
// for later, or evaluates a workload or a Pod at once.
func (a *auditor) collect(k *objectKind, obj runtime.Object) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		a.addNamespace(ns)
		return
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return // every listed kind has metadata
	}
	s := a.spaces[m.GetNamespace()]
	if s == nil || !s.evaluating() {
		return // created after the namespaces were listed, or not judged
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		a.evaluatePod(s, pod)
		return
	}
	// Kept until the namespace is done: without the metadata no rule
	// reads, which would otherwise keep every budget's managedFields, and
	// the pages they came in, for the whole run.
	workload.DropHeavyMetadata(obj)
	s.related.Add(obj)
	o, ok := obj.(client.Object)
	if !ok || !k.model.IsWorkload() {
		return
	}
	s.workloads[workloadKey{k.model.Name, o.GetName()}] = reference(k.gvk, o)
	if w, _ := workload.Of(obj); workload.CountedByPDB(&w, s.related.PDBs) {
		// A budget counts its pods with those of workloads not listed
		// yet: judge it once every workload is known.
		s.counted = append(s.counted, o)
		return
	}
	a.evaluate(s, o)
}

// evaluate judges a workload, HPA or PDB of s among the neighbours known,
// as the webhook would on its next update.
func (a *auditor) evaluate(s *space, obj client.Object) {
	k, _ := workload.KindOf(obj)
	res := a.opts.Engine.Evaluate(engine.Input{Object: obj, Settings: s.settings, Related: s.related.For(k)})
	o := report.NewObject(k.GVK.GroupVersion().String(), res)
	o.Source = Source
	s.report.Objects = append(s.report.Objects, o)
	for _, m := range res.Mutations {
		// The engine describes the PDB the reconciler creates as a mutation
		// that creates an object.
		if m.Creates == workload.KindPDB {
			s.report.PlannedPDBs = append(s.report.PlannedPDBs, PlannedPDB{
				Name: workload.PDBName(res.Kind, res.Name), Kind: res.Kind, Workload: res.Name, Message: m.Message,
			})
		}
	}
	if s.settings.Mode == policy.ModeWarn && len(res.Findings) > 0 {
		s.warned = append(s.warned, warnedObject{ref: reference(k.GVK, obj), findings: res.Findings})
	}
}

// reference returns what an Event on obj, of kind gvk, names it by.
func reference(gvk schema.GroupVersionKind, obj client.Object) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta: metav1.TypeMeta{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind},
		ObjectMeta: metav1.ObjectMeta{
			Namespace: obj.GetNamespace(), Name: obj.GetName(),
			UID: obj.GetUID(), ResourceVersion: obj.GetResourceVersion(),
		},
	}
}

// evaluatePod records pod when a readiness probe Ballast injected keeps it
// unready, and counts it among those lacking defaults when the Pod mutator
// would change it were it created now. Pods that are stopping or have
// stopped are left out: they will not be created again.
func (a *auditor) evaluatePod(s *space, pod *corev1.Pod) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return
	}
	if u, ok := keptUnready(pod, a.opts.Now, a.opts.UnreadyAfter); ok {
		u.Kind, u.Workload = podWorkload(pod)
		s.probed = append(s.probed, probedPod{pod: u, ref: reference(corev1.SchemeGroupVersion.WithKind(workload.KindPod), pod)})
	}
	res := a.opts.Engine.Evaluate(engine.Input{Object: pod, Settings: s.podSettings, Related: s.related})
	if res.Skipped != "" || len(res.Mutations) == 0 {
		return
	}
	p := &s.report.PodsLackingDefaults
	p.Count++
	// Keep the first names in alphabetical order, whatever the order of
	// the lists.
	if i, _ := slices.BinarySearch(p.Names, pod.Name); i < a.opts.MaxPodNames {
		p.Names = slices.Insert(p.Names, i, pod.Name)
		p.Names = p.Names[:min(len(p.Names), a.opts.MaxPodNames)]
	}
	for _, m := range res.Mutations {
		if !slices.Contains(p.Rules, m.Rule) {
			p.Rules = append(p.Rules, m.Rule)
		}
	}
}

// report returns the report of what run found.
func (a *auditor) report() *Report {
	namespaces := make([]Namespace, 0, len(a.order))
	for _, s := range a.order {
		r := s.report
		if r.Error != "" {
			// What was read before the refusal is incomplete: a workload
			// judged without the PDBs it could not list would mislead.
			r.PlannedPDBs, r.Objects = []PlannedPDB{}, []report.Object{}
			r.PodsLackingDefaults = Pods{Names: []string{}, Rules: []string{}}
		} else {
			for _, p := range s.probed {
				r.UnreadyProbedPods = append(r.UnreadyProbedPods, p.pod)
			}
			sortUnready(r.UnreadyProbedPods)
		}
		sortObjects(r.Objects)
		slices.SortFunc(r.PlannedPDBs, func(a, b PlannedPDB) int {
			return cmp.Or(cmp.Compare(kindRank[a.Kind], kindRank[b.Kind]), cmp.Compare(a.Workload, b.Workload))
		})
		slices.Sort(r.PodsLackingDefaults.Rules)
		r.tally()
		namespaces = append(namespaces, r)
	}
	sortNamespaces(namespaces)
	mode := AsConfigured
	if a.opts.Mode != "" {
		mode = string(a.opts.Mode)
	}
	return &Report{
		Mode:       mode,
		Policy:     a.opts.Policy,
		Namespace:  a.opts.Namespace,
		OwnerLabel: a.opts.OwnerLabel,
		Time:       a.opts.Now,
		Namespaces: namespaces,
		Summary:    summarize(namespaces),
	}
}

// warned returns the objects admitted in warn mode with violations, in
// the namespaces that could be read.
func (a *auditor) warned() []warnedObject {
	var out []warnedObject
	for _, s := range a.order {
		if s.report.Error == "" {
			out = append(out, s.warned...)
		}
	}
	return out
}

// refusal returns the API server's message for a refused request.
func refusal(err error) string {
	if se, ok := errors.AsType[*apierrors.StatusError](err); ok && se.ErrStatus.Message != "" {
		return se.ErrStatus.Message
	}
	return err.Error()
}
