package chart_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/cert-manager/cert-manager/pkg/controller/cainjector"
	"github.com/go-logr/logr/testr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/internal/server"
	testchart "github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/reportcrds"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/webhook"
)

// TestChartOnAnAPIServer installs what the chart renders into a real API
// server, with cert-manager's and the Prometheus Operator's
// CustomResourceDefinitions, so that a schema error in any object fails
// here. Its subtests share the control plane and
// run in order; each removes the webhook configurations it installs, which
// would otherwise send the later ones' requests to webhooks that do not
// run.
func TestChartOnAnAPIServer(t *testing.T) {
	helmBinary(t) // skip before starting anything when there is no helm
	// The OpenReports CRD too: the audit's policy reports.
	crds := []string{certManagerCRDs(t), reportcrds.OpenReports(t)}
	mon := findMonitoringCRDs(t)
	if mon.dir != "" {
		crds = append(crds, mon.dir)
	}
	cp := controlplane.Start(t, controlplane.Options{CRDDirectoryPaths: crds})

	t.Run("the webhooks see what they should", func(t *testing.T) { testWebhookSelection(t, cp) })
	t.Run("every object of every variant", func(t *testing.T) { testVariantsInstall(t, cp, mon) })
	t.Run("the raw manifests apply", func(t *testing.T) { testRawManifestsApply(t, cp, mon) })
	t.Run("cainjector fills the caBundle of the webhooks the e2e tests install", func(t *testing.T) { testCAInjection(t, cp) })
	t.Run("helm install, ballast serve with the chart's permissions, helm upgrade", func(t *testing.T) { testHelmLifecycle(t, cp) })
	t.Run("helm install from an OCI registry, the image by digest", func(t *testing.T) { testInstallFromRegistry(t, cp) })
}

// certManagerCRDs returns the directory of cert-manager's
// CustomResourceDefinitions in its Go module.
func certManagerCRDs(t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", "github.com/cert-manager/cert-manager")
	cmd.Dir = repoRoot(t)
	out, err := cmd.Output()
	require.NoError(t, err, "locating the cert-manager module")
	return filepath.Join(strings.TrimSpace(string(out)), "deploy", "crds")
}

// prometheusOperatorVersion is the release of the Prometheus Operator whose
// CustomResourceDefinitions `make monitoring-crds` puts into
// bin/crds/prometheus-operator-VERSION (PROMETHEUS_OPERATOR_VERSION in
// make/chart.mk).
const prometheusOperatorVersion = "v0.85.0"

// envMonitoringCRDs names the directory of the Prometheus Operator's
// ServiceMonitor and PrometheusRule CustomResourceDefinitions; make
// exports it.
const envMonitoringCRDs = "BALLAST_MONITORING_CRDS"

// monitoringCRDs is where the Prometheus Operator's CustomResourceDefinitions
// are: dir, or, when it is empty, why they are not there.
type monitoringCRDs struct{ dir, missing string }

// findMonitoringCRDs looks for the ServiceMonitor and PrometheusRule
// CustomResourceDefinitions in $BALLAST_MONITORING_CRDS, else in
// bin/crds/prometheus-operator-VERSION of the repository.
func findMonitoringCRDs(t *testing.T) monitoringCRDs {
	t.Helper()
	dir := os.Getenv(envMonitoringCRDs)
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "bin", "crds", "prometheus-operator-"+prometheusOperatorVersion)
	}
	for _, f := range []string{"monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return monitoringCRDs{missing: fmt.Sprintf(
				"the Prometheus Operator's CustomResourceDefinitions are not in %s (run `make monitoring-crds`, or set %s): %v",
				dir, envMonitoringCRDs, err)}
		}
	}
	return monitoringCRDs{dir: dir}
}

// need skips the test when the CustomResourceDefinitions are missing,
// unless BALLAST_REQUIRE_ENVTEST=1, which makes it fail.
func (m monitoringCRDs) need(t *testing.T) {
	t.Helper()
	if m.dir != "" {
		return
	}
	if os.Getenv(envRequire) == "1" {
		t.Fatal(m.missing)
	}
	t.Skip(m.missing)
}

// strictClient is c with strict field validation: the API server rejects
// an object with an unknown or duplicated field instead of dropping it.
func strictClient(c client.Client) client.Client {
	return client.WithFieldValidation(c, metav1.FieldValidationStrict)
}

// ensureNamespace creates the namespace unless it exists.
func ensureNamespace(t *testing.T, c client.Client, name string) {
	t.Helper()
	err := c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if !apierrors.IsAlreadyExists(err) {
		require.NoError(t, err, "creating namespace %s", name)
	}
}

// createAll creates every object of r, and the namespaces they live in,
// strictly, and checks that the API server has each. The Prometheus
// Operator's kinds it also decodes (decodeMonitoring) and creates in a
// subtest of their own, which needs their CustomResourceDefinitions.
func createAll(t *testing.T, c client.Client, r rendered, mon monitoringCRDs) {
	t.Helper()
	var monitoring rendered
	for _, u := range r {
		if u.GroupVersionKind().Group == monitoringGroup {
			decodeMonitoring(t, u)
			monitoring = append(monitoring, u)
			continue
		}
		createStrictly(t, c, u)
	}
	if len(monitoring) > 0 {
		t.Run("the Prometheus Operator's kinds", func(t *testing.T) {
			mon.need(t)
			for _, u := range monitoring {
				createStrictly(t, c, u)
			}
		})
	}
}

