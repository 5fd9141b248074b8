package webhook_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

// podJSON is a Pod as the API server sends it at creation: named only by
// generateName, owned by the controller ownerKind (none when empty), with
// a grace period too short for the preStop sleep and the shutdown budget,
// and fields no Kubernetes version knows, in the pod spec and in the
// container, which the patch must leave in place.
func podJSON(namespace, ownerKind, lifecycle string) []byte {
	owner := ""
	if ownerKind != "" {
		owner = fmt.Sprintf(`,"ownerReferences":[{"apiVersion":"apps/v1","kind":%q,"name":"checkout-7d9f8","uid":"0b6c8a52","controller":true,"blockOwnerDeletion":true}]`, ownerKind)
	}
	if lifecycle != "" {
		lifecycle = `,"lifecycle":` + lifecycle
	}
	return fmt.Appendf(nil, `{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"checkout-7d9f8-","namespace":%q,`+
		`"labels":{"app":"checkout"}%s},"spec":{"terminationGracePeriodSeconds":10,"futureSchedulingHint":{"tier":"gold"},"containers":[{"name":"checkout",`+
		`"image":"registry.example.com/shop/checkout:1.14.2","ports":[{"name":"http","containerPort":8080}],"futureContainerField":true%s}]}}`,
		namespace, owner, lifecycle)
}

func podRequest(t testing.TB, namespace string, pod []byte) *admissionv1.AdmissionRequest {
	return request(t, admissionv1.Create, podGVK, "pods", namespace, pod, nil)
}

func TestMutatePodPatchAppliesAndPreservesUnknownFields(t *testing.T) {
	for _, ns := range []string{nsWarn, nsEnforce} {
		t.Run(ns, func(t *testing.T) {
			e := newEnv(t, options{})
			original := podJSON(ns, "ReplicaSet", "")
			resp := e.review(t, webhook.MutatePodsPath, podRequest(t, ns, original))

			require.True(t, resp.Allowed)
			require.NotNil(t, resp.PatchType)
			assert.Equal(t, admissionv1.PatchTypeJSONPatch, *resp.PatchType)
			patch, err := jsonpatch.DecodePatch(resp.Patch)
			require.NoError(t, err)
			patched, err := patch.Apply(original)
			require.NoError(t, err)

			var fields map[string]any
			require.NoError(t, json.Unmarshal(patched, &fields))
			spec := fields["spec"].(map[string]any)
			assert.Equal(t, map[string]any{"tier": "gold"}, spec["futureSchedulingHint"])
			assert.Equal(t, true, spec["containers"].([]any)[0].(map[string]any)["futureContainerField"])

			var pod corev1.Pod
			require.NoError(t, json.Unmarshal(patched, &pod))
			c := pod.Spec.Containers[0]
			require.NotNil(t, c.Lifecycle)
			require.NotNil(t, c.Lifecycle.PreStop)
			require.NotNil(t, c.Lifecycle.PreStop.Sleep)
			assert.Equal(t, int64(5), c.Lifecycle.PreStop.Sleep.Seconds)
			require.NotNil(t, pod.Spec.TerminationGracePeriodSeconds)
			assert.Equal(t, int64(5+25), *pod.Spec.TerminationGracePeriodSeconds, "the sleep plus the shutdown budget")
			require.NotNil(t, c.ReadinessProbe)
			require.NotNil(t, c.ReadinessProbe.TCPSocket)
			assert.Equal(t, intstr.FromInt32(8080), c.ReadinessProbe.TCPSocket.Port)
			assert.NotEmpty(t, pod.Annotations[policy.InjectedAnnotation])
			assert.Contains(t, resp.AuditAnnotations[engine.AuditMutations], "prestop-sleep/checkout")
			assert.Equal(t, 1.0, e.counter(t, "ballast_mutations_total",
				map[string]string{"rule": "prestop-hook", "mutator": "prestop-sleep", "mode": ns[len("shop-"):]}))

			t.Run("a second pass yields no patch", func(t *testing.T) {
				again := e.review(t, webhook.MutatePodsPath, podRequest(t, ns, patched))
				assert.True(t, again.Allowed)
				assert.Nil(t, again.Patch)
				assert.Nil(t, again.PatchType)
			})
		})
	}
}

