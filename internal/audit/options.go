package audit

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Defaults of the Options fields that have one.
const (
	// DefaultPageSize is how many objects one list request asks for.
	DefaultPageSize = 500
	// DefaultMaxPodNames is how many pods lacking defaults a namespace's
	// report names; it counts them all.
	DefaultMaxPodNames = 10
)

// AsConfigured is the value of the --mode flag that keeps the mode each
// namespace resolves to; Options.Mode is empty then.
const AsConfigured = "as-configured"

// Source is the Source of every object of a report: where `ballast check`
// names a file and line, the audit read the object from the cluster.
const Source = "cluster"

// modeSource is the Settings.ModeSource of a mode Options.Mode set.
const modeSource = "ballast audit --mode"

// Options says what to audit and how.
type Options struct {
	// Spec is the defaulted policy. Required.
	Spec *policy.Spec
	// Policy says where Spec came from, for the report, such as
	// "ConfigMap ballast-system/ballast-policy".
	Policy string
	// Namespace, when set, is the only namespace audited; otherwise every
	// namespace is.
	Namespace string
	// Mode replaces the mode of every namespace that is not off: the
	// rollout stage to try. Empty keeps each namespace's resolved mode.
	// Exemptions still apply.
	Mode policy.Mode
	// Now is the moment the policy is resolved at, against which
	// exemptions expire. Zero means the time Run starts.
	Now time.Time
	// PageSize is the limit of each list request. Zero means
	// DefaultPageSize.
	PageSize int64
	// Excluded reports the namespaces the webhook configurations never
	// send to Ballast, such as WebhookExcluded: they are reported as
	// skipped, not evaluated. Namespaces labelled ballast.dev/mode=off
	// need not be excluded: where the policy lets the label set the mode,
	// they resolve to off anyway, and where it does not, the webhook sees
	// them. Nil excludes none.
	Excluded func(*corev1.Namespace) bool
	// MaxPodNames bounds the names of the pods lacking defaults that each
	// namespace lists. Zero means DefaultMaxPodNames.
	MaxPodNames int
	// UnreadyAfter is how long a running Pod must have been unready
	// before the audit reports that a readiness probe Ballast injected
	// keeps it so (Namespace.UnreadyProbedPods). Zero means
	// DefaultUnreadyAfter.
	UnreadyAfter time.Duration
	// OwnerLabel names the namespace label whose value is the namespace's
	// owner, such as "team": the report then has an owner column.
	// Empty reports no owner.
	OwnerLabel string
	// Engine judges the objects; nil means engine.Default().
	Engine *engine.Engine
	// Progress, when set, receives a line updated in place as the lists
	// proceed: pass a terminal, never a file or a pipe.
	Progress io.Writer
}

// systemNamespaces are the namespaces of the control plane, which the
// webhook configurations exclude.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease"}

// WebhookExcluded returns the namespaces the Helm chart's webhook
// configurations exclude by name: kube-system, kube-public,
// kube-node-lease, ballastNamespace (the release's namespace, where
// Ballast runs) and more (the chart's webhook.excludeNamespaces). Its
// result suits Options.Excluded, PeriodicOptions.Excluded and
// pdb.Options.Excluded alike.
func WebhookExcluded(ballastNamespace string, more ...string) func(*corev1.Namespace) bool {
	names := slices.Concat(systemNamespaces, []string{ballastNamespace}, more)
	return func(ns *corev1.Namespace) bool { return slices.Contains(names, ns.Name) }
}

// modeValues are the values ParseMode accepts.
var modeValues = []string{string(policy.ModeEnforce), string(policy.ModeWarn), string(policy.ModeDryRun), AsConfigured}

// ParseMode parses the value of a --mode flag: enforce, warn, dryrun or
// as-configured, which gives the empty Mode.
func ParseMode(s string) (policy.Mode, error) {
	switch {
	case s == AsConfigured:
		return "", nil
	case slices.Contains(modeValues, s):
		return policy.Mode(s), nil
	}
	return "", fmt.Errorf("mode %q: must be one of enforce, warn, dryrun, %s", s, AsConfigured)
}

// withDefaults returns o with its defaults filled in, or an error when a
// required field is missing.
func (o Options) withDefaults() (Options, error) {
	if o.Spec == nil {
		return o, errors.New("audit: Options.Spec is required")
	}
	if o.Mode == policy.ModeOff {
		return o, errors.New("audit: mode off judges nothing; use enforce, warn, dryrun or " + AsConfigured)
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.MaxPodNames <= 0 {
		o.MaxPodNames = DefaultMaxPodNames
	}
	if o.UnreadyAfter <= 0 {
		o.UnreadyAfter = DefaultUnreadyAfter
	}
	if o.Engine == nil {
		o.Engine = engine.Default()
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	return o, nil
}
