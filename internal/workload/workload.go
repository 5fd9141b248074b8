package workload

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Workload is what the model needs to know of a Deployment, StatefulSet or
// DaemonSet: which pods it runs and how many. It holds pointers into the
// object it was read from.
type Workload struct {
	// Kind is the workload's kind, e.g. "Deployment".
	Kind string
	// Namespace and Name identify it; an empty Namespace, as in manifests
	// that leave it to kubectl, matches any.
	Namespace string
	Name      string
	// Replicas is spec.replicas: nil when unset (1 for a Deployment or a
	// StatefulSet) and always nil for a DaemonSet, whose pod count is its
	// node count, which nothing here knows.
	Replicas *int32
	// Selector is spec.selector.
	Selector *metav1.LabelSelector
	// TemplateLabels are the labels of the pod template.
	TemplateLabels map[string]string
}

// Of returns the Workload of obj, and false unless obj is a Deployment, a
// StatefulSet or a DaemonSet. The webhook, the PDB reconciler, `ballast
// check` and `ballast audit` all read workloads with it.
func Of(obj runtime.Object) (Workload, bool) {
	k, ok := KindOf(obj)
	if !ok || !k.IsWorkload() {
		return Workload{}, false
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return Workload{}, false
	}
	w := Workload{Kind: k.Name, Namespace: m.GetNamespace(), Name: m.GetName(), Selector: k.selector(obj)}
	if k.replicas != nil {
		w.Replicas = k.replicas(obj)
	}
	if t, ok := k.Template(obj); ok {
		w.TemplateLabels = t.Meta.Labels
	}
	return w, true
}

// PodLabels returns the labels a PodDisruptionBudget for w should select:
// its spec.selector.matchLabels, else its pod template labels.
func (w *Workload) PodLabels() map[string]string {
	if w.Selector != nil && len(w.Selector.MatchLabels) > 0 {
		return w.Selector.MatchLabels
	}
	return w.TemplateLabels
}

// Related is what a caller knows of the objects around an object, in its
// namespace: from the informer cache in the webhook, from the other
// documents in `ballast check`, from the listing in `ballast audit`.
type Related struct {
	PDBs      []*policyv1.PodDisruptionBudget
	HPAs      []*autoscalingv2.HorizontalPodAutoscaler
	Services  []*corev1.Service
	Workloads []Workload
}

// Add records obj among the neighbours: a PodDisruptionBudget, a
// HorizontalPodAutoscaler, a Service or a workload of a kind other kinds
// read (not a ReplicaSet: Kind.NotANeighbour). It reports false, recording
// nothing, for any other object.
func (r *Related) Add(obj runtime.Object) bool {
	switch o := obj.(type) {
	case *policyv1.PodDisruptionBudget:
		r.PDBs = append(r.PDBs, o)
	case *autoscalingv2.HorizontalPodAutoscaler:
		r.HPAs = append(r.HPAs, o)
	case *corev1.Service:
		r.Services = append(r.Services, o)
	default:
		k, ok := KindOf(obj)
		if !ok || k.NotANeighbour {
			return false
		}
		w, ok := Of(obj)
		if !ok {
			return false
		}
		r.Workloads = append(r.Workloads, w)
	}
	return true
}

// CountsPods reports whether a PodDisruptionBudget among r.PDBs keeps a
// count of pods available (spec.minAvailable). Only then do the rules for
// a workload read the other workloads of its namespace (to count the pods
// that budget selects), so a reader may leave them out otherwise.
func (r *Related) CountsPods() bool {
	for _, pdb := range r.PDBs {
		if pdb.Spec.MinAvailable != nil {
			return true
		}
	}
	return false
}

// For returns the neighbours the rules for kind k read, and none of the
// others, so that every caller judges an object with exactly what the
// webhook reads for it.
func (r *Related) For(k *Kind) Related {
	var out Related
	if k.Neighbours.Has(NeedPDBs) {
		out.PDBs = r.PDBs
	}
	if k.Neighbours.Has(NeedHPAs) {
		out.HPAs = r.HPAs
	}
	if k.Neighbours.Has(NeedWorkloads) {
		out.Workloads = r.Workloads
	}
	if k.Neighbours.Has(NeedServices) {
		out.Services = r.Services
	}
	return out
}
