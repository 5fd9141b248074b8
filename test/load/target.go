package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zapcore"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
)

const (
	// readyTimeout bounds the wait for Ballast to be ready.
	readyTimeout = time.Minute
	// requestTimeout bounds one review, well above the API server's
	// webhook timeouts (2 and 3 s).
	requestTimeout = 10 * time.Second
)

// loadPolicy is the policy under load: warn by default, so every review is
// answered in full (patches, findings, warnings) and nothing is denied.
const loadPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
metadata:
  name: load
spec:
  mode: warn
`

// target is a running control plane with Ballast serving its webhooks,
// and the bare floor beside it.
type target struct {
	cp      *controlplane.ControlPlane
	dir     string
	addr    string // the webhook server's host:port
	floor   *floorServer
	caFile  string // the CA's certificate, which the load generator trusts
	client  *http.Client
	stopSrv context.CancelFunc
	stopped chan struct{} // closed once the server has stopped
	srvErr  error         // the server's error, readable once stopped is closed
}

// startTarget starts a control plane, seeds it and starts Ballast, and
// returns once Ballast is ready. When it fails, it stops what it started.
func startTarget(ctx context.Context, namespaces int) (_ *target, err error) {
	// Errors only: the figures are the output. controller-runtime's own
	// components log through its global logger.
	log := zap.New(zap.Level(zapcore.ErrorLevel), zap.WriteTo(os.Stderr))
	logf.SetLogger(log)

	t := &target{stopped: make(chan struct{})}
	defer func() {
		if err != nil {
			err = errors.Join(err, t.stop())
		}
	}()
	if t.cp, err = controlplane.New(ctx, controlplane.Options{}); err != nil {
		return t, fmt.Errorf("starting the control plane: %w", err)
	}
	if err := seed(ctx, t.cp.Client, namespaces); err != nil {
		return t, err
	}

	if t.dir, err = os.MkdirTemp("", "ballast-load-"); err != nil {
		return t, fmt.Errorf("creating a temporary directory: %w", err)
	}
	certDir := filepath.Join(t.dir, "certs")
	if err := os.Mkdir(certDir, 0o700); err != nil {
		return t, fmt.Errorf("creating the certificate directory: %w", err)
	}
	ca, err := servingcert.NewCA()
	if err != nil {
		return t, err
	}
	if _, err := ca.Install(certDir, chart.LoopbackHost); err != nil {
		return t, err
	}
	policyFile := filepath.Join(t.dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte(loadPolicy), 0o600); err != nil {
		return t, fmt.Errorf("writing the policy: %w", err)
	}
	webhookPort, err := netutil.FreePort(chart.LoopbackHost)
	if err != nil {
		return t, err
	}
	healthAddr, err := netutil.FreeAddr(chart.LoopbackHost)
	if err != nil {
		return t, err
	}
	t.addr = net.JoinHostPort(chart.LoopbackHost, strconv.Itoa(webhookPort))

	srv, err := server.New(server.Config{
		RestConfig:             t.cp.Config,
		PolicyFile:             policyFile,
		CertDir:                certDir,
		WebhookHost:            chart.LoopbackHost,
		WebhookPort:            webhookPort,
		HealthProbeBindAddress: healthAddr,
		Logger:                 log,
		// A registry of its own, as a process has one: the figures
		// include recording the metrics.
		Registerer: prometheus.NewRegistry(),
	})
	if err != nil {
		return t, fmt.Errorf("creating Ballast's server: %w", err)
	}
	var srvCtx context.Context
	srvCtx, t.stopSrv = context.WithCancel(context.WithoutCancel(ctx))
	go func() {
		t.srvErr = srv.Start(srvCtx)
		close(t.stopped)
	}()
	readyCtx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	switch err := netutil.WaitReady(readyCtx, "http://"+healthAddr+"/readyz", t.stopped); {
	case errors.Is(err, netutil.ErrStopped):
		return t, fmt.Errorf("the server of Ballast stopped while starting: %w", t.srvErr)
	case err != nil:
		return t, fmt.Errorf("waiting for Ballast to be ready: %w", err)
	}

	if t.floor, err = startFloor(chart.LoopbackHost, certDir); err != nil {
		return t, err
	}
	t.caFile = filepath.Join(t.dir, "ca.crt")
	if err := os.WriteFile(t.caFile, ca.CertPEM(), 0o600); err != nil {
		return t, fmt.Errorf("writing the CA's certificate: %w", err)
	}

	t.client = newClient(ca.Pool())
	return t, nil
}

// newClient returns a client that sends reviews as the API server does:
// kept-alive HTTP/1.1 connections, the serving certificate verified
// against the webhook configuration's CA, roots.
func newClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: roots, ServerName: chart.LoopbackHost, MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 1024,
			ForceAttemptHTTP2:   false,
		},
	}
}

// stop stops Ballast and the control plane and removes the temporary
// files. It may be called on a partly started target.
func (t *target) stop() error {
	var errs []error
	if t.client != nil {
		t.client.CloseIdleConnections()
	}
	if t.floor != nil {
		if err := t.floor.stop(); err != nil {
			errs = append(errs, err)
		}
	}
	if t.stopSrv != nil {
		t.stopSrv()
		<-t.stopped
		if t.srvErr != nil {
			errs = append(errs, fmt.Errorf("the server of Ballast: %w", t.srvErr))
		}
	}
	if t.cp != nil {
		if err := t.cp.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stopping the control plane: %w", err))
		}
	}
	if t.dir != "" {
		if err := os.RemoveAll(t.dir); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", t.dir, err))
		}
	}
	return errors.Join(errs...)
}

// seed creates the namespaces load-0 ... load-(n-1) in mode warn, each with
// what Ballast's cache holds and its handlers read: a Deployment, a
// PodDisruptionBudget, an HorizontalPodAutoscaler, and the Services in
// front of the pods of the reviews (app=web for Pods, app=checkout for
// Deployments), so that their answers inject the readiness probe, which
// Ballast does only on a port a Service routes traffic to.
func seed(ctx context.Context, c client.Client, n int) error {
	for i := range n {
		ns := namespaceName(i)
		labels := map[string]string{"app": "web"}
		objs := []client.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{policy.ModeLabel: string(policy.ModeWarn)}}},
			service(ns, "web"),
			service(ns, "checkout"),
			&appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
				Spec: appsv1.DeploymentSpec{
					Replicas: ptr.To[int32](3),
					Selector: &metav1.LabelSelector{MatchLabels: labels},
					Template: corev1.PodTemplateSpec{
						ObjectMeta: metav1.ObjectMeta{Labels: labels},
						Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example.com/web:1.0.0"}}},
					},
				},
			},
			&policyv1.PodDisruptionBudget{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
				Spec: policyv1.PodDisruptionBudgetSpec{
					Selector:       &metav1.LabelSelector{MatchLabels: labels},
					MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				},
			},
			&autoscalingv2.HorizontalPodAutoscaler{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
				Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
					ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
					MinReplicas:    ptr.To[int32](3),
					MaxReplicas:    10,
				},
			},
		}
		for _, obj := range objs {
			if err := c.Create(ctx, obj); err != nil {
				return fmt.Errorf("seeding %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
	return nil
}

// service returns the Service app, which sends the traffic of port 80 to
// the port named http of the pods labelled app=app.
func service(ns, app string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": app},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
}

// namespaceName is the name of the i-th seeded namespace.
func namespaceName(i int) string {
	return "load-" + strconv.Itoa(i)
}
