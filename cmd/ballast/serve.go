package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/webhook"
)

// Defaults of serve's flags; the Helm chart mounts its volumes there.
const (
	defaultPolicyFile = "/etc/ballast/policy.yaml"
	defaultCertDir    = "/tmp/k8s-webhook-server/serving-certs"
)

func newServeCommand() *cobra.Command {
	var (
		cfg               server.Config
		namespaceSelector string
		policyReports     string
		memoryLimit       int64
		zapOpts           zap.Options // the zero value logs JSON at info level
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the admission webhook server",
		Long: `Serve runs Ballast's admission webhooks (Pod mutation, workload validation
and the namespace label guard), its Prometheus metrics and its health probes.

The policy file is loaded before anything starts: a policy that does not load
stops serve with every problem listed. Afterwards the file is reloaded when it
changes; a change that does not load keeps the last good policy in force and
is logged and counted in ballast_policy_reload_total{result="failure"}.

Every review is bounded before it is read: its size (--max-request-bytes),
the containers of its pod (--max-containers), and the reviews judged at once
and their bytes (--max-concurrent-reviews, --max-concurrent-review-bytes). A
review beyond a limit is not judged: it is answered per the policy's
onInternalError, like any review Ballast fails to judge. With --memory-limit
(the container's memory limit), serve sets the Go runtime's soft memory limit
to 90% of it, unless GOMEMLIMIT is set.

The serving certificate (tls.crt and tls.key in --cert-dir) is reloaded when
its files change.

On SIGTERM, /readyz fails at once and the webhooks serve on for
--shutdown-delay, every answer closing its connection, while the endpoints
drop the pod. Then the webhook server stops accepting connections, answers
every review in flight in full and serve exits, all within
--graceful-shutdown-timeout. Where a preStop sleep (the Helm chart's) already
lets the endpoints drop the pod before SIGTERM, a short delay is enough.

The API server is reached through --kubeconfig, else the file named by
KUBECONFIG, else the in-cluster configuration, else ~/.kube/config.`,
		Example: `  ballast serve --policy-file=/etc/ballast/policy.yaml \
    --cert-dir=/tmp/k8s-webhook-server/serving-certs --leader-elect`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sel, err := labels.Parse(namespaceSelector)
			if err != nil {
				return fmt.Errorf("--namespace-selector: %w", err)
			}
			cfg.NamespaceSelector = sel
			if cfg.PolicyReports, err = policyreport.ParseFormat(policyReports); err != nil {
				return fmt.Errorf("--audit-policy-reports: %w", err)
			}
			log := zap.New(zap.UseFlagOptions(&zapOpts), zap.WriteTo(cmd.ErrOrStderr()))
			ctrl.SetLogger(log)

			restConfig, err := ctrlconfig.GetConfig()
			if err != nil {
				return fmt.Errorf("loading the Kubernetes client configuration: %w", err)
			}
			cfg.RestConfig = restConfig
			cfg.Logger = log
			if soft, why := goMemoryLimit(memoryLimit, os.Getenv); soft > 0 {
				debug.SetMemoryLimit(soft)
				log.Info("Go memory limit set", "memoryLimit", memoryLimit, "goMemoryLimit", soft)
			} else {
				log.Info("Go memory limit not set by serve", "reason", why, "goMemoryLimit", debug.SetMemoryLimit(-1))
			}
			srv, err := server.New(cfg)
			if err != nil {
				return err
			}
			log.Info("Starting Ballast", "policyFile", cfg.PolicyFile, "certDir", cfg.CertDir, "webhookPort", cfg.WebhookPort)
			return srv.Start(ctrl.SetupSignalHandler())
		},
	}

	cfg.Limits.MaxRequestBytes = webhook.DefaultMaxRequestBytes
	cfg.Limits.MaxConcurrentReviewBytes = webhook.DefaultMaxConcurrentReviewBytes
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&cfg.PolicyFile, "policy-file", defaultPolicyFile,
		"Path of the BallastPolicy file, reloaded when it changes.")
	f.StringVar(&cfg.CertDir, "cert-dir", defaultCertDir,
		"Directory of the serving certificate and key, tls.crt and tls.key, reloaded when they change.")
	f.StringVar(&cfg.WebhookHost, "webhook-bind-address", "",
		"Address the webhook server listens on; empty means every interface.")
	f.IntVar(&cfg.WebhookPort, "webhook-port", server.DefaultWebhookPort,
		"Port of the webhook server.")
	f.BoolVar(&cfg.EnableHTTP2, "enable-http2", false,
		"Let the webhook server negotiate HTTP/2; off by default because of the HTTP/2 rapid reset attack (CVE-2023-44487).")
	f.Var(bytesFlag{&cfg.Limits.MaxRequestBytes}, "max-request-bytes",
		"The largest admission review, such as 7Mi; larger ones are not read, and answered per the policy's onInternalError. At most 7Mi.")
	f.IntVar(&cfg.Limits.MaxContainers, "max-containers", webhook.DefaultMaxContainers,
		"The most containers (init, regular and ephemeral) of a pod or pod template; a review of more is not judged, and answered per the policy's onInternalError.")
	f.IntVar(&cfg.Limits.MaxConcurrentReviews, "max-concurrent-reviews", webhook.DefaultMaxConcurrentReviews,
		"The most admission reviews judged at once; others wait up to half the API server's timeout, then are answered per the policy's onInternalError.")
	f.Var(bytesFlag{&cfg.Limits.MaxConcurrentReviewBytes}, "max-concurrent-review-bytes",
		"The most bytes of admission reviews judged at once, such as 8Mi; at least --max-request-bytes. Reviews that would exceed it wait as above.")
	f.Var(bytesFlag{&memoryLimit}, "memory-limit",
		"The container's memory limit, such as 256Mi (the chart passes limits.memory); serve sets the Go runtime's soft memory limit to 90% of it, unless GOMEMLIMIT is set. 0: none.")
	f.StringVar(&cfg.MetricsBindAddress, "metrics-bind-address", ":8080",
		`Address of the Prometheus metrics endpoint; "0" disables it.`)
	f.StringVar(&cfg.HealthProbeBindAddress, "health-probe-bind-address", ":8081",
		`Address of the /healthz and /readyz endpoints; "0" disables them.`)
	f.StringVar(&namespaceSelector, "namespace-selector", server.DefaultNamespaceSelector,
		"Label selector of the namespaces the webhook configurations send to Ballast; PodDisruptionBudgets are kept only there.")
	f.DurationVar(&cfg.AuditInterval, "audit-interval", audit.DefaultInterval,
		"How often the leader audits the whole cluster (violation gauges, Warning Events in warn namespaces); 0 turns it off.")
	f.DurationVar(&cfg.AuditUnreadyAfter, "audit-unready-after", audit.DefaultUnreadyAfter,
		"How long a running pod must have been unready before the audit blames the readiness probe Ballast injected (gauge "+
			audit.UnreadyProbedPodsMetric+", Warning Event "+audit.ReasonInjectedProbeUnready+" on its workload).")
	f.StringVar(&policyReports, "audit-policy-reports", string(policyreport.FormatNone),
		"Publish the audit's results as one policy report per namespace: auto (openreports.io Reports if their CRD is installed, "+
			"else wgpolicyk8s.io PolicyReports if theirs is, else none), openreports, wgpolicyk8s or none.")
	f.BoolVar(&cfg.LeaderElection, "leader-elect", false,
		"Elect a leader among the replicas for the work only one may do (PodDisruptionBudgets, the audit). Every replica serves the webhook either way.")
	f.StringVar(&cfg.LeaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader election Lease; defaults to the namespace serve runs in, which out of a cluster must be given.")
	f.DurationVar(&cfg.GracefulShutdownTimeout, "graceful-shutdown-timeout", server.DefaultGracefulShutdownTimeout,
		"How long shutdown may take, the shutdown delay and the in-flight admission reviews included, before serve exits anyway.")
	f.DurationVar(&cfg.ShutdownDelay, "shutdown-delay", server.DefaultShutdownDelay,
		"How long the webhooks serve on after SIGTERM, not ready, while the endpoints drop the pod, before they stop accepting connections; "+
			"shorter than --graceful-shutdown-timeout. 0 stops accepting at once.")

	goFlags := flag.NewFlagSet("serve", flag.ContinueOnError)
	ctrlconfig.RegisterFlags(goFlags) // --kubeconfig, read by ctrlconfig.GetConfig
	zapOpts.BindFlags(goFlags)        // --zap-devel, --zap-encoder, --zap-log-level, ...
	f.AddGoFlagSet(goFlags)
	return cmd
}
