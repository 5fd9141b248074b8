package audit_test

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policy"
)

// now is the moment of every audit of these tests.
var now = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

func namespace(name string, labels map[string]string) *corev1.Namespace {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
}

// deployment returns a Deployment that breaks min-replicas when replicas
// is 1, and no other deny rule.
func deployment(ns, name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       podSpec(name),
			},
		},
	}
}

// podSpec has one serving container with requests, a memory limit and
// probes, but no preStop sleep.
func podSpec(name string) corev1.PodSpec {
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(8080)}}}
	return corev1.PodSpec{Containers: []corev1.Container{{
		Name:           name,
		Image:          "registry.example.com/" + name + ":1.0.0",
		Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
		ReadinessProbe: probe,
		LivenessProbe:  probe,
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		},
	}}}
}

// pod returns a Pod of a ReplicaSet, or of ownerKind when given, that
// lacks the preStop sleep.
func pod(ns, name, ownerKind string) *corev1.Pod {
	if ownerKind == "" {
		ownerKind = "ReplicaSet"
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "apps/v1", Kind: ownerKind, Name: "owner", UID: "uid-owner", Controller: ptr.To(true),
		}}},
		Spec: podSpec("app"),
	}
}

// forbidden is the API server's refusal to list resource in namespace
// (every namespace when empty).
func forbidden(gr schema.GroupResource, namespace string) error {
	return apierrors.NewForbidden(gr, "", errors.New("RBAC: access denied in "+strconv.Quote(namespace)))
}

// newClient returns a fake client holding objs, whose List calls go
// through list when it is not nil.
func newClient(t *testing.T, list func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error, objs ...client.Object) client.Client {
	t.Helper()
	return fake.NewClientBuilder().
		WithScheme(clientgoscheme.Scheme).
		WithObjects(objs...).
		WithInterceptorFuncs(interceptor.Funcs{List: list}).
		Build()
}

// listOptions returns the options of a List call.
func listOptions(opts []client.ListOption) *client.ListOptions {
	lo := &client.ListOptions{}
	lo.ApplyOptions(opts)
	return lo
}

// resourceOf returns the group and resource of the items of a list.
func resourceOf(t *testing.T, l client.ObjectList) schema.GroupResource {
	gvk, err := apiutil.GVKForObject(l, clientgoscheme.Scheme)
	require.NoError(t, err)
	m := map[string]string{
		"NamespaceList": "namespaces", "DeploymentList": "deployments", "StatefulSetList": "statefulsets",
		"DaemonSetList": "daemonsets", "HorizontalPodAutoscalerList": "horizontalpodautoscalers",
		"PodDisruptionBudgetList": "poddisruptionbudgets", "PodList": "pods", "ServiceList": "services",
		"ReplicaSetList": "replicasets", "ReplicationControllerList": "replicationcontrollers",
	}
	return schema.GroupResource{Group: gvk.Group, Resource: m[gvk.Kind]}
}

func run(t *testing.T, c client.Reader, opts audit.Options) *audit.Report {
	t.Helper()
	if opts.Spec == nil {
		opts.Spec = &policy.Default().Spec
	}
	opts.Now = now
	r, err := audit.Run(t.Context(), c, opts)
	require.NoError(t, err)
	return r
}

// find returns the report's namespace called name.
func find(t *testing.T, r *audit.Report, name string) audit.Namespace {
	t.Helper()
	for _, n := range r.Namespaces {
		if n.Name == name {
			return n
		}
	}
	require.Failf(t, "namespace not in the report", "%s", name)
	return audit.Namespace{}
}

