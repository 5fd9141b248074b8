package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
	"github.com/ballast-dev/ballast/internal/workload"
)

const (
	// waitTimeout bounds each wait for Ballast or a controller.
	waitTimeout = time.Minute
	// pdbWaitTimeout bounds the wait for a PodDisruptionBudget that
	// Ballast announced; the reconciler usually takes well under a second.
	pdbWaitTimeout = 15 * time.Second
	// pollInterval is how often a wait checks again.
	pollInterval = 100 * time.Millisecond
)

// The developer's attempt to exempt a namespace of theirs.
const guardNamespace = "payments"

var guardLabel = policy.ModeLabel + "=" + string(policy.ModeOff)

// platformKinds are the kinds the platform team applies; the developer
// applies every other kind.
var platformKinds = []string{"Namespace", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}

// platformTeam names the admin in the report.
const platformTeam = "the platform team"

// outcome is what happened to one request.
type outcome struct {
	manifest
	// as is who sent it.
	as string
	// err is the API server's answer when it refused the request.
	err error
	// warnings are what the client received.
	warnings []string
	// pods are the pods of a created workload, once its controller has
	// created them.
	pods []corev1.Pod
	// pdbs are the PodDisruptionBudgets Ballast created for it.
	pdbs []string
}

// deployer applies the samples and keeps what happened.
type deployer struct {
	cp         *controlplane.ControlPlane
	samples    *samples
	admin, dev client.Client

	// outcomes of the samples, in their order.
	outcomes []*outcome
	// guard is the outcome of the developer's attempt to exempt
	// guardNamespace.
	guard *outcome
}

func newDeployer(cp *controlplane.ControlPlane, s *samples) (*deployer, error) {
	admin, err := newClient(rest.CopyConfig(cp.Config))
	if err != nil {
		return nil, err
	}
	dev, err := newDeveloper(cp)
	if err != nil {
		return nil, err
	}
	return &deployer{cp: cp, samples: s, admin: admin, dev: dev}, nil
}

// apply applies the platform team's objects, waits until Ballast answers
// in every new namespace in the mode the policy gives it, then applies the
// developer's objects, waiting after each Service until Ballast has seen
// it. A request that the API server refuses is an outcome, not an error;
// see unexpected.
func (d *deployer) apply(ctx context.Context) error {
	for _, m := range d.samples.manifests {
		if isPlatform(m.obj) {
			o := d.create(ctx, d.admin, platformTeam, m)
			if o.err != nil {
				return fmt.Errorf("applying %s as %s: %w", describe(m.obj), platformTeam, o.err)
			}
		}
	}
	for _, ns := range d.namespaces() {
		if err := d.waitForMode(ctx, ns); err != nil {
			return err
		}
	}
	for _, m := range d.samples.manifests {
		if isPlatform(m.obj) {
			continue
		}
		o := d.create(ctx, d.dev, fmt.Sprintf("developer %q", developer), m)
		if svc, ok := m.obj.(*corev1.Service); ok && o.err == nil {
			if err := d.waitForService(ctx, svc); err != nil {
				return err
			}
		}
	}
	return nil
}

// create creates m's object as who, with c, and records the outcome.
func (d *deployer) create(ctx context.Context, c client.Client, who string, m manifest) *outcome {
	o := &outcome{manifest: m, as: who}
	obj := m.obj.DeepCopyObject().(client.Object)
	wctx, got := warnings.Collect(ctx)
	o.err = c.Create(wctx, obj)
	o.warnings = got.List()
	d.outcomes = append(d.outcomes, o)
	return o
}

// namespaces returns the Namespaces of the samples, in their order.
func (d *deployer) namespaces() []*corev1.Namespace {
	var out []*corev1.Namespace
	for _, m := range d.samples.manifests {
		if ns, ok := m.obj.(*corev1.Namespace); ok {
			out = append(out, ns)
		}
	}
	return out
}

// settings resolves the policy for ns, as Ballast does.
func (d *deployer) settings(ns *corev1.Namespace) policy.Settings {
	return policy.Resolve(&d.samples.policy.Spec, policy.Namespace{Name: ns.Name, Labels: ns.Labels}, time.Now())
}

