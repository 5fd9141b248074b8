package server_test

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/webhook"
)

// releaseNamespace is the namespace the chart is rendered for.
const releaseNamespace = "ballast-system"

// systemNamespaces are the namespaces no webhook may ever see.
var systemNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", releaseNamespace}

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
			assert.Equal(t, ptr.To(admissionregistrationv1.Ignore), w.FailurePolicy, "%s: fail open by default", w.Name)
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
			"apps/v1":        {"deployments", "statefulsets", "daemonsets"},
			"autoscaling/v2": {"horizontalpodautoscalers"},
			"policy/v1":      {"poddisruptionbudgets"},
		}
		got := map[string][]string{}
		for _, r := range w.Rules {
			assert.ElementsMatch(t, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}, r.Operations)
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
		assert.Equal(t, []string{"namespaces"}, w.Rules[0].Resources)
		assert.ElementsMatch(t, []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}, w.Rules[0].Operations)
		require.NotNil(t, w.TimeoutSeconds)
		assert.LessOrEqual(t, *w.TimeoutSeconds, int32(3))
		// It must see namespaces labelled off, or a namespace once off
		// could be relabelled by anyone.
		assertExcludes(t, w.NamespaceSelector, false)
	})
}

// TestChartWebhookConfigurationsOnAnAPIServer installs the rendered webhook
// configurations in a real API server, pointed at a recorder, and checks
// which requests the API server sends: the namespace selectors and the
// match conditions as the API server evaluates them.
func TestChartWebhookConfigurationsOnAnAPIServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	r := renderChart(t)
	mutating, validating := r.webhookConfigurations(t)
	cp := controlplane.Start(t, controlplane.Options{})
	ctx := t.Context()
	c := cp.Client

	rec := newReviewRecorder(t)
	for i := range mutating.Webhooks {
		rec.pointAt(&mutating.Webhooks[i].ClientConfig)
	}
	for i := range validating.Webhooks {
		rec.pointAt(&validating.Webhooks[i].ClientConfig)
	}
	require.NoError(t, c.Create(ctx, mutating), "the API server rejects the MutatingWebhookConfiguration")
	require.NoError(t, c.Create(ctx, validating), "the API server rejects the ValidatingWebhookConfiguration")

	// The API server picks up webhook configurations asynchronously.
	require.Eventually(t, func() bool {
		ns := cp.CreateNamespace(t, "probe", map[string]string{"ballast.dev/mode": "warn"})
		return rec.saw(webhook.ValidateNamespacesPath, ns.Name)
	}, 30*time.Second, 200*time.Millisecond, "the webhook configurations never take effect")

	tenant := cp.CreateNamespace(t, "tenant", nil)
	off := cp.CreateNamespace(t, "off", map[string]string{"ballast.dev/mode": "off"})
	relabelled := cp.CreateNamespace(t, "relabelled", map[string]string{"ballast.dev/mode": "off"})
	require.NoError(t, c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: releaseNamespace}}))

	owned := func(ns, name string, annotations map[string]string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: ns, Annotations: annotations,
				OwnerReferences: []metav1.OwnerReference{{
					APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-abc", UID: "00000000-0000-0000-0000-000000000001",
					Controller: ptr.To(true),
				}},
			},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}}},
		}
	}
	bare := owned(tenant.Name, "bare", nil)
	bare.OwnerReferences = nil
	deployment := func(ns string) *appsv1.Deployment {
		labels := map[string]string{"app": "web"}
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "registry.example/web:1.0"}}},
				},
			},
		}
	}

	for _, tc := range []struct {
		name   string
		create func() error
		path   string
		key    string
		want   bool
	}{{
		name:   "a pod a controller creates in a tenant namespace",
		create: func() error { return c.Create(ctx, owned(tenant.Name, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: tenant.Name + "/owned", want: true,
	}, {
		name:   "a bare pod",
		create: func() error { return c.Create(ctx, bare) },
		path:   webhook.MutatePodsPath, key: tenant.Name + "/bare",
	}, {
		name: "a mirror pod",
		create: func() error {
			mirror := owned(tenant.Name, "mirror", map[string]string{"kubernetes.io/config.mirror": "abc"})
			mirror.Spec.NodeName = "node-1" // the kubelet's node; required of a mirror pod
			return c.Create(ctx, mirror)
		},
		path: webhook.MutatePodsPath, key: tenant.Name + "/mirror",
	}, {
		name:   "a pod in a namespace labelled off",
		create: func() error { return c.Create(ctx, owned(off.Name, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: off.Name + "/owned",
	}, {
		name:   "a pod in kube-system",
		create: func() error { return c.Create(ctx, owned("kube-system", "owned", nil)) },
		path:   webhook.MutatePodsPath, key: "kube-system/owned",
	}, {
		name:   "a pod in Ballast's namespace",
		create: func() error { return c.Create(ctx, owned(releaseNamespace, "owned", nil)) },
		path:   webhook.MutatePodsPath, key: releaseNamespace + "/owned",
	}, {
		name:   "a deployment in a tenant namespace",
		create: func() error { return c.Create(ctx, deployment(tenant.Name)) },
		path:   webhook.ValidateWorkloadsPath, key: tenant.Name + "/web", want: true,
	}, {
		name:   "a deployment in a namespace labelled off",
		create: func() error { return c.Create(ctx, deployment(off.Name)) },
		path:   webhook.ValidateWorkloadsPath, key: off.Name + "/web",
	}, {
		name: "a namespace without ballast.dev/ keys",
		create: func() error {
			return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "plain", Labels: map[string]string{"team": "a"}}})
		},
		path: webhook.ValidateNamespacesPath, key: "plain",
	}, {
		name: "removing the off label of a namespace",
		create: func() error {
			ns := relabelled.DeepCopy()
			delete(ns.Labels, "ballast.dev/mode")
			return c.Update(ctx, ns)
		},
		path: webhook.ValidateNamespacesPath, key: relabelled.Name, want: true,
	}, {
		name: "an annotation under ballast.dev/",
		create: func() error {
			ns := tenant.DeepCopy()
			ns.Annotations = map[string]string{"ballast.dev/owner": "team-a"}
			return c.Update(ctx, ns)
		},
		path: webhook.ValidateNamespacesPath, key: tenant.Name, want: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, tc.create())
			// The requests are synchronous: a request the webhook was
			// called for is recorded by the time Create returns.
			assert.Equal(t, tc.want, rec.saw(tc.path, tc.key))
		})
	}
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
	r.object(t, "Deployment", "ballast", &d)
	pod := d.Spec.Template.Spec
	require.Len(t, pod.Containers, 1)
	ctr := pod.Containers[0]

	assert.Equal(t, ptr.To[int32](2), d.Spec.Replicas)
	assert.Contains(t, ctr.Args, "serve")
	assert.Contains(t, ctr.Args, "--policy-file=/etc/ballast/policy.yaml")
	assert.Contains(t, ctr.Args, "--cert-dir=/tmp/k8s-webhook-server/serving-certs")
	assert.Contains(t, ctr.Args, "--leader-elect=true")
	assert.Contains(t, ctr.Args, "--audit-interval=10m")
	mounts := map[string]string{}
	for _, m := range ctr.VolumeMounts {
		mounts[m.Name] = m.MountPath
		assert.True(t, m.ReadOnly, m.Name)
		assert.Empty(t, m.SubPath, "%s: the kubelet never updates a subPath mount", m.Name)
	}
	assert.Equal(t, map[string]string{"policy": "/etc/ballast", "tls": "/tmp/k8s-webhook-server/serving-certs"}, mounts)

	m, _ := r.webhookConfigurations(t)
	assertSameNamespaces(t, ctr.Args, m.Webhooks[0].NamespaceSelector)

	require.NotNil(t, ctr.ReadinessProbe)
	assert.Equal(t, "/readyz", ctr.ReadinessProbe.HTTPGet.Path)
	require.NotNil(t, ctr.LivenessProbe)
	assert.Equal(t, "/healthz", ctr.LivenessProbe.HTTPGet.Path)

	require.NotNil(t, ctr.Lifecycle)
	require.NotNil(t, ctr.Lifecycle.PreStop)
	require.NotNil(t, ctr.Lifecycle.PreStop.Sleep, "a native sleep: the image has no sleep binary")
	sleep := ctr.Lifecycle.PreStop.Sleep.Seconds
	var drain time.Duration
	for _, a := range ctr.Args {
		if v, ok := strings.CutPrefix(a, "--graceful-shutdown-timeout="); ok {
			var err error
			drain, err = time.ParseDuration(v)
			require.NoError(t, err)
		}
	}
	require.NotZero(t, drain)
	require.NotNil(t, pod.TerminationGracePeriodSeconds)
	assert.Greater(t, time.Duration(*pod.TerminationGracePeriodSeconds)*time.Second, time.Duration(sleep)*time.Second+drain,
		"the grace period covers the preStop sleep and the drain")

	require.NotNil(t, pod.SecurityContext)
	assert.Equal(t, ptr.To(true), pod.SecurityContext.RunAsNonRoot)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SecurityContext.SeccompProfile.Type)
	require.NotNil(t, ctr.SecurityContext)
	assert.Equal(t, ptr.To(true), ctr.SecurityContext.ReadOnlyRootFilesystem)
	assert.Equal(t, ptr.To(false), ctr.SecurityContext.AllowPrivilegeEscalation)
	assert.Equal(t, []corev1.Capability{"ALL"}, ctr.SecurityContext.Capabilities.Drop)
	assert.NotEmpty(t, ctr.Resources.Limits.Memory().String())
}

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

	t.Run("the schema rejects a misspelt key and a wrong type", func(t *testing.T) {
		_, err := tryRenderChart(t, "--set", "webhook.failurePolicyy=Fail")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "failurePolicyy")
		_, err = tryRenderChart(t, "--set", "policy.rules.min-replicas.minimum=two")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "/policy/rules/min-replicas/minimum")
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
		r.object(t, "Deployment", "ballast", &d)
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
		r.object(t, "Deployment", "ballast", &d)
		assert.True(t, slices.ContainsFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool {
			return v.Secret != nil && v.Secret.SecretName == "corp-tls"
		}))
	})

	t.Run("one replica has no PodDisruptionBudget", func(t *testing.T) {
		assert.NotContains(t, renderChart(t, "--set", "replicaCount=1").kinds(), "PodDisruptionBudget",
			"a PodDisruptionBudget over one replica blocks every node drain")
		assert.Contains(t, renderChart(t).kinds(), "PodDisruptionBudget")
	})
}

