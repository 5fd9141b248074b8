package chart_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// TestDashboardQueriesExportedMetrics reads the Grafana dashboard the
// chart ships and checks that every metric named in every query is one
// Ballast's process exports (exportedSeries), and that the panels a
// rollout needs are there.
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
// that it carries the dashboard, byte for byte, with the sidecar's label,
// and that it is off by default.
func TestDashboardConfigMap(t *testing.T) {
	r := renderChart(t, "--set", "grafana.dashboard.enabled=true", "--set", "grafana.dashboard.namespace=monitoring")
	var cm corev1.ConfigMap
	r.object(t, "ConfigMap", "ballast-dashboard", &cm)
	assert.Equal(t, "monitoring", cm.Namespace)
	assert.Equal(t, "1", cm.Labels["grafana_dashboard"])
	assert.JSONEq(t, string(readDashboard(t)), cm.Data["ballast.json"])

	assert.Nil(t, renderChart(t).find("ConfigMap", "ballast-dashboard"), "off by default")
}

func readDashboard(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "charts", "ballast", "dashboards", "ballast.json"))
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
