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
			wantErr: "malformed JSON",
		},
		"an unterminated string is an error": {
			raw:     `{"spec":{"x":"abc}}`,
			changes: []mutators.Change{{Pointer: "/spec/y", Value: 1}},
			wantErr: "malformed JSON",
		},
		"a trailing comma is an error": {
			raw:     `{"spec":{"x":1,}}`,
			changes: []mutators.Change{{Pointer: "/spec/y", Value: 1}},
			wantErr: "malformed JSON",
		},
		"a repeated key is read as decoders read it: the last one": {
			raw:     `{"spec":{"lifecycle":null},"spec":{"containers":[{"name":"app"}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/lifecycle", Value: map[string]any{"preStop": nil}}},
			wantOps: `[{"op":"add","path":"/spec/containers/0/lifecycle","value":{"preStop":null}}]`,
			want:    `{"spec":{"containers":[{"name":"app","lifecycle":{"preStop":null}}]}}`,
		},
		"escaped keys and strings with brackets are scanned whole": {
			raw:     `{"metadata":{"annotations":{"a\"}{[":"]}\\"}},"spec":{"containers":[{"name":"a\u0062"}]}}`,
			changes: []mutators.Change{{Pointer: "/spec/containers/0/readinessProbe", Value: map[string]int{"periodSeconds": 1}}},
			wantOps: `[{"op":"add","path":"/spec/containers/0/readinessProbe","value":{"periodSeconds":1}}]`,
			want:    `{"metadata":{"annotations":{"a\"}{[":"]}\\"}},"spec":{"containers":[{"name":"a\u0062","readinessProbe":{"periodSeconds":1}}]}}`,
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

// FuzzBuildPatchRaw feeds arbitrary bytes as the object sent: buildPatch
// never panics, and on valid JSON a patch it returns applies.
func FuzzBuildPatchRaw(f *testing.F) {
	f.Add([]byte(benchPod))
	f.Add([]byte(`{"spec":{"containers":[{"name":"app","lifecycle":null}]},"metadata":{"annotations":{"k":"v"}}}`))
	f.Add([]byte(`{"spec":{"containers":[{"name":"a\"b","x":"}]"}]}}`))
	f.Add([]byte(`{"spec":[1,2`))
	changes := []mutators.Change{
		{Pointer: "/spec/containers/0/lifecycle/preStop", Value: map[string]any{"sleep": map[string]int{"seconds": 5}}},
		{Pointer: "/spec/terminationGracePeriodSeconds", Value: 30},
		{Pointer: "/metadata/annotations/ballast.dev~1injected", Value: "prestop-sleep/app"},
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		patch, err := buildPatch(raw, changes)
		if err != nil || !json.Valid(raw) {
			return
		}
		var obj map[string]any
		if json.Unmarshal(raw, &obj) != nil {
			return // valid JSON, but not an object
		}
		applyPatch(t, raw, patch)
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

// benchPod is a Pod as the ReplicaSet controller sends it, with the API
// server's defaults: about 2 KB, one container that serves on a port a
// Service routes to, and no preStop hook or readiness probe.
const benchPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-6d4cf56db6-","namespace":"shop",` +
	`"labels":{"app":"web","pod-template-hash":"6d4cf56db6","app.kubernetes.io/name":"web","app.kubernetes.io/version":"1.4.2"},` +
	`"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-12-01T10:00:00Z","prometheus.io/scrape":"true"},` +
	`"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-6d4cf56db6","uid":"6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","controller":true,"blockOwnerDeletion":true}]},` +
	`"spec":{"volumes":[{"name":"config","configMap":{"name":"web-config","defaultMode":420}},{"name":"kube-api-access-x7k2p","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}}],"defaultMode":420}}],` +
	`"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}],` +
	`"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"metadata.name"}}}],` +
	`"resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},` +
	`"volumeMounts":[{"name":"config","mountPath":"/etc/web"},{"name":"kube-api-access-x7k2p","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],` +
	`"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],` +
	`"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default",` +
	`"securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},` +
	`{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}}`

// BenchmarkBuildPatch renders the engine's edits of benchPod as a JSON
// patch: the webhook's own cost beyond the engine for a mutated Pod.
func BenchmarkBuildPatch(b *testing.B) {
	raw := []byte(benchPod)
	var pod corev1.Pod
	require.NoError(b, json.Unmarshal(raw, &pod))
	s := &policy.Settings{Mode: policy.ModeWarn, ModeSource: "bench", Spec: &policy.Default().Spec}
	res := engine.Default().Evaluate(engine.Input{Object: &pod, Settings: s, Related: workload.Related{Services: fuzzServices()}})
	require.Len(b, res.Edits, 3, "preStop sleep, readiness probe, the injected annotation")
	patch, err := buildPatch(raw, res.Edits)
	require.NoError(b, err)
	applyPatch(b, raw, patch)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := buildPatch(raw, res.Edits); err != nil {
			b.Fatal(err)
		}
	}
}
