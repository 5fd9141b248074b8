package chart_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/webhook"
)

// TestChartWebhookConfigurations renders the chart with its default values
// and checks every property of the webhook configurations that keeps a
// cluster safe from its admission webhook.
func TestChartWebhookConfigurations(t *testing.T) {
	r := renderChart(t)
	mutating, validating := r.webhookConfigurations(t)

	t.Run("every webhook", func(t *testing.T) {
		for _, w := range allWebhooks(mutating, validating) {
			assert.Equal(t, ptr.To(admissionregistrationv1.SideEffectClassNone), w.SideEffects, w.Name)
			assert.Equal(t, []string{"v1"}, w.AdmissionReviewVersions, w.Name)
			if w.Name == "namespaces.ballast.dev" {
				assert.Equal(t, ptr.To(admissionregistrationv1.Fail), w.FailurePolicy,
					"%s: fails closed, or a tenant could switch its namespace off while Ballast is down", w.Name)
			} else {
				assert.Equal(t, ptr.To(admissionregistrationv1.Ignore), w.FailurePolicy, "%s: fail open by default", w.Name)
			}
			assert.Equal(t, ptr.To(admissionregistrationv1.Equivalent), w.MatchPolicy, w.Name)
			require.NotNil(t, w.ClientConfig.Service, w.Name)
			assert.Equal(t, releaseNamespace, w.ClientConfig.Service.Namespace, w.Name)
			assert.Equal(t, ptr.To[int32](443), w.ClientConfig.Service.Port, w.Name)
			for _, mc := range w.MatchConditions {
				for _, who := range []string{"request.userInfo", "authorizer"} {
					assert.NotContains(t, mc.Expression, who,
						"%s: matchCondition %s skips requests by who sends them; controllers create nearly every pod as kube-system service accounts (kyverno#7222)", w.Name, mc.Name)
				}
			}
		}
		for _, cfg := range []metav1.Object{mutating, validating} {
			assert.Equal(t, releaseNamespace+"/ballast-serving", cfg.GetAnnotations()["cert-manager.io/inject-ca-from"],
				"%s: cert-manager's cainjector must fill in the caBundle", cfg.GetName())
		}
	})

	t.Run("pod mutation", func(t *testing.T) {
		require.Len(t, mutating.Webhooks, 1)
		w := mutating.Webhooks[0]
		assert.Equal(t, ptr.To(webhook.MutatePodsPath), w.ClientConfig.Service.Path)
		assert.Equal(t, []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"},
				Scope: ptr.To(admissionregistrationv1.NamespacedScope),
			},
		}}, w.Rules, "Pods on CREATE only: mutating running pods left them stuck")
		assert.Equal(t, ptr.To(admissionregistrationv1.IfNeededReinvocationPolicy), w.ReinvocationPolicy)
		require.NotNil(t, w.TimeoutSeconds)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(2))
		assertExcludes(t, w.NamespaceSelector, true)
		assert.True(t, slices.ContainsFunc(w.MatchConditions, func(mc admissionregistrationv1.MatchCondition) bool {
			return strings.Contains(mc.Expression, "kubernetes.io/config.mirror")
		}), "mirror pods are skipped")
	})

	t.Run("workload validation", func(t *testing.T) {
		w := findWebhook(t, validating, webhook.ValidateWorkloadsPath)
		want := map[string][]string{
			"apps/v1":        {"deployments", "statefulsets", "daemonsets", "replicasets", "deployments/scale", "statefulsets/scale"},
			"v1":             {"replicationcontrollers"},
			"autoscaling/v2": {"horizontalpodautoscalers"},
			"policy/v1":      {"poddisruptionbudgets"},
		}
		got := map[string][]string{}
		for _, r := range w.Rules {
			ops := []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}
			if strings.HasSuffix(r.Resources[0], "/scale") {
				ops = ops[1:] // a scale subresource is only ever updated
			}
			assert.ElementsMatch(t, ops, r.Operations)
			for _, g := range r.APIGroups {
				for _, v := range r.APIVersions {
					gv := strings.TrimPrefix(g+"/"+v, "/")
					got[gv] = append(got[gv], r.Resources...)
				}
			}
		}
		assert.Equal(t, want, got)
		require.NotNil(t, w.TimeoutSeconds)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(3))
		assertExcludes(t, w.NamespaceSelector, true)
	})

	t.Run("namespace guard", func(t *testing.T) {
		w := findWebhook(t, validating, webhook.ValidateNamespacesPath)
		require.Len(t, w.Rules, 1)
		assert.Equal(t, []string{"namespaces", "namespaces/status", "namespaces/finalize"}, w.Rules[0].Resources,
			"the API server stores the metadata sent to the subresources too")
		assert.ElementsMatch(t, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}, w.Rules[0].Operations)
		require.NotNil(t, w.TimeoutSeconds)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(3))
		// It must see namespaces labelled off, or a namespace once off
		// could be relabelled by anyone.
		assertExcludes(t, w.NamespaceSelector, false)
	})
}

