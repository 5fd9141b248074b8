package warnings_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

func TestCollect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Warning", `299 - "readiness-probe: container \"web\" has no readinessProbe"`)
		w.Header().Add("Warning", `299 - "min-replicas: runs 1 replica"`)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}`))
	}))
	t.Cleanup(srv.Close)

	cs, err := kubernetes.NewForConfig(&rest.Config{Host: srv.URL, WarningHandlerWithContext: warnings.Handler{}})
	require.NoError(t, err)

	ctx, got := warnings.Collect(t.Context())
	_, err = cs.CoreV1().Namespaces().Get(ctx, "a", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{`readiness-probe: container "web" has no readinessProbe`, "min-replicas: runs 1 replica"}, got.List())

	_, err = cs.CoreV1().Namespaces().Get(t.Context(), "a", metav1.GetOptions{})
	require.NoError(t, err, "a context without a collector drops the warnings")
	assert.Len(t, got.List(), 2)
}
