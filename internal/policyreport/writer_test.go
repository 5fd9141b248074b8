package policyreport_test

import (
	"slices"
	"testing"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/audit/audittest"
	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/policyreport"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/testutil/golden"
	"github.com/ballast-dev/ballast/internal/testutil/reportcrds"
)

// auditData holds the cluster and the policy of the audit's tests.
const auditData = "../audit/testdata/"

// evaluated are the namespaces of auditData's cluster that the audit
// evaluates; sandbox is off and the kube-* namespaces are excluded.
var evaluated = []string{"blog", "default", "legacy", "payments", "secret", "shop", "staging"}

// TestWriter writes the reports of auditData's cluster into a real API
// server with both report CRDs installed, strictly (a field the schema
// does not know fails), in each format.
func TestWriter(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{
		CRDDirectoryPaths: []string{reportcrds.OpenReports(t), reportcrds.WGPolicy(t)},
	})
	audittest.Apply(t, cp.Client, auditData+"cluster.yaml")
	pol, err := policy.Load(auditData + "policy.yaml")
	require.NoError(t, err)
	c, err := client.New(cp.Config, client.Options{Scheme: clientgoscheme.Scheme})
	require.NoError(t, err)
	c = client.WithFieldValidation(c, metav1.FieldValidationStrict)

	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	run := func(t *testing.T, w *policyreport.Writer) *audit.Report {
		t.Helper()
		r, err := audit.Run(t.Context(), cp.Client, audit.Options{Spec: &pol.Spec, Excluded: audit.WebhookExcluded("ballast-system")})
		require.NoError(t, err)
		require.NoError(t, w.WriteReport(t.Context(), r, &pol.Spec))
		return r
	}

	t.Run("wgpolicyk8s: one PolicyReport per evaluated namespace, unchanged by a second run", func(t *testing.T) {
		w, err := policyreport.NewWriter(policyreport.Options{Client: c, Format: policyreport.FormatWGPolicy, Now: clock})
		require.NoError(t, err)
		run(t, w)
		versions := reportVersions(t, c, policyreport.WGPolicyKind)
		assert.Equal(t, evaluated, keys(versions))

		shop := get(t, c, policyreport.WGPolicyKind, "shop")
		_, hasSource := shop.Object["source"]
		assert.False(t, hasSource, "a PolicyReport has no source of its own")
		assert.Equal(t, shopSummary, summaryOf(t, shop))

		now = now.Add(time.Hour)
		run(t, w)
		assert.Equal(t, versions, reportVersions(t, c, policyreport.WGPolicyKind), "nothing changed, nothing written")
	})

	t.Run("openreports", func(t *testing.T) {
		w, err := policyreport.NewWriter(policyreport.Options{Client: c, Format: policyreport.FormatOpenReports, Now: clock})
		require.NoError(t, err)
		first := now
		run(t, w)
		versions := reportVersions(t, c, policyreport.OpenReportsKind)
		assert.Equal(t, evaluated, keys(versions))

		t.Run("the results of a namespace", func(t *testing.T) {
			shop := get(t, c, policyreport.OpenReportsKind, "shop")
			// docs/audit.md shows this file.
			golden.Assert(t, "testdata/shop.golden.yaml", asStored(t, shop))
			assert.Equal(t, map[string]string{pdb.ManagedByLabel: "ballast"}, shop.GetLabels())
			ns := &corev1.Namespace{}
			require.NoError(t, c.Get(t.Context(), client.ObjectKey{Name: "shop"}, ns))
			assert.Equal(t, []metav1.OwnerReference{{APIVersion: "v1", Kind: "Namespace", Name: "shop", UID: ns.UID}},
				shop.GetOwnerReferences(), "owned by its Namespace")
			rep := typed(t, shop)
			assert.Equal(t, policyreport.Source, rep.Source)
			assert.Equal(t, shopSummary, rep.Summary)
			stamp := metav1.Timestamp{Seconds: first.Unix()}
			assert.Equal(t, openreportsv1alpha1.ReportResult{
				Source: "ballast", Policy: "min-replicas", Category: "Reliability", Severity: "high", Timestamp: stamp,
				Result:      "fail",
				Subjects:    []corev1.ObjectReference{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}},
				Description: "runs 1 replica, below the minimum of 2: a node drain stops the service",
				Properties: map[string]string{
					"action": "deny", "mode": "enforce", "field": "spec.replicas", "fix": "set spec.replicas: 2",
				},
			}, resultOf(t, rep, "Deployment", "web", "min-replicas"))
			assert.Equal(t, openreportsv1alpha1.Result("warn"), resultOf(t, rep, "Deployment", "web", "image-tag").Result)
			assert.Equal(t, openreportsv1alpha1.Result("pass"), resultOf(t, rep, "Deployment", "api", "min-replicas").Result)
			assert.Equal(t, openreportsv1alpha1.Result("fail"), resultOf(t, rep, "PodDisruptionBudget", "cart", "pdb-allows-disruption").Result)

			legacy := typed(t, get(t, c, policyreport.OpenReportsKind, "legacy"))
			assert.Equal(t, openreportsv1alpha1.ReportResult{
				Source: "ballast", Policy: "min-replicas", Category: "Reliability", Timestamp: stamp,
				Result:      "skip",
				Subjects:    []corev1.ObjectReference{{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "legacy", Name: "monolith"}},
				Description: "exempted by legacy-single-replica: one replica until the rewrite ships",
				Properties: map[string]string{
					"mode": "dryrun", "exemption": "legacy-single-replica", "exemptionReason": "one replica until the rewrite ships",
					"exemptionOwner": "team-legacy", "exemptionExpires": "2099-01-01T00:00:00Z",
				},
			}, resultOf(t, legacy, "Deployment", "monolith", "min-replicas"))

			payments := typed(t, get(t, c, policyreport.OpenReportsKind, "payments"))
			ledger := resultOf(t, payments, "Deployment", "ledger", "min-replicas")
			assert.Equal(t, openreportsv1alpha1.Result("fail"), ledger.Result)
			assert.Equal(t, "payments-freeze", ledger.Properties["expiredExemption"])
			assert.Equal(t, "2020-01-01T00:00:00Z", ledger.Properties["expiredExemptionExpires"])
		})

		t.Run("a second run that finds nothing new writes nothing", func(t *testing.T) {
			now = first.Add(time.Hour)
			run(t, w)
			assert.Equal(t, versions, reportVersions(t, c, policyreport.OpenReportsKind))
		})

		t.Run("a fix updates the report in place; unchanged results keep their time", func(t *testing.T) {
			now = first.Add(2 * time.Hour)
			web := &appsv1.Deployment{}
			require.NoError(t, c.Get(t.Context(), client.ObjectKey{Namespace: "shop", Name: "web"}, web))
			web.Spec.Replicas = ptr.To[int32](2)
			require.NoError(t, c.Update(t.Context(), web))
			run(t, w)
			after := reportVersions(t, c, policyreport.OpenReportsKind)
			assert.NotEqual(t, versions["shop"], after["shop"], "shop's report is updated")
			for _, ns := range evaluated {
				if ns != "shop" {
					assert.Equal(t, versions[ns], after[ns], "%s is untouched", ns)
				}
			}
			rep := typed(t, get(t, c, policyreport.OpenReportsKind, "shop"))
			fixed := resultOf(t, rep, "Deployment", "web", "min-replicas")
			assert.Equal(t, openreportsv1alpha1.Result("pass"), fixed.Result)
			assert.Equal(t, metav1.Timestamp{Seconds: now.Unix()}, fixed.Timestamp, "a new result")
			assert.Equal(t, metav1.Timestamp{Seconds: first.Unix()}, resultOf(t, rep, "Deployment", "api", "min-replicas").Timestamp,
				"an unchanged result keeps its time")
			versions = after
		})

		t.Run("an unreadable namespace keeps its report; one that leaves the scope loses it", func(t *testing.T) {
			ns := &corev1.Namespace{}
			require.NoError(t, c.Get(t.Context(), client.ObjectKey{Name: "staging"}, ns))
			ns.Labels = map[string]string{"ballast.dev/mode": "off"}
			require.NoError(t, c.Update(t.Context(), ns))
			r, err := audit.Run(t.Context(), cp.Client, audit.Options{Spec: &pol.Spec, Excluded: audit.WebhookExcluded("ballast-system")})
			require.NoError(t, err)
			for i := range r.Namespaces {
				if r.Namespaces[i].Name == "blog" {
					r.Namespaces[i].Error = "deployments.apps is forbidden"
					r.Namespaces[i].Objects = nil
				}
			}
			require.NoError(t, w.WriteReport(t.Context(), r, &pol.Spec))
			after := reportVersions(t, c, policyreport.OpenReportsKind)
			assert.NotContains(t, after, "staging", "mode off: out of scope")
			assert.Equal(t, versions["blog"], after["blog"], "unreadable: the last report stands")
		})
	})

	t.Run("auto prefers the OpenReports API, and moves the reports there", func(t *testing.T) {
		require.NotEmpty(t, reportVersions(t, c, policyreport.WGPolicyKind), "the PolicyReports of the first subtest")
		before := reportVersions(t, c, policyreport.OpenReportsKind)
		w, err := policyreport.NewWriter(policyreport.Options{Client: c, Format: policyreport.FormatAuto, Now: clock})
		require.NoError(t, err)
		run(t, w)
		assert.Empty(t, reportVersions(t, c, policyreport.WGPolicyKind), "the PolicyReports are gone")
		assert.Equal(t, before, reportVersions(t, c, policyreport.OpenReportsKind), "the Reports are as they were")
	})
}