// TestChartPolicyIsTheBinaryDefault checks that the policy the chart
// renders by default is exactly the binary's default policy, so that the
// documented defaults hold however Ballast is installed.
func TestChartPolicyIsTheBinaryDefault(t *testing.T) {
	r := renderChart(t)
	var cm corev1.ConfigMap
	r.object(t, "ConfigMap", "ballast-policy", &cm)

	p, err := policy.Parse([]byte(cm.Data["policy.yaml"]))
	require.NoError(t, err, "the chart's policy does not load:\n%s", cm.Data["policy.yaml"])
	assert.Equal(t, policy.Default().Spec, p.Spec)
}

// TestChartDeploymentRunsServe checks the Deployment against what serve
// expects: its mounts, probes, shutdown timing and security context.
func TestChartDeploymentRunsServe(t *testing.T) {
	r := renderChart(t)
	var d appsv1.Deployment
	r.object(t, "Deployment", releaseName, &d)
	pod := d.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	ctr := pod.Containers[0]

	assert.Equal(t, ptr.To[int32](2), d.Spec.Replicas)
	assert.Contains(t, ctr.Args, "serve")
	assert.Contains(t, ctr.Args, "--policy-file=/etc/ballast/policy.yaml")
	assert.Contains(t, ctr.Args, "--cert-dir=/tmp/k8s-webhook-server/serving-certs")
	assert.Contains(t, ctr.Args, "--leader-elect=true")
	assert.Contains(t, ctr.Args, "--audit-interval=10m")
	assert.Contains(t, ctr.Args, "--audit-policy-reports=auto")
	mounts := map[string]string{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.Name] = m.MountPath
		assert.True(t, m.ReadOnly, m.Name)
		assert.Empty(t, m.SubPath, "%s: the kubelet never updates a subPath mount", m.Name)
	}
	assert.Equal(t, map[string]string{"policy": "/etc/ballast", "tls": "/tmp/k8s-webhook-server/serving-certs"}, mounts)

	m, v := r.webhookConfigurations(t)
	assertSameNamespaces(t, ctr.Args, m.Webhooks[0].NamespaceSelector)

	require.NotNil(t, ctr.ReadinessProbe)
	assert.Equal(t, "/readyz", ctr.ReadinessProbe.HTTPGet.Path)
	require.NotNil(t, ctr.LivenessProbe)
	assert.Equal(t, "/healthz", ctr.LivenessProbe.HTTPGet.Path)

	assertShutdownTiming(t, &d, allWebhooks(m, v))

	require.NotNil(t, pod.SecurityContext)
	assert.Equal(t, ptr.To(true), pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)
	require.NotNil(t, ctr.SecurityContext)
	assert.Equal(t, ptr.To(true), ctr.SecurityContext.ReadOnlyRootFilesystem)
	assert.Equal(t, ptr.To(false), ctr.SecurityContext.AllowPrivilegeEscalation)
	assert.Equal(t, []corev1.Capability{"ALL"}, ctr.SecurityContext.Capabilities.Drop)
	assert.NotEmpty(t, ctr.Resources.Limits.Memory().String())

	// The limits of a review, and the memory limit, which serve reads
	// from the container's own limits.memory.
	for _, arg := range []string{
		"--max-request-bytes=7Mi", "--max-containers=250", "--max-concurrent-reviews=32", "--max-concurrent-review-bytes=8Mi",
		"--memory-limit=$(BALLAST_MEMORY_LIMIT)",
	} {
		assert.Contains(t, ctr.Args, arg)
	}
	require.Len(t, ctr.Env, 1)
	assert.Equal(t, corev1.EnvVar{Name: "BALLAST_MEMORY_LIMIT", ValueFrom: &corev1.EnvVarSource{
		ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: ctr.Name, Resource: "limits.memory"},
	}}, ctr.Env[0])
	assert.Contains(t, expandArgs(ctr.Args, kubeletEnv(t, ctr)), "--memory-limit=268435456")

	t.Run("the limits follow the values", func(t *testing.T) {
		r := renderChart(t, "--set", "reviewLimits.maxRequestBytes=6291456", "--set", "reviewLimits.maxContainers=50",
			"--set", "reviewLimits.maxConcurrentReviews=8", "--set", "reviewLimits.maxConcurrentReviewBytes=64Mi")
		var d appsv1.Deployment
		r.object(t, "Deployment", releaseName, &d)
		args := d.Spec.Template.Spec.Containers[0].Args
		for _, arg := range []string{
			"--max-request-bytes=6291456", "--max-containers=50", "--max-concurrent-reviews=8", "--max-concurrent-review-bytes=64Mi",
		} {
			assert.Contains(t, args, arg, "a number of bytes without the exponent of Helm's floats")
		}
		_, err := tryRenderChart(t, "--set", "reviewLimits.maxRequestBytes=8388608")
		assert.ErrorContains(t, err, "maxRequestBytes", "the schema refuses more than 7Mi")
		_, err = tryRenderChart(t, "--set", "reviewLimits.maxConcurrentReviewBytes=lots")
		assert.ErrorContains(t, err, "maxConcurrentReviewBytes")
	})
}