// waitForMode waits until Ballast answers in namespace ns in the mode the
// policy gives it. Ballast reads namespace labels from its informer cache,
// which learns of a new namespace a moment after the API server stored
// it; until then it would answer in the policy's default mode. The API
// server, too, starts calling newly installed webhooks a moment after.
func (d *deployer) waitForMode(ctx context.Context, ns *corev1.Namespace) error {
	want := d.settings(ns).Mode
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	for {
		got, err := verdict.ModeOf(ctx, d.admin, ns.Name)
		if err == nil && got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s: Ballast never answers in mode %s (last: %q, %w): %w", ns.Name, want, got, err, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// probeContainer names the container of the Deployments the demo asks
// Ballast about in dry runs.
const probeContainer = "probe"

// probeDeployment returns a Deployment the demo only ever creates in dry
// runs, to read Ballast's answer: one replica of pods labelled labels,
// whose container has ports, no probes and no resources.
func probeDeployment(ns string, labels map[string]string, ports []corev1.ContainerPort) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ballast-demo-probe"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: probeContainer, Image: "registry.example.com/probe:1.0.0", Ports: ports,
				}}},
			},
		},
	}
}

// waitForService waits until Ballast has seen svc, which the developer has
// just created. Ballast reads Services from its informer cache, which
// learns of a new one a moment after the API server has stored it, and
// judges a workload applied before that as if no Service routed to its
// pods: it would inject no readiness probe. So the demo asks Ballast, in
// dry runs, about a Deployment whose pods svc selects, with the ports svc
// targets, until its answer no longer says that no Service routes to them.
// Where Ballast says nothing of the kind (a namespace that is off, or
// where readiness-probe is exempted) there is nothing to wait for.
func (d *deployer) waitForService(ctx context.Context, svc *corev1.Service) error {
	if len(svc.Spec.Selector) == 0 || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil // it routes nothing
	}
	probe := probeDeployment(svc.Namespace, svc.Spec.Selector, targetPorts(svc))
	// It breaks no deny rule, so that enforce admits it with warnings too.
	probe.Spec.Replicas = ptr.To[int32](2)
	probe.Spec.Template.Spec.Containers[0].Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("128Mi")},
	}
	notRouted := "no Service routes to container " + probeContainer
	var last []string
	err := poll(ctx, waitTimeout, func() (bool, error) {
		wctx, got := warnings.Collect(ctx)
		switch err := d.admin.Create(wctx, probe.DeepCopy(), client.DryRunAll); {
		case verdict.IsDenial(err):
			return true, nil // a policy that denies even this says nothing more
		case err != nil:
			return false, fmt.Errorf("creating a probe Deployment for %s in dry-run: %w", describe(svc), err)
		}
		last = got.List()
		return !slices.ContainsFunc(last, func(w string) bool { return strings.Contains(w, notRouted) }), nil
	})
	if err != nil {
		return fmt.Errorf("waiting for Ballast to see %s (last warnings: %q): %w", describe(svc), last, err)
	}
	return nil
}

// targetPorts returns container ports that the ports of svc target: the
// port named by a targetPort name (numbered from namedPortBase), the
// targetPort number, or the Service port's own number.
func targetPorts(svc *corev1.Service) []corev1.ContainerPort {
	const namedPortBase = 20000
	var out []corev1.ContainerPort
	for i, sp := range svc.Spec.Ports {
		p := corev1.ContainerPort{ContainerPort: sp.Port, Protocol: sp.Protocol}
		switch t := sp.TargetPort; {
		case t.Type == intstr.String:
			p.Name, p.ContainerPort = t.StrVal, namedPortBase+int32(i)
		case t.IntVal != 0:
			p.ContainerPort = t.IntVal
		}
		out = append(out, p)
	}
	return out
}

