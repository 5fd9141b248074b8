package audit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/audit/audittest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
)

const (
	// timeout bounds the wait for a run, an Event or a change in the
	// gauges; a run takes well under a second.
	timeout = 30 * time.Second
	tick    = 100 * time.Millisecond
)

// fixedPolicy serves one policy.
type fixedPolicy struct{ p *policy.Policy }

func (f fixedPolicy) Policy() *policy.Policy { return f.p }

// wantViolations are the gauges after a run over testdata/cluster.yaml,
// each namespace in its configured mode: shop (enforce), blog (warn),
// staging, payments, secret, legacy and default (dryrun, the policy
// default). legacy's exemption covers min-replicas, so it breaks nothing;
// in shop, PodDisruptionBudget cart allows no disruption of Deployment
// cart's pods, a violation of both;
// sandbox (labelled off) and the kube-* namespaces are off.
const wantViolations = `
# HELP ballast_violations Objects that break a rule, as of the last audit run, by namespace, rule, action (deny or warn) and the namespace's resolved mode.
# TYPE ballast_violations gauge
ballast_violations{action="deny",mode="dryrun",namespace="payments",rule="min-replicas"} 1
ballast_violations{action="deny",mode="dryrun",namespace="secret",rule="min-replicas"} 1
ballast_violations{action="deny",mode="dryrun",namespace="secret",rule="resource-requests"} 1
ballast_violations{action="deny",mode="dryrun",namespace="staging",rule="min-replicas"} 1
ballast_violations{action="deny",mode="dryrun",namespace="staging",rule="resource-requests"} 1
ballast_violations{action="deny",mode="enforce",namespace="shop",rule="min-replicas"} 1
ballast_violations{action="deny",mode="enforce",namespace="shop",rule="pdb-allows-disruption"} 2
ballast_violations{action="deny",mode="enforce",namespace="shop",rule="resource-requests"} 1
ballast_violations{action="deny",mode="warn",namespace="blog",rule="min-replicas"} 1
ballast_violations{action="deny",mode="warn",namespace="blog",rule="resource-requests"} 1
ballast_violations{action="warn",mode="dryrun",namespace="secret",rule="image-tag"} 1
ballast_violations{action="warn",mode="dryrun",namespace="secret",rule="liveness-probe"} 1
ballast_violations{action="warn",mode="dryrun",namespace="secret",rule="memory-limit"} 1
ballast_violations{action="warn",mode="dryrun",namespace="staging",rule="image-tag"} 1
ballast_violations{action="warn",mode="dryrun",namespace="staging",rule="liveness-probe"} 1
ballast_violations{action="warn",mode="dryrun",namespace="staging",rule="memory-limit"} 1
ballast_violations{action="warn",mode="enforce",namespace="shop",rule="image-tag"} 1
ballast_violations{action="warn",mode="enforce",namespace="shop",rule="liveness-probe"} 1
ballast_violations{action="warn",mode="enforce",namespace="shop",rule="memory-limit"} 1
ballast_violations{action="warn",mode="warn",namespace="blog",rule="image-tag"} 1
ballast_violations{action="warn",mode="warn",namespace="blog",rule="liveness-probe"} 1
ballast_violations{action="warn",mode="warn",namespace="blog",rule="memory-limit"} 1
# HELP ballast_audit_namespaces Namespaces by resolved mode (enforce, warn, dryrun, off), as of the last audit run; namespaces the webhook never sees count as off.
# TYPE ballast_audit_namespaces gauge
ballast_audit_namespaces{mode="dryrun"} 5
ballast_audit_namespaces{mode="enforce"} 1
ballast_audit_namespaces{mode="off"} 4
ballast_audit_namespaces{mode="warn"} 1
`

