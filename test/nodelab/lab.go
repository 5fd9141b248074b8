package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/testutil/ballastserve"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/test/nodelab/host"
	"github.com/ballast-dev/ballast/test/nodelab/image"
	"github.com/ballast-dev/ballast/test/nodelab/node"
	"github.com/ballast-dev/ballast/test/nodelab/report"
)

// Fixed places: the lab's directory and the host snapshot, kept outside
// it so that a killed run is restored by the next one.
const (
	labDir       = "/var/lib/ballast-node-lab"
	snapshotFile = "/var/lib/ballast-node-lab.host.json"
	// lockFile is held for the whole run: one run at a time, and a
	// snapshot left behind is restored only once its run is gone.
	lockFile = "/var/lib/ballast-node-lab.lock"
	nodeName = "nodelab"

	webImage   = "lab.local/webapp:v1"
	pauseImage = "lab.local/pause:v1"

	// teardownTimeout bounds the clean-up, which runs even when the run
	// was interrupted.
	teardownTimeout = 3 * time.Minute
)

// packages are the Debian packages the node needs, each with a file that
// shows it is installed.
var packages = []struct{ name, file string }{
	{"containerd", "/usr/bin/containerd"},
	{"runc", "/usr/sbin/runc"},
	{"iptables", "/usr/sbin/iptables"},
	{"nftables", "/usr/sbin/nft"},
	{"conntrack", "/usr/sbin/conntrack"},
	{"containernetworking-plugins", "/usr/lib/cni/bridge"},
}

// config says where the lab finds what it runs and how it measures.
type config struct {
	Ballast, Helm, Chart, BinDir, Out, NodeIP, Command string
	Replicas, Rollouts, Rate                           int
	Timeout, StartupDelay                              time.Duration
	RestoreOnly                                        bool
}

// lab is a running lab.
type lab struct {
	cfg    config
	c      client.Client
	log    io.Writer // progress, to stderr
	metric string    // Ballast's metrics URL
}

func (l *lab) stepf(format string, args ...any) {
	fmt.Fprintf(l.log, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// run runs the lab: see the package documentation. Whatever happens, it
// stops what it started and restores the host before it returns.
func run(ctx context.Context, cfg config) (err error) {
	l := &lab{cfg: cfg, log: os.Stderr}
	unlock, err := lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := restoreLeftovers(l); err != nil || cfg.RestoreOnly {
		return err
	}
	if err := installPackages(ctx, l); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", cfg.Out, err)
	}
	logDir, err := os.MkdirTemp("", "ballast-node-lab-logs-")
	if err != nil {
		return fmt.Errorf("creating the log directory: %w", err)
	}
	l.stepf("logs of every component in %s", logDir)

	snap, err := host.Take(labDir)
	if err != nil {
		return fmt.Errorf("recording the host settings: %w", err)
	}
	if err := snap.Save(snapshotFile); err != nil {
		return err
	}
	var cleanups []func(context.Context) error
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer cancel()
		l.stepf("tearing down")
		var errs []error
		for i := len(cleanups) - 1; i >= 0; i-- {
			errs = append(errs, cleanups[i](ctx))
		}
		if rerr := snap.Restore(); rerr != nil {
			errs = append(errs, fmt.Errorf("restoring the host (run `make node-lab-restore` to retry): %w", rerr))
		} else {
			errs = append(errs, os.Remove(snapshotFile))
			l.stepf("host restored: sysctls, nftables ruleset, %s, mounts, network namespaces, cgroups, %s removed", host.Bridge, labDir)
		}
		if cerr := errors.Join(errs...); cerr != nil {
			err = errors.Join(err, fmt.Errorf("cleaning up: %w", cerr))
		}
	}()
	logs := func(name string) io.Writer {
		f, err := os.Create(filepath.Join(logDir, name+".log"))
		if err != nil {
			return io.Discard
		}
		cleanups = append(cleanups, func(context.Context) error { return f.Close() })
		return f
	}

	if err := os.MkdirAll(filepath.Join(labDir, "images"), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", labDir, err)
	}
	l.stepf("building images %s and %s", webImage, pauseImage)
	var tars []string
	for _, img := range []struct{ pkg, ref string }{{"./test/nodelab/pause", pauseImage}, {"./test/nodelab/webapp", webImage}} {
		tar, err := image.Build(ctx, img.pkg, img.ref, filepath.Join(labDir, "images"))
		if err != nil {
			return err
		}
		tars = append(tars, tar)
	}

	l.stepf("starting etcd, kube-apiserver and kube-controller-manager %s", controlplane.KubernetesVersion)
	if err := os.Setenv("KUBEBUILDER_ASSETS", cfg.BinDir); err != nil {
		return fmt.Errorf("setting KUBEBUILDER_ASSETS: %w", err)
	}
	cp, err := controlplane.New(ctx, controlplane.Options{
		ControllerManager: true,
		// kube-proxy routes Services by EndpointSlices; the node lifecycle
		// controller lifts the node's not-ready taint.
		MoreControllers: []string{"endpointslice", "nodelifecycle"},
		Output:          logs,
	})
	if err != nil {
		return err
	}
	cleanups = append(cleanups, func(context.Context) error { return cp.Stop() })
	l.c = cp.Client

	nodeIP := cfg.NodeIP
	if nodeIP == "" {
		if nodeIP, err = defaultAddress(); err != nil {
			return err
		}
	}
	// Ballast before the node, so that it outlives the pods.
	stopBallast, err := l.startBallast(ctx, cp, nodeIP, logDir)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, stopBallast)

	l.stepf("starting containerd, kube-scheduler, the kubelet and kube-proxy (iptables) as node %s at %s", nodeName, nodeIP)
	n, err := node.Start(ctx, node.Config{
		BinDir: cfg.BinDir, Dir: labDir, Kubeconfig: cp.KubeconfigPath,
		Name: nodeName, IP: nodeIP, SandboxImage: pauseImage, Images: tars, Output: logs,
	}, cp.Client)
	if err != nil {
		return err
	}
	cleanups = append(cleanups, func(ctx context.Context) error {
		// The pods first, so that the kubelet tears their sandboxes down.
		return errors.Join(l.deleteNamespaces(ctx), n.Stop(ctx))
	})
	l.stepf("node %s is Ready", nodeName)

	rep := &report.Report{
		Date:    time.Now().UTC().Format(time.RFC3339),
		Machine: machine(),
		Command: cfg.Command,
		Settings: report.Settings{
			Replicas: cfg.Replicas, Rollouts: cfg.Rollouts, RatePerSec: cfg.Rate,
			Timeout: cfg.Timeout.String(), StartupDelay: cfg.StartupDelay.String(),
		},
	}
	if err := l.experiments(ctx, rep); err != nil {
		return err
	}
	return l.write(rep)
}

