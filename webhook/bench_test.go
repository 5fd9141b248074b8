package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/testutil/barefloor"
	"github.com/ballast-dev/ballast/webhook"
)

// The benchmarks serve the same AdmissionReview bodies through
// admission.Webhook.ServeHTTP. BenchmarkBareFloor does what any webhook
// must (decode the review and the object in it, encode an answer), so the
// ratio of the others to it is the cost of Ballast's own logic: reading
// the namespace and its neighbours, the engine, the patch, the response.
//
//	go test ./webhook/ -run '^$' -bench . -benchmem

// BenchmarkMutatePod mutates a ReplicaSet's Pod in a warn namespace, behind
// its Service: the full path, readiness probe and patch included.
func BenchmarkMutatePod(b *testing.B) {
	e := newEnv(b, options{reader: benchReader()})
	req := podRequest(b, nsWarn, podJSON(nsWarn, "ReplicaSet", ""))
	resp := e.review(b, webhook.MutatePodsPath, req)
	require.Contains(b, string(resp.Patch), "readinessProbe")
	serve(b, e.hooks[webhook.MutatePodsPath], reviewJSON(b, req))
}

// BenchmarkValidateDeployment judges the legacy Deployment in a warn
// namespace that holds ten PodDisruptionBudgets, five
// HorizontalPodAutoscalers and the Deployment's Service: every rule fires
// and every pod default is announced.
func BenchmarkValidateDeployment(b *testing.B) {
	e := newEnv(b, options{reader: benchReader()})
	req := request(b, admissionv1.Create, deploymentGVK, "deployments", nsWarn, legacyDeployment(nsWarn), nil)
	require.Contains(b, e.review(b, webhook.ValidateWorkloadsPath, req).Warnings,
		"readiness-probe: pods get readinessProbe tcpSocket :8080 (api)")
	serve(b, e.hooks[webhook.ValidateWorkloadsPath], reviewJSON(b, req))
}

// BenchmarkBareFloor decodes the same reviews, and the object in each,
// and answers allowed, with nothing evaluated.
func BenchmarkBareFloor(b *testing.B) {
	scheme := runtime.NewScheme()
	require.NoError(b, corev1.AddToScheme(scheme))
	require.NoError(b, appsv1.AddToScheme(scheme))
	dec := admission.NewDecoder(scheme)
	floor := func(obj func() runtime.Object) http.Handler {
		return withLogger(b, &admission.Webhook{Handler: barefloor.Handler(dec, obj)})
	}
	b.Run("pod", func(b *testing.B) {
		serve(b, floor(func() runtime.Object { return &corev1.Pod{} }),
			reviewJSON(b, podRequest(b, nsWarn, podJSON(nsWarn, "ReplicaSet", ""))))
	})
	b.Run("deployment", func(b *testing.B) {
		serve(b, floor(func() runtime.Object { return &appsv1.Deployment{} }),
			reviewJSON(b, request(b, admissionv1.Create, deploymentGVK, "deployments", nsWarn, legacyDeployment(nsWarn), nil)))
	})
}

// serve posts body to h b.N times, reusing the request and discarding the
// response, so that the loop measures the webhook alone.
func serve(b *testing.B, h http.Handler, body []byte) {
	b.Helper()
	r := bytes.NewReader(body)
	req, err := http.NewRequestWithContext(b.Context(), http.MethodPost, "/", r)
	require.NoError(b, err)
	req.Header.Set("Content-Type", "application/json")
	w := &discardWriter{header: http.Header{}}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		r.Reset(body)
		req.Body = io.NopCloser(r)
		h.ServeHTTP(w, req)
	}
	if w.code != 0 && w.code != http.StatusOK {
		b.Fatalf("HTTP %d", w.code)
	}
}

// discardWriter is an http.ResponseWriter that keeps nothing.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// benchReader returns a memReader holding the test namespaces, and ten
// PodDisruptionBudgets, five HorizontalPodAutoscalers, ten Deployments and
// the Services of the Pod and the Deployment the benchmarks send in nsWarn.
func benchReader() *memReader {
	r := &memReader{namespaces: map[string]*corev1.Namespace{}}
	for _, o := range namespaces() {
		r.namespaces[o.GetName()] = o.(*corev1.Namespace)
	}
	for i := range 10 {
		r.pdbs = append(r.pdbs, policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: nsWarn},
			Spec: policyv1.PodDisruptionBudgetSpec{
				MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": fmt.Sprintf("svc-%d", i)}},
			},
		})
	}
	for i := range 5 {
		r.hpas = append(r.hpas, autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: nsWarn},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: fmt.Sprintf("svc-%d", i)},
				MinReplicas:    ptr.To[int32](2), MaxReplicas: 10,
			},
		})
	}
	for i := range 10 {
		// As the cache holds them: the pod template spec stripped.
		labels := map[string]string{"app": fmt.Sprintf("svc-%d", i)}
		r.workloads = append(r.workloads, appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: nsWarn},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](3),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
			},
		})
	}
	for _, o := range services() {
		if o.GetNamespace() == nsWarn {
			r.services = append(r.services, *o.(*corev1.Service))
		}
	}
	return r
}

// memReader stands in for the informer cache in benchmarks. Like the cache
// read with client.UnsafeDisableDeepCopy, it answers from memory with
// shallow copies; the fake client, a tracker that converts and deep-copies
// every object, would overstate the cost of a read many times over.
type memReader struct {
	namespaces map[string]*corev1.Namespace
	pdbs       []policyv1.PodDisruptionBudget
	hpas       []autoscalingv2.HorizontalPodAutoscaler
	services   []corev1.Service
	workloads  []appsv1.Deployment
}

func (r *memReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	ns, ok := obj.(*corev1.Namespace)
	if !ok {
		return fmt.Errorf("memReader: cannot get a %T", obj)
	}
	src, found := r.namespaces[key.Name]
	if !found {
		return apierrors.NewNotFound(corev1.Resource("namespaces"), key.Name)
	}
	*ns = *src
	return nil
}

func (r *memReader) List(_ context.Context, list client.ObjectList, _ ...client.ListOption) error {
	switch l := list.(type) {
	case *policyv1.PodDisruptionBudgetList:
		l.Items = slices.Clone(r.pdbs)
	case *autoscalingv2.HorizontalPodAutoscalerList:
		l.Items = slices.Clone(r.hpas)
	case *corev1.ServiceList:
		l.Items = slices.Clone(r.services)
	case *appsv1.DeploymentList:
		l.Items = slices.Clone(r.workloads)
	case *appsv1.StatefulSetList, *appsv1.DaemonSetList:
	default:
		return fmt.Errorf("memReader: cannot list %T", list)
	}
	return nil
}
