package engine

import (
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/mutators"
	"github.com/ballast-dev/ballast/validators"
)

func TestNewRejectsABadCatalog(t *testing.T) {
	check := func(*validators.Target) []validators.Finding { return nil }
	tests := map[string]struct {
		rules   []validators.Rule
		muts    []mutators.Mutator
		wantErr string
	}{
		"a duplicate rule ID": {
			rules:   []validators.Rule{{ID: "a", Check: check}, {ID: "a", Check: check}},
			wantErr: `rule "a" registered twice`,
		},
		"an ID that is not kebab-case": {
			rules:   []validators.Rule{{ID: "Readiness_Probe", Check: check}},
			wantErr: "not kebab-case",
		},
		"a rule without a check": {
			rules:   []validators.Rule{{ID: "a"}},
			wantErr: `rule "a" has no Check`,
		},
		"a mutator for an unknown rule": {
			rules:   []validators.Rule{{ID: "a", Check: check}},
			muts:    []mutators.Mutator{mutators.Default()[0]},
			wantErr: "satisfies unknown rule",
		},
		"a nil mutator": {
			rules:   []validators.Rule{{ID: "a", Check: check}},
			muts:    []mutators.Mutator{nil},
			wantErr: "mutator 0 is nil",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.rules, tc.muts)
			require.ErrorContains(t, err, tc.wantErr)
		})
	}
}

func TestDefaultCatalogIsValid(t *testing.T) {
	_, err := New(validators.Default(), mutators.Default())
	require.NoError(t, err)
}

