package chart_test

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	testchart "github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/webhook"
)

// TestChartHelmTest runs `helm test` for real against an installed release:
// helm creates the test hooks (the throwaway namespace, the ServiceAccount,
// its Role there, the Pod), waits for the Pod's phase, reports it and
// deletes the hooks, which the control plane's namespace controller
// finishes. `ballast serve` answers the chart's webhooks, run locally as
// the installed Deployment runs it.
//
// There is no kubelet, so the test plays its part for the hook's Pod: it
// runs the Pod's container, the ballast binary built as the Dockerfile
// builds it with the Pod's exact arguments, with a token of the Pod's
// ServiceAccount (so with exactly the permissions the hook grants), and
// writes the Pod's phase from its exit status. What is not exercised: the
// image itself, the kubelet's pulling and starting it, and the in-cluster
// configuration (the token comes in a kubeconfig, not a mounted file).
//
// Then Ballast stops (failurePolicy Ignore: the API server admits without
// it), and `helm test` must fail.
func TestChartHelmTest(t *testing.T) {
	helm := helmBinary(t)
	const rel, ns = "smoke", "smoke-system"
	const fullname = rel + "-ballast"
	cp := controlplane.Start(t, controlplane.Options{ControllerManager: true})
	ctx := t.Context()
	c := cp.Client

	out, err := helmOutput(t, "install", rel, chartDir(t), "-n", ns, "--create-namespace", "--set", "tls.mode=generate",
		"--kubeconfig", cp.KubeconfigPath)
	require.NoError(t, err, "%s", out)
	t.Cleanup(func() {
		if out, err := exec.Command(helm, "uninstall", rel, "-n", ns, "--kubeconfig", cp.KubeconfigPath).CombinedOutput(); err != nil {
			t.Errorf("helm uninstall: %v: %s", err, out)
		}
	})

	// The hooks are decoded strictly, and the Pod's permissions are those
	// of the Role in the throwaway namespace and no more.
	hooks, err := helmOutput(t, "template", rel, chartDir(t), "-n", ns, "--kube-version", kubeVersion, "--show-only", "templates/tests/ping.yaml")
	require.NoError(t, err)
	r, err := decodeManifests(hooks)
	require.NoError(t, err)
	assert.Equal(t, []string{"Namespace", "ServiceAccount", "Role", "RoleBinding", "Pod"}, r.kinds())
	var pod corev1.Pod
	r.object(t, "Pod", fullname+"-test", &pod)
	var role rbacv1.Role
	r.object(t, "Role", fullname+"-test", &role)
	assert.Equal(t, []string{"create deployments.apps in " + fullname + "-test"}, rolePermissions(role))
	assert.Equal(t, []string{"ping", "--namespace=" + fullname + "-test", "--timeout=60s"}, pod.Spec.Containers[0].Args)

	stopServe := startServeForHelmTest(t, cp, ns, fullname, rel)

	t.Run("Ballast answers: helm test passes", func(t *testing.T) {
		out, logs, err := runHelmTest(t, cp, rel, ns, fullname, nil)
		require.NoError(t, err, "helm test:\n%s\nthe pod's output:\n%s", out, logs)
		t.Logf("helm test:\n%s\nthe pod's output:\n%s", out, logs)
		assert.Contains(t, out, "Phase:          Succeeded")
		assert.Contains(t, logs, "min-replicas (would deny): runs 1 replica", "the pod's output: Ballast's dryrun warnings")
		// helm deleted the hooks and waited for them to go: the namespace
		// controller emptied and removed the throwaway namespace.
		err = c.Get(ctx, client.ObjectKey{Name: fullname + "-test"}, &corev1.Namespace{})
		assert.True(t, apierrors.IsNotFound(err), "the throwaway namespace is gone: %v", err)
	})

	t.Run("Ballast is not called: helm test fails", func(t *testing.T) {
		// An outage with failurePolicy Ignore: the API server calls
		// Ballast, fails, and admits everything without a word.
		require.NoError(t, stopServe(), "ballast serve stops cleanly on SIGTERM")
		// The Pod's own --timeout is 60s; a later flag wins, and one
		// attempt is enough to see the silence.
		out, logs, err := runHelmTest(t, cp, rel, ns, fullname, []string{"--timeout=1s"})
		require.Error(t, err, "helm test passes without Ballast:\n%s", out)
		t.Logf("helm test:\n%s\nthe pod's output:\n%s", out, logs)
		assert.Contains(t, out, "pod "+fullname+"-test failed")
		assert.Contains(t, logs, "ballast did not answer")
	})
}