func TestPeriodic(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{})
	audittest.Apply(t, cp.Client, "testdata/cluster.yaml")
	pol, err := policy.Load("testdata/policy.yaml")
	require.NoError(t, err)

	mgr, err := manager.New(cp.Config, manager.Options{
		Scheme:                 clientgoscheme.Scheme,
		Logger:                 testr.New(t),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
	})
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	p, err := audit.NewPeriodic(audit.PeriodicOptions{
		Reader:     mgr.GetAPIReader(),
		Policy:     fixedPolicy{pol},
		Interval:   time.Second,
		PageSize:   2,
		Excluded:   audit.WebhookExcluded("ballast"),
		Registerer: reg,
		Events:     mgr.GetEventRecorder(audit.EventRecorderName),
		Logger:     testr.New(t),
	})
	require.NoError(t, err)
	require.NoError(t, mgr.Add(p))
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan error, 1)
	go func() { stopped <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-stopped, "the manager stops cleanly")
	})

	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.Positive(c, gauge(c, reg, audit.LastRunMetric))
	}, timeout, tick, "a first run")
	assert.InDelta(t, float64(time.Now().Unix()), gauge(t, reg, audit.LastRunMetric), 30)
	assert.Positive(t, gauge(t, reg, audit.DurationMetric))
	assert.Equal(t, strings.TrimPrefix(wantViolations, "\n"), exposition(t, reg, audit.ViolationsMetric, audit.NamespacesMetric))

	t.Run("a Warning Event on the object admitted with violations in warn mode, once", func(t *testing.T) {
		var ev eventsv1.Event
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			events := eventsWith(t.Context(), c, cp.Client, audit.ReasonPolicy)
			require.Len(c, events, 1, "Events with reason %s", audit.ReasonPolicy)
			ev = events[0]
		}, timeout, tick)
		assert.Equal(t, corev1.ObjectReference{
			APIVersion: "apps/v1", Kind: "Deployment", Namespace: "blog", Name: "blog",
			UID: uid(t, cp.Client, &appsv1.Deployment{}, "blog", "blog"), ResourceVersion: ev.Regarding.ResourceVersion,
		}, ev.Regarding)
		assert.Equal(t, corev1.EventTypeWarning, ev.Type)
		assert.Equal(t, audit.EventRecorderName, ev.ReportingController)
		assert.Equal(t, "Audit", ev.Action)
		assert.Contains(t, ev.Note, "min-replicas (denied in enforce mode): ")
		assert.Contains(t, ev.Note, "Fix: set spec.replicas: 2")
		assert.Contains(t, ev.Note, "resource-requests (denied in enforce mode): ")
		assert.Contains(t, ev.Note, "image-tag: ")

		// Runs go on every second; none records the Event again within
		// the hour.
		runs := gauge(t, reg, audit.LastRunMetric)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Greater(c, gauge(c, reg, audit.LastRunMetric), runs+1)
		}, timeout, tick, "two more runs")
		events := eventsWith(t.Context(), t, cp.Client, audit.ReasonPolicy)
		require.Len(t, events, 1)
		assert.Nil(t, events[0].Series, "recorded once")
	})

	t.Run("a fixed violation disappears from the gauges", func(t *testing.T) {
		web := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web"}}
		require.NoError(t, cp.Client.Delete(t.Context(), web))
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, map[string]float64{"pdb-allows-disruption deny": 2}, violations(c, reg, "shop"))
		}, timeout, tick, "only the violation of PodDisruptionBudget cart is left in shop, on it and on Deployment cart")
	})
}

// violations returns the series of ballast_violations of namespace, by
// "rule action".
func violations(t require.TestingT, reg prometheus.Gatherer, namespace string) map[string]float64 {
	families, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != audit.ViolationsMetric {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == namespace {
				out[labels["rule"]+" "+labels["action"]] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// exposition returns the metric families called names, in the text
// format of the metrics endpoint, in the order of names.
func exposition(t *testing.T, reg prometheus.Gatherer, names ...string) string {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, name := range names {
		for _, f := range families {
			if f.GetName() == name {
				_, err := expfmt.MetricFamilyToText(&b, f)
				require.NoError(t, err)
			}
		}
	}
	return b.String()
}

// gauge returns the value of the unlabelled gauge name, or 0 when reg does
// not hold it yet.
func gauge(t require.TestingT, reg prometheus.Gatherer, name string) float64 {
	v, _ := metricstest.Value(t, reg, name, nil)
	return v
}

// eventsWith lists the Events of reason that the audit recorded.
func eventsWith(ctx context.Context, t require.TestingT, c client.Reader, reason string) []eventsv1.Event {
	var list eventsv1.EventList
	require.NoError(t, c.List(ctx, &list))
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

// uid returns the UID of the object namespace/name.
func uid(t *testing.T, c client.Reader, obj client.Object, namespace, name string) types.UID {
	t.Helper()
	require.NoError(t, c.Get(t.Context(), client.ObjectKey{Namespace: namespace, Name: name}, obj))
	return obj.GetUID()
}
