package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	admissionv1 "k8s.io/api/admission/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
)

// Values of the decision audit annotation (and metric label) beyond the
// engine's Decision* values.
const (
	// DecisionInvalid records a request that was not what the path serves,
	// answered with HTTP 400.
	DecisionInvalid = "invalid"
	// DecisionError records a request Ballast failed to evaluate, answered
	// per the policy's onInternalError.
	DecisionError = "error"
)

// AuditError is the audit annotation key that holds what failed when the
// decision is DecisionError.
const AuditError = "error"

// The warnings of a request admitted unchecked start with these: the first
// after an internal error, the second when the request exceeds a limit.
const (
	internalWarningPrefix  = "ballast: internal error, request admitted unchecked: "
	uncheckedWarningPrefix = "ballast: request admitted unchecked: "
)

// errPolicyNotLoaded is the internal error of a request that arrives
// before any policy has loaded.
var errPolicyNotLoaded = errors.New("no policy loaded")

// entry is where every request comes in, in front of the handler of its
// path. It answers a request without a known operation, which the API
// server never sends, with HTTP 400. And it turns a panic of the handler
// into an internal error, so that it follows the policy's onInternalError
// like any other failure of Ballast: admission.Webhook's own RecoverPanic,
// which stays on behind it, would answer 500 and deny, failing closed
// whatever the policy says.
type entry struct {
	*handler
	next admission.Handler
}

// Handle checks the operation and calls the next handler, recovering its
// panic.
func (e *entry) Handle(ctx context.Context, req admission.Request) (resp admission.Response) {
	switch req.Operation {
	case admissionv1.Create, admissionv1.Update, admissionv1.Delete, admissionv1.Connect:
	default:
		return e.badRequest(ctx, &req, fmt.Errorf("the request has no known operation: %q", req.Operation))
	}
	defer func() {
		if r := recover(); r != nil {
			resp = e.internalError(ctx, &req, fmt.Errorf("panic: %v", r), "stack", string(debug.Stack()))
		}
	}()
	return e.next.Handle(ctx, req)
}

// internalError answers a request Ballast failed to evaluate, per the
// policy's onInternalError (see unjudged). keysAndValues are logged with
// the error.
func (h *handler) internalError(ctx context.Context, req *admission.Request, err error, keysAndValues ...any) admission.Response {
	onError := onInternalError(h.opts.Policy)
	logf.FromContext(ctx).Error(err, "internal error", append(keysAndValues, "onInternalError", onError)...)
	h.opts.Metrics.ObserveInternalError(h.path)
	h.opts.Metrics.ObserveDecision(resourceOf(req.Kind), req.Operation, DecisionError, metrics.NoMode)
	return unjudged(onError, true, http.StatusInternalServerError, err)
}

// refuse answers a request Ballast will not judge because it exceeds one
// of the Limits, per the policy's onInternalError (see unjudged): Ballast
// cannot say what it would have decided. reason is one of the metrics'
// Refused* reasons, code the HTTP status of a denial.
func (h *handler) refuse(ctx context.Context, req *admission.Request, reason string, code int32, err error) admission.Response {
	onError := onInternalError(h.opts.Policy)
	logf.FromContext(ctx).Info("review refused", "reason", reason, "error", err.Error(), "onInternalError", onError)
	h.opts.Metrics.ObserveRefused(h.path, reason)
	h.opts.Metrics.ObserveDecision(resourceOf(req.Kind), req.Operation, DecisionError, metrics.NoMode)
	return unjudged(onError, false, code, err)
}

// onInternalError returns the policy's answer to a request Ballast does not
// judge: allow, the default, also when no policy has loaded.
func onInternalError(p PolicySource) policy.OnInternalError {
	if pol := p.Policy(); pol != nil && pol.Spec.OnInternalError != "" {
		return pol.Spec.OnInternalError
	}
	return policy.InternalErrorAllow
}

// unjudged is the answer to a request Ballast did not judge, because of
// err, an internal error or a limit the request exceeds, per onError:
// admitted with a warning that says it went unchecked (allow), or an error
// with HTTP status code (deny), which the API server treats as a denial.
// Either records the decision "error" and err in the audit annotations.
func unjudged(onError policy.OnInternalError, internal bool, code int32, err error) admission.Response {
	denial, warning := "ballast: ", uncheckedWarningPrefix
	if internal {
		denial, warning = "ballast: internal error: ", internalWarningPrefix
	}
	var resp admission.Response
	if onError == policy.InternalErrorDeny {
		resp = admission.Errored(code, fmt.Errorf("%s%w", denial, err))
	} else {
		resp = admission.Allowed("").WithWarnings(engine.ClipWarning(warning + err.Error()))
	}
	resp.AuditAnnotations = map[string]string{engine.AuditDecision: DecisionError, AuditError: engine.ClipWarning(err.Error())}
	return resp
}

// badRequest answers a request that is not what the path serves: HTTP
// 400, which the API server treats as a denial, with a message that says
// what was wrong.
func (h *handler) badRequest(ctx context.Context, req *admission.Request, err error) admission.Response {
	logf.FromContext(ctx).Info("bad request", "reason", err.Error())
	h.opts.Metrics.ObserveDecision(resourceOf(req.Kind), req.Operation, DecisionInvalid, metrics.NoMode)
	return admission.Errored(http.StatusBadRequest, err)
}

// wrongKind answers a request for a kind the path does not serve.
func (h *handler) wrongKind(ctx context.Context, req *admission.Request) admission.Response {
	got := "an object without a kind"
	if req.Kind.Kind != "" {
		got = gvkString(req.Kind)
	}
	return h.badRequest(ctx, req, fmt.Errorf("the %s webhook serves %s, not %s: check the webhook configuration's rules",
		h.path, servedKinds(h.path), got))
}

// skipped answers, unchecked, a request the handler does not judge.
func (h *handler) skipped(req *admission.Request) admission.Response {
	h.opts.Metrics.ObserveDecision(resourceOf(req.Kind), req.Operation, engine.DecisionSkipped, metrics.NoMode)
	resp := admission.Allowed("")
	resp.AuditAnnotations = map[string]string{engine.AuditDecision: engine.DecisionSkipped}
	return resp
}
