package webhook

import (
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/workload"
)

// resourceOther is the resource label of requests for a kind no path
// serves.
const resourceOther = "other"

// kind is an object kind a path serves.
type kind struct {
	gvk  metav1.GroupVersionKind
	path string
	// resource is the plural resource name, the value of the resource
	// label of the metrics.
	resource string
	// newObject returns an empty typed object to decode into.
	newObject func() client.Object
	// spec returns the spec of an object newObject made, to tell an UPDATE
	// that changes it from one that changes only metadata; nil for kinds
	// that are not validated.
	spec func(client.Object) any
	// model is the kind in the workload model, which says which neighbours
	// its rules read; nil for Namespaces.
	model *workload.Kind
}

// served returns the kind named name of the workload model, served on
// path.
func served(name, path string, spec func(client.Object) any) kind {
	m, ok := workload.Named(name)
	if !ok {
		panic("webhook: the workload model has no kind " + name)
	}
	return kind{
		gvk:  metav1.GroupVersionKind{Group: m.GVK.Group, Version: m.GVK.Version, Kind: m.GVK.Kind},
		path: path, resource: m.Resource, newObject: m.NewObject, spec: spec, model: m,
	}
}

// kinds lists every kind Ballast serves, with the path that serves it. The
// API server sends each in exactly this version when the webhook
// configurations ask for it (with matchPolicy Equivalent it converts other
// versions first), so a request in any other version is a
// misconfiguration, answered with an error rather than misread.
var kinds = []kind{
	served(workload.KindPod, MutatePodsPath, nil),
	served(workload.KindDeployment, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*appsv1.Deployment).Spec }),
	served(workload.KindStatefulSet, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*appsv1.StatefulSet).Spec }),
	served(workload.KindDaemonSet, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*appsv1.DaemonSet).Spec }),
	served(workload.KindReplicaSet, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*appsv1.ReplicaSet).Spec }),
	served(workload.KindReplicationController, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*corev1.ReplicationController).Spec }),
	served(workload.KindHPA, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*autoscalingv2.HorizontalPodAutoscaler).Spec }),
	served(workload.KindPDB, ValidateWorkloadsPath, func(o client.Object) any { return &o.(*policyv1.PodDisruptionBudget).Spec }),
	// The scale subresource of Deployments and StatefulSets, which
	// `kubectl scale` and HPAs write: judged as the workload with the new
	// replicas (see workloadValidator.scale).
	{
		gvk:  metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"},
		path: ValidateWorkloadsPath, resource: "scale",
		newObject: func() client.Object { return &autoscalingv1.Scale{} },
	},
	{
		gvk:  metav1.GroupVersionKind{Version: "v1", Kind: "Namespace"},
		path: ValidateNamespacesPath, resource: "namespaces",
		newObject: func() client.Object { return &corev1.Namespace{} },
	},
}

// neighbours returns the neighbours the rules for k read.
func (k *kind) neighbours() workload.Neighbours {
	if k.model == nil {
		return 0
	}
	return k.model.Neighbours
}

// lookupKind returns the kind of gvk if path serves it.
func lookupKind(path string, gvk metav1.GroupVersionKind) (*kind, bool) {
	for i := range kinds {
		if k := &kinds[i]; k.gvk == gvk && k.path == path {
			return k, true
		}
	}
	return nil, false
}

// resourceOf returns the resource label of a request for gvk.
func resourceOf(gvk metav1.GroupVersionKind) string {
	for i := range kinds {
		if kinds[i].gvk == gvk {
			return kinds[i].resource
		}
	}
	return resourceOther
}

// servedKinds lists the kinds path serves, for error messages: "apps/v1
// Deployment, ..., policy/v1 PodDisruptionBudget".
func servedKinds(path string) string {
	var names []string
	for _, k := range kinds {
		if k.path == path {
			names = append(names, gvkString(k.gvk))
		}
	}
	return strings.Join(names, ", ")
}

// gvkString writes a kind as people do: "apps/v1 Deployment", "v1 Pod".
func gvkString(gvk metav1.GroupVersionKind) string {
	if gvk.Group == "" {
		return gvk.Version + " " + gvk.Kind
	}
	return gvk.Group + "/" + gvk.Version + " " + gvk.Kind
}
