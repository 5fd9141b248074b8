package policy

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// APIVersion and Kind identify a policy document.
const (
	APIVersion = "ballast.dev/v1alpha1"
	Kind       = "BallastPolicy"
)

// Label and annotation keys that make up Ballast's public contract.
const (
	// ModeLabel on a Namespace selects its mode where the policy allows it.
	ModeLabel = "ballast.dev/mode"
	// InjectedAnnotation on a Pod records what the Pod mutator injected.
	InjectedAnnotation = "ballast.dev/injected"
	// ReadinessPathAnnotation on a pod template asks for an HTTP GET readiness
	// probe on this path instead of a TCP one, for every container that gets
	// an injected probe. ReadinessPathAnnotation + "." + container name sets it
	// for one container.
	ReadinessPathAnnotation = "ballast.dev/readiness-path"
	// PreStopSleepAnnotation on a pod template asks for a longer injected
	// preStop sleep than the policy's, in whole seconds, up to
	// podDefaults.preStop.maxSleepSeconds.
	PreStopSleepAnnotation = "ballast.dev/prestop-sleep-seconds"
	// Prefix is the prefix of every key Ballast owns; only the subjects the
	// policy names may set such keys on namespaces.
	Prefix = "ballast.dev/"
)

// Mode says what Ballast does in a namespace.
type Mode string

// The modes, from strictest to off.
const (
	// ModeEnforce applies mutations and denies requests that break deny rules.
	ModeEnforce Mode = "enforce"
	// ModeWarn applies mutations and turns every violation into a warning.
	ModeWarn Mode = "warn"
	// ModeDryRun applies nothing and reports what enforce would do.
	ModeDryRun Mode = "dryrun"
	// ModeOff makes Ballast ignore the namespace.
	ModeOff Mode = "off"
)

// Modes lists every valid mode.
var Modes = []Mode{ModeEnforce, ModeWarn, ModeDryRun, ModeOff}

// Action says what a rule's violation does.
type Action string

// The rule actions.
const (
	// ActionDeny denies the request in enforce mode.
	ActionDeny Action = "deny"
	// ActionWarn returns an admission warning.
	ActionWarn Action = "warn"
	// ActionOff disables the rule.
	ActionOff Action = "off"
)

// Actions lists every valid action.
var Actions = []Action{ActionDeny, ActionWarn, ActionOff}

// PreStopStrategy selects how the injected preStop sleep is expressed.
type PreStopStrategy string

// The preStop strategies.
const (
	// PreStopNative uses the lifecycle sleep action (Kubernetes 1.30+). It
	// works in distroless images, which have no sleep binary.
	PreStopNative PreStopStrategy = "native"
	// PreStopExec runs `sleep N` in the container, for API servers older than
	// 1.30, which silently drop the native action.
	PreStopExec PreStopStrategy = "exec"
)

// OnInternalError says what the webhook answers when Ballast itself fails.
type OnInternalError string

// The internal error behaviours.
const (
	// InternalErrorAllow admits the request with a warning (fail open).
	InternalErrorAllow OnInternalError = "allow"
	// InternalErrorDeny denies the request (fail closed).
	InternalErrorDeny OnInternalError = "deny"
)

// Policy is the BallastPolicy document.
type Policy struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   ObjectMeta `json:"metadata,omitempty"`
	Spec       Spec       `json:"spec"`
}

