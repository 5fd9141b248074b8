package pdb_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/metricstest"
	"github.com/ballast-dev/ballast/internal/workload"
)

const (
	// timeout bounds the wait for the reconciler and the controllers.
	timeout = 30 * time.Second
	// gcTimeout bounds the wait for the garbage collector, whose first
	// discovery of the API can take a while after kube-controller-manager
	// starts.
	gcTimeout = 90 * time.Second
	tick      = 100 * time.Millisecond

	modeLabel = policy.ModeLabel
)

// TestReconciler runs the reconciler against a real API server and a real
// kube-controller-manager (ReplicaSet, disruption and garbage-collector
// controllers). Every subtest starts its own manager and works in its own
// namespace.
func TestReconciler(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{ControllerManager: true})
	ctrl.SetLogger(testr.New(t))
	e := &env{cp: cp, c: cp.Client, cfg: reconcilerConfig(t, cp)}

	t.Run("creates a PodDisruptionBudget for each multi-replica workload", e.testCreation)
	t.Run("gives way to a team PodDisruptionBudget", e.testTeamPDB)
	t.Run("follows the replica count", e.testScale)
	t.Run("restores its PodDisruptionBudget and follows the selector", e.testSelectorAndDrift)
	t.Run("follows an HPA's minReplicas", e.testHPA)
	t.Run("follows the namespace's mode", e.testNamespaceMode)
	t.Run("follows the policy and the expiry of an exemption", e.testPolicyAndExpiry)
	t.Run("leaves workload deletion to the garbage collector", e.testWorkloadDeletion)
	t.Run("never touches a PodDisruptionBudget it does not own", e.testForeignPDB)
	t.Run("catches up after a restart", e.testRestart)
	t.Run("lets a drain proceed one pod at a time", e.testDrain)
}

// env is what the subtests share: the control plane, an admin client, and
// the REST config of a user with only the permissions the package
// documentation lists.
type env struct {
	cp  *controlplane.ControlPlane
	c   client.Client
	cfg *rest.Config
}

// reconcilerConfig returns a REST config for a user bound to exactly the
// RBAC rules the package documentation (doc.go) lists, plus those of leader
// election, so the tests prove the list is enough.
func reconcilerConfig(t *testing.T, cp *controlplane.ControlPlane) *rest.Config {
	const user = "ballast-pdb-reconciler"
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"deployments/finalizers", "statefulsets/finalizers"}, Verbs: []string{"update"}},
			{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"get", "list", "watch", "create", "update", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list", "watch"}},
			{APIGroups: []string{"events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}},
			{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}},
		},
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: user},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: user},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	require.NoError(t, cp.Client.Create(t.Context(), role))
	require.NoError(t, cp.Client.Create(t.Context(), binding))
	u, err := cp.Env.AddUser(envtest.User{Name: user}, cp.Config)
	require.NoError(t, err)
	return u.Config()
}

// policySource serves a policy that a test may replace, as the server's
// reloading source does.
type policySource struct{ p atomic.Pointer[policy.Policy] }

func (s *policySource) Policy() *policy.Policy { return s.p.Load() }

// newPolicySource serves the default policy, edited by edit.
func newPolicySource(edit func(*policy.Spec)) *policySource {
	s := &policySource{}
	s.set(edit)
	return s
}

// set serves the default policy, edited by edit.
func (s *policySource) set(edit func(*policy.Spec)) {
	p := policy.Default()
	if edit != nil {
		edit(&p.Spec)
	}
	s.p.Store(p)
}

// manager is a running controller manager with the reconciler.
type manager struct {
	reg      *prometheus.Registry
	stopOnce func()
}

// managerOptions configures startManager.
type managerOptions struct {
	policy         pdb.PolicySource
	excluded       func(*corev1.Namespace) bool
	leaderElection bool
}

