package webhook

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
)

// settings resolves the policy in force for the namespace at this moment.
// The namespace's labels come from the Reader, the informer cache. A
// namespace the cache does not hold (created a moment ago) is read from
// the NamespaceReader, when there is one; a namespace neither holds
// resolves with no labels: the policy default or an exemption by name
// decides its mode. Any other read error, and a missing policy, are
// internal errors.
func (h *handler) settings(ctx context.Context, namespace string) (*policy.Settings, error) {
	p := h.opts.Policy.Policy()
	if p == nil {
		return nil, errPolicyNotLoaded
	}
	ns := policy.Namespace{Name: namespace}
	var obj corev1.Namespace
	key := client.ObjectKey{Name: namespace}
	err := h.opts.Reader.Get(ctx, key, &obj, client.UnsafeDisableDeepCopy)
	if apierrors.IsNotFound(err) && h.opts.NamespaceReader != nil {
		err = h.opts.NamespaceReader.Get(ctx, key, &obj)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("reading namespace %q from the API server: %w", namespace, err)
		}
	}
	switch {
	case err == nil:
		ns.Labels = obj.Labels
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("reading namespace %q from the cache: %w", namespace, err)
	}
	s := policy.Resolve(&p.Spec, ns, h.opts.Now())
	return &s, nil
}
