package validators

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/policy"
)

// Fixtures live in testdata/<rule-id>/pass-*.yaml and fail-*.yaml. The first
// document of a fixture is the object judged; the others are its
// surroundings (PodDisruptionBudgets, HPAs, workloads) or a BallastPolicy
// whose spec replaces the empty policy.
const fixturesDir = "testdata"

// strictDecoder decodes the Kubernetes documents of fixtures, rejecting
// unknown fields so that a typo cannot make a fixture pass.
var strictDecoder = serializer.NewCodecFactory(clientgoscheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// TestFixtures runs each rule, alone, over its fixtures: a pass fixture has
// no finding of the rule, a fail fixture at least one.
func TestFixtures(t *testing.T) {
	rules := map[string]Rule{}
	for _, r := range Default() {
		rules[r.ID] = r
	}
	dirs, err := os.ReadDir(fixturesDir)
	require.NoError(t, err)
	for _, dir := range dirs {
		if dir.Name() == "fuzz" { // the go tool's corpus of the Fuzz tests
			continue
		}
		rule, ok := rules[dir.Name()]
		if !assert.True(t, ok && dir.IsDir(), "testdata/%s is not named after a rule", dir.Name()) {
			continue
		}
		files, err := os.ReadDir(filepath.Join(fixturesDir, dir.Name()))
		require.NoError(t, err)
		for _, file := range files {
			name := file.Name()
			pass, fail := strings.HasPrefix(name, "pass-"), strings.HasPrefix(name, "fail-")
			if !assert.True(t, (pass || fail) && filepath.Ext(name) == ".yaml", "testdata/%s/%s is not pass-*.yaml or fail-*.yaml", dir.Name(), name) {
				continue
			}
			t.Run(dir.Name()+"/"+name, func(t *testing.T) {
				target := loadFixture(t, filepath.Join(fixturesDir, dir.Name(), name))
				require.True(t, rule.AppliesTo(target.Kind), "rule %s does not apply to a %s", rule.ID, target.Kind)
				findings := rule.Check(target)
				for _, f := range findings {
					assert.Equal(t, rule.ID, f.Rule)
				}
				if pass {
					assert.Empty(t, findings)
				} else {
					assert.NotEmpty(t, findings)
				}
			})
		}
	}
}

// TestEveryRuleHasFixtures ensures that fixtures exist for every rule, both
// passing and failing, as PSA's TestFixtures does for its checks.
func TestEveryRuleHasFixtures(t *testing.T) {
	for _, r := range Default() {
		for _, prefix := range []string{"pass-", "fail-"} {
			matches, err := filepath.Glob(filepath.Join(fixturesDir, r.ID, prefix+"*.yaml"))
			require.NoError(t, err)
			assert.NotEmpty(t, matches, "rule %s has no %s fixture", r.ID, prefix+"*.yaml")
		}
	}
}

// loadFixture returns the target a fixture describes, judged in enforce
// mode with the default policy unless the fixture holds a BallastPolicy,
// loaded as the webhook loads it.
func loadFixture(t *testing.T, path string) *Target {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var objects []runtime.Object
	var spec *policy.Spec
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		data, err := yaml.YAMLToJSONStrict(doc)
		require.NoError(t, err)
		var meta metav1.TypeMeta
		require.NoError(t, yaml.Unmarshal(data, &meta))
		if meta.APIVersion == policy.APIVersion && meta.Kind == policy.Kind {
			p, err := policy.Parse(doc)
			require.NoError(t, err, "%s holds an invalid policy", path)
			spec = &p.Spec
			continue
		}
		obj, _, err := strictDecoder.Decode(data, nil, nil)
		require.NoError(t, err)
		objects = append(objects, obj)
	}
	require.NotEmpty(t, objects, "%s holds no object", path)
	target := newTarget(objects[0], objects[1:]...)
	if spec != nil {
		target.Settings.Spec = spec
	}
	return target
}
