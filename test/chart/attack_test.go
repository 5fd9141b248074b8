package chart_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/logbuf"
	"github.com/ballast-dev/ballast/internal/testutil/netutil"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/webhook"
)

// The attack of issue 11: what drove one replica to 548 MB of RSS (16
// parallel dry-run creates of a 5,000-container Pod) and to 312 MB (8
// direct 6.5 MB reviews), sent together, while ordinary reviews keep
// flowing.
const (
	attackGiantPods       = 16
	attackGiantContainers = 5000
	attackLargeReviews    = 8
	attackLargeBytes      = 6_500_000
	attackOrdinary        = 4
	attackWarmup          = time.Second
)

// TestChartUnderAttack runs `ballast serve` as the chart runs it (the
// binary as the Dockerfile builds it, the Deployment's arguments and
// environment with the values the kubelet gives them, the chart's memory
// limit among them) and attacks its webhook port directly over TLS, as
// anyone who reaches the port may, while 4 streams of ordinary Pod and
// Deployment reviews keep going:
//
//  1. the attack of issue 11: 16 parallel streams of reviews of a Pod with
//     5,000 containers and 8 of 6.5 MB reviews, for 6 seconds;
//  2. the 8 streams of 6.5 MB reviews alone, for 5 seconds: then some are
//     judged, at the highest cost per byte there is (a Pod of 460,000
//     labels; a Deployment UPDATE of 200 containers of environment
//     variables, twice).
//
// It checks that the process's peak RSS (VmHWM) in each phase stays under
// the container's memory limit, so that the kubelet would not have killed
// it, and that every ordinary review is answered and judged, 99% of them
// within the webhook's timeout.
func TestChartUnderAttack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane and runs ballast serve")
	}
	cp := controlplane.Start(t, controlplane.Options{})
	ctx := t.Context()

	tenant := cp.CreateNamespace(t, "tenant", map[string]string{policy.ModeLabel: string(policy.ModeWarn)})
	require.NoError(t, cp.Client.Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: tenant.Name},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "web"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}))
	home := cp.CreateNamespace(t, "ballast", nil)

	r := renderChart(t)
	var d appsv1.Deployment
	r.object(t, "Deployment", releaseName, &d)
	var cm corev1.ConfigMap
	r.object(t, "ConfigMap", releaseName+"-policy", &cm)
	ctr := d.Spec.Template.Spec.Containers[0]
	limit := ctr.Resources.Limits.Memory()
	require.False(t, limit.IsZero(), "the chart sets a memory limit")

	srv := startServeAsTheChartRunsIt(t, cp, ctr, cm, home.Name)
	// The chart hands serve the container's memory limit, of which it gives
	// the Go runtime 90%.
	assert.Contains(t, srv.logs.String(), fmt.Sprintf(`"msg":"Go memory limit set","memoryLimit":%d,"goMemoryLimit":%d`,
		limit.Value(), limit.Value()*9/10))
	timeouts := map[string]time.Duration{webhook.MutatePodsPath: 2 * time.Second, webhook.ValidateWorkloadsPath: 3 * time.Second}

	ordinary := []attackReview{ordinaryPodReview(t, tenant.Name), ordinaryDeploymentReview(t, tenant.Name)}
	giant := giantPodReview(t, tenant.Name)
	large := []attackReview{largePodReview(t, tenant.Name), largeDeploymentReview(t, tenant.Name)}
	t.Logf("reviews: ordinary %d and %d bytes; %d-container Pod %d bytes; large %d and %d bytes",
		len(ordinary[0].body), len(ordinary[1].body), attackGiantContainers, len(giant.body), len(large[0].body), len(large[1].body))

	// The ordinary reviews flow from the warm-up to the end.
	var (
		ordinaryStats attackStats
		wg            sync.WaitGroup
	)
	ordinaryCtx, stopOrdinary := context.WithCancel(ctx)
	defer stopOrdinary()
	for i := range attackOrdinary {
		wg.Go(func() {
			rv := ordinary[i%len(ordinary)]
			for ordinaryCtx.Err() == nil {
				srv.send(ordinaryCtx, &rv, timeouts[rv.path], &ordinaryStats, false)
			}
		})
	}
	time.Sleep(attackWarmup)
	t.Logf("memory: limit %s; RSS %s before the attack", limit, mib(srv.memory(t).rss))

	for _, phase := range []struct {
		name          string
		giants, large int
		duration      time.Duration
	}{
		{"the attack of issue 11", attackGiantPods, attackLargeReviews, 6 * time.Second},
		{"the 6.5 MB reviews alone", 0, attackLargeReviews, 5 * time.Second},
	} {
		srv.resetPeak(t)
		var giantStats, largeStats attackStats
		attackCtx, stopAttack := context.WithTimeout(ctx, phase.duration)
		var attackers sync.WaitGroup
		for i := range phase.giants + phase.large {
			attackers.Go(func() {
				rv, stats := giant, &giantStats
				if i >= phase.giants {
					rv, stats = large[i%len(large)], &largeStats
				}
				for attackCtx.Err() == nil {
					srv.send(attackCtx, &rv, timeouts[rv.path], stats, true)
				}
			})
		}
		attackers.Wait()
		stopAttack()
		time.Sleep(attackWarmup)
		peak := srv.memory(t).hwm
		t.Logf("%s: peak RSS (VmHWM) %s", phase.name, mib(peak))
		if phase.giants > 0 {
			t.Logf("  %d-container Pods: %s", attackGiantContainers, giantStats.summary())
		}
		t.Logf("  6.5 MB reviews: %s", largeStats.summary())
		assert.Less(t, peak, limit.Value(), "%s: the peak RSS stays under the container's memory limit", phase.name)
		assert.NotZero(t, giantStats.answered()+largeStats.answered(), "%s: the attack was answered", phase.name)
		if phase.giants == 0 {
			assert.NotZero(t, largeStats.judgedCount(), "%s: some 6.5 MB reviews are judged", phase.name)
		}
	}
	stopOrdinary()
	wg.Wait()
	t.Logf("ordinary reviews: %s", ordinaryStats.summary())

	require.NoError(t, srv.alive(), "ballast serve survived the attack")
	assert.NotZero(t, ordinaryStats.judgedCount())
	assert.Zero(t, ordinaryStats.failed, "every ordinary review is answered; the first failure: %s", ordinaryStats.first)
	assert.Zero(t, ordinaryStats.unchecked+ordinaryStats.denied, "every ordinary review is judged")
	// On a busy shared machine a few may wait for a core longer than the
	// webhook's timeout; the attack must not make it the rule.
	assert.LessOrEqual(t, ordinaryStats.late*100, ordinaryStats.judgedCount(),
		"at most 1%% of the ordinary reviews are answered after the webhook timeout")
}

