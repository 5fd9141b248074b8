package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policyfile"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/webhook"
)

// The names of the serving certificate and key in Config.CertDir, as
// cert-manager and kubernetes.io/tls Secrets name them.
const (
	certName = "tls.crt"
	keyName  = "tls.key"
)

// cacheSyncCheckTimeout bounds how long one readiness probe waits for the
// caches to sync, well within a probe's own timeout.
const cacheSyncCheckTimeout = 500 * time.Millisecond

// processRecorder records Ballast's metrics on controller-runtime's
// registry, which the metrics endpoint serves. A metric can be registered
// only once, so every server of the process without a Registerer of its own
// shares it, as they share controller-runtime's own metrics.
var processRecorder = sync.OnceValue(func() *metrics.Recorder {
	return metrics.NewRecorder(ctrlmetrics.Registry)
})

// Server is Ballast's manager, configured and not yet started.
type Server struct {
	mgr      manager.Manager
	webhooks *webhookServer
	log      logr.Logger

	shutdownDelay   time.Duration
	shutdownTimeout time.Duration
	shuttingDown    atomic.Bool
}

// New prepares a server from cfg. It loads the policy file and the serving
// certificate first, so a broken policy or a missing certificate fails here
// with every problem listed, before anything listens. It contacts the API
// server only in Start.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("invalid server configuration: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	recorder, registerer := processRecorder(), prometheus.Registerer(ctrlmetrics.Registry)
	if cfg.Registerer != nil {
		recorder, registerer = metrics.NewRecorder(cfg.Registerer), cfg.Registerer
	}
	namespaces := cfg.NamespaceSelector
	if namespaces == nil {
		var err error
		if namespaces, err = labels.Parse(DefaultNamespaceSelector); err != nil {
			return nil, fmt.Errorf("parsing the default namespace selector: %w", err)
		}
	}
	log := cfg.Logger

	policies, err := policyfile.New(cfg.PolicyFile, policyfile.Options{
		PollInterval: cfg.PolicyPollInterval,
		Logger:       log.WithName("policy"),
		Metrics:      recorder,
		Now:          cfg.Now,
	})
	if err != nil {
		return nil, err
	}

	certs, err := certwatcher.New(filepath.Join(cfg.CertDir, certName), filepath.Join(cfg.CertDir, keyName))
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate from %s: %w", cfg.CertDir, err)
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("building the scheme: %w", err)
	}

	port := cfg.WebhookPort
	if port == 0 {
		port = DefaultWebhookPort
	}
	shutdown := cfg.gracefulShutdownTimeout()
	webhooks := newWebhookServer(cfg.WebhookHost, port, tlsOptions(certs, cfg.EnableHTTP2), shutdown, log.WithName("webhook"))
	mgr, err := manager.New(cfg.RestConfig, manager.Options{
		Scheme:                        scheme,
		Logger:                        log,
		Cache:                         cacheOptions(),
		WebhookServer:                 webhooks,
		Metrics:                       metricsserver.Options{BindAddress: disabledIfEmpty(cfg.MetricsBindAddress)},
		HealthProbeBindAddress:        cfg.HealthProbeBindAddress,
		LeaderElection:                cfg.LeaderElection,
		LeaderElectionID:              LeaderElectionID,
		LeaderElectionNamespace:       cfg.LeaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true, // the process exits once the manager stops
		GracefulShutdownTimeout:       &shutdown,
		// The controllers' names are fixed, and controller-runtime refuses
		// a name twice in a process; tests run several servers in one
		// process, production runs one.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}

	for _, r := range []manager.Runnable{policies, certs} {
		if err := mgr.Add(r); err != nil {
			return nil, fmt.Errorf("adding %T to the manager: %w", r, err)
		}
	}
	// GetWebhookServer, not the server passed in the options, adds the
	// server to the manager's runnables.
	webhookServer := mgr.GetWebhookServer()
	if err := webhook.Register(webhookServer, webhook.Options{
		Engine: engine.Default(),
		Policy: policies,
		Reader: mgr.GetCache(),
		// Only for a namespace the cache does not hold yet.
		NamespaceReader: mgr.GetAPIReader(),
		Now:             cfg.Now,
		Metrics:         recorder,
		Limits:          cfg.Limits,
	}); err != nil {
		return nil, err
	}

	// The namespaces admission never sees are off for the leader's work
	// too, so that budgets, audit gauges and admission agree.
	excluded := func(ns *corev1.Namespace) bool { return !namespaces.Matches(labels.Set(ns.Labels)) }
	if err := pdb.SetupWithManager(mgr, pdb.Options{
		Policy:     policies,
		Now:        cfg.Now,
		Registerer: registerer,
		Excluded:   excluded,
	}); err != nil {
		return nil, err
	}
	if cfg.AuditInterval > 0 {
		reports, err := policyReports(mgr, scheme, cfg.PolicyReports)
		if err != nil {
			return nil, err
		}
		periodic, err := audit.NewPeriodic(audit.PeriodicOptions{
			Reader:       mgr.GetAPIReader(), // it pages through Pods, which the cache does not hold
			Policy:       policies,
			Interval:     cfg.AuditInterval,
			UnreadyAfter: cfg.AuditUnreadyAfter,
			Excluded:     excluded,
			Registerer:   registerer,
			Events:       mgr.GetEventRecorder(audit.EventRecorderName),
			Reports:      reports,
			Now:          cfg.Now,
			Logger:       log.WithName("audit"),
		})
		if err != nil {
			return nil, err
		}
		if err := mgr.Add(periodic); err != nil {
			return nil, fmt.Errorf("adding the periodic audit to the manager: %w", err)
		}
	}

	s := &Server{mgr: mgr, webhooks: webhooks, log: log, shutdownDelay: cfg.ShutdownDelay, shutdownTimeout: shutdown}
	if err := errors.Join(
		mgr.AddHealthzCheck("ping", healthz.Ping),
		mgr.AddReadyzCheck("webhook", webhookServer.StartedChecker()),
		mgr.AddReadyzCheck("informers", cacheSyncedChecker(mgr.GetCache())),
		mgr.AddReadyzCheck("shutdown", s.shutdownChecker),
	); err != nil {
		return nil, fmt.Errorf("adding the health checks: %w", err)
	}
	return s, nil
}

// Start runs the server until ctx is done, then shuts it down gracefully
// (see run): readiness fails, the webhooks serve on for the shutdown
// delay, then the webhook server stops accepting connections and answers
// the reviews in flight in full, and the rest stops. It returns an error
// when a component fails to start or to run, or when the shutdown does not
// finish within the graceful shutdown timeout.
func (s *Server) Start(ctx context.Context) error {
	// Informers for exactly the kinds the handlers read, registered before
	// the cache starts so that readiness waits for them to sync.
	c := s.mgr.GetCache()
	for _, obj := range webhook.CachedObjects() {
		if _, err := c.GetInformer(ctx, obj, cache.BlockUntilSynced(false)); err != nil {
			return fmt.Errorf("setting up the informer for %T: %w", obj, err)
		}
	}
	return s.run(ctx)
}

// Run is New followed by Start.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(cfg)
	if err != nil {
		return err
	}
	return s.Start(ctx)
}