// assertShutdownTiming checks that the shutdown of d's pods adds up: the
// kubelet's grace period covers the preStop sleep and Ballast's graceful
// shutdown timeout, which covers Ballast's shutdown delay and then a review
// that takes the whole timeout of any of webhooks. The delay is short: the
// preStop sleep has let the endpoints drop the pod before SIGTERM.
func assertShutdownTiming(t *testing.T, d *appsv1.Deployment, webhooks []webhookView) {
	t.Helper()
	pod := d.Spec.Template.Spec
	ctr := pod.Containers[0]
	require.NotNil(t, ctr.Lifecycle)
	require.NotNil(t, ctr.Lifecycle.PreStop)
	require.NotNil(t, ctr.Lifecycle.PreStop.Sleep, "a native sleep: the image has no sleep binary")
	sleep := time.Duration(ctr.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	flags := map[string]time.Duration{}
	for _, a := range ctr.Args {
		for _, f := range []string{"--graceful-shutdown-timeout", "--shutdown-delay"} {
			if v, ok := strings.CutPrefix(a, f+"="); ok {
				var err error
				flags[f], err = time.ParseDuration(v)
				require.NoError(t, err, a)
			}
		}
	}
	timeout, delay := flags["--graceful-shutdown-timeout"], flags["--shutdown-delay"]
	require.NotZero(t, timeout, "no --graceful-shutdown-timeout")
	require.Contains(t, flags, "--shutdown-delay")
	var review time.Duration
	for _, w := range webhooks {
		review = max(review, time.Duration(ptr.Deref(w.TimeoutSeconds, 10))*time.Second)
	}

	require.NotNil(t, pod.TerminationGracePeriodSeconds)
	assert.Greater(t, time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second, sleep+timeout,
		"the grace period covers the preStop sleep and Ballast's shutdown")
	assert.Greater(t, timeout, delay+review, "Ballast's shutdown covers its delay and a review in flight")
	assert.Less(t, delay, sleep, "the preStop sleep, not Ballast's delay, lets the endpoints drop the pod")
}

// TestChartValues renders the chart with values that change the webhook
// configurations and the certificate, and checks the result.
func TestChartValues(t *testing.T) {
	t.Run("timeouts above the caps fail the render", func(t *testing.T) {
		for _, set := range []string{"webhook.timeoutSeconds.mutating=3", "webhook.timeoutSeconds.validating=5"} {
			_, err := tryRenderChart(t, "--set", set)
			require.Error(t, err, set)
			key, value, _ := strings.Cut(set, "=")
			assert.Contains(t, err.Error(), key+" is "+value)
			assert.Contains(t, err.Error(), "lease renewals")
		}
	})

	t.Run("shutdown timing", func(t *testing.T) {
		r := renderChart(t, "--set", "shutdown.preStopSleepSeconds=20", "--set", "shutdown.delaySeconds=8",
			"--set", "shutdown.gracefulShutdownTimeoutSeconds=40")
		var d appsv1.Deployment
		r.object(t, "Deployment", releaseName, &d)
		assertShutdownTiming(t, &d, allWebhooks(r.webhookConfigurations(t)))
		assert.Equal(t, ptr.To[int64](65), d.Spec.Template.Spec.TerminationGracePeriodSeconds)
		assert.Contains(t, d.Spec.Template.Spec.Containers[0].Args, "--shutdown-delay=8s")

		_, err := tryRenderChart(t, "--set", "shutdown.delaySeconds=22")
		require.Error(t, err, "a delay that leaves no time for the reviews in flight")
		assert.Contains(t, err.Error(), "shutdown.gracefulShutdownTimeoutSeconds is 25: it must exceed shutdown.delaySeconds (22) plus the longest webhook timeout (3s)")
	})

	t.Run("failurePolicy Fail", func(t *testing.T) {
		m, v := renderChart(t, "--set", "webhook.failurePolicy=Fail").webhookConfigurations(t)
		for _, w := range allWebhooks(m, v) {
			assert.Equal(t, ptr.To(admissionregistrationv1.Fail), w.FailurePolicy, w.Name)
		}
	})

	t.Run("more excluded namespaces", func(t *testing.T) {
		r := renderChart(t, "--set", "webhook.excludeNamespaces={istio-system}",
			"--set", "webhook.namespaceSelector.matchExpressions[0].key=team",
			"--set", "webhook.namespaceSelector.matchExpressions[0].operator=Exists")
		m, v := r.webhookConfigurations(t)
		sel, err := metav1.LabelSelectorAsSelector(m.Webhooks[0].NamespaceSelector)
		require.NoError(t, err)
		assert.True(t, sel.Matches(labels.Set{corev1.LabelMetadataName: "shop", "team": "a"}))
		assert.False(t, sel.Matches(labels.Set{corev1.LabelMetadataName: "istio-system", "team": "a"}))
		assert.False(t, sel.Matches(labels.Set{corev1.LabelMetadataName: "shop"}))
		assert.Equal(t, m.Webhooks[0].NamespaceSelector, findWebhook(t, v, webhook.ValidateWorkloadsPath).NamespaceSelector)
		var d appsv1.Deployment
		r.object(t, "Deployment", releaseName, &d)
		assertSameNamespaces(t, d.Spec.Template.Spec.Containers[0].Args, m.Webhooks[0].NamespaceSelector)
	})

	t.Run("namespace labels that cannot set the mode", func(t *testing.T) {
		m, v := renderChart(t, "--set", "policy.namespaceModeLabel=false").webhookConfigurations(t)
		for _, w := range allWebhooks(m, v) {
			for _, e := range w.NamespaceSelector.MatchExpressions {
				assert.NotEqual(t, policy.ModeLabel, e.Key,
					"%s: the label means nothing when the policy ignores it, so it must not hide a namespace", w.Name)
			}
		}
	})

	t.Run("generated certificate", func(t *testing.T) {
		r := renderChart(t, "--set", "tls.mode=generate")
		m, v := r.webhookConfigurations(t)
		var secret corev1.Secret
		r.object(t, "Secret", "ballast-tls", &secret)
		for _, key := range []string{"ca.crt", "tls.crt", "tls.key"} {
			require.NotEmpty(t, secret.Data[key], key)
		}
		for _, w := range allWebhooks(m, v) {
			assert.Equal(t, secret.Data["ca.crt"], w.ClientConfig.CABundle, "%s: the caBundle is the Secret's CA", w.Name)
		}
		assert.NotContains(t, m.Annotations, "cert-manager.io/inject-ca-from")

		pool := x509.NewCertPool()
		require.True(t, pool.AppendCertsFromPEM(secret.Data["ca.crt"]))
		block, _ := pem.Decode(secret.Data["tls.crt"])
		require.NotNil(t, block)
		cert, err := x509.ParseCertificate(block.Bytes)
		require.NoError(t, err)
		_, err = cert.Verify(x509.VerifyOptions{
			DNSName: "ballast." + releaseNamespace + ".svc", Roots: pool,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		})
		assert.NoError(t, err, "the certificate is valid for the Service's name")
	})

	t.Run("existing secret", func(t *testing.T) {
		_, err := tryRenderChart(t, "--set", "tls.mode=secret")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "tls.secret")

		caBundle := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\n"))
		r := renderChart(t, "--set", "tls.mode=secret", "--set", "tls.secret.name=corp-tls", "--set", "tls.secret.caBundle="+caBundle)
		m, v := r.webhookConfigurations(t)
		for _, w := range allWebhooks(m, v) {
			assert.Equal(t, "-----BEGIN CERTIFICATE-----\n", string(w.ClientConfig.CABundle), w.Name)
		}
		var d appsv1.Deployment
		r.object(t, "Deployment", releaseName, &d)
		assert.True(t, slices.ContainsFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool {
			return v.Secret != nil && v.Secret.SecretName == "corp-tls"
		}))
	})
}

