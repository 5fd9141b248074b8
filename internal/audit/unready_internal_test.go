package audit

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

// unreadyNow is the moment the pods of these tests are judged at.
var unreadyNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// unreadyPod returns a Pod of ReplicaSet web-6d4cf56db6, which got a
// readiness probe on port 8080 from Ballast, started 20 minutes before
// unreadyNow, running but not ready, as the kubelet reports it.
func unreadyPod() *corev1.Pod {
	started := metav1.NewTime(unreadyNow.Add(-20 * time.Minute))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: "shop", Name: "web-6d4cf56db6-q9m4z",
			CreationTimestamp: metav1.NewTime(unreadyNow.Add(-21 * time.Minute)),
			Labels:            map[string]string{"app": "web", "pod-template-hash": "6d4cf56db6"},
			Annotations:       map[string]string{policy.InjectedAnnotation: "prestop-sleep/web,readiness-probe/web,termination-grace"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-6d4cf56db6", UID: "uid-rs", Controller: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{
				Name: "web", Image: "registry.example.com/web:1.0.0",
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
					TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)},
				}},
			},
			{Name: "proxy", Image: "registry.example.com/proxy:1.0.0"},
		}},
		Status: corev1.PodStatus{
			Phase:     corev1.PodRunning,
			StartTime: &started,
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: started, Reason: "ContainersNotReady"},
			},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "web", Ready: false, Started: ptr.To(true), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}},
				{Name: "proxy", Ready: true, Started: ptr.To(true), State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}},
			},
		},
	}
}

func TestKeptUnready(t *testing.T) {
	web := []UnreadyContainer{{Name: "web", Probe: "readinessProbe tcpSocket :8080"}}
	since := unreadyNow.Add(-20 * time.Minute)
	tests := map[string]struct {
		edit func(*corev1.Pod)
		want []UnreadyContainer // nil: not kept unready
	}{
		"running, unready for 20 minutes":  {edit: func(*corev1.Pod) {}, want: web},
		"pending with a container running": {edit: func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending }, want: web},
		"no start time: since its creation": {
			edit: func(p *corev1.Pod) {
				p.Status.StartTime = nil
				p.Status.Conditions[0].LastTransitionTime = metav1.Time{}
			},
			want: web,
		},
		"an httpGet probe of the readiness path": {
			edit: func(p *corev1.Pod) {
				p.Spec.Containers[0].ReadinessProbe.ProbeHandler = corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
					Path: "/healthz", Port: intstr.FromInt32(8080), Scheme: corev1.URISchemeHTTP,
				}}
			},
			want: []UnreadyContainer{{Name: "web", Probe: "readinessProbe httpGet :8080/healthz"}},
		},
		"two containers with injected probes, one of them ready": {
			edit: func(p *corev1.Pod) {
				p.Annotations[policy.InjectedAnnotation] = "readiness-probe/proxy,readiness-probe/web"
				p.Spec.Containers[1].ReadinessProbe = p.Spec.Containers[0].ReadinessProbe
			},
			want: web,
		},
		"ready": {edit: func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionTrue }},
		"readiness unknown (the node is gone)": {
			edit: func(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionUnknown },
		},
		"no Ready condition yet": {edit: func(p *corev1.Pod) { p.Status.Conditions = nil }},
		"started 2 minutes ago": {edit: func(p *corev1.Pod) {
			p.Status.StartTime = ptr.To(metav1.NewTime(unreadyNow.Add(-2 * time.Minute)))
		}},
		"started exactly 10 minutes ago": {edit: func(p *corev1.Pod) {
			p.Status.StartTime = ptr.To(metav1.NewTime(unreadyNow.Add(-10 * time.Minute)))
		}},
		"created long ago, started 2 minutes ago": {edit: func(p *corev1.Pod) {
			p.CreationTimestamp = metav1.NewTime(unreadyNow.Add(-time.Hour))
			p.Status.StartTime = ptr.To(metav1.NewTime(unreadyNow.Add(-2 * time.Minute)))
		}},
		"ready for long, unready for 2 minutes": {edit: func(p *corev1.Pod) {
			p.Status.Conditions[0].LastTransitionTime = metav1.NewTime(unreadyNow.Add(-2 * time.Minute))
		}},
		"no injected annotation":         {edit: func(p *corev1.Pod) { delete(p.Annotations, policy.InjectedAnnotation) }},
		"no readiness probe injected":    {edit: func(p *corev1.Pod) { p.Annotations[policy.InjectedAnnotation] = "prestop-sleep/web" }},
		"a probe injected elsewhere":     {edit: func(p *corev1.Pod) { p.Annotations[policy.InjectedAnnotation] = "readiness-probe/proxy" }},
		"a liveness probe injected only": {edit: func(p *corev1.Pod) { p.Annotations[policy.InjectedAnnotation] = "liveness-probe/web" }},
		"terminating": {edit: func(p *corev1.Pod) {
			p.DeletionTimestamp = ptr.To(metav1.NewTime(unreadyNow))
		}},
		"succeeded":                   {edit: func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }},
		"failed":                      {edit: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }},
		"pending, nothing running":    {edit: func(p *corev1.Pod) { p.Status.Phase = corev1.PodPending; p.Status.ContainerStatuses = waiting(p) }},
		"the container crash-loops":   {edit: func(p *corev1.Pod) { p.Status.ContainerStatuses = waiting(p) }},
		"the container is ready":      {edit: func(p *corev1.Pod) { p.Status.ContainerStatuses[0].Ready = true }},
		"no status of the container":  {edit: func(p *corev1.Pod) { p.Status.ContainerStatuses = p.Status.ContainerStatuses[1:] }},
		"no readiness probe any more": {edit: func(p *corev1.Pod) { p.Spec.Containers[0].ReadinessProbe = nil }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := unreadyPod()
			tc.edit(pod)
			got, ok := keptUnready(pod, unreadyNow, DefaultUnreadyAfter)
			if tc.want == nil {
				assert.False(t, ok, "not kept unready: %+v", got)
				return
			}
			require.True(t, ok)
			assert.Equal(t, tc.want, got.Containers)
			assert.Equal(t, pod.Name, got.Name)
			assert.Empty(t, got.Kind+got.Workload, "podWorkload finds the workload")
			if pod.Status.StartTime != nil {
				assert.Equal(t, since, got.Since)
			} else {
				assert.Equal(t, pod.CreationTimestamp.Time, got.Since)
			}
		})
	}

	t.Run("a longer UnreadyAfter", func(t *testing.T) {
		_, ok := keptUnready(unreadyPod(), unreadyNow, 30*time.Minute)
		assert.False(t, ok)
	})
}

