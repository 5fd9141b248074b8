package mutators

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

func TestMutatorIDs(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, m := range Default() {
		id := m.ID()
		assert.Regexp(t, kebab, id, "mutator ID")
		assert.False(t, seen[id], "mutator %q listed twice", id)
		seen[id] = true
		assert.Contains(t, policy.RuleIDs(), m.RuleID(), "rule of mutator %q", id)
		assert.FileExists(t, strings.ReplaceAll(id, "-", "_")+".go", "the file of mutator %q", id)
	}
}

func TestDefaultOrder(t *testing.T) {
	var ids []string
	for _, m := range Default() {
		ids = append(ids, m.ID())
	}
	assert.Equal(t, []string{"prestop-sleep", "termination-grace", "readiness-probe", "liveness-probe", "startup-probe"}, ids)
}

// policies are the policies the tests over every mutator run with.
var policies = map[string]*policy.Spec{
	"the defaults":   policy.Defaulted(nil),
	"every default":  podDefaultsSpec(everyDefault(policy.PreStopNative, 20)),
	"exec preStop":   podDefaultsSpec(everyDefault(policy.PreStopExec, 5)),
	"nothing at all": podDefaultsSpec(nothingAtAll()),
	"no termination-grace": podDefaultsSpec(policy.PodDefaults{
		TerminationGracePeriod: policy.Toggle{Enabled: ptr.To(false)},
	}),
}

func everyDefault(strategy policy.PreStopStrategy, sleep int32) policy.PodDefaults {
	on := policy.ProbeDefaults{Enabled: ptr.To(true)}
	return policy.PodDefaults{
		PreStop:        policy.PreStopDefaults{Strategy: strategy, SleepSeconds: sleep},
		ReadinessProbe: on,
		LivenessProbe:  on,
		StartupProbe:   on,
	}
}

func nothingAtAll() policy.PodDefaults {
	off := ptr.To(false)
	return policy.PodDefaults{
		PreStop:                policy.PreStopDefaults{Enabled: off},
		TerminationGracePeriod: policy.Toggle{Enabled: off},
		ReadinessProbe:         policy.ProbeDefaults{Enabled: off},
		LivenessProbe:          policy.ProbeDefaults{Enabled: off},
		StartupProbe:           policy.ProbeDefaults{Enabled: off},
	}
}

// podShape is a pod template the tests over every mutator run on.
type podShape struct {
	annotations map[string]string
	spec        corev1.PodSpec
}

func podShapes() map[string]podShape {
	app := container("app", namedPort("http", 8080), namedPort("metrics", 9090))
	return map[string]podShape{
		"no containers":     {},
		"one web container": {spec: corev1.PodSpec{Containers: []corev1.Container{app}}},
		"a web container with a proxy sidecar and an init container": {spec: corev1.PodSpec{
			InitContainers: []corev1.Container{container("migrate"), withPreStop(sidecar("proxy", namedPort("proxy", 15001)), sleepHook(10))},
			Containers:     []corev1.Container{app},
		}},
		"many containers with readiness paths": {
			annotations: map[string]string{
				policy.ReadinessPathAnnotation:          "/healthz",
				policy.ReadinessPathAnnotation + ".api": "not a path",
			},
			spec: corev1.PodSpec{Containers: []corev1.Container{
				app,
				container("api", port(9000)),
				container("worker"),
				container("exporter", namedPort("metrics", 9100)),
				container("dns", udpPort("dns", 53), namedPort("dns-tcp", 53)),
			}},
		},
		"everything set by the user": {spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](120),
			Containers: []corev1.Container{withStartup(withLiveness(withReadiness(withPreStop(app,
				execHook("sh", "-c", "sleep 30")),
				probe(tcpHandler(8080), 0, 5, 1, 3)),
				probe(tcpHandler(8080), 0, 5, 1, 3)),
				probe(tcpHandler(8080), 0, 5, 1, 3)),
			},
		}},
		"a short grace period": {spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](10),
			Containers:                    []corev1.Container{app, container("api", port(9000))},
		}},
		"a grace period too short for the sleep": {spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](2),
			Containers:                    []corev1.Container{app},
		}},
	}
}