func TestChartLints(t *testing.T) {
	out, err := exec.Command(helmBinary(t), "lint", "--strict", chartDir(t), "--kube-version", "1.37.0").CombinedOutput()
	require.NoError(t, err, "%s", out)
}

// rendered is the output of helm template, one object per document.
type rendered []*unstructured.Unstructured

// renderChart renders the chart as the release "ballast" in
// releaseNamespace with the extra helm arguments.
func renderChart(t *testing.T, args ...string) rendered {
	t.Helper()
	r, err := tryRenderChart(t, args...)
	require.NoError(t, err)
	return r
}

func tryRenderChart(t *testing.T, args ...string) (rendered, error) {
	t.Helper()
	cmd := exec.Command(helmBinary(t), append([]string{
		"template", "ballast", chartDir(t), "--namespace", releaseNamespace, "--kube-version", "1.37.0",
	}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("helm template: %w: %s", err, stderr.String())
	}
	var out rendered
	dec := utilyaml.NewYAMLOrJSONDecoder(&stdout, 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("decoding helm's output: %w", err)
		}
		if obj != nil {
			out = append(out, &unstructured.Unstructured{Object: obj})
		}
	}
}

// object converts the rendered object of kind and name into into.
func (r rendered) object(t *testing.T, kind, name string, into any) {
	t.Helper()
	for _, u := range r {
		if u.GetKind() == kind && u.GetName() == name {
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into))
			return
		}
	}
	require.Failf(t, "object not rendered", "%s %s", kind, name)
}