// write prints the table and writes the JSON report and the plots.
func (l *lab) write(rep *report.Report) error {
	fmt.Println()
	if err := rep.WriteTable(os.Stdout); err != nil {
		return err
	}
	jsonPath := filepath.Join(l.cfg.Out, "node-lab.json")
	if err := rep.WriteJSON(jsonPath); err != nil {
		return err
	}
	for _, p := range plots {
		if err := rep.Plot(p.experiment, p.title, filepath.Join(l.cfg.Out, p.file)); err != nil {
			return err
		}
	}
	l.stepf("wrote %s and the plots in %s", jsonPath, l.cfg.Out)
	for _, c := range rep.Checks {
		if !c.Passed {
			return fmt.Errorf("safety check %q failed: want %s, got %s", c.Name, c.Want, c.Got)
		}
	}
	return nil
}

// lock takes lockFile, or fails when another run holds it. The kernel
// releases it when the process ends, however it ends; unlock also removes
// the file.
func lock() (unlock func(), err error) {
	f, err := os.OpenFile(lockFile, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the lock file: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("another node lab runs (it holds %s): wait for it to finish: %w", lockFile, err)
	}
	return func() {
		_ = os.Remove(lockFile)
		_ = f.Close()
	}, nil
}

// restoreLeftovers restores the host from the snapshot a killed run left.
func restoreLeftovers(l *lab) error {
	snap, err := host.Load(snapshotFile)
	if errors.Is(err, os.ErrNotExist) {
		if l.cfg.RestoreOnly {
			l.stepf("nothing to restore: %s does not exist", snapshotFile)
		}
		return nil
	}
	if err != nil {
		return err
	}
	l.stepf("restoring the host settings a previous run left changed (%s)", snapshotFile)
	if err := snap.Restore(); err != nil {
		return fmt.Errorf("restoring the host settings of a previous run: %w", err)
	}
	if err := os.Remove(snapshotFile); err != nil {
		return fmt.Errorf("removing %s: %w", snapshotFile, err)
	}
	return nil
}

