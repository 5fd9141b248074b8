package webhook

import (
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
// server, at its path. It panics when opts lacks Policy or Reader, or when
// a path is registered already, as srv.Register does.
func Register(srv ctrlwebhook.Server, opts Options) {
	opts = opts.withDefaults()
	dec := newDecoder()
	for _, r := range []struct {
		path string
		new  func(*handler) admission.Handler
	}{
		{MutatePodsPath, func(h *handler) admission.Handler { return &podMutator{h} }},
		{ValidateWorkloadsPath, func(h *handler) admission.Handler { return &workloadValidator{h} }},
		{ValidateNamespacesPath, func(h *handler) admission.Handler { return &namespaceGuard{h} }},
	} {
		h := &handler{path: r.path, opts: opts, decoder: dec}
		srv.Register(r.path, &admission.Webhook{
			Handler:        &entry{handler: h, next: r.new(h)},
			RecoverPanic:   ptr.To(true),
			LogConstructor: requestLogger(r.path),
		})
	}
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
