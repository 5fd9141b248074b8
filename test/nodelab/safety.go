package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/test/nodelab/report"
)

// Names of the safety checks.
const (
	checkPeers        = "etcd-like StatefulSet (OrderedReady, peers wait for each other) in mode warn"
	checkPeersControl = "control: the same StatefulSet with a readiness probe on its port as written, mode off"
	checkUnready      = "probe that can never pass (Service targets a port the app does not listen on), reported by the watchdog"
)

// safety runs the safety checks: Ballast's defaults never keep the
// etcd-like StatefulSet from bootstrapping, and its watchdog reports, from
// the kubelet's real status, a pod that its injected probe keeps unready.
func (l *lab) safety(ctx context.Context) ([]report.Check, error) {
	// The unready pod first: the watchdog needs unreadyAfter to answer.
	stuck, err := l.startStuck(ctx)
	if err != nil {
		return nil, err
	}
	peers, err := l.peers(ctx)
	if err != nil {
		return nil, err
	}
	control, err := l.peersControl(ctx)
	if err != nil {
		return nil, err
	}
	unready, err := l.watchdog(ctx, stuck)
	if err != nil {
		return nil, err
	}
	return []report.Check{peers, control, unready}, nil
}

// peerReplicas is the size of the etcd-like StatefulSet.
const peerReplicas = 3

// controlWait is how long the control StatefulSet is watched: long enough
// for its members to start had the first one become Ready.
const controlWait = 30 * time.Second

// peers runs three etcd-like members in mode warn: a StatefulSet
// (OrderedReady) behind a headless Service that publishes not-ready
// addresses, whose members listen only once all three have started. A
// readiness probe on their port would keep the first one unready forever,
// and so the StatefulSet from creating the others.
func (l *lab) peers(ctx context.Context) (report.Check, error) {
	const ns = "peers-warn"
	check := report.Check{Name: checkPeers, Want: fmt.Sprintf("%d/%d Ready, no readiness probe injected", peerReplicas, peerReplicas)}
	l.stepf("safety: an etcd-like StatefulSet of %d in mode warn", peerReplicas)
	sts, err := l.createPeers(ctx, ns, "warn", false)
	if err != nil {
		return check, err
	}
	start := time.Now()
	var ready int32
	err = poll(ctx, "StatefulSet "+ns+"/"+sts.Name+" to be Ready", rolloutTimeout, func() (bool, error) {
		var err error
		ready, _, err = l.peerStatus(ctx, sts)
		return ready == peerReplicas, fmt.Errorf("%d of %d Ready: %w", ready, peerReplicas, err)
	})
	injected, ierr := l.injected(ctx, ns, sts.Name)
	if ierr != nil {
		return check, ierr
	}
	check.Got = fmt.Sprintf("%d/%d Ready", ready, peerReplicas)
	if err == nil {
		check.Got += fmt.Sprintf(" after %s", time.Since(start).Round(time.Second))
	}
	check.Got += "; injected " + injected
	check.Passed = err == nil && !strings.Contains(injected, "readiness-probe")
	return check, nil
}

// peersControl shows that the peers check can fail: the same StatefulSet,
// as written with a readiness probe on its port (what a naive injector
// would add), in mode off, never gets past its first member.
func (l *lab) peersControl(ctx context.Context) (report.Check, error) {
	const ns = "peers-probe-off"
	check := report.Check{Name: checkPeersControl, Want: fmt.Sprintf("deadlock: 0/1 Ready, 1 pod after %s", controlWait)}
	l.stepf("safety: the same StatefulSet with a readiness probe on its port, as written (mode off), for %s", controlWait)
	sts, err := l.createPeers(ctx, ns, "off", true)
	if err != nil {
		return check, err
	}
	if err := sleep(ctx, controlWait); err != nil {
		return check, err
	}
	ready, pods, err := l.peerStatus(ctx, sts)
	if err != nil {
		return check, err
	}
	check.Got = fmt.Sprintf("%d/%d Ready, %d pod(s) after %s", ready, pods, pods, controlWait)
	check.Passed = ready == 0 && pods == 1
	return check, nil
}