// startManager starts a manager with the reconciler, as the server wires
// it: its cache strips the pod template spec and the managed fields of
// workloads. It stops at the end of the test, or earlier by stop.
func (e *env) startManager(t *testing.T, opts managerOptions) *manager {
	t.Helper()
	if opts.policy == nil {
		opts.policy = newPolicySource(nil)
	}
	stripWorkload := func(obj any) (any, error) {
		switch o := obj.(type) {
		case *appsv1.Deployment:
			o.Spec.Template.Spec = corev1.PodSpec{}
			o.ManagedFields = nil
		case *appsv1.StatefulSet:
			o.Spec.Template.Spec = corev1.PodSpec{}
			o.Spec.VolumeClaimTemplates = nil
			o.ManagedFields = nil
		}
		return obj, nil
	}
	mgr, err := ctrl.NewManager(e.cfg, ctrl.Options{
		Scheme:  clientgoscheme.Scheme,
		Logger:  testr.NewWithOptions(t, testr.Options{Verbosity: 1}),
		Metrics: metricsserver.Options{BindAddress: "0"},
		Cache: cache.Options{
			// As in the server: a read of a kind nobody watches fails.
			ReaderFailOnMissingInformer: true,
			DefaultTransform:            cache.TransformStripManagedFields(),
			ByObject: map[client.Object]cache.ByObject{
				&appsv1.Deployment{}:  {Transform: stripWorkload},
				&appsv1.StatefulSet{}: {Transform: stripWorkload},
			},
		},
		LeaderElection:                opts.leaderElection,
		LeaderElectionID:              "ballast-pdb-test",
		LeaderElectionNamespace:       metav1.NamespaceDefault,
		LeaderElectionReleaseOnCancel: true,
		// Each subtest starts a manager with the same controllers.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	require.NoError(t, pdb.SetupWithManager(mgr, pdb.Options{Policy: opts.policy, Excluded: opts.excluded, Registerer: reg}))

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	m := &manager{reg: reg}
	m.stopOnce = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	t.Cleanup(m.stopOnce)
	return m
}

// stop stops the manager and waits until it has.
func (m *manager) stop() { m.stopOnce() }

// eventuallyCounts waits until ballast_pdb_actions_total counts create,
// update and delete actions. (The reconciler counts an action once the
// API server has answered, so a test may see the object first.)
func (m *manager) eventuallyCounts(t *testing.T, create, update, del float64) {
	t.Helper()
	want := map[string]float64{"create": create, "update": update, "delete": del}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got := metricstest.ByLabel(c, m.reg, pdb.ActionsMetric, "action")
		assert.Equal(c, want, got, "%s by action", pdb.ActionsMetric)
	}, timeout, tick)
}

// namespace creates a namespace in mode (none when empty).
func (e *env) namespace(t *testing.T, mode policy.Mode) string {
	t.Helper()
	var labels map[string]string
	if mode != "" {
		labels = map[string]string{modeLabel: string(mode)}
	}
	ns := e.cp.CreateNamespace(t, "pdb", labels)
	// Terminating namespaces are left alone by the reconciler, so the
	// managers of later subtests do not act on this one's workloads.
	t.Cleanup(func() {
		if err := e.c.Delete(context.WithoutCancel(t.Context()), ns); err != nil {
			t.Errorf("deleting namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// setMode sets the mode label of namespace ns.
func (e *env) setMode(t *testing.T, ns string, mode policy.Mode) {
	t.Helper()
	e.patchNamespace(t, ns, fmt.Sprintf(`{"metadata":{"labels":{%q:%q}}}`, modeLabel, mode))
}

// patchNamespace applies a JSON merge patch to namespace ns.
func (e *env) patchNamespace(t *testing.T, ns, patch string) {
	t.Helper()
	require.NoError(t, e.c.Patch(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, client.RawPatch(types.MergePatchType, []byte(patch))))
}

// podTemplate returns a pod template whose pods carry labels.
func podTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "app",
			Image: "registry.k8s.io/pause:3.10",
		}}},
	}
}

// createDeployment creates a Deployment of replicas pods labelled app=name.
func (e *env) createDeployment(t *testing.T, ns, name string, replicas int32) *appsv1.Deployment {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(labels),
		},
	}
	require.NoError(t, e.c.Create(t.Context(), d))
	return d
}