// TestChartDeploymentReliability checks what keeps Ballast's own webhook up
// through drains, rollouts and noisy neighbours, with the default values
// and with the values that change it.
func TestChartDeploymentReliability(t *testing.T) {
	var d appsv1.Deployment
	renderChart(t).object(t, "Deployment", releaseName, &d)
	pod := d.Spec.Template.Spec
	ctr := pod.Containers[0]

	assert.Equal(t, intstr.FromInt32(0), *d.Spec.Strategy.RollingUpdate.MaxUnavailable, "a rollout never runs below replicaCount")
	require.Len(t, pod.TopologySpreadConstraints, 2, "spread over nodes and zones by default")
	for _, c := range pod.TopologySpreadConstraints {
		assert.Equal(t, corev1.ScheduleAnyway, c.WhenUnsatisfiable, "%s: a small cluster never leaves a replica Pending", c.TopologyKey)
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		require.NoError(t, err)
		assert.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "%s: spreads Ballast's own pods", c.TopologyKey)
	}
	assert.ElementsMatch(t, []string{corev1.LabelHostname, corev1.LabelTopologyZone},
		[]string{pod.TopologySpreadConstraints[0].TopologyKey, pod.TopologySpreadConstraints[1].TopologyKey})
	assert.Empty(t, pod.PriorityClassName)
	assert.Equal(t, ptr.To(false), pod.EnableServiceLinks)
	assert.Equal(t, corev1.TerminationMessageFallbackToLogsOnError, ctr.TerminationMessagePolicy)
	assert.False(t, ctr.Resources.Requests.Cpu().IsZero(), "a CPU request")
	assert.False(t, ctr.Resources.Requests.Memory().IsZero(), "a memory request")
	assert.True(t, ctr.Resources.Limits.Cpu().IsZero(), "no CPU limit: throttling a webhook makes it time out")
	assert.False(t, ptr.Deref(ctr.SecurityContext.Privileged, false), "not privileged")

	t.Run("values", func(t *testing.T) {
		var d appsv1.Deployment
		renderChart(t, "--set", "priorityClassName=system-cluster-critical",
			"--set", "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey=kubernetes.io/hostname",
			"--set", "affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app\\.kubernetes\\.io/name=ballast",
			"--set", "topologySpreadConstraints[0].maxSkew=1",
			"--set", "topologySpreadConstraints[0].topologyKey=kubernetes.io/hostname",
			"--set", "topologySpreadConstraints[0].whenUnsatisfiable=DoNotSchedule",
			"--set", "topologySpreadConstraints[0].labelSelector.matchLabels.app\\.kubernetes\\.io/name=ballast",
		).object(t, "Deployment", releaseName, &d)
		pod := d.Spec.Template.Spec
		assert.Equal(t, "system-cluster-critical", pod.PriorityClassName)
		require.NotNil(t, pod.Affinity)
		require.NotNil(t, pod.Affinity.PodAntiAffinity)
		assert.Len(t, pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, 1)
		require.Len(t, pod.TopologySpreadConstraints, 1, "the values replace the default spread")
		assert.Equal(t, corev1.DoNotSchedule, pod.TopologySpreadConstraints[0].WhenUnsatisfiable)
	})

	t.Run("leader election off needs a single replica", func(t *testing.T) {
		_, err := tryRenderChart(t, "--set", "leaderElection.enabled=false")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "leaderElection.enabled is false with replicaCount 2")
		var d appsv1.Deployment
		renderChart(t, "--set", "leaderElection.enabled=false", "--set", "replicaCount=1").object(t, "Deployment", releaseName, &d)
		assert.Contains(t, d.Spec.Template.Spec.Containers[0].Args, "--leader-elect=false")
	})
}

