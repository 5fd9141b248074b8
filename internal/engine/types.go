package engine

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// Input is one object to evaluate.
type Input struct {
	// Object is the typed object: *corev1.Pod, *appsv1.Deployment,
	// *appsv1.StatefulSet, *appsv1.DaemonSet,
	// *autoscalingv2.HorizontalPodAutoscaler or *policyv1.PodDisruptionBudget.
	// Evaluate does not modify it.
	Object runtime.Object
	// Settings is the policy resolved for the object's namespace, with a
	// defaulted Spec (as policy.Load and policy.Defaulted give it).
	Settings *policy.Settings
	// Related is what is known of the objects around it; the engine reads
	// only the neighbours its kind needs (workload.Kind.Neighbours).
	Related workload.Related
	// ReplicasOnly judges a workload's replicas alone, for a request to its
	// scale subresource: Object is the workload as stored, with the new
	// replicas; only the rules marked ReplicasOnly run, and no pod default
	// is applied, as the pod template does not change.
	ReplicasOnly bool
}

// Result is what Evaluate found.
type Result struct {
	// Kind, Namespace and Name identify the object.
	Kind      string
	Namespace string
	Name      string
	// Mode is the namespace's resolved mode and ModeSource why.
	Mode       policy.Mode
	ModeSource string
	// Profile names the policy profile whose values the namespace is
	// judged by; empty when none applies.
	Profile string
	// Skipped says why the object was not evaluated (mode off, a Pod not
	// created by a long-running controller, a kind Ballast ignores); empty
	// when it was.
	Skipped string
	// Mutations are the pod defaults the object (a Pod) or its pods (a
	// workload) receive, or would receive in dryrun. A mutation whose
	// Creates is set describes an object Ballast creates beside it, the
	// PodDisruptionBudget of a workload, and edits nothing.
	Mutations []mutators.Change
	// Notes are the pod defaults the object or its pods do not receive,
	// and why: where Ballast cannot know a default is safe (no Service
	// routes traffic to a container) it injects nothing and says so.
	Notes []mutators.Note
	// Findings are the rule violations, each with its action; rules whose
	// action is off are left out.
	Findings []validators.Finding
	// Object is the object as it will run: a copy of Input.Object with the
	// pod defaults applied to its pod template, or Input.Object itself for
	// kinds without one; nil when it was skipped.
	Object runtime.Object
	// Edits are the changes to make to a Pod as it was sent: its Mutations
	// and the ballast.dev/injected annotation that records them. They are
	// nil for workloads, in dryrun, and when nothing changes. The webhook
	// renders them as a JSON patch against the raw request.
	Edits []mutators.Change
	// Exemptions are the exemptions in force for the namespace, and Expired
	// the matching ones that no longer apply.
	Exemptions []policy.ExemptionRef
	Expired    []policy.ExemptionRef
}

// Decision is the admission answer for a Result.
type Decision struct {
	// Allowed is false only in enforce mode with a deny finding.
	Allowed bool
	// DenyMessage lists every violation with its fix when Allowed is false.
	DenyMessage string
	// Warnings are short admission warnings, each starting with a rule ID.
	Warnings []string
	// AuditAnnotations record the mode and the rules that fired. Keys are
	// relative to the webhook's name, as the API server prefixes them.
	AuditAnnotations map[string]string
}
