package manifest

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// evaluated are the kinds decoded into typed objects: the kinds Ballast
// evaluates, and Namespace, whose labels select a mode.
var evaluated = map[schema.GroupVersionKind]bool{
	appsv1.SchemeGroupVersion.WithKind("Deployment"):                     true,
	appsv1.SchemeGroupVersion.WithKind("StatefulSet"):                    true,
	appsv1.SchemeGroupVersion.WithKind("DaemonSet"):                      true,
	autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"): true,
	policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"):          true,
	corev1.SchemeGroupVersion.WithKind("Pod"):                            true,
	corev1.SchemeGroupVersion.WithKind("Namespace"):                      true,
}

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
