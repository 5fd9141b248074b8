package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ballast-dev/ballast/internal/testutil/ballastserve"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// The developer the workloads are applied as.
const (
	developer      = "dev"
	developerGroup = "dev-team"
)

// config says where the demo finds what it runs.
type config struct {
	// Ballast is the `ballast` binary (`make build` writes bin/ballast).
	Ballast string
	// Helm is the helm binary that renders the chart.
	Helm string
	// Chart is the directory of Ballast's Helm chart.
	Chart string
	// Samples is the directory of the sample policy and workloads.
	Samples string
	// Out receives the report.
	Out io.Writer
}

// run runs the demo: see the package documentation. It returns once
// everything it started is stopped and its files are removed, also when
// ctx is cancelled (Ctrl-C), which interrupts it: the error then wraps
// ctx.Err().
func run(ctx context.Context, cfg config) (err error) {
	started := time.Now()
	p := &printer{w: cfg.Out}
	s, err := loadSamples(cfg.Samples)
	if err != nil {
		return fmt.Errorf("loading the samples: %w", err)
	}
	dir, err := os.MkdirTemp("", "ballast-demo-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory: %w", err)
	}
	// The deferred clean-up, in the reverse order of the start: Ballast,
	// the control plane, the files.
	var cleanups []func() error
	defer func() {
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i]())
		}
		errs = append(errs, os.RemoveAll(dir))
		if cerr := errors.Join(errs...); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleaning up: %w", cerr))
			return
		}
		p.linef("")
		p.linef("Cleaned up: Ballast and the control plane are stopped, %s is removed. The demo took %s.", dir, since(started))
	}()

	p.title("Ballast demo: the admission webhook, running as in production, against a local Kubernetes control plane")

	// The control plane, with its output in files of its own.
	step := p.step("Starting etcd, kube-apiserver and kube-controller-manager %s", controlplane.KubernetesVersion)
	logs := &logFiles{dir: dir}
	cleanups = append(cleanups, logs.close)
	cp, err := controlplane.New(ctx, controlplane.Options{ControllerManager: true, Output: logs.open})
	if err != nil {
		return err
	}
	cleanups = append(cleanups, cp.Stop)
	step.donef("ready")

	step = p.step("Rendering the webhook configurations of %s with helm", cfg.Chart)
	hooks, err := chart.RenderWebhooks(ctx, chart.Options{Helm: cfg.Helm, Chart: cfg.Chart, KubeVersion: controlplane.KubernetesVersion})
	if err != nil {
		return err
	}
	step.donef(strings.Join(webhookNames(hooks), ", "))

	// Ballast, as `ballast serve`, with a serving certificate of a
	// throwaway CA, which the webhook configurations trust.
	certDir := filepath.Join(dir, "certs")
	if err := os.Mkdir(certDir, 0o700); err != nil {
		return fmt.Errorf("creating the certificate directory: %w", err)
	}
	ca, err := servingcert.NewCA()
	if err != nil {
		return err
	}
	if _, err := ca.Install(certDir, chart.LoopbackHost, "localhost"); err != nil {
		return err
	}
	install, err := hooks.InstallOptions(ca.CertPEM(), certDir)
	if err != nil {
		return err
	}
	healthAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	if err != nil {
		return err
	}
	metricsAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	if err != nil {
		return err
	}
	args := []string{"serve",
		"--kubeconfig=" + cp.KubeconfigPath,
		"--policy-file=" + s.policyFile,
		"--cert-dir=" + certDir,
		"--webhook-bind-address=" + install.LocalServingHost,
		"--webhook-port=" + strconv.Itoa(install.LocalServingPort),
		"--metrics-bind-address=" + metricsAddr,
		"--health-probe-bind-address=" + healthAddr,
		ballastserve.ShutdownFlag,
	}
	step = p.step("Starting Ballast: %s serve --policy-file=%s", cfg.Ballast, s.policyFile)
	ballastLog := filepath.Join(dir, "ballast.log")
	// fail adds the end of Ballast's log to an error it may explain;
	// an interruption needs no explanation.
	fail := func(err error) error {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		return withLogTail(err, ballastLog)
	}
	ballast, err := ballastserve.Start(ctx, cfg.Ballast, args, ballastLog, healthAddr)
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, func() error { return withLogTail(ballast.Stop(), ballastLog) })
	step.donef("ready, pid %d, webhooks on port %d", ballast.Pid(), install.LocalServingPort)

	step = p.step("Installing the webhook configurations, pointed at https://%s", net.JoinHostPort(install.LocalServingHost, strconv.Itoa(install.LocalServingPort)))
	if err := install.Install(cp.Config); err != nil {
		return fmt.Errorf("installing the webhook configurations: %w", err)
	}
	step.donef("done")

	d, err := newDeployer(cp, s)
	if err != nil {
		return err
	}
	step = p.step("Applying %s: Namespaces and RBAC as the platform team, the rest as developer %q (group %s)", cfg.Samples, developer, developerGroup)
	if err := d.apply(ctx); err != nil {
		return fail(err)
	}
	step.donef("%d objects", len(s.manifests))

	step = p.step("Waiting for the pods (ReplicaSet and StatefulSet controllers) and the PodDisruptionBudgets Ballast announced")
	pods, err := d.waitForPods(ctx)
	if err != nil {
		return fail(err)
	}
	step.donef("%d pods", pods)

	step = p.step("Trying, as developer %q, to exempt namespace %s by labelling it %s", developer, guardNamespace, guardLabel)
	if err := d.tryExempt(ctx); err != nil {
		return fail(err)
	}
	step.donef("done")

	p.report(d)
	if err := d.unexpected(); err != nil {
		return fail(err)
	}
	return nil
}