func (r rendered) kinds() []string {
	var kinds []string
	for _, u := range r {
		kinds = append(kinds, u.GetKind())
	}
	return kinds
}

func (r rendered) webhookConfigurations(t *testing.T) (*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.ValidatingWebhookConfiguration) {
	t.Helper()
	var m admissionregistrationv1.MutatingWebhookConfiguration
	var v admissionregistrationv1.ValidatingWebhookConfiguration
	r.object(t, "MutatingWebhookConfiguration", "ballast", &m)
	r.object(t, "ValidatingWebhookConfiguration", "ballast", &v)
	return &m, &v
}

// webhookView is what the checks read of a mutating or a validating
// webhook.
type webhookView struct {
	Name                    string
	ClientConfig            admissionregistrationv1.WebhookClientConfig
	Rules                   []admissionregistrationv1.RuleWithOperations
	FailurePolicy           *admissionregistrationv1.FailurePolicyType
	MatchPolicy             *admissionregistrationv1.MatchPolicyType
	NamespaceSelector       *metav1.LabelSelector
	SideEffects             *admissionregistrationv1.SideEffectClass
	TimeoutSeconds          *int32
	AdmissionReviewVersions []string
	MatchConditions         []admissionregistrationv1.MatchCondition
	ReinvocationPolicy      *admissionregistrationv1.ReinvocationPolicyType
}

