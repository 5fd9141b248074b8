package podspec

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Template is the pod template of an object: the Pod itself, or the
// spec.template of a workload (internal/workload reaches it for each kind).
// Meta and Spec point into the object, so
// editing them edits the object.
type Template struct {
	Meta     *metav1.ObjectMeta
	Spec     *corev1.PodSpec
	MetaPath Path
	SpecPath Path
}
