package audit

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// The chart directory, and the dashboard it ships.
const (
	chartDir  = "../../charts/ballast"
	dashboard = chartDir + "/dashboards/ballast.json"
)

// TestDashboardQueriesExportedMetrics reads the dashboard and checks that
// every metric named in every query is one Ballast's process exports:
// those of internal/metrics, internal/audit and internal/pdb, gathered
// from registries after exercising them, and controller-runtime's webhook
// metrics, gathered after serving one request.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	exported := exportedSeries(t)
	queries := dashboardQueries(t)
	require.NotEmpty(t, queries)

	used := map[string]bool{}
	for _, q := range queries {
		names := metricNames(q)
		assert.NotEmpty(t, names, "query names no metric: %s", q)
		for _, name := range names {
			used[name] = true
			assert.True(t, exported[name], "query %q names %s, which Ballast does not export", q, name)
		}
	}
	// The dashboard shows what the rollout needs to see.
	for _, name := range []string{
		"ballast_admission_decisions_total",
		"ballast_violations",
		"controller_runtime_webhook_latency_seconds_bucket",
		"controller_runtime_webhook_requests_total",
		"ballast_mutations_total",
		"ballast_pdb_actions_total",
		"ballast_exemptions",
		"ballast_audit_last_run_timestamp_seconds",
	} {
		assert.True(t, used[name], "no panel queries %s", name)
	}
}

func TestDashboardPanels(t *testing.T) {
	var d struct {
		UID    string `json:"uid"`
		Panels []struct {
			ID         int    `json:"id"`
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				RefID string `json:"refId"`
				Expr  string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(readDashboard(t), &d))
	assert.Equal(t, "ballast-overview", d.UID)
	ids := map[int]bool{}
	for _, p := range d.Panels {
		assert.False(t, ids[p.ID], "panel id %d is taken twice", p.ID)
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		assert.Equal(t, "${datasource}", p.Datasource.UID, "%s: the data source variable", p.Title)
		assert.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			assert.NotEmpty(t, tg.RefID, p.Title)
			assert.NotEmpty(t, tg.Expr, p.Title)
		}
	}
}

// TestDashboardConfigMap renders the chart's optional ConfigMap and checks
// that it carries the dashboard, byte for byte, with the sidecar's label.
func TestDashboardConfigMap(t *testing.T) {
	helm := helmBinary(t)
	out, err := exec.CommandContext(t.Context(), helm, "template", "ballast", chartDir,
		"--namespace", "ballast", "--kube-version", "1.37.0",
		"--set", "grafana.dashboard.enabled=true",
		"--set", "grafana.dashboard.namespace=monitoring",
		"--show-only", "templates/grafana-dashboard.yaml").CombinedOutput()
	require.NoError(t, err, "%s", out)
	var cm corev1.ConfigMap
	require.NoError(t, yaml.UnmarshalStrict(out, &cm))
	assert.Equal(t, "ballast-dashboard", cm.Name)
	assert.Equal(t, "monitoring", cm.Namespace)
	assert.Equal(t, "1", cm.Labels["grafana_dashboard"])
	assert.JSONEq(t, string(readDashboard(t)), cm.Data["ballast.json"])

	out, err = exec.CommandContext(t.Context(), helm, "template", "ballast", chartDir,
		"--namespace", "ballast", "--kube-version", "1.37.0").CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.NotContains(t, string(out), "templates/grafana-dashboard.yaml", "off by default")
}

// helmBinary returns $HELM, else the repository's bin/helm. Without one it
// skips the test, or fails it when BALLAST_REQUIRE_ENVTEST=1.
func helmBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HELM")
	if path == "" {
		path = filepath.Join("..", "..", "bin", "helm")
	}
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && fi.Mode().Perm()&0o111 != 0 {
		return path
	}
	msg := "helm not found at " + path + ": run `make helm` or set HELM"
	if os.Getenv("BALLAST_REQUIRE_ENVTEST") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

func readDashboard(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(dashboard)
	require.NoError(t, err)
	return data
}

// dashboardQueries returns every PromQL expression of the dashboard: the
// expr of every target, and the query of every query variable.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	var doc any
	require.NoError(t, json.Unmarshal(readDashboard(t), &doc))
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if expr, ok := v["expr"].(string); ok {
				out = append(out, expr)
			}
			if v["type"] == "query" {
				if q, ok := v["query"].(map[string]any); ok {
					out = append(out, q["query"].(string))
				}
			}
			for _, child := range v {
				walk(child)
			}
		case []any:
			for _, child := range v {
				walk(child)
			}
		}
	}
	walk(doc)
	return out
}

