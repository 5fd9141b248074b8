package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/webhook"
)

// The kinds of review the -kind flag selects.
const (
	kindPod        = "pod"
	kindDeployment = "deployment"
)

// What every answer must hold to show that the readiness probe is
// injected where the seeded Services route: the patch operation that adds
// it to a Pod's serving container, the warning that announces it for a
// Deployment's pods.
const (
	readinessPatch   = `"/spec/containers/0/readinessProbe"`
	readinessWarning = "readiness-probe: pods get readinessProbe "
)

// review is one AdmissionReview to send, ready to go.
type review struct {
	path string
	uid  types.UID
	body []byte
	// check says what is wrong with the answer, or nil.
	check func(*admissionv1.AdmissionResponse) error
}

// newReviews returns one review of kind per seeded namespace, with UIDs of
// their own; the load goes round them.
func newReviews(kind string, namespaces int) ([]review, error) {
	out := make([]review, 0, namespaces)
	for i := range namespaces {
		var (
			r   review
			err error
		)
		ns := namespaceName(i)
		uid := types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
		switch kind {
		case kindPod:
			r, err = podReview(ns, uid)
		case kindDeployment:
			r, err = deploymentReview(ns, uid)
		default:
			return nil, fmt.Errorf("unknown kind %q", kind)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// podReview is the review the API server sends when the ReplicaSet
// controller creates a pod of a Deployment: the pod as the API server has
// defaulted it, a serving container and a metrics sidecar, the
// service-account token volume. In a warn namespace, where the seeded
// Service web routes to the pod's port http, Ballast answers with a patch
// that injects the readiness probe among the other defaults.
func podReview(ns string, uid types.UID) (review, error) {
	pod := &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace:    ns,
			GenerateName: "web-7d9f8b6c5d-",
			Labels:       map[string]string{"app": "web", "pod-template-hash": "7d9f8b6c5d"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8b6c5d",
				UID: "6f1c1b1e-8d3a-4a57-9d51-1b0f8d1f7a11", Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{
				{
					Name:  "web",
					Image: "registry.example.com/shop/web:1.4.2",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
					Env:   []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "PORT", Value: "8080"}},
					Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
					},
					VolumeMounts:             []corev1.VolumeMount{tokenMount()},
					TerminationMessagePath:   corev1.TerminationMessagePathDefault,
					TerminationMessagePolicy: corev1.TerminationMessageReadFile,
					ImagePullPolicy:          corev1.PullIfNotPresent,
				},
				{
					Name:                     "metrics-exporter",
					Image:                    "registry.example.com/observability/exporter:0.9.1",
					Ports:                    []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
					VolumeMounts:             []corev1.VolumeMount{tokenMount()},
					TerminationMessagePath:   corev1.TerminationMessagePathDefault,
					TerminationMessagePolicy: corev1.TerminationMessageReadFile,
					ImagePullPolicy:          corev1.PullIfNotPresent,
				},
			},
			Volumes:                       []corev1.Volume{tokenVolume()},
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            "default",
			SecurityContext:               &corev1.PodSecurityContext{},
			SchedulerName:                 corev1.DefaultSchedulerName,
			EnableServiceLinks:            ptr.To(true),
			PreemptionPolicy:              ptr.To(corev1.PreemptLowerPriority),
			Priority:                      ptr.To[int32](0),
		},
	}
	r, err := newReview(webhook.MutatePodsPath, uid, ns, pod, metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		metav1.GroupVersionResource{Version: "v1", Resource: "pods"}, "system:serviceaccount:kube-system:replicaset-controller")
	r.check = func(resp *admissionv1.AdmissionResponse) error {
		if !resp.Allowed || !bytes.Contains(resp.Patch, []byte(readinessPatch)) {
			return fmt.Errorf("want an allowed answer with a patch that adds %s, got allowed=%t and a patch of %d bytes", readinessPatch, resp.Allowed, len(resp.Patch))
		}
		return nil
	}
	return r, err
}

// deploymentReview is the review of a tenant creating the Deployment every
// tenant writes first: one replica, no probes, no resources. In a warn
// namespace, where the seeded Service checkout routes to its port http,
// Ballast admits it with a warning per finding and per mutation its pods
// will receive, the readiness probe among them.
func deploymentReview(ns string, uid types.UID) (review, error) {
	labels := map[string]string{"app": "checkout"}
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "checkout", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "checkout",
					Image: "registry.example.com/shop/checkout:2.3.0",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				}}},
			},
		},
	}
	r, err := newReview(webhook.ValidateWorkloadsPath, uid, ns, d, metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
		metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, "jane@example.com")
	r.check = func(resp *admissionv1.AdmissionResponse) error {
		if !resp.Allowed || !slices.ContainsFunc(resp.Warnings, func(w string) bool { return strings.HasPrefix(w, readinessWarning) }) {
			return fmt.Errorf("want an allowed answer with a warning %q..., got allowed=%t and warnings %q", readinessWarning, resp.Allowed, resp.Warnings)
		}
		return nil
	}
	return r, err
}

// newReview marshals the AdmissionReview of user creating obj.
func newReview(path string, uid types.UID, ns string, obj runtime.Object, kind metav1.GroupVersionKind, res metav1.GroupVersionResource, user string) (review, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return review{}, fmt.Errorf("encoding the %s: %w", kind.Kind, err)
	}
	body, err := json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       uid,
			Kind:      kind,
			Resource:  res,
			Namespace: ns,
			Operation: admissionv1.Create,
			UserInfo:  authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}},
			Object:    runtime.RawExtension{Raw: raw},
			DryRun:    ptr.To(false),
			Options:   runtime.RawExtension{Raw: []byte(`{"apiVersion":"meta.k8s.io/v1","kind":"CreateOptions"}`)},
		},
	})
	if err != nil {
		return review{}, fmt.Errorf("encoding the review: %w", err)
	}
	return review{path: path, uid: uid, body: body}, nil
}

// verify checks an answer to r: an AdmissionReview with r's UID and what
// r.check wants.
func (r *review) verify(ar *admissionv1.AdmissionReview) error {
	switch {
	case ar.Response == nil:
		return errors.New("the answer has no response")
	case ar.Response.UID != r.uid:
		return fmt.Errorf("the answer is for UID %q, not %q", ar.Response.UID, r.uid)
	}
	return r.check(ar.Response)
}

// tokenVolume is the projected service-account token volume the API server
// adds to every pod.
func tokenVolume() corev1.Volume {
	return corev1.Volume{
		Name: "kube-api-access-x7k2p",
		VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To[int32](0o644),
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To[int64](3607)}},
				{ConfigMap: &corev1.ConfigMapProjection{
					LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items:                []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}},
				}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
					Path:     "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
				}}}},
			},
		}},
	}
}

func tokenMount() corev1.VolumeMount {
	return corev1.VolumeMount{Name: "kube-api-access-x7k2p", ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}
}
