package chart_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
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
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	ctrlwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

// monitoringGroup is the API group of the Prometheus Operator's kinds.
const monitoringGroup = "monitoring.coreos.com"

// The Prometheus Operator's ServiceMonitor and PrometheusRule, the fields
// the chart sets. The operator's Go types are not in the module graph:
// decodeMonitoring decodes the two objects strictly into these types, whose
// fields and JSON names follow monitoring.coreos.com/v1, without an API
// server; TestChartOnAnAPIServer also creates them against the operator's
// CustomResourceDefinitions (`make monitoring-crds`).
type (
	serviceMonitor struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
		Spec              struct {
			NamespaceSelector struct {
				MatchNames []string `json:"matchNames"`
			} `json:"namespaceSelector"`
			Selector  metav1.LabelSelector `json:"selector"`
			Endpoints []struct {
				Port          string `json:"port"`
				Path          string `json:"path"`
				Scheme        string `json:"scheme"`
				Interval      string `json:"interval"`
				ScrapeTimeout string `json:"scrapeTimeout"`
			} `json:"endpoints"`
		} `json:"spec"`
	}
	prometheusRule struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata"`
		Spec              struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Alert       string            `json:"alert"`
					Expr        string            `json:"expr"`
					For         string            `json:"for"`
					Labels      map[string]string `json:"labels"`
					Annotations map[string]string `json:"annotations"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
)

// promDuration matches a Prometheus duration, such as 30s or 1h.
var promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

// decodeMonitoring decodes a ServiceMonitor or a PrometheusRule strictly
// and checks what the operator's schema requires of the fields the chart
// sets.
func decodeMonitoring(t *testing.T, u *unstructured.Unstructured) any {
	t.Helper()
	data, err := json.Marshal(u.Object)
	require.NoError(t, err)
	require.Equal(t, "monitoring.coreos.com/v1", u.GetAPIVersion())
	switch u.GetKind() {
	case "ServiceMonitor":
		var sm serviceMonitor
		require.NoError(t, yaml.UnmarshalStrict(data, &sm), "ServiceMonitor %s", u.GetName())
		require.NotEmpty(t, sm.Spec.Endpoints)
		for _, e := range sm.Spec.Endpoints {
			assert.NotEmpty(t, e.Port)
			assert.Contains(t, []string{"http", "https"}, e.Scheme)
			assert.Regexp(t, promDuration, e.Interval)
			assert.Regexp(t, promDuration, e.ScrapeTimeout)
		}
		return &sm
	case "PrometheusRule":
		var pr prometheusRule
		require.NoError(t, yaml.UnmarshalStrict(data, &pr), "PrometheusRule %s", u.GetName())
		for _, g := range pr.Spec.Groups {
			assert.NotEmpty(t, g.Name)
			for _, r := range g.Rules {
				assert.Regexp(t, `^[A-Z][A-Za-z]+$`, r.Alert)
				assert.NotEmpty(t, r.Expr, r.Alert)
				assert.Regexp(t, promDuration, r.For, r.Alert)
				assert.True(t, balanced(r.Expr), "%s: unbalanced brackets in %s", r.Alert, r.Expr)
			}
		}
		return &pr
	}
	require.Failf(t, "unknown kind", "%s is not a kind of the Prometheus Operator the chart renders", u.GetKind())
	return nil
}

// balanced reports whether the brackets of a PromQL expression pair up,
// outside its string literals. (No PromQL parser is in the module graph.)
func balanced(expr string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, c := range quoted.ReplaceAllString(expr, `""`) {
		switch c {
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0
}

// renderMonitoring renders the chart with the ServiceMonitor and the
// PrometheusRule on, and the extra helm arguments.
func renderMonitoring(t *testing.T, args ...string) (rendered, *serviceMonitor, *prometheusRule) {
	t.Helper()
	r := renderChart(t, append([]string{"--set", "serviceMonitor.enabled=true", "--set", "prometheusRule.enabled=true"}, args...)...)
	var sm *serviceMonitor
	var pr *prometheusRule
	for _, u := range r {
		switch u.GetKind() {
		case "ServiceMonitor":
			sm = decodeMonitoring(t, u).(*serviceMonitor)
		case "PrometheusRule":
			pr = decodeMonitoring(t, u).(*prometheusRule)
		}
	}
	require.NotNil(t, sm, "no ServiceMonitor")
	require.NotNil(t, pr, "no PrometheusRule")
	return r, sm, pr
}

// TestChartServiceMonitor checks that the ServiceMonitor scrapes the
// Service's metrics port in the release namespace.
func TestChartServiceMonitor(t *testing.T) {
	r, sm, _ := renderMonitoring(t, "--set", "serviceMonitor.namespace=monitoring",
		"--set", "serviceMonitor.labels.release=kube-prometheus-stack")
	assert.Equal(t, "monitoring", sm.Namespace)
	assert.Equal(t, "kube-prometheus-stack", sm.Labels["release"])
	assert.Equal(t, []string{releaseNamespace}, sm.Spec.NamespaceSelector.MatchNames)

	var svc corev1.Service
	r.object(t, "Service", releaseName, &svc)
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	require.NoError(t, err)
	assert.True(t, sel.Matches(labels.Set(svc.Labels)), "selects Ballast's Service")
	require.Len(t, sm.Spec.Endpoints, 1)
	e := sm.Spec.Endpoints[0]
	assert.True(t, slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == e.Port }),
		"the Service has a port named %s", e.Port)
	assert.Equal(t, "/metrics", e.Path)

	_, err = tryRenderChart(t, "--set", "serviceMonitor.enabled=true", "--set", "metrics.enabled=false")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "serviceMonitor.enabled needs metrics.enabled")
}

// alertMetrics are the alerts the platform team needs and the metric each
// must read.
var alertMetrics = map[string]string{
	"BallastDown":               "up",
	"BallastWebhookErrors":      "controller_runtime_webhook_requests_total",
	"BallastSlow":               "controller_runtime_webhook_latency_seconds_bucket",
	"BallastInternalErrors":     "ballast_internal_errors_total",
	"BallastReviewsRefused":     "ballast_reviews_refused_total",
	"BallastPolicyReloadFailed": "ballast_policy_last_reload_success",
	"BallastPolicyDrift":        "ballast_policy_generation",
	"BallastExemptionExpiring":  "ballast_exemptions",
	"BallastExemptionExpired":   "ballast_exemptions",
	"BallastAuditStale":         "ballast_audit_last_run_timestamp_seconds",

	"BallastInjectedProbeKeepsPodsUnready": "ballast_injected_probe_unready_pods",
}

// TestChartPrometheusRule checks the alerts: each reads the metric it is
// about, only metrics Ballast exports (and up, which Prometheus records
// for every scrape), only Ballast's own series, and links to its section
// of the runbook in docs/install.md.
func TestChartPrometheusRule(t *testing.T) {
	exported := exportedSeries(t)
	_, _, pr := renderMonitoring(t)
	runbook := string(readRepoFile(t, "docs/install.md"))
	selector := `namespace="` + releaseNamespace + `",job="` + releaseName + `"`

	alerts := map[string]bool{}
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			alerts[r.Alert] = true
			names := metricNames(r.Expr)
			require.NotEmpty(t, names, r.Alert)
			assert.Contains(t, names, alertMetrics[r.Alert], "%s reads %s", r.Alert, alertMetrics[r.Alert])
			for _, name := range names {
				assert.True(t, exported[name] || name == "up", "%s reads %s, which Ballast does not export", r.Alert, name)
			}
			assert.Equal(t, strings.Count(r.Expr, "{"), strings.Count(r.Expr, selector),
				"%s: every selector picks Ballast's own series", r.Alert)
			assert.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"], r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
			assert.NotEmpty(t, r.Annotations["description"], r.Alert)
			anchor := strings.ToLower(r.Alert)
			assert.Equal(t, "https://github.com/ballast-dev/ballast/blob/main/docs/install.md#"+anchor, r.Annotations["runbook_url"])
			assert.Regexp(t, `(?m)^#+ `+r.Alert+`$`, runbook, "docs/install.md has a section %s, the runbook_url's #%s", r.Alert, anchor)
		}
	}
	for name := range alertMetrics {
		assert.True(t, alerts[name], "no alert %s", name)
	}

	t.Run("outages are critical when the webhooks fail closed", func(t *testing.T) {
		severities := func(args ...string) map[string]string {
			_, _, pr := renderMonitoring(t, args...)
			out := map[string]string{}
			for _, r := range pr.Spec.Groups[0].Rules {
				out[r.Alert] = r.Labels["severity"]
			}
			return out
		}
		open, closed := severities(), severities("--set", "webhook.failurePolicy=Fail", "--set", "policy.onInternalError=deny")
		for _, name := range []string{"BallastDown", "BallastWebhookErrors", "BallastInternalErrors", "BallastReviewsRefused"} {
			assert.Equal(t, "warning", open[name], name)
			assert.Equal(t, "critical", closed[name], name)
		}
	})

	t.Run("values", func(t *testing.T) {
		_, _, pr := renderMonitoring(t, "--set", "audit.interval=1h30m",
			"--set", `prometheusRule.seriesSelector=service="ballast"`,
			"--set", "prometheusRule.webhookLatencySeconds=1.5",
			"--set", "prometheusRule.webhookErrorRatio=0.01",
			"--set", "prometheusRule.alertLabels.team=platform",
			"--set", "prometheusRule.disabled={BallastExemptionExpired}",
			"--set", "prometheusRule.labels.release=kube-prometheus-stack")
		assert.Equal(t, "kube-prometheus-stack", pr.Labels["release"])
		rules := map[string]string{}
		for _, r := range pr.Spec.Groups[0].Rules {
			rules[r.Alert] = r.Expr
			assert.Equal(t, "platform", r.Labels["team"], r.Alert)
			assert.Equal(t, strings.Count(r.Expr, "{"), strings.Count(r.Expr, `service="ballast"`), r.Alert)
		}
		assert.NotContains(t, rules, "BallastExemptionExpired")
		assert.Contains(t, rules["BallastAuditStale"], "> 16200", "three intervals of 1h30m")
		assert.Contains(t, rules["BallastSlow"], "> 1.5")
		assert.Contains(t, rules["BallastWebhookErrors"], "> 0.01")
	})

	t.Run("no audit, no audit alert", func(t *testing.T) {
		_, _, pr := renderMonitoring(t, "--set", "audit.interval=0")
		for _, r := range pr.Spec.Groups[0].Rules {
			assert.NotEqual(t, "BallastAuditStale", r.Alert)
		}
	})
}

