package workload

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
)

// DropHeavyMetadata drops obj's managedFields and its
// last-applied-configuration annotation (`kubectl apply`'s copy of the
// whole object), which no rule reads and which together often outweigh
// the rest of the object. Whatever holds many objects for the rules calls
// it before keeping them: the server's informer cache, and the audit for
// the neighbours it keeps while it lists a namespace. Anything that is not
// an object, such as a deletion tombstone, is left alone.
func DropHeavyMetadata(obj any) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	if m.GetManagedFields() != nil {
		m.SetManagedFields(nil)
	}
	if ann := m.GetAnnotations(); ann != nil {
		if _, ok := ann[corev1.LastAppliedConfigAnnotation]; ok {
			delete(ann, corev1.LastAppliedConfigAnnotation)
			m.SetAnnotations(ann)
		}
	}
}