// scale sets the replicas of the Deployment ns/name.
func (e *env) scale(t *testing.T, ns, name string, replicas int32) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"replicas":%d}}`, replicas)
	require.NoError(t, e.c.Patch(t.Context(), &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}, client.RawPatch(types.MergePatchType, []byte(patch))))
}

// patchPDB applies a JSON merge patch to pdb, as a person would with
// kubectl: whatever its resourceVersion, since the disruption controller
// keeps updating its status.
func (e *env) patchPDB(t *testing.T, pdb *policyv1.PodDisruptionBudget, patch string) {
	t.Helper()
	require.NoError(t, e.c.Patch(t.Context(), pdb, client.RawPatch(types.MergePatchType, []byte(patch))))
}

// teamPDB returns a PodDisruptionBudget, not Ballast's, named name that
// selects the pods labelled app=app.
func teamPDB(ns, name, app string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
}

// pdbName is the name of Ballast's PodDisruptionBudget for the Deployment
// name.
func pdbName(name string) string { return workload.PDBName(workload.KindDeployment, name) }

// eventuallyPDB waits until the PodDisruptionBudget ns/name exists and
// satisfies ok, and returns it.
func (e *env) eventuallyPDB(t *testing.T, ns, name string, ok func(*policyv1.PodDisruptionBudget) bool) *policyv1.PodDisruptionBudget {
	t.Helper()
	var got policyv1.PodDisruptionBudget
	require.Eventually(t, func() bool {
		err := e.c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &got)
		return err == nil && (ok == nil || ok(&got))
	}, timeout, tick, "PodDisruptionBudget %s/%s", ns, name)
	return &got
}

// eventuallyGone waits until the PodDisruptionBudget ns/name does not exist.
func (e *env) eventuallyGone(t *testing.T, ns, name string, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		err := e.c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, &policyv1.PodDisruptionBudget{})
		return apierrors.IsNotFound(err)
	}, within, tick, "PodDisruptionBudget %s/%s still exists", ns, name)
}

// eventuallyEvent waits for an Event with reason on the object ns/name and
// returns it.
func (e *env) eventuallyEvent(t *testing.T, ns, name, reason string) *eventsv1.Event {
	t.Helper()
	var found *eventsv1.Event
	require.Eventually(t, func() bool {
		var events eventsv1.EventList
		if err := e.c.List(t.Context(), &events, client.InNamespace(ns)); err != nil {
			return false
		}
		for i := range events.Items {
			ev := &events.Items[i]
			if ev.Regarding.Name == name && ev.Reason == reason {
				found = ev
				return true
			}
		}
		return false
	}, timeout, tick, "Event %s on %s/%s", reason, ns, name)
	return found
}

// hasPDBSpec reports whether a PodDisruptionBudget is Ballast's for the
// Deployment d with maxUnavailable mu.
func hasPDBSpec(d *appsv1.Deployment, mu intstr.IntOrString) func(*policyv1.PodDisruptionBudget) bool {
	return func(p *policyv1.PodDisruptionBudget) bool {
		ref := metav1.GetControllerOf(p)
		return ref != nil && ref.UID == d.UID &&
			assert.ObjectsAreEqual(d.Spec.Selector, p.Spec.Selector) &&
			p.Spec.MaxUnavailable != nil && *p.Spec.MaxUnavailable == mu
	}
}

func (e *env) testCreation(t *testing.T) {
	m := e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)

	d := e.createDeployment(t, ns, "web", 2)
	labels := map[string]string{"app": "db"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:    ptr.To[int32](3),
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template:    podTemplate(labels),
		},
	}
	require.NoError(t, e.c.Create(t.Context(), sts))

	got := e.eventuallyPDB(t, ns, "ballast-deployment-web", nil)
	assert.Equal(t, map[string]string{pdb.ManagedByLabel: pdb.ManagedByValue}, got.Labels)
	assert.Equal(t, []metav1.OwnerReference{{
		APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: d.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}}, got.OwnerReferences)
	assert.Equal(t, policyv1.PodDisruptionBudgetSpec{
		Selector:                   d.Spec.Selector,
		MaxUnavailable:             ptr.To(intstr.FromInt32(1)),
		UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
	}, got.Spec)

	gotSTS := e.eventuallyPDB(t, ns, "ballast-statefulset-db", nil)
	assert.Equal(t, sts.UID, metav1.GetControllerOf(gotSTS).UID)
	assert.Equal(t, "StatefulSet", metav1.GetControllerOf(gotSTS).Kind)
	assert.Equal(t, sts.Spec.Selector, gotSTS.Spec.Selector)

	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonCreated)
	assert.Equal(t, corev1.EventTypeNormal, ev.Type)
	assert.Equal(t, "Deployment", ev.Regarding.Kind)
	assert.Equal(t, "Created PodDisruptionBudget ballast-deployment-web (maxUnavailable 1)", ev.Note)
	require.NotNil(t, ev.Related)
	assert.Equal(t, "ballast-deployment-web", ev.Related.Name)
	assert.Equal(t, pdb.EventRecorderName, ev.ReportingController)
	e.eventuallyEvent(t, ns, "db", pdb.ReasonCreated)

	m.eventuallyCounts(t, 2, 0, 0)
}

func (e *env) testTeamPDB(t *testing.T) {
	m := e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "web", 2)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	team := teamPDB(ns, "web-team", "web")
	require.NoError(t, e.c.Create(t.Context(), team))
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonDeleted)
	assert.Equal(t, "Deleted PodDisruptionBudget ballast-deployment-web: PodDisruptionBudget web-team already covers its pods", ev.Note)

	var after policyv1.PodDisruptionBudget
	require.NoError(t, e.c.Get(t.Context(), client.ObjectKeyFromObject(team), &after))
	assert.Equal(t, team.Spec, after.Spec, "the team's budget is untouched")
	assert.Empty(t, after.Labels)
	assert.Empty(t, after.OwnerReferences)

	require.NoError(t, e.c.Delete(t.Context(), team))
	e.eventuallyPDB(t, ns, pdbName("web"), nil)
	m.eventuallyCounts(t, 2, 0, 1)
}

func (e *env) testScale(t *testing.T) {
	e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "web", 2)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	e.scale(t, ns, "web", 1)
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonDeleted)
	assert.Equal(t, "Deleted PodDisruptionBudget ballast-deployment-web: it runs 1 replica, too few to need one", ev.Note)

	e.scale(t, ns, "web", 3)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)
}

func (e *env) testSelectorAndDrift(t *testing.T) {
	policies := newPolicySource(nil)
	m := e.startManager(t, managerOptions{policy: policies})
	ns := e.namespace(t, policy.ModeWarn)
	d := e.createDeployment(t, ns, "web", 2)
	got := e.eventuallyPDB(t, ns, pdbName("web"), hasPDBSpec(d, intstr.FromInt32(1)))

	// Someone edits Ballast's budget: it is put back.
	e.patchPDB(t, got, `{"spec":{"selector":{"matchLabels":{"app":"other"}},"maxUnavailable":0}}`)
	e.eventuallyPDB(t, ns, pdbName("web"), hasPDBSpec(d, intstr.FromInt32(1)))
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonUpdated)
	assert.Equal(t, "Updated PodDisruptionBudget ballast-deployment-web: selector, maxUnavailable (maxUnavailable 1)", ev.Note)

	// The policy's maxUnavailable changes.
	policies.set(func(s *policy.Spec) { s.Rules.PDB.MaxUnavailable = ptr.To(intstr.FromString("50%")) })
	e.eventuallyPDB(t, ns, pdbName("web"), hasPDBSpec(d, intstr.FromString("50%")))

	// A Deployment's selector is immutable: a new selector means a new
	// Deployment of the same name, whose budget replaces the old one.
	require.NoError(t, e.c.Delete(t.Context(), d, client.PropagationPolicy(metav1.DeletePropagationForeground)))
	require.Eventually(t, func() bool {
		return apierrors.IsNotFound(e.c.Get(t.Context(), client.ObjectKeyFromObject(d), &appsv1.Deployment{}))
	}, gcTimeout, tick, "foreground deletion of the Deployment")
	labels := map[string]string{"app": "web", "track": "canary"}
	replaced := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(labels),
		},
	}
	require.NoError(t, e.c.Create(t.Context(), replaced))
	e.eventuallyPDB(t, ns, pdbName("web"), hasPDBSpec(replaced, intstr.FromString("50%")))
	m.eventuallyCounts(t, 2, 2, 0)
}

func (e *env) testHPA(t *testing.T) {
	e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)
	d := e.createDeployment(t, ns, "web", 1)

	hpa := &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name},
			MinReplicas:    ptr.To[int32](2),
			MaxReplicas:    10,
		},
	}
	require.NoError(t, e.c.Create(t.Context(), hpa))
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	setMin := func(n int32) {
		t.Helper()
		patch := fmt.Sprintf(`{"spec":{"minReplicas":%d}}`, n)
		require.NoError(t, e.c.Patch(t.Context(), hpa, client.RawPatch(types.MergePatchType, []byte(patch))))
	}
	setMin(1)
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonDeleted)
	assert.Equal(t, "Deleted PodDisruptionBudget ballast-deployment-web: HorizontalPodAutoscaler web may scale it down to 1 replica, too few to need one", ev.Note)

	setMin(3)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	require.NoError(t, e.c.Delete(t.Context(), hpa))
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
}

func (e *env) testNamespaceMode(t *testing.T) {
	const excludedLabel = "test.ballast.dev/excluded"
	e.startManager(t, managerOptions{excluded: func(ns *corev1.Namespace) bool { return ns.Labels[excludedLabel] == "true" }})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "web", 2)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	e.setMode(t, ns, policy.ModeDryRun)
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonDeleted)
	assert.Equal(t, "Deleted PodDisruptionBudget ballast-deployment-web: the namespace's mode is dryrun (namespace label ballast.dev/mode)", ev.Note)

	e.setMode(t, ns, policy.ModeEnforce)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	e.setMode(t, ns, policy.ModeOff)
	e.eventuallyGone(t, ns, pdbName("web"), timeout)

	// A namespace the webhook configurations exclude is as good as off.
	e.setMode(t, ns, policy.ModeEnforce)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)
	e.patchNamespace(t, ns, fmt.Sprintf(`{"metadata":{"labels":{%q:"true"}}}`, excludedLabel))
	e.eventuallyGone(t, ns, pdbName("web"), timeout)

	// Without a label the policy's default mode, dryrun, applies.
	unlabelled := e.namespace(t, "")
	e.createDeployment(t, unlabelled, "web", 2)
	e.setMode(t, unlabelled, policy.ModeWarn)
	e.eventuallyPDB(t, unlabelled, pdbName("web"), nil)
}

func (e *env) testPolicyAndExpiry(t *testing.T) {
	policies := newPolicySource(nil)
	m := e.startManager(t, managerOptions{policy: policies})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "web", 2)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	// A new policy exempts the namespace from the rule for a few seconds:
	// the budget goes, then comes back when the exemption expires, with no
	// event in the cluster to trigger it.
	expires := metav1.NewTime(time.Now().Add(10 * time.Second))
	policies.set(func(s *policy.Spec) {
		s.Exemptions = []policy.Exemption{{
			Name: "migration", Namespaces: []string{ns}, Rules: []string{policy.RulePDB},
			Reason: "test", Expires: &expires,
		}}
	})
	e.eventuallyGone(t, ns, pdbName("web"), timeout)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonDeleted)
	assert.Equal(t, `Deleted PodDisruptionBudget ballast-deployment-web: rule pdb is exempted here by "migration"`, ev.Note)
	require.True(t, time.Now().Before(expires.Time), "the exemption expired before the test saw it apply; raise its duration")

	e.eventuallyPDB(t, ns, pdbName("web"), nil)
	assert.False(t, time.Now().Before(expires.Time), "recreated before the exemption expired")
	m.eventuallyCounts(t, 2, 0, 1)
}

func (e *env) testWorkloadDeletion(t *testing.T) {
	m := e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)
	d := e.createDeployment(t, ns, "web", 2)
	e.eventuallyPDB(t, ns, pdbName("web"), nil)

	require.NoError(t, e.c.Delete(t.Context(), d))
	e.eventuallyGone(t, ns, pdbName("web"), gcTimeout)
	// The garbage collector deleted it, not the reconciler.
	m.eventuallyCounts(t, 1, 0, 0)
}

func (e *env) testForeignPDB(t *testing.T) {
	m := e.startManager(t, managerOptions{})
	ns := e.namespace(t, policy.ModeEnforce)

	// A team's budget under Ballast's name for web, and a budget that
	// carries Ballast's label under its name for api but that no workload
	// controls.
	squatter := teamPDB(ns, pdbName("web"), "web")
	require.NoError(t, e.c.Create(t.Context(), squatter))
	impostor := teamPDB(ns, pdbName("api"), "nothing")
	impostor.Labels = map[string]string{pdb.ManagedByLabel: pdb.ManagedByValue}
	require.NoError(t, e.c.Create(t.Context(), impostor))

	e.createDeployment(t, ns, "web", 3)
	e.createDeployment(t, ns, "api", 2)
	e.createDeployment(t, ns, "signal", 2)
	ev := e.eventuallyEvent(t, ns, "web", pdb.ReasonNameTaken)
	assert.Equal(t, corev1.EventTypeWarning, ev.Type)
	e.eventuallyEvent(t, ns, "api", pdb.ReasonNameTaken)
	e.eventuallyPDB(t, ns, pdbName("signal"), nil)

	// In dryrun Ballast deletes its own budgets, and only those.
	e.setMode(t, ns, policy.ModeDryRun)
	e.eventuallyGone(t, ns, pdbName("signal"), timeout)
	for _, want := range []*policyv1.PodDisruptionBudget{squatter, impostor} {
		var got policyv1.PodDisruptionBudget
		require.NoError(t, e.c.Get(t.Context(), client.ObjectKeyFromObject(want), &got), "%s still exists", want.Name)
		assert.Equal(t, want.Spec, got.Spec)
		assert.Equal(t, want.Labels, got.Labels)
		assert.Empty(t, got.OwnerReferences)
	}
	m.eventuallyCounts(t, 1, 0, 1)
}

func (e *env) testRestart(t *testing.T) {
	first := e.startManager(t, managerOptions{leaderElection: true})
	ns := e.namespace(t, policy.ModeEnforce)
	e.createDeployment(t, ns, "shrinks", 2)
	e.createDeployment(t, ns, "edited", 2)
	e.eventuallyPDB(t, ns, pdbName("shrinks"), nil)
	edited := e.eventuallyPDB(t, ns, pdbName("edited"), nil)
	first.stop()

	// While no reconciler runs: one workload scales down, one appears, and
	// someone edits a budget.
	e.scale(t, ns, "shrinks", 1)
	appears := e.createDeployment(t, ns, "appears", 2)
	e.patchPDB(t, edited, `{"spec":{"maxUnavailable":2}}`)
	require.NoError(t, e.c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: pdbName("shrinks")}, &policyv1.PodDisruptionBudget{}),
		"no reconciler runs while the manager is stopped")

	// The next leader catches up.
	second := e.startManager(t, managerOptions{leaderElection: true})
	e.eventuallyGone(t, ns, pdbName("shrinks"), timeout)
	e.eventuallyPDB(t, ns, pdbName("appears"), hasPDBSpec(appears, intstr.FromInt32(1)))
	e.eventuallyPDB(t, ns, pdbName("edited"), func(p *policyv1.PodDisruptionBudget) bool {
		return *p.Spec.MaxUnavailable == intstr.FromInt32(1)
	})
	second.eventuallyCounts(t, 1, 1, 1)
}