// servedProcess is `ballast serve` running as a process.
type servedProcess struct {
	cmd    *exec.Cmd
	logs   *logbuf.Buffer
	base   string // https://host:port of the webhook server
	health string // http://host:port of the health endpoints
	client *http.Client
	exited chan error
}

// startServeAsTheChartRunsIt starts the binary with ctr's arguments and
// environment, as the kubelet gives them: each $(VAR) in the arguments
// expanded, the values of resourceFieldRefs from ctr's resources. Paths
// and ports are replaced with local ones, the policy comes from cm, and
// the serving certificate from a CA of the test's.
func startServeAsTheChartRunsIt(t *testing.T, cp *controlplane.ControlPlane, ctr corev1.Container, cm corev1.ConfigMap, ns string) *servedProcess {
	t.Helper()
	dir := t.TempDir()
	policyDir, certDir := filepath.Join(dir, "policy"), filepath.Join(dir, "certs")
	require.NoError(t, os.Mkdir(policyDir, 0o700))
	require.NoError(t, os.Mkdir(certDir, 0o700))
	for name, data := range cm.Data {
		require.NoError(t, os.WriteFile(filepath.Join(policyDir, name), []byte(data), 0o600))
	}
	ca, err := servingcert.NewCA()
	require.NoError(t, err)
	_, err = ca.Install(certDir, "127.0.0.1")
	require.NoError(t, err)

	env := kubeletEnv(t, ctr)
	healthAddr, err := netutil.FreeAddr("127.0.0.1")
	require.NoError(t, err)
	webhookPort, err := netutil.FreePort("127.0.0.1")
	require.NoError(t, err)
	args := localServeArgs(ctr.Args, env, localServe{
		policyDir: policyDir, certDir: certDir, webhookPort: webhookPort, metricsAddr: "0", healthAddr: healthAddr,
		kubeconfig: cp.KubeconfigPath, namespace: ns,
	})

	p := &servedProcess{
		logs:   &logbuf.Buffer{},
		base:   "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(webhookPort)),
		health: "http://" + healthAddr,
		exited: make(chan error, 1),
		client: &http.Client{Transport: &http.Transport{
			TLSClientConfig:     &tls.Config{RootCAs: ca.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12},
			MaxIdleConnsPerHost: 64,
		}},
	}
	p.cmd = exec.Command(ballastBinary(t), args...)
	// Only what a container would have: no GOMEMLIMIT, GOGC or GODEBUG of
	// the test's environment.
	p.cmd.Env = environ([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	require.NoError(t, p.cmd.Start())
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.client.CloseIdleConnections()
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		var exitErr error
		select {
		case exitErr = <-p.exited:
		case <-time.After(40 * time.Second):
			_ = p.cmd.Process.Kill()
			exitErr = <-p.exited
		}
		if t.Failed() {
			t.Logf("ballast serve %s (%v)\n%s", strings.Join(args, " "), exitErr, tail(p.logs.String(), 50))
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.health + "/readyz") //nolint:noctx // a probe of a local server
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "ballast serve never became ready")
	return p
}

// alive reports an error when the process has exited or does not pass
// its liveness check.
func (p *servedProcess) alive() error {
	select {
	case err := <-p.exited:
		p.exited <- err
		return fmt.Errorf("ballast serve exited: %w", err)
	default:
	}
	resp, err := http.Get(p.health + "/healthz") //nolint:noctx // a probe of a local server
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz answered %d", resp.StatusCode)
	}
	return nil
}