// TestChartPodDisruptionBudget checks that the chart's own budget is
// rendered exactly while it allows an eviction, the disruption
// controller's rounding included, so that it never blocks a node drain.
func TestChartPodDisruptionBudget(t *testing.T) {
	tests := map[string]struct {
		replicas int
		set      []string
		// want is the budget's minAvailable or maxUnavailable; nil means
		// no budget.
		wantMin, wantMax *intstr.IntOrString
	}{
		"the default":                        {replicas: 2, wantMax: ptr.To(intstr.FromInt32(1))},
		"one replica":                        {replicas: 1},
		"disabled":                           {replicas: 2, set: []string{"podDisruptionBudget.enabled=false"}},
		"minAvailable below the replicas":    {replicas: 3, set: []string{"podDisruptionBudget.minAvailable=2"}, wantMin: ptr.To(intstr.FromInt32(2))},
		"minAvailable equal to the replicas": {replicas: 2, set: []string{"podDisruptionBudget.minAvailable=2"}},
		"a percentage that leaves one pod":   {replicas: 3, set: []string{"podDisruptionBudget.minAvailable=66%"}, wantMin: ptr.To(intstr.FromString("66%"))},
		"a percentage that rounds up to all": {replicas: 3, set: []string{"podDisruptionBudget.minAvailable=67%"}},
		"maxUnavailable as a percentage":     {replicas: 4, set: []string{"podDisruptionBudget.maxUnavailable=25%"}, wantMax: ptr.To(intstr.FromString("25%"))},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := []string{"--set", "replicaCount=" + strconv.Itoa(tc.replicas)}
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			r := renderChart(t, args...)
			budgets := r.ofKind("PodDisruptionBudget")
			if tc.wantMin == nil && tc.wantMax == nil {
				assert.Empty(t, budgets, "a budget that allows no eviction blocks every node drain")
				return
			}
			require.Len(t, budgets, 1)
			var pdb policyv1.PodDisruptionBudget
			r.object(t, "PodDisruptionBudget", releaseName, &pdb)
			assert.Equal(t, tc.wantMin, pdb.Spec.MinAvailable)
			assert.Equal(t, tc.wantMax, pdb.Spec.MaxUnavailable)
			// As the disruption controller computes it.
			var allowed int
			if pdb.Spec.MinAvailable != nil {
				minPods, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, tc.replicas, true)
				require.NoError(t, err)
				allowed = tc.replicas - minPods
			} else {
				var err error
				allowed, err = intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, tc.replicas, true)
				require.NoError(t, err)
			}
			assert.Positive(t, allowed, "the budget allows an eviction")

			var d appsv1.Deployment
			r.object(t, "Deployment", releaseName, &d)
			sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
			require.NoError(t, err)
			assert.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "the budget covers Ballast's pods")
		})
	}
}

