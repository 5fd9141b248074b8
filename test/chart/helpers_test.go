package chart_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"
	"github.com/go-logr/logr"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
)

const (
	// releaseName and releaseNamespace are the release the chart is
	// rendered as, unless a test says otherwise.
	releaseName      = "ballast"
	releaseNamespace = "ballast-system"
	// kubeVersion is passed to helm as --kube-version: a helm built from
	// source assumes Kubernetes 1.20, which the chart's kubeVersion
	// rejects. It is the version of the envtest control plane.
	kubeVersion = controlplane.KubernetesVersion
	// envRequire, when "1", turns a missing helm into a failure.
	envRequire = "BALLAST_REQUIRE_ENVTEST"
)

// systemNamespaces are the namespaces no webhook may ever see.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", releaseNamespace}

// rendered is the output of helm template, one object per document.
type rendered []*unstructured.Unstructured

// release says what to render: the release's name and namespace, and the
// extra helm arguments (--set, -f).
type release struct {
	name, namespace string
	args            []string
}

// renderChart renders the chart as the release "ballast" in
// releaseNamespace with the extra helm arguments, and fails the test when
// helm fails.
func renderChart(t *testing.T, args ...string) rendered {
	t.Helper()
	return renderRelease(t, release{releaseName, releaseNamespace, args})
}

// renderRelease renders the chart as rel and fails the test when helm
// fails.
func renderRelease(t *testing.T, rel release) rendered {
	t.Helper()
	r, err := tryRender(t, rel)
	require.NoError(t, err)
	return r
}

// tryRenderChart renders the chart as the release "ballast" in
// releaseNamespace and returns helm's error, with its stderr.
func tryRenderChart(t *testing.T, args ...string) (rendered, error) {
	t.Helper()
	return tryRender(t, release{releaseName, releaseNamespace, args})
}

// tryRender renders what `helm install` installs: the test hooks, which
// only `helm test` creates, are left out (TestChartHelmTest renders them).
func tryRender(t *testing.T, rel release) (rendered, error) {
	t.Helper()
	out, err := helmOutput(t, append([]string{
		"template", rel.name, chartDir(t), "--namespace", rel.namespace, "--kube-version", kubeVersion, "--skip-tests",
	}, rel.args...)...)
	if err != nil {
		return nil, err
	}
	return decodeManifests(out)
}

// helmOutput runs helm with args and returns its standard output, or an
// error that carries its standard error.
func helmOutput(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), helmBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helm %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// decodeManifests splits a multi-document YAML stream into objects,
// leaving out empty documents.
func decodeManifests(data []byte) (rendered, error) {
	var out rendered
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decoding helm's output: %w", err)
		}
		if obj != nil {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

// object converts the rendered object of kind and name into into.
func (r rendered) object(t *testing.T, kind, name string, into any) {
	t.Helper()
	u := r.find(kind, name)
	require.NotNil(t, u, "%s %s is not rendered; rendered: %v", kind, name, r.kinds())
	require.NoError(t, runtimeFromUnstructured(u, into),
		"%s %s has a field its type does not know", kind, name)
}

// find returns the rendered object of kind and name, or nil.
func (r rendered) find(kind, name string) *unstructured.Unstructured {
	for _, u := range r {
		if u.GetKind() == kind && u.GetName() == name {
			return u
		}
	}
	return nil
}

// ofKind returns the rendered objects of kind.
func (r rendered) ofKind(kind string) rendered {
	var out rendered
	for _, u := range r {
		if u.GetKind() == kind {
			out = append(out, u)
		}
	}
	return out
}

func (r rendered) kinds() []string {
	var kinds []string
	for _, u := range r {
		kinds = append(kinds, u.GetKind())
	}
	return kinds
}

func (r rendered) webhookConfigurations(t *testing.T) (*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.ValidatingWebhookConfiguration) {
	t.Helper()
	var m admissionregistrationv1.MutatingWebhookConfiguration
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	r.object(t, "MutatingWebhookConfiguration", releaseName, &m)
	r.object(t, "ValidatingWebhookConfiguration", releaseName, &v)
	return &m, &v
}

// webhookView is what the checks read of a mutating or a validating
// webhook.
type webhookView struct {
	Name                    string
	ClientConfig            admissionregistrationv1.WebhookClientConfig
	Rules                   []admissionregistrationv1.RuleWithOperations
	FailurePolicy           *admissionregistrationv1.FailurePolicyType
	MatchPolicy             *admissionregistrationv1.MatchPolicyType
	NamespaceSelector       *metav1.LabelSelector
	SideEffects             *admissionregistrationv1.SideEffectClass
	TimeoutSeconds          *int32
	AdmissionReviewVersions []string
	MatchConditions         []admissionregistrationv1.MatchCondition
	ReinvocationPolicy      *admissionregistrationv1.ReinvocationPolicyType
}

func allWebhooks(m *admissionregistrationv1.MutatingWebhookConfiguration, v *admissionregistrationv1.ValidatingWebhookConfiguration) []webhookView {
	var out []webhookView
	for _, w := range m.Webhooks {
		out = append(out, webhookView{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, w.ReinvocationPolicy})
	}
	for _, w := range v.Webhooks {
		out = append(out, webhookView{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, nil})
	}
	return out
}

func findWebhook(t *testing.T, v *admissionregistrationv1.ValidatingWebhookConfiguration, path string) admissionregistrationv1.ValidatingWebhook {
	t.Helper()
	for _, w := range v.Webhooks {
		if w.ClientConfig.Service != nil && ptr.Deref(w.ClientConfig.Service.Path, "") == path {
			return w
		}
	}
	require.Failf(t, "no webhook", "no validating webhook serves %s", path)
	return admissionregistrationv1.ValidatingWebhook{}
}

// variant is a file of values in charts/ballast/ci.
type variant struct {
	// name is the file's name without -values.yaml: "generate".
	name string
	// file is its path.
	file string
}

// variants returns the chart's variants, in the order of their names.
func variants(t *testing.T) []variant {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir(t), "ci", "*-values.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no values files in charts/ballast/ci")
	var out []variant
	for _, f := range files {
		out = append(out, variant{name: strings.TrimSuffix(filepath.Base(f), "-values.yaml"), file: f})
	}
	slices.SortFunc(out, func(a, b variant) int { return strings.Compare(a.name, b.name) })
	return out
}