// createStrictly creates u, and the namespace it lives in, with strict field
// validation, and reads it back.
func createStrictly(t *testing.T, c client.Client, u *unstructured.Unstructured) {
	t.Helper()
	what := u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
	if ns := u.GetNamespace(); ns != "" {
		ensureNamespace(t, c, ns)
	}
	require.NoError(t, strictClient(c).Create(t.Context(), u.DeepCopy()), "the API server rejects %s", what)
	got := &unstructured.Unstructured{}
	got.SetGroupVersionKind(u.GroupVersionKind())
	require.NoError(t, c.Get(t.Context(), client.ObjectKeyFromObject(u), got), "%s", what)
}

// deleteWebhookConfigurations deletes the Mutating- and
// ValidatingWebhookConfiguration called name.
func deleteWebhookConfigurations(t *testing.T, c client.Client, name string) {
	t.Helper()
	// The test's context may be done by now.
	ctx := context.WithoutCancel(t.Context())
	for _, obj := range []client.Object{
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}},
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: name}},
	} {
		if err := c.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting %T %s: %v", obj, name, err)
		}
	}
}

// waitWebhooksGone waits until the API server has dropped the webhook
// configurations deleted last, which it learns of asynchronously: until a
// namespace with a ballast.dev/ label, which the fail-closed namespace
// guard would see, can be created.
func waitWebhooksGone(t *testing.T, cp *controlplane.ControlPlane) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		err := cp.Client.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
			GenerateName: "webhooks-gone-", Labels: map[string]string{policy.ModeLabel: string(policy.ModeWarn)},
		}})
		assert.NoError(c, err, "the API server still calls the deleted webhooks")
	}, 30*time.Second, 100*time.Millisecond)
}

// testVariantsInstall creates every object of every variant, each as a
// release of its own in a namespace of its own.
func testVariantsInstall(t *testing.T, cp *controlplane.ControlPlane, mon monitoringCRDs) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			rel := release{name: "ballast-" + v.name, namespace: v.name + "-system", args: []string{"-f", v.file}}
			r := renderRelease(t, rel)
			t.Cleanup(func() { deleteWebhookConfigurations(t, cp.Client, rel.name) })
			createAll(t, cp.Client, r, mon)
		})
	}
}

// testRawManifestsApply applies config/install/ballast.yaml as its header
// says, with server-side apply (which always validates strictly), twice:
// the second apply changes nothing. Then it applies
// config/install/monitoring.yaml beside it.
func testRawManifestsApply(t *testing.T, cp *controlplane.ControlPlane, mon monitoringCRDs) {
	r, err := decodeManifests(readRepoFile(t, filepath.Join(installDir, "ballast.yaml")))
	require.NoError(t, err)
	require.Equal(t, "Namespace", r[0].GetKind(), "the namespace comes first")
	t.Cleanup(func() { deleteWebhookConfigurations(t, cp.Client, releaseName) })
	apply := func() map[string]string {
		versions := map[string]string{}
		for _, u := range r {
			what := u.GetKind() + " " + u.GetNamespace() + "/" + u.GetName()
			require.NoError(t, cp.Client.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(u.DeepCopy()),
				client.FieldOwner("kubectl"), client.ForceOwnership), "kubectl apply --server-side: %s", what)
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(u.GroupVersionKind())
			require.NoError(t, cp.Client.Get(t.Context(), client.ObjectKeyFromObject(u), got))
			versions[what] = got.GetResourceVersion()
		}
		return versions
	}
	first := apply()
	assert.Equal(t, first, apply(), "applying the manifests again changes nothing")

	monitoring, err := decodeManifests(readRepoFile(t, filepath.Join(installDir, "monitoring.yaml")))
	require.NoError(t, err)
	var kinds []string
	var operatorKinds rendered
	applyOne := func(t *testing.T, u *unstructured.Unstructured) {
		t.Helper()
		require.NoError(t, cp.Client.Apply(t.Context(), client.ApplyConfigurationFromUnstructured(u.DeepCopy()),
			client.FieldOwner("kubectl"), client.ForceOwnership), "kubectl apply --server-side: %s %s", u.GetKind(), u.GetName())
	}
	for _, u := range monitoring {
		kinds = append(kinds, u.GetKind())
		if u.GroupVersionKind().Group == monitoringGroup {
			decodeMonitoring(t, u)
			operatorKinds = append(operatorKinds, u)
			continue
		}
		applyOne(t, u)
	}
	assert.ElementsMatch(t, []string{"ServiceMonitor", "PrometheusRule", "ConfigMap"}, kinds)
	t.Run("the Prometheus Operator's kinds", func(t *testing.T) {
		mon.need(t)
		for _, u := range operatorKinds {
			applyOne(t, u)
			// The definitions' schemas are structural: a field they do not
			// have is an error, not dropped.
			bad := u.DeepCopy()
			bad.SetName(u.GetName() + "-unknown-field")
			require.NoError(t, unstructured.SetNestedField(bad.Object, "x", "spec", "notAField"))
			err := strictClient(cp.Client).Create(t.Context(), bad)
			require.Error(t, err, "%s with spec.notAField", u.GetKind())
			assert.Contains(t, err.Error(), "notAField")
		}
	})
}