// waiting returns the statuses of pod's containers, all waiting to start
// again after a crash.
func waiting(pod *corev1.Pod) []corev1.ContainerStatus {
	var out []corev1.ContainerStatus
	for _, s := range pod.Status.ContainerStatuses {
		s.Ready = false
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}
		out = append(out, s)
	}
	return out
}

func TestPodWorkload(t *testing.T) {
	owner := func(apiVersion, kind, name string, controller bool) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: "uid", Controller: ptr.To(controller)}}
	}
	tests := map[string]struct {
		owners         []metav1.OwnerReference
		hash           string // the pod-template-hash label
		kind, workload string
	}{
		"a Deployment's ReplicaSet": {
			owners: owner("apps/v1", "ReplicaSet", "web-6d4cf56db6", true), hash: "6d4cf56db6",
			kind: "Deployment", workload: "web",
		},
		"a Deployment whose name has dashes": {
			owners: owner("apps/v1", "ReplicaSet", "shop-web-api-7c9f8b5d4", true), hash: "7c9f8b5d4",
			kind: "Deployment", workload: "shop-web-api",
		},
		"a ReplicaSet of its own, without the label": {
			owners: owner("apps/v1", "ReplicaSet", "web-6d4cf56db6", true),
			kind:   "ReplicaSet", workload: "web-6d4cf56db6",
		},
		"a ReplicaSet whose name does not end with the hash": {
			owners: owner("apps/v1", "ReplicaSet", "web", true), hash: "6d4cf56db6",
			kind: "ReplicaSet", workload: "web",
		},
		"a ReplicaSet named only the hash": {
			owners: owner("apps/v1", "ReplicaSet", "-6d4cf56db6", true), hash: "6d4cf56db6",
			kind: "ReplicaSet", workload: "-6d4cf56db6",
		},
		"a ReplicaSet of another API group": {
			owners: owner("example.com/v1", "ReplicaSet", "web-6d4cf56db6", true), hash: "6d4cf56db6",
			kind: "ReplicaSet", workload: "web-6d4cf56db6",
		},
		"a StatefulSet": {
			owners: owner("apps/v1", "StatefulSet", "db", true),
			kind:   "StatefulSet", workload: "db",
		},
		"a DaemonSet": {
			owners: owner("apps/v1", "DaemonSet", "agent", true),
			kind:   "DaemonSet", workload: "agent",
		},
		"a Job": {
			owners: owner("batch/v1", "Job", "migrate", true),
			kind:   "Job", workload: "migrate",
		},
		"an owner that is not the controller": {
			owners: owner("apps/v1", "StatefulSet", "db", false),
		},
		"no owner": {},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", OwnerReferences: tc.owners}}
			if tc.hash != "" {
				pod.Labels = map[string]string{"pod-template-hash": tc.hash}
			}
			kind, workload := podWorkload(pod)
			assert.Equal(t, tc.kind, kind)
			assert.Equal(t, tc.workload, workload)
		})
	}
}

