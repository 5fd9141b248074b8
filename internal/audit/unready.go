package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
)

// DefaultUnreadyAfter is how long a Pod must have been unready before the
// audit blames the readiness probe Ballast injected into it.
const DefaultUnreadyAfter = 10 * time.Minute

// UnreadyFix is what the owners of a Pod that an injected readiness probe
// keeps unready can do about it, in the report, the text output and the
// Events.
const UnreadyFix = "give the container a readinessProbe of its own that passes, set " + policy.ReadinessPathAnnotation +
	" on the pod template, fix the Service's targetPort, or exempt " + policy.RuleReadinessProbe +
	" for this namespace in the policy; pods already running keep the probe until they are replaced"

// UnreadyPod is a running Pod that a readiness probe Ballast injected has
// kept unready for longer than Options.UnreadyAfter: the probe checks a
// port or a path the app does not serve, so the Pod never gets traffic and
// a rollout that waits for it stalls.
type UnreadyPod struct {
	// Name is the Pod's name.
	Name string `json:"name"`
	// Kind and Workload name the workload the Pod belongs to: its
	// Deployment (through the ReplicaSet), StatefulSet or DaemonSet, else
	// its controller of another kind; both are empty for a Pod that no
	// controller owns.
	Kind     string `json:"kind,omitempty"`
	Workload string `json:"workload,omitempty"`
	// Containers are the containers with an injected readiness probe that
	// run but are not ready.
	Containers []UnreadyContainer `json:"containers"`
	// Since is when the Pod started (status.startTime, else its creation),
	// or last became unready when that is later, in UTC.
	Since time.Time `json:"since"`
}

// UnreadyContainer is a container that fails the readiness probe Ballast
// injected.
type UnreadyContainer struct {
	Name string `json:"name"`
	// Probe describes the probe, such as "readinessProbe tcpSocket :8080"
	// or "readinessProbe httpGet :8080/healthz".
	Probe string `json:"probe"`
}

// injectedReadiness is the item of the ballast.dev/injected annotation
// that records an injected readiness probe, before "/<container>".
var injectedReadiness = mutators.ReadinessProbe{}.ID()

// injectedReadinessContainers returns the containers that the
// ballast.dev/injected annotation of pod says got a readiness probe.
func injectedReadinessContainers(pod *corev1.Pod) []string {
	var out []string
	for item := range strings.SplitSeq(pod.Annotations[policy.InjectedAnnotation], ",") {
		mutator, container, ok := strings.Cut(strings.TrimSpace(item), "/")
		if ok && mutator == injectedReadiness && container != "" && !slices.Contains(out, container) {
			out = append(out, container)
		}
	}
	return out
}

// keptUnready reports whether a readiness probe Ballast injected has kept
// pod unready for more than after, at now, and if so describes it (but
// for its workload, which podWorkload finds). That is when:
//
//   - its ballast.dev/injected annotation lists readiness-probe/<container>;
//   - it is not terminating, and Running, or Pending with a container
//     running;
//   - its Ready condition is False;
//   - at least one of those containers runs, is not ready and has a
//     readiness probe in the spec: a container that crashes or waits is
//     not held back by its probe, and a pod whose containers are all ready
//     is held back by something else (a readiness gate, another
//     container's own probe);
//   - it started (status.startTime, else its creation) more than after
//     ago, and the Ready condition last changed more than after ago.
func keptUnready(pod *corev1.Pod, now time.Time, after time.Duration) (UnreadyPod, bool) {
	if pod.DeletionTimestamp != nil {
		return UnreadyPod{}, false
	}
	injected := injectedReadinessContainers(pod)
	if len(injected) == 0 {
		return UnreadyPod{}, false
	}
	switch pod.Status.Phase {
	case corev1.PodRunning:
	case corev1.PodPending:
		if !slices.ContainsFunc(pod.Status.ContainerStatuses, func(s corev1.ContainerStatus) bool { return s.State.Running != nil }) {
			return UnreadyPod{}, false
		}
	default:
		return UnreadyPod{}, false
	}
	i := slices.IndexFunc(pod.Status.Conditions, func(c corev1.PodCondition) bool { return c.Type == corev1.PodReady })
	if i < 0 || pod.Status.Conditions[i].Status != corev1.ConditionFalse {
		return UnreadyPod{}, false
	}
	since := pod.CreationTimestamp.Time
	if pod.Status.StartTime != nil {
		since = pod.Status.StartTime.Time
	}
	if changed := pod.Status.Conditions[i].LastTransitionTime.Time; changed.After(since) {
		since = changed
	}
	if now.Sub(since) <= after {
		return UnreadyPod{}, false
	}
	var containers []UnreadyContainer
	for _, name := range injected {
		j := slices.IndexFunc(pod.Status.ContainerStatuses, func(s corev1.ContainerStatus) bool { return s.Name == name })
		if j < 0 || pod.Status.ContainerStatuses[j].State.Running == nil || pod.Status.ContainerStatuses[j].Ready {
			continue
		}
		k := slices.IndexFunc(pod.Spec.Containers, func(c corev1.Container) bool { return c.Name == name })
		if k < 0 || pod.Spec.Containers[k].ReadinessProbe == nil {
			continue
		}
		containers = append(containers, UnreadyContainer{Name: name, Probe: describeReadinessProbe(pod.Spec.Containers[k].ReadinessProbe)})
	}
	if len(containers) == 0 {
		return UnreadyPod{}, false
	}
	return UnreadyPod{Name: pod.Name, Containers: containers, Since: since.UTC()}, true
}

