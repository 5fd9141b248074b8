package webhook_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/webhook"
)

var scaleGVK = metav1.GroupVersionKind{Group: "autoscaling", Version: "v1", Kind: "Scale"}

// scaleRequest is an UPDATE of the scale subresource of the Deployment or
// StatefulSet (resource) name in ns, from replicas from to replicas to.
func scaleRequest(t testing.TB, resource, ns, name string, from, to int32) *admissionv1.AdmissionRequest {
	t.Helper()
	scale := func(n int32) []byte {
		return []byte(`{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"` + name + `","namespace":"` + ns +
			`"},"spec":{"replicas":` + strconv.Itoa(int(n)) + `}}`)
	}
	req := request(t, admissionv1.Update, scaleGVK, resource, ns, scale(to), scale(from))
	// As the API server sends it: the Scale's kind, the workload's resource.
	req.Resource = metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: resource}
	req.SubResource = "scale"
	req.Name = name
	return req
}

// TestScaleIsJudgedLikeASpecChange: `kubectl scale --replicas=1` of an
// enforce-mode Deployment is denied with the min-replicas message a spec
// patch to 1 replica gets; scaling up, or to zero, is admitted; a scale in
// warn mode warns; an unchanged replica count passes unchecked.
func TestScaleIsJudgedLikeASpecChange(t *testing.T) {
	stored := []client.Object{compliantDeployment(nsEnforce), compliantDeployment(nsWarn)}
	e := newEnv(t, options{objects: stored})

	down := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsEnforce, "checkout", 3, 1))
	require.False(t, down.Allowed, "scaling to 1 replica breaks min-replicas")
	assert.Equal(t, int32(http.StatusForbidden), down.Result.Code)
	assert.Contains(t, down.Result.Message, "min-replicas: runs 1 replica, below the minimum of 2")
	assert.Contains(t, down.Result.Message, "denies Deployment "+nsEnforce+"/checkout")

	asSpec := compliantDeployment(nsEnforce)
	asSpec.Spec.Replicas = ptr.To[int32](1)
	bySpec := e.review(t, webhook.ValidateWorkloadsPath, request(t, admissionv1.Update, deploymentGVK, "deployments", nsEnforce, asSpec, compliantDeployment(nsEnforce)))
	require.False(t, bySpec.Allowed)
	assert.Contains(t, bySpec.Result.Message, "min-replicas: runs 1 replica, below the minimum of 2", "the same message as a spec change")

	up := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsEnforce, "checkout", 3, 5))
	assert.True(t, up.Allowed)
	assert.Equal(t, engine.DecisionAllowed, up.AuditAnnotations[engine.AuditDecision])

	zero := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsEnforce, "checkout", 3, 0))
	assert.True(t, zero.Allowed, "scaled to zero on purpose")

	warned := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsWarn, "checkout", 3, 1))
	assert.True(t, warned.Allowed)
	assert.Contains(t, warned.Warnings, "min-replicas: runs 1 replica, below the minimum of 2: a node drain stops the service")
	for _, w := range warned.Warnings {
		assert.NotContains(t, w, "readiness-probe", "only the rules that judge replicas alone: the stored template is not complete")
	}

	same := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsEnforce, "checkout", 3, 3))
	assert.Equal(t, engine.DecisionSkipped, same.AuditAnnotations[engine.AuditDecision])

	gone := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "deployments", nsEnforce, "nowhere", 3, 1))
	assert.True(t, gone.Allowed, "a workload neither the cache nor the API server holds is being deleted")

	daemon := e.review(t, webhook.ValidateWorkloadsPath, scaleRequest(t, "daemonsets", nsEnforce, "agent", 3, 1))
	assert.True(t, daemon.Allowed, "DaemonSets have no scale subresource")
}