func TestRunListsNamespaceByNamespaceWhenRefusedClusterWide(t *testing.T) {
	var calls []string
	c := newClient(t, func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
		gr, ns := resourceOf(t, l), listOptions(opts).Namespace
		calls = append(calls, gr.Resource+" "+ns)
		if gr.Resource != "namespaces" && (ns == "" || ns == "secret") {
			return forbidden(gr, ns)
		}
		return c.List(ctx, l, opts...)
	},
		namespace("shop", nil), namespace("secret", nil), namespace("kube-system", nil),
		deployment("shop", "web", 1), deployment("secret", "vault", 1),
	)
	r := run(t, c, audit.Options{Mode: policy.ModeEnforce, Excluded: audit.WebhookExcluded("ballast")})

	shop := find(t, r, "shop")
	assert.Empty(t, shop.Error)
	assert.Equal(t, 1, shop.Denied, "shop/web breaks min-replicas")
	secret := find(t, r, "secret")
	assert.Contains(t, secret.Error, `poddisruptionbudgets.policy is forbidden: RBAC: access denied in "secret"`)
	assert.Empty(t, secret.Objects, "nothing is reported of an unreadable namespace")
	assert.Equal(t, 1, r.Summary.Unreadable)
	assert.Equal(t, []string{"shop", "secret", "kube-system"}, names(r), "evaluated, unreadable, skipped")
	assert.Equal(t, []string{
		"namespaces ",
		"poddisruptionbudgets ", "poddisruptionbudgets secret", "poddisruptionbudgets shop",
		// secret is not asked again, kube-system never
		"horizontalpodautoscalers ", "horizontalpodautoscalers shop",
		"services ", "services shop",
		"deployments ", "deployments shop",
		"statefulsets ", "statefulsets shop",
		"daemonsets ", "daemonsets shop",
		"replicasets ", "replicasets shop",
		"replicationcontrollers ", "replicationcontrollers shop",
		"pods ", "pods shop",
	}, calls)
}

func TestRunServicesRefusedInANamespace(t *testing.T) {
	var calls []string
	c := newClient(t, func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
		gr, ns := resourceOf(t, l), listOptions(opts).Namespace
		calls = append(calls, gr.Resource+" "+ns)
		if gr.Resource == "services" && (ns == "" || ns == "secret") {
			return forbidden(gr, ns)
		}
		return c.List(ctx, l, opts...)
	},
		namespace("shop", nil), namespace("secret", nil),
		deployment("shop", "web", 1), service("shop", "web"),
		deployment("secret", "vault", 1), pdbOf("secret", "vault"),
	)
	r := run(t, c, audit.Options{Mode: policy.ModeEnforce})

	shop := find(t, r, "shop")
	assert.Empty(t, shop.Error)
	assert.Equal(t, 1, shop.Denied, "shop/web breaks min-replicas")
	secret := find(t, r, "secret")
	assert.Contains(t, secret.Error, `services is forbidden: RBAC: access denied in "secret"`)
	assert.Empty(t, secret.Objects,
		"neither its PDB, listed before the refusal, nor its workloads, which would be judged without the Services that route to them")
	assert.Equal(t, 1, r.Summary.Unreadable)
	assert.Equal(t, []string{
		"namespaces ",
		"poddisruptionbudgets ",
		"horizontalpodautoscalers ",
		"services ", "services secret", "services shop",
		"deployments ",
		"statefulsets ",
		"daemonsets ",
		"replicasets ",
		"replicationcontrollers ",
		"pods ",
	}, calls, "the other kinds are still listed across namespaces")
}

// service returns a Service of ns that routes port 80 to port 8080 of the
// pods labelled app: app.
func service(ns, app string) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": app},
			Ports:    []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
		},
	}
}

// pdbOf returns a PodDisruptionBudget of ns that blocks every drain of the
// pods labelled app: app.
func pdbOf(ns, app string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: app},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(2)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
}

func names(r *audit.Report) []string {
	var out []string
	for _, n := range r.Namespaces {
		out = append(out, n.Name)
	}
	return out
}