// rolePermissions lists a Role's rules as "verb resource.group in namespace".
func rolePermissions(role rbacv1.Role) []string {
	var out []string
	for _, rule := range role.Rules {
		for _, g := range rule.APIGroups {
			for _, res := range rule.Resources {
				for _, v := range rule.Verbs {
					out = append(out, v+" "+res+"."+g+" in "+role.Namespace)
				}
			}
		}
	}
	return out
}

// startServeForHelmTest runs `ballast serve` as the release's Deployment
// runs it (its arguments, its policy ConfigMap), as the admin, with a
// serving certificate for loopback, and installs the chart's webhook
// configurations pointing at it in place of those helm installed, which
// name a Service the API server cannot reach here. It returns a function
// that stops it with SIGTERM and returns its exit status; the test's end
// stops it too.
func startServeForHelmTest(t *testing.T, cp *controlplane.ControlPlane, ns, fullname, rel string) func() error {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	policyDir, certDir := filepath.Join(dir, "policy"), filepath.Join(dir, "certs")
	require.NoError(t, os.Mkdir(policyDir, 0o700))
	require.NoError(t, os.Mkdir(certDir, 0o700))
	var cm corev1.ConfigMap
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-policy"}, &cm))
	for name, data := range cm.Data {
		require.NoError(t, os.WriteFile(filepath.Join(policyDir, name), []byte(data), 0o600))
	}
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(certDir, testchart.LoopbackHost, "localhost")
	require.NoError(t, err)

	hooks, err := testchart.RenderWebhooks(ctx, testchart.Options{
		Helm: helmBinary(t), Chart: chartDir(t), KubeVersion: kubeVersion, Release: rel, Namespace: ns, Set: []string{"tls.mode=generate"},
	})
	require.NoError(t, err)
	install, err := hooks.InstallOptions(ca.CertPEM(), certDir)
	require.NoError(t, err)

	var deployment appsv1.Deployment
	require.NoError(t, cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname}, &deployment))
	ctr := deployment.Spec.Template.Spec.Containers[0]

	healthAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	metricsAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	env := kubeletEnv(t, ctr)
	args := localServeArgs(ctr.Args, env, localServe{
		policyDir: policyDir, certDir: certDir, webhookPort: install.LocalServingPort,
		metricsAddr: metricsAddr, healthAddr: healthAddr, kubeconfig: cp.KubeconfigPath, namespace: ns,
	})
	var logs logbuf.Buffer
	cmd := exec.Command(ballastBinary(t), args...)
	cmd.Env = environ(os.Environ(), env)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case stopErr = <-exited:
			case <-time.After(time.Minute):
				_ = cmd.Process.Kill()
				stopErr = fmt.Errorf("ballast serve did not stop within a minute of SIGTERM: %w", <-exited)
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		assert.NoError(t, stop(), "ballast serve stops cleanly on SIGTERM")
		if t.Failed() {
			t.Logf("ballast serve %s\n%s", strings.Join(args, " "), logs.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + healthAddr + "/readyz") //nolint:noctx // a probe of a local server
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 200*time.Millisecond, "ballast serve never became ready:\n%s", &logs)

	deleteWebhookConfigurations(t, cp.Client, fullname)
	require.NoError(t, install.Install(cp.Config), "installing the webhook configurations")
	return stop
}