func TestEvaluatePod(t *testing.T) {
	e := Default()
	jobPod := replicaSetPod(webContainer("app"))
	jobPod.OwnerReferences[0].Kind = "Job"
	bare := replicaSetPod(webContainer("app"))
	bare.OwnerReferences = nil
	mirror := replicaSetPod(webContainer("app"))
	mirror.Annotations = map[string]string{"kubernetes.io/config.mirror": "abc"}
	done := replicaSetPod(compliant(webContainer("app")))
	readinessNote := func(container, message string) mutators.Note {
		return mutators.Note{Rule: policy.RuleReadinessProbe, Mutator: "readiness-probe", Container: container, Message: message}
	}

	tests := map[string]struct {
		pod *corev1.Pod
		// related are the neighbours the caller lists: the Services of the
		// pod's namespace.
		related       workload.Related
		settings      *policy.Settings
		wantSkipped   string
		wantMutators  []string
		wantNotes     []mutators.Note
		wantEdits     bool
		wantInjection string
	}{
		"a ReplicaSet pod in enforce gets every default and a patch": {
			pod:           replicaSetPod(webContainer("app")),
			related:       routed(),
			settings:      settings(t, policy.ModeEnforce),
			wantMutators:  []string{"prestop-sleep", "readiness-probe"},
			wantEdits:     true,
			wantInjection: "prestop-sleep/app,readiness-probe/app",
		},
		"warn mode applies the defaults too": {
			pod:           replicaSetPod(webContainer("app")),
			related:       routed(),
			settings:      settings(t, policy.ModeWarn),
			wantMutators:  []string{"prestop-sleep", "readiness-probe"},
			wantEdits:     true,
			wantInjection: "prestop-sleep/app,readiness-probe/app",
		},
		"dryrun reports the defaults but patches nothing": {
			pod:          replicaSetPod(webContainer("app")),
			related:      routed(),
			settings:     settings(t, policy.ModeDryRun),
			wantMutators: []string{"prestop-sleep", "readiness-probe"},
		},
		"a pod no Service routes to gets no readiness probe, and the note says why": {
			pod:           replicaSetPod(webContainer("app")),
			settings:      settings(t, policy.ModeEnforce),
			wantMutators:  []string{"prestop-sleep"},
			wantNotes:     []mutators.Note{readinessNote("app", "no Service routes to container app: readiness probe not injected")},
			wantEdits:     true,
			wantInjection: "prestop-sleep/app",
		},
		"a StatefulSet pod behind only a peer-discovery Service gets no readiness probe": {
			pod:          etcdPod(),
			related:      workload.Related{Services: []*corev1.Service{etcdPeers()}},
			settings:     settings(t, policy.ModeEnforce),
			wantMutators: []string{"prestop-sleep"},
			wantNotes: []mutators.Note{readinessNote("etcd",
				"every Service that routes to container etcd publishes not-ready addresses (peer discovery): readiness probe not injected")},
			wantEdits:     true,
			wantInjection: "prestop-sleep/etcd",
		},
		"mode off skips the pod": {
			pod:         replicaSetPod(webContainer("app")),
			related:     routed(),
			settings:    settings(t, policy.ModeOff),
			wantSkipped: "mode off",
		},
		"an exempted rule turns its mutator off": {
			pod:           replicaSetPod(webContainer("app")),
			related:       routed(),
			settings:      settings(t, policy.ModeEnforce, policy.ExemptionRef{Name: "legacy", Rules: []string{"readiness-probe"}}),
			wantMutators:  []string{"prestop-sleep"},
			wantEdits:     true,
			wantInjection: "prestop-sleep/app",
		},
		"exempting termination-grace keeps a sleep from outgrowing the pod's period": {
			pod: func() *corev1.Pod {
				p := replicaSetPod(webContainer("app"))
				p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](3)
				return p
			}(),
			related:       routed(),
			settings:      settings(t, policy.ModeEnforce, policy.ExemptionRef{Name: "fast-exit", Rules: []string{"termination-grace"}}),
			wantMutators:  []string{"readiness-probe"},
			wantEdits:     true,
			wantInjection: "readiness-probe/app",
		},
		"a Job's pod is left alone": {
			pod:         jobPod,
			related:     routed(),
			settings:    settings(t, policy.ModeEnforce),
			wantSkipped: "controlled by a Job",
		},
		"a bare pod is left alone": {
			pod:         bare,
			related:     routed(),
			settings:    settings(t, policy.ModeEnforce),
			wantSkipped: "bare pod",
		},
		"a mirror pod is left alone": {
			pod:         mirror,
			related:     routed(),
			settings:    settings(t, policy.ModeEnforce),
			wantSkipped: "mirror pod",
		},
		"a pod that has every default needs no patch": {
			pod:      done,
			related:  routed(),
			settings: settings(t, policy.ModeEnforce),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := tc.pod.DeepCopy()

			res := e.Evaluate(Input{Object: tc.pod, Settings: tc.settings, Related: tc.related})

			assert.Equal(t, before, tc.pod, "Evaluate must not modify its input")
			assert.Contains(t, res.Skipped, tc.wantSkipped)
			if tc.wantSkipped == "" {
				assert.Empty(t, res.Skipped)
			}
			var got []string
			for _, m := range res.Mutations {
				got = append(got, m.Mutator)
			}
			assert.Equal(t, tc.wantMutators, got)
			assert.Equal(t, tc.wantNotes, res.Notes)
			assert.Empty(t, res.Findings, "pods are mutated, not validated")
			assert.Empty(t, res.Decision().Warnings, "a Pod's notes are no warnings: no person reads them")
			if !tc.wantEdits {
				assert.Nil(t, res.Edits)
				return
			}
			require.Len(t, res.Edits, len(res.Mutations)+1, "the mutations and the annotation")
			annotation := res.Edits[len(res.Edits)-1]
			assert.Equal(t, "/metadata/annotations/ballast.dev~1injected", annotation.Pointer)
			assert.Equal(t, tc.wantInjection, annotation.Value)
			mutated, ok := res.Object.(*corev1.Pod)
			require.True(t, ok, "the result holds the mutated Pod")
			assert.Equal(t, tc.wantInjection, mutated.Annotations[policy.InjectedAnnotation])

			again := e.Evaluate(Input{Object: mutated, Settings: tc.settings, Related: tc.related})
			assert.Empty(t, again.Mutations, "a second pass must change nothing")
			assert.Nil(t, again.Edits)
		})
	}
}

