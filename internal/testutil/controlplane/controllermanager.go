package controlplane

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/testutil/process"
)

// controllerManagerControllers are the kube-controller-manager controllers
// that New runs when Options.ControllerManager is set: the workload
// controllers (Jobs included), the disruption controller (real
// PodDisruptionBudget status, so the Eviction API behaves as in a cluster),
// the garbage collector, the namespace controller (namespaces finish
// deleting), the service-account controllers (default service accounts and
// token secrets) and the cluster-role aggregation controller, which fills in
// the rules of the default admin, edit and view roles that users are bound
// to.
var controllerManagerControllers = []string{
	"deployment",
	"replicaset",
	"statefulset",
	"daemonset",
	"job",
	"disruption",
	"garbagecollector",
	"serviceaccount",
	"serviceaccount-token",
	"namespace",
	"clusterrole-aggregation",
}

const (
	// controllerManagerReadyTimeout bounds the wait for the controllers to
	// act for the first time.
	controllerManagerReadyTimeout = 90 * time.Second
	// controllerManagerStopTimeout is how long kube-controller-manager may
	// take to exit after SIGTERM before it is killed.
	controllerManagerStopTimeout = 15 * time.Second

	// saSigningKeyFile is the private key with which envtest's kube-apiserver
	// signs service-account tokens (its --service-account-signing-key-file;
	// the matching certificate is its --service-account-key-file). envtest
	// generates both into the API server's CertDir under names it does not
	// export; should they change, Start fails and says which file it missed.
	saSigningKeyFile = "sa-signer.key"
)

// startControllerManager runs kube-controller-manager against cp as the admin
// user, with controllerManagerControllers and the more controllers, its
// output to out, and waits until its controllers act. The
// process is cp.controllerManager from then on, for Stop to stop, even when
// the wait fails.
//
// With --use-service-account-credentials every controller gets its own
// service account in kube-system and a token for it from the TokenRequest
// API, as in a real cluster. The serviceaccount-token controller signs the
// tokens of kubernetes.io/service-account-token secrets itself, so it gets
// envtest's signing key: the API server accepts those tokens because it
// verifies with the matching certificate.
func startControllerManager(ctx context.Context, cp *ControlPlane, more []string, out io.Writer) error {
	saKey := filepath.Join(cp.Env.ControlPlane.GetAPIServer().CertDir, saSigningKeyFile)
	if _, err := os.Stat(saKey); err != nil {
		return fmt.Errorf("finding envtest's service-account signing key: %w", err)
	}
	rootCA := filepath.Join(cp.dir, "ca.crt")
	if err := os.WriteFile(rootCA, cp.Config.CAData, 0o600); err != nil {
		return fmt.Errorf("writing the API server's CA for kube-controller-manager: %w", err)
	}

	path := filepath.Join(cp.BinaryAssetsDirectory, "kube-controller-manager")
	cmd := exec.Command(path,
		"--kubeconfig="+cp.KubeconfigPath,
		"--authentication-kubeconfig="+cp.KubeconfigPath,
		"--authorization-kubeconfig="+cp.KubeconfigPath,
		"--controllers="+strings.Join(append(slices.Clone(controllerManagerControllers), more...), ","),
		"--use-service-account-credentials=true",
		"--service-account-private-key-file="+saKey,
		"--root-ca-file="+rootCA,
		"--leader-elect=false",
		"--secure-port=0",
		// Its default, 20 QPS, makes the start of a dozen controllers (and the
		// garbage collector's discovery) needlessly slow in tests.
		"--kube-api-qps=200",
		"--kube-api-burst=400",
	)
	cmd.Stdout = out
	cmd.Stderr = out
	proc, err := process.Start(cmd)
	if err != nil {
		return err
	}
	cp.controllerManager = proc

	if err := waitForControllers(ctx, cp.Client, proc); err != nil {
		return fmt.Errorf("waiting for the controllers: %w", err)
	}
	return nil
}

// waitForControllers waits until the serviceaccount controller has created
// the default service account of the default namespace. That takes working
// credentials for the controllers, synced informers and a running controller,
// so the other controllers are up too.
func waitForControllers(ctx context.Context, c client.Client, proc *process.Process) error {
	deadline := time.NewTimer(controllerManagerReadyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	key := client.ObjectKey{Namespace: corev1.NamespaceDefault, Name: "default"}
	for {
		err := c.Get(ctx, key, &corev1.ServiceAccount{})
		switch {
		case err == nil:
			return nil
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("getting service account %s: %w", key, err)
		}
		select {
		case <-proc.Exited():
			return fmt.Errorf("process exited early: %w", proc.ExitError())
		case <-deadline.C:
			return fmt.Errorf("service account %s not created within %s", key, controllerManagerReadyTimeout)
		case <-ctx.Done():
			return fmt.Errorf("gave up: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