// describeReadinessProbe describes a readiness probe as the Pod mutator's
// changes do: "readinessProbe tcpSocket :8080", "readinessProbe httpGet
// :8080/healthz", "readinessProbe httpGet HTTPS :8443/healthz".
func describeReadinessProbe(p *corev1.Probe) string {
	const field = "readinessProbe "
	switch h := p.ProbeHandler; {
	case h.TCPSocket != nil:
		return field + "tcpSocket :" + h.TCPSocket.Port.String()
	case h.HTTPGet != nil:
		scheme := ""
		if h.HTTPGet.Scheme == corev1.URISchemeHTTPS {
			scheme = "HTTPS "
		}
		return field + "httpGet " + scheme + ":" + h.HTTPGet.Port.String() + h.HTTPGet.Path
	case h.GRPC != nil:
		return field + "grpc :" + strconv.Itoa(int(h.GRPC.Port))
	case h.Exec != nil:
		return field + "exec " + strings.Join(h.Exec.Command, " ")
	}
	return strings.TrimSpace(field)
}

// podWorkload returns the kind and name of the workload pod belongs to, as
// UnreadyPod documents: a StatefulSet or a DaemonSet that controls it
// directly; the Deployment of the ReplicaSet that controls it, whose name
// the Deployment controller makes of the Deployment's and the
// pod-template-hash label ("<deployment>-<hash>"); otherwise its
// controller, whatever its kind (a ReplicaSet of its own, a Job); or
// nothing for a Pod without one.
func podWorkload(pod *corev1.Pod) (kind, name string) {
	owner := metav1.GetControllerOf(pod)
	if owner == nil {
		return "", ""
	}
	if owner.Kind == "ReplicaSet" && strings.HasPrefix(owner.APIVersion, appsv1.GroupName+"/") {
		hash := pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey]
		if deployment, ok := strings.CutSuffix(owner.Name, "-"+hash); ok && hash != "" && deployment != "" {
			return workload.KindDeployment, deployment
		}
	}
	return owner.Kind, owner.Name
}

// unreadyGroup is the pods of one workload that injected probes keep
// unready.
type unreadyGroup struct {
	Kind, Workload string
	// Pods are their names, sorted.
	Pods []string
	// Containers are the containers at fault, each container and probe
	// once, in the order met.
	Containers []UnreadyContainer
	// Since is the earliest Since of the pods.
	Since time.Time
}

