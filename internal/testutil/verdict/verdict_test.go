package verdict_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// errDenial is the error the API server returns when Ballast's validating
// webhook denies a request.
var errDenial = errors.New(`admission webhook "workloads.ballast.dev" denied the request: Ballast: Deployment shop/web breaks 2 rules`)

func TestIsDenial(t *testing.T) {
	tests := map[string]struct {
		err  error
		want bool
	}{
		"Ballast's denial":         {err: errDenial, want: true},
		"another webhook's denial": {err: errors.New(`admission webhook "policy.example.com" denied the request: no`)},
		"an error naming Ballast":  {err: errors.New("Ballast's webhook: connection refused")},
		"no error":                 {},
		"a wrapped Ballast denial": {err: errors.Join(errors.New("creating"), errDenial), want: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, verdict.IsDenial(tc.err))
		})
	}
}

func TestModeOf(t *testing.T) {
	tests := map[string]struct {
		warnings []string
		err      error
		want     policy.Mode
		wantErr  string
	}{
		"denied in enforce": {err: errDenial, want: policy.ModeEnforce},
		"would deny in dryrun": {
			warnings: []string{"min-replicas (would deny): runs 1 replica", "prestop-hook: would set a preStop sleep"},
			want:     policy.ModeDryRun,
		},
		"warnings in warn": {
			warnings: []string{"min-replicas: runs 1 replica"},
			want:     policy.ModeWarn,
		},
		"silence in off":    {want: policy.ModeOff},
		"any other failure": {err: errors.New("namespaces \"shop\" not found"), wantErr: `creating the Deployment shop/ballast-mode-probe in dry-run: namespaces "shop" not found`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var created []client.Object
			c := fake.NewClientBuilder().WithInterceptorFuncs(interceptor.Funcs{
				Create: func(ctx context.Context, _ client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
					created = append(created, obj)
					co := &client.CreateOptions{}
					co.ApplyOptions(opts)
					assert.Equal(t, []string{"All"}, co.DryRun, "a dry-run creation")
					for _, w := range tc.warnings {
						warnings.Handler{}.HandleWarningHeaderWithContext(ctx, 299, "-", w)
					}
					return tc.err
				},
			}).Build()

			got, err := verdict.ModeOf(t.Context(), c, "shop")
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			require.Len(t, created, 1)
			d, ok := created[0].(*appsv1.Deployment)
			require.True(t, ok, "a Deployment: %T", created[0])
			assert.Equal(t, "shop", d.Namespace)
			assert.Equal(t, "ballast-mode-probe", d.Name)
		})
	}
}
