package metricstest_test

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"

	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
)

// recorder is a require.TestingT that records a failure instead of ending
// the test.
type recorder struct {
	failed bool
	msg    string
}

func (r *recorder) Errorf(format string, args ...any) { r.msg = fmt.Sprintf(format, args...) }
func (r *recorder) FailNow()                          { r.failed = true }

func TestValue(t *testing.T) {
	reg := prometheus.NewRegistry()
	gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "last_run"})
	gauge.Set(42)
	counter := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "reviews_total"}, []string{"kind", "result"})
	counter.WithLabelValues("Deployment", "allowed").Add(3)
	counter.WithLabelValues("Deployment", "denied").Add(1)
	untyped := prometheus.NewUntypedFunc(prometheus.UntypedOpts{Name: "answer"}, func() float64 { return 7 })
	reg.MustRegister(gauge, counter, untyped)

	tests := map[string]struct {
		name   string
		labels map[string]string
		want   float64
		wantOK bool
	}{
		"a gauge without labels":             {name: "last_run", want: 42, wantOK: true},
		"a counter by its labels":            {name: "reviews_total", labels: map[string]string{"kind": "Deployment", "result": "denied"}, want: 1, wantOK: true},
		"an untyped series":                  {name: "answer", want: 7, wantOK: true},
		"labels must all match":              {name: "reviews_total", labels: map[string]string{"kind": "Deployment", "result": "errored"}},
		"a subset of the labels is no match": {name: "reviews_total", labels: map[string]string{"kind": "Deployment"}},
		"labels on an unlabelled series":     {name: "last_run", labels: map[string]string{"kind": "Deployment"}},
		"no such metric":                     {name: "nothing"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, ok := metricstest.Value(t, reg, tc.name, tc.labels)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestValueOfAHistogramFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "duration_seconds"})
	h.Observe(1)
	reg.MustRegister(h)

	var r recorder
	_, ok := metricstest.Value(&r, reg, "duration_seconds", nil)
	assert.False(t, ok)
	assert.True(t, r.failed, "the test fails")
	assert.Contains(t, r.msg, "duration_seconds")
}

func TestByLabel(t *testing.T) {
	reg := prometheus.NewRegistry()
	v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "pods"}, []string{"namespace"})
	reg.MustRegister(v)
	v.WithLabelValues("shop").Set(2)
	v.WithLabelValues("blog").Set(1)

	assert.Equal(t, map[string]float64{"shop": 2, "blog": 1}, metricstest.ByLabel(t, reg, "pods", "namespace"))
	assert.Empty(t, metricstest.ByLabel(t, reg, "pods", "other"), "series without the label are left out")
	assert.Empty(t, metricstest.ByLabel(t, reg, "absent", "namespace"))
}
