package webhook_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/webhook"
)

var (
	statefulSetGVK = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "StatefulSet"}
	daemonSetGVK   = metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "DaemonSet"}
	hpaGVK         = metav1.GroupVersionKind{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}
	pdbGVK         = metav1.GroupVersionKind{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}
)

// compliantDeployment follows every rule: three replicas, probes, a
// preStop sleep, a grace period that covers it, requests and a memory
// limit, spread, a rolling update and a pinned tag.
func compliantDeployment(namespace string) *appsv1.Deployment {
	labels := map[string]string{"app.kubernetes.io/name": "checkout"}
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("http")}}}
	}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr.To(intstr.FromInt32(0)), MaxSurge: ptr.To(intstr.FromString("25%")),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](40),
					TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
						MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
						LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
					}},
					Containers: []corev1.Container{{
						Name:           "checkout",
						Image:          "registry.example.com/shop/checkout:1.14.2",
						Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
						ReadinessProbe: probe("/healthz/ready"),
						LivenessProbe:  probe("/healthz/live"),
						Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 10}}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
						},
					}},
				},
			},
		},
	}
}

// checkoutPDB keeps the compliant Deployment's pods up during drains.
func checkoutPDB(namespace string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: namespace},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app.kubernetes.io/name": "checkout"}},
		},
	}
}

// The rules the legacy Deployment breaks, by default action.
var (
	legacyDenials  = []string{policy.RuleMinReplicas, policy.RuleResourceRequests}
	legacyWarnings = []string{policy.RuleLivenessProbe, policy.RuleMemoryLimit, policy.RuleRollingUpdate, policy.RuleImageTag}
	legacyInjected = []string{policy.RulePreStopHook, policy.RuleReadinessProbe}
)

func TestValidateWorkloadsAnswersPerMode(t *testing.T) {
	tests := map[string]struct {
		namespace string
		allowed   bool
		decision  string
		// denied lists the rules the denial message must name with a fix.
		denied []string
		// warned lists the prefixes of the warnings, in order.
		warned []string
	}{
		"in enforce the request is denied with every violation and its fix, and warnings for the rest": {
			namespace: nsEnforce, decision: engine.DecisionDenied,
			denied: legacyDenials,
			warned: prefixes(legacyWarnings, ": "),
		},
		"in warn the request is admitted with a warning per violation and per pod default": {
			namespace: nsWarn, allowed: true, decision: engine.DecisionAllowed,
			warned: concat(
				prefixes([]string{policy.RuleMinReplicas, policy.RuleLivenessProbe, policy.RuleResourceRequests,
					policy.RuleMemoryLimit, policy.RuleRollingUpdate, policy.RuleImageTag}, ": "),
				prefixes(legacyInjected, ": pods get "),
			),
		},
		"in dryrun the request is admitted with would-deny and would-set warnings": {
			namespace: nsDryRun, allowed: true, decision: engine.DecisionWouldDeny,
			warned: concat(
				[]string{"min-replicas (would deny): ", "liveness-probe: ", "resource-requests (would deny): ",
					"memory-limit: ", "rolling-update: ", "image-tag: "},
				prefixes(legacyInjected, ": would set "),
			),
		},
		"a namespace unknown to the cache gets the policy default, dryrun": {
			namespace: nsUnknown, allowed: true, decision: engine.DecisionWouldDeny,
			warned: concat(
				[]string{"min-replicas (would deny): ", "liveness-probe: ", "resource-requests (would deny): ",
					"memory-limit: ", "rolling-update: ", "image-tag: "},
				prefixes(legacyInjected, ": would set "),
			),
		},
		"in off the request is admitted silently": {
			namespace: nsOff, allowed: true, decision: engine.DecisionSkipped,
		},
		"a central exemption of every rule wins over the namespace's enforce label": {
			namespace: nsExempt, allowed: true, decision: engine.DecisionSkipped,
		},
		"an expired exemption no longer exempts, and says so": {
			namespace: nsExpired, decision: engine.DecisionDenied,
			denied: legacyDenials,
			warned: append(prefixes(legacyWarnings, ": "), "exemption old-waiver has expired"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, admissionv1.Create, deploymentGVK, "deployments", tc.namespace, legacyDeployment(tc.namespace), nil))

			assert.Equal(t, tc.allowed, resp.Allowed)
			assert.Nil(t, resp.Patch, "validation never patches")
			require.NotNil(t, resp.Result)
			if tc.allowed {
				assert.Equal(t, int32(http.StatusOK), resp.Result.Code)
			} else {
				assert.Equal(t, int32(http.StatusForbidden), resp.Result.Code)
				assert.Equal(t, metav1.StatusReasonForbidden, resp.Result.Reason)
				assert.Contains(t, resp.Result.Message, "denies Deployment "+tc.namespace+"/legacy-api")
				for _, rule := range tc.denied {
					assert.Regexp(t, `(?m)^- `+rule+`: .*\. Fix: \S`, resp.Result.Message, "the denial names %s and its fix", rule)
				}
			}
			require.Len(t, resp.Warnings, len(tc.warned), "warnings: %q", resp.Warnings)
			for i, w := range resp.Warnings {
				assert.True(t, strings.HasPrefix(w, tc.warned[i]), "warning %d %q should start with %q", i, w, tc.warned[i])
				assert.LessOrEqual(t, len(w), 120, "warning %q", w)
			}
			assert.Equal(t, tc.decision, resp.AuditAnnotations[engine.AuditDecision])
			assert.NotEmpty(t, resp.AuditAnnotations[engine.AuditMode])
			if len(tc.warned) > 0 {
				assert.Contains(t, resp.AuditAnnotations[engine.AuditRules], policy.RuleImageTag+"=warn")
			}
		})
	}
}

