package agreement

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servertest"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/webhook"
)

// readyTimeout bounds the start of Ballast's server.
const readyTimeout = 60 * time.Second

// ballast is Ballast's server, as `ballast serve` runs it, and a client of
// its webhook.
type ballast struct {
	webhookURL string
	client     *http.Client
	reviews    int
}

// startBallast runs Ballast's server on the control plane with the policy
// file content policyYAML and the fixed clock, and returns once it is ready:
// its informers have synced, so it sees every object created before.
// It stops when t ends.
//
// Its PodDisruptionBudget reconciler keeps budgets in no namespace (the
// namespace selector matches none), so that the cluster the audit reads
// holds exactly the corpus.
func startBallast(t *testing.T, cp *controlplane.ControlPlane, policyYAML []byte) *ballast {
	t.Helper()
	dir := t.TempDir()
	policyFile := filepath.Join(dir, "policy.yaml")
	require.NoError(t, os.WriteFile(policyFile, policyYAML, 0o600))
	certDir := filepath.Join(dir, "certs")
	require.NoError(t, os.Mkdir(certDir, 0o700))
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(certDir, chart.LoopbackHost)
	require.NoError(t, err)

	logs := &logbuf.Buffer{}
	port, err := netutil.FreePort(chart.LoopbackHost)
	require.NoError(t, err)
	healthAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	require.NoError(t, err)
	srv, err := server.New(server.Config{
		RestConfig:             cp.Config,
		PolicyFile:             policyFile,
		CertDir:                certDir,
		WebhookHost:            chart.LoopbackHost,
		WebhookPort:            port,
		HealthProbeBindAddress: healthAddr,
		NamespaceSelector:      labels.Nothing(),
		Logger:                 zap.New(zap.WriteTo(logs), zap.UseDevMode(true)),
		Registerer:             prometheus.NewRegistry(),
		Now:                    func() time.Time { return now },
	})
	require.NoError(t, err, "creating Ballast's server")
	servertest.Start(t, srv, "http://"+healthAddr+"/readyz", readyTimeout, logs)

	return &ballast{
		webhookURL: "https://" + net.JoinHostPort(chart.LoopbackHost, strconv.Itoa(port)),
		client: &http.Client{
			Timeout:   10 * time.Second,
			Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MinVersion: tls.VersionTLS12}},
		},
	}
}

// resources are the plural names of the kinds of the corpus.
var resources = map[string]string{
	"Pod":                     "pods",
	"Deployment":              "deployments",
	"StatefulSet":             "statefulsets",
	"DaemonSet":               "daemonsets",
	"HorizontalPodAutoscaler": "horizontalpodautoscalers",
	"PodDisruptionBudget":     "poddisruptionbudgets",
}

// tenant is the user of every request.
var tenant = authenticationv1.UserInfo{Username: "tenant@example.com", Groups: []string{"tenants", "system:authenticated"}}

// review sends the CREATE of an item, as the API server stored it, to the
// handler of its kind, as the API server would, and returns the answer.
func (b *ballast) review(t *testing.T, it *item) *admissionv1.AdmissionResponse {
	t.Helper()
	gvk := schema.FromAPIVersionAndKind(it.stored.GetAPIVersion(), it.stored.GetKind())
	resource, ok := resources[gvk.Kind]
	require.True(t, ok, "%s: no resource for the kind", it)
	path := webhook.ValidateWorkloadsPath
	if gvk.Kind == "Pod" {
		path = webhook.MutatePodsPath
	}
	raw, err := json.Marshal(it.stored.Object)
	require.NoError(t, err)
	b.reviews++
	uid := types.UID(fmt.Sprintf("agreement-%06d", b.reviews))
	body, err := json.Marshal(admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       uid,
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Resource:  metav1.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: resource},
			Name:      it.stored.GetName(),
			Namespace: it.stored.GetNamespace(),
			Operation: admissionv1.Create,
			UserInfo:  tenant,
			Object:    runtime.RawExtension{Raw: raw},
			DryRun:    ptr.To(false),
		},
	})
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, b.webhookURL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	require.NoError(t, err, "%s: reviewing", it)
	defer func() { _ = resp.Body.Close() }()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s: reviewing", it)
	var out admissionv1.AdmissionReview
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out), "%s: reading the review", it)
	require.NotNil(t, out.Response, "%s: the review has no response", it)
	require.Equal(t, uid, out.Response.UID, "%s: the response answers another request", it)
	return out.Response
}
