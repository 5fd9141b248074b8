package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/test/nodelab/load"
	"github.com/ballast-dev/ballast/test/nodelab/report"
)

const (
	// labLabel marks the lab's namespaces, for the clean-up.
	labLabel = "nodelab.ballast.dev/lab"
	// rolloutAnnotation is changed on the pod template to roll out.
	rolloutAnnotation = "nodelab.ballast.dev/rollout"

	// auditInterval and unreadyAfter make Ballast's watchdog answer within
	// a minute instead of its production defaults.
	auditInterval = 5 * time.Second
	unreadyAfter  = 30 * time.Second

	// baseline is how long the load runs before the first rollout and
	// after the last old pod is gone.
	baseline = 3 * time.Second
	// rolloutTimeout bounds one rollout, and the safety checks' waits.
	rolloutTimeout = 3 * time.Minute
	// appPort is where the test app listens.
	appPort = 8080
)

// labPolicy is Ballast's policy here: the defaults, namespaces choose
// their mode with the ballast.dev/mode label, which the lab (as
// system:masters) sets.
const labPolicy = `apiVersion: ballast.dev/v1alpha1
kind: BallastPolicy
metadata:
  name: node-lab
spec:
  mode: dryrun
  namespaceModeLabel: true
  namespaceAdmins:
    groups: [system:masters]
`

// modes are the modes each rollout experiment runs in: as written, and
// with Ballast's pod defaults.
var modes = []string{"off", "warn"}

// rolloutExperiment is a Deployment behind a Service, rolled out under
// load.
type rolloutExperiment struct {
	name string
	// args are the test app's.
	args []string
	// preStop gives the manifest a preStop sleep of its own (as long as
	// Ballast's), so that only the start-up is measured.
	preStop bool
}

// plots are the figures the lab draws.
var plots = []struct{ experiment, title, file string }{
	{"shutdown", "Rollouts of an app that stops listening on SIGTERM: failed requests per second", "shutdown.png"},
	{"start-up", "Rollouts of an app that takes a few seconds to listen: failed requests per second", "startup.png"},
}

// experiments runs the rollout experiments in each mode, then the safety
// checks.
func (l *lab) experiments(ctx context.Context, rep *report.Report) error {
	exps := []rolloutExperiment{
		{name: "shutdown"},
		{name: "start-up", args: []string{"-startup-delay=" + l.cfg.StartupDelay.String()}, preStop: true},
	}
	for _, e := range exps {
		for _, mode := range modes {
			run, err := l.rollouts(ctx, e, mode)
			if err != nil {
				return fmt.Errorf("experiment %s in mode %s: %w", e.name, mode, err)
			}
			rep.Runs = append(rep.Runs, run)
		}
	}
	checks, err := l.safety(ctx)
	rep.Checks = checks
	return err
}

// rollouts runs experiment e in a namespace in mode.
func (l *lab) rollouts(ctx context.Context, e rolloutExperiment, mode string) (report.Run, error) {
	run := report.Run{Experiment: e.name, Mode: mode}
	ns := e.name + "-" + mode
	l.stepf("%s, mode %s: a Deployment of %d behind a Service, %d rollouts under %d requests/s", e.name, mode, l.cfg.Replicas, l.cfg.Rollouts, l.cfg.Rate)
	if err := l.c.Create(ctx, namespace(ns, mode)); err != nil {
		return run, fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	svc, err := l.createService(ctx, ns, "web", intstr.FromString("http"), false)
	if err != nil {
		return run, err
	}
	dep := deployment(ns, "web", int32(l.cfg.Replicas), e.args, e.preStop)
	if err := l.c.Create(ctx, dep); err != nil {
		return run, fmt.Errorf("creating Deployment %s/web: %w", ns, err)
	}
	if err := l.waitRollout(ctx, dep); err != nil {
		return run, err
	}
	if run.Injected, err = l.injected(ctx, ns, "web"); err != nil {
		return run, err
	}

	url := "http://" + svc.Spec.ClusterIP + "/"
	waitCtx, cancel := context.WithTimeout(ctx, rolloutTimeout)
	defer cancel()
	if err := load.WaitServing(waitCtx, url, l.cfg.Timeout, 3*l.cfg.Replicas); err != nil {
		return run, fmt.Errorf("waiting for the service %s/web: %w", ns, err)
	}
	start := time.Now()
	loadCtx, stopLoad := context.WithCancel(ctx)
	done := make(chan []load.Result, 1)
	go func() { done <- load.Run(loadCtx, url, l.cfg.Rate, l.cfg.Timeout, start) }()
	results := func() []load.Result {
		stopLoad()
		return <-done
	}
	var rolloutsAt []time.Duration
	err = func() error {
		if err := sleep(ctx, baseline); err != nil {
			return err
		}
		for i := range l.cfg.Rollouts {
			at := time.Since(start)
			rolloutsAt = append(rolloutsAt, at)
			run.RolloutsAt = append(run.RolloutsAt, at.Seconds())
			if err := l.rollOut(ctx, dep, i+1); err != nil {
				return err
			}
		}
		if err := l.waitOldPodsGone(ctx, ns, "web"); err != nil {
			return err
		}
		return sleep(ctx, baseline)
	}()
	res := results()
	if err != nil {
		return run, err
	}
	run.Stats = load.Summarize(res, rolloutsAt)
	run.FailedPerSecond = load.PerSecond(res)
	run.Duration = time.Since(start).Seconds()
	l.stepf("%s, mode %s: %d of %d requests failed (longest run %d)", e.name, mode, run.Stats.Failed, run.Stats.Sent, run.Stats.LongestRun)
	return run, nil
}

// rollOut changes the pod template of dep and waits for the rollout.
func (l *lab) rollOut(ctx context.Context, dep *appsv1.Deployment, n int) error {
	patch := client.MergeFrom(dep.DeepCopy())
	dep.Spec.Template.Annotations = map[string]string{rolloutAnnotation: strconv.Itoa(n)}
	if err := l.c.Patch(ctx, dep, patch); err != nil {
		return fmt.Errorf("rolling out Deployment %s/%s: %w", dep.Namespace, dep.Name, err)
	}
	return l.waitRollout(ctx, dep)
}

// waitRollout waits until every replica of dep is updated and available
// and no old one is counted, as `kubectl rollout status` does.
func (l *lab) waitRollout(ctx context.Context, dep *appsv1.Deployment) error {
	return poll(ctx, "the rollout of Deployment "+dep.Namespace+"/"+dep.Name, rolloutTimeout, func() (bool, error) {
		var d appsv1.Deployment
		if err := l.c.Get(ctx, client.ObjectKeyFromObject(dep), &d); err != nil {
			return false, err
		}
		want := *d.Spec.Replicas
		st := d.Status
		return st.ObservedGeneration >= d.Generation && st.UpdatedReplicas == want && st.Replicas == want && st.AvailableReplicas == want,
			fmt.Errorf("%d updated, %d replicas, %d available of %d", st.UpdatedReplicas, st.Replicas, st.AvailableReplicas, want)
	})
}

// waitOldPodsGone waits until the pods of app in ns are the Deployment's
// replicas only: the old ones have finished terminating.
func (l *lab) waitOldPodsGone(ctx context.Context, ns, app string) error {
	return poll(ctx, "the old pods of "+ns+"/"+app+" to be gone", rolloutTimeout, func() (bool, error) {
		var pods corev1.PodList
		if err := l.c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
			return false, err
		}
		return len(pods.Items) == l.cfg.Replicas, fmt.Errorf("%d pods", len(pods.Items))
	})
}

