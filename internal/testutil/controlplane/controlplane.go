package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ballast-dev/ballast/internal/testutil/process"
)

// KubernetesVersion is the version of the control-plane binaries that Start
// looks for under the repository's bin/k8s directory when KUBEBUILDER_ASSETS
// is not set. It must match K8S_VERSION in make/k8s.mk.
const KubernetesVersion = "1.37.2"

const (
	// envAssets names the directory that holds the binaries; it wins over
	// the directory in the repository.
	envAssets = "KUBEBUILDER_ASSETS"
	// envRequire, when "1", turns missing binaries into a test failure
	// instead of a skip.
	envRequire = "BALLAST_REQUIRE_ENVTEST"
	// envVerbose, when "1", streams the control plane's output to the test
	// log instead of keeping it for a failure.
	envVerbose = "BALLAST_TEST_VERBOSE"
	// envStartTimeout is envtest's own setting for its start timeout; when
	// it is set it replaces defaultStartTimeout.
	envStartTimeout = "KUBEBUILDER_CONTROLPLANE_START_TIMEOUT"

	// defaultStartTimeout is how long etcd and kube-apiserver may each take
	// to become healthy. envtest's own default, 20s, is short for a small CI
	// machine that runs several test binaries at once.
	defaultStartTimeout = 60 * time.Second
)

// Options configures the control plane that Start runs.
type Options struct {
	// CRDDirectoryPaths lists files or directories of CustomResourceDefinition
	// manifests to install before Start returns. A path that does not exist
	// fails the test.
	CRDDirectoryPaths []string

	// WebhookInstall, when not nil, is handed to envtest, which installs the
	// Mutating- and ValidatingWebhookConfigurations it names with every
	// clientConfig rewritten to https://LocalServingHost:LocalServingPort/PATH,
	// and generates a CA and a serving certificate in LocalServingCertDir
	// (always: a CA of the caller's is replaced). Start copies the resulting
	// options (host, port, certificate directory, CA) back into the value it
	// points to, so the caller can start its webhook server there. To keep
	// a CA of one's own (to rotate certificates as cert-manager does), leave
	// it nil and install the webhooks once the control plane runs, with
	// WebhookInstallOptions.Install.
	WebhookInstall *envtest.WebhookInstallOptions

	// ControllerManager also runs a real kube-controller-manager with the
	// deployment, replicaset, statefulset, daemonset, job, disruption,
	// garbagecollector, namespace, serviceaccount, serviceaccount-token and
	// clusterrole-aggregation controllers, each with its own
	// service-account credentials as in a cluster. There is still no
	// scheduler or kubelet.
	ControllerManager bool

	// MoreControllers names kube-controller-manager controllers to run
	// besides those ControllerManager lists, e.g. "endpointslice" and
	// "nodelifecycle" for a control plane with a node (test/nodelab).
	MoreControllers []string

	// Output returns the writer for the output of a process of the control
	// plane: "etcd", "kube-apiserver" or "kube-controller-manager". It is
	// called once per process, during New. Nil discards the output. Start
	// sets it to the test log.
	Output func(process string) io.Writer
}

// ControlPlane is a running control plane. Stop stops it; when Start
// started it, the test's cleanup does.
type ControlPlane struct {
	// Config is a REST config for an admin user (group system:masters).
	Config *rest.Config

	// Client is a controller-runtime client for Config that knows the types
	// of client-go's scheme (the built-in Kubernetes API types).
	Client client.Client

	// Env is the envtest environment. Env.WebhookInstallOptions holds the
	// address and certificate directory of the webhook server that the
	// installed webhook configurations call.
	Env *envtest.Environment

	// KubeconfigPath is a kubeconfig file for the admin user, for tools that
	// want a file (kube-controller-manager, helm).
	KubeconfigPath string

	// BinaryAssetsDirectory is the directory the binaries were taken from.
	BinaryAssetsDirectory string

	// dir holds the files New writes (the admin kubeconfig, the
	// controller manager's CA file); Stop removes it.
	dir string
	// controllerManager is the running kube-controller-manager, if any.
	controllerManager *process.Process

	stopOnce sync.Once
	stopErr  error
}