// testCAInjection runs cert-manager's own CA injector against the webhook
// configurations exactly as the end-to-end tests render them
// (internal/testutil/chart), beside the chart's Issuers and Certificates, and
// checks that once the serving Certificate's Secret exists, as
// cert-manager writes it, every webhook's caBundle is its CA.
func testCAInjection(t *testing.T, cp *controlplane.ControlPlane) {
	ctx := t.Context()
	hooks, err := testchart.RenderWebhooks(ctx, testchart.Options{Helm: helmBinary(t), Chart: chartDir(t), KubeVersion: kubeVersion})
	require.NoError(t, err)
	require.Len(t, hooks.Mutating, 1)
	require.Len(t, hooks.Validating, 1)

	// The same release as the full render the other tests check.
	require.Equal(t, releaseName, testchart.DefaultRelease)
	require.Equal(t, releaseNamespace, testchart.DefaultNamespace)
	r := renderChart(t)
	m, v := r.webhookConfigurations(t)
	require.Equal(t, m, hooks.Mutating[0], "the e2e tests install the chart's MutatingWebhookConfiguration")
	require.Equal(t, v, hooks.Validating[0], "the e2e tests install the chart's ValidatingWebhookConfiguration")

	var issuance rendered
	for _, u := range r {
		if u.GroupVersionKind().Group == cmapi.SchemeGroupVersion.Group {
			issuance = append(issuance, u)
		}
	}
	require.Len(t, issuance, 4, "a self-signed Issuer, the CA Certificate, the CA Issuer and the serving Certificate")
	strict := strictClient(cp.Client)
	ensureNamespace(t, cp.Client, releaseNamespace)
	for _, u := range issuance {
		err := strict.Create(ctx, u.DeepCopy())
		if !apierrors.IsAlreadyExists(err) { // the raw manifests may have created them
			require.NoError(t, err, "%s %s", u.GetKind(), u.GetName())
		}
	}
	t.Cleanup(func() { deleteWebhookConfigurations(t, cp.Client, releaseName) })
	deleteWebhookConfigurations(t, cp.Client, releaseName)
	require.NoError(t, strict.Create(ctx, hooks.Mutating[0].DeepCopy()))
	require.NoError(t, strict.Create(ctx, hooks.Validating[0].DeepCopy()))

	startCAInjector(t, cp.Config)

	// What cert-manager writes once it has issued the serving Certificate:
	// a kubernetes.io/tls Secret with the issuer's CA in ca.crt, and the
	// annotation that names the Certificate.
	var cert cmapi.Certificate
	r.object(t, "Certificate", releaseName+"-serving", &cert)
	require.Equal(t, releaseNamespace+"/"+cert.Name, m.Annotations[cmapi.WantInjectAnnotation])
	require.Equal(t, releaseNamespace+"/"+cert.Name, v.Annotations[cmapi.WantInjectAnnotation])
	caPEM, certPEM, keyPEM := issue(t, cert.Spec.DNSNames)
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: cert.Spec.SecretName, Namespace: releaseNamespace,
			Annotations: map[string]string{cmapi.CertificateNameKey: cert.Name},
		},
		Type: corev1.SecretTypeTLS,
		Data: map[string][]byte{"ca.crt": caPEM, corev1.TLSCertKey: certPEM, corev1.TLSPrivateKeyKey: keyPEM},
	}
	require.NoError(t, cp.Client.Create(ctx, secret))

	var got []string
	require.Eventually(t, func() bool {
		var m admissionregistrationv1.MutatingWebhookConfiguration
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		if cp.Client.Get(ctx, client.ObjectKey{Name: releaseName}, &m) != nil || cp.Client.Get(ctx, client.ObjectKey{Name: releaseName}, &v) != nil {
			return false
		}
		got = nil
		for _, w := range allWebhooks(&m, &v) {
			if bytes.Equal(w.ClientConfig.CABundle, caPEM) {
				got = append(got, w.Name)
			}
		}
		return len(got) == 3
	}, 30*time.Second, 100*time.Millisecond, "cainjector never filled in every caBundle; filled: %v", got)
	assert.ElementsMatch(t, []string{"pods.ballast.dev", "workloads.ballast.dev", "namespaces.ballast.dev"}, got)

	// The injected CA verifies the certificate for the name the API
	// server calls.
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(caPEM))
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	svc := m.Webhooks[0].ClientConfig.Service
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: svc.Name + "." + svc.Namespace + ".svc", Roots: pool})
	assert.NoError(t, err)
}

// startCAInjector runs cert-manager's CA injection reconcilers for
// webhook configurations, with the Certificate data source, in a
// controller-runtime manager until the test ends, as cert-manager's
// cainjector runs them: Secrets read from the API server, not cached.
func startCAInjector(t *testing.T, cfg *rest.Config) {
	t.Helper()
	scheme := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(scheme))
	utilruntime.Must(cmapi.AddToScheme(scheme))
	cfg = rest.CopyConfig(cfg)
	cfg.UserAgent = "cert-manager-cainjector/chart-test" // its field manager
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                 scheme,
		Logger:                 testr.New(t),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Client:                 client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Controller:             config.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(t, err)
	require.NoError(t, cainjector.RegisterAllInjectors(t.Context(), mgr, cainjector.SetupOptions{
		EnableCertificatesDataSource: true,
		EnabledReconcilersFor: map[string]bool{
			cainjector.MutatingWebhookConfigurationName:   true,
			cainjector.ValidatingWebhookConfigurationName: true,
		},
	}))
	done := make(chan error, 1)
	go func() { done <- mgr.Start(t.Context()) }()
	// t.Context() is done by the time cleanups run, which stops the manager.
	t.Cleanup(func() { assert.NoError(t, <-done, "cainjector's manager") })
}

