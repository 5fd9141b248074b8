package podspec

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Template is the pod template of an object: the Pod itself, or the
// spec.template of a workload. Meta and Spec point into the object, so
// editing them edits the object.
type Template struct {
	Meta     *metav1.ObjectMeta
	Spec     *corev1.PodSpec
	MetaPath Path
	SpecPath Path
}

// Extract returns the pod template of a Pod, Deployment, StatefulSet,
// DaemonSet, ReplicaSet, and false for any other object.
func Extract(obj runtime.Object) (Template, bool) {
	tmpl := NewPath("spec", "template")
	switch o := obj.(type) {
	case *corev1.Pod:
		return Template{Meta: &o.ObjectMeta, Spec: &o.Spec, MetaPath: NewPath("metadata"), SpecPath: NewPath("spec")}, true
	case *appsv1.Deployment:
		return Template{Meta: &o.Spec.Template.ObjectMeta, Spec: &o.Spec.Template.Spec, MetaPath: tmpl.Child("metadata"), SpecPath: tmpl.Child("spec")}, true
	case *appsv1.StatefulSet:
		return Template{Meta: &o.Spec.Template.ObjectMeta, Spec: &o.Spec.Template.Spec, MetaPath: tmpl.Child("metadata"), SpecPath: tmpl.Child("spec")}, true
	case *appsv1.DaemonSet:
		return Template{Meta: &o.Spec.Template.ObjectMeta, Spec: &o.Spec.Template.Spec, MetaPath: tmpl.Child("metadata"), SpecPath: tmpl.Child("spec")}, true
	case *appsv1.ReplicaSet:
		return Template{Meta: &o.Spec.Template.ObjectMeta, Spec: &o.Spec.Template.Spec, MetaPath: tmpl.Child("metadata"), SpecPath: tmpl.Child("spec")}, true
	}
	return Template{}, false
}
