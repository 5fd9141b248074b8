package webhook_test

import (
	"net/http"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/webhook"
)

// FuzzHandlers sends arbitrary request bodies, seeded with real
// AdmissionReviews of every kind, to every path. No body may panic or be
// answered with an internal error (a recovered panic is one): the policy
// is loaded and the cache readable, so whatever the body holds it is
// either judged or rejected as a bad request.
func FuzzHandlers(f *testing.F) {
	paths := []string{webhook.MutatePodsPath, webhook.ValidateWorkloadsPath, webhook.ValidateNamespacesPath}
	seeds := []*admissionv1.AdmissionRequest{
		podRequest(f, nsEnforce, podJSON(nsEnforce, "ReplicaSet", "")),
		podRequest(f, nsDryRun, podJSON(nsDryRun, "Job", `{"preStop":{"exec":{"command":["sleep","5"]}}}`)),
		request(f, admissionv1.Create, deploymentGVK, "deployments", nsEnforce, legacyDeployment(nsEnforce), nil),
		request(f, admissionv1.Update, deploymentGVK, "deployments", nsWarn, compliantDeployment(nsWarn), legacyDeployment(nsWarn)),
		request(f, admissionv1.Create, pdbGVK, "poddisruptionbudgets", nsEnforce, checkoutPDB(nsEnforce), nil),
		request(f, admissionv1.Update, namespaceGVK, "namespaces", "", namespace(map[string]string{"ballast.dev/mode": "off"}, nil), namespace(nil, nil)),
	}
	for i, req := range seeds {
		for target := range paths {
			if target == i%len(paths) {
				f.Add(uint8(target), reviewJSON(f, req))
			}
		}
	}
	f.Add(uint8(0), []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE","object":null}}`))
	f.Add(uint8(1), []byte(`{"request":{"kind":{"group":"apps","version":"v1","kind":"Deployment"},"operation":"UPDATE","namespace":"x","object":{},"oldObject":7}}`))
	f.Add(uint8(2), []byte(""))

	e := newEnv(f, options{})
	f.Fuzz(func(t *testing.T, target uint8, body []byte) {
		path := paths[int(target)%len(paths)]
		code, resp := e.post(t, path, body)
		if code != http.StatusOK {
			t.Fatalf("HTTP %d", code)
		}
		if resp.Result != nil && resp.Result.Code >= http.StatusInternalServerError {
			t.Fatalf("answered %d: %s", resp.Result.Code, resp.Result.Message)
		}
		if resp.AuditAnnotations[engine.AuditDecision] == webhook.DecisionError {
			t.Fatalf("internal error: %s", resp.AuditAnnotations[webhook.AuditError])
		}
	})
}