// issue returns a CA and a serving certificate it signs for dnsNames, as
// PEM, and the certificate's key.
func issue(t *testing.T, dnsNames []string) (caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ballast-ca"},
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dnsNames[0]}, DNSNames: dnsNames,
		NotBefore: now.Add(-time.Minute), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// testWebhookSelection installs the rendered webhook configurations,
// pointed at a recorder, and checks which requests the API server sends:
// the namespace selectors and the match conditions as the API server
// evaluates them. It removes them when it ends.
func testWebhookSelection(t *testing.T, cp *controlplane.ControlPlane) {
	r := renderChart(t)
	mutating, validating := r.webhookConfigurations(t)
	ctx := t.Context()
	c := cp.Client

	rec := newReviewRecorder(t)
	for i := range mutating.Webhooks {
		rec.pointAt(&mutating.Webhooks[i].ClientConfig)
	}
	for i := range validating.Webhooks {
		rec.pointAt(&validating.Webhooks[i].ClientConfig)
	}
	require.NoError(t, c.Create(ctx, mutating), "the API server rejects the MutatingWebhookConfiguration")
	require.NoError(t, c.Create(ctx, validating), "the API server rejects the ValidatingWebhookConfiguration")
	t.Cleanup(func() { deleteWebhookConfigurations(t, c, mutating.Name) })

	// The API server picks up webhook configurations asynchronously.
	require.Eventually(t, func() bool {
		ns := cp.CreateNamespace(t, "probe", map[string]string{"ballast.dev/mode": "warn"})
		return rec.saw(webhook.ValidateNamespacesPath, ns.Name)
	}, 30*time.Second, 200*time.Millisecond, "the webhook configurations never take effect")

	tenant := cp.CreateNamespace(t, "tenant", nil)
	off := cp.CreateNamespace(t, "off", map[string]string{"ballast.dev/mode": "off"})
	relabelled := cp.CreateNamespace(t, "relabelled", map[string]string{"ballast.dev/mode": "off"})
	ensureNamespace(t, c, releaseNamespace)

	owned := func(ns, name string, annotations map[string]string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: ns, Annotations: annotations,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-abc", UID: "00000000-0000-0000-0000-000000000001",
					Controller: ptr.To(true),
				}},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}}},
		}
	}
	bare := owned(tenant.Name, "bare", nil)
	bare.OwnerReferences = nil
	deployment := func(ns string) *appsv1.Deployment {
		labels := map[string]string{"app": "web"}
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}}},
				},
			},
		}
	}

	for _, tc := range []struct {
		name   string
		create func() error
		path   string
		key    string
		want   bool
	}{{
		name:   "a pod a controller creates in a tenant namespace",
		create: func() error { return c.Create(ctx, owned(tenant.Name, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: tenant.Name + "/owned", want: true,
	}, {
		name:   "a bare pod",
		create: func() error { return c.Create(ctx, bare) },
		path:   webhook.MutatePodsPath, key: tenant.Name + "/bare",
	}, {
		name: "a mirror pod",
		create: func() error {
			mirror := owned(tenant.Name, "mirror", map[string]string{"kubernetes.io/config.mirror": "abc"})
			mirror.Spec.NodeName = "node-1" // the kubelet's node; required of a mirror pod
			return c.Create(ctx, mirror)
		},
		path: webhook.MutatePodsPath, key: tenant.Name + "/mirror",
	}, {
		name:   "a pod in a namespace labelled off",
		create: func() error { return c.Create(ctx, owned(off.Name, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: off.Name + "/owned",
	}, {
		name:   "a pod in kube-system",
		create: func() error { return c.Create(ctx, owned("kube-system", "owned", nil)) },
		path:   webhook.MutatePodsPath, key: "kube-system/owned",
	}, {
		name:   "a pod in Ballast's namespace",
		create: func() error { return c.Create(ctx, owned(releaseNamespace, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: releaseNamespace + "/owned",
	}, {
		name:   "a deployment in a tenant namespace",
		create: func() error { return c.Create(ctx, deployment(tenant.Name)) },
		path:   webhook.ValidateWorkloadsPath, key: tenant.Name + "/web", want: true,
	}, {
		name:   "a deployment in a namespace labelled off",
		create: func() error { return c.Create(ctx, deployment(off.Name)) },
		path:   webhook.ValidateWorkloadsPath, key: off.Name + "/web",
	}, {
		name: "a namespace without ballast.dev/ keys",
		create: func() error {
			return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain", Labels: map[string]string{"team": "a"}}})
		},
		path: webhook.ValidateNamespacesPath, key: "plain",
	}, {
		name: "removing the off label of a namespace",
		create: func() error {
			ns := relabelled.DeepCopy()
			delete(ns.Labels, "ballast.dev/mode")
			return c.Update(ctx, ns)
		},
		path: webhook.ValidateNamespacesPath, key: relabelled.Name, want: true,
	}, {
		name: "an annotation under ballast.dev/",
		create: func() error {
			ns := tenant.DeepCopy()
			ns.Annotations = map[string]string{"ballast.dev/owner": "team-a"}
			return c.Update(ctx, ns)
		},
		path: webhook.ValidateNamespacesPath, key: tenant.Name, want: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.create())
			// The requests are synchronous: a request the webhook was
			// called for is recorded by the time Create returns.
			assert.Equal(t, tc.want, rec.saw(tc.path, tc.key))
		})
	}
}

// testHelmLifecycle installs the chart with helm in generate mode, runs
// `ballast serve` as the installed Deployment would, upgrades the release
// and checks that the generated certificate survives, and reads NOTES.txt
// at each step of the rollout.
func testHelmLifecycle(t *testing.T, cp *controlplane.ControlPlane) {
	const rel, ns = "lifecycle", "lifecycle-system"
	const fullname = rel + "-ballast"
	ctx := t.Context()
	c := cp.Client
	helm := func(t *testing.T, args ...string) string {
		t.Helper()
		out, err := helmOutput(t, append(args, "--kubeconfig", cp.KubeconfigPath)...)
		require.NoError(t, err)
		return string(out)
	}
	tlsSecret := func(t *testing.T) *corev1.Secret {
		t.Helper()
		var s corev1.Secret
		require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-tls"}, &s))
		return &s
	}
	caBundles := func(t *testing.T) map[string][]byte {
		t.Helper()
		var m admissionregistrationv1.MutatingWebhookConfiguration
		var v admissionregistrationv1.ValidatingWebhookConfiguration
		require.NoError(t, c.Get(ctx, client.ObjectKey{Name: fullname}, &m))
		require.NoError(t, c.Get(ctx, client.ObjectKey{Name: fullname}, &v))
		out := map[string][]byte{}
		for _, w := range allWebhooks(&m, &v) {
			out[w.Name] = w.ClientConfig.CABundle
		}
		return out
	}
	t.Cleanup(func() {
		// Uninstalling removes the cluster-scoped objects too.
		if out, err := exec.Command(helmBinary(t), "uninstall", rel, "-n", ns, "--kubeconfig", cp.KubeconfigPath).CombinedOutput(); err != nil {
			t.Errorf("helm uninstall: %v: %s", err, out)
		}
	})

	notes := helm(t, "install", rel, chartDir(t), "-n", ns, "--create-namespace", "--set", "tls.mode=generate")
	assert.Contains(t, notes, "Cluster-wide mode: dryrun")
	assert.Contains(t, notes, "ballast audit -A --policy-configmap "+ns+"/"+fullname+"-policy")
	assert.Contains(t, notes, "kubectl label namespace <ns> ballast.dev/mode=warn")
	assert.Contains(t, notes, "--set policy.mode=warn")

	installed := tlsSecret(t)
	for name, bundle := range caBundles(t) {
		assert.Equal(t, installed.Data["ca.crt"], bundle, "%s: the caBundle is the generated CA", name)
	}
	// The API server cannot reach a Service here (no kube-proxy): while
	// the webhooks are installed, every request they match would wait for
	// their timeout. Only the upgrade below needs them again.
	deleteWebhookConfigurations(t, c, fullname)
	waitWebhooksGone(t, cp)

	t.Run("ballast serve with the chart's permissions", func(t *testing.T) { testServeAsServiceAccount(t, cp, ns, fullname) })

	t.Run("upgrade keeps the generated certificate", func(t *testing.T) {
		notes := helm(t, "upgrade", rel, chartDir(t), "-n", ns, "--reset-then-reuse-values", "--set", "policy.mode=warn")
		assert.Contains(t, notes, "Cluster-wide mode: warn")
		assert.Contains(t, notes, "kubectl label namespace <ns> ballast.dev/mode=enforce")
		assert.Contains(t, notes, "--set policy.mode=enforce")

		upgraded := tlsSecret(t)
		assert.Equal(t, installed.Data, upgraded.Data, "helm upgrade keeps the CA and the certificate (lookup)")
		for name, bundle := range caBundles(t) {
			assert.Equal(t, installed.Data["ca.crt"], bundle, "%s: the caBundle is still the installed CA", name)
		}
		deleteWebhookConfigurations(t, c, fullname)

		var cm corev1.ConfigMap
		require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-policy"}, &cm))
		p, err := policy.Parse([]byte(cm.Data["policy.yaml"]))
		require.NoError(t, err)
		assert.Equal(t, policy.ModeWarn, p.Spec.Mode)
	})

	t.Run("NOTES.txt at each step of the rollout", func(t *testing.T) {
		dryRun := func(t *testing.T, set ...string) string {
			args := []string{"upgrade", rel, chartDir(t), "-n", ns, "--reset-then-reuse-values", "--dry-run=server"}
			for _, s := range set {
				args = append(args, "--set", s)
			}
			return helm(t, args...)
		}
		out := dryRun(t, "policy.mode=enforce")
		assert.Contains(t, out, "Cluster-wide mode: enforce")
		assert.Contains(t, out, "exemption with an owner, a reason and an expiry")
		assert.Contains(t, out, "ca.crt: "+base64.StdEncoding.EncodeToString(installed.Data["ca.crt"]),
			"a server-side dry run looks the generated certificate up too")

		out = dryRun(t, "policy.mode=off")
		assert.Contains(t, out, "Ballast is off cluster-wide. Start the rollout with policy.mode=dryrun.")

		out = dryRun(t, "policy.mode=dryrun", "policy.namespaceModeLabel=false")
		assert.Contains(t, out, "that sets mode: warn for them")
		assert.NotContains(t, out, "kubectl label namespace")

		out = dryRun(t, "replicaCount=1", "leaderElection.enabled=false")
		assert.Contains(t, out, "No PodDisruptionBudget for Ballast")
	})
}

// testServeAsServiceAccount runs the `ballast serve` the helm release
// installed: the binary as the Dockerfile builds it, with the installed
// Deployment's arguments, policy and certificate, authenticated as its
// ServiceAccount with a token of the API server's, so that it has exactly
// the permissions the chart grants. It checks that Ballast does all of its
// work with them: the caches sync and it becomes ready, its webhook reads
// the tenant's Service from its cache, it leads, its PodDisruptionBudget
// reconciler creates a budget, the periodic audit runs, reads the Service
// too and records Events, and no request of its is forbidden. Then it checks
// what the ServiceAccount may not do.
func testServeAsServiceAccount(t *testing.T, cp *controlplane.ControlPlane, ns, fullname string) {
	ctx := t.Context()
	c := cp.Client

	// A tenant with work for Ballast: two replicas without probes, in warn,
	// behind a Service, which Ballast must read to know that the readiness
	// probe belongs on port 8080 and, from its appProtocol, that the port
	// speaks HTTP.
	tenant := cp.CreateNamespace(t, "tenant", map[string]string{policy.ModeLabel: string(policy.ModeWarn)})
	appLabels := map[string]string{"app": "web"}
	require.NoError(t, c.Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: tenant.Name},
		Spec: corev1.ServiceSpec{
			Selector: appLabels,
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("app"), AppProtocol: ptr.To("http")}},
		},
	}))
	tenantApp := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: tenant.Name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: appLabels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "registry.example/web:1.0",
					Ports: []corev1.ContainerPort{{Name: "app", ContainerPort: 8080}},
				}}},
			},
		},
	}
	require.NoError(t, c.Create(ctx, tenantApp))

	// What the release installed.
	var d appsv1.Deployment
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname}, &d))
	pod := d.Spec.Template.Spec
	var cm corev1.ConfigMap
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-policy"}, &cm))
	var tlsSecret corev1.Secret
	require.NoError(t, c.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-tls"}, &tlsSecret))

	dir := t.TempDir()
	policyDir, certDir := filepath.Join(dir, "policy"), filepath.Join(dir, "certs")
	require.NoError(t, os.Mkdir(policyDir, 0o700))
	require.NoError(t, os.Mkdir(certDir, 0o700))
	for name, data := range cm.Data {
		require.NoError(t, os.WriteFile(filepath.Join(policyDir, name), []byte(data), 0o600))
	}
	for name, data := range tlsSecret.Data {
		require.NoError(t, os.WriteFile(filepath.Join(certDir, name), data, 0o600))
	}

	// The ServiceAccount's token, as the kubelet would mount it.
	clientset, err := kubernetes.NewForConfig(cp.Config)
	require.NoError(t, err)
	token, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, pod.ServiceAccountName,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
	require.NoError(t, err)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"envtest": {Server: cp.Config.Host, CertificateAuthorityData: cp.Config.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"ballast": {Token: token.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"ballast": {Cluster: "envtest", AuthInfo: "ballast", Namespace: ns}},
		CurrentContext: "ballast",
	}, kubeconfig))

	// The container's arguments, with local paths and loopback ports, plus
	// what a pod knows without flags: where the API server is and its
	// namespace.
	healthAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	metricsAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	webhookPort, err := netutil.FreePort("127.0.0.1")
	require.NoError(t, err)
	ctr := pod.Containers[0]
	env := kubeletEnv(t, ctr)
	args := localServeArgs(ctr.Args, env, localServe{
		policyDir: policyDir, certDir: certDir, webhookPort: webhookPort, metricsAddr: metricsAddr, healthAddr: healthAddr,
		kubeconfig: kubeconfig, namespace: ns,
	})
	require.Contains(t, args, "--leader-elect=true")

	var logs logbuf.Buffer
	cmd := exec.Command(ballastBinary(t), args...)
	cmd.Env = environ(os.Environ(), env)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			return err
		case <-time.After(time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second):
			_ = cmd.Process.Kill()
			return fmt.Errorf("ballast serve did not stop within the pod's grace period: %w", <-exited)
		}
	}
	t.Cleanup(func() {
		_ = stop()
		if t.Failed() {
			t.Logf("ballast serve %s\n%s", strings.Join(args, " "), logs.String())
		}
	})

	get := func(url string) (int, string) {
		resp, err := http.Get(url) //nolint:noctx // a probe of a local server
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	require.Eventually(t, func() bool {
		code, _ := get("http://" + healthAddr + "/readyz")
		return code == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "ballast serve never became ready")

	t.Run("it leads", func(t *testing.T) {
		require.Eventually(t, func() bool {
			var lease coordinationv1.Lease
			err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: server.LeaderElectionID}, &lease)
			return err == nil && ptr.Deref(lease.Spec.HolderIdentity, "") != ""
		}, 30*time.Second, 100*time.Millisecond)
		require.Eventually(t, func() bool {
			var events corev1.EventList
			require.NoError(t, c.List(ctx, &events, client.InNamespace(ns)))
			for _, e := range events.Items {
				if e.InvolvedObject.Kind == "Lease" && e.Reason == "LeaderElection" {
					return true
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond, "the leader elector records its Event on the Lease")
	})

	t.Run("it keeps a PodDisruptionBudget", func(t *testing.T) {
		require.Eventually(t, func() bool {
			var pdb policyv1.PodDisruptionBudget
			return c.Get(ctx, client.ObjectKey{Namespace: tenant.Name, Name: workload.PDBName("Deployment", "web")}, &pdb) == nil
		}, 30*time.Second, 100*time.Millisecond)
	})

	t.Run("its webhook reads the Services from its cache", func(t *testing.T) {
		// The Deployment as the API server would send it: the warnings say
		// what its pods get, the readiness probe on the port the Service
		// routes to included.
		var stored appsv1.Deployment
		require.NoError(t, c.Get(ctx, client.ObjectKeyFromObject(tenantApp), &stored))
		stored.SetGroupVersionKind(appsv1.SchemeGroupVersion.WithKind("Deployment"))
		resp := reviewAt(t, "https://127.0.0.1:"+strconv.Itoa(webhookPort)+webhook.ValidateWorkloadsPath, tlsSecret, &stored)
		assert.True(t, resp.Allowed, "warn admits")
		assert.Contains(t, resp.Warnings, "readiness-probe: pods get readinessProbe tcpSocket :8080 (web)")
	})

	t.Run("the audit keeps a policy report", func(t *testing.T) {
		rep := &unstructured.Unstructured{}
		rep.SetGroupVersionKind(policyreport.OpenReportsKind)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.NoError(c, cp.Client.Get(ctx, client.ObjectKey{Namespace: tenant.Name, Name: policyreport.Name}, rep))
		}, 30*time.Second, 100*time.Millisecond, "audit.policyReports auto writes the tenant's Report, with the chart's permissions")
		results, _, err := unstructured.NestedSlice(rep.Object, "results")
		require.NoError(t, err)
		assert.NotEmpty(t, results)
	})

	t.Run("the audit runs and records Events", func(t *testing.T) {
		reasons := map[string]bool{}
		var note string
		require.Eventually(t, func() bool {
			var events eventsv1.EventList
			require.NoError(t, c.List(ctx, &events, client.InNamespace(tenant.Name)))
			for _, e := range events.Items {
				if e.Regarding.Kind == "Deployment" && e.Regarding.Name == "web" {
					reasons[e.Reason] = true
					if e.Reason == "BallastPolicy" {
						note = e.Note
					}
				}
			}
			return reasons["BallastPolicy"] && reasons["PDBCreated"]
		}, 30*time.Second, 100*time.Millisecond, "events.k8s.io Events on the Deployment: %v", reasons)
		// The audit lists the Services too: only the Service's appProtocol
		// says that port 8080, named app, speaks HTTP, so that the fix may
		// propose an httpGet probe (else tcpSocket).
		assert.Contains(t, note, `liveness-probe: container "web" has no livenessProbe. Fix: add livenessProbe: {httpGet: {path: /livez, port: 8080}}`)
		require.Eventually(t, func() bool {
			_, body := get("http://" + metricsAddr + "/metrics")
			for _, line := range strings.Split(body, "\n") {
				if v, ok := strings.CutPrefix(line, "ballast_audit_last_run_timestamp_seconds "); ok {
					f, err := strconv.ParseFloat(v, 64)
					return err == nil && f > 0
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond, "the audit's last run on /metrics")
	})

	t.Run("it may do nothing else", func(t *testing.T) {
		user := "system:serviceaccount:" + ns + ":" + pod.ServiceAccountName
		groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
		can := func(attrs authorizationv1.ResourceAttributes) bool {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User: user, Groups: groups, ResourceAttributes: &attrs,
			}}
			require.NoError(t, c.Create(ctx, sar))
			return sar.Status.Allowed
		}
		for _, a := range []authorizationv1.ResourceAttributes{
			{Verb: "list", Resource: "pods"},
			{Verb: "get", Resource: "services", Namespace: tenant.Name, Name: "web"},
			{Verb: "list", Resource: "services"},
			{Verb: "watch", Resource: "services"},
			{Verb: "create", Group: "policy", Resource: "poddisruptionbudgets", Namespace: tenant.Name},
			{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: ns, Name: server.LeaderElectionID},
		} {
			assert.True(t, can(a), "may %s %s", a.Verb, a.Resource)
		}
		for _, a := range []authorizationv1.ResourceAttributes{
			{Verb: "get", Resource: "secrets", Namespace: ns, Name: fullname + "-tls"},
			{Verb: "list", Resource: "secrets"},
			{Verb: "get", Resource: "configmaps", Namespace: ns, Name: fullname + "-policy"},
			{Verb: "watch", Resource: "pods"},
			{Verb: "create", Resource: "pods", Namespace: tenant.Name},
			{Verb: "create", Resource: "services", Namespace: tenant.Name},
			{Verb: "update", Resource: "services", Namespace: tenant.Name, Name: "web"},
			{Verb: "list", Resource: "endpoints"},
			{Verb: "list", Group: "discovery.k8s.io", Resource: "endpointslices"},
			{Verb: "update", Group: "apps", Resource: "deployments", Namespace: tenant.Name},
			{Verb: "patch", Group: "policy", Resource: "poddisruptionbudgets", Namespace: tenant.Name},
			{Verb: "delete", Resource: "namespaces", Name: tenant.Name},
			{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: ns, Name: "another"},
			{Verb: "create", Resource: "events", Namespace: tenant.Name},
			{Verb: "update", Group: "admissionregistration.k8s.io", Resource: "validatingwebhookconfigurations", Name: fullname},
		} {
			assert.False(t, can(a), "may not %s %s %s/%s", a.Verb, a.Resource, a.Namespace, a.Name)
		}
	})

	require.NoError(t, stop(), "ballast serve shuts down cleanly on SIGTERM")
	var forbidden []string
	for _, line := range strings.Split(logs.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "forbidden") {
			forbidden = append(forbidden, line)
		}
	}
	assert.Empty(t, forbidden, "requests of Ballast's that RBAC forbade")
}