func TestEvaluateWorkload(t *testing.T) {
	e := Default()
	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptr.To[int32](3),
			MaxReplicas:    10,
		},
	}
	teamPDB := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	spread := deployment(ptr.To[int32](3), compliant(webContainer("app")))
	spread.Spec.Template.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
		MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
	}}

	tests := map[string]struct {
		input        Input
		wantFindings map[string]policy.Action
		wantMutators []string
	}{
		"one replica without probes is judged as it will run": {
			input: Input{Object: deployment(nil, webContainer("app")), Settings: settings(t, policy.ModeEnforce), Related: routed()},
			wantFindings: map[string]policy.Action{
				"min-replicas":   policy.ActionDeny,
				"liveness-probe": policy.ActionWarn,
			},
			wantMutators: []string{"prestop-sleep", "readiness-probe"},
		},
		"an HPA's minReplicas counts, and Ballast plans a PDB": {
			input: Input{
				Object:   spread,
				Settings: settings(t, policy.ModeEnforce),
				Related:  workload.Related{HPAs: []*autoscalingv2.HorizontalPodAutoscaler{hpa}},
			},
			wantFindings: map[string]policy.Action{},
			wantMutators: []string{pdbMutator},
		},
		"a team PDB means Ballast plans none": {
			input: Input{
				Object:   spread,
				Settings: settings(t, policy.ModeEnforce),
				Related:  workload.Related{PDBs: []*policyv1.PodDisruptionBudget{teamPDB}},
			},
			wantFindings: map[string]policy.Action{},
		},
		"exempting every rule leaves nothing": {
			input: Input{
				Object:   deployment(nil, webContainer("app")),
				Settings: settings(t, policy.ModeEnforce, policy.ExemptionRef{Name: "all", Rules: []string{policy.AllRules}}),
			},
			wantFindings: map[string]policy.Action{},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := e.Evaluate(tc.input)
			require.Empty(t, res.Skipped)
			got := map[string]policy.Action{}
			for _, f := range res.Findings {
				got[f.Rule] = f.Action
				assert.NotEmpty(t, f.Field, "finding %s names no field", f.Rule)
				assert.NotEmpty(t, f.Fix, "finding %s has no fix", f.Rule)
			}
			assert.Equal(t, tc.wantFindings, got)
			var muts []string
			for _, m := range res.Mutations {
				muts = append(muts, m.Mutator)
			}
			assert.Equal(t, tc.wantMutators, muts)
			assert.Nil(t, res.Edits, "workloads are never edited")
		})
	}
}

