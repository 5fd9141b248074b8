package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servertest"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// The subjects the scenarios act as, besides the admin (system:masters).
const (
	// tenantUser has the edit role in the scenarios' namespaces, and may
	// patch namespaces as far as RBAC goes: Ballast alone keeps it from
	// changing ballast.dev/ labels.
	tenantUser  = "e2e-tenant"
	tenantGroup = "e2e-tenants"
	// platformUser is in platformGroup, which the policy names among its
	// namespaceAdmins.
	platformUser  = "e2e-platform"
	platformGroup = "e2e-platform-admins"
)

const (
	// waitTimeout bounds every wait for Ballast, a controller or the API
	// server: they usually take well under a second; the margin is for
	// a busy 2-core CI machine.
	waitTimeout = 60 * time.Second
	// pollInterval is how often a wait checks again.
	pollInterval = 100 * time.Millisecond
	// policyPollInterval is how often Ballast reads the policy file even
	// without a file event.
	policyPollInterval = 200 * time.Millisecond
)

// basePolicy is the policy Ballast starts with: warn by default, the
// namespace label may set the mode, a budget that makes the injected grace
// period differ from the API server's default of 30 s, one exemption in
// force and one expired.
const basePolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
metadata:
  name: e2e
spec:
  mode: warn
  namespaceModeLabel: true
  rules:
    termination-grace:
      shutdownBudgetSeconds: 40
  profiles:
  - name: e2e-critical
    namespaces: ["critical-*"]
    rules:
      min-replicas: {minimum: 3}
    podDefaults:
      preStop: {sleepSeconds: 20}
  exemptions:
  - name: e2e-single-worker
    namespaces: ["grain-*"]
    workloads: [{kind: Deployment, name: worker}]
    rules: [min-replicas]
    reason: The end-to-end tests check that an exemption scoped to one workload exempts it alone.
    owner: e2e
  - name: e2e-exempt
    namespaces: ["exempt-*"]
    rules: ["*"]
    reason: The end-to-end tests check that an exempted namespace is left alone.
    owner: e2e
  - name: e2e-expired
    namespaces: ["expired-*"]
    rules: ["*"]
    reason: The end-to-end tests check that an expired exemption no longer applies.
    owner: e2e
    expires: 2020-01-01
  namespaceAdmins:
    groups: [system:masters, ` + platformGroup + `]