// reviewAt sends the CREATE of obj to the webhook at url as the API server
// would, trusting the CA of tlsSecret (the chart's generated certificate,
// issued to the webhook's Service), and returns the answer.
func reviewAt(t *testing.T, url string, tlsSecret corev1.Secret, obj client.Object) *admissionv1.AdmissionResponse {
	t.Helper()
	block, _ := pem.Decode(tlsSecret.Data["tls.crt"])
	require.NotNil(t, block, "the certificate of the TLS Secret")
	cert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	require.NotEmpty(t, cert.DNSNames, "the certificate names the webhook's Service")
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(tlsSecret.Data["ca.crt"]))

	gvk := obj.GetObjectKind().GroupVersionKind()
	raw, err := json.Marshal(obj)
	require.NoError(t, err)
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "chart-rbac-review",
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Resource:  metav1.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: strings.ToLower(gvk.Kind) + "s"},
			Name:      obj.GetName(),
			Namespace: obj.GetNamespace(),
			Operation: admissionv1.Create,
			UserInfo:  authenticationv1.UserInfo{Username: "dev", Groups: []string{"system:authenticated"}},
			Object:    runtime.RawExtension{Raw: raw},
		},
	})
	require.NoError(t, err)
	httpClient := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: cert.DNSNames[0], MinVersion: tls.VersionTLS12},
	}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var out admissionv1.AdmissionReview
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.NotNil(t, out.Response)
	return out.Response
}