// createPeers creates the etcd-like StatefulSet in a new namespace in
// mode, with a readiness probe on its port when probe is set.
func (l *lab) createPeers(ctx context.Context, ns, mode string, probe bool) (*appsv1.StatefulSet, error) {
	const app = "etcd"
	if err := l.c.Create(ctx, namespace(ns, mode)); err != nil {
		return nil, fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	if _, err := l.createService(ctx, ns, app, intstr.FromString("http"), true); err != nil {
		return nil, err
	}
	labels := map[string]string{"app": app}
	spec := podSpec([]string{"-peers-dir=/peers", fmt.Sprintf("-peers=%d", peerReplicas)}, false)
	spec.Volumes = []corev1.Volume{{Name: "peers", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{
		Path: filepath.Join(labDir, "peers", ns), Type: ptr.To(corev1.HostPathDirectoryOrCreate),
	}}}}
	spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "peers", MountPath: "/peers"}}
	if probe {
		spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("http")}},
			PeriodSeconds: 2,
		}
	}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            ptr.To[int32](peerReplicas),
			ServiceName:         app,
			PodManagementPolicy: appsv1.OrderedReadyPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			Template:            corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
	if err := l.c.Create(ctx, sts); err != nil {
		return nil, fmt.Errorf("creating StatefulSet %s/%s: %w", ns, app, err)
	}
	return sts, nil
}

// peerStatus returns the Ready replicas of sts and its pod count.
func (l *lab) peerStatus(ctx context.Context, sts *appsv1.StatefulSet) (ready int32, pods int, err error) {
	var s appsv1.StatefulSet
	if err := l.c.Get(ctx, client.ObjectKeyFromObject(sts), &s); err != nil {
		return 0, 0, fmt.Errorf("getting StatefulSet %s/%s: %w", sts.Namespace, sts.Name, err)
	}
	var list corev1.PodList
	if err := l.c.List(ctx, &list, client.InNamespace(sts.Namespace), client.MatchingLabels{"app": sts.Name}); err != nil {
		return 0, 0, fmt.Errorf("listing the pods of %s/%s: %w", sts.Namespace, sts.Name, err)
	}
	return s.Status.ReadyReplicas, len(list.Items), nil
}

// startStuck creates a Deployment whose Service targets port 9090, which
// the container declares but the app never listens on: Ballast injects a
// readiness probe there, which can never pass.
func (l *lab) startStuck(ctx context.Context) (*appsv1.Deployment, error) {
	const ns, app = "unready-warn", "stuck"
	l.stepf("safety: a pod whose injected probe can never pass, in mode warn")
	if err := l.c.Create(ctx, namespace(ns, "warn")); err != nil {
		return nil, fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	if _, err := l.createService(ctx, ns, app, intstr.FromString("grpc"), false); err != nil {
		return nil, err
	}
	dep := deployment(ns, app, 1, nil, false, corev1.ContainerPort{Name: "grpc", ContainerPort: 9090})
	if err := l.c.Create(ctx, dep); err != nil {
		return nil, fmt.Errorf("creating Deployment %s/%s: %w", ns, app, err)
	}
	return dep, nil
}

// watchdog waits for Ballast's watchdog to report the stuck Deployment:
// a Warning Event on it, and the gauge for its namespace.
func (l *lab) watchdog(ctx context.Context, dep *appsv1.Deployment) (report.Check, error) {
	check := report.Check{
		Name: checkUnready,
		Want: fmt.Sprintf("pod Running, not Ready; Event %s on the Deployment; %s 1", audit.ReasonInjectedProbeUnready, audit.UnreadyProbedPodsMetric),
	}
	var event, gauge string
	err := poll(ctx, "Ballast's watchdog to report "+dep.Namespace+"/"+dep.Name, unreadyAfter+time.Minute, func() (bool, error) {
		var events corev1.EventList
		if err := l.c.List(ctx, &events, client.InNamespace(dep.Namespace)); err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.Reason == audit.ReasonInjectedProbeUnready && e.InvolvedObject.Name == dep.Name {
				event = e.Message
			}
		}
		var err error
		if gauge, err = l.gauge(ctx, audit.UnreadyProbedPodsMetric, dep.Namespace); err != nil {
			return false, err
		}
		return event != "" && gauge != "", fmt.Errorf("event %q, gauge %q", event, gauge)
	})
	state, serr := l.podState(ctx, dep.Namespace, dep.Name)
	if serr != nil {
		return check, serr
	}
	injected, ierr := l.injected(ctx, dep.Namespace, dep.Name)
	if ierr != nil {
		return check, ierr
	}
	// The event's first sentence; the rest is the fix.
	event, _, _ = strings.Cut(event, ". ")
	check.Got = fmt.Sprintf("pod %s, injected %s; event %q; gauge %s", state, injected, event, gauge)
	check.Passed = err == nil && state == "Running, not Ready" && gauge == "1"
	return check, nil
}

// podState describes the phase and readiness of the first pod of app.
func (l *lab) podState(ctx context.Context, ns, app string) (string, error) {
	var pods corev1.PodList
	if err := l.c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
		return "", fmt.Errorf("listing the pods of %s/%s: %w", ns, app, err)
	}
	if len(pods.Items) == 0 {
		return "missing", nil
	}
	p := pods.Items[0]
	ready := "not Ready"
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			ready = "Ready"
		}
	}
	return string(p.Status.Phase) + ", " + ready, nil
}
