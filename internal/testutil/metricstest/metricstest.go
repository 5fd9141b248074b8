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
			if hasLabels(m, labels) {
				return valueOf(t, f, m)
			}
		}
	}
	return 0, false
}

// ByLabel returns the values of the gauge, counter or untyped series of
// name that g gathers, keyed by their value of label; series without it
// are left out. It fails the test as Value does.
func ByLabel(t require.TestingT, g prometheus.Gatherer, name, label string) map[string]float64 {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	families, err := g.Gather()
	require.NoError(t, err, "gathering the metrics")
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()], _ = valueOf(t, f, m)
				}
			}
		}
	}
	return out
}

// valueOf returns the value of m, a series of f, failing the test when f
// is neither a gauge, a counter nor untyped.
func valueOf(t require.TestingT, f *dto.MetricFamily, m *dto.Metric) (float64, bool) {
	switch f.GetType() {
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue(), true
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue(), true
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue(), true
	default:
		require.Failf(t, "not a gauge, counter or untyped series", "%s is a %s", f.GetName(), f.GetType())
		return 0, false
	}
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