// localServe is where a `ballast serve` that a test runs as the chart's
// container finds locally what the pod gets from its volumes, its ports
// and its ServiceAccount.
type localServe struct {
	policyDir, certDir      string
	webhookPort             int
	metricsAddr, healthAddr string
	kubeconfig, namespace   string
}

// localServeArgs returns the container's arguments, expanded with env,
// with local paths and loopback ports, plus what a pod knows without
// flags: where the API server is and its namespace.
func localServeArgs(containerArgs []string, env map[string]string, l localServe) []string {
	var args []string
	for _, a := range expandArgs(containerArgs, env) {
		name, _, _ := strings.Cut(a, "=")
		switch name {
		case "--policy-file":
			a = name + "=" + filepath.Join(l.policyDir, "policy.yaml")
		case "--cert-dir":
			a = name + "=" + l.certDir
		case "--webhook-port":
			a = name + "=" + strconv.Itoa(l.webhookPort)
		case "--metrics-bind-address":
			a = name + "=" + l.metricsAddr
		case "--health-probe-bind-address":
			a = name + "=" + l.healthAddr
		}
		args = append(args, a)
	}
	return append(args, "--webhook-bind-address=127.0.0.1", "--kubeconfig="+l.kubeconfig, "--leader-election-namespace="+l.namespace)
}

