package barefloor

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

func TestHandler(t *testing.T) {
	h := Handler(admission.NewDecoder(clientgoscheme.Scheme), func() runtime.Object { return &corev1.Pod{} })
	tests := map[string]struct {
		object  string
		allowed bool
		code    int32
	}{
		"a pod is allowed":          {object: `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}`, allowed: true, code: http.StatusOK},
		"what does not decode: 400": {object: `{"apiVersion":"v1","kind":"Pod","spec":7}`, code: http.StatusBadRequest},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp := h.Handle(t.Context(), admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
				UID: "u", Object: runtime.RawExtension{Raw: []byte(tc.object)},
			}})
			assert.Equal(t, tc.allowed, resp.Allowed)
			assert.Equal(t, tc.code, resp.Result.Code)
		})
	}
}