// TestEvaluateWorkloadProbesWhereAServiceRoutes judges Deployments by the
// readiness probe their pods will get: on the port a Service routes
// traffic to, and none, with a warning that says why, where no Service
// does.
func TestEvaluateWorkloadProbesWhereAServiceRoutes(t *testing.T) {
	e := Default()
	// api serves gRPC on its first port and HTTP on its second; the
	// Service sends traffic to the second.
	api := webContainer("api")
	api.Ports = []corev1.ContainerPort{{Name: "grpc", ContainerPort: 9090}, {Name: "http", ContainerPort: 8080}}
	elsewhere := webService()
	elsewhere.Namespace = "other"
	tests := map[string]struct {
		input Input
		// wantProbe is the port of the readiness probe the pods get, 0 for
		// none.
		wantProbe int32
		wantNotes []string
		// wantWarnings are the admission warnings of the readiness-probe
		// rule.
		wantWarnings []string
	}{
		"the probe goes on the second port, which the Service targets": {
			input:        Input{Object: deployment(ptr.To[int32](3), api), Settings: settings(t, policy.ModeWarn), Related: routed()},
			wantProbe:    8080,
			wantWarnings: []string{"readiness-probe: pods get readinessProbe tcpSocket :8080 (api)"},
		},
		"in warn, a Deployment no Service routes to gets no probe, no finding, and a warning that says why": {
			input:        Input{Object: deployment(ptr.To[int32](3), webContainer("app")), Settings: settings(t, policy.ModeWarn)},
			wantNotes:    []string{"no Service routes to container app: readiness probe not injected"},
			wantWarnings: []string{"readiness-probe: no Service routes to container app: readiness probe not injected"},
		},
		"a Service of another namespace routes nothing here": {
			input: Input{
				Object: deployment(ptr.To[int32](3), webContainer("app")), Settings: settings(t, policy.ModeWarn),
				Related: workload.Related{Services: []*corev1.Service{elsewhere}},
			},
			wantNotes:    []string{"no Service routes to container app: readiness probe not injected"},
			wantWarnings: []string{"readiness-probe: no Service routes to container app: readiness probe not injected"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := e.Evaluate(tc.input)
			require.Empty(t, res.Skipped)

			mutated, ok := res.Object.(*appsv1.Deployment)
			require.True(t, ok, "the result holds the Deployment as it will run")
			probe := mutated.Spec.Template.Spec.Containers[0].ReadinessProbe
			if tc.wantProbe == 0 {
				assert.Nil(t, probe)
			} else {
				require.NotNil(t, probe)
				require.NotNil(t, probe.TCPSocket)
				assert.Equal(t, intstr.FromInt32(tc.wantProbe), probe.TCPSocket.Port)
			}
			var notes []string
			for _, n := range res.Notes {
				assert.Equal(t, policy.RuleReadinessProbe, n.Rule)
				notes = append(notes, n.Message)
			}
			assert.Equal(t, tc.wantNotes, notes)
			for _, f := range res.Findings {
				assert.NotEqual(t, policy.RuleReadinessProbe, f.Rule,
					"the rule asks for a probe exactly where Ballast injects one: %s", f.Message)
			}

			d := res.Decision()
			require.True(t, d.Allowed)
			var warnings []string
			for _, w := range d.Warnings {
				if strings.HasPrefix(w, policy.RuleReadinessProbe+": ") {
					warnings = append(warnings, w)
				}
			}
			assert.Equal(t, tc.wantWarnings, warnings)
		})
	}
}

func TestEvaluateOtherKinds(t *testing.T) {
	e := Default()
	blocking := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(0)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	single := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MaxReplicas:    3,
		},
	}
	s := settings(t, policy.ModeEnforce)

	pdb := e.Evaluate(Input{Object: blocking, Settings: s})
	require.Len(t, pdb.Findings, 1)
	assert.Equal(t, "pdb-allows-disruption", pdb.Findings[0].Rule)
	assert.Equal(t, policy.ActionDeny, pdb.Findings[0].Action)

	hpa := e.Evaluate(Input{Object: single, Settings: s})
	require.Len(t, hpa.Findings, 1)
	assert.Equal(t, "hpa-min-replicas", hpa.Findings[0].Rule)

	job := e.Evaluate(Input{Object: &batchv1.Job{}, Settings: s})
	assert.Equal(t, "kind Job is not evaluated", job.Skipped)
	assert.Equal(t, "no object", e.Evaluate(Input{Settings: s}).Skipped)
}