func TestRunFails(t *testing.T) {
	tests := map[string]struct {
		namespace string
		refuse    string // the resource whose lists fail
		err       error
		want      string
	}{
		"namespaces cannot be listed": {
			refuse: "namespaces", err: forbidden(schema.GroupResource{Resource: "namespaces"}, ""),
			want: "listing namespaces: namespaces is forbidden",
		},
		"a list fails for another reason than RBAC": {
			refuse: "deployments", err: apierrors.NewServiceUnavailable("etcd is down"),
			want: "listing deployments.apps: etcd is down",
		},
		"in one namespace too": {
			namespace: "shop", refuse: "pods", err: apierrors.NewTimeoutError("slow", 1),
			want: "listing pods in namespace shop: Timeout: slow",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
				if resourceOf(t, l).Resource == tc.refuse {
					return tc.err
				}
				return c.List(ctx, l, opts...)
			}, namespace("shop", nil))
			_, err := audit.Run(t.Context(), c, audit.Options{Spec: &policy.Default().Spec, Namespace: tc.namespace})
			require.ErrorContains(t, err, tc.want)
			assert.ErrorIs(t, err, tc.err, "wraps the API error")
		})
	}
}

func TestRunOneNamespace(t *testing.T) {
	t.Run("a Namespace the caller may not read is judged without its labels", func(t *testing.T) {
		c := fake.NewClientBuilder().WithScheme(clientgoscheme.Scheme).
			WithObjects(namespace("shop", map[string]string{policy.ModeLabel: "warn"}), deployment("shop", "web", 1)).
			WithInterceptorFuncs(interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
				if _, ok := obj.(*corev1.Namespace); ok {
					return forbidden(schema.GroupResource{Resource: "namespaces"}, "")
				}
				return c.Get(ctx, key, obj, opts...)
			}}).Build()
		r := run(t, c, audit.Options{Namespace: "shop"})
		require.Len(t, r.Namespaces, 1)
		shop := r.Namespaces[0]
		assert.Equal(t, policy.ModeDryRun, shop.Mode, "the policy default, not the label")
		require.Len(t, shop.Notes, 1)
		assert.Contains(t, shop.Notes[0], "its mode is resolved without its labels")
		assert.Equal(t, 1, shop.Evaluated)
		assert.Equal(t, "shop", r.Namespace)
	})
	t.Run("a Namespace that does not exist", func(t *testing.T) {
		_, err := audit.Run(t.Context(), newClient(t, nil), audit.Options{Spec: &policy.Default().Spec, Namespace: "nope"})
		require.ErrorContains(t, err, `reading namespace "nope"`)
		assert.True(t, apierrors.IsNotFound(err))
	})
}

// paging serves lists a page of Limit items at a time, as the API server
// does, with the offset as the continue token, and counts the pages.
func paging(t *testing.T, pages *int) func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
	return func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
		lo := listOptions(opts)
		require.NoError(t, c.List(ctx, l, client.InNamespace(lo.Namespace)))
		items, err := meta.ExtractList(l)
		require.NoError(t, err)
		start := 0
		if lo.Continue != "" {
			start, err = strconv.Atoi(lo.Continue)
			require.NoError(t, err)
		}
		end := min(start+int(lo.Limit), len(items))
		require.NoError(t, meta.SetList(l, items[start:end]))
		if end < len(items) {
			l.SetContinue(strconv.Itoa(end))
		}
		*pages++
		return nil
	}
}