func allWebhooks(m *admissionregistrationv1.MutatingWebhookConfiguration, v *admissionregistrationv1.ValidatingWebhookConfiguration) []webhookView {
	var out []webhookView
	for _, w := range m.Webhooks {
		out = append(out, webhookView{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, w.ReinvocationPolicy})
	}
	for _, w := range v.Webhooks {
		out = append(out, webhookView{w.Name, w.ClientConfig, w.Rules, w.FailurePolicy, w.MatchPolicy, w.NamespaceSelector,
			w.SideEffects, w.TimeoutSeconds, w.AdmissionReviewVersions, w.MatchConditions, nil})
	}
	return out
}

func findWebhook(t *testing.T, v *admissionregistrationv1.ValidatingWebhookConfiguration, path string) admissionregistrationv1.ValidatingWebhook {
	t.Helper()
	for _, w := range v.Webhooks {
		if w.ClientConfig.Service != nil && ptr.Deref(w.ClientConfig.Service.Path, "") == path {
			return w
		}
	}
	require.Failf(t, "no webhook", "no validating webhook serves %s", path)
	return admissionregistrationv1.ValidatingWebhook{}
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

// helmBinary returns the helm to run: $HELM, else bin/helm of the
// repository. It skips the test when there is none, unless
// BALLAST_REQUIRE_ENVTEST=1, which makes it fail.
func helmBinary(t *testing.T) string {
	t.Helper()
	path := os.Getenv("HELM")
	if path == "" {
		path = filepath.Join(repoRoot(t), "bin", "helm")
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("helm not found at %s (set HELM, or run `make helm`): %v", path, err)
		if os.Getenv("BALLAST_REQUIRE_ENVTEST") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

func chartDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "charts", "ballast")
}

// repoRoot returns the nearest directory above the working directory that
// holds a go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "no go.mod above the working directory")
		dir = parent
	}
}

// reviewRecorder is an HTTPS admission webhook that allows everything and
// records what it was asked, by path and "namespace/name".
type reviewRecorder struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen map[string]bool
}

func newReviewRecorder(t *testing.T) *reviewRecorder {
	t.Helper()
	rec := &reviewRecorder{seen: map[string]bool{}}
	rec.srv = httptest.NewTLSServer(http.HandlerFunc(rec.serve))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (rec *reviewRecorder) serve(w http.ResponseWriter, r *http.Request) {
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&ar); err != nil || ar.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	req := ar.Request
	key := req.Namespace + "/" + req.Name
	if req.Kind.Kind == "Namespace" {
		key = req.Name
	}
	rec.mu.Lock()
	rec.seen[r.URL.Path+" "+key] = true
	rec.mu.Unlock()

	ar.Response = &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	ar.Request = nil
	_ = json.NewEncoder(w).Encode(&ar)
}

// pointAt makes cc call the recorder at the path of its service.
func (rec *reviewRecorder) pointAt(cc *admissionregistrationv1.WebhookClientConfig) {
	path := ptr.Deref(cc.Service.Path, "/")
	cc.Service = nil
	cc.URL = ptr.To(rec.srv.URL + path)
	cc.CABundle = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rec.srv.Certificate().Raw})
}

// saw reports whether the webhook at path was asked about key
// ("namespace/name", or "name" for cluster-scoped objects).
func (rec *reviewRecorder) saw(path, key string) bool {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.seen[path+" "+key]
}
