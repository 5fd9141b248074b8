package chart

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecodeWebhooks(t *testing.T) {
	tests := map[string]struct {
		manifests      string
		wantMutating   []string
		wantValidating []string
		wantErr        string
	}{
		"picks both kinds among other manifests": {
			manifests: `---
# Source: ballast/templates/serviceaccount.yaml
apiVersion: v1
kind: ServiceAccount
metadata: {name: ballast}
---
# Source: ballast/templates/webhooks.yaml
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: ballast}
webhooks:
- name: pods.ballast.dev
  clientConfig: {service: {name: ballast, namespace: ballast-system, path: /mutate-pods}}
  admissionReviewVersions: [v1]
  sideEffects: None
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ballast}
webhooks:
- name: workloads.ballast.dev
  clientConfig: {service: {name: ballast, namespace: ballast-system, path: /validate-workloads}}
  admissionReviewVersions: [v1]
  sideEffects: None
---
# only a comment
`,
			wantMutating:   []string{"ballast"},
			wantValidating: []string{"ballast"},
		},
		"a misspelt field is an error": {
			manifests: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ballast}
webhooks:
- name: workloads.ballast.dev
  timeoutSecond: 3
`,
			wantErr: `unknown field "timeoutSecond"`,
		},
		"another apiVersion is an error": {
			manifests: `apiVersion: admissionregistration.k8s.io/v1beta1
kind: MutatingWebhookConfiguration
metadata: {name: ballast}
`,
			wantErr: `want "admissionregistration.k8s.io/v1"`,
		},
		"nothing to pick": {
			manifests: "apiVersion: v1\nkind: Service\nmetadata: {name: ballast}\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			hooks, err := decodeWebhooks([]byte(tc.manifests))
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			var mutating, validating []string
			for _, h := range hooks.Mutating {
				mutating = append(mutating, h.Name)
			}
			for _, h := range hooks.Validating {
				validating = append(validating, h.Name)
			}
			assert.Equal(t, tc.wantMutating, mutating)
			assert.Equal(t, tc.wantValidating, validating)
		})
	}
}

func TestInstallOptions(t *testing.T) {
	hooks, err := decodeWebhooks([]byte(`apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata: {name: ballast}
webhooks:
- name: pods.ballast.dev
  clientConfig: {service: {name: ballast, namespace: ballast-system, path: /mutate-pods}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: ballast}
webhooks:
- name: workloads.ballast.dev
  clientConfig: {service: {name: ballast, namespace: ballast-system, path: /validate-workloads}}
`))
	require.NoError(t, err)

	opts, err := hooks.InstallOptions([]byte("CA"), "/certs")
	require.NoError(t, err)
	assert.Equal(t, LoopbackHost, opts.LocalServingHost)
	assert.Positive(t, opts.LocalServingPort)
	assert.Equal(t, "/certs", opts.LocalServingCertDir)

	base := "https://" + net.JoinHostPort(LoopbackHost, strconv.Itoa(opts.LocalServingPort))
	require.Len(t, opts.MutatingWebhooks, 1)
	cc := opts.MutatingWebhooks[0].Webhooks[0].ClientConfig
	assert.Nil(t, cc.Service)
	require.NotNil(t, cc.URL)
	assert.Equal(t, base+"/mutate-pods", *cc.URL)
	assert.Equal(t, []byte("CA"), cc.CABundle)
	require.Len(t, opts.ValidatingWebhooks, 1)
	assert.Equal(t, base+"/validate-workloads", *opts.ValidatingWebhooks[0].Webhooks[0].ClientConfig.URL)

	assert.NotNil(t, hooks.Mutating[0].Webhooks[0].ClientConfig.Service, "the rendered webhooks are left alone")
}