func TestRunPages(t *testing.T) {
	objs := []client.Object{namespace("a", nil), namespace("b", nil)}
	for _, ns := range []string{"a", "b"} {
		for _, name := range []string{"one", "two", "three"} {
			d := deployment(ns, name, 2)
			if name == "three" {
				// It gets a readiness probe on the port its Service,
				// listed pages before it, routes to.
				d.Spec.Template.Spec.Containers[0].ReadinessProbe = nil
			}
			objs = append(objs, d, pod(ns, name+"-pod", ""), service(ns, name))
		}
		// A PDB that blocks drains of "two", on a page before the
		// Deployment's: the Deployment is judged with it.
		objs = append(objs, pdbOf(ns, "two"))
	}
	whole := run(t, newClient(t, nil, objs...), audit.Options{Mode: policy.ModeEnforce})

	pages := 0
	paged := run(t, newClient(t, paging(t, &pages), objs...), audit.Options{Mode: policy.ModeEnforce, PageSize: 2})
	// Namespaces 1 page (2 items); PDBs 1 (2); HPAs, StatefulSets,
	// DaemonSets, ReplicaSets and ReplicationControllers 1 each (empty);
	// Services 3 (6); Deployments 3 (6); Pods 3 (6).
	assert.Equal(t, 16, pages)
	assert.Equal(t, whole.Namespaces, paged.Namespaces)

	a := find(t, paged, "a")
	assert.Equal(t, 4, a.Evaluated)
	assert.Equal(t, 2, a.Denied, "PodDisruptionBudget two allows no disruption of Deployment two's pods, judged on both")
	var planned []string
	for _, p := range a.PlannedPDBs {
		planned = append(planned, p.Name)
	}
	assert.Equal(t, []string{"ballast-deployment-one", "ballast-deployment-three"}, planned, "two has a PDB")
	assert.Equal(t, 3, a.PodsLackingDefaults.Count)
	for _, b := range []audit.Namespace{a, find(t, paged, "b")} {
		var probes []string
		for _, o := range b.Objects {
			assert.Empty(t, o.Notes, "%s %s", o.Kind, o.Name)
			for _, m := range o.Mutations {
				if m.Rule == "readiness-probe" {
					probes = append(probes, o.Name+": "+m.Message)
				}
			}
		}
		assert.Equal(t, []string{"three: readinessProbe tcpSocket :8080"}, probes, "namespace %s", b.Name)
	}
}

func TestRunPodsLackingDefaults(t *testing.T) {
	succeeded := pod("shop", "done", "")
	succeeded.Status.Phase = corev1.PodSucceeded
	stopping := pod("shop", "stopping", "")
	stopping.DeletionTimestamp = &metav1.Time{Time: now}
	stopping.Finalizers = []string{"example.com/hold"}
	compliant := pod("shop", "compliant", "")
	compliant.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}}
	compliant.Spec.TerminationGracePeriodSeconds = ptr.To[int64](40)
	bare := pod("shop", "bare", "")
	bare.OwnerReferences = nil

	c := newClient(t, nil, namespace("shop", nil),
		pod("shop", "web-c", ""), pod("shop", "web-a", ""), pod("shop", "db-0", "StatefulSet"), pod("shop", "web-b", ""),
		pod("shop", "job-x", "Job"), succeeded, stopping, compliant, bare)
	got := find(t, run(t, c, audit.Options{MaxPodNames: 2}), "shop").PodsLackingDefaults
	assert.Equal(t, audit.Pods{
		Count: 4,
		Names: []string{"db-0", "web-a"},
		Rules: []string{"prestop-hook"},
	}, got, "Pods of Jobs, bare Pods, and Pods that stopped, are stopping or have every default do not count")
}