// installPackages installs the Debian packages that are missing.
func installPackages(ctx context.Context, l *lab) error {
	var missing []string
	for _, p := range packages {
		if _, err := os.Stat(p.file); err != nil {
			missing = append(missing, p.name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	l.stepf("installing the Debian packages %s", strings.Join(missing, " "))
	for _, args := range [][]string{{"update", "-qq"}, append([]string{"install", "-y", "-qq"}, missing...)} {
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

// startBallast runs `ballast serve` with its webhooks on the node's
// address, and installs the chart's webhook configurations pointed at it.
// It returns the function that stops it.
func (l *lab) startBallast(ctx context.Context, cp *controlplane.ControlPlane, nodeIP, logDir string) (func(context.Context) error, error) {
	hooks, err := chart.RenderWebhooks(ctx, chart.Options{Helm: l.cfg.Helm, Chart: l.cfg.Chart, KubeVersion: controlplane.KubernetesVersion})
	if err != nil {
		return nil, err
	}
	certDir := filepath.Join(labDir, "ballast-certs")
	if err := os.MkdirAll(certDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the certificate directory: %w", err)
	}
	ca, err := servingcert.NewCA()
	if err != nil {
		return nil, err
	}
	if _, err := ca.Install(certDir, nodeIP); err != nil {
		return nil, err
	}
	install, err := hooks.InstallOptionsAt(nodeIP, ca.CertPEM(), certDir)
	if err != nil {
		return nil, err
	}
	policyFile := filepath.Join(labDir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(labPolicy), 0o644); err != nil {
		return nil, fmt.Errorf("writing the policy: %w", err)
	}
	healthAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	if err != nil {
		return nil, err
	}
	metricsAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	if err != nil {
		return nil, err
	}
	l.metric = "http://" + metricsAddr + "/metrics"
	args := []string{"serve",
		"--kubeconfig=" + cp.KubeconfigPath,
		"--policy-file=" + policyFile,
		"--cert-dir=" + certDir,
		"--webhook-bind-address=" + install.LocalServingHost,
		"--webhook-port=" + strconv.Itoa(install.LocalServingPort),
		"--metrics-bind-address=" + metricsAddr,
		"--health-probe-bind-address=" + healthAddr,
		"--audit-interval=" + auditInterval.String(),
		"--audit-unready-after=" + unreadyAfter.String(),
		ballastserve.ShutdownFlag,
	}
	l.stepf("starting %s serve and installing the chart's webhook configurations, pointed at https://%s", l.cfg.Ballast, net.JoinHostPort(nodeIP, strconv.Itoa(install.LocalServingPort)))
	s, err := ballastserve.Start(ctx, l.cfg.Ballast, args, filepath.Join(logDir, "ballast.log"), healthAddr)
	if err != nil {
		return nil, err
	}
	stop := func(context.Context) error { return s.Stop() }
	if err := install.Install(cp.Config); err != nil {
		return nil, errors.Join(fmt.Errorf("installing the webhook configurations: %w", err), s.Stop())
	}
	return stop, nil
}

// deleteNamespaces deletes the lab's namespaces and waits until their pods
// are gone, so that the kubelet has torn their sandboxes down.
func (l *lab) deleteNamespaces(ctx context.Context) error {
	var list corev1.NamespaceList
	if err := l.c.List(ctx, &list, client.HasLabels{labLabel}); err != nil {
		return fmt.Errorf("listing the lab's namespaces: %w", err)
	}
	for i := range list.Items {
		if err := client.IgnoreNotFound(l.c.Delete(ctx, &list.Items[i])); err != nil {
			return fmt.Errorf("deleting namespace %s: %w", list.Items[i].Name, err)
		}
	}
	return poll(ctx, "the lab's pods to be gone", 2*time.Minute, func() (bool, error) {
		var pods corev1.PodList
		if err := l.c.List(ctx, &pods); err != nil {
			return false, err
		}
		return len(pods.Items) == 0, fmt.Errorf("%d pods left", len(pods.Items))
	})
}

// poll calls done every 250 ms until it reports true or timeout passes.
func poll(ctx context.Context, what string, timeout time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := done()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %w)", what, ctx.Err(), err)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// defaultAddress returns the address this host reaches the outside from.
func defaultAddress() (string, error) {
	c, err := net.Dial("udp", "8.8.8.8:53") // picks the route; sends no packet
	if err != nil {
		return "", fmt.Errorf("finding the node's address (set -node-ip): %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String(), nil
}

// machine describes the host for the report.
func machine() string {
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	loadavg, _ := os.ReadFile("/proc/loadavg")
	load := strings.Join(strings.Fields(string(loadavg))[:min(3, len(strings.Fields(string(loadavg))))], " ")
	return fmt.Sprintf("%d CPUs (load average %s at the start, shared with other work), Linux %s, %s; Kubernetes %s (kubelet, kube-proxy iptables mode), containerd %s",
		runtime.NumCPU(), load, strings.TrimSpace(string(kernel)), runtime.Version(), controlplane.KubernetesVersion, containerdVersion())
}

func containerdVersion() string {
	out, err := exec.Command("containerd", "--version").Output()
	if err != nil {
		return "(unknown)"
	}
	if f := strings.Fields(string(out)); len(f) >= 3 {
		return f[2]
	}
	return strings.TrimSpace(string(out))
}

// namespace returns a namespace of the lab in mode.
func namespace(name, mode string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   name,
		Labels: map[string]string{labLabel: "true", "ballast.dev/mode": mode},
	}}
}