// helmBinary returns the helm to run: $HELM, else bin/helm of the
// repository. It skips the test when there is none, unless
// BALLAST_REQUIRE_ENVTEST=1, which makes it fail.
func helmBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HELM")
	if path == "" {
		path = filepath.Join(repoRoot(t), "bin", "helm")
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("helm not found at %s (set HELM, or run `make helm`): %v", path, err)
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

func chartDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "charts", "ballast")
}

// repoRoot returns the nearest directory above the working directory that
// holds a go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := controlplane.RepoRoot()
	require.NoError(t, err)
	return root
}

// readRepoFile returns the content of a file of the repository.
func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), path))
	require.NoError(t, err)
	return data
}

// goBuild holds the one build of bin/ballast per test process.
var goBuild struct {
	once sync.Once
	path string
	err  error
}

// stamp is what ballastBinary stamps into the binary through the
// Dockerfile's -ldflags -X flags, by the name of the build argument each
// flag takes its value from.
var stamp = map[string]string{"VERSION": "v0.0.0-chart-test", "COMMIT": "0123456789abcdef", "DATE": "2026-01-02T03:04:05Z"}

// ballastBinary builds cmd/ballast once per test process, as the
// Dockerfile builds it (CGO_ENABLED=0, -trimpath, its -ldflags with the
// values of stamp), and returns its path.
func ballastBinary(t *testing.T) string {
	t.Helper()
	flags := dockerfileBuild(t)
	goBuild.once.Do(func() {
		// Not t.TempDir: the binary outlives the test that built it, for
		// the other tests of the process; TestMain removes it.
		dir, err := os.MkdirTemp("", "ballast-chart-test-") //nolint:usetesting // shared by the whole test process
		if err != nil {
			goBuild.err = err
			return
		}
		goBuild.path = filepath.Join(dir, "ballast")
		ldflags := flags.ldflags(stamp)
		cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", goBuild.path, "./cmd/ballast")
		cmd.Dir = repoRoot(t)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			goBuild.err = fmt.Errorf("go build -ldflags %q ./cmd/ballast: %w: %s", ldflags, err, out)
		}
	})
	require.NoError(t, goBuild.err)
	return goBuild.path
}

// TestMain silences controller-runtime's global logger, which
// cert-manager's CA injector logs through (the managers of the tests log
// to the test), and removes the binary ballastBinary built.
func TestMain(m *testing.M) {
	ctrl.SetLogger(logr.Discard())
	code := m.Run()
	if goBuild.path != "" {
		_ = os.RemoveAll(filepath.Dir(goBuild.path))
	}
	os.Exit(code)
}

// strictScheme knows every kind the chart renders but the Prometheus
// Operator's, whose Go types are not in the module graph
// (decodeMonitoring checks those).
var strictScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(cmapi.AddToScheme(s))
	return s
}()

// runtimeFromUnstructured converts u into obj, failing on any field obj's
// type does not have.
func runtimeFromUnstructured(u *unstructured.Unstructured, obj any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(u.Object, obj, true)
}

// kubeletEnv returns the environment of ctr as the kubelet gives it: the
// values, and for a resourceFieldRef of the container itself the resource
// divided by the divisor (1 by default), rounded up. It fails on other
// sources, which the chart does not use.
func kubeletEnv(t *testing.T, ctr corev1.Container) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.ResourceFieldRef != nil:
			env[e.Name] = resourceFieldValue(t, ctr, e.ValueFrom.ResourceFieldRef)
		default:
			t.Fatalf("env %s: only values and resourceFieldRefs are emulated", e.Name)
		}
	}
	return env
}

// environ returns base with the variables of env added.
func environ(base []string, env map[string]string) []string {
	out := slices.Clone(base)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// expandArgs expands each $(VAR) of env in args, as the kubelet does.
func expandArgs(args []string, env map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for k, v := range env {
			a = strings.ReplaceAll(a, "$("+k+")", v)
		}
		out[i] = a
	}
	return out
}

// resourceFieldValue is the value the kubelet gives an environment
// variable from a resourceFieldRef of the container itself: the resource
// divided by the divisor (1 by default), rounded up.
func resourceFieldValue(t *testing.T, ctr corev1.Container, ref *corev1.ResourceFieldSelector) string {
	t.Helper()
	require.Contains(t, []string{"", ctr.Name}, ref.ContainerName)
	var q resource.Quantity
	switch ref.Resource {
	case "limits.memory":
		q = *ctr.Resources.Limits.Memory()
	case "requests.memory":
		q = *ctr.Resources.Requests.Memory()
	default:
		t.Fatalf("resourceFieldRef %s is not emulated", ref.Resource)
	}
	require.False(t, q.IsZero(), "the container sets %s", ref.Resource)
	divisor := int64(1)
	if !ref.Divisor.IsZero() {
		divisor = ref.Divisor.Value()
	}
	return strconv.FormatInt((q.Value()+divisor-1)/divisor, 10)
}
