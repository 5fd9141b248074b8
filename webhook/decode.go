package webhook

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/scale/scheme/autoscalingv1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// newDecoder returns a decoder that knows exactly the kinds the handlers
// serve: an object of any other kind fails to decode instead of being
// misread as one of them.
func newDecoder() admission.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, autoscalingv1.AddToScheme, autoscalingv2.AddToScheme, policyv1.AddToScheme,
	} {
		utilruntime.Must(add(scheme))
	}
	return admission.NewDecoder(scheme)
}

// decode decodes raw, the request's field ("object" or "oldObject"),
// into the typed object into of the named kind. The error names the kind
// and the field and says what was wrong.
func decode(dec admission.Decoder, raw runtime.RawExtension, into runtime.Object, kind, field string) error {
	if err := dec.DecodeRaw(raw, into); err != nil {
		return fmt.Errorf("cannot decode the %s in the request's %s: %w", kind, field, err)
	}
	return nil
}
