package audit_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
)

// TestInjectedProbeKeepsPodsUnready creates a Deployment, its ReplicaSet
// and Pods, and a StatefulSet's Pod, as their controllers would, writes
// the Pods' status as a kubelet would, and checks that the audit lists the
// pods that the readiness probe Ballast injected has kept unready for more
// than 10 minutes, that the periodic evaluator counts them in the gauge and
// records a Warning Event on each workload, and that a pod that becomes
// ready drops out.
func TestInjectedProbeKeepsPodsUnready(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{})
	ctx := t.Context()
	c := cp.Client
	// The clock of the audit; the kubelet started the pods before it.
	clock := time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)
	const ns = "shop"
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))

	// Deployment web, as a person applies it; its ReplicaSet, as the
	// Deployment controller creates it.
	web := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{servingContainer("web", 8080)}},
			},
		},
	}
	require.NoError(t, c.Create(ctx, web))
	const hash = "6d4cf56db6"
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: "web-" + hash,
			Labels:          map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash},
			OwnerReferences: []metav1.OwnerReference{controllerRef("Deployment", web.Name, web.UID)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To[int32](4),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", appsv1.DefaultDeploymentUniqueLabelKey: hash}},
				Spec:       web.Spec.Template.Spec,
			},
		},
	}
	require.NoError(t, c.Create(ctx, rs))

	// StatefulSet db, whose Pod it controls directly.
	db := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "db"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{servingContainer("db", 5432)}},
			},
		},
	}
	require.NoError(t, c.Create(ctx, db))

	// The Pods, as the ReplicaSet and StatefulSet controllers create them
	// and the Pod mutator patches them: a tcpSocket readiness probe on the
	// serving port, recorded in ballast.dev/injected.
	type kubelet struct {
		started time.Duration // before clock
		ready   bool
	}
	pods := []struct {
		pod    *corev1.Pod
		status kubelet
	}{
		{webPod(rs, "unrdy", true), kubelet{started: 20 * time.Minute}},
		{webPod(rs, "ready", true), kubelet{started: 20 * time.Minute, ready: true}},
		{webPod(rs, "young", true), kubelet{started: 2 * time.Minute}},
		{webPod(rs, "plain", false), kubelet{started: 20 * time.Minute}}, // its own probe, not Ballast's
		{dbPod(db), kubelet{started: time.Hour}},
	}
	for _, p := range pods {
		require.NoError(t, c.Create(ctx, p.pod))
		writeKubeletStatus(t, c, p.pod, clock.Add(-p.status.started), p.status.ready)
	}
	webPodName, dbPodName := pods[0].pod.Name, pods[4].pod.Name

	t.Run("ballast audit lists the pods kept unready", func(t *testing.T) {
		r, err := audit.Run(ctx, c, audit.Options{Spec: &policy.Default().Spec, Now: clock, Excluded: audit.WebhookExcluded("ballast")})
		require.NoError(t, err)
		shop := find(t, r, ns)
		assert.Equal(t, []audit.UnreadyPod{
			{
				Name: webPodName, Kind: "Deployment", Workload: "web",
				Containers: []audit.UnreadyContainer{{Name: "web", Probe: "readinessProbe tcpSocket :8080"}},
				Since:      clock.Add(-20 * time.Minute),
			},
			{
				Name: dbPodName, Kind: "StatefulSet", Workload: "db",
				Containers: []audit.UnreadyContainer{{Name: "db", Probe: "readinessProbe tcpSocket :5432"}},
				Since:      clock.Add(-time.Hour),
			},
		}, shop.UnreadyProbedPods, "not the ready pod, the one started 2 minutes ago, nor the one whose probe is its own")
		assert.Equal(t, 2, r.Summary.UnreadyProbedPods)

		var text bytes.Buffer
		require.NoError(t, r.WriteText(&text))
		assert.Contains(t, text.String(), "  Deployment web: 1 pod(s) unready for 20m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080): "+webPodName+"\n")
		assert.Contains(t, text.String(), "  StatefulSet db: 1 pod(s) unready for 1h, ")

		r, err = audit.Run(ctx, c, audit.Options{Spec: &policy.Default().Spec, Now: clock, UnreadyAfter: 30 * time.Minute})
		require.NoError(t, err)
		assert.Equal(t, []string{dbPodName}, unreadyNames(find(t, r, ns)), "UnreadyAfter 30m")
	})

	t.Run("the periodic audit counts them and records a Warning Event on each workload", func(t *testing.T) {
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
			Policy:     fixedPolicy{policy.Default()},
			Interval:   time.Second,
			Excluded:   audit.WebhookExcluded("ballast"),
			Registerer: reg,
			Events:     mgr.GetEventRecorder(audit.EventRecorderName),
			Now:        func() time.Time { return clock },
			Logger:     testr.New(t),
		})
		require.NoError(t, err)
		require.NoError(t, mgr.Add(p))
		mgrCtx, cancel := context.WithCancel(ctx)
		stopped := make(chan error, 1)
		go func() { stopped <- mgr.Start(mgrCtx) }()
		t.Cleanup(func() {
			cancel()
			assert.NoError(t, <-stopped, "the manager stops cleanly")
		})

		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, map[string]float64{ns: 2}, metricstest.ByLabel(c, reg, audit.UnreadyProbedPodsMetric, "namespace"))
		}, timeout, tick, "the gauge counts both pods of namespace shop")

		var events []eventsv1.Event
		require.EventuallyWithT(t, func(col *assert.CollectT) {
			events = eventsWith(ctx, col, c, audit.ReasonInjectedProbeUnready)
			assert.Len(col, events, 2)
		}, timeout, tick, "an Event on the Deployment and one on the StatefulSet")
		byKind := map[string]eventsv1.Event{}
		for _, e := range events {
			byKind[e.Regarding.Kind] = e
		}
		ev := byKind["Deployment"]
		assert.Equal(t, corev1.ObjectReference{
			APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: "web",
			UID: web.UID, ResourceVersion: ev.Regarding.ResourceVersion,
		}, ev.Regarding, "on the Deployment, found through the ReplicaSet's name")
		assert.Equal(t, corev1.EventTypeWarning, ev.Type)
		assert.Equal(t, audit.EventRecorderName, ev.ReportingController)
		assert.Equal(t, "Audit", ev.Action)
		assert.Equal(t, "1 pod(s) unready for 20m, held back by the readiness probe Ballast injected into container web (readinessProbe tcpSocket :8080). "+
			"Fix: "+audit.UnreadyFix+". Pods: "+webPodName, ev.Note)
		assert.Equal(t, db.UID, byKind["StatefulSet"].Regarding.UID)
		assert.Contains(t, byKind["StatefulSet"].Note, "1 pod(s) unready for 1h, held back by the readiness probe Ballast injected into container db (readinessProbe tcpSocket :5432)")

		// The app starts answering: the kubelet marks the web pod ready,
		// and the next run drops it.
		writeKubeletStatus(t, c, pods[0].pod, clock.Add(-20*time.Minute), true)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, map[string]float64{ns: 1}, metricstest.ByLabel(c, reg, audit.UnreadyProbedPodsMetric, "namespace"))
		}, timeout, tick, "only the StatefulSet's pod is left")
		assert.Len(t, eventsWith(ctx, t, c, audit.ReasonInjectedProbeUnready), 2, "no new Event")
	})
}