func TestMutatePodKeepsAnExistingPreStop(t *testing.T) {
	e := newEnv(t, options{})
	original := podJSON(nsWarn, "ReplicaSet", `{"preStop":{"exec":{"command":["/bin/drain"]}}}`)
	resp := e.review(t, webhook.MutatePodsPath, podRequest(t, nsWarn, original))
	patch, err := jsonpatch.DecodePatch(resp.Patch)
	require.NoError(t, err)
	patched, err := patch.Apply(original)
	require.NoError(t, err)
	var pod corev1.Pod
	require.NoError(t, json.Unmarshal(patched, &pod))
	assert.Equal(t, []string{"/bin/drain"}, pod.Spec.Containers[0].Lifecycle.PreStop.Exec.Command)
	assert.Nil(t, pod.Spec.Containers[0].Lifecycle.PreStop.Sleep)
}

func TestMutatePodLeavesPodsUntouched(t *testing.T) {
	tests := map[string]struct {
		req       func(t *testing.T) *admissionv1.AdmissionRequest
		decision  string
		mutations bool // the audit annotation names what would be set
	}{
		"in dryrun nothing is patched; the audit annotations tell what would be": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsDryRun, podJSON(nsDryRun, "ReplicaSet", ""))
			},
			decision: engine.DecisionAllowed, mutations: true,
		},
		"in off nothing is patched": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsOff, podJSON(nsOff, "ReplicaSet", ""))
			},
			decision: engine.DecisionSkipped,
		},
		"in a namespace exempted from every rule nothing is patched": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsExempt, podJSON(nsExempt, "ReplicaSet", ""))
			},
			decision: engine.DecisionSkipped,
		},
		"a Job's pod is not a long-running server": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsEnforce, podJSON(nsEnforce, "Job", ""))
			},
			decision: engine.DecisionSkipped,
		},
		"a bare pod has no controller to tell": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				return podRequest(t, nsEnforce, podJSON(nsEnforce, "", ""))
			},
			decision: engine.DecisionSkipped,
		},
		"a Pod is never mutated on UPDATE": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				pod := podJSON(nsEnforce, "ReplicaSet", "")
				return request(t, admissionv1.Update, podGVK, "pods", nsEnforce, pod, pod)
			},
			decision: engine.DecisionSkipped,
		},
		"a CREATE on a subresource (an eviction) is not a Pod": {
			req: func(t *testing.T) *admissionv1.AdmissionRequest {
				req := request(t, admissionv1.Create, metav1.GroupVersionKind{Group: "policy", Version: "v1", Kind: "Eviction"}, "pods", nsEnforce,
					[]byte(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"checkout-1"}}`), nil)
				req.SubResource = "eviction"
				return req
			},
			decision: engine.DecisionSkipped,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			resp := e.review(t, webhook.MutatePodsPath, tc.req(t))
			assert.True(t, resp.Allowed)
			assert.Nil(t, resp.Patch)
			assert.Nil(t, resp.PatchType)
			assert.Equal(t, tc.decision, resp.AuditAnnotations[engine.AuditDecision])
			if tc.mutations {
				assert.Contains(t, resp.AuditAnnotations[engine.AuditMutations], "readiness-probe/checkout")
			} else {
				assert.Empty(t, resp.AuditAnnotations[engine.AuditMutations])
			}
		})
	}
}

func TestMutatePodCountsDryRunMutationsAsWouldApply(t *testing.T) {
	e := newEnv(t, options{})
	e.review(t, webhook.MutatePodsPath, podRequest(t, nsDryRun, podJSON(nsDryRun, "ReplicaSet", "")))
	assert.Equal(t, 1.0, e.counter(t, "ballast_mutations_total",
		map[string]string{"rule": "readiness-probe", "mutator": "readiness-probe", "mode": "dryrun"}))
}

// TestMutatePodProbesOnlyWhereAServiceRoutes reads the Services of the
// pod's namespace from the cache: the readiness probe goes on the port one
// of them routes traffic to, and where none does the patch holds no
// readiness probe, while the other defaults still come.
func TestMutatePodProbesOnlyWhereAServiceRoutes(t *testing.T) {
	checkout := map[string]string{"app": "checkout"}
	byNumber := service(nsWarn, "checkout", checkout)
	byNumber.Spec.Ports[0].TargetPort = intstr.FromInt32(8080)
	peers := service(nsWarn, "checkout-peers", checkout)
	peers.Spec.PublishNotReadyAddresses = true
	tests := map[string]struct {
		services []client.Object
		// probe is the port of the injected readiness probe, 0 for none.
		probe int32
	}{
		"a Service that targets the port by name": {
			services: []client.Object{service(nsWarn, "checkout", checkout)}, probe: 8080,
		},
		"a Service that targets the port by number": {
			services: []client.Object{byNumber}, probe: 8080,
		},
		"no Service": {},
		"a Service of other pods": {
			services: []client.Object{service(nsWarn, "cart", map[string]string{"app": "cart"})},
		},
		"a Service of another namespace": {
			services: []client.Object{service(nsEnforce, "checkout", checkout)},
		},
		"only a Service that publishes not-ready addresses (peer discovery)": {
			services: []client.Object{peers},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cache := fake.NewClientBuilder().WithObjects(append(namespaces(), tc.services...)...).Build()
			e := newEnv(t, options{reader: cache})
			original := podJSON(nsWarn, "ReplicaSet", "")
			resp := e.review(t, webhook.MutatePodsPath, podRequest(t, nsWarn, original))
			require.True(t, resp.Allowed)
			require.NotEmpty(t, resp.Patch, "the preStop sleep comes whatever the Services")

			var ops []struct {
				Op    string          `json:"op"`
				Path  string          `json:"path"`
				Value json.RawMessage `json:"value"`
			}
			require.NoError(t, json.Unmarshal(resp.Patch, &ops))
			probeOps := 0
			for _, op := range ops {
				if strings.Contains(op.Path, "readinessProbe") || strings.Contains(string(op.Value), "readinessProbe") {
					probeOps++
				}
			}

			var pod corev1.Pod
			require.NoError(t, json.Unmarshal(applyPatch(t, original, resp.Patch), &pod))
			c := pod.Spec.Containers[0]
			require.NotNil(t, c.Lifecycle)
			require.NotNil(t, c.Lifecycle.PreStop)
			assert.NotNil(t, c.Lifecycle.PreStop.Sleep)
			if tc.probe == 0 {
				assert.Zero(t, probeOps, "patch: %s", resp.Patch)
				assert.Nil(t, c.ReadinessProbe)
				assert.NotContains(t, resp.AuditAnnotations[engine.AuditMutations], "readiness-probe")
				assert.Empty(t, resp.Warnings, "a Pod's notes are no warnings: no person reads them")
				return
			}
			assert.Equal(t, 1, probeOps, "patch: %s", resp.Patch)
			require.NotNil(t, c.ReadinessProbe)
			require.NotNil(t, c.ReadinessProbe.TCPSocket)
			assert.Equal(t, intstr.FromInt32(tc.probe), c.ReadinessProbe.TCPSocket.Port)
			assert.Contains(t, resp.AuditAnnotations[engine.AuditMutations], "readiness-probe/checkout")
		})
	}
}

// applyPatch applies an RFC 6902 patch to doc.
func applyPatch(t *testing.T, doc, patch []byte) []byte {
	t.Helper()
	p, err := jsonpatch.DecodePatch(patch)
	require.NoError(t, err)
	out, err := p.Apply(doc)
	require.NoError(t, err, "patch %s does not apply", patch)
	return out
}
