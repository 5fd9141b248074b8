package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

// denyingPolicy is the test policy with onInternalError: deny.
func denyingPolicy() staticPolicy {
	p := testPolicy()
	p.Spec.OnInternalError = policy.InternalErrorDeny
	return staticPolicy{p}
}

// serveAt sends body to the handler of path at target (the path and its
// query, as the API server calls it) and returns the recorded answer.
func (e *env) serveAt(t *testing.T, path, target string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.hooks[path].ServeHTTP(rec, req)
	return rec
}

// answer decodes the AdmissionReview of rec, which must be an HTTP 200.
func answer(t *testing.T, rec *httptest.ResponseRecorder) *admissionv1.AdmissionResponse {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out admissionv1.AdmissionReview
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	require.NotNil(t, out.Response)
	assert.Equal(t, "admission.k8s.io/v1", out.APIVersion)
	assert.Equal(t, "AdmissionReview", out.Kind)
	return out.Response
}

// assertUnjudged checks an answer to a request Ballast did not judge:
// admitted with a warning that says so, or, with deny, denied with code,
// either naming why.
func assertUnjudged(t *testing.T, resp *admissionv1.AdmissionResponse, deny bool, code int32, why string) {
	t.Helper()
	assert.Equal(t, webhook.DecisionError, resp.AuditAnnotations[engine.AuditDecision])
	assert.Contains(t, resp.AuditAnnotations[webhook.AuditError], why)
	if deny {
		assert.False(t, resp.Allowed)
		require.NotNil(t, resp.Result)
		assert.Equal(t, code, resp.Result.Code)
		assert.Equal(t, "ballast: "+why, resp.Result.Message)
		return
	}
	assert.True(t, resp.Allowed)
	assert.Empty(t, resp.Patch)
	assert.Equal(t, []string{"ballast: request admitted unchecked: " + why}, resp.Warnings)
}

