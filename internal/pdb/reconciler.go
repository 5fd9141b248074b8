package pdb

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// The reasons of the Events the reconciler records on workloads.
const (
	// ReasonCreated: Ballast created the workload's PodDisruptionBudget.
	ReasonCreated = "PDBCreated"
	// ReasonUpdated: Ballast brought its PodDisruptionBudget back in line
	// with the workload and the policy.
	ReasonUpdated = "PDBUpdated"
	// ReasonDeleted: the workload no longer needs a PodDisruptionBudget from
	// Ballast, which deleted its own.
	ReasonDeleted = "PDBDeleted"
	// ReasonNameTaken (a Warning): the workload needs a PodDisruptionBudget
	// but one that Ballast does not manage has its name.
	ReasonNameTaken = "PDBNameTaken"
)

const (
	// retryDelay is when a reconcile that lost a race (a conflict, or an
	// object the cache did not show yet) runs again. The watch event of
	// whatever won the race usually triggers it sooner.
	retryDelay = time.Second
	// expiryMargin is added to the expiry of an exemption before the
	// reconcile that lifts it, since an exemption still applies at the
	// instant it expires.
	expiryMargin = time.Second
)

// Reconciler keeps the Ballast PodDisruptionBudget of each workload of one
// kind (Deployment or StatefulSet). SetupWithManager makes one per kind.
//
// It reads only from the manager's cache, and from workloads only their
// selector, replicas and pod template labels. It writes only
// PodDisruptionBudgets it owns (see ManagedByLabel), with optimistic
// concurrency: it creates them with Create, which fails when the name is
// taken, and updates and deletes them only at the resourceVersion it read,
// so it never overwrites or removes a PodDisruptionBudget that changed
// hands in between.
type Reconciler struct {
	client   client.Client
	kind     *workload.Kind
	policy   PolicySource
	excluded func(*corev1.Namespace) bool
	now      func() time.Time
	recorder events.EventRecorder
	actions  *actionCounter
}

// Reconcile brings the Ballast PodDisruptionBudget of the workload named by
// req in line with the workload, its namespace, the policy and the other
// PodDisruptionBudgets and HorizontalPodAutoscalers of the namespace. When
// an exemption in force will expire, it asks to run again just after.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.kind.NewObject()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		// A deleted workload's PodDisruptionBudget goes with it: the garbage
		// collector follows the ownerReference.
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("getting %s %s: %w", r.kind.Name, req, err))
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return ctrl.Result{}, nil
	}

	pol := r.policy.Policy()
	if pol == nil {
		// Every workload is reconciled again when the policy loads.
		logf.FromContext(ctx).V(1).Info("No policy loaded yet; leaving PodDisruptionBudgets as they are")
		return ctrl.Result{}, nil
	}
	var ns corev1.Namespace
	if err := r.client.Get(ctx, types.NamespacedName{Name: req.Namespace}, &ns); err != nil {
		return ctrl.Result{}, fmt.Errorf("getting namespace %s: %w", req.Namespace, err)
	}
	if !ns.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	now := r.now()
	nsSettings := policy.Resolve(&pol.Spec, policy.Namespace{Name: ns.Name, Labels: ns.Labels}, now)

	own, related, err := r.surroundings(ctx, obj)
	if err != nil {
		return ctrl.Result{}, err
	}
	w, _ := workload.Of(obj)
	settings := nsSettings.For(w.Scope())
	plan := workload.PlanPDB(&w, related, settings)
	excluded := r.excluded != nil && r.excluded(&ns)
	needed := !excluded && plan.Write

	var current *policyv1.PodDisruptionBudget
	for _, pdb := range own {
		switch {
		case pdb.Name == plan.Name && needed:
			current = pdb
		case pdb.Name == plan.Name && excluded:
			err = r.delete(ctx, obj, pdb, "the namespace is excluded from Ballast")
		case pdb.Name == plan.Name:
			err = r.delete(ctx, obj, pdb, plan.Reason())
		default:
			err = r.delete(ctx, obj, pdb, "Ballast now names its PodDisruptionBudget "+plan.Name)
		}
		if err != nil {
			return retryOnRace(ctx, err)
		}
	}
	if needed {
		if err := r.apply(ctx, obj, current, related.PDBs, desiredPDB(r.kind, obj, &w, plan)); err != nil {
			return retryOnRace(ctx, err)
		}
	}
	return ctrl.Result{RequeueAfter: untilExpiry(settings, now)}, nil
}

// surroundings lists, from the cache, the neighbours the plan of the
// workload's PodDisruptionBudget reads (its PodDisruptionBudgets and
// HorizontalPodAutoscalers: workload.PlanNeighbours). It returns apart the PodDisruptionBudgets
// Ballast manages for the workload: they are the reconciler's to change,
// and never count as another budget that covers its pods.
func (r *Reconciler) surroundings(ctx context.Context, obj client.Object) ([]*policyv1.PodDisruptionBudget, workload.Related, error) {
	var own []*policyv1.PodDisruptionBudget
	var related workload.Related
	for _, k := range workload.PlanNeighbours.Kinds() {
		list := k.NewList()
		if err := r.client.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
			return nil, workload.Related{}, fmt.Errorf("listing %ss in %s: %w", k.Name, obj.GetNamespace(), err)
		}
		if err := meta.EachListItem(list, func(item runtime.Object) error {
			if pdb, ok := item.(*policyv1.PodDisruptionBudget); ok && ownedBy(pdb, obj) {
				own = append(own, pdb)
			} else {
				related.Add(item)
			}
			return nil
		}); err != nil {
			return nil, workload.Related{}, fmt.Errorf("reading the list of %ss in %s: %w", k.Name, obj.GetNamespace(), err)
		}
	}
	return own, related, nil
}

