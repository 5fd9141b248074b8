package server_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/reportcrds"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/webhook"
)

// waitFor bounds every wait for the server: the certificate watcher polls
// every 10 seconds when it misses an event, and CI machines are slow.
const waitFor = 30 * time.Second

// tenantPolicy lets only system:masters change ballast.dev/ keys of
// namespaces; adminPolicy lets the user "tenant" do it too.
const (
	tenantPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: warn
`
	adminPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
spec:
  mode: warn
  namespaceAdmins:
    users: [tenant]
`
)

func TestMain(m *testing.M) {
	// controller-runtime's own components (the webhook server, the
	// certificate watcher) log through its global logger; each server
	// under test logs through Config.Logger, which the tests keep.
	logf.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// TestServer runs the real server against a real API server and checks
// what an operator relies on: health endpoints, TLS settings, certificate
// and policy hot reload, and the drain of in-flight reviews on shutdown.
func TestServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	// The OpenReports CRD, for the audit's policy reports.
	cp := controlplane.Start(t, controlplane.Options{CRDDirectoryPaths: []string{reportcrds.OpenReports(t)}})

	t.Run("health endpoints", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)

		for _, path := range []string{"/healthz", "/readyz"} {
			status, body := httpGet(t, "http://"+srv.healthAddr+path+"?verbose")
			assert.Equal(t, http.StatusOK, status, "%s: %s", path, body)
		}
		_, body := httpGet(t, "http://"+srv.healthAddr+"/readyz?verbose")
		assert.Contains(t, body, "[+]webhook ok")
		assert.Contains(t, body, "[+]informers ok")
	})

	t.Run("HTTP/2 is off by default", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)

		conn := dialWebhook(t, srv, &tls.Config{NextProtos: []string{"h2", "http/1.1"}})
		assert.Equal(t, "http/1.1", conn.ConnectionState().NegotiatedProtocol)
	})

	t.Run("HTTP/2 on request", func(t *testing.T) {
		srv := startServer(t, cp.Config, func(c *server.Config) { c.EnableHTTP2 = true })

		conn := dialWebhook(t, srv, &tls.Config{NextProtos: []string{"h2", "http/1.1"}})
		assert.Equal(t, "h2", conn.ConnectionState().NegotiatedProtocol)
		conn = dialWebhook(t, srv, &tls.Config{NextProtos: []string{"http/1.1"}})
		assert.Equal(t, "http/1.1", conn.ConnectionState().NegotiatedProtocol)
	})

	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)

		_, err := tls.Dial("tcp", srv.webhookAddr, &tls.Config{
			RootCAs:    srv.ca.pool(),
			ServerName: "localhost",
			MinVersion: tls.VersionTLS10,
			MaxVersion: tls.VersionTLS11,
		})
		require.Error(t, err)
		conn := dialWebhook(t, srv, &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12})
		assert.Equal(t, uint16(tls.VersionTLS12), conn.ConnectionState().Version)
	})

	t.Run("certificate rotation while requests flow", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)
		client := srv.client(t)
		first := srv.servedSerial(t, client)

		var sent, failed atomic.Int64
		var lastErr atomic.Value
		ctx, stop := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for ctx.Err() == nil {
					sent.Add(1)
					if _, err := review(ctx, client, srv.webhookAddr, "tenant", nil); err != nil && ctx.Err() == nil {
						failed.Add(1)
						lastErr.Store(err)
					}
				}
			})
		}

		// cert-manager rotates the key with the certificate. The watcher
		// sees the files change, or at worst reads them at its next poll.
		srv.ca.writeServingCert(t, srv.certDir, 2)
		require.Eventually(t, func() bool { return srv.servedSerial(t, client) == 2 }, waitFor, 50*time.Millisecond,
			"the new certificate is never served")
		time.Sleep(200 * time.Millisecond) // requests on the new certificate too
		stop()
		wg.Wait()

		assert.Equal(t, int64(1), first)
		assert.Positive(t, sent.Load())
		assert.Zero(t, failed.Load(), "requests failed during the rotation; last error: %v", lastErr.Load())
	})

	t.Run("every counter is exported at 0 from start-up", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)
		for name, labels := range map[string]map[string]string{
			"ballast_internal_errors_total":     {"path": webhook.MutatePodsPath},
			"ballast_reviews_refused_total":     {"path": webhook.ValidateWorkloadsPath, "reason": "busy"},
			"ballast_admission_decisions_total": {"resource": "deployments", "operation": "CREATE", "decision": "denied", "mode": "enforce"},
			"ballast_rule_findings_total":       {"resource": "deployments", "rule": "min-replicas", "action": "deny", "mode": "dryrun"},
			"ballast_mutations_total":           {"rule": "prestop-hook", "mutator": "prestop-sleep", "mode": "warn"},
			"ballast_policy_reload_total":       {"result": "failure"},
			"ballast_pdb_actions_total":         {"action": "delete"},
		} {
			v, ok := metricstest.Value(t, srv.metrics, name, labels)
			if assert.True(t, ok, "no series %s%v", name, labels) {
				assert.Zero(t, v, "%s%v", name, labels)
			}
		}
	})

	t.Run("policy reload reaches the handlers", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)
		client := srv.client(t)
		labels := map[string]string{"ballast.dev/mode": "off"}

		resp, err := review(t.Context(), client, srv.webhookAddr, "tenant", labels)
		require.NoError(t, err)
		assert.False(t, resp.Allowed, "a tenant may not exempt its namespace")

		replaceFile(t, srv.policyFile, adminPolicy)
		require.Eventually(t, func() bool {
			resp, err := review(t.Context(), client, srv.webhookAddr, "tenant", labels)
			return err == nil && resp.Allowed
		}, waitFor, 20*time.Millisecond, "the new policy never applies")

		replaceFile(t, srv.policyFile, "spec: {mode: enforcing}\n")
		require.Eventually(t, func() bool {
			success, ok := metricstest.Value(t, srv.metrics, "ballast_policy_last_reload_success", nil)
			return ok && success == 0
		}, waitFor, 20*time.Millisecond, "the broken policy file is never read")
		resp, err = review(t.Context(), client, srv.webhookAddr, "tenant", labels)
		require.NoError(t, err)
		assert.True(t, resp.Allowed, "a broken policy file keeps the last good policy")
	})

	t.Run("PodDisruptionBudgets only where the webhooks look", func(t *testing.T) {
		startServer(t, cp.Config, nil) // tenantPolicy: mode warn
		tenant := cp.CreateNamespace(t, "pdb", nil)
		for _, ns := range []string{tenant.Name, "kube-system"} {
			require.NoError(t, cp.Client.Create(t.Context(), threeReplicas(ns)))
		}

		key := client.ObjectKey{Namespace: tenant.Name, Name: workload.PDBName(workload.KindDeployment, "web")}
		require.Eventually(t, func() bool {
			return cp.Client.Get(t.Context(), key, &policyv1.PodDisruptionBudget{}) == nil
		}, waitFor, 50*time.Millisecond, "no PodDisruptionBudget for a Deployment of three replicas")
		time.Sleep(time.Second) // the kube-system Deployment was reconciled too, or would have been
		key.Namespace = "kube-system"
		err := cp.Client.Get(t.Context(), key, &policyv1.PodDisruptionBudget{})
		assert.True(t, apierrors.IsNotFound(err), "a PodDisruptionBudget in kube-system, which the webhooks never see: %v", err)
	})

	t.Run("periodic audit on request, with its policy reports", func(t *testing.T) {
		srv := startServer(t, cp.Config, func(c *server.Config) {
			c.AuditInterval = time.Hour
			c.PolicyReports = policyreport.FormatAuto
		})

		require.Eventually(t, func() bool {
			lastRun, _ := metricstest.Value(t, srv.metrics, audit.LastRunMetric, nil)
			return lastRun > 0
		}, waitFor, 50*time.Millisecond, "the audit never runs")
		rep := &unstructured.Unstructured{}
		rep.SetGroupVersionKind(policyreport.OpenReportsKind)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.NoError(c, cp.Client.Get(t.Context(), client.ObjectKey{Namespace: "default", Name: policyreport.Name}, rep))
		}, waitFor, 50*time.Millisecond, "auto writes the OpenReports Report of namespace default")
		assert.Equal(t, policyreport.ManagedBy, rep.GetLabels()["app.kubernetes.io/managed-by"])
	})

	t.Run("shutdown finishes in-flight reviews", func(t *testing.T) {
		srv := startServer(t, cp.Config, nil)

		// A review whose body is still on its way when shutdown begins.
		body := reviewBody(t, "tenant", nil)
		conn := dialWebhook(t, srv, nil)
		_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
			webhook.ValidateNamespacesPath, len(body))
		require.NoError(t, err)
		_, err = conn.Write(body[:len(body)/2])
		require.NoError(t, err)

		srv.stop()
		require.Eventually(t, func() bool {
			c, err := net.DialTimeout("tcp", srv.webhookAddr, time.Second)
			if err == nil {
				_ = c.Close()
			}
			return err != nil
		}, waitFor, 20*time.Millisecond, "the webhook server still accepts connections")

		_, err = conn.Write(body[len(body)/2:])
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(waitFor)))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "the in-flight review gets no answer")
		defer func() { _ = resp.Body.Close() }()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		var ar admissionv1.AdmissionReview
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&ar))
		require.NotNil(t, ar.Response)
		assert.True(t, ar.Response.Allowed)

		require.NoError(t, srv.wait(), "the server does not stop cleanly")
	})
}