// shopSummary is the summary of namespace shop's report: 49 results, 12
// rules on each of its 3 Deployments, 11 on its StatefulSet (all but
// rolling-update), one on its HPA and one on its PodDisruptionBudget.
// Deployment web breaks min-replicas and resource-requests (deny) and
// image-tag, liveness-probe and memory-limit (warn); PodDisruptionBudget
// cart, and Deployment cart under it, allow no disruption (deny); the
// other 42 pass.
var shopSummary = openreportsv1alpha1.ReportSummary{Pass: 42, Fail: 4, Warn: 3}

// reportVersions returns the resourceVersion of each report Ballast keeps,
// by namespace.
func reportVersions(t *testing.T, c client.Client, gvk schema.GroupVersionKind) map[string]string {
	t.Helper()
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
	require.NoError(t, c.List(t.Context(), list, client.MatchingLabels{pdb.ManagedByLabel: "ballast"}))
	out := map[string]string{}
	for _, item := range list.Items {
		require.Equal(t, policyreport.Name, item.GetName())
		out[item.GetNamespace()] = item.GetResourceVersion()
	}
	return out
}

// asStored returns the report as `kubectl get -o yaml` shows it, without
// the metadata that changes from run to run.
func asStored(t *testing.T, u *unstructured.Unstructured) string {
	t.Helper()
	u = u.DeepCopy()
	for _, f := range []string{"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields"} {
		unstructured.RemoveNestedField(u.Object, "metadata", f)
	}
	owners := u.GetOwnerReferences()
	for i := range owners {
		owners[i].UID = "<the namespace's uid>"
	}
	u.SetOwnerReferences(owners)
	out, err := yaml.Marshal(u.Object)
	require.NoError(t, err)
	return string(out)
}

