package webhook

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/validators"
)

// needs says which neighbours of an object the rules for its kind read.
type needs uint8

const (
	needPDBs needs = 1 << iota
	needHPAs
	// needWorkloads: the Deployments, StatefulSets and DaemonSets.
	needWorkloads
)

// related lists from the Reader, the manager's informer cache, the
// neighbours in the namespace that n asks for. Each List reads the cache's
// local index: no request costs an API call. The lists are not deep
// copied; the rules only read them (validators.Rule.Check must not modify
// its target).
func (h *handler) related(ctx context.Context, namespace string, n needs) (validators.Related, error) {
	var rel validators.Related
	opts := []client.ListOption{client.InNamespace(namespace), client.UnsafeDisableDeepCopy}
	if n&needPDBs != 0 {
		var list policyv1.PodDisruptionBudgetList
		if err := h.opts.Reader.List(ctx, &list, opts...); err != nil {
			return rel, fmt.Errorf("listing PodDisruptionBudgets in %q from the cache: %w", namespace, err)
		}
		rel.PDBs = pointers(list.Items)
	}
	if n&needHPAs != 0 {
		var list autoscalingv2.HorizontalPodAutoscalerList
		if err := h.opts.Reader.List(ctx, &list, opts...); err != nil {
			return rel, fmt.Errorf("listing HorizontalPodAutoscalers in %q from the cache: %w", namespace, err)
		}
		rel.HPAs = pointers(list.Items)
	}
	if n&needWorkloads != 0 {
		var deployments appsv1.DeploymentList
		if err := h.opts.Reader.List(ctx, &deployments, opts...); err != nil {
			return rel, fmt.Errorf("listing Deployments in %q from the cache: %w", namespace, err)
		}
		var statefulSets appsv1.StatefulSetList
		if err := h.opts.Reader.List(ctx, &statefulSets, opts...); err != nil {
			return rel, fmt.Errorf("listing StatefulSets in %q from the cache: %w", namespace, err)
		}
		var daemonSets appsv1.DaemonSetList
		if err := h.opts.Reader.List(ctx, &daemonSets, opts...); err != nil {
			return rel, fmt.Errorf("listing DaemonSets in %q from the cache: %w", namespace, err)
		}
		rel.Workloads = make([]validators.Workload, 0, len(deployments.Items)+len(statefulSets.Items)+len(daemonSets.Items))
		for i := range deployments.Items {
			rel.Workloads = appendWorkload(rel.Workloads, &deployments.Items[i])
		}
		for i := range statefulSets.Items {
			rel.Workloads = appendWorkload(rel.Workloads, &statefulSets.Items[i])
		}
		for i := range daemonSets.Items {
			rel.Workloads = appendWorkload(rel.Workloads, &daemonSets.Items[i])
		}
	}
	return rel, nil
}

// appendWorkload appends what the PDB rules need of obj to ws.
func appendWorkload(ws []validators.Workload, obj runtime.Object) []validators.Workload {
	if w, ok := validators.WorkloadOf(obj); ok {
		ws = append(ws, w)
	}
	return ws
}

// pointers returns a pointer to each element of items.
func pointers[T any](items []T) []*T {
	if len(items) == 0 {
		return nil
	}
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