var (
	// quoted matches PromQL string literals: label values and the
	// arguments of count_values and label_replace, never metric names.
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// selector matches a name followed by a label matcher or a range,
	// which only a metric name can be.
	selector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]`)
	// prefixed matches the names of the families the dashboard reads,
	// wherever they stand (label_values(NAME, ...), a bare NAME).
	prefixed = regexp.MustCompile(`\b((?:ballast|controller_runtime)_[a-zA-Z0-9_:]+)`)
)

// metricNames returns the metric names a PromQL expression reads, once
// each.
func metricNames(expr string) []string {
	expr = quoted.ReplaceAllString(expr, `""`)
	var names []string
	for _, re := range []*regexp.Regexp{selector, prefixed} {
		for _, m := range re.FindAllStringSubmatch(expr, -1) {
			if !slices.Contains(names, m[1]) {
				names = append(names, m[1])
			}
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	tests := map[string]struct {
		expr string
		want []string
	}{
		"a selector": {
			expr: `sum by (namespace) (ballast_violations{action="deny", namespace=~"$namespace"})`,
			want: []string{"ballast_violations"},
		},
		"a range without matchers": {
			expr: `rate(ballast_pdb_actions_total[$__rate_interval])`,
			want: []string{"ballast_pdb_actions_total"},
		},
		"a histogram and a bare gauge": {
			expr: `histogram_quantile(0.99, sum by (le) (rate(controller_runtime_webhook_latency_seconds_bucket[5m]))) / ballast_audit_duration_seconds`,
			want: []string{"controller_runtime_webhook_latency_seconds_bucket", "ballast_audit_duration_seconds"},
		},
		"strings are not names": {
			expr: `count(count_values("generation", ballast_policy_generation{job="ballast_x"}))`,
			want: []string{"ballast_policy_generation"},
		},
		"a metric of someone else": {
			expr: `up{job="ballast"} * on() group_left kube_pod_info[5m]`,
			want: []string{"up", "kube_pod_info"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, metricNames(tc.expr))
		})
	}
}

// exportedSeries returns the names of the series Ballast's process
// exports: each gauge and counter, and each histogram's _bucket, _sum and
// _count.
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()

	rec := metrics.NewRecorder(reg)
	rec.ObserveDecision("deployments", admissionv1.Create, "denied", "enforce")
	rec.ObserveFindings("deployments", "enforce", []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny}})
	rec.ObserveMutations("warn", []mutators.Change{{Rule: "prestop-hook", Mutator: "prestop-sleep"}})
	rec.ObserveInternalError("/mutate-pods")
	rec.ObservePolicyReload(policy.Default(), nil)
	rec.ObserveExemptions(policy.Default(), time.Now())

	// The audit's gauges, after one run over a namespace with a violation.
	p, err := NewPeriodic(PeriodicOptions{
		Reader: fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(
			namespaceObject("shop"), oneReplica("shop", "web"),
		).Build(),
		Policy:     staticPolicy{},
		Registerer: reg,
	})
	require.NoError(t, err)
	p.run(t.Context())

	// The PDB reconciler's counter, registered as the server does; the
	// manager contacts no API server until it starts.
	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	mgr, err := manager.New(&rest.Config{Host: "https://127.0.0.1:1"}, manager.Options{
		Scheme: scheme, Metrics: metricsserver.Options{BindAddress: "0"},
	})
	require.NoError(t, err)
	require.NoError(t, pdb.SetupWithManager(mgr, pdb.Options{Policy: staticPolicy{}, Registerer: reg}))

	families := gather(t, reg)

	// controller-runtime's webhook metrics live in its global registry,
	// the one the manager serves; a served request fills them in.
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{})
	srv.Register("/dashboard-test", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.WebhookMux().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/dashboard-test", nil))
	for _, f := range gather(t, ctrlmetrics.Registry) {
		if strings.HasPrefix(f.GetName(), "controller_runtime_webhook_") {
			families = append(families, f)
		}
	}

	series := map[string]bool{}
	for _, f := range families {
		name := f.GetName()
		switch f.GetType() {
		case dto.MetricType_HISTOGRAM:
			series[name+"_bucket"], series[name+"_sum"], series[name+"_count"] = true, true, true
		case dto.MetricType_SUMMARY:
			series[name], series[name+"_sum"], series[name+"_count"] = true, true, true
		default:
			series[name] = true
		}
	}
	for _, name := range []string{ViolationsMetric, NamespacesMetric, LastRunMetric, DurationMetric, pdb.ActionsMetric,
		"controller_runtime_webhook_latency_seconds_bucket", "controller_runtime_webhook_requests_total"} {
		require.True(t, series[name], "exercising the collectors exports %s", name)
	}
	return series
}

func gather(t *testing.T, g prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	families, err := g.Gather()
	require.NoError(t, err)
	return families
}

func namespaceObject(name string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
}

// oneReplica returns a Deployment that breaks min-replicas.
func oneReplica(namespace, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "registry.example.com/" + name + ":1.0.0"}}},
			},
		},
	}
}