// servingContainer returns a container that serves on port.
func servingContainer(name string, port int32) corev1.Container {
	return corev1.Container{
		Name:  name,
		Image: "registry.example.com/" + name + ":1.0.0",
		Ports: []corev1.ContainerPort{{ContainerPort: port}},
	}
}

// controllerRef is the owner reference a controller sets on what it
// creates.
func controllerRef(kind, name string, uid types.UID) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}
}

// webPod returns a Pod of ReplicaSet rs, named as the ReplicaSet
// controller names them (here with a readable suffix). injected says
// whether the Pod mutator gave its container a readiness probe; otherwise
// the container has one of its own.
func webPod(rs *appsv1.ReplicaSet, suffix string, injected bool) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: rs.Namespace, Name: rs.Name + "-" + suffix,
			Labels:          rs.Spec.Template.Labels,
			OwnerReferences: []metav1.OwnerReference{controllerRef("ReplicaSet", rs.Name, rs.UID)},
		},
		Spec: *rs.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.Containers[0].ReadinessProbe = tcpProbe(8080)
	if injected {
		pod.Annotations = map[string]string{policy.InjectedAnnotation: "prestop-sleep/web,readiness-probe/web,termination-grace"}
	}
	return pod
}

// dbPod returns the Pod of StatefulSet db, as the Pod mutator patched it.
func dbPod(db *appsv1.StatefulSet) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: db.Namespace, Name: db.Name + "-0",
			Labels:          db.Spec.Template.Labels,
			Annotations:     map[string]string{policy.InjectedAnnotation: "readiness-probe/db"},
			OwnerReferences: []metav1.OwnerReference{controllerRef("StatefulSet", db.Name, db.UID)},
		},
		Spec: *db.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.Containers[0].ReadinessProbe = tcpProbe(5432)
	return pod
}

func tcpProbe(port int32) *corev1.Probe {
	return &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(port)}},
		PeriodSeconds: 10, TimeoutSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1,
	}
}

// writeKubeletStatus writes pod's status as the kubelet does once its
// containers run: phase Running, started at started, every container
// running, and ready or not as its readiness probe says.
func writeKubeletStatus(t *testing.T, c client.Client, pod *corev1.Pod, started time.Time, ready bool) {
	t.Helper()
	at := metav1.NewTime(started)
	readiness, reason := corev1.ConditionFalse, "ContainersNotReady"
	if ready {
		readiness, reason = corev1.ConditionTrue, ""
	}
	pod.Status = corev1.PodStatus{
		Phase:     corev1.PodRunning,
		StartTime: &at,
		HostIP:    "10.0.0.1",
		PodIP:     "10.244.0.10",
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: at},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: at},
			{Type: corev1.ContainersReady, Status: readiness, LastTransitionTime: at, Reason: reason},
			{Type: corev1.PodReady, Status: readiness, LastTransitionTime: at, Reason: reason},
		},
	}
	for _, ctr := range pod.Spec.Containers {
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: ctr.Name, Image: ctr.Image, ImageID: ctr.Image,
			ContainerID: "containerd://" + pod.Name + "-" + ctr.Name,
			Ready:       ready, Started: ptr.To(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: at}},
		})
	}
	require.NoError(t, c.Status().Update(t.Context(), pod), "the kubelet's status of pod %s", pod.Name)
}

// unreadyNames returns the names of the namespace's pods kept unready.
func unreadyNames(n audit.Namespace) []string {
	var out []string
	for _, p := range n.UnreadyProbedPods {
		out = append(out, p.Name)
	}
	return out
}
