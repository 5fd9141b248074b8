package pdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// PolicySource serves the policy in force, which may be replaced at any
// time (the server reloads it from its file). webhook.PolicySource
// satisfies it.
type PolicySource interface {
	// Policy returns the current, defaulted policy, or nil before one has
	// loaded, in which case the reconciler changes nothing. The policy must
	// not be modified.
	Policy() *policy.Policy
}

// Options configures the reconciler.
type Options struct {
	// Policy serves the policy; required.
	Policy PolicySource
	// Now returns the current time, against which exemptions expire.
	// Default: time.Now.
	Now func() time.Time
	// Registerer, when set, receives the ballast_pdb_actions_total counter
	// (see ActionsMetric); the server passes the registry its /metrics
	// endpoint serves.
	Registerer prometheus.Registerer
	// Excluded, when set, reports the namespaces the webhook configurations
	// never send to Ballast (kube-*, Ballast's own, ...). The reconciler
	// treats them as mode off: it keeps no PodDisruptionBudget there, since
	// admission never reported one.
	Excluded func(*corev1.Namespace) bool
}

// EventRecorderName is the reporting controller of the Events the
// reconciler records.
const EventRecorderName = "ballast-pdb-reconciler"

// policyPollInterval is how often the reconciler looks for a new policy.
// Looking is a pointer comparison; a new policy reconciles every workload.
const policyPollInterval = 5 * time.Second