// apply creates want, or updates current, the workload's Ballast
// PodDisruptionBudget, when it differs from want. When another
// PodDisruptionBudget, one of others, holds the name, it leaves it alone
// and records a Warning on the workload.
func (r *Reconciler) apply(ctx context.Context, obj client.Object, current *policyv1.PodDisruptionBudget, others []*policyv1.PodDisruptionBudget, want *policyv1.PodDisruptionBudget) error {
	log := logf.FromContext(ctx)
	if current == nil {
		for _, pdb := range others {
			if pdb.Name == want.Name {
				r.recorder.Eventf(obj, pdb, corev1.EventTypeWarning, ReasonNameTaken, "Create",
					"PodDisruptionBudget %s is not Ballast's (it lacks the label %s=%s or a controller reference to this %s): Ballast leaves it alone and creates none",
					want.Name, ManagedByLabel, ManagedByValue, r.kind.Name)
				return nil
			}
		}
		if err := r.client.Create(ctx, want); err != nil {
			return fmt.Errorf("creating PodDisruptionBudget %s/%s: %w", want.Namespace, want.Name, err)
		}
		r.actions.inc(actionCreate)
		log.Info("Created PodDisruptionBudget", "podDisruptionBudget", want.Name, "maxUnavailable", want.Spec.MaxUnavailable.String())
		r.recorder.Eventf(obj, want, corev1.EventTypeNormal, ReasonCreated, "Create",
			"Created PodDisruptionBudget %s (maxUnavailable %s)", want.Name, want.Spec.MaxUnavailable)
		return nil
	}

	fields := drift(&current.Spec, &want.Spec)
	if len(fields) == 0 {
		return nil
	}
	updated := current.DeepCopy()
	updated.Spec = want.Spec
	// Update sends the resourceVersion read from the cache: it fails with a
	// conflict if the object changed since, rather than overwrite the change.
	if err := r.client.Update(ctx, updated); err != nil {
		return fmt.Errorf("updating PodDisruptionBudget %s/%s: %w", updated.Namespace, updated.Name, err)
	}
	r.actions.inc(actionUpdate)
	changed := strings.Join(fields, ", ")
	log.Info("Updated PodDisruptionBudget", "podDisruptionBudget", updated.Name, "fields", changed)
	r.recorder.Eventf(obj, updated, corev1.EventTypeNormal, ReasonUpdated, "Update",
		"Updated PodDisruptionBudget %s: %s (maxUnavailable %s)", updated.Name, changed, updated.Spec.MaxUnavailable)
	return nil
}

// delete deletes pdb, a Ballast PodDisruptionBudget of the workload obj,
// for the reason why, provided it is still the object read from the cache.
func (r *Reconciler) delete(ctx context.Context, obj client.Object, pdb *policyv1.PodDisruptionBudget, why string) error {
	err := r.client.Delete(ctx, pdb, client.Preconditions{UID: &pdb.UID, ResourceVersion: &pdb.ResourceVersion})
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("deleting PodDisruptionBudget %s/%s: %w", pdb.Namespace, pdb.Name, err)
	}
	r.actions.inc(actionDelete)
	logf.FromContext(ctx).Info("Deleted PodDisruptionBudget", "podDisruptionBudget", pdb.Name, "reason", why)
	r.recorder.Eventf(obj, pdb, corev1.EventTypeNormal, ReasonDeleted, "Delete",
		"Deleted PodDisruptionBudget %s: %s", pdb.Name, why)
	return nil
}

// retryOnRace turns an error from a lost race into a retry after
// retryDelay, since the cache will catch up: a conflict (the object changed
// since it was read) or an object that already exists (the cache did not
// show it yet, or someone created it in between). Other errors are
// returned, for the controller to retry with backoff.
func retryOnRace(ctx context.Context, err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err) {
		logf.FromContext(ctx).V(1).Info("Lost a race with another writer; retrying", "error", err.Error())
		return ctrl.Result{RequeueAfter: retryDelay}, nil
	}
	return ctrl.Result{}, err
}

// untilExpiry returns how long after now the first of the exemptions in
// force in s expires, plus expiryMargin, or 0 when none has an expiry.
func untilExpiry(s *policy.Settings, now time.Time) time.Duration {
	var next time.Duration
	for _, e := range s.Exemptions {
		if e.Expires == nil {
			continue
		}
		if d := e.Expires.Sub(now) + expiryMargin; d > 0 && (next == 0 || d < next) {
			next = d
		}
	}
	return next
}
