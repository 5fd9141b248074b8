package policy

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configDir is the repository's config directory.
const configDir = "../../config"

func TestConfigFilesLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(configDir, "*", "*.yaml"))
	require.NoError(t, err)
	var policies []string
	for _, f := range files {
		if dir := filepath.Base(filepath.Dir(f)); dir == "policy" || dir == "samples" {
			policies = append(policies, f)
		}
	}
	require.GreaterOrEqual(t, len(policies), 4, "config/policy and config/samples hold the policies")

	for _, f := range policies {
		t.Run(f, func(t *testing.T) {
			_, err := Load(f)
			assert.NoError(t, err)
		})
	}
}

// TestDefaultYAML checks that config/policy/default.yaml spells out every
// default: decoded without defaulting, its spec is the default spec.
func TestDefaultYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(configDir, "policy", "default.yaml"))
	require.NoError(t, err)

	root, err := parseYAML(data)
	require.NoError(t, err)
	var p Policy
	d := newDecoder()
	d.decode(root, reflect.ValueOf(&p).Elem(), nil)
	require.Empty(t, d.problems)

	want := Default()
	assert.Equal(t, want.APIVersion, p.APIVersion)
	assert.Equal(t, want.Kind, p.Kind)
	assert.Equal(t, want.Spec, p.Spec)

	loaded, err := Parse(data)
	require.NoError(t, err)
	assert.Equal(t, want.Spec, loaded.Spec)
}

// TestDocExamples checks that every policy in docs/policy.md loads: the
// YAML blocks that start with apiVersion.
func TestDocExamples(t *testing.T) {
	data, err := os.ReadFile("../../docs/policy.md")
	require.NoError(t, err)

	var examples int
	for block := range strings.SplitSeq(string(data), "```yaml\n") {
		body, _, ok := strings.Cut(block, "```")
		if !ok || !strings.HasPrefix(body, "apiVersion:") {
			continue
		}
		examples++
		_, err := Parse([]byte(body))
		require.NoError(t, err, body)
	}
	assert.GreaterOrEqual(t, examples, 2)
}

// TestRuleConstantsNameTheRules keeps the Rule* constants equal to the json
// names of the Rules fields, in order.
func TestRuleConstantsNameTheRules(t *testing.T) {
	assert.Equal(t, []string{
		RuleMinReplicas, RuleHPAMinReplicas, RuleReadinessProbe, RuleLivenessProbe,
		RuleResourceRequests, RuleMemoryLimit, RulePreStopHook, RuleTerminationGrace,
		RulePDB, RulePDBAllowsDisruption, RuleSpread, RuleRollingUpdate, RuleImageTag,
	}, RuleIDs())
}
