package webhook

import (
	"context"

	admissionv1 "k8s.io/api/admission/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
)

// workloadValidator judges Deployments, StatefulSets, DaemonSets,
// HorizontalPodAutoscalers and PodDisruptionBudgets when they are applied,
// so the person who applied them reads the answer (users want the
// rejection at the Deployment, not at pod creation where only the
// ReplicaSet controller sees it). A workload is judged as it will run: its
// pod template with the pod defaults applied, which the warnings also
// announce.
type workloadValidator struct{ *handler }

// Handle judges CREATE and UPDATE requests and UPDATEs of the scale
// subresource (see scale); DELETE, CONNECT and other subresources (status)
// pass untouched. A request for another kind
// is a misconfiguration of the webhook's rules and is answered with
// HTTP 400 naming the kinds the path serves: failing loudly shows it at
// once, where admitting unchecked would hide it.
//
// Two kinds of UPDATE pass unchecked, because denying them would do harm
// and no good: one of an object being deleted (the garbage collector
// removing its finalizers must not be stopped), and one that leaves the
// spec unchanged (labels, annotations, finalizers, owner references, set
// by controllers and people alike). A workload that violates a policy
// made stricter since it was applied is thus judged at its next spec
// change, not at the first controller that touches its metadata.
func (v *workloadValidator) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.SubResource == scaleSubresource && req.Operation == admissionv1.Update {
		return v.scale(ctx, &req)
	}
	if (req.Operation != admissionv1.Create && req.Operation != admissionv1.Update) || req.SubResource != "" {
		return v.skipped(&req)
	}
	k, ok := lookupKind(v.path, req.Kind)
	if !ok {
		return v.wrongKind(ctx, &req)
	}
	if req.Namespace == "" {
		return v.badRequest(ctx, &req, errNoNamespace)
	}
	if resp, refused := v.tooManyContainers(ctx, &req, k, req.Object, "object"); refused {
		return resp
	}
	obj := k.newObject()
	if err := decode(v.decoder, req.Object, obj, k.gvk.Kind, "object"); err != nil {
		return v.badRequest(ctx, &req, err)
	}
	if obj.GetDeletionTimestamp() != nil {
		return v.skipped(&req)
	}
	if req.Operation == admissionv1.Update {
		if resp, refused := v.tooManyContainers(ctx, &req, k, req.OldObject, "oldObject"); refused {
			return resp
		}
		old := k.newObject()
		if err := decode(v.decoder, req.OldObject, old, k.gvk.Kind, "oldObject"); err != nil {
			return v.badRequest(ctx, &req, err)
		}
		if equality.Semantic.DeepEqual(k.spec(old), k.spec(obj)) {
			return v.skipped(&req)
		}
	}
	if obj.GetNamespace() == "" {
		obj.SetNamespace(req.Namespace)
	}
	return v.evaluate(ctx, &req, k, engine.Input{Object: obj})
}