func prefixes(ids []string, suffix string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id + suffix
	}
	return out
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func TestValidateWorkloadsReadsANewNamespaceLive(t *testing.T) {
	// The namespace was created a moment ago, labelled enforce: the live
	// reader has it, the cache not yet.
	live := fake.NewClientBuilder().WithObjects(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: nsUnknown, Labels: map[string]string{policy.ModeLabel: "enforce"},
	}}).Build()
	e := newEnv(t, options{namespaceReader: live})
	resp := e.review(t, webhook.ValidateWorkloadsPath,
		request(t, admissionv1.Create, deploymentGVK, "deployments", nsUnknown, legacyDeployment(nsUnknown), nil))
	assert.False(t, resp.Allowed, "the namespace's enforce label applies from its first request")
	assert.Equal(t, "enforce", resp.AuditAnnotations[engine.AuditMode])
}

func TestValidateWorkloadsAdmitsACompliantDeploymentInEnforce(t *testing.T) {
	e := newEnv(t, options{objects: []client.Object{checkoutPDB(nsEnforce)}})
	resp := e.review(t, webhook.ValidateWorkloadsPath,
		request(t, admissionv1.Create, deploymentGVK, "deployments", nsEnforce, compliantDeployment(nsEnforce), nil))
	assert.True(t, resp.Allowed)
	assert.Empty(t, resp.Warnings)
	assert.Equal(t, map[string]string{engine.AuditMode: "enforce", engine.AuditDecision: engine.DecisionAllowed}, resp.AuditAnnotations)
	assert.Equal(t, 1.0, e.counter(t, "ballast_admission_decisions_total",
		map[string]string{"resource": "deployments", "operation": "CREATE", "decision": "allowed", "mode": "enforce"}))
}

// TestValidatePDBCountsTheWorkloadsItSelects judges a PDB with
// minAvailable 2 by the workloads of its namespace in the cache, as `ballast
// check` and `ballast audit` judge it from theirs: over one Deployment of 2
// replicas it allows no disruption; when it also selects a DaemonSet's pods,
// whose number nothing here knows, it is not refused.
func TestValidatePDBCountsTheWorkloadsItSelects(t *testing.T) {
	labels := map[string]string{"tier": "web"}
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: nsEnforce},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(2)),
			Selector:     &metav1.LabelSelector{MatchLabels: labels},
		},
	}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}}
	web := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: nsEnforce},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To[int32](2), Template: template},
	}
	agent := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: nsEnforce},
		Spec:       appsv1.DaemonSetSpec{Template: template},
	}
	tests := map[string]struct {
		cached  []client.Object
		allowed bool
	}{
		"over the Deployment alone it is refused":    {cached: []client.Object{web}},
		"with a DaemonSet's pods too it is admitted": {cached: []client.Object{web, agent}, allowed: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{objects: tc.cached})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, admissionv1.Create, pdbGVK, "poddisruptionbudgets", nsEnforce, pdb, nil))
			assert.Equal(t, tc.allowed, resp.Allowed, "%s", resp.Result.Message)
		})
	}
}