// waitForPods waits until their controllers have created the pods of
// every workload created, and Ballast the PodDisruptionBudgets it
// announced, and returns the number of pods. DaemonSets have none here:
// the control plane has no nodes.
func (d *deployer) waitForPods(ctx context.Context) (int, error) {
	total := 0
	for _, o := range d.outcomes {
		w, ok := workload.Of(o.obj)
		if !ok || o.err != nil || w.Kind == workload.KindDaemonSet {
			continue
		}
		want := int(ptr.Deref(w.Replicas, 1))
		err := poll(ctx, waitTimeout, func() (bool, error) {
			var pods corev1.PodList
			if err := d.admin.List(ctx, &pods, client.InNamespace(w.Namespace), client.MatchingLabels(w.PodLabels())); err != nil {
				return false, fmt.Errorf("listing the pods of %s: %w", describe(o.obj), err)
			}
			o.pods = pods.Items
			return len(o.pods) == want, nil
		})
		if err != nil {
			return total, fmt.Errorf("waiting for the pods of %s (%d): %w", describe(o.obj), want, err)
		}
		slices.SortFunc(o.pods, func(a, b corev1.Pod) int { return strings.Compare(a.Name, b.Name) })
		total += len(o.pods)

		if !slices.ContainsFunc(o.warnings, func(w string) bool { return strings.Contains(w, "Ballast creates PodDisruptionBudget") }) {
			continue
		}
		// Announced: give the reconciler a moment; the report says when
		// it did not come.
		_ = poll(ctx, pdbWaitTimeout, func() (bool, error) {
			var pdbs policyv1.PodDisruptionBudgetList
			if err := d.admin.List(ctx, &pdbs, client.InNamespace(w.Namespace), client.MatchingLabels{pdb.ManagedByLabel: pdb.ManagedByValue}); err != nil {
				return false, err
			}
			o.pdbs = o.pdbs[:0]
			for _, p := range pdbs.Items {
				if controlledBy(&p, w.Kind, w.Name) {
					o.pdbs = append(o.pdbs, p.Name)
				}
			}
			return len(o.pdbs) > 0, nil
		})
	}
	return total, nil
}

// tryExempt has the developer label guardNamespace with guardLabel, which
// RBAC allows and Ballast must deny.
func (d *deployer) tryExempt(ctx context.Context) error {
	var ns corev1.Namespace
	if err := d.dev.Get(ctx, client.ObjectKey{Name: guardNamespace}, &ns); err != nil {
		return fmt.Errorf("reading namespace %s as developer %q: %w", guardNamespace, developer, err)
	}
	patch := client.MergeFrom(ns.DeepCopy())
	key, value, _ := strings.Cut(guardLabel, "=")
	ns.Labels[key] = value
	wctx, got := warnings.Collect(ctx)
	err := d.dev.Patch(wctx, &ns, patch)
	d.guard = &outcome{manifest: manifest{obj: &ns}, as: fmt.Sprintf("developer %q", developer), err: err, warnings: got.List()}
	return nil
}

// unexpected returns an error for every request that failed for another
// reason than a denial by Ballast, and when the developer managed to
// exempt a namespace: the demo itself is broken then.
func (d *deployer) unexpected() error {
	var errs []error
	for _, o := range d.outcomes {
		if o.err != nil && !verdict.IsDenial(o.err) {
			errs = append(errs, fmt.Errorf("%s (%s): %w", describe(o.obj), o.file, o.err))
		}
	}
	if d.guard != nil && d.guard.err == nil {
		errs = append(errs, fmt.Errorf("developer %q could label namespace %s %s: Ballast did not stop it", developer, guardNamespace, guardLabel))
	}
	if len(errs) > 0 {
		return fmt.Errorf("the demo did not go as it should:\n%w", errors.Join(errs...))
	}
	return nil
}

// poll calls cond every pollInterval until it returns true or an error,
// or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		ok, err := cond()
		switch {
		case err != nil:
			return err
		case ok:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s: %w", timeout, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// controlledBy reports whether obj's controller is the kind named name.
func controlledBy(obj client.Object, kind, name string) bool {
	ref := metav1.GetControllerOf(obj)
	return ref != nil && ref.Kind == kind && ref.Name == name
}

// isPlatform reports whether the platform team applies obj.
func isPlatform(obj client.Object) bool {
	return slices.Contains(platformKinds, kindOf(obj))
}

// kindOf returns the kind of a typed object of client-go's scheme.
func kindOf(obj client.Object) string {
	gvk, err := apiutil.GVKForObject(obj, clientgoscheme.Scheme)
	if err != nil {
		return fmt.Sprintf("%T", obj)
	}
	return gvk.Kind
}

// describe names obj for people: "Deployment payments/checkout".
func describe(obj client.Object) string {
	name := obj.GetName()
	if ns := obj.GetNamespace(); ns != "" {
		name = ns + "/" + name
	}
	return kindOf(obj) + " " + name
}
