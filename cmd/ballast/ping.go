package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ballast-dev/ballast/internal/ping"
)

func newPingCommand() *cobra.Command {
	var (
		kubeconfig  string
		kubeContext string
		opts        ping.Options
	)
	cmd := &cobra.Command{
		Use:   "ping --namespace NAMESPACE",
		Short: "Check that an installed Ballast answers, with a server-side dry run",
		Long: `Ping asks the API server for a server-side dry run of a Deployment that breaks
Ballast's rules (one replica, no readiness probe, no requests), in a namespace
Ballast's webhooks see, and checks that Ballast answered it: with its warnings,
or in enforce mode its denial. Nothing is stored. It tries again until
--timeout passes, since a Ballast just installed may take a few seconds to be
called. The Helm chart's test (helm test) runs it in a throwaway namespace.

The credentials need only to create Deployments in the namespace.

Exit status: 0 when Ballast answered, 1 when the API server admitted the
Deployment without a word of Ballast's, 2 when the dry run could not be made.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rules := clientcmd.NewDefaultClientConfigLoadingRules()
			rules.ExplicitPath = kubeconfig
			loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
			cfg, err := loader.ClientConfig()
			if err != nil {
				return fmt.Errorf("reading the kubeconfig: %w", err)
			}
			answer, err := ping.Run(cmd.Context(), cfg, opts)
			if errors.Is(err, ping.ErrNotAnswered) {
				fmt.Fprintln(cmd.ErrOrStderr(), "Error:", err)
				return &exitError{code: exitDenied}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), answer)
			return nil
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else the pod's service account)")
	flags.StringVar(&kubeContext, "context", "", "kubeconfig context (default: the current context)")
	flags.StringVarP(&opts.Namespace, "namespace", "n", "", "the namespace to dry-run the Deployment in: one Ballast's webhooks see (required)")
	flags.DurationVar(&opts.Timeout, "timeout", 60*time.Second, "how long to try before giving up")
	_ = cmd.MarkFlagRequired("namespace")
	return cmd
}
