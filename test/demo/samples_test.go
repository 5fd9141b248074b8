package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
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
		exempted = exempted || len(st.Exemptions) > 0 || len(st.ScopedExemptions()) > 0
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

// TestDemoSamplesHaveServices checks that every sample workload whose pods
// serve traffic has the Service it would have in a cluster: Ballast
// injects readiness probes only where a Service routes traffic, and the
// demo shows them.
func TestDemoSamplesHaveServices(t *testing.T) {
	s, err := loadSamples(samplesDir)
	require.NoError(t, err)
	var services []*corev1.Service
	for _, m := range s.manifests {
		if svc, ok := m.obj.(*corev1.Service); ok {
			services = append(services, svc)
		}
	}
	require.NotEmpty(t, services)
	for _, m := range s.manifests {
		if _, ok := workload.Of(m.obj); !ok {
			continue
		}
		tmpl, ok := workload.TemplateOf(m.obj)
		require.True(t, ok, "%s has a pod template", describe(m.obj))
		for i := range tmpl.Spec.Containers {
			c := &tmpl.Spec.Containers[i]
			if !podspec.ServesTraffic(c) {
				continue
			}
			route := workload.RouteTo(c, m.obj.GetNamespace(), tmpl.Meta.Labels, services)
			assert.True(t, route.Ready || route.PeerOnly, "%s (%s): no Service routes to container %s", describe(m.obj), m.file, c.Name)
		}
	}
}

func TestTargetPorts(t *testing.T) {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{
		{Port: 80, TargetPort: intstr.FromString("http")},
		{Port: 81, TargetPort: intstr.FromInt32(8081)},
		{Port: 53, Protocol: corev1.ProtocolUDP},
	}}}
	assert.Equal(t, []corev1.ContainerPort{
		{Name: "http", ContainerPort: 20000},
		{ContainerPort: 8081},
		{ContainerPort: 53, Protocol: corev1.ProtocolUDP},
	}, targetPorts(svc))
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