func TestDecision(t *testing.T) {
	deny := validators.Finding{Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas", Message: "1 replica; the minimum is 2", Fix: "set spec.replicas: 2"}
	warn := validators.Finding{Rule: "liveness-probe", Action: policy.ActionWarn, Field: "spec.template.spec.containers[0].livenessProbe", Message: `container "app" has no livenessProbe`, Fix: "add one"}
	preStop := mutators.Change{Rule: "prestop-hook", Mutator: "prestop-sleep", Container: "app", Message: "preStop sleep 5s"}
	noService := mutators.Note{Rule: "readiness-probe", Mutator: "readiness-probe", Container: "app", Message: "no Service routes to container app: readiness probe not injected"}
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	tests := map[string]struct {
		result       Result
		wantAllowed  bool
		wantDeny     []string
		wantWarnings []string
		wantAudit    map[string]string
	}{
		"enforce denies and lists every denial with its fix": {
			result:       Result{Kind: "Deployment", Namespace: "shop", Name: "web", Mode: policy.ModeEnforce, ModeSource: "policy default", Findings: []validators.Finding{deny, warn}, Mutations: []mutators.Change{preStop}, Notes: []mutators.Note{noService}},
			wantDeny:     []string{"Deployment shop/web", "min-replicas: 1 replica; the minimum is 2 (spec.replicas). Fix: set spec.replicas: 2"},
			wantWarnings: []string{`liveness-probe: container "app" has no livenessProbe`},
			wantAudit:    map[string]string{AuditMode: "enforce", AuditDecision: DecisionDenied, AuditRules: "min-replicas=deny,liveness-probe=warn", AuditMutations: "prestop-sleep/app"},
		},
		"warn admits and warns, and tells what pods get and what they do not": {
			result:      Result{Kind: "Deployment", Mode: policy.ModeWarn, Findings: []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny, Message: "m"}}, Mutations: []mutators.Change{preStop}, Notes: []mutators.Note{noService}},
			wantAllowed: true,
			wantWarnings: []string{
				"min-replicas: m",
				"prestop-hook: pods get preStop sleep 5s (app)",
				"readiness-probe: no Service routes to container app: readiness probe not injected",
			},
			wantAudit: map[string]string{AuditMode: "warn", AuditDecision: DecisionAllowed, AuditRules: "min-replicas=deny", AuditMutations: "prestop-sleep/app"},
		},
		"dryrun says what would be denied and set": {
			result:      Result{Kind: "Deployment", Mode: policy.ModeDryRun, Findings: []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny, Message: "m"}}, Mutations: []mutators.Change{preStop, {Rule: "pdb", Mutator: pdbMutator, Message: "PodDisruptionBudget ballast-deployment-web (maxUnavailable 1)", Creates: workload.KindPDB}}, Notes: []mutators.Note{noService}},
			wantAllowed: true,
			wantWarnings: []string{
				"min-replicas (would deny): m",
				"prestop-hook: would set preStop sleep 5s (app)",
				"pdb: would create PodDisruptionBudget ballast-deployment-web (maxUnavailable 1)",
				"readiness-probe: no Service routes to container app: readiness probe not injected",
			},
			wantAudit: map[string]string{AuditMode: "dryrun", AuditDecision: DecisionWouldDeny, AuditRules: "min-replicas=deny", AuditMutations: "prestop-sleep/app,pdb-reconciler"},
		},
		"a skipped object is allowed silently": {
			result:      Result{Kind: "Deployment", Mode: policy.ModeOff, Skipped: "mode off"},
			wantAllowed: true,
			wantAudit:   map[string]string{AuditMode: "off", AuditDecision: DecisionSkipped},
		},
		"pods carry no mutation warnings or notes: no person reads them": {
			result:      Result{Kind: workload.KindPod, Mode: policy.ModeEnforce, Mutations: []mutators.Change{preStop}, Notes: []mutators.Note{noService}},
			wantAllowed: true,
			wantAudit:   map[string]string{AuditMode: "enforce", AuditDecision: DecisionAllowed, AuditMutations: "prestop-sleep/app"},
		},
		"an expired exemption is reported": {
			result:       Result{Kind: "Deployment", Mode: policy.ModeEnforce, Expired: []policy.ExemptionRef{{Name: "legacy", Expires: &expires}}},
			wantAllowed:  true,
			wantWarnings: []string{"exemption legacy has expired and no longer applies (since 2026-01-01)"},
			wantAudit:    map[string]string{AuditMode: "enforce", AuditDecision: DecisionAllowed},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			d := tc.result.Decision()
			assert.Equal(t, tc.wantAllowed, d.Allowed)
			for _, s := range tc.wantDeny {
				assert.Contains(t, d.DenyMessage, s)
			}
			if tc.wantAllowed {
				assert.Empty(t, d.DenyMessage)
			}
			assert.Equal(t, tc.wantWarnings, d.Warnings)
			assert.Equal(t, tc.wantAudit, d.AuditAnnotations)
		})
	}
}