// resetPeak resets the peak RSS of the process (VmHWM) to its RSS now.
func (p *servedProcess) resetPeak(t *testing.T) {
	t.Helper()
	require.NoError(t, os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", p.cmd.Process.Pid), []byte("5"), 0))
}

// processMemory is the resident set size of a process now and at its peak.
type processMemory struct{ rss, hwm int64 }

// memory reads VmRSS and VmHWM of the process from /proc.
func (p *servedProcess) memory(t *testing.T) processMemory {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	require.NoError(t, err)
	defer f.Close()
	var m processMemory
	s := bufio.NewScanner(f)
	for s.Scan() {
		name, value, ok := strings.Cut(s.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		require.NoError(t, err)
		if name == "VmRSS" {
			m.rss = kb << 10
		} else {
			m.hwm = kb << 10
		}
	}
	require.NoError(t, s.Err())
	require.NotZero(t, m.hwm)
	return m
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// attackReview is one AdmissionReview to send again and again.
type attackReview struct {
	path string
	uid  types.UID
	body []byte
	// judged says whether an allowed answer is Ballast's judgement, rather
	// than a request admitted unchecked.
	judged func(*admissionv1.AdmissionResponse) bool
}

// attackStats counts the answers to one kind of review.
type attackStats struct {
	mu                          sync.Mutex
	judged, unchecked, denied   int
	failed, late                int
	first                       string
	latencies                   []time.Duration
	warnings, denials, failures map[string]int
}

func (s *attackStats) countLate() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.late++
}

func (s *attackStats) judgedCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.judged
}

func (s *attackStats) answered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.judged + s.unchecked + s.denied
}

func (s *attackStats) record(latency time.Duration, resp *admissionv1.AdmissionResponse, judged bool, failure string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	count := func(m *map[string]int, key string) {
		if *m == nil {
			*m = map[string]int{}
		}
		if len(key) > 120 {
			key = key[:120] + "..."
		}
		(*m)[key]++
	}
	switch {
	case failure != "":
		s.failed++
		if s.first == "" {
			s.first = failure
		}
		count(&s.failures, failure)
		return
	case !resp.Allowed:
		s.denied++
		if resp.Result != nil {
			count(&s.denials, resp.Result.Message)
		}
	case judged:
		s.judged++
	default:
		s.unchecked++
		for _, w := range resp.Warnings {
			count(&s.warnings, w)
		}
	}
	s.latencies = append(s.latencies, latency)
}

func (s *attackStats) summary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := fmt.Sprintf("%d judged, %d admitted unchecked, %d denied, %d failed; %d answered after the webhook timeout",
		s.judged, s.unchecked, s.denied, s.failed, s.late)
	if n := len(s.latencies); n > 0 {
		l := slices.Clone(s.latencies)
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		out += fmt.Sprintf("; latency p50 %s p99 %s max %s", l[n/2].Round(time.Millisecond), l[n*99/100].Round(time.Millisecond), l[n-1].Round(time.Millisecond))
	}
	for _, m := range []map[string]int{s.warnings, s.denials, s.failures} {
		for k, v := range m {
			out += fmt.Sprintf("\n    %dx %s", v, k)
		}
	}
	return out
}

