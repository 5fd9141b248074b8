package policyreport

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestKind checks which kind each format writes, given the CRDs a
// cluster has: the RESTMapper is the only thing asked.
func TestKind(t *testing.T) {
	mapper := func(kinds ...schema.GroupVersionKind) meta.RESTMapper {
		m := meta.NewDefaultRESTMapper(nil)
		for _, k := range kinds {
			m.Add(k, meta.RESTScopeNamespace)
		}
		return m
	}
	tests := map[string]struct {
		format  Format
		crds    []schema.GroupVersionKind
		want    schema.GroupVersionKind
		wantOK  bool
		wantErr string
	}{
		"auto prefers the OpenReports API": {
			format: FormatAuto, crds: []schema.GroupVersionKind{WGPolicyKind, OpenReportsKind}, want: OpenReportsKind, wantOK: true,
		},
		"auto falls back on wgpolicyk8s.io":  {format: FormatAuto, crds: []schema.GroupVersionKind{WGPolicyKind}, want: WGPolicyKind, wantOK: true},
		"auto writes nothing without either": {format: FormatAuto},
		"wgpolicyk8s even when both are there": {
			format: FormatWGPolicy, crds: []schema.GroupVersionKind{WGPolicyKind, OpenReportsKind}, want: WGPolicyKind, wantOK: true,
		},
		"openreports without its CRD is an error that says what to do": {
			format: FormatOpenReports, crds: []schema.GroupVersionKind{WGPolicyKind}, want: OpenReportsKind,
			wantErr: "writing policy reports in format openreports: the CRD of openreports.io/v1alpha1 Report is not installed; install it, or choose the format auto or none",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// A client that reaches nothing: only its RESTMapper is read.
			c, err := client.New(&rest.Config{Host: "https://127.0.0.1:1"}, client.Options{Mapper: mapper(tc.crds...)})
			require.NoError(t, err)
			w, err := NewWriter(Options{Client: c, Format: tc.format})
			require.NoError(t, err)
			got, ok, err := w.kind()
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.wantOK, ok)
			if ok || tc.wantErr != "" {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestNewWriter(t *testing.T) {
	c, err := client.New(&rest.Config{Host: "https://127.0.0.1:1"}, client.Options{Mapper: meta.NewDefaultRESTMapper(nil)})
	require.NoError(t, err)
	_, err = NewWriter(Options{Format: FormatAuto})
	assert.EqualError(t, err, "setting up the policy reports: Options.Client is required")
	_, err = NewWriter(Options{Client: c, Format: FormatNone})
	assert.EqualError(t, err, `setting up the policy reports: format "none" writes nothing; use auto, openreports or wgpolicyk8s`)
}
