package engine

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// settings returns the default policy resolved to mode.
func settings(t testing.TB, mode policy.Mode, exemptions ...policy.ExemptionRef) *policy.Settings {
	t.Helper()
	p := policy.Default()
	return &policy.Settings{Namespace: "shop", Mode: mode, ModeSource: "test", Exemptions: exemptions, Spec: &p.Spec}
}

// webContainer serves HTTP on 8080 and has requests and limits but no
// probes or lifecycle.
func webContainer(name string) corev1.Container {
	return corev1.Container{
		Name:  name,
		Image: "registry.example.com/shop/" + name + ":1.4.2",
		Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
		},
	}
}

// replicaSetPod is a Pod as the ReplicaSet controller sends it to
// admission: generateName, a controller ownerReference, API defaults.
func replicaSetPod(containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: "web-7d4b9c-",
			Namespace:    "shop",
			Labels:       map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d4b9c", UID: "1", Controller: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{
			Containers:                    containers,
			TerminationGracePeriodSeconds: ptr.To[int64](30),
		},
	}
}

// deployment returns a Deployment of the containers.
func deployment(replicas *int32, containers ...corev1.Container) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Replicas: replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
}

// compliant makes a container pass every rule without any mutation.
func compliant(c corev1.Container) corev1.Container {
	c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8080)}}}
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
	c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	return c
}

// webService is the Service in front of the pods of replicaSetPod and
// deployment, as they have it in real life: it selects app=web and sends
// its port 80 to the container port named http.
func webService() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

// routed returns the neighbours of a pod or workload that webService
// routes traffic to.
func routed() workload.Related {
	return workload.Related{Services: []*corev1.Service{webService()}}
}

// etcdPod is a Pod as the StatefulSet controller sends it to admission for
// an etcd member: a client and a peer port, no probes.
func etcdPod() *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      "etcd-0",
			Namespace: "shop",
			Labels:    map[string]string{"app": "etcd"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "StatefulSet", Name: "etcd", UID: "2", Controller: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "etcd",
				Image: "registry.k8s.io/etcd:3.5.21-0",
				Ports: []corev1.ContainerPort{{Name: "client", ContainerPort: 2379}, {Name: "peer", ContainerPort: 2380}},
			}},
			TerminationGracePeriodSeconds: ptr.To[int64](30),
		},
	}
}

// etcdPeers is the headless Service through which etcd members find each
// other: it publishes not-ready addresses, so that members can reach their
// peers before they are ready, and holds no traffic back.
func etcdPeers() *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "etcd", Namespace: "shop"},
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			Selector:                 map[string]string{"app": "etcd"},
			PublishNotReadyAddresses: true,
			Ports: []corev1.ServicePort{
				{Name: "client", Port: 2379, TargetPort: intstr.FromString("client")},
				{Name: "peer", Port: 2380, TargetPort: intstr.FromString("peer")},
			},
		},
	}
}