// Start runs a control plane for the test t, as New does, and stops it
// through t.Cleanup. The output of its processes goes to the test log: kept
// and written only when the test fails, or streamed when
// BALLAST_TEST_VERBOSE=1 (opts.Output is replaced).
//
// It skips the test in -short mode, and when the binaries are missing unless
// BALLAST_REQUIRE_ENVTEST=1, which fails it instead; see the package
// documentation for where the binaries are looked for.
func Start(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a control plane (etcd, kube-apiserver): skipped in -short mode")
	}
	requireBinaries(t, opts.ControllerManager)

	verbose := os.Getenv(envVerbose) == "1"
	var logs []*processLog
	opts.Output = func(process string) io.Writer {
		l := newProcessLog(t, process, verbose)
		logs = append(logs, l)
		return l
	}
	// Registered first, so it runs last: after the processes have stopped.
	t.Cleanup(func() {
		for _, l := range logs {
			l.Close()
		}
	})

	started := time.Now()
	cp, err := New(t.Context(), opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	what := "control plane"
	if opts.ControllerManager {
		what += " with kube-controller-manager"
	}
	t.Logf("%s from %s serving at %s after %s", what, cp.BinaryAssetsDirectory, cp.Config.Host, time.Since(started).Round(time.Millisecond))
	return cp
}

// New runs etcd and kube-apiserver (and kube-controller-manager when
// opts.ControllerManager is set), and returns once the control plane serves
// requests: the default namespace exists, the CRDs and webhook configurations
// of opts are installed and, with a controller manager, its controllers run.
// ctx bounds the start only; the control plane runs until Stop. When New
// fails, it stops what it had started.
//
// It is the core of Start for programs, such as `make demo` and the load
// test, that have no testing.T. The binaries are looked for as the package
// documentation says; when one is missing, New fails with a message that
// says how to build it.
func New(ctx context.Context, opts Options) (*ControlPlane, error) {
	binDir, err := findBinaries(opts.ControllerManager)
	if err != nil {
		return nil, err
	}
	etcdOut, apiServerOut := output(opts.Output, "etcd"), output(opts.Output, "kube-apiserver")
	env := &envtest.Environment{
		BinaryAssetsDirectory: binDir,
		CRDDirectoryPaths:     opts.CRDDirectoryPaths,
		ErrorIfCRDPathMissing: true,
		ControlPlane: envtest.ControlPlane{
			APIServer: &envtest.APIServer{
				Path: filepath.Join(binDir, "kube-apiserver"),
				Out:  apiServerOut,
				Err:  apiServerOut,
			},
			Etcd: &envtest.Etcd{
				Path: filepath.Join(binDir, "etcd"),
				Out:  etcdOut,
				Err:  etcdOut,
			},
		},
	}
	if os.Getenv(envStartTimeout) == "" {
		env.ControlPlaneStartTimeout = defaultStartTimeout
	}
	if opts.WebhookInstall != nil {
		env.WebhookInstallOptions = *opts.WebhookInstall
	}

	cfg, err := env.Start()
	if err != nil {
		return nil, errors.Join(fmt.Errorf("starting envtest from %s: %w", binDir, err), env.Stop())
	}
	if opts.WebhookInstall != nil {
		*opts.WebhookInstall = env.WebhookInstallOptions
	}
	cp := &ControlPlane{
		Config:                cfg,
		Env:                   env,
		BinaryAssetsDirectory: binDir,
	}
	if err := cp.finishStart(ctx, opts); err != nil {
		return nil, errors.Join(err, cp.Stop())
	}
	return cp, nil
}

// finishStart does what New does once the API server serves.
func (cp *ControlPlane) finishStart(ctx context.Context, opts Options) error {
	var err error
	cp.Client, err = client.New(cp.Config, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		return fmt.Errorf("creating a client for envtest: %w", err)
	}
	if cp.dir, err = os.MkdirTemp("", "ballast-controlplane-"); err != nil {
		return fmt.Errorf("creating the control plane's directory: %w", err)
	}
	if cp.KubeconfigPath, err = writeAdminKubeconfig(cp.Env, cp.dir); err != nil {
		return err
	}
	if opts.ControllerManager {
		if err := startControllerManager(ctx, cp, opts.MoreControllers, output(opts.Output, "kube-controller-manager")); err != nil {
			return fmt.Errorf("kube-controller-manager: %w", err)
		}
	}
	return nil
}

