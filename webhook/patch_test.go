package webhook

import (
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
)

func TestBuildPatch(t *testing.T) {
	tests := map[string]struct {
		raw     string
		changes []mutators.Change
		wantOps string
		want    string
		wantErr string
	}{
		"a missing parent is created around the value": {
			raw:     `{"spec":{"containers":[{"name":"app"}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle/preStop", Value: map[string]any{"sleep": map[string]int{"seconds": 5}}}},
			wantOps: `[{"op":"add","path":"/spec/containers/0/lifecycle","value":{"preStop":{"sleep":{"seconds":5}}}}]`,
			want:    `{"spec":{"containers":[{"name":"app","lifecycle":{"preStop":{"sleep":{"seconds":5}}}}]}}`,
		},
		"an existing parent keeps its other members": {
			raw:     `{"spec":{"containers":[{"name":"app","lifecycle":{"postStart":{"exec":{"command":["x"]}}}}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle/preStop", Value: map[string]any{"sleep": map[string]int{"seconds": 5}}}},
			wantOps: `[{"op":"add","path":"/spec/containers/0/lifecycle/preStop","value":{"sleep":{"seconds":5}}}]`,
			want:    `{"spec":{"containers":[{"name":"app","lifecycle":{"postStart":{"exec":{"command":["x"]}},"preStop":{"sleep":{"seconds":5}}}}]}}`,
		},
		"a null parent is replaced": {
			raw:     `{"spec":{"containers":[{"name":"app","lifecycle":null}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle/preStop", Value: map[string]any{"sleep": map[string]int{"seconds": 5}}}},
			wantOps: `[{"op":"add","path":"/spec/containers/0/lifecycle","value":{"preStop":{"sleep":{"seconds":5}}}}]`,
			want:    `{"spec":{"containers":[{"name":"app","lifecycle":{"preStop":{"sleep":{"seconds":5}}}}]}}`,
		},
		"an existing leaf is replaced": {
			raw:     `{"spec":{"terminationGracePeriodSeconds":10}}`,
			changes: []mutators.Change{{Pointer: "/spec/terminationGracePeriodSeconds", Value: int64(30)}},
			wantOps: `[{"op":"replace","path":"/spec/terminationGracePeriodSeconds","value":30}]`,
			want:    `{"spec":{"terminationGracePeriodSeconds":30}}`,
		},
		"unknown fields of the original are preserved": {
			raw:     `{"metadata":{"x-unknown":{"a":1}},"spec":{"futureField":true,"containers":[{"name":"app","futureField":[1,2]}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/readinessProbe", Value: map[string]any{"tcpSocket": map[string]int{"port": 80}}}},
			want:    `{"metadata":{"x-unknown":{"a":1}},"spec":{"futureField":true,"containers":[{"name":"app","futureField":[1,2],"readinessProbe":{"tcpSocket":{"port":80}}}]}}`,
		},
		"an escaped annotation key is created under missing annotations": {
			raw:     `{"metadata":{"name":"p"}}`,
			changes: []mutators.Change{{Pointer: "/metadata/annotations/ballast.dev~1injected", Value: "prestop-sleep/app"}},
			wantOps: `[{"op":"add","path":"/metadata/annotations","value":{"ballast.dev/injected":"prestop-sleep/app"}}]`,
			want:    `{"metadata":{"name":"p","annotations":{"ballast.dev/injected":"prestop-sleep/app"}}}`,
		},
		"two changes under one new parent both land": {
			raw: `{"spec":{"containers":[{"name":"app"}]}}`,
			changes: []mutators.Change{
				{Pointer: "/spec/containers/0/lifecycle/preStop", Value: "a"},
				{Pointer: "/spec/containers/0/lifecycle/postStart", Value: "b"},
			},
			want: `{"spec":{"containers":[{"name":"app","lifecycle":{"preStop":"a","postStart":"b"}}]}}`,
		},
		"changes without a pointer produce no operation": {
			raw:     `{"spec":{}}`,
			changes: []mutators.Change{{Message: "PodDisruptionBudget x"}},
			wantOps: "null",
			want:    `{"spec":{}}`,
		},
		"a path through a scalar is an error": {
			raw:     `{"spec":{"containers":"oops"}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle", Value: "x"}},
			wantErr: "not an object or array",
		},
		"an index past the end is an error": {
			raw:     `{"spec":{"containers":[]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle", Value: "x"}},
			wantErr: "out of range",
		},
		"invalid JSON is an error": {
			raw:     `{"spec":`,
			changes: []mutators.Change{{Pointer: "/spec/x", Value: 1}},
			wantErr: "decoding object",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			patch, err := buildPatch([]byte(tc.raw), tc.changes)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if tc.wantOps != "" {
				if tc.wantOps == "null" {
					assert.Nil(t, patch)
				} else {
					assert.JSONEq(t, tc.wantOps, string(patch))
				}
			}
			assert.JSONEq(t, tc.want, string(applyPatch(t, []byte(tc.raw), patch)))
		})
	}
}

// applyPatch applies an RFC 6902 patch (nil means none) with a real JSON
// patch implementation.
func applyPatch(t testing.TB, doc, patch []byte) []byte {
	t.Helper()
	if patch == nil {
		return doc
	}
	p, err := jsonpatch.DecodePatch(patch)
	require.NoError(t, err)
	out, err := p.Apply(doc)
	require.NoError(t, err, "patch %s does not apply", patch)
	require.True(t, json.Valid(out))
	return out
}

// FuzzPatch checks, on arbitrary Pods, that the engine's edits rendered by
// buildPatch always apply to the raw object they were computed against,
// and that the patched Pod needs no further edit. The Pods are judged
// among fuzzServices, so that the seeds labelled app=web get a readiness
// probe and those labelled app=peer do not.
func FuzzPatch(f *testing.F) {
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"},"ownerReferences":[{"kind":"ReplicaSet","controller":true}]},"spec":{"containers":[{"name":"app","ports":[{"containerPort":8080}]}]}}`))
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"},"ownerReferences":[{"kind":"ReplicaSet","controller":true}],"unknown":{"x":[1]}},"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}],"lifecycle":null}]}}`))
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"},"ownerReferences":[{"kind":"StatefulSet","controller":true}],"annotations":{"ballast.dev/injected":"x"}},"spec":{"terminationGracePeriodSeconds":2,"containers":[{"name":"a/b~c","ports":[{"containerPort":80,"name":"metrics"},{"containerPort":0}]}],"initContainers":[{"name":"s","restartPolicy":"Always","ports":[{"containerPort":1}]}]}}`))
	f.Add([]byte(`{"metadata":{"labels":{"app":"peer"},"ownerReferences":[{"kind":"StatefulSet","controller":true}]},"spec":{"containers":[{"name":"etcd","ports":[{"containerPort":2379},{"containerPort":2380}]}]}}`))

	e := engine.Default()
	s := &policy.Settings{Mode: policy.ModeEnforce, ModeSource: "fuzz", Spec: &policy.Default().Spec}
	related := workload.Related{Services: fuzzServices()}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var pod corev1.Pod
		if json.Unmarshal(raw, &pod) != nil {
			return
		}
		res := e.Evaluate(engine.Input{Object: &pod, Settings: s, Related: related})
		if res.Edits == nil {
			return
		}
		patch, err := buildPatch(raw, res.Edits)
		if err != nil {
			return // the raw object does not match the typed one: nothing is patched
		}
		patched := applyPatch(t, raw, patch)
		var again corev1.Pod
		if err := json.Unmarshal(patched, &again); err != nil {
			t.Fatalf("patched pod does not decode: %v\n%s", err, patched)
		}
		if res2 := e.Evaluate(engine.Input{Object: &again, Settings: s, Related: related}); res2.Edits != nil {
			t.Fatalf("second pass edits again: %v\nfirst patch: %s", res2.Edits, patch)
		}
	})
}

// fuzzServices are the Services of FuzzPatch's Pods: pods labelled app=web
// receive traffic on ports 80 and 8080, those labelled app=peer only from
// their peers, on 2379 and 2380.
func fuzzServices() []*corev1.Service {
	svc := func(name, app string, publishNotReady bool, ports ...int32) *corev1.Service {
		s := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.ServiceSpec{Selector: map[string]string{"app": app}, PublishNotReadyAddresses: publishNotReady},
		}
		for _, p := range ports {
			s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Port: p})
		}
		return s
	}
	return []*corev1.Service{svc("web", "web", false, 80, 8080), svc("peers", "peer", true, 2379, 2380)}
}
