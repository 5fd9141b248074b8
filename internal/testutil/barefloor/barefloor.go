// Package barefloor is the bare floor that Ballast's costs are measured
// against: an admission handler that does what any controller-runtime
// webhook must (decode the object in the review) and answers allowed with
// nothing evaluated. webhook's BenchmarkBareFloor and the load test's floor
// server (test/load) both serve it, so the benchmarks' ratios and the load
// test's compare Ballast with the same thing.
package barefloor

import (
	"context"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// Handler decodes the request's object into a new object from newObj with
// dec and answers allowed, or 400 when the object does not decode.
func Handler(dec admission.Decoder, newObj func() runtime.Object) admission.Handler {
	return admission.HandlerFunc(func(_ context.Context, req admission.Request) admission.Response {
		if err := dec.DecodeRaw(req.Object, newObj()); err != nil {
			return admission.Errored(http.StatusBadRequest, err)
		}
		return admission.Allowed("")
	})
}
