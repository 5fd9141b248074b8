package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

// now is the fixed clock of the tests.
var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Namespaces of each mode the tests send requests to.
const (
	nsEnforce = "shop-enforce"
	nsWarn    = "shop-warn"
	nsDryRun  = "shop-dryrun"
	nsOff     = "shop-off"
	nsExempt  = "shop-exempt"  // exempted centrally from every rule
	nsExpired = "shop-expired" // its exemption has expired
	nsUnknown = "shop-new"     // not in the cache: the policy default applies
)

// adminGroup is the group the test policy names as namespaceAdmins.
const adminGroup = "platform-admins"

// staticPolicy is a PolicySource that always gives the same policy.
type staticPolicy struct{ p *policy.Policy }

func (s staticPolicy) Policy() *policy.Policy { return s.p }

// testPolicy is the default policy in dryrun by default, with a central
// exemption for nsExempt, an expired one for nsExpired, and adminGroup as
// the namespace admins.
func testPolicy() *policy.Policy {
	p := policy.Default()
	p.Spec.NamespaceAdmins = policy.Subjects{Groups: []string{adminGroup}}
	p.Spec.Exemptions = []policy.Exemption{
		{Name: "shop-migration", Namespaces: []string{nsExempt}, Rules: []string{policy.AllRules}, Reason: "migrating", Owner: "team-shop"},
		{Name: "old-waiver", Namespaces: []string{nsExpired}, Rules: []string{policy.AllRules}, Reason: "waived",
			Expires: &metav1.Time{Time: now.Add(-24 * time.Hour)}},
	}
	return p
}

// namespaces returns the cached Namespaces of the tests.
func namespaces() []client.Object {
	ns := func(name, mode string) client.Object {
		o := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if mode != "" {
			o.Labels = map[string]string{policy.ModeLabel: mode}
		}
		return o
	}
	return []client.Object{
		ns(nsEnforce, "enforce"), ns(nsWarn, "warn"), ns(nsDryRun, "dryrun"), ns(nsOff, "off"),
		ns(nsExempt, "enforce"), ns(nsExpired, "enforce"),
	}
}

// services returns the Services of each namespace of the tests, as the
// apps of the tests have them in real life: each selects the pods of one
// app and sends its port 80 to their container port named http. The pods
// of podJSON are app=checkout, those of legacyDeployment app=legacy-api and
// those of compliantDeployment app.kubernetes.io/name=checkout.
func services() []client.Object {
	var out []client.Object
	for _, ns := range []string{nsEnforce, nsWarn, nsDryRun, nsOff, nsExempt, nsExpired, nsUnknown} {
		out = append(out,
			service(ns, "checkout", map[string]string{"app": "checkout"}),
			service(ns, "legacy-api", map[string]string{"app": "legacy-api"}),
			service(ns, "checkout-api", map[string]string{"app.kubernetes.io/name": "checkout"}),
		)
	}
	return out
}

