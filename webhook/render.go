package webhook

import (
	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
)

// render turns the engine's decision into the admission response, for
// every handler that evaluates an object:
//
//   - denied: HTTP 403 with reason Forbidden and the message listing every
//     violation with its fix, as admission.Denied answers;
//   - allowed: with patch, the RFC 6902 JSON patch of the engine's edits
//     against the object as sent, when there is one (a Pod in warn or
//     enforce).
//
// Either carries the decision's warnings and its audit annotations.
func render(d *engine.Decision, patch []byte) admission.Response {
	var resp admission.Response
	if d.Allowed {
		resp = admission.Allowed("")
	} else {
		resp = admission.Denied(d.DenyMessage)
	}
	if len(patch) > 0 {
		// Set directly, not through Response.Patches: the bytes are a
		// finished patch and need no second encoding.
		resp.Patch = patch
		resp.PatchType = ptr.To(admissionv1.PatchTypeJSONPatch)
	}
	resp.Warnings = d.Warnings
	resp.AuditAnnotations = d.AuditAnnotations
	return resp
}
