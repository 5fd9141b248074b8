package webhook

import (
	"context"
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/workload"
)

// scaleSubresource is the subresource `kubectl scale` and HPAs write.
const scaleSubresource = "scale"

// scale judges an UPDATE of a Deployment's or a StatefulSet's scale
// subresource (`kubectl scale`, an HPA) as the same change of
// spec.replicas would be judged: the workload as stored in the informer
// cache, with the Scale's replicas, by the rules that judge replicas alone
// (validators.Rule.ReplicasOnly), with the same messages. A request that
// leaves the replicas as they were passes, as does one for a workload the
// cache and the API server do not hold (it is being deleted).
func (v *workloadValidator) scale(ctx context.Context, req *admission.Request) admission.Response {
	k, ok := lookupKind(v.path, req.Kind)
	if !ok || k.resource != scaleSubresource {
		return v.wrongKind(ctx, req)
	}
	target, ok := scaledKind(req.Resource.Group, req.Resource.Resource)
	if !ok {
		return v.skipped(req)
	}
	if req.Namespace == "" {
		return v.badRequest(ctx, req, errNoNamespace)
	}
	var s, old autoscalingv1.Scale
	if err := decode(v.decoder, req.Object, &s, k.gvk.Kind, "object"); err != nil {
		return v.badRequest(ctx, req, err)
	}
	if err := decode(v.decoder, req.OldObject, &old, k.gvk.Kind, "oldObject"); err != nil {
		return v.badRequest(ctx, req, err)
	}
	if s.Spec.Replicas == old.Spec.Replicas {
		return v.skipped(req)
	}
	obj, err := v.stored(ctx, target.model, client.ObjectKey{Namespace: req.Namespace, Name: req.Name})
	switch {
	case apierrors.IsNotFound(err):
		return v.skipped(req)
	case err != nil:
		return v.internalError(ctx, req, err)
	}
	replicas := s.Spec.Replicas
	target.model.SetReplicas(obj, &replicas)
	return v.evaluate(ctx, req, target, engine.Input{Object: obj, ReplicasOnly: true})
}

// scaledKind returns the served workload kind whose scale subresource
// resource names: Deployments and StatefulSets of the apps group.
func scaledKind(group, resource string) (*kind, bool) {
	for i := range kinds {
		k := &kinds[i]
		if k.model != nil && k.model.HasReplicas() && k.gvk.Group == group && k.resource == resource {
			return k, true
		}
	}
	return nil, false
}

// stored reads the workload key of kind m from the informer cache, else
// from the API server when the cache does not hold it yet.
func (v *workloadValidator) stored(ctx context.Context, m *workload.Kind, key client.ObjectKey) (client.Object, error) {
	obj := m.NewObject()
	err := v.opts.Reader.Get(ctx, key, obj)
	if apierrors.IsNotFound(err) && v.opts.NamespaceReader != nil {
		err = v.opts.NamespaceReader.Get(ctx, key, obj)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s to judge its scale: %w", m.Name, key, err)
	}
	return obj, nil
}
