package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/testutil/ballastserve"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
)

// config holds the command-line settings.
type config struct {
	ballast       string
	namespaces    int
	deployments   int
	workers       int
	memoryLimit   string
	auditInterval time.Duration
	steady        time.Duration
}

// policy is the BallastPolicy Ballast runs with: every namespace in
// enforce, so every Deployment of two replicas gets its
// PodDisruptionBudget.
const policy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
metadata:
  name: memory
spec:
  mode: enforce
`

// pollInterval is how often the phases' conditions are checked: about
// as often as Prometheus scrapes, since each check reads the metrics.
const pollInterval = 5 * time.Second

// phaseTimeout bounds the wait for each phase.
const phaseTimeout = 30 * time.Minute

// run seeds a control plane, runs Ballast in it and prints the samples of
// each phase to out.
func run(ctx context.Context, cfg config, out io.Writer) (err error) {
	started := time.Now()
	dir, err := os.MkdirTemp("", "ballast-memory-")
	if err != nil {
		return fmt.Errorf("creating a temporary directory: %w", err)
	}
	defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()

	fmt.Fprintf(out, "Starting etcd and kube-apiserver %s\n", controlplane.KubernetesVersion)
	cp, err := controlplane.New(ctx, controlplane.Options{})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cp.Stop()) }()

	fmt.Fprintf(out, "Seeding %d namespaces with %d Deployments each\n", cfg.namespaces, cfg.deployments)
	seedStart := time.Now()
	if err := seed(ctx, cp.Client, cfg); err != nil {
		return err
	}
	fmt.Fprintf(out, "Seeded in %s\n", time.Since(seedStart).Round(time.Second))

	args, metricsAddr, healthAddr, err := serveArgs(dir, cp.KubeconfigPath, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Starting %s %v\n", cfg.ballast, args)
	ballastLog := filepath.Join(dir, "ballast.log")
	serveStart := time.Now()
	b, err := ballastserve.Start(ctx, cfg.ballast, args, ballastLog, healthAddr)
	if err != nil {
		return withLog(err, ballastLog)
	}
	defer func() { err = errors.Join(err, b.Stop()) }()

	s := &sampler{pid: b.Pid(), metricsURL: "http://" + metricsAddr + "/metrics", start: serveStart}
	var samples []sample
	take := func(phase string) error {
		smp, err := s.take(ctx, phase)
		if err != nil {
			return withLog(err, ballastLog)
		}
		samples = append(samples, smp)
		fmt.Fprintf(out, "  %s after %s\n", phase, smp.at.Round(time.Second))
		return nil
	}
	if err := take("ready"); err != nil {
		return err
	}

	want := cfg.namespaces * cfg.deployments
	firstAudit := 0.0
	if err := waitFor(ctx, "every PodDisruptionBudget and the start-up audit", func() (bool, error) {
		n, err := countPDBs(ctx, cp.Client)
		if err != nil || n < want {
			return false, err
		}
		firstAudit, err = s.metric(ctx, audit.LastRunMetric)
		return firstAudit > 0, err
	}); err != nil {
		return withLog(err, ballastLog)
	}
	if err := take("started"); err != nil {
		return err
	}

	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(cfg.steady):
	}
	if err := take("steady"); err != nil {
		return err
	}

	if err := waitFor(ctx, "the next periodic audit", func() (bool, error) {
		last, err := s.metric(ctx, audit.LastRunMetric)
		return last > firstAudit, err
	}); err != nil {
		return withLog(err, ballastLog)
	}
	if err := take("audited"); err != nil {
		return err
	}

	fmt.Fprintf(out, "\n%d namespaces, %d Deployments, %d PodDisruptionBudgets; --memory-limit=%s; %s\n",
		cfg.namespaces, want, want, cfg.memoryLimit, time.Since(started).Round(time.Second))
	printTable(out, samples)
	return nil
}

// serveArgs returns the arguments of `ballast serve`, as the chart passes
// them, and the addresses of its metrics and health endpoints.
func serveArgs(dir, kubeconfig string, cfg config) (args []string, metricsAddr, healthAddr string, err error) {
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(policy), 0o600); err != nil {
		return nil, "", "", fmt.Errorf("writing the policy: %w", err)
	}
	certDir := filepath.Join(dir, "certs")
	if err := os.Mkdir(certDir, 0o700); err != nil {
		return nil, "", "", fmt.Errorf("creating the certificate directory: %w", err)
	}
	ca, err := servingcert.NewCA()
	if err != nil {
		return nil, "", "", err
	}
	if _, err := ca.Install(certDir, chart.LoopbackHost, "localhost"); err != nil {
		return nil, "", "", err
	}
	var addrs [3]string
	for i := range addrs {
		if addrs[i], err = netutil.FreeAddr(chart.LoopbackHost); err != nil {
			return nil, "", "", err
		}
	}
	port, err := netutil.FreePort(chart.LoopbackHost)
	if err != nil {
		return nil, "", "", err
	}
	args = []string{"serve",
		"--kubeconfig=" + kubeconfig,
		"--policy-file=" + policyFile,
		"--cert-dir=" + certDir,
		"--webhook-bind-address=" + chart.LoopbackHost,
		"--webhook-port=" + strconv.Itoa(port),
		"--metrics-bind-address=" + addrs[0],
		"--health-probe-bind-address=" + addrs[1],
		"--audit-interval=" + cfg.auditInterval.String(),
		ballastserve.ShutdownFlag,
	}
	if cfg.memoryLimit != "" {
		args = append(args, "--memory-limit="+cfg.memoryLimit)
	}
	return args, addrs[0], addrs[1], nil
}

// seed creates the namespaces and their Deployments, cfg.workers at a time.
func seed(ctx context.Context, c client.Client, cfg config) error {
	jobs := make(chan int)
	errs := make(chan error, cfg.workers)
	for range cfg.workers {
		go func() {
			var err error
			for i := range jobs {
				if err == nil {
					err = seedNamespace(ctx, c, i, cfg.deployments)
				}
			}
			errs <- err
		}()
	}
	for i := range cfg.namespaces {
		jobs <- i
	}
	close(jobs)
	var all []error
	for range cfg.workers {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// seedNamespace creates namespace i and its Deployments.
func seedNamespace(ctx context.Context, c client.Client, i, deployments int) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("team-%05d", i)}}
	if err := c.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", ns.Name, err)
	}
	for j := range deployments {
		d := deployment(ns.Name, fmt.Sprintf("app-%d", j))
		if err := c.Create(ctx, d); err != nil {
			return fmt.Errorf("creating deployment %s/%s: %w", d.Namespace, d.Name, err)
		}
	}
	return nil
}

// deployment returns a two-replica Deployment of a typical size: one
// container with resources, probes, environment and a volume.
func deployment(namespace, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 10}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  "app",
						Image: "registry.example.com/team/" + name + ":1.0.0",
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						Env: []corev1.EnvVar{
							{Name: "LOG_LEVEL", Value: "info"},
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						ReadinessProbe: probe,
						LivenessProbe:  probe,
						VolumeMounts:   []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}},
					}},
					Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
}

// countPDBs returns how many PodDisruptionBudgets the cluster holds,
// paging through their metadata only.
func countPDBs(ctx context.Context, c client.Client) (int, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudgetList"))
	n := 0
	for cont := ""; ; {
		if err := c.List(ctx, list, client.Limit(1000), client.Continue(cont)); err != nil {
			return 0, fmt.Errorf("counting the PodDisruptionBudgets: %w", err)
		}
		n += len(list.Items)
		if cont = list.GetContinue(); cont == "" {
			return n, nil
		}
	}
}

// waitFor polls done every pollInterval until it reports true, fails, or
// phaseTimeout passes.
func waitFor(ctx context.Context, what string, done func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, phaseTimeout)
	defer cancel()
	for {
		ok, err := done()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// withLog adds the end of Ballast's log to err.
func withLog(err error, logFile string) error {
	b, rerr := os.ReadFile(logFile)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	const tail = 4000
	if len(b) > tail {
		b = b[len(b)-tail:]
	}
	return fmt.Errorf("%w\nthe end of Ballast's log:\n%s", err, b)
}