// Stop stops kube-controller-manager, kube-apiserver and etcd, and removes
// the files New wrote. It reports a kube-controller-manager that had exited
// before, since nothing else should stop it. Calling it again does nothing
// and returns the same error.
func (cp *ControlPlane) Stop() error {
	cp.stopOnce.Do(func() {
		var errs []error
		if cp.controllerManager != nil {
			if err := cp.controllerManager.Stop(controllerManagerStopTimeout); err != nil {
				errs = append(errs, fmt.Errorf("kube-controller-manager: %w", err))
			}
		}
		if err := cp.Env.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping envtest: %w", err))
		}
		if cp.dir != "" {
			if err := os.RemoveAll(cp.dir); err != nil {
				errs = append(errs, fmt.Errorf("removing the control plane's directory: %w", err))
			}
		}
		cp.stopErr = errors.Join(errs...)
	})
	return cp.stopErr
}

// output returns the writer of process's output under of, or io.Discard.
func output(of func(process string) io.Writer, process string) io.Writer {
	if of == nil {
		return io.Discard
	}
	if w := of(process); w != nil {
		return w
	}
	return io.Discard
}

// CreateNamespace creates a namespace with a generated name that starts with
// prefix (or "test" when prefix is empty) and carries labels, and returns it
// as the API server stored it. The namespace lives as long as the control
// plane: nothing deletes it, and names never collide.
func (cp *ControlPlane) CreateNamespace(t testing.TB, prefix string, labels map[string]string) *corev1.Namespace {
	t.Helper()
	if prefix == "" {
		prefix = "test"
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: strings.TrimSuffix(prefix, "-") + "-",
		Labels:       labels,
	}}
	require.NoError(t, cp.Client.Create(t.Context(), ns), "creating namespace %s*", ns.GenerateName)
	return ns
}

// writeAdminKubeconfig provisions envtest's admin user (group
// system:masters) and writes a kubeconfig for it into dir.
func writeAdminKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, rest.CopyConfig(env.Config))
	if err != nil {
		return "", fmt.Errorf("provisioning the admin user: %w", err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("rendering the admin kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(path, kubeconfig, 0o600); err != nil {
		return "", fmt.Errorf("writing the admin kubeconfig: %w", err)
	}
	return path, nil
}

// requireBinaries skips (or fails) the test when one of the binaries is
// missing.
func requireBinaries(t testing.TB, controllerManager bool) {
	t.Helper()
	_, err := findBinaries(controllerManager)
	if err == nil {
		return
	}
	if os.Getenv(envRequire) == "1" {
		t.Fatalf("%v (failing instead of skipping because %s=1)", err, envRequire)
	}
	t.Skip(err.Error())
}

// findBinaries returns the directory that holds the binaries, or an error
// that says which are missing and how to build them.
func findBinaries(controllerManager bool) (string, error) {
	names := []string{"etcd", "kube-apiserver"}
	if controllerManager {
		names = append(names, "kube-controller-manager")
	}
	dir, source, err := binaryAssetsDirectory()
	if err == nil {
		var missing []string
		for _, name := range names {
			if !isExecutable(filepath.Join(dir, name)) {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 {
			return dir, nil
		}
		err = fmt.Errorf("%s missing in %s (%s)", strings.Join(missing, ", "), dir, source)
	}
	return "", fmt.Errorf("control-plane binaries not found: %w; run `make k8s-bins` "+
		"or set %s to a directory with %s", err, envAssets, strings.Join(names, ", "))
}

// binaryAssetsDirectory returns the directory to take the binaries from and
// where that choice came from: KUBEBUILDER_ASSETS when it is set, otherwise
// bin/k8s/v<KubernetesVersion> in the repository root (RepoRoot).
func binaryAssetsDirectory() (dir, source string, err error) {
	if dir := os.Getenv(envAssets); dir != "" {
		return dir, "from " + envAssets, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", "", fmt.Errorf("%s is not set: %w", envAssets, err)
	}
	return filepath.Join(root, "bin", "k8s", "v"+KubernetesVersion), "the repository's bin directory; " + envAssets + " is not set", nil
}

// RepoRoot returns the repository's root: the nearest directory, from the
// working directory upwards, that holds a go.mod. Tests and tools find the
// chart and the binaries the Makefile builds from there.
func RepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the working directory: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod found above %s", wd)
		}
	}
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