// reviewRecorder is an HTTPS admission webhook that allows everything and
// records what it was asked, by path and "namespace/name".
type reviewRecorder struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen map[string]bool
}

func newReviewRecorder(t *testing.T) *reviewRecorder {
	t.Helper()
	rec := &reviewRecorder{seen: map[string]bool{}}
	rec.srv = httptest.NewTLSServer(http.HandlerFunc(rec.serve))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *reviewRecorder) serve(w http.ResponseWriter, r *http.Request) {
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&ar); err != nil || ar.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	req := ar.Request
	key := req.Namespace + "/" + req.Name
	if req.Kind.Kind == "Namespace" {
		key = req.Name
	}
	rec.mu.Lock()
	rec.seen[r.URL.Path+" "+key] = true
	rec.mu.Unlock()

	ar.Response = &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	ar.Request = nil
	body, err := json.Marshal(&ar)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// pointAt makes cc call the recorder at the path of its service.
func (rec *reviewRecorder) pointAt(cc *admissionregistrationv1.WebhookClientConfig) {
	path := ptr.Deref(cc.Service.Path, "/")
	cc.Service = nil
	cc.URL = ptr.To(rec.srv.URL + path)
	cc.CABundle = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rec.srv.Certificate().Raw})
}

// saw reports whether the webhook at path was asked about key
// ("namespace/name", or "name" for cluster-scoped objects).
func (rec *reviewRecorder) saw(path, key string) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.seen[path+" "+key]
}