// policyReports returns the writer of the periodic audit's policy reports
// in format, or nil when it writes none. It reads and writes through a
// client of its own: the manager's reads from the informer cache, which
// holds only what admission reads.
func policyReports(mgr manager.Manager, scheme *runtime.Scheme, format policyreport.Format) (audit.ReportWriter, error) {
	if format == "" || format == policyreport.FormatNone {
		return nil, nil
	}
	c, err := client.New(mgr.GetConfig(), client.Options{Scheme: scheme, Mapper: mgr.GetRESTMapper(), HTTPClient: mgr.GetHTTPClient()})
	if err != nil {
		return nil, fmt.Errorf("creating the client of the policy reports: %w", err)
	}
	w, err := policyreport.NewWriter(policyreport.Options{Client: c, Format: format})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// tlsOptions configures the webhook server's TLS: the certificate from the
// watcher, TLS 1.2 or later, and HTTP/1.1 only unless enableHTTP2.
//
// HTTP/2 is off by default, as in kubebuilder's scaffold, because of the
// HTTP/2 stream cancellation ("rapid reset") attack, CVE-2023-44487: the
// API server speaks HTTP/1.1 to webhooks just as well.
func tlsOptions(certs *certwatcher.CertWatcher, enableHTTP2 bool) []func(*tls.Config) {
	return []func(*tls.Config){func(c *tls.Config) {
		c.MinVersion = tls.VersionTLS12
		c.GetCertificate = certs.GetCertificate
		if enableHTTP2 {
			c.NextProtos = []string{"h2", "http/1.1"}
		} else {
			c.NextProtos = []string{"http/1.1"}
		}
	}}
}

// cacheSyncedChecker is ready once every informer of c has synced.
func cacheSyncedChecker(c cache.Cache) healthz.Checker {
	return func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), cacheSyncCheckTimeout)
		defer cancel()
		if !c.WaitForCacheSync(ctx) {
			return errors.New("the informer caches have not synced yet")
		}
		return nil
	}
}
