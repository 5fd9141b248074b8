package webhook

import (
	"context"

	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
)

// evaluate judges in.Object, the decoded object of a request for kind k (or
// the workload a scale request changes), in the request's namespace, and
// answers: it resolves the namespace's settings,
// lists the neighbours the kind's rules read, calls the engine, renders its
// edits as a JSON patch against the object as sent and its decision as the
// response.
func (h *handler) evaluate(ctx context.Context, req *admission.Request, k *kind, in engine.Input) admission.Response {
	s, err := h.settings(ctx, req.Namespace)
	if err != nil {
		return h.internalError(ctx, req, err)
	}
	in.Settings = s
	if n := k.neighbours(); n != 0 && s.Mode != policy.ModeOff {
		if in.Related, err = h.related(ctx, req.Namespace, n); err != nil {
			return h.internalError(ctx, req, err)
		}
	}
	res := h.opts.Engine.Evaluate(in)
	var patch []byte
	if len(res.Edits) > 0 {
		if patch, err = buildPatch(req.Object.Raw, res.Edits); err != nil {
			// The raw object did not match the typed one: apply nothing
			// rather than a patch that could rewrite what the user sent.
			res.Skipped, res.Mutations = "cannot build patch: "+err.Error(), nil
		}
	}
	d := res.Decision()

	mode, decision := string(res.Mode), d.AuditAnnotations[engine.AuditDecision]
	h.opts.Metrics.ObserveDecision(k.resource, req.Operation, decision, mode)
	h.opts.Metrics.ObserveFindings(k.resource, mode, res.Findings)
	if k.path == MutatePodsPath {
		h.opts.Metrics.ObserveMutations(mode, res.Mutations)
	}

	log := logf.FromContext(ctx)
	if !d.Allowed {
		log.Info("denied", "mode", mode, "rules", d.AuditAnnotations[engine.AuditRules])
	} else if v := log.V(1); v.Enabled() {
		v.Info("admitted", "decision", decision, "mode", mode, "modeSource", res.ModeSource,
			"rules", d.AuditAnnotations[engine.AuditRules], "mutations", d.AuditAnnotations[engine.AuditMutations],
			"skipped", res.Skipped)
	}
	return render(&d, patch)
}