func TestRunModes(t *testing.T) {
	noLabels := policy.Default().Spec
	noLabels.NamespaceModeLabel = ptr.To(false)
	excluded := audit.Namespace{
		Mode: policy.ModeOff, ConfiguredMode: policy.ModeOff,
		ModeSource: "excluded by the webhook configurations", Skipped: "not sent to the webhook",
	}
	tests := map[string]struct {
		spec        *policy.Spec
		mode        policy.Mode
		labels      map[string]string
		name        string
		want        audit.Namespace // the fields compared
		wantDenied  int
		wantSkipped bool
	}{
		"as configured: the policy default": {
			name: "shop",
			want: audit.Namespace{Mode: policy.ModeDryRun, ConfiguredMode: policy.ModeDryRun, ModeSource: "policy default"},
		},
		"as configured: the label": {
			name: "shop", labels: map[string]string{policy.ModeLabel: "enforce"},
			want:       audit.Namespace{Mode: policy.ModeEnforce, ConfiguredMode: policy.ModeEnforce, ModeSource: "namespace label ballast.dev/mode"},
			wantDenied: 1,
		},
		"the mode tried replaces the configured one": {
			name: "shop", mode: policy.ModeEnforce, labels: map[string]string{policy.ModeLabel: "warn"},
			want:       audit.Namespace{Mode: policy.ModeEnforce, ConfiguredMode: policy.ModeWarn, ModeSource: "namespace label ballast.dev/mode"},
			wantDenied: 1,
		},
		"a namespace that is off stays off": {
			name: "shop", mode: policy.ModeEnforce, labels: map[string]string{policy.ModeLabel: "off"},
			want:        audit.Namespace{Mode: policy.ModeOff, ConfiguredMode: policy.ModeOff, ModeSource: "namespace label ballast.dev/mode", Skipped: "mode off"},
			wantSkipped: true,
		},
		"labelled off where the policy ignores labels: the webhook sees it, in the policy's mode": {
			spec: &noLabels, name: "shop", labels: map[string]string{policy.ModeLabel: "off"},
			want: audit.Namespace{
				Mode: policy.ModeDryRun, ConfiguredMode: policy.ModeDryRun,
				ModeSource: `policy default (label ballast.dev/mode="off" is ignored: namespaceModeLabel is false)`,
			},
		},
		"kube-system": {
			name: "kube-system", mode: policy.ModeEnforce,
			want:        excluded,
			wantSkipped: true,
		},
		"Ballast's own namespace": {
			name: "ballast", mode: policy.ModeEnforce,
			want:        excluded,
			wantSkipped: true,
		},
		"a namespace the chart's webhook.excludeNamespaces names": {
			name: "batch", mode: policy.ModeEnforce,
			want:        excluded,
			wantSkipped: true,
		},
		"other kube- namespaces are seen": {
			name: "kube-flannel", mode: policy.ModeEnforce,
			want:       audit.Namespace{Mode: policy.ModeEnforce, ConfiguredMode: policy.ModeDryRun, ModeSource: "policy default"},
			wantDenied: 1,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, nil, namespace(tc.name, tc.labels), deployment(tc.name, "web", 1))
			r := run(t, c, audit.Options{Spec: tc.spec, Mode: tc.mode, Excluded: audit.WebhookExcluded("ballast", "batch")})
			n := find(t, r, tc.name)
			assert.Equal(t, tc.want, audit.Namespace{
				Mode: n.Mode, ConfiguredMode: n.ConfiguredMode, ModeSource: n.ModeSource, Skipped: n.Skipped,
			})
			assert.Equal(t, tc.wantDenied, n.Denied)
			if tc.wantSkipped {
				assert.Empty(t, n.Objects)
			} else {
				require.Len(t, n.Objects, 1)
				assert.Equal(t, n.Mode, n.Objects[0].Mode, "objects are judged in the namespace's mode")
				assert.Equal(t, audit.Source, n.Objects[0].Source)
			}
			wantMode := audit.AsConfigured
			if tc.mode != "" {
				wantMode = string(tc.mode)
			}
			assert.Equal(t, wantMode, r.Mode)
			assert.Equal(t, now, r.Time)
		})
	}
}

func TestRunRequiresAPolicy(t *testing.T) {
	_, err := audit.Run(t.Context(), newClient(t, nil), audit.Options{})
	assert.ErrorContains(t, err, "Options.Spec is required")
	_, err = audit.Run(t.Context(), newClient(t, nil), audit.Options{Spec: &policy.Default().Spec, Mode: policy.ModeOff})
	assert.ErrorContains(t, err, "mode off judges nothing")
}

