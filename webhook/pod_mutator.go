package webhook

import (
	"context"
	"errors"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
)

// errNoNamespace answers a request for a namespaced object without one,
// which the API server never sends.
var errNoNamespace = errors.New("the request names no namespace")

// podMutator applies the pod defaults to Pods at creation, as sidecar
// injectors do: it covers every controller, causes no GitOps drift on the
// workloads and no rollout when the policy changes. Pods are never
// mutated on UPDATE, which would leave them stuck.
type podMutator struct{ *handler }

// Handle answers a Pod CREATE with the engine's JSON patch in warn and
// enforce namespaces, and with no patch in dryrun (the audit annotations
// record what would be set) and off. Any other operation, and requests for
// subresources (pods/binding, pods/eviction, ...), pass untouched.
func (m *podMutator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.SubResource != "" {
		return m.skipped(&req)
	}
	k, ok := lookupKind(m.path, req.Kind)
	if !ok {
		return m.wrongKind(ctx, &req)
	}
	if req.Namespace == "" {
		return m.badRequest(ctx, &req, errNoNamespace)
	}
	if resp, refused := m.tooManyContainers(ctx, &req, k, req.Object, "object"); refused {
		return resp
	}
	var pod corev1.Pod
	if err := decode(m.decoder, req.Object, &pod, k.gvk.Kind, "object"); err != nil {
		return m.badRequest(ctx, &req, err)
	}
	// A Pod created by a controller usually has only generateName (its name
	// is set later) and may leave its namespace to the request's URL.
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	return m.evaluate(ctx, &req, k, engine.Input{Object: &pod})
}