func TestWarningsAreClipped(t *testing.T) {
	var findings []validators.Finding
	long := string(make([]byte, 400))
	for range 30 {
		findings = append(findings, validators.Finding{Rule: "image-tag", Action: policy.ActionWarn, Message: long})
	}
	d := Result{Kind: "Deployment", Mode: policy.ModeWarn, Findings: findings}.Decision()
	require.Len(t, d.Warnings, maxWarnings)
	assert.Contains(t, d.Warnings[maxWarnings-1], "19 more warnings")
	for _, w := range d.Warnings {
		assert.LessOrEqual(t, len(w), maxWarningLength)
	}
}

func TestClipWarning(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"a short warning is kept":   {in: "min-replicas: 1 replica", want: "min-replicas: 1 replica"},
		"exactly the limit is kept": {in: strings.Repeat("a", maxWarningLength), want: strings.Repeat("a", maxWarningLength)},
		"a long one is cut":         {in: strings.Repeat("a", maxWarningLength+1), want: strings.Repeat("a", maxWarningLength-3) + "..."},
		"a cut never splits a rune": {
			// "é" is two bytes; the cut at maxWarningLength-3 falls inside one.
			in:   strings.Repeat("é", maxWarningLength),
			want: strings.Repeat("é", (maxWarningLength-3)/2) + "...",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := ClipWarning(tc.in)
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, len(got), maxWarningLength)
			assert.True(t, utf8.ValidString(got), "valid UTF-8")
		})
	}
}

// TestEvaluateReplicaSets: a ReplicaSet or ReplicationController created
// directly is judged as a workload; a ReplicaSet a Deployment controls is
// left to the Deployment's judgement.
func TestEvaluateReplicaSets(t *testing.T) {
	e := Default()
	d := deployment(ptr.To[int32](1), webContainer("app"))
	bare := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	owned := bare.DeepCopy()
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "u", Controller: ptr.To(true)}}
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "shop"},
		Spec: corev1.ReplicationControllerSpec{
			Replicas: ptr.To[int32](1), Selector: d.Spec.Selector.MatchLabels, Template: d.Spec.Template.DeepCopy(),
		},
	}
	s := settings(t, policy.ModeEnforce)

	for name, obj := range map[string]runtime.Object{"a bare ReplicaSet": bare, "a ReplicationController": rc} {
		t.Run(name, func(t *testing.T) {
			res := e.Evaluate(Input{Object: obj, Settings: s})
			assert.Empty(t, res.Skipped)
			assert.False(t, res.Decision().Allowed, "1 replica in enforce")
			assert.True(t, slices.ContainsFunc(res.Findings, func(f validators.Finding) bool { return f.Rule == policy.RuleMinReplicas }))
			assert.False(t, slices.ContainsFunc(res.Findings, func(f validators.Finding) bool { return f.Rule == policy.RuleRollingUpdate }),
				"rolling-update reads a Deployment's strategy")
		})
	}
	res := e.Evaluate(Input{Object: owned, Settings: s})
	assert.Equal(t, "controlled by Deployment web, which is judged instead", res.Skipped)
	assert.True(t, res.Decision().Allowed)
}