// send posts rv as the API server would, with the webhook's timeout in
// the URL, and records the answer, and whether it came later than the
// timeout, when the API server would have given up. It waits for the
// answer up to 10 seconds, an attacker up to a minute.
func (p *servedProcess) send(ctx context.Context, rv *attackReview, timeout time.Duration, s *attackStats, attacker bool) {
	clientTimeout := 10 * time.Second
	if attacker {
		clientTimeout = time.Minute
	}
	reqCtx, cancel := context.WithTimeout(ctx, clientTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, http.MethodPost, p.base+rv.path+"?timeout="+timeout.String(), bytes.NewReader(rv.body))
	if err != nil {
		s.record(0, nil, false, err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			s.record(0, nil, false, err.Error())
		}
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	latency := time.Since(start)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			s.record(latency, nil, false, err.Error())
		}
		return
	case resp.StatusCode != http.StatusOK:
		s.record(latency, nil, false, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body))))
		return
	}
	if latency > timeout {
		s.countLate()
	}
	var ar admissionv1.AdmissionReview
	switch err := json.Unmarshal(body, &ar); {
	case err != nil:
		s.record(latency, nil, false, "not an AdmissionReview: "+err.Error())
	case ar.Response == nil || ar.Response.UID != rv.uid:
		s.record(latency, nil, false, "an answer for another UID")
	default:
		s.record(latency, ar.Response, rv.judged(ar.Response), "")
	}
}

