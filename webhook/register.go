package webhook

import (
	"fmt"

	"github.com/go-logr/logr"
	"k8s.io/utils/ptr"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// The paths the handlers are served on; the webhook configurations in the
// Helm chart name them.
const (
	// MutatePodsPath serves the Pod mutator.
	MutatePodsPath = "/mutate-pods"
	// ValidateWorkloadsPath serves the validator of apps/v1 Deployments,
	// StatefulSets and DaemonSets, autoscaling/v2 HorizontalPodAutoscalers
	// and policy/v1 PodDisruptionBudgets.
	ValidateWorkloadsPath = "/validate-workloads"
	// ValidateNamespacesPath serves the guard of ballast.dev/ keys on
	// Namespaces.
	ValidateNamespacesPath = "/validate-namespaces"
)

// Register registers every Ballast handler on srv, the manager's webhook
// server, at its path, each behind a gate that enforces opts.Limits on the
// HTTP request before its body is read; the three paths share the limits
// of the reviews in flight. It fails when opts lacks Policy or Reader, when
// its Limits are out of range, or when one of the paths is registered
// already.
func Register(srv ctrlwebhook.Server, opts Options) (err error) {
	opts, err = opts.withDefaults()
	if err != nil {
		return err
	}
	defer func() {
		// srv.Register panics on a path registered twice, as http.ServeMux
		// does; a second Register is a wiring mistake to report, not a crash.
		if r := recover(); r != nil {
			err = fmt.Errorf("registering Ballast's webhooks: %v", r)
		}
	}()
	// Every series the handlers can count is exported from the start, at
	// 0, so that rates and alerts see the first request.
	opts.Metrics.Expect(expectedSeries(opts.Engine))
	dec := newDecoder()
	inFlight := newSlots(opts.Limits.MaxConcurrentReviews, opts.Limits.MaxConcurrentReviewBytes, opts.Metrics)
	for _, r := range []struct {
		path string
		new  func(*handler) admission.Handler
	}{
		{MutatePodsPath, func(h *handler) admission.Handler { return &podMutator{h} }},
		{ValidateWorkloadsPath, func(h *handler) admission.Handler { return &workloadValidator{h} }},
		{ValidateNamespacesPath, func(h *handler) admission.Handler { return &namespaceGuard{h} }},
	} {
		h := &handler{path: r.path, opts: opts, decoder: dec}
		srv.Register(r.path, &gate{
			path: r.path,
			next: &admission.Webhook{
				Handler:        &entry{handler: h, next: r.new(h)},
				RecoverPanic:   ptr.To(true),
				LogConstructor: requestLogger(r.path),
			},
			maxBytes: opts.Limits.MaxRequestBytes,
			slots:    inFlight,
			policy:   opts.Policy,
			metrics:  opts.Metrics,
		})
	}
	return nil
}

// handler is what every handler shares.
type handler struct {
	path    string
	opts    Options
	decoder admission.Decoder
}

// requestLogger returns the webhook's LogConstructor: the logger that
// logf.FromContext gives the handlers names the request, never its object.
func requestLogger(path string) func(logr.Logger, *admission.Request) logr.Logger {
	return func(base logr.Logger, req *admission.Request) logr.Logger {
		if req == nil {
			return base.WithValues("webhook", path)
		}
		return base.WithValues(
			"webhook", path,
			"uid", req.UID,
			"kind", req.Kind.Kind,
			"namespace", req.Namespace,
			"name", req.Name,
			"operation", req.Operation,
			"user", req.UserInfo.Username,
			"dryRun", ptr.Deref(req.DryRun, false),
		)
	}
}
