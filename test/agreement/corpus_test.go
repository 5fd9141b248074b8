package agreement

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// now is the clock of all three.
var now = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// A variant is a kind of namespace every fixture is judged in.
type variant struct {
	// prefix starts the names of its namespaces; the policy's exemptions
	// match them by it.
	prefix string
	labels map[string]string
	// mode is the mode the namespace resolves to, which all three must
	// report.
	mode policy.Mode
}

// The names of the policy's exemptions.
const (
	exemptionInForce = "agreement-exempt"
	exemptionExpired = "agreement-expired"
)

// variants are the namespaces of the corpus.
var variants = []variant{
	{prefix: "enf", labels: modeLabel(policy.ModeEnforce), mode: policy.ModeEnforce},
	{prefix: "warn", labels: modeLabel(policy.ModeWarn), mode: policy.ModeWarn},
	{prefix: "dry", mode: policy.ModeDryRun}, // the policy's default
	{prefix: "off", labels: modeLabel(policy.ModeOff), mode: policy.ModeOff},
	{prefix: "exm", labels: modeLabel(policy.ModeEnforce), mode: policy.ModeEnforce}, // exemptionInForce
	{prefix: "exp", labels: modeLabel(policy.ModeEnforce), mode: policy.ModeEnforce}, // exemptionExpired
}

func modeLabel(m policy.Mode) map[string]string {
	return map[string]string{policy.ModeLabel: string(m)}
}

// basePolicy is the policy of the corpus, before a fixture's own spec is
// merged in: the defaults (dryrun unless a label says otherwise), an
// exemption of some rules and pod defaults in force for the exm-
// namespaces, and one of every rule that expired for the exp- namespaces.
func basePolicy() map[string]any {
	return map[string]any{
		"mode":               string(policy.ModeDryRun),
		"namespaceModeLabel": true,
		"exemptions": []any{
			map[string]any{
				"name":       exemptionInForce,
				"namespaces": []any{"exm-*"},
				"rules": []any{
					policy.RuleMinReplicas, policy.RuleReadinessProbe, policy.RuleTerminationGrace,
					policy.RulePDB, policy.RuleImageTag,
				},
				"reason":  "The agreement test exempts some rules until tomorrow.",
				"owner":   "agreement",
				"expires": now.Add(24 * time.Hour).Format(time.RFC3339),
			},
			map[string]any{
				"name":       exemptionExpired,
				"namespaces": []any{"exp-*"},
				"rules":      []any{policy.AllRules},
				"reason":     "The agreement test's exemption that expired yesterday.",
				"owner":      "agreement",
				"expires":    now.Add(-24 * time.Hour).Format(time.RFC3339),
			},
		},
	}
}

// A fixture is one file of the corpus.
type fixture struct {
	// name is rule-id/stem for validators/testdata/<rule-id>/<stem>.yaml,
	// extra/stem for testdata/<stem>.yaml.
	name string
	// objects are its Kubernetes objects, in file order.
	objects []*unstructured.Unstructured
	// spec is the spec of its BallastPolicy, nil when it has none.
	spec map[string]any
}

// A group is the fixtures judged under one policy.
type group struct {
	// key is the JSON of the fixtures' spec, empty for none.
	key string
	// name says which: "base policy", or "policy" and key.
	name     string
	policy   []byte // the policy file
	fixtures []*fixture
}

// loadCorpus reads the fixtures and groups them by policy, the fixtures
// without one first.
func loadCorpus(t *testing.T, root string) []*group {
	t.Helper()
	var fixtures []*fixture
	rules, err := filepath.Glob(filepath.Join(root, "validators", "testdata", "*", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, rules, "no fixtures under validators/testdata")
	for _, path := range rules {
		name := filepath.Base(filepath.Dir(path)) + "/" + strings.TrimSuffix(filepath.Base(path), ".yaml")
		fixtures = append(fixtures, loadFixture(t, path, name))
	}
	extras, err := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	require.NoError(t, err)
	for _, path := range extras {
		fixtures = append(fixtures, loadFixture(t, path, "extra/"+strings.TrimSuffix(filepath.Base(path), ".yaml")))
	}

	byPolicy := map[string]*group{}
	var groups []*group
	for _, f := range fixtures {
		key := ""
		if f.spec != nil {
			b, err := json.Marshal(f.spec)
			require.NoError(t, err)
			key = string(b)
		}
		g := byPolicy[key]
		if g == nil {
			g = &group{key: key, name: "base policy", policy: policyFile(t, f.spec)}
			if key != "" {
				g.name = "policy " + key
			}
			byPolicy[key] = g
			groups = append(groups, g)
		}
		g.fixtures = append(g.fixtures, f)
	}
	slices.SortFunc(groups, func(a, b *group) int { return strings.Compare(a.key, b.key) })
	return groups
}

// loadFixture reads the documents of the fixture file at path.
func loadFixture(t *testing.T, path, name string) *fixture {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer func() { _ = f.Close() }()
	fx := &fixture{name: name}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "reading %s", path)
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		data, err := yaml.YAMLToJSON(doc)
		require.NoError(t, err, "reading %s", path)
		obj := &unstructured.Unstructured{}
		require.NoError(t, json.Unmarshal(data, &obj.Object), "reading %s", path)
		if len(obj.Object) == 0 {
			continue // only comments
		}
		if obj.GetAPIVersion() == policy.APIVersion && obj.GetKind() == policy.Kind {
			spec, _, err := unstructured.NestedMap(obj.Object, "spec")
			require.NoError(t, err, "reading the policy of %s", path)
			fx.spec = spec
			continue
		}
		fx.objects = append(fx.objects, obj)
	}
	require.NotEmpty(t, fx.objects, "%s holds no object", path)
	return fx
}

