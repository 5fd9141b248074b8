package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
)

// testNamespaceGuard: a tenant whom RBAC lets patch its namespace still
// cannot exempt it by labelling it ballast.dev/mode=off, nor change
// another ballast.dev/ key; it can change its other labels. A subject the
// policy names among namespaceAdmins can set the label, and the namespace
// is then off.
func testNamespaceGuard(t *testing.T, e *env) {
	ns := e.namespace(t, "guard", modeLabel(policy.ModeEnforce), policy.ModeEnforce)

	t.Run("a tenant cannot set ballast.dev/mode=off", func(t *testing.T) {
		err := labelNamespace(t, e.tenant, ns, policy.ModeLabel, string(policy.ModeOff))
		require.Error(t, err)
		assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
		assert.Contains(t, err.Error(), `user "`+tenantUser+`" may not add, change or remove ballast.dev/ labels and annotations of namespace `+ns)
		assert.Contains(t, err.Error(), `label ballast.dev/mode changed from "enforce" to "off"`)
		e.waitForMode(t, ns, policy.ModeEnforce)
	})

	t.Run("a tenant cannot add another ballast.dev/ annotation", func(t *testing.T) {
		var obj corev1.Namespace
		require.NoError(t, e.tenant.Get(t.Context(), client.ObjectKey{Name: ns}, &obj))
		patch := client.MergeFrom(obj.DeepCopy())
		obj.Annotations = map[string]string{policy.ReadinessPathAnnotation: "/healthz"}
		err := e.tenant.Patch(t.Context(), &obj, patch)
		assert.True(t, verdict.IsDenial(err), "denied by Ballast: %v", err)
	})

	t.Run("a tenant can change its other labels", func(t *testing.T) {
		require.NoError(t, labelNamespace(t, e.tenant, ns, "team", "checkout"))
	})

	t.Run("a namespace admin can set ballast.dev/mode=off", func(t *testing.T) {
		require.NoError(t, labelNamespace(t, e.platform, ns, policy.ModeLabel, string(policy.ModeOff)))
		e.waitForMode(t, ns, policy.ModeOff)
	})
}

// labelNamespace patches the label key=value onto namespace ns as c's
// user.
func labelNamespace(t *testing.T, c client.Client, ns, key, value string) error {
	t.Helper()
	var obj corev1.Namespace
	require.NoError(t, c.Get(t.Context(), client.ObjectKey{Name: ns}, &obj))
	patch := client.MergeFrom(obj.DeepCopy())
	obj.Labels[key] = value
	return c.Patch(t.Context(), &obj, patch)
}