// TestEvaluateWorkloadExemption: an exemption scoped to one workload
// exempts it, its pods and its HPA, and no other object of its namespace.
func TestEvaluateWorkloadExemption(t *testing.T) {
	e := Default()
	spec := policy.Defaulted(&policy.Spec{Exemptions: []policy.Exemption{{
		Name: "single-web", Namespaces: []string{"shop"}, Reason: "one replica until the rewrite", Owner: "team-web",
		Rules:     []string{policy.RuleMinReplicas, policy.RulePreStopHook},
		Workloads: []policy.WorkloadMatch{{Kind: workload.KindDeployment, Name: "web"}},
	}}})
	s := policy.Resolve(spec, policy.Namespace{Name: "shop", Labels: map[string]string{policy.ModeLabel: "enforce"}}, time.Now())
	api := deployment(nil, compliant(webContainer("app")))
	api.Name = "api"
	pod := replicaSetPod(webContainer("app"))
	pod.Labels["pod-template-hash"] = "7d4b9c"
	otherPod := replicaSetPod(webContainer("app"))
	otherPod.OwnerReferences[0].Name, otherPod.Labels["pod-template-hash"] = "api-7d4b9c", "7d4b9c"

	tests := map[string]struct {
		obj        runtime.Object
		exempted   bool
		wantRule   string // a finding or a mutation expected, by rule
		unwantRule string // one the exemption removes
	}{
		"the Deployment it names":   {obj: deployment(nil, compliant(webContainer("app"))), exempted: true, unwantRule: policy.RuleMinReplicas},
		"another Deployment":        {obj: api, wantRule: policy.RuleMinReplicas},
		"the Deployment's pods":     {obj: pod, exempted: true, unwantRule: policy.RulePreStopHook, wantRule: policy.RuleReadinessProbe},
		"another Deployment's pods": {obj: otherPod, wantRule: policy.RulePreStopHook},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			res := e.Evaluate(Input{Object: tc.obj, Settings: &s, Related: routed()})
			require.Empty(t, res.Skipped)
			var rules []string
			for _, f := range res.Findings {
				rules = append(rules, f.Rule)
			}
			for _, m := range res.Mutations {
				rules = append(rules, m.Rule)
			}
			if tc.wantRule != "" {
				assert.Contains(t, rules, tc.wantRule)
			}
			if tc.unwantRule != "" {
				assert.NotContains(t, rules, tc.unwantRule)
			}
			var names []string
			for _, x := range res.Exemptions {
				names = append(names, x.Name)
			}
			if tc.exempted {
				assert.Equal(t, []string{"single-web"}, names)
				assert.Equal(t, "single-web", res.Decision().AuditAnnotations[AuditExempted])
			} else {
				assert.Empty(t, names)
			}
		})
	}
	assert.Empty(t, s.Exemptions, "the namespace's settings are left as they are")
}

// TestDecisionNamesTheProfile: a denial and the audit annotations say
// which profile's values judged the object.
func TestDecisionNamesTheProfile(t *testing.T) {
	spec := policy.Defaulted(&policy.Spec{Profiles: []policy.Profile{{
		Name: "critical", Namespaces: []string{"shop"},
		Rules: policy.Rules{MinReplicas: policy.ReplicasRule{Minimum: 3}},
	}}})
	s := policy.Resolve(spec, policy.Namespace{Name: "shop", Labels: map[string]string{policy.ModeLabel: "enforce"}}, time.Now())
	d := Default().Evaluate(Input{Object: deployment(ptr.To[int32](2), compliant(webContainer("app"))), Settings: &s}).Decision()
	require.False(t, d.Allowed)
	assert.Contains(t, d.DenyMessage, "Ballast policy (mode enforce, namespace label ballast.dev/mode, profile critical) denies Deployment shop/web")
	assert.Contains(t, d.DenyMessage, "below the minimum of 3")
	assert.Equal(t, "critical", d.AuditAnnotations[AuditProfile])

	s.Mode = policy.ModeWarn
	d = Default().Evaluate(Input{Object: deployment(ptr.To[int32](2), compliant(webContainer("app"))), Settings: &s}).Decision()
	assert.Contains(t, d.Warnings, "profile critical of the policy applies in namespace shop", "the warnings say where their values come from")
}

// TestEvaluatePodLongerSleep: the grace period follows the longer sleep a
// pod template asks for.
func TestEvaluatePodLongerSleep(t *testing.T) {
	pod := replicaSetPod(webContainer("app"))
	pod.Annotations = map[string]string{policy.PreStopSleepAnnotation: "40"}
	res := Default().Evaluate(Input{Object: pod, Settings: settings(t, policy.ModeWarn), Related: routed()})
	got := res.Object.(*corev1.Pod)
	require.NotNil(t, got.Spec.Containers[0].Lifecycle)
	assert.Equal(t, int64(40), got.Spec.Containers[0].Lifecycle.PreStop.Sleep.Seconds)
	assert.Equal(t, int64(40+25), *got.Spec.TerminationGracePeriodSeconds, "the sleep plus the shutdown budget")
}