func TestDescribeReadinessProbe(t *testing.T) {
	tests := map[string]struct {
		handler corev1.ProbeHandler
		want    string
	}{
		"tcpSocket":      {corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}, "readinessProbe tcpSocket :8080"},
		"a named port":   {corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}}, "readinessProbe tcpSocket :http"},
		"httpGet":        {corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(80)}}, "readinessProbe httpGet :80/ready"},
		"httpGet HTTPS":  {corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromInt32(8443), Scheme: corev1.URISchemeHTTPS}}, "readinessProbe httpGet HTTPS :8443/ready"},
		"grpc":           {corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 9090}}, "readinessProbe grpc :9090"},
		"exec":           {corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"cat", "/tmp/ready"}}}, "readinessProbe exec cat /tmp/ready"},
		"nothing to say": {corev1.ProbeHandler{}, "readinessProbe"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, describeReadinessProbe(&corev1.Probe{ProbeHandler: tc.handler}))
		})
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                   "45s",
		20*time.Minute + 10*time.Second:    "20m",
		20*time.Minute + 40*time.Second:    "21m",
		65 * time.Minute:                   "1h5m",
		2 * time.Hour:                      "2h",
		50*time.Hour + 30*time.Second:      "50h1m",
		2*time.Hour + 200*time.Millisecond: "2h",
	} {
		assert.Equal(t, want, humanDuration(d), "%s", d)
	}
}

// unreadyPods are pods of two workloads and a bare Pod, out of order.
func unreadyPods() []UnreadyPod {
	web := []UnreadyContainer{{Name: "web", Probe: "readinessProbe tcpSocket :8080"}}
	return []UnreadyPod{
		{Name: "db-0", Kind: "StatefulSet", Workload: "db", Containers: []UnreadyContainer{{Name: "db", Probe: "readinessProbe tcpSocket :5432"}}, Since: unreadyNow.Add(-time.Hour)},
		{Name: "web-6d4cf56db6-x7k2p", Kind: "Deployment", Workload: "web", Containers: web, Since: unreadyNow.Add(-15 * time.Minute)},
		{Name: "debug", Containers: web, Since: unreadyNow.Add(-30 * time.Minute)},
		{Name: "web-6d4cf56db6-q9m4z", Kind: "Deployment", Workload: "web", Containers: web, Since: unreadyNow.Add(-20 * time.Minute)},
	}
}

func TestGroupUnready(t *testing.T) {
	groups := groupUnready(unreadyPods())
	require.Len(t, groups, 3)
	assert.Equal(t, unreadyGroup{
		Kind: "Deployment", Workload: "web",
		Pods:       []string{"web-6d4cf56db6-q9m4z", "web-6d4cf56db6-x7k2p"},
		Containers: []UnreadyContainer{{Name: "web", Probe: "readinessProbe tcpSocket :8080"}},
		Since:      unreadyNow.Add(-20 * time.Minute),
	}, groups[0], "one group per workload, since its oldest pod")
	assert.Equal(t, "StatefulSet db", groups[1].owner())
	assert.Equal(t, "no controller", groups[2].owner(), "bare Pods last")
	assert.Equal(t, "2 pod(s) unready for 20m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080)",
		groups[0].summary(unreadyNow))
	assert.Equal(t, "web-6d4cf56db6-q9m4z and 1 more", groups[0].names(1))
}

