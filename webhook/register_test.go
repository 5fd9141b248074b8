package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/ballast-dev/ballast/webhook"
)

func TestRegisterServesEveryPath(t *testing.T) {
	srv := &recordingServer{hooks: map[string]http.Handler{}}
	opts := webhook.Options{Policy: staticPolicy{testPolicy()}, Reader: fake.NewClientBuilder().Build()}
	require.NoError(t, webhook.Register(srv, opts))
	paths := make([]string, 0, len(srv.hooks))
	for p := range srv.hooks {
		paths = append(paths, p)
	}
	assert.ElementsMatch(t, []string{"/mutate-pods", "/validate-workloads", "/validate-namespaces"}, paths)
}

func TestRegisterTwiceFails(t *testing.T) {
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{})
	opts := webhook.Options{Policy: staticPolicy{testPolicy()}, Reader: fake.NewClientBuilder().Build()}
	require.NoError(t, webhook.Register(srv, opts))
	assert.ErrorContains(t, webhook.Register(srv, opts), "/mutate-pods", "a second Register names the path registered already")
}

func TestRegisterFailsWithoutRequiredOptions(t *testing.T) {
	tests := map[string]webhook.Options{
		"without a policy source": {Reader: fake.NewClientBuilder().Build()},
		"without a reader":        {Policy: staticPolicy{testPolicy()}},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			srv := &recordingServer{hooks: map[string]http.Handler{}}
			assert.EqualError(t, webhook.Register(srv, opts), "webhook: Options.Policy and Options.Reader are required")
		})
	}
}

// recordingReader records the kinds read through it.
type recordingReader struct {
	client.Reader
	gets, lists []string
}

func newRecordingReader(objects ...client.Object) *recordingReader {
	r := &recordingReader{}
	r.Reader = fake.NewClientBuilder().WithObjects(append(cached(), objects...)...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			r.gets = append(r.gets, fmt.Sprintf("%T", obj))
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			r.lists = append(r.lists, fmt.Sprintf("%T", list))
			return c.List(ctx, list, opts...)
		},
	}).Build()
	return r
}

func TestHandlersReadOnlyWhatTheKindNeedsFromTheCache(t *testing.T) {
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: nsWarn},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "checkout"},
			MinReplicas:    ptr.To[int32](2), MaxReplicas: 5,
		},
	}
	tests := map[string]struct {
		path string
		// cache holds objects beside the compliant Deployment of nsWarn.
		cache []client.Object
		req   func(t *testing.T) *admissionv1.AdmissionRequest
		lists []string
	}{
		"a Pod needs the Services of its namespace": {
			path: webhook.MutatePodsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", ""))
			},
			lists: []string{"*v1.ServiceList"},
		},
		"a Deployment needs the PDBs, HPAs and Services of its namespace": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, compliantDeployment(nsWarn), nil)
			},
			lists: []string{"*v1.PodDisruptionBudgetList", "*v2.HorizontalPodAutoscalerList", "*v1.ServiceList"},
		},
		"a Deployment needs the workloads too under a PDB with minAvailable, to count its pods": {
			path: webhook.ValidateWorkloadsPath,
			cache: []client.Object{func() client.Object {
				p := checkoutPDB(nsWarn)
				p.Spec.MaxUnavailable, p.Spec.MinAvailable = nil, ptr.To(intstr.FromInt32(1))
				return p
			}()},
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, compliantDeployment(nsWarn), nil)
			},
			lists: []string{"*v1.PodDisruptionBudgetList", "*v2.HorizontalPodAutoscalerList", "*v1.ServiceList", "*v1.DeploymentList", "*v1.StatefulSetList", "*v1.DaemonSetList"},
		},
		"a PDB needs the workloads and HPAs of its namespace": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, pdbGVK, "poddisruptionbudgets", nsWarn, checkoutPDB(nsWarn), nil)
			},
			lists: []string{"*v2.HorizontalPodAutoscalerList", "*v1.DeploymentList", "*v1.StatefulSetList", "*v1.DaemonSetList"},
		},
		"an HPA needs nothing around it": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, hpaGVK, "horizontalpodautoscalers", nsWarn, hpa, nil)
			},
		},
		"nothing is listed in a namespace whose mode is off": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, deploymentGVK, "deployments", nsOff, compliantDeployment(nsOff), nil)
			},
		},
		"a Namespace change reads nothing": {
			path: webhook.ValidateNamespacesPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, namespaceGVK, "namespaces", "", namespace(nil, nil), nil)
			},
		},
	}
	cached := map[string]bool{}
	for _, obj := range webhook.CachedObjects() {
		cached[fmt.Sprintf("%T", obj)] = true
		cached[fmt.Sprintf("%TList", obj)] = true
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := newRecordingReader(append([]client.Object{compliantDeployment(nsWarn)}, tc.cache...)...)
			e := newEnv(t, options{reader: r})
			resp := e.review(t, tc.path, tc.req(t))
			require.True(t, resp.Allowed)

			assert.Equal(t, tc.lists, r.lists)
			if tc.path != webhook.ValidateNamespacesPath {
				assert.Equal(t, []string{"*v1.Namespace"}, r.gets)
			} else {
				assert.Empty(t, r.gets)
			}
			for _, kind := range slices.Concat(r.gets, r.lists) {
				assert.True(t, cached[kind], "%s is read but not in CachedObjects", kind)
			}
		})
	}
}