// injected returns what Ballast injected into a pod of app in ns, "-" for
// nothing.
func (l *lab) injected(ctx context.Context, ns, app string) (string, error) {
	var pods corev1.PodList
	if err := l.c.List(ctx, &pods, client.InNamespace(ns), client.MatchingLabels{"app": app}); err != nil {
		return "", fmt.Errorf("listing the pods of %s/%s: %w", ns, app, err)
	}
	for _, p := range pods.Items {
		if v := p.Annotations[policy.InjectedAnnotation]; v != "" {
			return v, nil
		}
	}
	return "-", nil
}

// createService creates a Service for app on port 80 to targetPort, and
// gives Ballast's cache a moment to see it: Ballast injects a readiness
// probe only on a port a Service it knows routes to.
func (l *lab) createService(ctx context.Context, ns, app string, targetPort intstr.IntOrString, headless bool) (*corev1.Service, error) {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": app},
			Ports:    []corev1.ServicePort{{Name: "client", Port: 80, TargetPort: targetPort}},
		},
	}
	if headless {
		svc.Spec.ClusterIP = corev1.ClusterIPNone
		svc.Spec.PublishNotReadyAddresses = true
	}
	if err := l.c.Create(ctx, svc); err != nil {
		return nil, fmt.Errorf("creating Service %s/%s: %w", ns, app, err)
	}
	return svc, sleep(ctx, 2*time.Second)
}

// podSpec is the test app's pod: one container serving HTTP on appPort
// (named http), with more ports and args as given.
func podSpec(args []string, preStop bool, more ...corev1.ContainerPort) corev1.PodSpec {
	c := corev1.Container{
		Name:            "web",
		Image:           webImage,
		ImagePullPolicy: corev1.PullNever,
		Args:            args,
		Ports:           append([]corev1.ContainerPort{{Name: "http", ContainerPort: appPort}}, more...),
	}
	if preStop {
		c.Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	}
	return corev1.PodSpec{
		Containers:                   []corev1.Container{c},
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
	}
}

// deployment is the test app's Deployment.
func deployment(ns, app string, replicas int32, args []string, preStop bool, more ...corev1.ContainerPort) *appsv1.Deployment {
	labels := map[string]string{"app": app}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       podSpec(args, preStop, more...),
			},
		},
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return fmt.Errorf("interrupted: %w", ctx.Err())
	case <-time.After(d):
		return nil
	}
}

// gauge reads the value of Ballast's metric name for namespace ns, or ""
// when it has no such series.
func (l *lab) gauge(ctx context.Context, name, ns string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.metric, nil)
	if err != nil {
		return "", fmt.Errorf("asking for Ballast's metrics: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading Ballast's metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+"{") && strings.Contains(line, `namespace="`+ns+`"`) {
			f := strings.Fields(line)
			return f[len(f)-1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading Ballast's metrics: %w", err)
	}
	return "", nil
}