// newClient returns a client for cfg that collects the API server's
// warnings per request (see package warnings).
func newClient(cfg *rest.Config) (client.Client, error) {
	cfg.WarningHandlerWithContext = warnings.Handler{}
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		return nil, fmt.Errorf("creating a client: %w", err)
	}
	return c, nil
}

// newDeveloper provisions the developer and returns its client.
func newDeveloper(cp *controlplane.ControlPlane) (client.Client, error) {
	u, err := cp.Env.AddUser(envtest.User{Name: developer, Groups: []string{developerGroup}}, cp.Config)
	if err != nil {
		return nil, fmt.Errorf("provisioning user %s: %w", developer, err)
	}
	return newClient(u.Config())
}

// logFiles opens a log file per control-plane process in dir.
type logFiles struct {
	dir   string
	files []*os.File
}

// open is the control plane's Output. A file that cannot be created
// discards the process's output.
func (l *logFiles) open(process string) io.Writer {
	f, err := os.Create(filepath.Join(l.dir, process+".log"))
	if err != nil {
		return io.Discard
	}
	l.files = append(l.files, f)
	return f
}

// close closes the files, once their processes have stopped.
func (l *logFiles) close() error {
	var errs []error
	for _, f := range l.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// withLogTail adds the end of Ballast's log to err, for a failure that
// Ballast may explain.
func withLogTail(err error, logFile string) error {
	if err == nil {
		return nil
	}
	data, rerr := os.ReadFile(logFile)
	if rerr != nil || len(data) == 0 {
		return err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	lines = lines[max(0, len(lines)-20):]
	return fmt.Errorf("%w\nthe end of Ballast's log:\n%s", err, strings.Join(lines, "\n"))
}

// webhookNames lists the names of the webhooks.
func webhookNames(h *chart.Webhooks) []string {
	var names []string
	for _, m := range h.Mutating {
		for _, w := range m.Webhooks {
			names = append(names, w.Name)
		}
	}
	for _, v := range h.Validating {
		for _, w := range v.Webhooks {
			names = append(names, w.Name)
		}
	}
	return names
}

// since returns the time since t, rounded for people.
func since(t time.Time) time.Duration {
	return time.Since(t).Round(100 * time.Millisecond)
}
