package pdb

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

func TestUntilExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { return ptr.To(now.Add(d)) }
	tests := map[string]struct {
		exemptions []policy.ExemptionRef
		want       time.Duration
	}{
		"no exemption":    {},
		"no expiry":       {exemptions: []policy.ExemptionRef{{Name: "forever"}}},
		"one expiry":      {exemptions: []policy.ExemptionRef{{Expires: at(time.Hour)}}, want: time.Hour + expiryMargin},
		"the first wins":  {exemptions: []policy.ExemptionRef{{Expires: at(time.Hour)}, {}, {Expires: at(time.Minute)}}, want: time.Minute + expiryMargin},
		"expiring now":    {exemptions: []policy.ExemptionRef{{Expires: at(0)}}, want: expiryMargin},
		"already expired": {exemptions: []policy.ExemptionRef{{Expires: at(-time.Hour)}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, untilExpiry(&policy.Settings{Exemptions: tc.exemptions}, now))
		})
	}
}

func TestNewActionCounter(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	first, err := newActionCounter(reg)
	require.NoError(t, err)
	first.inc(actionCreate)

	second, err := newActionCounter(reg)
	require.NoError(t, err, "a second manager in the same process shares the counter")
	second.inc(actionCreate)
	assert.Equal(t, map[string]float64{"create": 2, "update": 0, "delete": 0}, gatherActions(t, reg))

	clash := prometheus.NewRegistry()
	require.NoError(t, clash.Register(prometheus.NewCounter(prometheus.CounterOpts{Name: ActionsMetric, Help: "another"})))
	_, err = newActionCounter(clash)
	assert.ErrorContains(t, err, ActionsMetric)

	unregistered, err := newActionCounter(nil)
	require.NoError(t, err)
	unregistered.inc(actionDelete)
}

// gatherActions returns the values of ActionsMetric in reg by action.
func gatherActions(t *testing.T, reg prometheus.Gatherer) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != ActionsMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "action" {
					got[l.GetValue()] = m.GetCounter().GetValue()
				}
			}
		}
	}
	return got
}