// applyAll applies every default mutator to tmpl, in order, with a Service
// that routes traffic to every port of the pod's containers.
func applyAll(tmpl podspec.Template, spec *policy.Spec) []Change {
	var changes []Change
	t := NewTarget(tmpl, "shop", routeAll(*tmpl.Spec), nil)
	for _, m := range Default() {
		changes = append(changes, m.Apply(t, spec)...)
	}
	return changes
}

// forEveryTemplate calls fn with every pod shape, as a Pod and as a
// Deployment, under every policy.
func forEveryTemplate(t *testing.T, fn func(t *testing.T, obj runtime.Object, tmpl podspec.Template, spec *policy.Spec)) {
	for shapeName, shape := range podShapes() {
		for policyName, spec := range policies {
			for kind, obj := range objects(shape.annotations, shape.spec) {
				t.Run(shapeName+"/"+policyName+"/"+kind, func(t *testing.T) {
					tmpl, ok := workload.TemplateOf(obj)
					require.True(t, ok)
					fn(t, obj, tmpl, spec)
				})
			}
		}
	}
}

// TestDefaultConverges applies every default mutator twice: the second
// pass must find nothing to do, as the engine relies on.
func TestDefaultConverges(t *testing.T) {
	forEveryTemplate(t, func(t *testing.T, obj runtime.Object, tmpl podspec.Template, spec *policy.Spec) {
		applyAll(tmpl, spec)
		once := obj.DeepCopyObject()

		assert.Empty(t, applyAll(tmpl, spec), "changes of a second pass")
		assert.Equal(t, once, obj, "object after a second pass")
	})
}

// TestChangeValues checks that each change's Value marshals to exactly
// the JSON of the field at its Pointer in the marshalled object, so the
// engine's patch equals the typed edit, and that it sets a field the user
// left unset, but for the termination grace period, which it may raise.
func TestChangeValues(t *testing.T) {
	forEveryTemplate(t, func(t *testing.T, obj runtime.Object, tmpl podspec.Template, spec *policy.Spec) {
		before, err := json.Marshal(obj)
		require.NoError(t, err)
		changes := applyAll(tmpl, spec)
		after, err := json.Marshal(obj)
		require.NoError(t, err)

		for _, c := range changes {
			value, err := json.Marshal(c.Value)
			require.NoError(t, err)
			got, ok := lookup(t, after, c.Pointer)
			if assert.True(t, ok, "%s is not in the mutated object", c.Pointer) {
				assert.Equal(t, string(got), string(value), "value at %s", c.Pointer)
			}
			if c.Mutator != (TerminationGrace{}).ID() {
				_, set := lookup(t, before, c.Pointer)
				assert.False(t, set, "%s was set by the user", c.Pointer)
			}
		}
	})
}

// lookup returns the JSON found at an RFC 6901 pointer of doc, byte for
// byte.
func lookup(t *testing.T, doc []byte, pointer string) (json.RawMessage, bool) {
	t.Helper()
	require.True(t, strings.HasPrefix(pointer, "/"), "pointer %q", pointer)
	node := json.RawMessage(doc)
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		var object map[string]json.RawMessage
		if err := json.Unmarshal(node, &object); err == nil {
			child, ok := object[tok]
			if !ok {
				return nil, false
			}
			node = child
			continue
		}
		var array []json.RawMessage
		require.NoError(t, json.Unmarshal(node, &array), "%s leads through a scalar", pointer)
		i, err := strconv.Atoi(tok)
		if err != nil || i < 0 || i >= len(array) {
			return nil, false
		}
		node = array[i]
	}
	return node, true
}

// BenchmarkDefaultMutators applies every default mutator to a typical pod:
// a web app with a metrics port beside a log shipper. "inject" starts from
// the pod as its owner wrote it; "converged" from a pod that has every
// default already, which is the cost of each later pass.
func BenchmarkDefaultMutators(b *testing.B) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{
		container("app", namedPort("http", 8080), namedPort("metrics", 9090)),
		container("log-shipper"),
	}}}
	tmpl, _ := workload.TemplateOf(pod)
	mutators := Default()
	spec := policy.Defaulted(nil)
	target := NewTarget(tmpl, "shop", routeAll(pod.Spec), nil)

	b.Run("inject", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			app := &pod.Spec.Containers[0]
			app.Lifecycle, app.ReadinessProbe = nil, nil
			for _, m := range mutators {
				m.Apply(target, spec)
			}
		}
	})
	b.Run("converged", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, m := range mutators {
				m.Apply(target, spec)
			}
		}
	})
}