// runHelmTest runs `helm test` and, as the kubelet would, runs the hook's
// Pod once helm has created it: its container's arguments, followed by
// extraArgs, with a token of its ServiceAccount; then it writes the Pod's
// phase from the exit status. It returns helm's output, the container's
// output and helm's error.
func runHelmTest(t *testing.T, cp *controlplane.ControlPlane, rel, ns, fullname string, extraArgs []string) (string, string, error) {
	t.Helper()
	ctx := t.Context()
	var helmOut bytes.Buffer
	helmCmd := exec.CommandContext(ctx, helmBinary(t), "test", rel, "-n", ns, "--timeout", "3m", "--kubeconfig", cp.KubeconfigPath)
	helmCmd.Stdout, helmCmd.Stderr = &helmOut, &helmOut
	require.NoError(t, helmCmd.Start())
	helmDone := make(chan error, 1)
	go func() { helmDone <- helmCmd.Wait() }()

	var pod corev1.Pod
	require.Eventually(t, func() bool {
		err := cp.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: fullname + "-test"}, &pod)
		return err == nil && pod.Status.Phase == corev1.PodPending && pod.DeletionTimestamp == nil
	}, 60*time.Second, 100*time.Millisecond, "helm test never created its pod: %s", &helmOut)

	// The ServiceAccount's token, as the kubelet would mount it.
	clientset, err := kubernetes.NewForConfig(cp.Config)
	require.NoError(t, err)
	token, err := clientset.CoreV1().ServiceAccounts(ns).CreateToken(ctx, pod.Spec.ServiceAccountName,
		&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
	require.NoError(t, err)
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, clientcmd.WriteToFile(clientcmdapi.Config{
		Clusters:       map[string]*clientcmdapi.Cluster{"envtest": {Server: cp.Config.Host, CertificateAuthorityData: cp.Config.CAData}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"test": {Token: token.Status.Token}},
		Contexts:       map[string]*clientcmdapi.Context{"test": {Cluster: "envtest", AuthInfo: "test", Namespace: ns}},
		CurrentContext: "test",
	}, kubeconfig))

	ctr := pod.Spec.Containers[0]
	require.Empty(t, ctr.Command, "the image's entrypoint, ballast, runs the arguments")
	var podOut bytes.Buffer
	run := exec.CommandContext(ctx, ballastBinary(t), append(append([]string{}, ctr.Args...), extraArgs...)...)
	run.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	run.Stdout, run.Stderr = &podOut, &podOut
	runErr := run.Run()
	var exit *exec.ExitError
	exitCode := 0
	if runErr != nil {
		require.ErrorAs(t, runErr, &exit, "running the pod's container")
		exitCode = exit.ExitCode()
	}

	phase := corev1.PodSucceeded
	if exitCode != 0 {
		phase = corev1.PodFailed
	}
	pod.Status.Phase = phase
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: ctr.Name, Image: ctr.Image,
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: int32(exitCode), Message: podOut.String(), //nolint:gosec // an exit status fits
			StartedAt: metav1.Now(), FinishedAt: metav1.Now(),
		}},
	}}
	require.NoError(t, cp.Client.Status().Update(ctx, &pod), "writing the pod's phase as the kubelet does")

	select {
	case err = <-helmDone:
	case <-time.After(3 * time.Minute):
		t.Fatalf("helm test did not finish: %s", &helmOut)
	}
	var helmExit *exec.ExitError
	if err != nil && !errors.As(err, &helmExit) {
		t.Fatalf("running helm test: %v", err)
	}
	return helmOut.String(), podOut.String(), err
}

// TestChartTestHook renders the test hook of each variant and decodes each
// object strictly, and checks that the webhooks see the throwaway
// namespace: that the workload webhook's namespaceSelector, as the variant
// renders it, selects the namespace with its labels (the API server adds
// kubernetes.io/metadata.name). With policy.mode off there is no test.
func TestChartTestHook(t *testing.T) {
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			out, err := helmOutput(t, "template", releaseName, chartDir(t), "-n", releaseNamespace, "--kube-version", kubeVersion,
				"-f", v.file, "--show-only", "templates/tests/ping.yaml")
			require.NoError(t, err)
			hooks, err := decodeManifests(out)
			require.NoError(t, err)
			for _, u := range hooks {
				obj, err := strictScheme.New(u.GroupVersionKind())
				require.NoError(t, err)
				require.NoError(t, runtimeFromUnstructured(u, obj), "%s %s", u.GetKind(), u.GetName())
				assert.Equal(t, "test", u.GetAnnotations()["helm.sh/hook"], "%s %s", u.GetKind(), u.GetName())
			}
			var ns corev1.Namespace
			hooks.object(t, "Namespace", releaseName+"-test", &ns)
			labels := maps.Clone(ns.Labels)
			labels["kubernetes.io/metadata.name"] = ns.Name

			_, validating := renderChart(t, "-f", v.file).webhookConfigurations(t)
			sel, err := metav1.LabelSelectorAsSelector(findWebhook(t, validating, webhook.ValidateWorkloadsPath).NamespaceSelector)
			require.NoError(t, err)
			assert.True(t, sel.Matches(k8slabels.Set(labels)), "the workload webhook's selector %s does not select the namespace %s %v", sel, ns.Name, ns.Labels)
		})
	}
	t.Run("no test with policy.mode off", func(t *testing.T) {
		_, err := helmOutput(t, "template", releaseName, chartDir(t), "-n", releaseNamespace, "--kube-version", kubeVersion,
			"--set", "policy.mode=off", "--show-only", "templates/tests/ping.yaml")
		require.ErrorContains(t, err, "could not find template templates/tests/ping.yaml in chart")
	})
}
