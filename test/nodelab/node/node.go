// Package node runs one real Kubernetes node against a running control
// plane: containerd (with runc and the CNI bridge plugin from Debian's
// packages), the kubelet, kube-proxy in iptables mode and kube-scheduler,
// built from the Kubernetes module into bin/k8s (hack/k8s-bins.sh).
// docs/node-lab.md describes the setup; its configuration follows the
// recipe checked on these machines, whose one workaround is
// restrict_oom_score_adj (the VMs lack CAP_SYS_RESOURCE).
//
// It changes the host (sysctls, iptables, a bridge, cgroups, mounts): take
// a host.Snapshot before Start and restore it after Stop.
package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/testutil/process"
	"github.com/ballast-dev/ballast/test/nodelab/image"
)

// Settings of the node's network.
const (
	// PodSubnet is the range the CNI bridge hands pod addresses out of.
	PodSubnet = "10.244.0.0/24"
	// ClusterCIDR is kube-proxy's view of the pod network.
	ClusterCIDR = "10.244.0.0/16"

	readyTimeout = 3 * time.Minute
	stopTimeout  = 20 * time.Second
)

// Config says how to run the node.
type Config struct {
	// BinDir holds kubelet, kube-proxy and kube-scheduler.
	BinDir string
	// Dir is the node's own directory (configuration, state, logs).
	Dir string
	// Kubeconfig is the kubeconfig every component uses.
	Kubeconfig string
	// Name and IP are the node's name and address.
	Name, IP string
	// SandboxImage is the pod sandbox ("pause") image, imported into
	// containerd from the first of Images.
	SandboxImage string
	// Images are docker-save tarballs to import into containerd before the
	// kubelet starts.
	Images []string
	// Output returns the writer for a component's output.
	Output func(component string) io.Writer
}

// Node is a running node.
type Node struct {
	cfg   Config
	procs []named // in the order they started
}

type named struct {
	name string
	proc *process.Process
}

// Binaries are the programs Start runs from Config.BinDir.
var Binaries = []string{"kubelet", "kube-proxy", "kube-scheduler"}