// TestChartNetworkPolicy checks that the NetworkPolicy, on by default,
// admits the API server on the webhook port and Prometheus's namespace on
// the metrics port, both named as the container names them, and no one
// else on the health port (the kubelet comes from the node).
func TestChartNetworkPolicy(t *testing.T) {
	r := renderChart(t)
	var np networkingv1.NetworkPolicy
	r.object(t, "NetworkPolicy", releaseName, &np)
	var d appsv1.Deployment
	r.object(t, "Deployment", releaseName, &d)
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	require.NoError(t, err)
	assert.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "applies to Ballast's pods")
	assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes, "egress stays open: the API server's address varies")

	ports := map[string]bool{}
	for _, p := range d.Spec.Template.Spec.Containers[0].Ports {
		ports[p.Name] = true
	}
	require.Len(t, np.Spec.Ingress, 2)
	webhookRule, metricsRule := np.Spec.Ingress[0], np.Spec.Ingress[1]
	assert.Equal(t, intstr.FromString("webhook"), *webhookRule.Ports[0].Port)
	assert.Empty(t, webhookRule.From, "the API server may call from anywhere")
	assert.Equal(t, intstr.FromString("metrics"), *metricsRule.Ports[0].Port)
	for _, rule := range np.Spec.Ingress {
		assert.True(t, ports[rule.Ports[0].Port.String()], "the container has a port named %s", rule.Ports[0].Port)
	}
	require.Len(t, metricsRule.From, 1)
	assert.Equal(t, map[string]string{corev1.LabelMetadataName: "monitoring"}, metricsRule.From[0].NamespaceSelector.MatchLabels)
	assert.Nil(t, metricsRule.From[0].PodSelector)

	t.Run("values", func(t *testing.T) {
		r := renderChart(t,
			"--set", "networkPolicy.webhook.from[0].ipBlock.cidr=10.0.0.0/28",
			"--set", "networkPolicy.metrics.namespace=observability",
			"--set", "networkPolicy.metrics.podSelector.matchLabels.app=prometheus")
		var np networkingv1.NetworkPolicy
		r.object(t, "NetworkPolicy", releaseName, &np)
		assert.Equal(t, "10.0.0.0/28", np.Spec.Ingress[0].From[0].IPBlock.CIDR)
		assert.Equal(t, "observability", np.Spec.Ingress[1].From[0].NamespaceSelector.MatchLabels[corev1.LabelMetadataName])
		assert.Equal(t, map[string]string{"app": "prometheus"}, np.Spec.Ingress[1].From[0].PodSelector.MatchLabels)

		r = renderChart(t, "--set", "metrics.enabled=false")
		r.object(t, "NetworkPolicy", releaseName, &np)
		assert.Len(t, np.Spec.Ingress, 1, "no metrics port, no rule for it")

		r = renderChart(t, "--set", "networkPolicy.health.from[0].namespaceSelector.matchLabels.team=sre")
		r.object(t, "NetworkPolicy", releaseName, &np)
		require.Len(t, np.Spec.Ingress, 3)
		health := np.Spec.Ingress[2]
		assert.Equal(t, intstr.FromString("health"), *health.Ports[0].Port)
		assert.True(t, ports[health.Ports[0].Port.String()], "the container has a port named health")
		assert.Equal(t, map[string]string{"team": "sre"}, health.From[0].NamespaceSelector.MatchLabels)

		r = renderChart(t, "--set", "networkPolicy.enabled=false")
		assert.Nil(t, r.find("NetworkPolicy", releaseName))
	})
}

