package engine

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

// FuzzEvaluate checks that the pipeline never panics on arbitrary objects
// and that a mutated Pod needs no further edit. The webhook's FuzzPatch
// checks that the edits, as a JSON patch, apply to the raw object.
func FuzzEvaluate(f *testing.F) {
	for _, obj := range []any{
		replicaSetPod(webContainer("app"), webContainer("sidecar")),
		replicaSetPod(compliant(webContainer("app"))),
		deployment(ptr.To[int32](3), webContainer("app")),
		deployment(nil),
	} {
		raw, err := json.Marshal(obj)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, uint8(0))
		f.Add(raw, uint8(1))
	}
	f.Add([]byte(`{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","controller":true}],"unknown":{"x":[1]}},"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}],"lifecycle":null}]}}`), uint8(0))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a/b~c","ports":[{"containerPort":80,"name":"metrics"},{"containerPort":0}]}],"initContainers":[{"name":"s","restartPolicy":"Always","ports":[{"containerPort":1}]}]}}`), uint8(0))

	e := Default()
	p := policy.Default()
	s := &policy.Settings{Mode: policy.ModeEnforce, ModeSource: "fuzz", Spec: &p.Spec}
	f.Fuzz(func(t *testing.T, raw []byte, kind uint8) {
		if kind%2 == 1 {
			var d appsv1.Deployment
			if json.Unmarshal(raw, &d) != nil {
				return
			}
			res := e.Evaluate(Input{Object: &d, Settings: s})
			_ = res.Decision()
			return
		}
		var pod corev1.Pod
		if json.Unmarshal(raw, &pod) != nil {
			return
		}
		res := e.Evaluate(Input{Object: &pod, Settings: s})
		_ = res.Decision()
		if res.Edits == nil {
			return
		}
		if res2 := e.Evaluate(Input{Object: res.Object, Settings: s}); res2.Edits != nil {
			t.Fatalf("second pass edits again: %v\nfirst: %v", res2.Edits, res.Edits)
		}
	})
}
