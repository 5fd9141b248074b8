package webhook

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/workload"
)

// related lists from the Reader, the manager's informer cache, the
// neighbours in the namespace that n asks for. Each List reads the cache's
// local index: no request costs an API call. The lists are not deep
// copied; the rules only read them (validators.Rule.Check must not modify
// its target).
//
// The rules for a workload read the other workloads only to count the pods
// of a PodDisruptionBudget with minAvailable: listed first, the budgets
// say whether they need listing at all.
func (h *handler) related(ctx context.Context, namespace string, n workload.Neighbours) (workload.Related, error) {
	var rel workload.Related
	for _, k := range n.Kinds() {
		if k.IsWorkload() && n.Has(workload.NeedPDBs) && !rel.CountsPods() {
			break // the workloads come last
		}
		list := k.NewList()
		if err := h.opts.Reader.List(ctx, list, client.InNamespace(namespace), client.UnsafeDisableDeepCopy); err != nil {
			return rel, fmt.Errorf("listing %ss in %q from the cache: %w", k.Name, namespace, err)
		}
		if err := meta.EachListItem(list, func(obj runtime.Object) error {
			rel.Add(obj)
			return nil
		}); err != nil {
			return rel, fmt.Errorf("reading the list of %ss in %q: %w", k.Name, namespace, err)
		}
	}
	return rel, nil
}