func TestValidateWorkloadsReadsPDBsFromTheCache(t *testing.T) {
	tests := map[string]struct {
		cached   []client.Object
		announce bool
	}{
		"without a PodDisruptionBudget, the warning announces the one Ballast creates": {announce: true},
		"with one that selects its pods, nothing is announced":                         {cached: []client.Object{checkoutPDB(nsWarn)}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{objects: tc.cached})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, compliantDeployment(nsWarn), nil))
			assert.True(t, resp.Allowed)
			announced := false
			for _, w := range resp.Warnings {
				announced = announced || strings.Contains(w, "Ballast creates PodDisruptionBudget")
			}
			assert.Equal(t, tc.announce, announced, "warnings: %q", resp.Warnings)
		})
	}
}

func TestValidateWorkloadsReadsServicesFromTheCache(t *testing.T) {
	tests := map[string]struct {
		cached []client.Object
		// warning is the readiness-probe warning.
		warning string
	}{
		"behind its Service, the pods get a readiness probe on the port it targets": {
			cached:  cached(),
			warning: "readiness-probe: pods get readinessProbe tcpSocket :8080 (api)",
		},
		"without one, they get none, and the warning says why": {
			cached:  namespaces(),
			warning: "readiness-probe: no Service routes to container api: readiness probe not injected",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{reader: fake.NewClientBuilder().WithObjects(tc.cached...).Build()})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, admissionv1.Create, deploymentGVK, "deployments", nsWarn, legacyDeployment(nsWarn), nil))
			assert.True(t, resp.Allowed)
			var got []string
			for _, w := range resp.Warnings {
				if strings.HasPrefix(w, policy.RuleReadinessProbe+": ") {
					got = append(got, w)
				}
			}
			assert.Equal(t, []string{tc.warning}, got)
			assert.NotContains(t, resp.AuditAnnotations[engine.AuditRules], policy.RuleReadinessProbe,
				"the rule asks for a probe only where Ballast injects one")
		})
	}
}

func TestValidateWorkloadsJudgesEveryKind(t *testing.T) {
	legacy := legacyDeployment(nsEnforce)
	statefulSet := &appsv1.StatefulSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: nsEnforce},
		Spec:       appsv1.StatefulSetSpec{Replicas: ptr.To[int32](1), Selector: legacy.Spec.Selector, Template: legacy.Spec.Template},
	}
	daemonSet := &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: nsEnforce},
		Spec:       appsv1.DaemonSetSpec{Selector: legacy.Spec.Selector, Template: legacy.Spec.Template},
	}
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: nsEnforce},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "checkout"},
			MinReplicas:    ptr.To[int32](1), MaxReplicas: 5,
		},
	}
	// minAvailable equal to the replicas of the Deployment it selects: no
	// pod may ever be evicted, which blocks every drain.
	blocking := checkoutPDB(nsEnforce)
	blocking.Spec.MaxUnavailable, blocking.Spec.MinAvailable = nil, ptr.To(intstr.FromInt32(3))

	tests := map[string]struct {
		gvk      metav1.GroupVersionKind
		resource string
		obj      any
		rule     string
	}{
		"a StatefulSet with one replica":                         {statefulSetGVK, "statefulsets", statefulSet, policy.RuleMinReplicas},
		"a DaemonSet without resource requests":                  {daemonSetGVK, "daemonsets", daemonSet, policy.RuleResourceRequests},
		"an HPA that may scale down to one replica":              {hpaGVK, "horizontalpodautoscalers", hpa, policy.RuleHPAMinReplicas},
		"a PDB that allows no disruption of the cached workload": {pdbGVK, "poddisruptionbudgets", blocking, policy.RulePDBAllowsDisruption},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{objects: []client.Object{compliantDeployment(nsEnforce)}})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, admissionv1.Create, tc.gvk, tc.resource, nsEnforce, tc.obj, nil))
			assert.Contains(t, resp.AuditAnnotations[engine.AuditRules], tc.rule+"=")
			if !resp.Allowed {
				assert.Contains(t, resp.Result.Message, "- "+tc.rule+": ")
			}
			assert.Equal(t, 1.0, e.counter(t, "ballast_rule_findings_total",
				map[string]string{"resource": tc.resource, "rule": tc.rule, "action": ruleAction(t, resp, tc.rule), "mode": "enforce"}))
		})
	}
}