// groupUnready groups pods by workload, in the order of sortUnready.
func groupUnready(pods []UnreadyPod) []unreadyGroup {
	pods = slices.Clone(pods)
	sortUnready(pods)
	var out []unreadyGroup
	for _, p := range pods {
		if n := len(out); n == 0 || out[n-1].Kind != p.Kind || out[n-1].Workload != p.Workload {
			out = append(out, unreadyGroup{Kind: p.Kind, Workload: p.Workload, Since: p.Since})
		}
		g := &out[len(out)-1]
		g.Pods = append(g.Pods, p.Name)
		for _, c := range p.Containers {
			if !slices.Contains(g.Containers, c) {
				g.Containers = append(g.Containers, c)
			}
		}
		if p.Since.Before(g.Since) {
			g.Since = p.Since
		}
	}
	return out
}

// sortUnready orders pods by workload kind (as the report's objects), then
// workload name, then pod name; pods without a workload last.
func sortUnready(pods []UnreadyPod) {
	rank := func(kind string) int {
		if r, ok := kindRank[kind]; ok {
			return r
		}
		if kind == "" {
			return len(kindRank) + 1
		}
		return len(kindRank)
	}
	slices.SortFunc(pods, func(a, b UnreadyPod) int {
		return cmp.Or(cmp.Compare(rank(a.Kind), rank(b.Kind)), cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Workload, b.Workload), cmp.Compare(a.Name, b.Name))
	})
}

// owner names the group's workload: "Deployment web", or "no controller".
func (g *unreadyGroup) owner() string {
	if g.Kind == "" {
		return "no controller"
	}
	return g.Kind + " " + g.Workload
}

// containers lists the containers at fault with their probes: "container
// web (readinessProbe tcpSocket :8080)".
func (g *unreadyGroup) containers() string {
	parts := make([]string, 0, len(g.Containers))
	for _, c := range g.Containers {
		parts = append(parts, fmt.Sprintf("container %s (%s)", c.Name, c.Probe))
	}
	return strings.Join(parts, ", ")
}

// names lists the first limit pods, with an ellipsis for the rest.
func (g *unreadyGroup) names(limit int) string {
	s := strings.Join(g.Pods[:min(len(g.Pods), limit)], ", ")
	if more := len(g.Pods) - limit; more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// summary says what keeps the group's pods unready, for how long at now:
// "2 pod(s) unready for 20m, held back by the readiness probe Ballast
// injected into container web (readinessProbe tcpSocket :8080)".
func (g *unreadyGroup) summary(now time.Time) string {
	return fmt.Sprintf("%d pod(s) unready for %s, held back by the readiness probe Ballast injected into %s",
		len(g.Pods), humanDuration(now.Sub(g.Since)), g.containers())
}

// unreadyNote is the note of the Event on the workload of g.
func unreadyNote(g *unreadyGroup, now time.Time) string {
	return truncate(g.summary(now)+". Fix: "+UnreadyFix+". Pods: "+g.names(len(g.Pods)), maxNoteLength)
}

// humanDuration rounds d to the minute (the second below one) and drops
// the zero units: "20m", "1h5m", "2h", "45s".
func humanDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String()
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// probedPod is a Pod kept unready, with what the Periodic evaluator needs
// to record an Event on it when its workload is not known.
type probedPod struct {
	pod UnreadyPod
	ref *metav1.PartialObjectMetadata
}

// workloadKey identifies a workload of a namespace.
type workloadKey struct{ kind, name string }

// unreadyEvents returns, for each namespace that could be read, an Event
// per workload whose pods injected probes keep unready: on the workload
// when the audit listed it, else on each Pod.
func (a *auditor) unreadyEvents() []warnedObject {
	var out []warnedObject
	for _, s := range a.order {
		if s.report.Error != "" || len(s.probed) == 0 {
			continue
		}
		var known []UnreadyPod
		for _, p := range s.probed {
			if s.workloads[workloadKey{p.pod.Kind, p.pod.Workload}] != nil {
				known = append(known, p.pod)
				continue
			}
			g := groupUnready([]UnreadyPod{p.pod})[0]
			out = append(out, warnedObject{ref: p.ref, unready: &g, now: a.opts.Now})
		}
		for _, g := range groupUnready(known) {
			out = append(out, warnedObject{ref: s.workloads[workloadKey{g.Kind, g.Workload}], unready: &g, now: a.opts.Now})
		}
	}
	return out
}