// ObjectMeta is the small part of Kubernetes object metadata a policy file
// may carry.
type ObjectMeta struct {
	Name        string            `json:"name,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Spec is the body of a policy. Every field has a documented default, so an
// empty Spec is a valid policy.
type Spec struct {
	// Mode is the mode of namespaces that neither an exemption nor a
	// namespace label sets. Default: dryrun.
	Mode Mode `json:"mode,omitempty"`
	// NamespaceModeLabel says whether the ballast.dev/mode label on a
	// namespace may change its mode. Default: true.
	NamespaceModeLabel *bool `json:"namespaceModeLabel,omitempty"`
	// OnInternalError is the webhook's answer when Ballast itself fails.
	// Default: allow.
	OnInternalError OnInternalError `json:"onInternalError,omitempty"`
	// Rules holds each rule's action and parameters.
	Rules Rules `json:"rules,omitempty"`
	// PodDefaults configures what the Pod mutator injects.
	PodDefaults PodDefaults `json:"podDefaults,omitempty"`
	// Profiles override rule parameters, rule actions and pod defaults for
	// groups of namespaces; a namespace resolves to at most one.
	Profiles []Profile `json:"profiles,omitempty"`
	// Exemptions exempt namespaces from rules or change their mode.
	Exemptions []Exemption `json:"exemptions,omitempty"`
	// NamespaceAdmins are the only subjects that may add, change or remove
	// ballast.dev/ labels and annotations on namespaces.
	NamespaceAdmins Subjects `json:"namespaceAdmins,omitempty"`
}

// Rules holds the configuration of every rule, keyed by rule ID.
type Rules struct {
	MinReplicas         ReplicasRule         `json:"min-replicas,omitempty"`
	HPAMinReplicas      ReplicasRule         `json:"hpa-min-replicas,omitempty"`
	ReadinessProbe      Rule                 `json:"readiness-probe,omitempty"`
	LivenessProbe       Rule                 `json:"liveness-probe,omitempty"`
	ResourceRequests    Rule                 `json:"resource-requests,omitempty"`
	MemoryLimit         Rule                 `json:"memory-limit,omitempty"`
	PreStopHook         Rule                 `json:"prestop-hook,omitempty"`
	TerminationGrace    TerminationGraceRule `json:"termination-grace,omitempty"`
	PDB                 PDBRule              `json:"pdb,omitempty"`
	PDBAllowsDisruption Rule                 `json:"pdb-allows-disruption,omitempty"`
	Spread              Rule                 `json:"spread,omitempty"`
	RollingUpdate       Rule                 `json:"rolling-update,omitempty"`
	ImageTag            Rule                 `json:"image-tag,omitempty"`
}

// Rule is the configuration every rule has.
type Rule struct {
	// Action overrides the rule's default action.
	Action Action `json:"action,omitempty"`
}

// ReplicasRule configures min-replicas and hpa-min-replicas.
type ReplicasRule struct {
	Action Action `json:"action,omitempty"`
	// Minimum is the smallest acceptable replica count. Default: 2.
	Minimum int32 `json:"minimum,omitempty"`
}

// TerminationGraceRule configures termination-grace.
type TerminationGraceRule struct {
	Action Action `json:"action,omitempty"`
	// ShutdownBudgetSeconds is the time an app needs to shut down after its
	// preStop sleep. The grace period must cover sleep + budget. Default: 25.
	ShutdownBudgetSeconds int32 `json:"shutdownBudgetSeconds,omitempty"`
}

// PDBRule configures the pdb rule and the PodDisruptionBudgets Ballast
// creates.
type PDBRule struct {
	Action Action `json:"action,omitempty"`
	// Create makes Ballast create a PodDisruptionBudget for multi-replica
	// workloads that have none, in warn and enforce namespaces. Default: true.
	Create *bool `json:"create,omitempty"`
	// MaxUnavailable of the PodDisruptionBudgets Ballast creates: a count or
	// a percentage. Default: 1.
	MaxUnavailable *intstr.IntOrString `json:"maxUnavailable,omitempty"`
}

// PodDefaults configures the Pod mutator.
type PodDefaults struct {
	// OwnerKinds are the kinds of controller whose Pods get defaults. Pods of
	// other owners (Jobs), bare, static and mirror Pods never do.
	// Default: [ReplicaSet, StatefulSet, DaemonSet].
	OwnerKinds []string `json:"ownerKinds,omitempty"`
	// PreStop injects a preStop sleep into containers that serve traffic.
	PreStop PreStopDefaults `json:"preStop,omitempty"`
	// TerminationGracePeriod raises terminationGracePeriodSeconds to cover
	// the preStop sleep plus the termination-grace shutdown budget.
	TerminationGracePeriod Toggle `json:"terminationGracePeriod,omitempty"`
	// ReadinessProbe injects a readiness probe into containers that serve
	// traffic and have none. Default: enabled.
	ReadinessProbe ProbeDefaults `json:"readinessProbe,omitempty"`
	// LivenessProbe injects a liveness probe. Default: disabled, because an
	// injected liveness probe can kill slow-starting apps.
	LivenessProbe ProbeDefaults `json:"livenessProbe,omitempty"`
	// StartupProbe injects a startup probe. Default: disabled.
	StartupProbe ProbeDefaults `json:"startupProbe,omitempty"`
}

// Toggle turns a default on or off.
type Toggle struct {
	Enabled *bool `json:"enabled,omitempty"`
}

// PreStopDefaults configures the injected preStop sleep.
type PreStopDefaults struct {
	Enabled *bool `json:"enabled,omitempty"`
	// Strategy is native (default) or exec.
	Strategy PreStopStrategy `json:"strategy,omitempty"`
	// SleepSeconds is the length of the sleep. Default: 5.
	SleepSeconds int32 `json:"sleepSeconds,omitempty"`
	// MaxSleepSeconds bounds the longer sleep a pod template may ask for
	// with the ballast.dev/prestop-sleep-seconds annotation. Default: 60.
	MaxSleepSeconds int32 `json:"maxSleepSeconds,omitempty"`
}

// ProbeDefaults configures an injected probe.
type ProbeDefaults struct {
	Enabled *bool `json:"enabled,omitempty"`
	// InitialDelaySeconds of the probe. Default: 0 (readiness), 0 (startup),
	// 10 (liveness).
	InitialDelaySeconds *int32 `json:"initialDelaySeconds,omitempty"`
	// PeriodSeconds of the probe. Default: 10.
	PeriodSeconds int32 `json:"periodSeconds,omitempty"`
	// TimeoutSeconds of the probe. Default: 1.
	TimeoutSeconds int32 `json:"timeoutSeconds,omitempty"`
	// FailureThreshold of the probe. Default: 3 (30 for startup).
	FailureThreshold int32 `json:"failureThreshold,omitempty"`
}

// Profile overrides, for the namespaces it selects, any rule parameter,
// rule action and pod default of the policy. Fields left out keep the
// policy's value.
type Profile struct {
	// Name identifies the profile in output. Required; names are unique.
	Name string `json:"name"`
	// Namespaces are names or glob patterns (path.Match syntax).
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector matches namespaces by labels that only namespace
	// admins may set: keys under ballast.dev/, or kubernetes.io/metadata.name.
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// Rules override the policy's rules: actions and parameters.
	Rules Rules `json:"rules,omitempty"`
	// PodDefaults override the policy's pod defaults.
	PodDefaults PodDefaults `json:"podDefaults,omitempty"`

	// effective is the policy's spec with the overrides applied: what the
	// profile's namespaces are judged by. SetDefaults sets it.
	effective *Spec
}

// Exemption exempts namespaces from some or all rules, or sets their mode.
// It is the platform team's central override and wins over namespace labels.
type Exemption struct {
	// Name identifies the exemption in output; names are unique. When empty,
	// output names it "exemptions[i]", after its index.
	Name string `json:"name,omitempty"`
	// Namespaces are names or glob patterns (path.Match syntax).
	Namespaces []string `json:"namespaces,omitempty"`
	// NamespaceSelector matches namespaces by label.
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`
	// Workloads, when set, scope the exemption to these workloads of its
	// namespaces, and their pods and the HPAs that scale them.
	Workloads []WorkloadMatch `json:"workloads,omitempty"`
	// WorkloadSelector, when set, scopes the exemption to the workloads of
	// its namespaces whose pods carry these labels (their pod template
	// labels), and those pods. With Workloads too, both must match.
	WorkloadSelector *metav1.LabelSelector `json:"workloadSelector,omitempty"`
	// Rules are the exempted rule IDs; "*" exempts every rule and every
	// mutation, which makes the namespace behave as mode off (or, scoped to
	// workloads, leaves those workloads alone).
	Rules []string `json:"rules,omitempty"`
	// Mode, when set, is the mode of matching namespaces; it wins over the
	// namespace label. An exemption scoped to workloads cannot set one.
	Mode Mode `json:"mode,omitempty"`
	// Reason is why the exemption exists. Required.
	Reason string `json:"reason"`
	// Owner is who asked for it (a team, a ticket).
	Owner string `json:"owner,omitempty"`
	// Expires is when the exemption stops applying: an RFC 3339 time, or a
	// date, which means the start of that day in UTC. Empty: never.
	Expires *metav1.Time `json:"expires,omitempty"`
}

// WorkloadMatch names workloads by kind and name.
type WorkloadMatch struct {
	// Kind is a workload kind or a glob (path.Match syntax), such as
	// "Deployment"; empty matches every kind.
	Kind string `json:"kind,omitempty"`
	// Name is a workload name or a glob, such as "cert-manager-cainjector"
	// or "report-*". Required.
	Name string `json:"name"`
}

// Subjects names users and groups.
type Subjects struct {
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}
