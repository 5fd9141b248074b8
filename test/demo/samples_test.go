package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/policy"
)

// samplesDir is the directory `make demo` applies.
const samplesDir = "../../config/samples/demo"

// TestDemoSamples checks what the demo relies on in config/samples/demo:
// one policy, namespaces of every mode (one of them exempted), every
// namespaced object in one of them, a story for every workload.
func TestDemoSamples(t *testing.T) {
	s, err := loadSamples(samplesDir)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(samplesDir, "policy.yaml"), s.policyFile)

	d := &deployer{samples: s}
	modes := map[policy.Mode]bool{}
	exempted := false
	names := map[string]bool{}
	for _, ns := range d.namespaces() {
		st := d.settings(ns)
		modes[st.Mode] = true
		exempted = exempted || len(st.Exemptions) > 0
		names[ns.Name] = true
	}
	for _, m := range policy.Modes {
		assert.True(t, modes[m], "a namespace in mode %s", m)
	}
	assert.True(t, exempted, "a namespace with an exemption in force")
	assert.True(t, names[guardNamespace], "the developer tries to exempt namespace %s", guardNamespace)

	for _, m := range s.manifests {
		if ns := m.obj.GetNamespace(); ns != "" {
			assert.True(t, names[ns], "%s (%s) is in a namespace of the samples", describe(m.obj), m.file)
		}
		if isPlatform(m.obj) {
			continue
		}
		assert.NotEmpty(t, m.obj.GetAnnotations()[storyAnnotation], "%s (%s) tells its story", describe(m.obj), m.file)
	}
}

func TestLoadSamplesErrors(t *testing.T) {
	tests := map[string]struct {
		files   map[string]string
		wantErr string
	}{
		"no policy": {
			files:   map[string]string{"a.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"},
			wantErr: "no BallastPolicy in",
		},
		"two policies": {
			files:   map[string]string{"a.yaml": "kind: BallastPolicy\n", "b.yaml": "kind: BallastPolicy\n"},
			wantErr: "a second BallastPolicy",
		},
		"a policy among other documents": {
			files:   map[string]string{"a.yaml": "kind: BallastPolicy\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"},
			wantErr: "a.yaml",
		},
		"a misspelt field": {
			files: map[string]string{
				"policy.yaml": "kind: BallastPolicy\n",
				"a.yaml":      "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, label: {x: y}}\n",
			},
			wantErr: `unknown field "metadata.label"`,
		},
		"no file": {
			files:   map[string]string{},
			wantErr: "no .yaml file in",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for file, content := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(content), 0o600))
			}
			_, err := loadSamples(dir)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestDescribe(t *testing.T) {
	d := &appsv1.Deployment{}
	d.Namespace, d.Name = "payments", "checkout"
	assert.Equal(t, "Deployment payments/checkout", describe(d))
	ns := &corev1.Namespace{}
	ns.Name = "payments"
	assert.Equal(t, "Namespace payments", describe(ns))
	assert.True(t, isPlatform(ns))
	assert.False(t, isPlatform(d))
}
