package metricstest

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// Value returns the value of the gauge, counter or untyped series
// name{labels} that g gathers, and false when g has none. The series'
// labels must be labels exactly: nil or empty names the series without
// labels. Value fails the test when g cannot gather, or when the series is
// of another type (a histogram or a summary has no one value).
//
// t may be a *testing.T or the *assert.CollectT of assert.EventuallyWithT.
func Value(t require.TestingT, g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	families, err := g.Gather()
	require.NoError(t, err, "gathering the metrics")
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch f.GetType() {
			case dto.MetricType_GAUGE:
				return m.GetGauge().GetValue(), true
			case dto.MetricType_COUNTER:
				return m.GetCounter().GetValue(), true
			case dto.MetricType_UNTYPED:
				return m.GetUntyped().GetValue(), true
			default:
				require.Failf(t, "not a gauge, counter or untyped series", "%s%v is a %s", name, labels, f.GetType())
				return 0, false
			}
		}
	}
	return 0, false
}

// hasLabels reports whether m's labels are exactly labels.
func hasLabels(m *dto.Metric, labels map[string]string) bool {
	if len(m.GetLabel()) != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}
