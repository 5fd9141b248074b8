package policy

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestDefaultGolden(t *testing.T) {
	golden := filepath.Join("testdata", "defaults.golden.yaml")
	got, err := yaml.Marshal(Default())
	require.NoError(t, err)

	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "Default() changed; if on purpose, run go test ./internal/policy -update and update docs/policy.md")
}

func TestDefaultIsValid(t *testing.T) {
	assert.Empty(t, Validate(Default()))
}

func TestSetDefaultsKeepsSetFields(t *testing.T) {
	p := &Policy{Spec: Spec{
		Mode:               ModeEnforce,
		NamespaceModeLabel: new(false),
		PodDefaults: PodDefaults{
			OwnerKinds:     []string{"ReplicaSet"},
			ReadinessProbe: ProbeDefaults{Enabled: new(false), InitialDelaySeconds: new(int32(5))},
		},
		NamespaceAdmins: Subjects{Users: []string{"alice"}},
	}}
	SetDefaults(p)

	assert.Equal(t, ModeEnforce, p.Spec.Mode)
	assert.False(t, *p.Spec.NamespaceModeLabel)
	assert.Equal(t, []string{"ReplicaSet"}, p.Spec.PodDefaults.OwnerKinds)
	assert.False(t, *p.Spec.PodDefaults.ReadinessProbe.Enabled)
	assert.Equal(t, int32(5), *p.Spec.PodDefaults.ReadinessProbe.InitialDelaySeconds)
	assert.Equal(t, int32(10), p.Spec.PodDefaults.ReadinessProbe.PeriodSeconds)
	assert.Equal(t, Subjects{Users: []string{"alice"}}, p.Spec.NamespaceAdmins, "users alone replace the default group")
}

func TestSetDefaultsIsIdempotent(t *testing.T) {
	p := Default()
	SetDefaults(p)
	assert.Equal(t, Default(), p)
}
