package engine

import (
	"encoding/json"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// FuzzEvaluate checks that the pipeline never panics on arbitrary objects
// and that a mutated Pod needs no further edit. The webhook's FuzzPatch
// checks that the edits, as a JSON patch, apply to the raw object.
//
// The objects are judged among fuzzServices, so that the seeds reach the
// probe mutators both where a Service routes traffic and where none does.
func FuzzEvaluate(f *testing.F) {
	for _, obj := range []any{
		replicaSetPod(webContainer("app"), webContainer("sidecar")),
		replicaSetPod(compliant(webContainer("app"))),
		etcdPod(),
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
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"},"ownerReferences":[{"kind":"ReplicaSet","controller":true}],"unknown":{"x":[1]}},"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}],"lifecycle":null}]}}`), uint8(0))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a/b~c","ports":[{"containerPort":80,"name":"metrics"},{"containerPort":0}]}],"initContainers":[{"name":"s","restartPolicy":"Always","ports":[{"containerPort":1}]}]}}`), uint8(0))

	e := Default()
	p := policy.Default()
	s := &policy.Settings{Mode: policy.ModeEnforce, ModeSource: "fuzz", Spec: &p.Spec}
	related := workload.Related{Services: fuzzServices()}
	f.Fuzz(func(t *testing.T, raw []byte, kind uint8) {
		if kind%2 == 1 {
			var d appsv1.Deployment
			if json.Unmarshal(raw, &d) != nil {
				return
			}
			res := e.Evaluate(Input{Object: &d, Settings: s, Related: related})
			_ = res.Decision()
			return
		}
		var pod corev1.Pod
		if json.Unmarshal(raw, &pod) != nil {
			return
		}
		res := e.Evaluate(Input{Object: &pod, Settings: s, Related: related})
		_ = res.Decision()
		if res.Edits == nil {
			return
		}
		if res2 := e.Evaluate(Input{Object: res.Object, Settings: s, Related: related}); res2.Edits != nil {
			t.Fatalf("second pass edits again: %v\nfirst: %v", res2.Edits, res.Edits)
		}
	})
}

// fuzzServices are the Services of the fuzzed objects' namespace: the pods
// labelled app=web receive traffic on their port named http and on port 80
// (a Service port without targetPort); those labelled app=etcd only from
// peers.
func fuzzServices() []*corev1.Service {
	byNumber := webService()
	byNumber.Name = "web-direct"
	byNumber.Spec.Ports = []corev1.ServicePort{{Port: 80}}
	return []*corev1.Service{webService(), byNumber, etcdPeers()}
}