// threeReplicas returns a Deployment of three replicas in ns.
func threeReplicas(ns string) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}}},
			},
		},
	}
}

// runningServer is a server started by startServer.
type runningServer struct {
	ca          *testCA
	certDir     string
	policyFile  string
	webhookAddr string
	healthAddr  string
	metrics     *prometheus.Registry
	stop        context.CancelFunc
	done        chan error
}

// startServer starts a server against the API server of cfg, with a fresh
// CA, certificate, policy file and ports, adjusted by edit, and waits until
// it is ready. The server runs until the test ends.
func startServer(t *testing.T, cfg *rest.Config, edit func(*server.Config)) *runningServer {
	t.Helper()
	dir := t.TempDir()
	webhookAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	healthAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	srv := &runningServer{
		ca:          newTestCA(t),
		certDir:     filepath.Join(dir, "certs"),
		policyFile:  filepath.Join(dir, "policy.yaml"),
		webhookAddr: webhookAddr,
		healthAddr:  healthAddr,
		metrics:     prometheus.NewRegistry(),
		done:        make(chan error, 1),
	}
	require.NoError(t, os.Mkdir(srv.certDir, 0o700))
	srv.ca.writeServingCert(t, srv.certDir, 1)
	replaceFile(t, srv.policyFile, tenantPolicy)

	host, port, err := net.SplitHostPort(srv.webhookAddr)
	require.NoError(t, err)
	portNum, err := strconv.Atoi(port)
	require.NoError(t, err)
	logs := &logbuf.Buffer{}
	c := server.Config{
		RestConfig:              cfg,
		PolicyFile:              srv.policyFile,
		PolicyPollInterval:      50 * time.Millisecond,
		CertDir:                 srv.certDir,
		WebhookHost:             host,
		WebhookPort:             portNum,
		HealthProbeBindAddress:  srv.healthAddr,
		GracefulShutdownTimeout: 10 * time.Second,
		Logger:                  zap.New(zap.UseDevMode(true), zap.WriteTo(logs)),
		Registerer:              srv.metrics,
	}
	if edit != nil {
		edit(&c)
	}
	s, err := server.New(c)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	srv.stop = cancel
	go func() { srv.done <- s.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		err := srv.wait()
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
		assert.NoError(t, err)
	})

	// Wait for readiness, or for the server to stop during start-up.
	deadline := time.Now().Add(waitFor)
	for {
		select {
		case err := <-srv.done:
			srv.done <- err
			require.FailNow(t, "the server stopped during start-up", "error: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		status, readyz := httpGet(t, "http://"+srv.healthAddr+"/readyz?verbose")
		if status == http.StatusOK {
			break
		}
		require.True(t, time.Now().Before(deadline), "the server never gets ready; /readyz says: %s", readyz)
	}
	return srv
}

// wait waits for the server to return and returns its error. It may be
// called more than once.
func (s *runningServer) wait() error {
	err := <-s.done
	s.done <- err
	return err
}

// client returns an HTTP client that trusts the server's CA and opens a
// new connection for every request, so each sees the certificate served at
// that moment.
func (s *runningServer) client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: s.ca.pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12},
		DisableKeepAlives: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// servedSerial returns the serial number of the certificate the webhook