// TestRunReplicaSetsRefused: ReplicaSets and ReplicationControllers are
// judged, never read for another object's verdict, so credentials that may
// not list them leave the namespace readable, with a note.
func TestRunReplicaSetsRefused(t *testing.T) {
	c := newClient(t, func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
		gr, ns := resourceOf(t, l), listOptions(opts).Namespace
		if gr.Resource == "replicasets" {
			return forbidden(gr, ns)
		}
		return c.List(ctx, l, opts...)
	}, namespace("shop", nil), deployment("shop", "web", 1))
	r := run(t, c, audit.Options{Mode: policy.ModeEnforce})

	shop := find(t, r, "shop")
	assert.Empty(t, shop.Error, "readable")
	assert.Equal(t, 1, shop.Denied, "shop/web is judged")
	require.Len(t, shop.Notes, 1)
	assert.Contains(t, shop.Notes[0], "replicasets.apps could not be listed")
	assert.Zero(t, r.Summary.Unreadable)
}

// TestRunProgress checks the progress line of a list of Pods, across the
// cluster and namespace by namespace: the namespaces done of those in
// scope, whichever way the lists go.
func TestRunProgress(t *testing.T) {
	tests := map[string]struct{ refuse bool }{
		"one list across namespaces":                   {},
		"namespace by namespace, refused cluster-wide": {refuse: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newClient(t, func(ctx context.Context, c client.WithWatch, l client.ObjectList, opts ...client.ListOption) error {
				gr, ns := resourceOf(t, l), listOptions(opts).Namespace
				if tc.refuse && gr.Resource != "namespaces" && ns == "" {
					return forbidden(gr, ns)
				}
				if gr.Resource == "pods" {
					// Slower than the progress line's interval, so that
					// the line of the Pods shows.
					time.Sleep(150 * time.Millisecond)
				}
				return c.List(ctx, l, opts...)
			},
				namespace("shop", nil), namespace("blog", nil), namespace("kube-system", nil),
				pod("shop", "web-1", "ReplicaSet"),
			)
			var b strings.Builder
			run(t, c, audit.Options{Excluded: audit.WebhookExcluded("ballast"), Progress: &b})
			assert.Contains(t, b.String(), "listing namespaces: 3")
			assert.Contains(t, b.String(), "listing pods (kind 9 of 9): 2 of 3 namespaces, 1 objects",
				"blog and kube-system are done when shop's pods arrive")
			assert.True(t, strings.HasSuffix(b.String(), "\r\x1b[K"), "the line is erased at the end")
		})
	}
}

// TestRunCountsEveryWorkloadABudgetSelects judges a workload under a
// PodDisruptionBudget with minAvailable once every workload the budget
// selects is listed: here a StatefulSet, listed after the Deployment,
// brings the pods the budget counts to 3, above its minAvailable 2.
func TestRunCountsEveryWorkloadABudgetSelects(t *testing.T) {
	web := deployment("shop", "web", 1)
	cache := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "cache"},
		Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To[int32](2),
			Selector: web.Spec.Selector,
			Template: web.Spec.Template,
		},
	}
	tests := map[string]struct {
		objs   []client.Object
		denied []string
	}{
		"the budget allows a disruption of the pods of both": {
			objs: []client.Object{web, cache},
		},
		"without the StatefulSet it allows none, caught on both sides": {
			objs:   []client.Object{web},
			denied: []string{"Deployment web", "PodDisruptionBudget web"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			objs := append([]client.Object{namespace("shop", nil), pdbOf("shop", "web")}, tc.objs...)
			r := run(t, newClient(t, nil, objs...), audit.Options{Mode: policy.ModeEnforce})
			var denied []string
			for _, o := range find(t, r, "shop").Objects {
				for _, f := range o.Findings {
					if f.Rule == policy.RulePDBAllowsDisruption {
						denied = append(denied, o.Kind+" "+o.Name)
					}
				}
			}
			sort.Strings(denied)
			assert.Equal(t, tc.denied, denied)
		})
	}
}