// ruleAction returns the action the audit annotation records for rule.
func ruleAction(t *testing.T, resp *admissionv1.AdmissionResponse, rule string) string {
	t.Helper()
	for item := range strings.SplitSeq(resp.AuditAnnotations[engine.AuditRules], ",") {
		if id, action, _ := strings.Cut(item, "="); id == rule {
			return action
		}
	}
	t.Fatalf("rule %s did not fire: %v", rule, resp.AuditAnnotations)
	return ""
}

func TestValidateWorkloadsUpdates(t *testing.T) {
	legacy := legacyDeployment(nsEnforce)
	relabelled := legacy.DeepCopy()
	relabelled.Labels = map[string]string{"team": "shop"}
	relabelled.Finalizers = []string{"example.com/keep"}
	bumped := legacy.DeepCopy()
	bumped.Spec.Template.Spec.Containers[0].Image = "registry.example.com/shop/legacy-api:2.0.0"
	deleting := bumped.DeepCopy()
	deleting.DeletionTimestamp = &metav1.Time{Time: now}

	tests := map[string]struct {
		obj      *appsv1.Deployment
		op       admissionv1.Operation
		allowed  bool
		decision string
	}{
		"an update that changes the spec is judged like a create": {
			obj: bumped, op: admissionv1.Update, decision: engine.DecisionDenied,
		},
		"an update of metadata only passes, so controllers are never stopped": {
			obj: relabelled, op: admissionv1.Update, allowed: true, decision: engine.DecisionSkipped,
		},
		"an update of an object being deleted passes, so finalizers can be removed": {
			obj: deleting, op: admissionv1.Update, allowed: true, decision: engine.DecisionSkipped,
		},
		"a delete passes untouched": {
			obj: legacy, op: admissionv1.Delete, allowed: true, decision: engine.DecisionSkipped,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, options{})
			resp := e.review(t, webhook.ValidateWorkloadsPath,
				request(t, tc.op, deploymentGVK, "deployments", nsEnforce, tc.obj, legacy))
			assert.Equal(t, tc.allowed, resp.Allowed)
			assert.Equal(t, tc.decision, resp.AuditAnnotations[engine.AuditDecision])
		})
	}
}

func TestValidateWorkloadsAnswersDryRunRequestsLikeRealOnes(t *testing.T) {
	for _, ns := range []string{nsEnforce, nsWarn, nsDryRun} {
		t.Run(ns, func(t *testing.T) {
			e := newEnv(t, options{})
			req := request(t, admissionv1.Create, deploymentGVK, "deployments", ns, legacyDeployment(ns), nil)
			served := e.review(t, webhook.ValidateWorkloadsPath, req)
			req.DryRun = ptr.To(true)
			dry := e.review(t, webhook.ValidateWorkloadsPath, req)
			assert.Equal(t, served, dry)
		})
	}
}

func TestValidateWorkloadsSkipsTheStatusSubresource(t *testing.T) {
	e := newEnv(t, options{})
	req := request(t, admissionv1.Update, deploymentGVK, "deployments", nsEnforce, legacyDeployment(nsEnforce), legacyDeployment(nsEnforce))
	req.SubResource = "status"
	resp := e.review(t, webhook.ValidateWorkloadsPath, req)
	assert.True(t, resp.Allowed)
	assert.Equal(t, engine.DecisionSkipped, resp.AuditAnnotations[engine.AuditDecision])
}