// TestChartValuesSchema checks that values.schema.json turns a misspelt key
// or a wrong type into a failure of helm template and of helm lint, with a
// message that names the key.
func TestChartValuesSchema(t *testing.T) {
	typo := filepath.Join(t.TempDir(), "typo-values.yaml")
	require.NoError(t, os.WriteFile(typo, []byte("serviceMonitor:\n  enable: true\n"), 0o600))
	tests := map[string]struct {
		args []string
		want string
	}{
		"a misspelt top-level key":            {[]string{"--set", "replicaCont=3"}, "additional properties 'replicaCont' not allowed"},
		"a misspelt nested key":               {[]string{"--set", "webhook.failurePolicyy=Fail"}, "at '/webhook': additional properties 'failurePolicyy' not allowed"},
		"a misspelt key in a values file":     {[]string{"-f", typo}, "at '/serviceMonitor': additional properties 'enable' not allowed"},
		"a string for an integer":             {[]string{"--set", "replicaCount=two"}, "at '/replicaCount': got string, want integer"},
		"a string for a boolean":              {[]string{"--set-string", "metrics.enabled=yes"}, "at '/metrics/enabled': got string, want boolean"},
		"a string for a rule's minimum":       {[]string{"--set", "policy.rules.min-replicas.minimum=two"}, "/policy/rules/min-replicas/minimum"},
		"a mode that does not exist":          {[]string{"--set", "policy.mode=audit"}, "/policy/mode"},
		"a TLS mode that does not exist":      {[]string{"--set", "tls.mode=vault"}, "/tls/mode"},
		"an alert that does not exist":        {[]string{"--set", "prometheusRule.disabled={BallastNope}"}, "/prometheusRule/disabled/0"},
		"a percentage budget of 100%":         {[]string{"--set", "podDisruptionBudget.minAvailable=100%"}, "/podDisruptionBudget/minAvailable"},
		"a latency threshold past timeouts":   {[]string{"--set", "prometheusRule.webhookLatencySeconds=5"}, "/prometheusRule/webhookLatencySeconds"},
		"a metrics port taken by the webhook": {[]string{"--set", "metrics.port=9443"}, "/metrics/port"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := tryRenderChart(t, tc.args...)
			require.Error(t, err, "helm template accepts %v", tc.args)
			assert.Contains(t, err.Error(), tc.want)

			lint := exec.CommandContext(t.Context(), helmBinary(t), append([]string{
				"lint", "--strict", chartDir(t), "--kube-version", kubeVersion}, tc.args...)...)
			out, err := lint.CombinedOutput()
			require.Error(t, err, "helm lint accepts %v:\n%s", tc.args, out)
			assert.Contains(t, string(out), tc.want)
		})
	}
}

// TestChartLints runs helm lint --strict with the default values and with
// each variant, as make helm-lint does.
func TestChartLints(t *testing.T) {
	lint := func(t *testing.T, args ...string) {
		out, err := exec.CommandContext(t.Context(), helmBinary(t), append([]string{
			"lint", "--strict", chartDir(t), "--kube-version", kubeVersion}, args...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.Contains(t, string(out), "0 chart(s) failed")
	}
	t.Run("defaults", func(t *testing.T) { lint(t) })
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) { lint(t, "-f", v.file) })
	}
}

// TestChartVariants renders each variant and decodes every object
// strictly into its Go type: a misspelt or misplaced field in a template
// fails here, before any API server sees it. The variants together render
// every template of the chart.
func TestChartVariants(t *testing.T) {
	templates, err := filepath.Glob(filepath.Join(chartDir(t), "templates", "*.yaml"))
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, v := range variants(t) {
		t.Run(v.name, func(t *testing.T) {
			r := renderChart(t, "-f", v.file)
			for _, u := range r {
				gvk := u.GroupVersionKind()
				switch gvk.Group {
				case monitoringGroup:
					decodeMonitoring(t, u)
				default:
					obj, err := strictScheme.New(gvk)
					require.NoError(t, err, "%s %s: a kind the chart may render", gvk, u.GetName())
					require.NoError(t, runtimeFromUnstructured(u, obj), "%s %s", gvk.Kind, u.GetName())
				}
				require.NotEmpty(t, u.GetLabels()["app.kubernetes.io/instance"], "%s %s: the release's labels", gvk.Kind, u.GetName())
			}
			out, err := helmOutput(t, "template", releaseName, chartDir(t), "--namespace", releaseNamespace,
				"--kube-version", kubeVersion, "-f", v.file)
			require.NoError(t, err)
			for _, line := range strings.Split(string(out), "\n") {
				if src, ok := strings.CutPrefix(line, "# Source: ballast/templates/"); ok {
					seen[src] = true
				}
			}
		})
	}
	for _, tpl := range templates {
		assert.True(t, seen[filepath.Base(tpl)], "no variant in charts/ballast/ci renders %s", filepath.Base(tpl))
	}
}

