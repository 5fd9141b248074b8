package validators

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

var kebabCase = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// TestRuleIDsMatchPolicy checks the catalog the way PSA's NewEvaluator
// checks its checks, and that it names the same rules as the policy, in the
// same order.
func TestRuleIDsMatchPolicy(t *testing.T) {
	rules := Default()
	ids := make([]string, 0, len(rules))
	seen := map[string]bool{}
	known := []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController, workload.KindHPA, workload.KindPDB}
	for _, r := range rules {
		ids = append(ids, r.ID)
		assert.Regexp(t, kebabCase, r.ID, "rule ID")
		assert.False(t, seen[r.ID], "rule %s is listed twice", r.ID)
		seen[r.ID] = true
		assert.NotNil(t, r.Check, "rule %s has no Check", r.ID)
		assert.NotEmpty(t, r.Summary, "rule %s has no Summary", r.ID)
		assert.Contains(t, []policy.Action{policy.ActionDeny, policy.ActionWarn}, r.DefaultAction, "rule %s", r.ID)
		if assert.NotEmpty(t, r.Kinds, "rule %s has no Kinds", r.ID) {
			assert.Subset(t, known, r.Kinds, "rule %s", r.ID)
		}
	}
	assert.Equal(t, policy.RuleIDs(), ids)
}

// TestDefaultReturnsCopies checks that callers cannot change the catalog.
func TestDefaultReturnsCopies(t *testing.T) {
	first := Default()
	first[0].ID = "changed"
	first[0].Kinds[0] = "changed"
	second := Default()
	assert.Equal(t, policy.RuleMinReplicas, second[0].ID)
	assert.Equal(t, workload.KindDeployment, second[0].Kinds[0])
}

// TestRuleFilesNamedAfterIDs keeps the convention of one file per rule,
// named after its ID in snake_case, with its own table test.
func TestRuleFilesNamedAfterIDs(t *testing.T) {
	for _, r := range Default() {
		base := strings.ReplaceAll(r.ID, "-", "_")
		assert.FileExists(t, base+".go", "rule %s", r.ID)
		assert.FileExists(t, base+"_test.go", "rule %s", r.ID)
	}
}

// TestRulesDocumented checks that docs/rules.md, the public catalog, has a
// section for every rule that states its kinds and default action.
func TestRulesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rules.md")
	require.NoError(t, err)
	sections := strings.Split(string(doc), "\n## ")
	documented := map[string]string{}
	for _, s := range sections[1:] {
		id, body, _ := strings.Cut(s, "\n")
		documented[strings.Trim(id, "` ")] = body
	}
	for _, r := range Default() {
		body, ok := documented[r.ID]
		if !assert.True(t, ok, "docs/rules.md has no section ## `%s`", r.ID) {
			continue
		}
		assert.Contains(t, body, "**Default action:** "+string(r.DefaultAction), "rule %s", r.ID)
		assert.Contains(t, body, "**Applies to:** "+strings.Join(r.Kinds, ", "), "rule %s", r.ID)
		delete(documented, r.ID)
	}
	assert.Empty(t, documented, "docs/rules.md documents rules that do not exist")
}

// TestREADMECatalog checks that the README's rule catalog lists every rule
// with its kinds and default action.
func TestREADMECatalog(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	for _, r := range Default() {
		row := "| `" + r.ID + "` | " + strings.Join(r.Kinds, ", ") + " | " + string(r.DefaultAction) + " |"
		assert.Contains(t, string(readme), row, "README.md's rule catalog has no row for %s", r.ID)
	}
}

// TestMessagesFitInWarnings makes every rule fire with the longest names
// Kubernetes allows, and checks that `rule-id: message` still fits an
// admission warning.
func TestMessagesFitInWarnings(t *testing.T) {
	long := strings.Repeat("x", 63)
	longer := strings.Repeat("y", 253)
	bad := func(c *corev1.Container) {
		c.Name, c.Image = long, "registry.example.com:5000/"+longer
		c.Resources, c.ReadinessProbe, c.LivenessProbe, c.Lifecycle = corev1.ResourceRequirements{}, nil, nil, nil
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 65535}}
	}
	sleepLong := func(c *corev1.Container) {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1 << 40}}}
	}
	d := deployment(
		containers(container("web", bad)),
		initContainers(container("proxy", bad, sidecar, sleepLong)),
		func(d *appsv1.Deployment) {
			d.Name = longer
			d.Spec.Replicas = ptr.To[int32](1 << 30)
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
			d.Spec.Template.Spec.TopologySpreadConstraints = nil
			d.Spec.Template.Spec.TerminationGracePeriodSeconds = ptr.To[int64](0)
		},
	)
	single := d.DeepCopy()
	single.Spec.Replicas = nil
	min100 := pdb(longer, minAvailable(intstr.FromString("100%")))
	targets := []*Target{
		// A Service routes to the container, so that readiness-probe fires.
		withSettings(newTarget(d, service(long)), func(s *policy.Settings) {
			s.Spec.Rules.MinReplicas.Minimum = 1<<31 - 1
			s.Spec.Rules.TerminationGrace.ShutdownBudgetSeconds = 1<<31 - 1
		}),
		newTarget(d, hpa(longer, workload.KindDeployment, longer, ptr.To[int32](1), 1)),
		withSettings(newTarget(hpa(longer, workload.KindDeployment, longer, ptr.To[int32](1<<30), 1<<30)), func(s *policy.Settings) {
			s.Spec.Rules.HPAMinReplicas.Minimum = 1<<31 - 1
		}),
		newTarget(pdb(longer, func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = ptr.To(intstr.FromString("0%")) })),
		newTarget(min100),
		newTarget(pdb(longer, minAvailable(intstr.FromInt32(1<<31-1))), single, d),
	}
	fired := map[string]bool{}
	for _, target := range targets {
		target.Settings.Spec.Rules.PDB.Create = ptr.To(false)
		for _, r := range Default() {
			if !r.AppliesTo(target.Kind) {
				continue
			}
			for _, f := range r.Check(target) {
				fired[r.ID] = true
				assert.Equal(t, r.ID, f.Rule)
				assert.LessOrEqual(t, len(f.Message), 90, "message %q", f.Message)
				assert.Less(t, len(f.Rule+": "+f.Message), 120, "warning %q", f.Rule+": "+f.Message)
			}
		}
	}
	for _, r := range Default() {
		assert.True(t, fired[r.ID], "rule %s did not fire", r.ID)
	}
}

// BenchmarkDefaultRules runs every rule over a typical Deployment of two
// containers behind a Service, which passes them all, and over one that
// fails them.
func BenchmarkDefaultRules(b *testing.B) {
	typical := deployment(containers(
		container("web"),
		container("exporter", worker, func(c *corev1.Container) {
			c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9090}}
		}),
	))
	failing := deployment(
		containers(container("web", func(c *corev1.Container) {
			c.Image, c.Resources, c.ReadinessProbe, c.LivenessProbe, c.Lifecycle = "nginx", corev1.ResourceRequirements{}, nil, nil, nil
		}), container("exporter", worker)),
		replicas(nil),
	)
	rules := Default()
	for name, target := range map[string]*Target{
		"passing": newTarget(typical, pdb("web"), service("web")),
		"failing": newTarget(failing, service("web")),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for i := range rules {
					if rules[i].AppliesTo(target.Kind) {
						rules[i].Check(target)
					}
				}
			}
		})
	}
}