func TestUnreadyNote(t *testing.T) {
	g := groupUnready(unreadyPods())[0]
	assert.Equal(t, "2 pod(s) unready for 20m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080). "+
		"Fix: give the container a readinessProbe of its own that passes, set ballast.dev/readiness-path on the pod template, "+
		"fix the Service's targetPort, or exempt readiness-probe for this namespace in the policy; "+
		"pods already running keep the probe until they are replaced. Pods: web-6d4cf56db6-q9m4z, web-6d4cf56db6-x7k2p",
		unreadyNote(&g, unreadyNow))

	for i := range 100 {
		g.Pods = append(g.Pods, "web-6d4cf56db6-"+strings.Repeat("x", 5)+string(rune('a'+i%26)))
	}
	long := unreadyNote(&g, unreadyNow)
	assert.LessOrEqual(t, len(long), maxNoteLength)
	assert.Contains(t, long, "Fix: ", "the pods' names are cut, not the fix")
}

// unreadyReport is a report of namespace shop with unreadyPods.
func unreadyReport() *Report {
	ns := []Namespace{{
		Name: "shop", Mode: policy.ModeWarn, ConfiguredMode: policy.ModeWarn, ModeSource: "policy default",
		Violations: []Violation{}, PlannedPDBs: []PlannedPDB{},
		PodsLackingDefaults: Pods{Names: []string{}, Rules: []string{}},
		UnreadyProbedPods:   unreadyPods(),
	}}
	sortUnready(ns[0].UnreadyProbedPods)
	return &Report{Mode: "warn", Time: unreadyNow, Namespaces: ns, Summary: summarize(ns)}
}

func TestWriteUnready(t *testing.T) {
	r := unreadyReport()
	assert.Equal(t, 4, r.Summary.UnreadyProbedPods)

	t.Run("text", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, r.WriteText(&b))
		assert.Equal(t, `Ballast audit of all namespaces (mode warn)

shop: warn (policy default)
  Deployment web: 2 pod(s) unready for 20m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080): web-6d4cf56db6-q9m4z, web-6d4cf56db6-x7k2p
    fix: `+UnreadyFix+`
  StatefulSet db: 1 pod(s) unready for 1h, held back by the readiness probe Ballast injected into container db (readinessProbe tcpSocket :5432): db-0
    fix: `+UnreadyFix+`
  no controller: 1 pod(s) unready for 30m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080): debug
    fix: `+UnreadyFix+`

NAMESPACE  MODE  DENIED  WARNINGS  PDBS  PODS  NOTE
shop       warn  0       0         0     0     

Summary (mode warn): namespaces: 1 (1 evaluated, 0 skipped, 0 unreadable); objects: 0; denied: 0; warnings: 0; PDBs to create: 0; pods lacking defaults: 0; pods kept unready by injected readiness probes: 4
`, b.String())
	})

	t.Run("markdown", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, r.WriteMarkdown(&b))
		assert.Contains(t, b.String(), "; pods lacking defaults: 0; pods kept unready by injected readiness probes: 4.\n")
		assert.True(t, strings.HasSuffix(b.String(), `
### Kept unready by an injected readiness probe

Fix: `+UnreadyFix+`.

| Namespace | Workload | Unready pods | Containers (probe) | Unready for |
|---|---|--:|---|---|
| shop | Deployment web | 2 | container web (readinessProbe tcpSocket :8080) | 20m |
| shop | StatefulSet db | 1 | container db (readinessProbe tcpSocket :5432) | 1h |
| shop | no controller | 1 | container web (readinessProbe tcpSocket :8080) | 30m |
`), b.String())
	})

	t.Run("json", func(t *testing.T) {
		var b bytes.Buffer
		require.NoError(t, r.WriteJSON(&b))
		var got struct {
			Namespaces []struct {
				UnreadyProbedPods []map[string]any `json:"unreadyProbedPods"`
			} `json:"namespaces"`
			Summary map[string]any `json:"summary"`
		}
		require.NoError(t, json.Unmarshal(b.Bytes(), &got))
		assert.Equal(t, map[string]any{
			"name": "web-6d4cf56db6-q9m4z", "kind": "Deployment", "workload": "web",
			"containers": []any{map[string]any{"name": "web", "probe": "readinessProbe tcpSocket :8080"}},
			"since":      "2026-06-01T11:40:00Z",
		}, got.Namespaces[0].UnreadyProbedPods[0])
		assert.NotContains(t, got.Namespaces[0].UnreadyProbedPods[3], "kind", "a bare Pod has no workload")
		assert.InDelta(t, 4, got.Summary["unreadyProbedPods"], 0)
	})

	t.Run("nothing is written without such pods", func(t *testing.T) {
		r := sampleReport()
		var text, md, js bytes.Buffer
		require.NoError(t, r.WriteText(&text))
		require.NoError(t, r.WriteMarkdown(&md))
		require.NoError(t, r.WriteJSON(&js))
		for _, out := range []string{text.String(), md.String(), js.String()} {
			assert.NotContains(t, out, "unready")
		}
	})
}

