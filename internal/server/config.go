package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"

	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/webhook"
)

// Defaults of the Config fields that have one.
const (
	// DefaultWebhookPort is the port the webhook server listens on.
	DefaultWebhookPort = 9443
	// DefaultGracefulShutdownTimeout bounds the shutdown of the whole
	// manager, the shutdown delay and the draining of in-flight admission
	// reviews included.
	DefaultGracefulShutdownTimeout = 30 * time.Second
	// DefaultShutdownDelay is serve's default --shutdown-delay: how long
	// the webhooks serve on, not ready, once shutdown begins, for the
	// endpoints to drop the replica. It covers endpoint propagation where
	// no preStop sleep does; the Helm chart, whose preStop sleep does,
	// passes a shorter one.
	DefaultShutdownDelay = 5 * time.Second
	// LeaderElectionID names the Lease that replicas compete for. Only
	// runnables that need a single leader (reconcilers) wait for it; the
	// webhook serves on every replica.
	LeaderElectionID = "ballast.ballast.dev"
	// DefaultNamespaceSelector selects the namespaces that the webhook
	// configurations send to Ballast at the least: all but the control
	// plane's.
	DefaultNamespaceSelector = "kubernetes.io/metadata.name notin (kube-node-lease,kube-public,kube-system)"
)

// Config configures the server. RestConfig, PolicyFile and CertDir are
// required; every other field has a usable zero value.
type Config struct {
	// RestConfig reaches the API server.
	RestConfig *rest.Config

	// PolicyFile is the path of the BallastPolicy file, usually a
	// ConfigMap volume. It is loaded before the server starts and
	// reloaded whenever it changes.
	PolicyFile string
	// PolicyPollInterval is how often the policy file is read even when no
	// file event arrives. Zero means policyfile.DefaultPollInterval.
	PolicyPollInterval time.Duration

	// CertDir holds the serving certificate and key, tls.crt and tls.key.
	// They are reloaded whenever they change.
	CertDir string
	// WebhookHost is the address the webhook server listens on; empty
	// means every interface.
	WebhookHost string
	// WebhookPort is the webhook server's port. Zero means
	// DefaultWebhookPort.
	WebhookPort int
	// EnableHTTP2 lets the webhook server negotiate HTTP/2. It is off by
	// default because of the HTTP/2 rapid reset attack (CVE-2023-44487).
	EnableHTTP2 bool
	// Limits bound what one admission review may cost and how many are
	// judged at once (webhook.Limits); zero fields take their defaults.
	Limits webhook.Limits

	// MetricsBindAddress is the address of the Prometheus metrics
	// endpoint, such as ":8080". Empty or "0" disables it.
	MetricsBindAddress string
	// HealthProbeBindAddress is the address of /healthz and /readyz, such
	// as ":8081". Empty or "0" disables them.
	HealthProbeBindAddress string

	// NamespaceSelector selects the namespaces the webhook configurations
	// send to Ballast: the Helm chart passes the namespaceSelector of its
	// Pod and workload webhooks. The PodDisruptionBudget reconciler keeps
	// budgets only there, since admission never told anyone about one
	// elsewhere. Nil means DefaultNamespaceSelector.
	NamespaceSelector labels.Selector

	// AuditInterval is how often the leader audits the whole cluster with
	// internal/audit's periodic evaluator, which exports the violations as
	// gauges and records Warning Events in warn namespaces. Zero turns it
	// off. Its metrics are registered on Registerer once per process.
	AuditInterval time.Duration
	// AuditUnreadyAfter is how long a running Pod must have been unready
	// before the periodic audit blames the readiness probe Ballast
	// injected: it counts the Pod in a gauge and records a Warning Event on
	// its workload. Zero means audit.DefaultUnreadyAfter.
	AuditUnreadyAfter time.Duration

	// PolicyReports is the API the periodic audit publishes its results in,
	// one report per namespace (internal/policyreport): auto (the
	// OpenReports API if its CRD is installed, else wgpolicyk8s.io if
	// its CRD is, else none), openreports or wgpolicyk8s. Empty or none
	// publishes none. Only with AuditInterval.
	PolicyReports policyreport.Format

	// LeaderElection makes the leader-only runnables (the
	// PodDisruptionBudget reconciler, the periodic audit) wait for the
	// Lease LeaderElectionID.
	LeaderElection bool
	// LeaderElectionNamespace is the namespace of the Lease. Empty means
	// the namespace the process runs in, which only works in a cluster.
	LeaderElectionNamespace string

	// GracefulShutdownTimeout bounds the shutdown once ctx is done, the
	// ShutdownDelay included. Zero means DefaultGracefulShutdownTimeout.
	GracefulShutdownTimeout time.Duration
	// ShutdownDelay is how long the webhooks serve on once ctx is done,
	// with /readyz failing and every answer closing its connection, before
	// the webhook server closes its listener and answers the reviews in
	// flight. It must be shorter than GracefulShutdownTimeout. Zero closes
	// the listener at once; the command's default is DefaultShutdownDelay.
	ShutdownDelay time.Duration

	// Logger is the server's logger. The zero Logger discards everything;
	// the command passes controller-runtime's global logger.
	Logger logr.Logger
	// Registerer receives Ballast's own metrics. Nil means
	// controller-runtime's registry, which the metrics endpoint serves;
	// every server of a process that leaves it nil then records into the
	// same metrics. Tests that read the metrics give each server its own
	// prometheus.NewRegistry().
	Registerer prometheus.Registerer
	// Now is the clock against which exemptions expire. Nil means
	// time.Now.
	Now func() time.Time
}

// validate reports every required field that is missing.
func (c *Config) validate() error {
	var errs []error
	if c.RestConfig == nil {
		errs = append(errs, errors.New("a REST config for the API server is required"))
	}
	if c.PolicyFile == "" {
		errs = append(errs, errors.New("a policy file is required"))
	}
	if c.CertDir == "" {
		errs = append(errs, errors.New("a certificate directory is required"))
	}
	if _, err := c.Limits.WithDefaults(); err != nil {
		errs = append(errs, err)
	}
	if c.PolicyReports != "" {
		if _, err := policyreport.ParseFormat(string(c.PolicyReports)); err != nil {
			errs = append(errs, err)
		}
	}
	if c.AuditUnreadyAfter < 0 {
		errs = append(errs, fmt.Errorf("the audit's unready-after duration %s is negative", c.AuditUnreadyAfter))
	}
	switch timeout := c.gracefulShutdownTimeout(); {
	case timeout < 0:
		errs = append(errs, fmt.Errorf("the graceful shutdown timeout %s is negative", timeout))
	case c.ShutdownDelay < 0:
		errs = append(errs, fmt.Errorf("the shutdown delay %s is negative", c.ShutdownDelay))
	case c.ShutdownDelay >= timeout:
		errs = append(errs, fmt.Errorf("the shutdown delay %s is not shorter than the graceful shutdown timeout %s, which must also cover the reviews in flight",
			c.ShutdownDelay, timeout))
	}
	return errors.Join(errs...)
}

// gracefulShutdownTimeout returns GracefulShutdownTimeout or its default.
func (c *Config) gracefulShutdownTimeout() time.Duration {
	if c.GracefulShutdownTimeout == 0 {
		return DefaultGracefulShutdownTimeout
	}
	return c.GracefulShutdownTimeout
}

// disabledIfEmpty maps the empty address, which controller-runtime's
// metrics server would replace with its default, to "0", which disables a
// server; the zero Config then starts no listener besides the webhook.
func disabledIfEmpty(addr string) string {
	if addr == "" {
		return "0"
	}
	return addr
}