// TestChartRBAC checks the chart's RBAC rule by rule: it grants what the
// webhook's caches, the PodDisruptionBudget reconciler (docs/pdb.md), the
// periodic audit (docs/audit.md) and leader election need, only while they
// run, and nothing else. TestChartOnAnAPIServer runs `ballast serve` with
// exactly these permissions.
func TestChartRBAC(t *testing.T) {
	read := []string{"get", "list", "watch"}
	cluster := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: read},
		// Which pod ports a Service routes traffic to, and so where a
		// readiness probe belongs (docs/pod-defaults.md).
		{APIGroups: []string{""}, Resources: []string{"services"}, Verbs: read},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets"}, Verbs: read},
		{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: read},
		{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"get", "list", "watch", "create", "update", "delete"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments/finalizers", "statefulsets/finalizers"}, Verbs: []string{"update"}},
		{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}
	audit := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "replicationcontrollers"}, Verbs: []string{"list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets"}, Verbs: []string{"list"}},
	}
	keep := []string{"get", "list", "create", "update", "delete"}
	openReports := []rbacv1.PolicyRule{{APIGroups: []string{"openreports.io"}, Resources: []string{"reports"}, Verbs: keep}}
	wgPolicy := []rbacv1.PolicyRule{{APIGroups: []string{"wgpolicyk8s.io"}, Resources: []string{"policyreports"}, Verbs: keep}}
	leaderElection := []rbacv1.PolicyRule{
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{server.LeaderElectionID}, Verbs: []string{"get", "update"}},
		{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
	}
	tests := map[string]struct {
		set                []string
		wantCluster        []rbacv1.PolicyRule
		wantRole           []rbacv1.PolicyRule
		wantServiceAccount string
	}{
		"the defaults": {
			wantCluster: slices.Concat(cluster, audit, openReports, wgPolicy), wantRole: leaderElection, wantServiceAccount: "ballast",
		},
		"policy reports in the OpenReports API": {
			set:         []string{"audit.policyReports=openreports"},
			wantCluster: slices.Concat(cluster, audit, openReports), wantRole: leaderElection, wantServiceAccount: "ballast",
		},
		"policy reports in the wgpolicyk8s.io API": {
			set:         []string{"audit.policyReports=wgpolicyk8s"},
			wantCluster: slices.Concat(cluster, audit, wgPolicy), wantRole: leaderElection, wantServiceAccount: "ballast",
		},
		"no policy reports": {
			set:         []string{"audit.policyReports=none"},
			wantCluster: slices.Concat(cluster, audit), wantRole: leaderElection, wantServiceAccount: "ballast",
		},
		"without the audit":       {set: []string{"audit.interval=0"}, wantCluster: cluster, wantRole: leaderElection, wantServiceAccount: "ballast"},
		"an audit interval of 0s": {set: []string{"audit.interval=0s"}, wantCluster: cluster, wantRole: leaderElection, wantServiceAccount: "ballast"},
		"without leader election": {
			set:         []string{"leaderElection.enabled=false", "replicaCount=1"},
			wantCluster: slices.Concat(cluster, audit, openReports, wgPolicy), wantServiceAccount: "ballast",
		},
		"an existing ServiceAccount": {
			set:         []string{"serviceAccount.create=false", "serviceAccount.name=platform-ballast"},
			wantCluster: slices.Concat(cluster, audit, openReports, wgPolicy), wantRole: leaderElection, wantServiceAccount: "platform-ballast",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var args []string
			for _, s := range tc.set {
				args = append(args, "--set", s)
			}
			r := renderChart(t, args...)
			var cr rbacv1.ClusterRole
			r.object(t, "ClusterRole", releaseName, &cr)
			assert.ElementsMatch(t, permissions(tc.wantCluster), permissions(cr.Rules))
			var crb rbacv1.ClusterRoleBinding
			r.object(t, "ClusterRoleBinding", releaseName, &crb)
			assert.Equal(t, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: cr.Name}, crb.RoleRef)
			assert.Equal(t, []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: tc.wantServiceAccount, Namespace: releaseNamespace}}, crb.Subjects)

			if tc.wantRole == nil {
				assert.NotContains(t, r.kinds(), "Role")
				assert.NotContains(t, r.kinds(), "RoleBinding")
			} else {
				var role rbacv1.Role
				r.object(t, "Role", releaseName, &role)
				assert.Equal(t, releaseNamespace, role.Namespace)
				assert.ElementsMatch(t, permissions(tc.wantRole), permissions(role.Rules))
				var rb rbacv1.RoleBinding
				r.object(t, "RoleBinding", releaseName, &rb)
				assert.Equal(t, rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name}, rb.RoleRef)
				assert.Equal(t, []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: tc.wantServiceAccount, Namespace: releaseNamespace}}, rb.Subjects)
			}
			if slices.Contains(tc.set, "serviceAccount.create=false") {
				assert.NotContains(t, r.kinds(), "ServiceAccount")
			} else {
				var sa corev1.ServiceAccount
				r.object(t, "ServiceAccount", tc.wantServiceAccount, &sa)
				var d appsv1.Deployment
				r.object(t, "Deployment", releaseName, &d)
				assert.Equal(t, sa.Name, d.Spec.Template.Spec.ServiceAccountName)
			}
		})
	}

	t.Run("the caches can read what the handlers read", func(t *testing.T) {
		var cr rbacv1.ClusterRole
		renderChart(t).object(t, "ClusterRole", releaseName, &cr)
		granted := permissions(cr.Rules)
		for _, obj := range webhook.CachedObjects() {
			gvks, _, err := clientgoscheme.Scheme.ObjectKinds(obj)
			require.NoError(t, err)
			resource, _ := meta.UnsafeGuessKindToResource(gvks[0])
			for _, verb := range read {
				assert.Contains(t, granted, permission(resource.Group, resource.Resource, verb, ""))
			}
		}
	})
}

// permissions expands RBAC rules into one "group/resource verb [name]"
// string per permission.
func permissions(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		names := r.ResourceNames
		if len(names) == 0 {
			names = []string{""}
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					for _, n := range names {
						out = append(out, permission(g, res, v, n))
					}
				}
			}
		}
	}
	return out
}