// The pods of the reviews are those of a ReplicaSet, as the API server
// defaults them and sends them, so that the Pod mutator works on them.
func replicaSetPod(ns string, containers []corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{
			Namespace:    ns,
			GenerateName: "web-7d9f8b6c5d-",
			Labels:       map[string]string{"app": "web", "pod-template-hash": "7d9f8b6c5d"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f8b6c5d",
				UID: "6f1c1b1e-8d3a-4a57-9d51-1b0f8d1f7a11", Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{
			Containers:                    containers,
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To[int64](corev1.DefaultTerminationGracePeriodSeconds),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            "default",
			SecurityContext:               &corev1.PodSecurityContext{},
			SchedulerName:                 corev1.DefaultSchedulerName,
			EnableServiceLinks:            ptr.To(true),
			PreemptionPolicy:              ptr.To(corev1.PreemptLowerPriority),
			Priority:                      ptr.To[int32](0),
		},
	}
}

// servingContainer is a container as the API server defaults it, serving
// on a port named http, which the Service web routes to: Ballast injects
// a readiness probe into each such container.
func servingContainer(i int) corev1.Container {
	return corev1.Container{
		Name:                     fmt.Sprintf("web-%04d", i),
		Image:                    "registry.example.com/shop/web:1.4.2",
		Ports:                    []corev1.ContainerPort{{Name: "http", ContainerPort: int32(1024 + i), Protocol: corev1.ProtocolTCP}},
		Resources:                corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1m")}},
		VolumeMounts:             []corev1.VolumeMount{{Name: "kube-api-access-x7k2p", ReadOnly: true, MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"}},
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		ImagePullPolicy:          corev1.PullIfNotPresent,
	}
}

// withEnvVars adds environment variables to c until its JSON form has about
// size bytes: the most Go memory per byte of JSON a container can hold.
func withEnvVars(c corev1.Container, size int) corev1.Container {
	const perVar = len(`{"name":"VAR_00000","value":"x"},`)
	for i := range size / perVar {
		c.Env = append(c.Env, corev1.EnvVar{Name: fmt.Sprintf("VAR_%05d", i), Value: "x"})
	}
	return c
}

var replicaSetController = authenticationv1.UserInfo{
	Username: "system:serviceaccount:kube-system:replicaset-controller",
	Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"},
}

var (
	podKind        = metav1.GroupVersionKind{Version: "v1", Kind: "Pod"}
	podResource    = metav1.GroupVersionResource{Version: "v1", Resource: "pods"}
	deploymentKind = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	deploymentRes  = metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
)

// newAttackReview encodes the review of op on obj (and old, for UPDATE).
func newAttackReview(t *testing.T, path, uid string, op admissionv1.Operation, kind metav1.GroupVersionKind, res metav1.GroupVersionResource,
	ns string, user authenticationv1.UserInfo, obj, old runtime.Object, dryRun bool,
) attackReview {
	t.Helper()
	raw, err := json.Marshal(obj)
	require.NoError(t, err)
	req := &admissionv1.AdmissionRequest{
		UID: types.UID(uid), Kind: kind, Resource: res, Namespace: ns, Operation: op, UserInfo: user,
		Object: runtime.RawExtension{Raw: raw}, DryRun: ptr.To(dryRun),
	}
	if old != nil {
		rawOld, err := json.Marshal(old)
		require.NoError(t, err)
		req.OldObject = runtime.RawExtension{Raw: rawOld}
	}
	body, err := json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request:  req,
	})
	require.NoError(t, err)
	return attackReview{path: path, uid: types.UID(uid), body: body}
}

// patchAddsReadiness judges a Pod answer: a patch with a readiness probe.
func patchAddsReadiness(resp *admissionv1.AdmissionResponse) bool {
	return bytes.Contains(resp.Patch, []byte(`/readinessProbe"`))
}

// warnsReadiness judges a Deployment answer: the readiness probe its pods
// get, announced.
func warnsReadiness(resp *admissionv1.AdmissionResponse) bool {
	return slices.ContainsFunc(resp.Warnings, func(w string) bool { return strings.HasPrefix(w, "readiness-probe: pods get readinessProbe") })
}

// notUnchecked judges an answer that may hold too many warnings to show a
// given one: not admitted unchecked.
func notUnchecked(resp *admissionv1.AdmissionResponse) bool {
	return !slices.ContainsFunc(resp.Warnings, func(w string) bool { return strings.Contains(w, "admitted unchecked") })
}

func ordinaryPodReview(t *testing.T, ns string) attackReview {
	pod := replicaSetPod(ns, []corev1.Container{servingContainer(0)})
	rv := newAttackReview(t, webhook.MutatePodsPath, "00000000-0000-4000-8000-000000000001", admissionv1.Create, podKind, podResource,
		ns, replicaSetController, pod, nil, false)
	rv.judged = patchAddsReadiness
	return rv
}

func ordinaryDeploymentReview(t *testing.T, ns string) attackReview {
	d := deployment(ns, 1, []corev1.Container{servingContainer(0)})
	rv := newAttackReview(t, webhook.ValidateWorkloadsPath, "00000000-0000-4000-8000-000000000002", admissionv1.Create, deploymentKind, deploymentRes,
		ns, authenticationv1.UserInfo{Username: "jane@example.com", Groups: []string{"system:authenticated"}}, d, nil, false)
	rv.judged = warnsReadiness
	return rv
}

// giantPodReview is the server-side dry-run create of a Pod with 5,000
// serving containers.
func giantPodReview(t *testing.T, ns string) attackReview {
	containers := make([]corev1.Container, attackGiantContainers)
	for i := range containers {
		containers[i] = servingContainer(i)
	}
	rv := newAttackReview(t, webhook.MutatePodsPath, "00000000-0000-4000-8000-000000000003", admissionv1.Create, podKind, podResource,
		ns, authenticationv1.UserInfo{Username: "mallory@example.com", Groups: []string{"system:authenticated"}},
		replicaSetPod(ns, containers), nil, true)
	rv.judged = patchAddsReadiness
	return rv
}

// largeContainers is 200 containers of environment variables, about size
// bytes in all.
func largeContainers(size int) []corev1.Container {
	containers := make([]corev1.Container, 200)
	for i := range containers {
		containers[i] = withEnvVars(servingContainer(i), size/len(containers))
	}
	return containers
}

// largePodReview is a 6.5 MB Pod CREATE of a Pod with 460,000 labels:
// the most memory per byte of JSON that was found, about 15 times its
// size decoded and copied.
func largePodReview(t *testing.T, ns string) attackReview {
	pod := replicaSetPod(ns, []corev1.Container{servingContainer(0)})
	for i := range attackLargeBytes / len(`"l0000000":"",`) {
		pod.Labels[fmt.Sprintf("l%07d", i)] = ""
	}
	rv := newAttackReview(t, webhook.MutatePodsPath, "00000000-0000-4000-8000-000000000004", admissionv1.Create, podKind, podResource,
		ns, replicaSetController, pod, nil, false)
	rv.judged = patchAddsReadiness
	return rv
}

// largeDeploymentReview is a 6.5 MB Deployment UPDATE: an object and an
// old object of 3.25 MB each.
func largeDeploymentReview(t *testing.T, ns string) attackReview {
	containers := largeContainers(attackLargeBytes / 2)
	rv := newAttackReview(t, webhook.ValidateWorkloadsPath, "00000000-0000-4000-8000-000000000005", admissionv1.Update, deploymentKind, deploymentRes,
		ns, authenticationv1.UserInfo{Username: "mallory@example.com", Groups: []string{"system:authenticated"}},
		deployment(ns, 1, containers), deployment(ns, 2, containers), false)
	rv.judged = notUnchecked
	return rv
}

func deployment(ns string, replicas int32, containers []corev1.Container) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
}

// tail returns the last n lines of s, each cut to 300 bytes.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		if len(l) > 300 {
			lines[i] = l[:300] + "..."
		}
	}
	return strings.Join(lines, "\n")
}
