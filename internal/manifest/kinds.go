package manifest

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ballast-dev/ballast/internal/workload"
)

// evaluated are the kinds decoded into typed objects: the kinds Ballast
// evaluates (the workload model's), Namespace, whose labels select a mode,
// and the neighbours the evaluated kinds read (Services).
var evaluated = func() map[schema.GroupVersionKind]bool {
	m := map[schema.GroupVersionKind]bool{corev1.SchemeGroupVersion.WithKind("Namespace"): true}
	for _, k := range workload.Kinds() {
		m[k.GVK] = true
	}
	for _, k := range workload.AllNeighbours.Kinds() {
		m[k.GVK] = true
	}
	return m
}()

// removal says since when an API server no longer serves a kind at an
// apiVersion, and what to use instead.
type removal struct {
	since string // Kubernetes minor version
	use   string // apiVersion
}

// removed are the retired apiVersions of the kinds Ballast evaluates. An
// object written against one of them cannot be applied to any supported
// cluster, so it is an error rather than an ignored kind.
var removed = func() map[schema.GroupVersionKind]removal {
	m := map[schema.GroupVersionKind]removal{}
	add := func(gv, since, use string, kinds ...string) {
		for _, k := range kinds {
			m[schema.FromAPIVersionAndKind(gv, k)] = removal{since: since, use: use}
		}
	}
	add("extensions/v1beta1", "1.16", "apps/v1", "Deployment", "DaemonSet", "ReplicaSet")
	add("apps/v1beta1", "1.16", "apps/v1", "Deployment", "StatefulSet")
	add("apps/v1beta2", "1.16", "apps/v1", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")
	add("policy/v1beta1", "1.25", "policy/v1", "PodDisruptionBudget")
	add("autoscaling/v2beta1", "1.25", "autoscaling/v2", "HorizontalPodAutoscaler")
	add("autoscaling/v2beta2", "1.26", "autoscaling/v2", "HorizontalPodAutoscaler")
	return m
}()