// server presents, or 0 when the request fails.
func (s *runningServer) servedSerial(t *testing.T, client *http.Client) int64 {
	t.Helper()
	resp, err := client.Get("https://" + s.webhookAddr + "/")
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.TLS.PeerCertificates[0].SerialNumber.Int64()
}

// dialWebhook opens a TLS connection to the webhook server with cfg
// completed by the server's CA and name.
func dialWebhook(t *testing.T, s *runningServer, cfg *tls.Config) *tls.Conn {
	t.Helper()
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.RootCAs = s.ca.pool()
	cfg.ServerName = "localhost"
	conn, err := tls.Dial("tcp", s.webhookAddr, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// review sends the namespace guard a review of user creating a namespace
// with labels, and returns the response.
func review(ctx context.Context, client *http.Client, addr, user string, labels map[string]string) (*admissionv1.AdmissionResponse, error) {
	body, err := marshalReview(user, labels)
	if err != nil {
		return nil, err
	}
	return postReview(ctx, client, "https://"+addr+webhook.ValidateNamespacesPath, body)
}

func reviewBody(t *testing.T, user string, labels map[string]string) []byte {
	t.Helper()
	body, err := marshalReview(user, labels)
	require.NoError(t, err)
	return body
}

// marshalReview returns an AdmissionReview of user creating a namespace
// with labels, as the API server sends it.
func marshalReview(user string, labels map[string]string) ([]byte, error) {
	ns, err := json.Marshal(&corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "team-a", Labels: labels},
	})
	if err != nil {
		return nil, err
	}
	return json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("review-" + strconv.FormatInt(time.Now().UnixNano(), 10)),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Namespace"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "namespaces"},
			Name:      "team-a",
			Operation: admissionv1.Create,
			UserInfo:  authenticationv1.UserInfo{Username: user, Groups: []string{"system:authenticated"}},
			Object:    runtime.RawExtension{Raw: ns},
		},
	})
}

// httpGet returns the status and body of a GET of url, or 0 and the error.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// replaceFile replaces path's content atomically, with a rename, as the
// kubelet and cert-manager's csi driver do.
func replaceFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, path))
}

// testCA is a certificate authority for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1000),
		Subject:               pkix.Name{CommonName: "ballast test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key}
}

func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// writeServingCert writes a new key and a certificate for localhost and
// 127.0.0.1 with the given serial number into dir, as tls.key and tls.crt.
// The key goes first: until the certificate follows, the pair does not
// match and the server keeps the previous one.
func (ca *testCA) writeServingCert(t *testing.T, dir string, serial int64) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "ballast"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	replaceFile(t, filepath.Join(dir, "tls.key"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	replaceFile(t, filepath.Join(dir, "tls.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
}