// keys returns the keys of m, sorted.
func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// get returns the report of namespace ns.
func get(t *testing.T, c client.Client, gvk schema.GroupVersionKind, ns string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	require.NoError(t, c.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: policyreport.Name}, u))
	return u
}

// typed decodes a report; both APIs' results and summaries decode into
// the OpenReports types.
func typed(t *testing.T, u *unstructured.Unstructured) *openreportsv1alpha1.Report {
	t.Helper()
	rep := &openreportsv1alpha1.Report{}
	require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, rep))
	return rep
}

func summaryOf(t *testing.T, u *unstructured.Unstructured) openreportsv1alpha1.ReportSummary {
	t.Helper()
	return typed(t, u).Summary
}

// resultOf returns the result of rule on the object of kind and name.
func resultOf(t *testing.T, rep *openreportsv1alpha1.Report, kind, name, rule string) openreportsv1alpha1.ReportResult {
	t.Helper()
	var found []openreportsv1alpha1.ReportResult
	for _, r := range rep.Results {
		if r.Policy == rule && len(r.Subjects) == 1 && r.Subjects[0].Kind == kind && r.Subjects[0].Name == name {
			found = append(found, r)
		}
	}
	require.Len(t, found, 1, "results of %s on %s %s", rule, kind, name)
	return found[0]
}