// SetupWithManager adds to mgr one controller per workload kind, named
// "pdb-deployment" and "pdb-statefulset", that keeps the Ballast
// PodDisruptionBudget of every Deployment and StatefulSet. A workload is
// reconciled when it changes, when a PodDisruptionBudget that selects its
// pods or that Ballast made for it changes, when a HorizontalPodAutoscaler
// that targets it changes, when the labels of its namespace change, when
// the policy is replaced, and when an exemption that applies to it expires.
//
// The controllers run only on the leader when mgr uses leader election.
// The manager's SyncPeriod bounds how long a missed event goes unnoticed.
func SetupWithManager(mgr ctrl.Manager, opts Options) error {
	if opts.Policy == nil {
		return errors.New("setting up the PodDisruptionBudget reconciler: Options.Policy is required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	actions, err := newActionCounter(opts.Registerer)
	if err != nil {
		return fmt.Errorf("setting up the PodDisruptionBudget reconciler: %w", err)
	}
	recorder := mgr.GetEventRecorder(EventRecorderName)
	c := mgr.GetCache()
	for _, kind := range workloadKinds {
		r := &Reconciler{
			client:   mgr.GetClient(),
			kind:     kind,
			policy:   opts.Policy,
			excluded: opts.Excluded,
			now:      opts.Now,
			recorder: recorder,
			actions:  actions,
		}
		w := &watcher{client: mgr.GetClient(), kind: kind}
		err := ctrl.NewControllerManagedBy(mgr).
			Named("pdb-" + strings.ToLower(kind.Name)).
			For(kind.NewObject()).
			Owns(&policyv1.PodDisruptionBudget{}).
			WatchesRawSource(source.Kind(c, &policyv1.PodDisruptionBudget{},
				handler.TypedEnqueueRequestsFromMapFunc(w.selectedBy))).
			WatchesRawSource(source.Kind(c, &autoscalingv2.HorizontalPodAutoscaler{},
				handler.TypedEnqueueRequestsFromMapFunc(w.scaledBy))).
			WatchesRawSource(source.Kind(c, &corev1.Namespace{},
				handler.TypedEnqueueRequestsFromMapFunc(w.inNamespace),
				predicate.TypedLabelChangedPredicate[*corev1.Namespace]{})).
			WatchesRawSource(w.policyChanges(opts.Policy, policyPollInterval)).
			Complete(r)
		if err != nil {
			return fmt.Errorf("setting up the PodDisruptionBudget reconciler of %ss: %w", kind.Name, err)
		}
	}
	return nil
}

// watcher maps events of the objects that decide a workload's
// PodDisruptionBudget to the workloads of one kind they concern.
type watcher struct {
	client client.Reader
	kind   *workload.Kind
}

// selectedBy maps a PodDisruptionBudget to the workloads in its namespace
// whose pods it selects: a budget that a team adds or removes decides
// whether they need one from Ballast. For an update it runs on the old and
// the new object, so a selector that stops selecting is seen too. (Owns
// maps a Ballast PodDisruptionBudget to its workload, whatever it selects.)
func (w *watcher) selectedBy(ctx context.Context, pdb *policyv1.PodDisruptionBudget) []reconcile.Request {
	// A nil selector selects nothing, and so does one that does not convert,
	// as for the disruption controller.
	if pdb.Spec.Selector == nil {
		return nil
	}
	objs, err := w.list(ctx, pdb.Namespace)
	if err != nil {
		logf.FromContext(ctx).Error(err, "Cannot find the workloads a PodDisruptionBudget selects", "podDisruptionBudget", client.ObjectKeyFromObject(pdb))
		return nil
	}
	return selected(pdb, objs)
}

// selected returns a request for each of objs whose pods pdb selects, as
// the workload model judges it.
func selected(pdb *policyv1.PodDisruptionBudget, objs []client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, obj := range objs {
		if w, ok := workload.Of(obj); ok && workload.SelectsPods(pdb, &w) {
			reqs = append(reqs, request(obj.GetNamespace(), obj.GetName()))
		}
	}
	return reqs
}

// scaledBy maps a HorizontalPodAutoscaler to the workload it scales, if
// that is of the watcher's kind: its minReplicas is the workload's fewest
// replicas.
func (w *watcher) scaledBy(_ context.Context, hpa *autoscalingv2.HorizontalPodAutoscaler) []reconcile.Request {
	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind != w.kind.Name || ref.Name == "" {
		return nil
	}
	return []reconcile.Request{request(hpa.Namespace, ref.Name)}
}

// inNamespace maps a Namespace to every workload in it: its labels decide
// its mode and which exemptions apply.
func (w *watcher) inNamespace(ctx context.Context, ns *corev1.Namespace) []reconcile.Request {
	objs, err := w.list(ctx, ns.Name)
	if err != nil {
		logf.FromContext(ctx).Error(err, "Cannot find the workloads of a namespace", "namespace", ns.Name)
		return nil
	}
	return requests(objs)
}

// policyChanges returns a source that enqueues every workload when
// policies serves a new policy, looking every interval.
func (w *watcher) policyChanges(policies PolicySource, interval time.Duration) source.Source {
	return source.Func(func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		last := policies.Policy()
		go func() {
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if p := policies.Policy(); p != last {
					objs, err := w.list(ctx, metav1.NamespaceAll)
					if err != nil {
						logf.FromContext(ctx).Error(err, "Cannot reconcile the workloads after a policy change; the periodic resync will")
						continue
					}
					last = p
					for _, req := range requests(objs) {
						q.Add(req)
					}
				}
			}
		}()
		return nil
	})
}

// list returns the workloads of the watcher's kind in namespace, or in
// every namespace for metav1.NamespaceAll. They are the informer cache's
// own objects, not copies (client.UnsafeDisableDeepCopy): the watcher runs
// on every event of every budget, namespace and policy change, and only
// reads their names and selectors, so copying them would cost an
// allocation of each workload of the namespace per event, and of every
// workload of the cluster per policy change. They must not be modified.
func (w *watcher) list(ctx context.Context, namespace string) ([]client.Object, error) {
	list := w.kind.NewList()
	if err := w.client.List(ctx, list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing %ss: %w", w.kind.Name, err)
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return nil, fmt.Errorf("listing %ss: %w", w.kind.Name, err)
	}
	objs := make([]client.Object, 0, len(items))
	for _, item := range items {
		if obj, ok := item.(client.Object); ok {
			objs = append(objs, obj)
		}
	}
	return objs, nil
}

// requests returns a request for each of objs.
func requests(objs []client.Object) []reconcile.Request {
	reqs := make([]reconcile.Request, len(objs))
	for i, obj := range objs {
		reqs[i] = request(obj.GetNamespace(), obj.GetName())
	}
	return reqs
}

func request(namespace, name string) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: name}}
}