func TestReviewsOverTheSizeLimitAreNotRead(t *testing.T) {
	const limit = 4 << 10
	small := reviewJSON(t, podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", "")))
	require.Less(t, len(small), limit)
	bigPod := fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"namespace":%q,"annotations":{"note":%q}},"spec":{}}`,
		nsWarn, strings.Repeat("x", limit))
	big := reviewJSON(t, podRequest(t, nsWarn, bigPod))
	why := fmt.Sprintf("the review is %d bytes, over Ballast's limit of %d bytes", len(big), limit)

	for name, deny := range map[string]bool{"onInternalError allow": false, "onInternalError deny": true} {
		t.Run(name, func(t *testing.T) {
			o := options{limits: webhook.Limits{MaxRequestBytes: limit}}
			if deny {
				o.policy = denyingPolicy()
			}
			e := newEnv(t, o)

			resp := answer(t, e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath, big))
			assert.Equal(t, "uid-create-pods", string(resp.UID), "the answer is for the review, whose UID its first bytes give")
			assertUnjudged(t, resp, deny, http.StatusRequestEntityTooLarge, why)
			assert.Equal(t, 1.0, e.counter(t, "ballast_reviews_refused_total", map[string]string{"path": webhook.MutatePodsPath, "reason": "too_large"}))
			assert.Zero(t, e.counter(t, "ballast_internal_errors_total", map[string]string{"path": webhook.MutatePodsPath}))

			resp = answer(t, e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath, small))
			assert.Contains(t, string(resp.Patch), "readinessProbe", "a review within the limit is judged")
		})
	}

	t.Run("a body without a UID at its start gets an HTTP error", func(t *testing.T) {
		e := newEnv(t, options{limits: webhook.Limits{MaxRequestBytes: limit}})
		body := []byte(`{"padding":"` + strings.Repeat("x", 2*limit) + `","request":{"uid":"late"}}`)
		rec := e.serveAt(t, webhook.ValidateWorkloadsPath, webhook.ValidateWorkloadsPath, body)
		assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "the API server applies the webhook's failurePolicy")
		assert.Contains(t, rec.Body.String(), fmt.Sprintf("ballast: the review is %d bytes, over Ballast's limit of %d bytes", len(body), limit))
	})
}

// containers returns n containers named prefix-0, prefix-1, ...
func containers(prefix string, n int) []corev1.Container {
	out := make([]corev1.Container, n)
	for i := range out {
		out[i] = corev1.Container{Name: fmt.Sprintf("%s-%d", prefix, i), Image: "registry.example.com/shop/checkout:1.14.2"}
	}
	return out
}

// podWith is podJSON's Pod with init, regular and ephemeral containers
// added.
func podWith(t *testing.T, init, regular, ephemeral int) []byte {
	t.Helper()
	var pod corev1.Pod
	require.NoError(t, json.Unmarshal(podJSON(nsWarn, "ReplicaSet", ""), &pod))
	pod.Spec.InitContainers = containers("init", init)
	pod.Spec.Containers = append(pod.Spec.Containers, containers("app", regular)...)
	for _, c := range containers("debug", ephemeral) {
		pod.Spec.EphemeralContainers = append(pod.Spec.EphemeralContainers, corev1.EphemeralContainer{EphemeralContainerCommon: corev1.EphemeralContainerCommon(c)})
	}
	b, err := json.Marshal(&pod)
	require.NoError(t, err)
	return b
}

// deploymentWith is legacyDeployment with n more containers.
func deploymentWith(n int) *appsv1.Deployment {
	d := legacyDeployment(nsWarn)
	d.Spec.Template.Spec.Containers = append(d.Spec.Template.Spec.Containers, containers("app", n)...)
	return d
}

func TestObjectsWithTooManyContainersAreNotJudged(t *testing.T) {
	tests := map[string]struct {
		path string
		req  func(t *testing.T) *admissionv1.AdmissionRequest
		// why is the reason; empty: the request is judged.
		why string
	}{
		"a Pod at the limit is judged": {
			path: webhook.MutatePodsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsWarn, podWith(t, 100, 99, 50))
			},
		},
		"a Pod over the limit, counting init and ephemeral containers": {
			path: webhook.MutatePodsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsWarn, podWith(t, 100, 100, 50))
			},
			why: "the Pod in the request's object has 251 containers (init, regular and ephemeral), over Ballast's limit of 250",
		},
		"a Pod of 5,000 containers": {
			path: webhook.MutatePodsPath,
			req:  func(t *testing.T) *admissionv1.AdmissionRequest { return podRequest(t, nsWarn, podWith(t, 0, 4999, 0)) },
			why:  "the Pod in the request's object has 5000 containers (init, regular and ephemeral), over Ballast's limit of 250",
		},
		"a Pod whose containers hide behind a key of another case": {
			// The decoder matches keys case-sensitively: "Containers" is
			// not a field, so the 251 containers under "containers" are
			// what it would decode.
			path: webhook.MutatePodsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				pod := bytes.Replace(podWith(t, 0, 250, 0), []byte(`"spec":{`), []byte(`"spec":{"Containers":[],`), 1)
				return podRequest(t, nsWarn, pod)
			},
			why: "the Pod in the request's object has 251 containers",
		},
		"a Deployment over the limit": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, deploymentWith(250), nil)
			},
			why: "the Deployment's pod template in the request's object has 251 containers (init, regular and ephemeral), over Ballast's limit of 250",
		},
		"a Deployment update from an old object over the limit": {
			path: webhook.ValidateWorkloadsPath,
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return request(t, admissionv1.Update, deploymentGVK, "deployments", nsWarn, legacyDeployment(nsWarn), deploymentWith(250))
			},
			why: "the Deployment's pod template in the request's oldObject has 251 containers",
		},
	}
	for name, tc := range tests {
		for _, deny := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, deny %t", name, deny), func(t *testing.T) {
				o := options{}
				if deny {
					o.policy = denyingPolicy()
				}
				e := newEnv(t, o)
				resp := e.review(t, tc.path, tc.req(t))
				refused := e.counter(t, "ballast_reviews_refused_total", map[string]string{"path": tc.path, "reason": "too_many_containers"})
				if tc.why == "" {
					assert.NotEqual(t, webhook.DecisionError, resp.AuditAnnotations[engine.AuditDecision])
					assert.Zero(t, refused)
					return
				}
				assert.Equal(t, 1.0, refused)
				assert.Equal(t, webhook.DecisionError, resp.AuditAnnotations[engine.AuditDecision])
				if deny {
					assert.False(t, resp.Allowed)
					assert.Equal(t, int32(http.StatusRequestEntityTooLarge), resp.Result.Code)
					assert.Contains(t, resp.Result.Message, "ballast: "+tc.why)
				} else {
					assert.True(t, resp.Allowed)
					require.Len(t, resp.Warnings, 1)
					assert.Contains(t, resp.Warnings[0], "ballast: request admitted unchecked: "+tc.why)
				}
			})
		}
	}
}

// blockingReader is the cache of the tests, whose reads of the namespace
// ns block until release is closed; each blocked read first sends on
// entered.
func blockingReader(ns string, entered chan<- struct{}, release <-chan struct{}) client.Reader {
	return fake.NewClientBuilder().WithObjects(cached()...).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Namespace); ok && key.Name == ns {
				entered <- struct{}{}
				select {
				case <-release:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
}

// inFlight starts the review of a Pod in nsEnforce, whose handler blocks
// in the cache until release is closed, and returns once it holds its
// slot, with a function that waits for its answer.
func (e *env) inFlight(t *testing.T, entered <-chan struct{}) (wait func() *admissionv1.AdmissionResponse) {
	t.Helper()
	var (
		rec  *httptest.ResponseRecorder
		done sync.WaitGroup
	)
	body := reviewJSON(t, podRequest(t, nsEnforce, podJSON(nsEnforce, "ReplicaSet", "")))
	done.Go(func() { rec = e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath+"?timeout=2s", body) })
	<-entered
	return func() *admissionv1.AdmissionResponse {
		done.Wait()
		return answer(t, rec)
	}
}

func TestReviewsBeyondTheConcurrencyLimitWaitThenFollowThePolicy(t *testing.T) {
	for name, deny := range map[string]bool{"onInternalError allow": false, "onInternalError deny": true} {
		t.Run(name, func(t *testing.T) {
			entered, release := make(chan struct{}, 1), make(chan struct{})
			o := options{reader: blockingReader(nsEnforce, entered, release), limits: webhook.Limits{MaxConcurrentReviews: 1}}
			if deny {
				o.policy = denyingPolicy()
			}
			e := newEnv(t, o)
			first := e.inFlight(t, entered)
			assert.Equal(t, 1.0, gauge(t, e, "ballast_reviews_in_flight"))

			// The API server's timeout of 2s: the review waits 1s, half of
			// it, which leaves a loaded machine a second to answer in.
			body := reviewJSON(t, podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", "")))
			start := time.Now()
			resp := answer(t, e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath+"?timeout=2s", body))
			waited := time.Since(start)
			assert.GreaterOrEqual(t, waited, time.Second)
			assert.Less(t, waited, 2*time.Second, "answered before the API server gives up")
			assert.Equal(t, "uid-create-pods", string(resp.UID))
			assertUnjudged(t, resp, deny, http.StatusTooManyRequests, "the reviews being judged reach Ballast's limit of 1, and none finished within 1s")
			assert.Equal(t, 1.0, e.counter(t, "ballast_reviews_refused_total", map[string]string{"path": webhook.MutatePodsPath, "reason": "busy"}))

			// A review that finds the slot freed while it waits is judged.
			var rec *httptest.ResponseRecorder
			var waiting sync.WaitGroup
			waiting.Go(func() { rec = e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath+"?timeout=10s", body) })
			time.Sleep(50 * time.Millisecond)
			close(release)
			assert.True(t, first().Allowed)
			waiting.Wait()
			assert.Contains(t, string(answer(t, rec).Patch), "readinessProbe")
			assert.Equal(t, 1.0, e.counter(t, "ballast_reviews_refused_total", map[string]string{"path": webhook.MutatePodsPath, "reason": "busy"}))
			assert.Zero(t, gauge(t, e, "ballast_reviews_in_flight"))
			assert.Zero(t, gauge(t, e, "ballast_review_bytes_in_flight"))
		})
	}
}

func TestLargeReviewsWaitForRoomWhileSmallOnesGoAhead(t *testing.T) {
	const limit = 64 << 10
	entered, release := make(chan struct{}, 1), make(chan struct{})
	defer close(release)
	e := newEnv(t, options{
		reader: blockingReader(nsEnforce, entered, release),
		limits: webhook.Limits{MaxRequestBytes: limit, MaxConcurrentReviewBytes: limit},
	})
	// Holds its slot, and its bytes, until the end of the test.
	e.inFlight(t, entered)
	held := gauge(t, e, "ballast_review_bytes_in_flight")
	require.Positive(t, held)

	// A review that fits within the limit, but not beside the one in
	// flight, waits, and is refused when no room comes.
	bigPod := func(note int) []byte {
		return reviewJSON(t, podRequest(t, nsWarn, fmt.Appendf(nil,
			`{"apiVersion":"v1","kind":"Pod","metadata":{"namespace":%q,"annotations":{"note":%q}},"spec":{}}`, nsWarn, strings.Repeat("x", note))))
	}
	big := bigPod(limit - int(held)/2 - len(bigPod(0)))
	require.Less(t, len(big), limit)
	require.Greater(t, len(big)+int(held), limit)
	var rec *httptest.ResponseRecorder
	var waiting sync.WaitGroup
	waiting.Go(func() { rec = e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath+"?timeout=1s", big) })

	// Meanwhile small reviews go ahead.
	small := reviewJSON(t, podRequest(t, nsWarn, podJSON(nsWarn, "ReplicaSet", "")))
	for range 3 {
		resp := answer(t, e.serveAt(t, webhook.MutatePodsPath, webhook.MutatePodsPath+"?timeout=1s", small))
		assert.Contains(t, string(resp.Patch), "readinessProbe")
	}
	waiting.Wait()
	assertUnjudged(t, answer(t, rec), false, http.StatusTooManyRequests, fmt.Sprintf(
		"the reviews being judged hold %d bytes, and this one's %d would exceed Ballast's limit of %d, and none finished within 500ms",
		int(held), len(big), limit))
}

// gauge returns the value of the gauge name.
func gauge(t *testing.T, e *env, name string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

func TestRegisterRefusesLimitsOutOfRange(t *testing.T) {
	tests := map[string]struct {
		limits webhook.Limits
		err    string
	}{
		"a request larger than controller-runtime reads": {
			limits: webhook.Limits{MaxRequestBytes: 8 << 20},
			err:    "the largest review, 8388608 bytes, must be positive and at most 7340032 bytes, controller-runtime's own limit",
		},
		"fewer bytes in flight than the largest review": {
			limits: webhook.Limits{MaxRequestBytes: 1 << 20, MaxConcurrentReviewBytes: 1 << 10},
			err:    "the most bytes of reviews judged at once, 1024, must be at least the largest review, 1048576 bytes",
		},
		"negative counts": {
			limits: webhook.Limits{MaxContainers: -1, MaxConcurrentReviews: -1},
			err:    "the most containers of a pod, -1, must be positive\nthe most reviews judged at once, -1, must be positive",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := webhook.Register(ctrlwebhook.NewServer(ctrlwebhook.Options{}),
				webhook.Options{Policy: staticPolicy{testPolicy()}, Reader: fake.NewClientBuilder().Build(), Limits: tc.limits})
			require.ErrorContains(t, err, tc.err)
		})
	}
	limits, err := webhook.Limits{}.WithDefaults()
	require.NoError(t, err)
	assert.Equal(t, webhook.Limits{MaxRequestBytes: 7 << 20, MaxContainers: 250, MaxConcurrentReviews: 32, MaxConcurrentReviewBytes: 8 << 20}, limits)
}