var (
	// quoted matches PromQL string literals: label values and the
	// arguments of count_values, never metric names.
	quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	// selector matches a name followed by a label matcher or a range,
	// which only a metric name can be.
	selector = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]`)
	// bare matches the names of Ballast's and controller-runtime's
	// families wherever they stand.
	bare = regexp.MustCompile(`\b((?:ballast|controller_runtime)_[a-zA-Z0-9_:]+)`)
)

// metricNames returns the metric names a PromQL expression reads, once
// each.
func metricNames(expr string) []string {
	expr = quoted.ReplaceAllString(expr, `""`)
	var names []string
	for _, re := range []*regexp.Regexp{selector, bare} {
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
			expr: `ballast_policy_last_reload_success{namespace="ballast-system",job="ballast"} == 0`,
			want: []string{"ballast_policy_last_reload_success"},
		},
		"a histogram in a range": {
			expr: `histogram_quantile(0.99, sum by (webhook, le) (rate(controller_runtime_webhook_latency_seconds_bucket{job="b"}[5m]))) > 1`,
			want: []string{"controller_runtime_webhook_latency_seconds_bucket"},
		},
		"strings are not names": {
			expr: `count(count_values("generation", ballast_policy_generation{job="ballast_x"})) > 1`,
			want: []string{"ballast_policy_generation"},
		},
		"functions are not names": {
			expr: `time() - max(ballast_audit_last_run_timestamp_seconds) > 1800`,
			want: []string{"ballast_audit_last_run_timestamp_seconds"},
		},
		"up": {
			expr: `absent(up{job="ballast"} == 1)`,
			want: []string{"up"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, metricNames(tc.expr))
		})
	}
}

// exportedSeries returns the names of the series Ballast's process
// exports, each histogram as its _bucket, _sum and _count: the metrics of
// internal/metrics, internal/audit and internal/pdb, registered as the
// server registers them and exercised so that every labelled family has a
// series, and controller-runtime's webhook metrics after one served
// request.
func exportedSeries(t *testing.T) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()

	rec := metrics.NewRecorder(reg)
	rec.ObserveDecision("deployments", admissionv1.Create, "denied", "enforce")
	rec.ObserveFindings("deployments", "enforce", []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny}})
	rec.ObserveMutations("warn", []mutators.Change{{Rule: "prestop-hook", Mutator: "prestop-sleep"}})
	rec.ObserveInternalError("/mutate-pods")
	rec.ObserveRefused("/mutate-pods", metrics.RefusedBusy)
	rec.ObservePolicyReload(policy.Default(), nil)
	rec.ObserveExemptions(policy.Default(), time.Now())

	// The audit's gauges, after one run of the evaluator.
	p, err := audit.NewPeriodic(audit.PeriodicOptions{
		Reader: fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).WithObjects(
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}},
			singleReplica("shop", "web"), // a violation, so the violation gauges have a series
			// A pod an injected readiness probe keeps unready, for its gauge.
			unreadyProbedPod("shop", "api"),
		).Build(),
		Policy:     staticPolicy{},
		Interval:   time.Hour,
		Registerer: reg,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Start(ctx) }()
	require.Eventually(t, func() bool {
		lastRun, _ := metricstest.Value(t, reg, audit.LastRunMetric, nil)
		return lastRun > 0
	}, 10*time.Second, 10*time.Millisecond, "the audit never ran")
	cancel()
	require.NoError(t, <-done)

	// The PodDisruptionBudget reconciler's counter, registered as the
	// server does; the manager contacts no API server until it starts.
	mgr, err := manager.New(&rest.Config{Host: "https://127.0.0.1:1"}, manager.Options{
		Scheme: clientgoscheme.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		// Several tests gather the series; each sets up the controllers anew.
		Controller: ctrlconfig.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(t, err)
	require.NoError(t, pdb.SetupWithManager(mgr, pdb.Options{Policy: staticPolicy{}, Registerer: reg}))

	families, err := reg.Gather()
	require.NoError(t, err)

	// controller-runtime's webhook metrics live in its global registry,
	// the one the manager serves; a served request fills them in.
	srv := ctrlwebhook.NewServer(ctrlwebhook.Options{})
	srv.Register("/chart-test", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.WebhookMux().ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/chart-test", nil))
	global, err := ctrlmetrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range global {
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
	for _, name := range []string{audit.ViolationsMetric, audit.NamespacesMetric, audit.UnreadyProbedPodsMetric, audit.LastRunMetric, audit.DurationMetric,
		pdb.ActionsMetric, "controller_runtime_webhook_latency_seconds_bucket", "controller_runtime_webhook_requests_total"} {
		require.True(t, series[name], "exercising the collectors exports %s", name)
	}
	return series
}

// singleReplica returns a Deployment that breaks min-replicas.
func singleReplica(namespace, name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: "registry.example.com/" + name + ":1.0"}}},
			},
		},
	}
}

// staticPolicy serves the default policy.
type staticPolicy struct{}

func (staticPolicy) Policy() *policy.Policy { return policy.Default() }