`

// graceSeconds is the grace period Ballast injects under basePolicy: the
// default 5 s preStop sleep plus the 40 s shutdown budget.
const graceSeconds = 45

// env is the control plane and the Ballast that every scenario shares.
type env struct {
	cp *controlplane.ControlPlane

	// admin, tenant and platform are clients of the three subjects. Each
	// hands the API server's warnings to the warnings.Collector of the
	// request's context.
	admin, tenant, platform client.Client

	// policy is basePolicy, loaded, for the answers the scenarios expect.
	policy *policy.Policy

	ca          *servingcert.CA
	certDir     string
	policyFile  string
	webhookAddr string
	healthAddr  string
	metrics     *prometheus.Registry
	// stopBallast stops Ballast's server and waits until it has stopped.
	stopBallast func()
}

// setUp starts the control plane, installs the chart's webhook
// configurations and starts Ballast, and returns once Ballast is ready.
// Everything stops when t ends.
func setUp(t *testing.T) *env {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end tests need a control plane: skipped in -short mode")
	}
	ctx := t.Context()
	root := repoRoot(t)
	helm := helmBinary(t, root)

	hooks, err := chart.RenderWebhooks(ctx, chart.Options{
		Helm:        helm,
		Chart:       filepath.Join(root, "charts", "ballast"),
		KubeVersion: controlplane.KubernetesVersion,
	})
	require.NoError(t, err, "rendering the chart's webhook configurations")

	e := &env{certDir: t.TempDir(), metrics: prometheus.NewRegistry()}
	e.ca, err = servingcert.NewCA()
	require.NoError(t, err)
	_, err = e.ca.Install(e.certDir, chart.LoopbackHost, "localhost")
	require.NoError(t, err)
	install, err := hooks.InstallOptions(e.ca.CertPEM(), e.certDir)
	require.NoError(t, err)
	e.webhookAddr = net.JoinHostPort(install.LocalServingHost, fmt.Sprint(install.LocalServingPort))

	e.cp = controlplane.Start(t, controlplane.Options{ControllerManager: true})

	e.policyFile = filepath.Join(t.TempDir(), "policy.yaml")
	e.writePolicy(t, basePolicy)
	e.policy, err = policy.Parse([]byte(basePolicy))
	require.NoError(t, err)

	// As `helm install` does in a cluster: Ballast first, then its webhook
	// configurations, which name Ballast's CA.
	e.startBallast(t, install)
	require.NoError(t, install.Install(e.cp.Config), "installing the webhook configurations")
	e.admin = newClient(t, rest.CopyConfig(e.cp.Config))
	e.tenant = e.newUser(t, tenantUser, tenantGroup)
	e.platform = e.newUser(t, platformUser, platformGroup)
	e.grantNamespacePatch(t)
	// The API server calls the webhooks once its informer has seen the
	// configurations: wait for that, so no scenario can pass because
	// Ballast was not called yet.
	e.namespace(t, "ready", modeLabel(policy.ModeWarn), policy.ModeWarn)
	return e
}

// startBallast runs Ballast's server, as `ballast serve` does, at the
// address and with the certificate directory the webhooks were installed
// for, and waits until it is ready.
func (e *env) startBallast(t *testing.T, install *envtest.WebhookInstallOptions) {
	t.Helper()
	logs := &logbuf.Buffer{}
	log := zap.New(zap.WriteTo(logs), zap.UseDevMode(true))
	// controller-runtime's own components (the certificate watcher, the
	// webhook server) log through its global logger.
	logf.SetLogger(log)
	healthAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	require.NoError(t, err)
	e.healthAddr = healthAddr

	srv, err := server.New(server.Config{
		RestConfig:             e.cp.Config,
		PolicyFile:             e.policyFile,
		PolicyPollInterval:     policyPollInterval,
		CertDir:                install.LocalServingCertDir,
		WebhookHost:            install.LocalServingHost,
		WebhookPort:            install.LocalServingPort,
		HealthProbeBindAddress: e.healthAddr,
		Logger:                 log,
		Registerer:             e.metrics,
	})
	require.NoError(t, err, "creating Ballast's server")

	started := time.Now()
	e.stopBallast = servertest.Start(t, srv, "http://"+e.healthAddr+"/readyz", waitTimeout, logs)
	t.Logf("Ballast ready at %s after %s", e.webhookAddr, time.Since(started).Round(time.Millisecond))
}

// readyz returns the status and body of Ballast's verbose readiness
// endpoint.
func (e *env) readyz(ctx context.Context) (int, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+e.healthAddr+"/readyz?verbose", nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// writePolicy replaces the policy file atomically, as the kubelet updates a
// ConfigMap volume.
func (e *env) writePolicy(t *testing.T, content string) {
	t.Helper()
	tmp := e.policyFile + ".tmp"
	require.NoError(t, os.WriteFile(tmp, []byte(content), 0o600))
	require.NoError(t, os.Rename(tmp, e.policyFile))
}

// newUser provisions a user of the API server and returns its client.
func (e *env) newUser(t *testing.T, name string, groups ...string) client.Client {
	t.Helper()
	u, err := e.cp.Env.AddUser(envtest.User{Name: name, Groups: groups}, e.cp.Config)
	require.NoError(t, err, "provisioning user %s", name)
	return newClient(t, u.Config())
}

// newClient returns a client for cfg that collects the API server's
// warnings (see package warnings).
func newClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	cfg.WarningHandlerWithContext = warnings.Handler{}
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	require.NoError(t, err)
	return c
}

// grantNamespacePatch lets the tenants and the platform admins patch
// namespaces as far as RBAC goes, so that only Ballast stands between a
// tenant and the ballast.dev/ labels of its namespace.
func (e *env) grantNamespacePatch(t *testing.T) {
	t.Helper()
	const name = "e2e-namespace-labeler"
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{""},
			Resources: []string{"namespaces"},
			Verbs:     []string{"get", "list", "watch", "patch", "update"},
		}, {
			// Operators often get these: the API server stores the
			// metadata sent to them too.
			APIGroups: []string{""},
			Resources: []string{"namespaces/status", "namespaces/finalize"},
			Verbs:     []string{"patch", "update"},
		}},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		Subjects: []rbacv1.Subject{
			{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: tenantGroup},
			{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: platformGroup},
		},
	}
	require.NoError(t, e.admin.Create(t.Context(), role))
	require.NoError(t, e.admin.Create(t.Context(), binding))
}

// namespace creates a namespace for one scenario, named prefix-XXXXX and
// labelled with labels, where the tenants have the edit role, and waits
// until Ballast treats it as mode want.
func (e *env) namespace(t *testing.T, prefix string, labels map[string]string, want policy.Mode) string {
	t.Helper()
	ns := e.cp.CreateNamespace(t, prefix, labels).Name
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tenant-edit"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "edit"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: tenantGroup}},
	}
	require.NoError(t, e.admin.Create(t.Context(), binding))
	e.waitForMode(t, ns, want)
	return ns
}

// waitForMode waits until Ballast answers requests in namespace ns as mode
// want. Ballast reads namespace labels from its informer cache, which
// learns of a new or relabelled namespace a moment after the API server
// has stored it.
func (e *env) waitForMode(t *testing.T, ns string, want policy.Mode) {
	t.Helper()
	var got policy.Mode
	var err error
	require.Eventually(t, func() bool {
		got, err = verdict.ModeOf(t.Context(), e.admin, ns)
		return err == nil && got == want
	}, waitTimeout, pollInterval, "namespace %s: Ballast never answers in mode %s (last: %q, %v)", ns, want, got, err)
}

// modeLabel returns the namespace labels that set mode.
func modeLabel(mode policy.Mode) map[string]string {
	return map[string]string{policy.ModeLabel: string(mode)}
}

// repoRoot returns the repository's root: the nearest directory above the
// working directory that holds a go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := controlplane.RepoRoot()
	require.NoError(t, err)
	return root
}

// helmBinary returns the helm to render the chart with: $HELM, else the
// repository's bin/helm. When there is none it skips the test, or fails
// it when BALLAST_REQUIRE_ENVTEST=1.
func helmBinary(t *testing.T, root string) string {
	t.Helper()
	path, source := os.Getenv("HELM"), "$HELM"
	if path == "" {
		path, source = filepath.Join(root, "bin", "helm"), "the repository's bin/helm; $HELM is not set"
	}
	fi, err := os.Stat(path)
	if err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
		return path
	}
	msg := fmt.Sprintf("helm not found at %s (%s): run `make helm` or set HELM", path, source)
	if os.Getenv("BALLAST_REQUIRE_ENVTEST") == "1" {
		t.Fatalf("%s (failing instead of skipping because BALLAST_REQUIRE_ENVTEST=1)", msg)
	}
	t.Skip(msg)
	return ""
}
