package engine

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/policy"
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
	// Raw is the object's JSON as the client sent it. The patch is computed
	// against it, so fields Ballast does not know are preserved. When nil,
	// Evaluate marshals Object.
	Raw []byte
	// Settings is the policy resolved for the object's namespace.
	Settings *policy.Settings
	// Related is what is known of the objects around it.
	Related validators.Related
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
	// Skipped says why the object was not evaluated (mode off, a Pod not
	// created by a long-running controller, a kind Ballast ignores); empty
	// when it was.
	Skipped string
	// Mutations are the pod defaults the object (a Pod) or its pods (a
	// workload) receive, or would receive in dryrun. Mutations without a
	// JSON pointer describe actions outside the object, such as the
	// PodDisruptionBudget Ballast creates for a workload.
	Mutations []mutators.Change
	// Findings are the rule violations, each with its action; rules whose
	// action is off are left out.
	Findings []validators.Finding
	// Patch is the RFC 6902 JSON patch that applies Mutations to a Pod
	// against Input.Raw. It is nil for workloads, in dryrun, and when
	// nothing changes.
	Patch []byte
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