func TestUnreadyGauge(t *testing.T) {
	reg := prometheus.NewRegistry()
	g, err := newGauges(reg)
	require.NoError(t, err)
	r := unreadyReport()
	r.Namespaces = append(r.Namespaces, Namespace{Name: "blog", Mode: policy.ModeWarn})
	g.observe(r, unreadyNow, time.Second)
	assert.Equal(t, `# HELP ballast_injected_probe_unready_pods Running pods that a readiness probe Ballast injected has kept unready for longer than --audit-unready-after, as of the last audit run, by namespace.
# TYPE ballast_injected_probe_unready_pods gauge
ballast_injected_probe_unready_pods{namespace="shop"} 4
`, gathered(t, reg, UnreadyProbedPodsMetric), "a series only for the namespaces with such pods")

	r.Namespaces[0].UnreadyProbedPods = nil
	g.observe(r, unreadyNow, time.Second)
	assert.Empty(t, gathered(t, reg, UnreadyProbedPodsMetric), "each run replaces the series: the fixed namespace is gone")
}

// gathered returns the metric family name of reg in the text format.
func gathered(t *testing.T, reg prometheus.Gatherer, name string) string {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	var b strings.Builder
	for _, f := range families {
		if f.GetName() == name {
			_, err := expfmt.MetricFamilyToText(&b, f)
			require.NoError(t, err)
		}
	}
	return b.String()
}

func TestRecordUnreadyEvents(t *testing.T) {
	rec := &reasons{}
	p, err := NewPeriodic(PeriodicOptions{
		Reader: fake.NewClientBuilder().Build(), Policy: staticPolicy{},
		Events: rec, EventInterval: time.Hour,
	})
	require.NoError(t, err)
	web := &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: types.UID("web")},
	}
	g := groupUnready(unreadyPods())[0]
	objs := func() []warnedObject {
		return []warnedObject{
			{ref: web, findings: []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny, Message: "runs 1 replica", Fix: "set spec.replicas: 2"}}},
			{ref: web, unready: &g, now: unreadyNow},
		}
	}

	sent, held := p.recordEvents(objs(), unreadyNow)
	assert.Equal(t, 2, sent, "both Events on the same workload: their reasons differ")
	assert.Zero(t, held)
	assert.Equal(t, []string{ReasonPolicy, ReasonInjectedProbeUnready}, rec.reasons)
	assert.Equal(t, unreadyNote(&g, unreadyNow), rec.notes[1])

	rec.reasons, rec.notes = nil, nil
	sent, _ = p.recordEvents(objs(), unreadyNow.Add(10*time.Minute))
	assert.Zero(t, sent, "rate-limited")

	sent, _ = p.recordEvents(objs()[:1], unreadyNow.Add(20*time.Minute))
	assert.Zero(t, sent)
	sent, _ = p.recordEvents(objs(), unreadyNow.Add(30*time.Minute))
	assert.Equal(t, 1, sent, "the pods became ready, then unready again: an Event at once")
	assert.Equal(t, []string{ReasonInjectedProbeUnready}, rec.reasons)
}

// reasons records the reason and the note of each Event.
type reasons struct{ reasons, notes []string }

func (r *reasons) Eventf(_, _ runtime.Object, _, reason, _, note string, args ...any) {
	r.reasons = append(r.reasons, reason)
	if len(args) > 0 {
		note, _ = args[0].(string)
	}
	r.notes = append(r.notes, note)
}