func permission(group, resource, verb, name string) string {
	return strings.TrimSpace(group + "/" + resource + " " + verb + " " + name)
}

// checkReport is what the tests read of `ballast check -o json`.
type checkReport struct {
	Objects []struct {
		Kind     string `json:"kind"`
		Name     string `json:"name"`
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
		Mutations []json.RawMessage `json:"mutations"`
	} `json:"objects"`
	Summary struct {
		Evaluated int `json:"evaluated"`
		Errors    int `json:"errors"`
	} `json:"summary"`
}

// TestChartPassesBallastCheck judges Ballast's own manifests, every
// variant, with `ballast check --mode enforce`: Ballast must keep the rules
// it enforces on everyone else. Only a variant that runs a single replica
// breaks one, min-replicas, and says so.
func TestChartPassesBallastCheck(t *testing.T) {
	bin := ballastBinary(t)
	for _, v := range append([]variant{{name: "no values"}}, variants(t)...) {
		t.Run(v.name, func(t *testing.T) {
			args := []string{"template", releaseName, chartDir(t), "--namespace", releaseNamespace, "--kube-version", kubeVersion}
			if v.file != "" {
				args = append(args, "-f", v.file)
			}
			manifests, err := helmOutput(t, args...)
			require.NoError(t, err)
			r, err := decodeManifests(manifests)
			require.NoError(t, err)
			var d appsv1.Deployment
			r.object(t, "Deployment", releaseName, &d)

			cmd := exec.CommandContext(t.Context(), bin, "check", "-f", "-", "--mode", "enforce", "-o", "json")
			cmd.Stdin = bytes.NewReader(manifests)
			out, err := cmd.Output()
			var report checkReport
			require.NoError(t, json.Unmarshal(out, &report), "ballast check: %v\n%s", err, out)
			assert.Zero(t, report.Summary.Errors)
			assert.GreaterOrEqual(t, report.Summary.Evaluated, 1, "the Deployment is judged")

			var findings []string
			for _, o := range report.Objects {
				for _, f := range o.Findings {
					findings = append(findings, o.Kind+"/"+o.Name+" "+f.Rule)
				}
				assert.Empty(t, o.Mutations, "%s %s: the pods need no defaults", o.Kind, o.Name)
			}
			if ptr.Deref(d.Spec.Replicas, 1) < 2 {
				assert.Equal(t, []string{"Deployment/" + releaseName + " min-replicas"}, findings)
				var exit *exec.ExitError
				require.ErrorAs(t, err, &exit)
				assert.Equal(t, 1, exit.ExitCode(), "check exits 1 on a denial")
				return
			}
			assert.Empty(t, findings)
			assert.NoError(t, err, "check exits 0")
		})
	}
}

// assertExcludes checks that sel excludes the system namespaces by name
// and, when modeOff, the namespaces labelled ballast.dev/mode=off.
func assertExcludes(t *testing.T, sel *metav1.LabelSelector, modeOff bool) {
	t.Helper()
	require.NotNil(t, sel)
	var names []string
	var off bool
	for _, e := range sel.MatchExpressions {
		switch {
		case e.Key == corev1.LabelMetadataName && e.Operator == metav1.LabelSelectorOpNotIn:
			names = append(names, e.Values...)
		case e.Key == policy.ModeLabel && e.Operator == metav1.LabelSelectorOpNotIn && slices.Contains(e.Values, string(policy.ModeOff)):
			off = true
		}
	}
	assert.Subset(t, names, systemNamespaces)
	assert.Equal(t, modeOff, off, "excludes namespaces labelled %s=off", policy.ModeLabel)
}

// assertSameNamespaces checks that the --namespace-selector of args, the
// namespaces whose PodDisruptionBudgets Ballast keeps, is want, the
// webhooks' namespaceSelector.
func assertSameNamespaces(t *testing.T, args []string, want *metav1.LabelSelector) {
	t.Helper()
	wantSel, err := metav1.LabelSelectorAsSelector(want)
	require.NoError(t, err)
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--namespace-selector="); ok {
			got, err := labels.Parse(v)
			require.NoError(t, err)
			assert.Equal(t, wantSel.String(), got.String())
			return
		}
	}
	require.Fail(t, "no --namespace-selector", "args: %q", args)
}

// TestInstallDocListsEveryValue checks that the values reference of
// docs/install.md has a row for every value of values.yaml.
func TestInstallDocListsEveryValue(t *testing.T) {
	var values map[string]any
	require.NoError(t, yaml.Unmarshal(readRepoFile(t, "charts/ballast/values.yaml"), &values))
	doc := string(readRepoFile(t, "docs/install.md"))
	// Documented as a whole: policy has docs/policy.md.
	whole := map[string]bool{"resources": true, "policy": true}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		if m, ok := v.(map[string]any); ok && len(m) > 0 && !whole[key] {
			for k, child := range m {
				walk(key+"."+k, child)
			}
			return
		}
		assert.Contains(t, doc, "| `"+key+"` |", "docs/install.md#values has no row for %s", key)
	}
	for k, v := range values {
		walk(k, v)
	}
}