// policyFile returns the policy file of a group: basePolicy with spec, a
// fixture's, merged in.
func policyFile(t *testing.T, spec map[string]any) []byte {
	t.Helper()
	merged := basePolicy()
	for k, v := range spec {
		if k == "exemptions" {
			merged[k] = append(merged[k].([]any), v.([]any)...)
			continue
		}
		merged[k] = v
	}
	b, err := yaml.Marshal(map[string]any{
		"apiVersion": policy.APIVersion,
		"kind":       policy.Kind,
		"metadata":   map[string]any{"name": "agreement"},
		"spec":       merged,
	})
	require.NoError(t, err)
	return b
}

// A space is one fixture in one variant: a namespace of its own.
type space struct {
	name    string
	fixture *fixture
	variant *variant
	items   []*item
}

// An item is one object of the corpus.
type item struct {
	space *space
	// manifest is the object as `ballast check` reads it: the fixture's
	// document in the space's namespace, or the Pod built from a
	// workload's template.
	manifest *unstructured.Unstructured
	// stored is the object as the API server stored it (defaults
	// applied), which the webhook is sent and the audit reads.
	stored *unstructured.Unstructured
}

// Kind returns the item's kind.
func (it *item) Kind() string { return it.manifest.GetKind() }

// judged reports whether Ballast judges the item's kind. The others, such
// as Services, are neighbours only: the webhook is never sent them, check
// reads them and reports them not evaluated, audit reads them and reports
// nothing of them, and all three judge the workloads beside them by them.
func (it *item) judged() bool {
	_, ok := workload.Named(it.Kind())
	return ok
}

// Name returns the item's name.
func (it *item) Name() string { return it.manifest.GetName() }

// String names the item in failures: kind, namespace/name, fixture and
// mode.
func (it *item) String() string {
	return it.Kind() + " " + it.space.name + "/" + it.Name() +
		" (fixture " + it.space.fixture.name + ", namespace " + it.space.variant.prefix + ": " + string(it.space.variant.mode) + ")"
}

// spaces returns the namespaces of a group and their objects, not yet
// created.
func (g *group) spaces(t *testing.T) []*space {
	t.Helper()
	var out []*space
	for _, f := range g.fixtures {
		for i := range variants {
			v := &variants[i]
			s := &space{name: v.prefix + "-" + strings.ReplaceAll(f.name, "/", "-"), fixture: f, variant: v}
			require.LessOrEqual(t, len(s.name), 63, "namespace name %s is too long", s.name)
			for _, obj := range f.objects {
				m := obj.DeepCopy()
				m.SetNamespace(s.name)
				s.items = append(s.items, &item{space: s, manifest: m})
			}
			for _, it := range slices.Clone(s.items) {
				if pod := podOf(t, it.manifest); pod != nil {
					s.items = append(s.items, &item{space: s, manifest: pod})
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// namespace returns the space's Namespace.
func (s *space) namespace() *unstructured.Unstructured {
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(s.name)
	ns.SetLabels(s.variant.labels)
	return ns
}

// podOwner returns the kind of the controller that creates the Pods of
// workloads of kind, as the workload model says, and false for kinds that
// run no pods from a template.
func podOwner(kind string) (string, bool) {
	k, ok := workload.Named(kind)
	if !ok || !k.IsWorkload() {
		return "", false
	}
	return k.PodOwner, true
}

// podOf returns a Pod of a workload's pod template as its controller
// creates it, or nil when obj is not a workload.
func podOf(t *testing.T, obj *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	owner, ok := podOwner(obj.GetKind())
	if !ok {
		return nil
	}
	tmpl, found, err := unstructured.NestedMap(obj.Object, "spec", "template")
	require.NoError(t, err)
	require.True(t, found, "%s %s has no pod template", obj.GetKind(), obj.GetName())
	spec, _, err := unstructured.NestedMap(tmpl, "spec")
	require.NoError(t, err)
	labels, _, err := unstructured.NestedStringMap(tmpl, "metadata", "labels")
	require.NoError(t, err)
	annotations, _, err := unstructured.NestedStringMap(tmpl, "metadata", "annotations")
	require.NoError(t, err)

	ownerName := obj.GetName()
	if owner == workload.KindReplicaSet {
		ownerName += "-7c5d8f6b9d"
	}
	pod := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	pod.SetAPIVersion("v1")
	pod.SetKind("Pod")
	pod.SetNamespace(obj.GetNamespace())
	pod.SetName(strings.ToLower(obj.GetKind()) + "-" + obj.GetName())
	pod.SetLabels(labels)
	pod.SetAnnotations(annotations)
	pod.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: "apps/v1", Kind: owner, Name: ownerName,
		UID: "0a1b2c3d-0000-4000-8000-000000000000", Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}})
	return pod
}