// Start writes the configuration files and starts containerd, imports the
// images, starts kube-scheduler, the kubelet and kube-proxy, and waits
// until the node is Ready. When it fails, it stops what it started.
func Start(ctx context.Context, cfg Config, c client.Client) (*Node, error) {
	for _, b := range Binaries {
		if _, err := os.Stat(filepath.Join(cfg.BinDir, b)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make k8s-node-bins`: %w", b, cfg.BinDir, err)
		}
	}
	n := &Node{cfg: cfg}
	if err := n.start(ctx, c); err != nil {
		return nil, errors.Join(err, n.Stop(ctx))
	}
	return n, nil
}

func (n *Node) start(ctx context.Context, c client.Client) error {
	if err := n.writeConfigs(); err != nil {
		return err
	}
	if err := n.run("containerd", "containerd", "--config", n.path("containerd.toml")); err != nil {
		return err
	}
	if err := n.waitForContainerd(ctx); err != nil {
		return err
	}
	for _, tar := range n.cfg.Images {
		if err := image.Import(ctx, n.ContainerdAddress(), tar); err != nil {
			return err
		}
	}
	bin := func(name string) string { return filepath.Join(n.cfg.BinDir, name) }
	if err := n.run("kube-scheduler", bin("kube-scheduler"),
		"--kubeconfig="+n.cfg.Kubeconfig, "--leader-elect=false", "--secure-port=0"); err != nil {
		return err
	}
	if err := n.run("kubelet", bin("kubelet"),
		"--config="+n.path("kubelet.yaml"),
		"--kubeconfig="+n.cfg.Kubeconfig,
		"--root-dir="+n.path("kubelet"),
		"--cert-dir="+n.path("kubelet", "pki"),
		"--hostname-override="+n.cfg.Name,
		"--node-ip="+n.cfg.IP,
		"--v=2"); err != nil {
		return err
	}
	if err := n.run("kube-proxy", bin("kube-proxy"), "--config="+n.path("kube-proxy.yaml")); err != nil {
		return err
	}
	return n.waitReady(ctx, c)
}

// ContainerdAddress is containerd's socket.
func (n *Node) ContainerdAddress() string { return n.path("containerd", "containerd.sock") }

func (n *Node) path(elem ...string) string {
	return filepath.Join(append([]string{n.cfg.Dir}, elem...)...)
}

// run starts a component with its output to n.cfg.Output.
func (n *Node) run(name, path string, args ...string) error {
	cmd := exec.Command(path, args...)
	out := io.Discard
	if n.cfg.Output != nil {
		out = n.cfg.Output(name)
	}
	cmd.Stdout, cmd.Stderr = out, out
	p, err := process.Start(cmd)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	n.procs = append(n.procs, named{name, p})
	return nil
}

// exited returns an error naming the first component that exited.
func (n *Node) exited() error {
	for _, p := range n.procs {
		select {
		case <-p.proc.Exited():
			return fmt.Errorf("%s exited: %w (see its log)", p.name, p.proc.ExitError())
		default:
		}
	}
	return nil
}

// poll calls done every 200 ms until it reports true, a component exits,
// or timeout passes.
func (n *Node) poll(ctx context.Context, what string, timeout time.Duration, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		ok, err := done()
		if ok {
			return nil
		}
		last = err
		if err := n.exited(); err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %w)", what, ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (n *Node) waitForContainerd(ctx context.Context) error {
	return n.poll(ctx, "containerd", time.Minute, func() (bool, error) {
		err := exec.CommandContext(ctx, "ctr", "--address", n.ContainerdAddress(), "version").Run()
		return err == nil, err
	})
}

func (n *Node) waitReady(ctx context.Context, c client.Client) error {
	return n.poll(ctx, "node "+n.cfg.Name+" to be Ready", readyTimeout, func() (bool, error) {
		var node corev1.Node
		if err := c.Get(ctx, client.ObjectKey{Name: n.cfg.Name}, &node); err != nil {
			return false, err
		}
		for _, cond := range node.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, fmt.Errorf("node %s: %s", cond.Reason, cond.Message)
			}
		}
		return false, errors.New("no Ready condition yet")
	})
}

// Stop stops kube-proxy and the kubelet, kills the containers left in
// containerd, then stops containerd and kube-scheduler. Delete the pods
// before, so that the kubelet tears their sandboxes down properly.
func (n *Node) Stop(ctx context.Context) error {
	var errs []error
	stop := func(name string) {
		for _, p := range n.procs {
			if p.name == name {
				if err := p.proc.Stop(stopTimeout); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", name, err))
				}
			}
		}
	}
	stop("kube-proxy")
	stop("kubelet")
	if n.running("containerd") {
		errs = append(errs, n.removeContainers(ctx))
	}
	stop("containerd")
	stop("kube-scheduler")
	return errors.Join(errs...)
}

func (n *Node) running(name string) bool {
	for _, p := range n.procs {
		if p.name == name {
			select {
			case <-p.proc.Exited():
				return false
			default:
				return true
			}
		}
	}
	return false
}

// removeContainers kills and removes every task and container in the
// kubelet's containerd namespace.
func (n *Node) removeContainers(ctx context.Context) error {
	ctr := func(args ...string) (string, error) {
		full := append([]string{"--address", n.ContainerdAddress(), "-n", image.Namespace}, args...)
		out, err := exec.CommandContext(ctx, "ctr", full...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("ctr %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		return string(out), nil
	}
	ids, err := ctr("containers", "list", "-q")
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range strings.Fields(ids) {
		// A container without a task, or a stopped one, is fine.
		_, _ = ctr("tasks", "kill", "--signal", "SIGKILL", id)
		_, _ = ctr("tasks", "delete", "--force", id)
		if _, err := ctr("containers", "delete", id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeConfigs writes containerd's, the CNI's, the kubelet's and
// kube-proxy's configuration files into Dir.
func (n *Node) writeConfigs() error {
	for _, d := range []string{"containerd", "cni/net.d", "kubelet", "pod-logs"} {
		if err := os.MkdirAll(n.path(d), 0o755); err != nil {
			return fmt.Errorf("creating %s: %w", n.path(d), err)
		}
	}
	data := map[string]string{
		"Dir":          n.cfg.Dir,
		"Socket":       n.ContainerdAddress(),
		"SandboxImage": n.cfg.SandboxImage,
		"PodSubnet":    PodSubnet,
		"ClusterCIDR":  ClusterCIDR,
		"Kubeconfig":   n.cfg.Kubeconfig,
		"Name":         n.cfg.Name,
	}
	for file, text := range configs {
		t, err := template.New(file).Option("missingkey=error").Parse(text)
		if err != nil {
			return fmt.Errorf("parsing the template of %s: %w", file, err)
		}
		var b strings.Builder
		if err := t.Execute(&b, data); err != nil {
			return fmt.Errorf("rendering %s: %w", file, err)
		}
		if err := os.WriteFile(n.path(file), []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", file, err)
		}
	}
	return nil
}
