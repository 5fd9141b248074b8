package webhook_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

func TestMalformedRequestsGetAClearError(t *testing.T) {
	configMapGVK := metav1.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	tests := map[string]struct {
		path string
		body func(t *testing.T) []byte
		// message is part of the error message.
		message string
	}{
		"a body that is not JSON": {
			path: webhook.MutatePodsPath, body: func(*testing.T) []byte { return []byte("{not json") },
			message: "couldn't get version/kind",
		},
		"an empty body": {
			path: webhook.ValidateWorkloadsPath, body: func(*testing.T) []byte { return nil },
			message: "request body is empty",
		},
		"a review without a request": {
			path: webhook.ValidateNamespacesPath,
			body: func(*testing.T) []byte {
				return []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`)
			},
			message: `the request has no known operation: ""`,
		},
		"a Pod whose spec is not an object": {
			path: webhook.MutatePodsPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, podRequest(t, nsWarn, []byte(`{"apiVersion":"v1","kind":"Pod","spec":"nope"}`)))
			},
			message: "cannot decode the Pod in the request's object: ",
		},
		"a Pod request without an object": {
			path: webhook.MutatePodsPath,
			body: func(t *testing.T) []byte {
				req := podRequest(t, nsWarn, nil)
				req.Object.Raw = nil
				return reviewJSON(t, req)
			},
			message: "cannot decode the Pod in the request's object: there is no content to decode",
		},
		"a Pod request that carries a Deployment": {
			path: webhook.MutatePodsPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, podRequest(t, nsWarn, raw(t, legacyDeployment(nsWarn)).Raw))
			},
			message: "cannot decode the Pod in the request's object: ",
		},
		"a Deployment update whose old object does not decode": {
			path: webhook.ValidateWorkloadsPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, request(t, admissionv1.Update, deploymentGVK, "deployments", nsWarn,
					legacyDeployment(nsWarn), []byte(`{"apiVersion":"apps/v1","kind":"Deployment","spec":[]}`)))
			},
			message: "cannot decode the Deployment in the request's oldObject: ",
		},
		"a Pod sent to the workload path": {
			path: webhook.ValidateWorkloadsPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", "")))
			},
			message: "the /validate-workloads webhook serves apps/v1 Deployment, apps/v1 StatefulSet, apps/v1 DaemonSet, " +
				"apps/v1 ReplicaSet, v1 ReplicationController, autoscaling/v2 HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget, autoscaling/v1 Scale, not v1 Pod",
		},
		"a ConfigMap sent to the Pod path": {
			path: webhook.MutatePodsPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, request(t, admissionv1.Create, configMapGVK, "configmaps", nsWarn, []byte(`{}`), nil))
			},
			message: "the /mutate-pods webhook serves v1 Pod, not v1 ConfigMap",
		},
		"an HPA in a version the webhook does not ask for": {
			path: webhook.ValidateWorkloadsPath,
			body: func(t *testing.T) []byte {
				gvk := metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler"}
				return reviewJSON(t, request(t, admissionv1.Create, gvk, "horizontalpodautoscalers", nsWarn, []byte(`{}`), nil))
			},
			message: "not autoscaling/v1 HorizontalPodAutoscaler",
		},
		"a Namespace request without a kind": {
			path: webhook.ValidateNamespacesPath,
			body: func(t *testing.T) []byte {
				return reviewJSON(t, request(t, admissionv1.Create, metav1.GroupVersionKind{}, "", "", []byte(`{}`), nil))
			},
			message: "not an object without a kind",
		},
		"a Pod request without a namespace": {
			path:    webhook.MutatePodsPath,
			body:    func(t *testing.T) []byte { return reviewJSON(t, podRequest(t, "", podJSON("", "ReplicaSet", ""))) },
			message: "the request names no namespace",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			code, resp := e.post(t, tc.path, tc.body(t))
			assert.Equal(t, http.StatusOK, code, "admission errors travel in the response")
			assert.False(t, resp.Allowed)
			require.NotNil(t, resp.Result)
			assert.Equal(t, int32(http.StatusBadRequest), resp.Result.Code)
			assert.Contains(t, resp.Result.Message, tc.message)
			assert.Zero(t, e.counter(t, "ballast_internal_errors_total", map[string]string{"path": tc.path}))
		})
	}
}

// failingReader is a cache that cannot be read.
func failingReader(getErr, listErr error) client.Reader {
	return fake.NewClientBuilder().WithObjects(cached()...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if getErr != nil {
				return getErr
			}
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if listErr != nil {
				return listErr
			}
			return c.List(ctx, list, opts...)
		},
	}).Build()
}

// panickingReader is a cache whose reads panic.
func panickingReader() client.Reader {
	return fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
		Get: func(context.Context, client.WithWatch, client.ObjectKey, client.Object, ...client.GetOption) error {
			panic("index out of range")
		},
	}).Build()
}

func TestInternalErrorsFollowThePolicy(t *testing.T) {
	denying := testPolicy()
	denying.Spec.OnInternalError = policy.InternalErrorDeny
	cacheDown := errors.New("cache stopped")

	tests := map[string]struct {
		path    string
		req     func(t *testing.T) *admissionv1.AdmissionRequest
		opts    options
		deny    bool
		message string
	}{
		"a namespace read error admits the Pod with a warning by default": {
			path: webhook.MutatePodsPath, opts: options{reader: failingReader(cacheDown, nil)},
			message: `reading namespace "shop-warn" from the cache: cache stopped`,
		},
		"a namespace read error denies the Pod when the policy says deny": {
			path: webhook.MutatePodsPath, opts: options{reader: failingReader(cacheDown, nil), policy: staticPolicy{denying}},
			deny: true, message: `reading namespace "shop-warn" from the cache: cache stopped`,
		},
		"a list error admits the Pod with a warning by default": {
			path: webhook.MutatePodsPath, opts: options{reader: failingReader(nil, cacheDown)},
			message: `listing Services in "shop-warn" from the cache: cache stopped`,
		},
		"a list error admits the Deployment with a warning by default": {
			path: webhook.ValidateWorkloadsPath, opts: options{reader: failingReader(nil, cacheDown)},
			message: `listing PodDisruptionBudgets in "shop-warn" from the cache: cache stopped`,
		},
		"a list error denies the Deployment when the policy says deny": {
			path: webhook.ValidateWorkloadsPath, opts: options{reader: failingReader(nil, cacheDown), policy: staticPolicy{denying}},
			deny: true, message: `listing PodDisruptionBudgets in "shop-warn" from the cache: cache stopped`,
		},
		"no policy loaded admits with a warning": {
			path: webhook.ValidateWorkloadsPath, opts: options{policy: staticPolicy{}},
			message: "no policy loaded",
		},
		"no policy loaded admits a namespace change with a warning": {
			path: webhook.ValidateNamespacesPath, opts: options{policy: staticPolicy{}},
			message: "no policy loaded",
		},
		"a panic admits with a warning by default": {
			path: webhook.MutatePodsPath, opts: options{reader: panickingReader()},
			message: "panic: index out of range",
		},
		"a panic denies when the policy says deny": {
			path: webhook.MutatePodsPath, opts: options{reader: panickingReader(), policy: staticPolicy{denying}},
			deny: true, message: "panic: index out of range",
		},
	}
	requests := map[string]func(t *testing.T) *admissionv1.AdmissionRequest{
		webhook.MutatePodsPath: func(t *testing.T) *admissionv1.AdmissionRequest {
			return podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", ""))
		},
		webhook.ValidateWorkloadsPath: func(t *testing.T) *admissionv1.AdmissionRequest {
			return request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, legacyDeployment(nsWarn), nil)
		},
		webhook.ValidateNamespacesPath: func(t *testing.T) *admissionv1.AdmissionRequest {
			return request(t, admissionv1.Create, namespaceGVK, "namespaces", "",
				namespace(map[string]string{policy.ModeLabel: "off"}, nil), nil)
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			resp := e.review(t, tc.path, requests[tc.path](t))

			require.NotNil(t, resp.Result)
			if tc.deny {
				assert.False(t, resp.Allowed)
				assert.Equal(t, int32(http.StatusInternalServerError), resp.Result.Code)
				assert.Equal(t, "ballast: internal error: "+tc.message, resp.Result.Message)
				assert.Empty(t, resp.Warnings)
			} else {
				assert.True(t, resp.Allowed)
				assert.Nil(t, resp.Patch)
				require.Len(t, resp.Warnings, 1)
				assert.Equal(t, "ballast: internal error, request admitted unchecked: "+tc.message, resp.Warnings[0])
			}
			assert.Equal(t, webhook.DecisionError, resp.AuditAnnotations[engine.AuditDecision])
			assert.True(t, strings.HasPrefix(resp.AuditAnnotations[webhook.AuditError], tc.message))
			assert.Equal(t, 1.0, e.counter(t, "ballast_internal_errors_total", map[string]string{"path": tc.path}))
		})
	}
}
