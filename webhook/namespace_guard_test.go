package webhook_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

func namespace(labels, annotations map[string]string) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: "team-shop", Labels: labels, Annotations: annotations},
	}
}

func TestNamespaceGuard(t *testing.T) {
	admin := authenticationv1.UserInfo{Username: "sre@example.com", Groups: []string{adminGroup, "system:authenticated"}}
	enforced := namespace(map[string]string{policy.ModeLabel: "enforce", "team": "shop"}, nil)
	tests := map[string]struct {
		op       admissionv1.Operation
		user     authenticationv1.UserInfo
		old, new *corev1.Namespace
		// denied lists what the denial message must say of each key.
		denied []string
		keys   string
	}{
		"a tenant may not add ballast.dev/mode": {
			op: admissionv1.Update, user: tenant,
			old:    namespace(map[string]string{"team": "shop"}, nil),
			new:    namespace(map[string]string{"team": "shop", policy.ModeLabel: "off"}, nil),
			denied: []string{`label ballast.dev/mode added "off"`}, keys: policy.ModeLabel,
		},
		"a tenant may not change ballast.dev/mode": {
			op: admissionv1.Update, user: tenant, old: enforced,
			new:    namespace(map[string]string{policy.ModeLabel: "off", "team": "shop"}, nil),
			denied: []string{`label ballast.dev/mode changed from "enforce" to "off"`}, keys: policy.ModeLabel,
		},
		"a tenant may not remove ballast.dev/mode": {
			op: admissionv1.Update, user: tenant, old: enforced,
			new:    namespace(map[string]string{"team": "shop"}, nil),
			denied: []string{`label ballast.dev/mode removed`}, keys: policy.ModeLabel,
		},
		"a tenant may not create a namespace with ballast.dev/ keys, and each is named": {
			op: admissionv1.Create, user: tenant,
			new:    namespace(map[string]string{policy.ModeLabel: "off"}, map[string]string{"ballast.dev/owner": "me"}),
			denied: []string{`label ballast.dev/mode added "off"`, `annotation ballast.dev/owner added`},
			keys:   "ballast.dev/mode,ballast.dev/owner",
		},
		"a tenant may not change a ballast.dev/ annotation": {
			op: admissionv1.Update, user: tenant,
			old:    namespace(nil, map[string]string{"ballast.dev/owner": "team-shop"}),
			new:    namespace(nil, map[string]string{"ballast.dev/owner": "nobody"}),
			denied: []string{`annotation ballast.dev/owner changed`}, keys: "ballast.dev/owner",
		},
		"a tenant may change other labels while ballast.dev/ keys stay": {
			op: admissionv1.Update, user: tenant, old: enforced,
			new: namespace(map[string]string{policy.ModeLabel: "enforce", "team": "checkout", "cost-center": "42"}, map[string]string{"note": "x"}),
		},
		"a tenant may create a namespace without ballast.dev/ keys": {
			op: admissionv1.Create, user: tenant, new: namespace(map[string]string{"team": "shop"}, nil),
		},
		"a member of an admin group may change ballast.dev/mode": {
			op: admissionv1.Update, user: admin, old: enforced,
			new:  namespace(map[string]string{policy.ModeLabel: "off", "team": "shop"}, nil),
			keys: policy.ModeLabel,
		},
		"a delete passes untouched": {
			op: admissionv1.Delete, user: tenant, old: enforced,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			var obj, old any
			if tc.new != nil {
				obj = tc.new
			}
			if tc.old != nil {
				old = tc.old
			}
			req := request(t, tc.op, namespaceGVK, "namespaces", "", obj, old)
			if obj == nil {
				req.Object.Raw = nil
			}
			req.Name, req.UserInfo = "team-shop", tc.user
			resp := e.review(t, webhook.ValidateNamespacesPath, req)

			assert.Equal(t, len(tc.denied) == 0, resp.Allowed)
			assert.Equal(t, tc.keys, resp.AuditAnnotations[webhook.AuditNamespaceKeys])
			if len(tc.denied) == 0 {
				return
			}
			require.NotNil(t, resp.Result)
			assert.Equal(t, int32(http.StatusForbidden), resp.Result.Code)
			assert.Equal(t, metav1.StatusReasonForbidden, resp.Result.Reason)
			assert.Equal(t, engine.DecisionDenied, resp.AuditAnnotations[engine.AuditDecision])
			assert.Contains(t, resp.Result.Message, `user "alice@example.com" may not`)
			for _, d := range tc.denied {
				assert.Contains(t, resp.Result.Message, "\n- "+d+"\n")
			}
			assert.Contains(t, resp.Result.Message, "ask your platform team; allowed: groups [platform-admins]")
		})
	}
}
