package webhook

import (
	"context"
	"fmt"
	"net/http"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	kjson "sigs.k8s.io/json"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/workload"
)

// containerLists are the container lists of a PodSpec, each element
// decoded into nothing: counting them allocates no container.
type containerLists struct {
	InitContainers      []struct{} `json:"initContainers"`
	Containers          []struct{} `json:"containers"`
	EphemeralContainers []struct{} `json:"ephemeralContainers"`
}

func (c *containerLists) count() int {
	return len(c.InitContainers) + len(c.Containers) + len(c.EphemeralContainers)
}

// podContainers and templateContainers hold the container lists of a Pod
// and of a workload's pod template.
type (
	podContainers struct {
		Spec containerLists `json:"spec"`
	}
	templateContainers struct {
		Spec struct {
			Template podContainers `json:"template"`
		} `json:"spec"`
	}
)

// countContainers returns the containers, init, regular and ephemeral, of
// the Pod (template false) or the workload's pod template (template true)
// that raw holds, without decoding them: decoded, each takes hundreds of
// bytes whatever its size in JSON, so a few megabytes of small containers
// would take hundreds of megabytes. It decodes as the API machinery does
// (sigs.k8s.io/json, matching keys case-sensitively, the last of
// duplicate keys winning), so it counts what the decoder would decode. An
// error means raw does not decode; the decoder then says why.
func countContainers(raw []byte, template bool) (int, error) {
	if template {
		var t templateContainers
		if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &t); err != nil {
			return 0, err
		}
		return t.Spec.Template.Spec.count(), nil
	}
	var p podContainers
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &p); err != nil {
		return 0, err
	}
	return p.Spec.count(), nil
}

// tooManyContainers refuses a request whose object (field "object" or
// "oldObject"), of kind k, has more containers than Limits.MaxContainers,
// before it is decoded: the answer follows the policy's onInternalError
// and names the count and the limit. It returns false for objects within
// the limit, kinds without containers, and objects that do not decode
// (the decoder answers those).
func (h *handler) tooManyContainers(ctx context.Context, req *admission.Request, k *kind, raw runtime.RawExtension, field string) (admission.Response, bool) {
	if k.model == nil || !k.model.HasTemplate() {
		return admission.Response{}, false
	}
	template := k.model.Name != workload.KindPod
	n, err := countContainers(raw.Raw, template)
	if err != nil || n <= h.opts.Limits.MaxContainers {
		return admission.Response{}, false
	}
	what := "the " + k.gvk.Kind
	if template {
		what += "'s pod template"
	}
	return h.refuse(ctx, req, metrics.RefusedTooManyContainers, http.StatusRequestEntityTooLarge,
		fmt.Errorf("%s in the request's %s has %d containers (init, regular and ephemeral), over Ballast's limit of %d",
			what, field, n, h.opts.Limits.MaxContainers)), true
}
