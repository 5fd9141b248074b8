package server

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/workload"
)

// cacheOptions configures the manager's informer cache to hold only the
// objects the handlers read, with only the fields they read.
//
// Memory is proportional to what the cluster holds of each cached kind,
// so each kind pays its way:
//   - Pods and ReplicaSets, the largest and most numerous kinds, are not
//     cached at all: the handlers get Pods in the request, and read
//     nothing of ReplicaSets.
//   - managedFields and the last-applied-configuration annotation are
//     dropped from every object; together they often outweigh the rest of
//     the object.
//   - Of Services the handlers read the selector, type, ports and
//     publishNotReadyAddresses, which say which pod ports receive traffic.
//   - Of Deployments, StatefulSets and DaemonSets the handlers and the
//     PDB reconciler read only the metadata, spec.replicas, the selector
//     and the pod template labels, so everything else goes: the pod template's spec
//     (containers, env, volumes: most of a workload), a StatefulSet's
//     volume claim templates, the status and its conditions. What is
//     cached is then about a kilobyte per workload whatever its size.
//
// ReaderFailOnMissingInformer makes a read of any other kind, through the
// cache or the manager's client, fail with ErrResourceNotCached instead
// of quietly starting an informer on a new kind (and the memory and API
// server load of a cluster-wide watch) from the request path.
func cacheOptions() cache.Options {
	return cache.Options{
		ReaderFailOnMissingInformer: true,
		DefaultTransform:            stripMetadata,
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}:  {Transform: stripWorkload},
			&appsv1.StatefulSet{}: {Transform: stripWorkload},
			&appsv1.DaemonSet{}:   {Transform: stripWorkload},
			&corev1.Service{}:     {Transform: stripService},
		},
	}
}

// stripMetadata is the cache transform of every kind but the workloads
// and Services: see workload.DropHeavyMetadata.
func stripMetadata(in any) (any, error) {
	workload.DropHeavyMetadata(in)
	return in, nil
}

// stripWorkload reduces a Deployment, StatefulSet or DaemonSet to its metadata (see
// workload.DropHeavyMetadata), spec.replicas, spec.selector and the pod template's
// labels; its status goes too. Applied twice, it gives the same result.
func stripWorkload(in any) (any, error) {
	workload.DropHeavyMetadata(in)
	switch o := in.(type) {
	case *appsv1.Deployment:
		return &appsv1.Deployment{
			TypeMeta:   o.TypeMeta,
			ObjectMeta: o.ObjectMeta,
			Spec: appsv1.DeploymentSpec{
				Replicas: o.Spec.Replicas,
				Selector: o.Spec.Selector,
				Template: templateLabelsOnly(o.Spec.Template),
			},
		}, nil
	case *appsv1.StatefulSet:
		return &appsv1.StatefulSet{
			TypeMeta:   o.TypeMeta,
			ObjectMeta: o.ObjectMeta,
			Spec: appsv1.StatefulSetSpec{
				Replicas: o.Spec.Replicas,
				Selector: o.Spec.Selector,
				Template: templateLabelsOnly(o.Spec.Template),
			},
		}, nil
	case *appsv1.DaemonSet:
		return &appsv1.DaemonSet{
			TypeMeta:   o.TypeMeta,
			ObjectMeta: o.ObjectMeta,
			Spec: appsv1.DaemonSetSpec{
				Selector: o.Spec.Selector,
				Template: templateLabelsOnly(o.Spec.Template),
			},
		}, nil
	}
	return in, nil
}

// stripService reduces a Service to its metadata (see workload.DropHeavyMetadata)
// and what tells which pod ports receive traffic: its selector, type, ports
// and publishNotReadyAddresses (workload.RouteTo). Its cluster IPs, status
// and the rest go. Applied twice, it gives the same result.
func stripService(in any) (any, error) {
	workload.DropHeavyMetadata(in)
	svc, ok := in.(*corev1.Service)
	if !ok {
		return in, nil
	}
	return &corev1.Service{
		TypeMeta:   svc.TypeMeta,
		ObjectMeta: svc.ObjectMeta,
		Spec: corev1.ServiceSpec{
			Type:                     svc.Spec.Type,
			Selector:                 svc.Spec.Selector,
			Ports:                    svc.Spec.Ports,
			PublishNotReadyAddresses: svc.Spec.PublishNotReadyAddresses,
		},
	}, nil
}

// templateLabelsOnly returns a pod template with only t's labels.
func templateLabelsOnly(t corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: t.Labels}}
}