// service returns the Service namespace/name over the pods selector
// selects, which sends its port 80 to their container port named http.
func service(namespace, name string, selector map[string]string) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: corev1.ServiceSpec{
			Selector: selector,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

// cached returns what the informer cache holds in the tests: namespaces()
// and services().
func cached() []client.Object { return append(namespaces(), services()...) }

// env is a set of registered handlers, each served through its
// admission.Webhook's ServeHTTP, and the registry of their metrics.
type env struct {
	hooks map[string]http.Handler
	reg   *prometheus.Registry
}

// recordingServer captures what Register registers.
type recordingServer struct {
	ctrlwebhook.Server
	hooks map[string]http.Handler
}

func (s *recordingServer) Register(path string, hook http.Handler) { s.hooks[path] = hook }

// options are what newEnv varies.
type options struct {
	policy  webhook.PolicySource
	reader  client.Reader
	objects []client.Object
	// namespaceReader is the live reader of namespaces the cache misses.
	namespaceReader client.Reader
	// limits are the Limits; zero fields take their defaults.
	limits webhook.Limits
}

// newEnv registers the handlers with the test policy, over a fake client
// standing in for the informer cache, seeded with cached() and objects;
// o overrides the defaults.
func newEnv(t testing.TB, o options) *env {
	t.Helper()
	if o.policy == nil {
		o.policy = staticPolicy{testPolicy()}
	}
	if o.reader == nil {
		o.reader = fake.NewClientBuilder().WithObjects(append(cached(), o.objects...)...).Build()
	}
	reg := prometheus.NewRegistry()
	srv := &recordingServer{hooks: map[string]http.Handler{}}
	require.NoError(t, webhook.Register(srv, webhook.Options{
		Policy:          o.policy,
		Reader:          o.reader,
		NamespaceReader: o.namespaceReader,
		Now:             func() time.Time { return now },
		Metrics:         metrics.NewRecorder(reg),
		Limits:          o.limits,
	}))
	e := &env{hooks: map[string]http.Handler{}, reg: reg}
	require.Len(t, srv.hooks, 3)
	for path, h := range srv.hooks {
		// Each path's admission.Webhook stands behind the gate that
		// enforces the limits.
		gate, ok := h.(interface{ Unwrap() http.Handler })
		require.True(t, ok, "%s: registered %T, want the gate of the limits", path, h)
		wh, ok := gate.Unwrap().(*admission.Webhook)
		require.True(t, ok, "%s: the gate serves %T, want *admission.Webhook", path, gate.Unwrap())
		require.NotNil(t, wh.RecoverPanic)
		require.True(t, *wh.RecoverPanic)
		withLogger(t, wh)
		e.hooks[path] = h
	}
	return e
}

// TestMain fulfils controller-runtime's global logger, as ctrl.SetLogger
// does in the server, with one that discards: until it is set, every
// logger derived from it is kept in memory, waiting. Tests give each
// webhook a testr logger of their own instead (withLogger).
func TestMain(m *testing.M) {
	logf.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// withLogger makes wh log through testr under a *testing.T (changing wh
// itself); under benchmarks and fuzzing it logs through the global
// logger, which discards.
func withLogger(t testing.TB, wh *admission.Webhook) http.Handler {
	t.Helper()
	tt, ok := t.(*testing.T)
	if !ok {
		return wh
	}
	h, err := admission.StandaloneWebhook(wh, admission.StandaloneOptions{Logger: testr.New(tt)})
	require.NoError(t, err)
	return h
}

// post sends body to the handler of path as the API server does and
// returns the HTTP status and the decoded response.
func (e *env) post(t testing.TB, path string, body []byte) (int, *admissionv1.AdmissionResponse) {
	t.Helper()
	h, ok := e.hooks[path]
	require.True(t, ok, "no handler at %s", path)
	var r io.Reader // nil: no body, as net/http's server gives an empty one
	if len(body) > 0 {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, r)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out admissionv1.AdmissionReview
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), "response: %s", rec.Body.String())
	require.NotNil(t, out.Response)
	return rec.Code, out.Response
}

// review sends an AdmissionReview for req to path and returns the response.
func (e *env) review(t testing.TB, path string, req *admissionv1.AdmissionRequest) *admissionv1.AdmissionResponse {
	t.Helper()
	code, resp := e.post(t, path, reviewJSON(t, req))
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, req.UID, resp.UID)
	return resp
}

// counter returns the value of the counter name{labels}, 0 when it has no
// such series.
func (e *env) counter(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := e.reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// reviewJSON encodes req in an admission.k8s.io/v1 AdmissionReview.
func reviewJSON(t testing.TB, req *admissionv1.AdmissionRequest) []byte {
	t.Helper()
	b, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  req,
	})
	require.NoError(t, err)
	return b
}

// tenant is the user of tenant requests.
var tenant = authenticationv1.UserInfo{Username: "alice@example.com", Groups: []string{"team-shop", "system:authenticated"}}

// request builds an AdmissionRequest of op for obj (raw JSON or a typed
// object), with oldObj for UPDATE, as the API server sends it.
func request(t testing.TB, op admissionv1.Operation, gvk metav1.GroupVersionKind, resource, namespace string, obj, oldObj any) *admissionv1.AdmissionRequest {
	t.Helper()
	req := &admissionv1.AdmissionRequest{
		UID:       types.UID("uid-" + strings.ToLower(string(op)) + "-" + resource),
		Kind:      gvk,
		Resource:  metav1.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: resource},
		Namespace: namespace,
		Operation: op,
		UserInfo:  tenant,
		DryRun:    ptr.To(false),
	}
	req.Object = raw(t, obj)
	if oldObj != nil {
		req.OldObject = raw(t, oldObj)
	}
	if m, ok := obj.(metav1.Object); ok {
		req.Name = m.GetName()
	}
	return req
}

func raw(t testing.TB, obj any) runtime.RawExtension {
	t.Helper()
	if b, ok := obj.([]byte); ok {
		return runtime.RawExtension{Raw: b}
	}
	b, err := json.Marshal(obj)
	require.NoError(t, err)
	return runtime.RawExtension{Raw: b}
}

// The kinds of the requests.
var (
	podGVK        = metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}
	deploymentGVK = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	namespaceGVK  = metav1.GroupVersionKind{Version: "v1", Kind: "Namespace"}
)

// legacyDeployment is a Deployment as many teams first write it: one
// replica, no probes, no resources, a floating tag.
func legacyDeployment(namespace string) *appsv1.Deployment {
	labels := map[string]string{"app": "legacy-api"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "legacy-api", Namespace: namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "api",
					Image: "registry.example.com/shop/legacy-api:latest",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}},
				}}},
			},
		},
	}
}
