package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Where the Helm chart installs the policy, with its default release name
// and namespace: the ConfigMap's key is the file serve reads.
const (
	defaultPolicyConfigMap = "ballast-system/ballast-policy"
	policyConfigMapKey     = "policy.yaml"
)

// outputMarkdown is audit's table for rollout plans.
const outputMarkdown = "markdown"

// Client settings for the audit's many list requests, where the
// kubeconfig sets none: client-go's defaults (5 requests per second)
// would make a namespace-by-namespace audit of a large cluster take
// minutes, and no request should hang the command.
const (
	auditQPS            = 50
	auditBurst          = 100
	auditRequestTimeout = time.Minute
)

func newAuditCommand() *cobra.Command {
	var (
		kubeconfig        string
		kubeContext       string
		ownerLabel        string
		namespace         string
		allNamespaces     bool
		mode              string
		policyFile        string
		policyConfigMap   string
		output            string
		pageSize          int64
		excludeNamespaces []string
		unreadyAfter      time.Duration
	)
	kube := genericclioptions.NewConfigFlags(true)
	cmd := &cobra.Command{
		Use:   "audit [-n NAMESPACE | -A]",
		Short: "Report what Ballast would deny, warn about and set in a live cluster",
		Long: `Audit judges the Deployments, StatefulSets, DaemonSets, HorizontalPodAutoscalers
and PodDisruptionBudgets already in a cluster with the same engine as the
admission webhook, under the installed policy (or --policy, to preview a
change), and reports per namespace: its mode and why, the objects that would
be denied under --mode and for which rules, the warnings, the
PodDisruptionBudgets Ballast would create, the running pods that lack the
defaults Ballast would inject when they are next created, and the running pods
that a readiness probe Ballast injected has kept unready for longer than
--unready-after.

--mode enforce (the default) answers "what would enforcement reject?";
as-configured keeps each namespace's own mode. Namespaces that are off stay
off; kube-system, kube-public, kube-node-lease, Ballast's own namespace (that
of --policy-configmap) and --exclude-namespaces are skipped, as the webhook
never sees them.
Lists are paged (--page-size). A namespace whose objects the credentials may
not list is reported as unreadable; the others are still audited.

Exit status: 0 when nothing would be denied, 1 when something would, 2 when
the cluster or the policy could not be read, a namespace was unreadable (the
rest is still reported), or the command is misused.`,
		Example: `  ballast audit -A
  ballast audit -A --mode as-configured -o markdown > rollout.md
  ballast audit -n shop --policy next-policy.yaml
  ballast audit -A --context prod --policy-configmap ballast-system/ballast-policy -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := audit.ParseMode(mode)
			if err != nil {
				return fmt.Errorf("--mode: %w", err)
			}
			write, err := auditWriter(output)
			if err != nil {
				return err
			}
			if pageSize <= 0 {
				return fmt.Errorf("--page-size %d: must be positive", pageSize)
			}
			if unreadyAfter <= 0 {
				return fmt.Errorf("--unready-after %s: must be positive", unreadyAfter)
			}
			cmNamespace, cmName, ok := strings.Cut(policyConfigMap, "/")
			if !ok || cmNamespace == "" || cmName == "" {
				return fmt.Errorf("--policy-configmap %q: must be NAMESPACE/NAME", policyConfigMap)
			}

			loader := kube.ToRawKubeConfigLoader()
			restConfig, err := kube.ToRESTConfig()
			if err != nil {
				return fmt.Errorf("loading the Kubernetes client configuration: %w", err)
			}
			if !allNamespaces && namespace == "" {
				if namespace, _, err = loader.Namespace(); err != nil {
					return fmt.Errorf("reading the namespace of the kubeconfig context: %w", err)
				}
			}
			c, err := newAuditClient(restConfig)
			if err != nil {
				return err
			}

			opts := audit.Options{
				Namespace:    namespace,
				Mode:         m,
				PageSize:     pageSize,
				Excluded:     audit.WebhookExcluded(cmNamespace, excludeNamespaces...),
				UnreadyAfter: unreadyAfter,
				OwnerLabel:   ownerLabel,
			}
			var pol *policy.Policy
			if policyFile != "" {
				pol, err = policy.Load(policyFile)
				opts.Policy = "file " + policyFile
			} else {
				pol, err = installedPolicy(cmd.Context(), c, cmNamespace, cmName)
				opts.Policy = "ConfigMap " + policyConfigMap
			}
			if err != nil {
				return err
			}
			opts.Spec = &pol.Spec
			if isTerminal(cmd.ErrOrStderr()) {
				opts.Progress = cmd.ErrOrStderr()
			}

			report, err := audit.Run(cmd.Context(), c, opts)
			if err != nil {
				return fmt.Errorf("auditing the cluster: %w", err)
			}
			if err := write(report, cmd.OutOrStdout()); err != nil {
				return err
			}
			switch {
			case report.Summary.Unreadable > 0:
				return &exitError{code: exitFailure}
			case report.Summary.Denied > 0:
				return &exitError{code: exitDenied}
			}
			return nil
		},
	}
	flags := cmd.Flags()
	flags.SortFlags = false
	flags.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)")
	flags.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current context)")
	flags.StringVarP(&namespace, "namespace", "n", "", "namespace to audit (default: the context's namespace)")
	flags.BoolVarP(&allNamespaces, "all-namespaces", "A", false, "audit every namespace")
	flags.StringVar(&mode, "mode", string(policy.ModeEnforce),
		"mode to judge every namespace in, unless it is off: enforce, warn, dryrun, or as-configured to keep each namespace's own")
	flags.StringVar(&policyFile, "policy", "", "BallastPolicy file to judge with, e.g. to preview a change (default: the installed policy)")
	flags.StringVar(&policyConfigMap, "policy-configmap", defaultPolicyConfigMap,
		"NAMESPACE/NAME of the ConfigMap that holds the installed policy, under the key "+policyConfigMapKey+"; its namespace is Ballast's, which is skipped")
	flags.StringVarP(&output, "output", "o", outputText, "output format: text, json or markdown")
	flags.StringSliceVar(&excludeNamespaces, "exclude-namespaces", nil,
		"more namespaces the webhook never sees, as the chart's webhook.excludeNamespaces; they are skipped")
	flags.Int64Var(&pageSize, "page-size", audit.DefaultPageSize, "objects per list request")
	flags.DurationVar(&unreadyAfter, "unready-after", audit.DefaultUnreadyAfter,
		"how long a running pod must have been unready before the readiness probe Ballast injected is blamed; as serve's --audit-unready-after")
	flags.StringVar(&ownerLabel, "owner-label", "",
		"namespace label whose value names each namespace's owner, such as team: the report gains an owner column")
	// kubectl's flags for the rest of the kubeconfig (--as, --as-group,
	// --request-timeout, --cluster, --user, --server, --token, ...);
	// --kubeconfig, --context and -n keep audit's own words.
	kube.KubeConfig, kube.Context, kube.Namespace, kube.CacheDir = nil, nil, nil, nil
	kube.AddFlags(flags)
	kube.KubeConfig, kube.Context, kube.Namespace = &kubeconfig, &kubeContext, &namespace
	if f := flags.Lookup("request-timeout"); f != nil {
		f.Usage = "how long to wait for each request to the API server, such as 30s or 2m; 0 means a minute"
	}
	cmd.MarkFlagsMutuallyExclusive("namespace", "all-namespaces")
	cmd.MarkFlagsMutuallyExclusive("policy", "policy-configmap")
	return cmd
}

// auditWriter returns the writer of an -o format.
func auditWriter(output string) (func(*audit.Report, io.Writer) error, error) {
	switch output {
	case outputText:
		return (*audit.Report).WriteText, nil
	case outputJSON:
		return (*audit.Report).WriteJSON, nil
	case outputMarkdown:
		return (*audit.Report).WriteMarkdown, nil
	}
	return nil, fmt.Errorf("--output %q: must be text, json or markdown", output)
}

// newAuditClient returns a client that reads from the API server, with
// the audit's rate limits and request timeout where cfg sets none.
func newAuditClient(cfg *rest.Config) (client.Client, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 && cfg.RateLimiter == nil {
		cfg.QPS, cfg.Burst = auditQPS, auditBurst
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = auditRequestTimeout
	}
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	return c, nil
}

// installedPolicy reads the policy the webhook runs with from its
// ConfigMap.
func installedPolicy(ctx context.Context, c client.Reader, namespace, name string) (*policy.Policy, error) {
	ref := namespace + "/" + name
	var cm corev1.ConfigMap
	switch err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &cm); {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading the installed policy: ConfigMap %s not found; name Ballast's with --policy-configmap NAMESPACE/NAME, or give a policy file with --policy", ref)
	case err != nil:
		return nil, fmt.Errorf("reading the installed policy from ConfigMap %s: %w", ref, err)
	}
	data, ok := cm.Data[policyConfigMapKey]
	if !ok {
		return nil, fmt.Errorf("reading the installed policy: ConfigMap %s has no key %s", ref, policyConfigMapKey)
	}
	p, err := policy.Parse([]byte(data))
	if err != nil {
		return nil, fmt.Errorf("the installed policy, ConfigMap %s key %s: %w", ref, policyConfigMapKey, err)
	}
	return p, nil
}

// isTerminal reports whether w is a terminal, where progress is shown.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
