package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/audit/audittest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
)

// auditData holds the cluster, the policy and the golden files of the
// audit tests, shared with internal/audit's.
const auditData = "../../internal/audit/testdata"

// auditor is the user the audit runs as: it may read everything but the
// objects of namespace secret.
const auditor = "auditor"

func TestAuditUsage(t *testing.T) {
	// A kubeconfig for a cluster nobody listens at: every case fails
	// before the audit would reach it.
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	require.NoError(t, os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`), 0o600))
	broken := filepath.Join(t.TempDir(), "policy.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("spec: {mode: sometimes}\n"), 0o600))
	tests := map[string]struct {
		args   []string
		stderr string
	}{
		"an unknown mode":         {args: []string{"--mode", "off"}, stderr: `--mode: mode "off": must be one of enforce, warn, dryrun, as-configured`},
		"an unknown output":       {args: []string{"-o", "yaml"}, stderr: `--output "yaml": must be text, json or markdown`},
		"no page":                 {args: []string{"--page-size", "0"}, stderr: "--page-size 0: must be positive"},
		"a ConfigMap without NS":  {args: []string{"--policy-configmap", "ballast-policy"}, stderr: `--policy-configmap "ballast-policy": must be NAMESPACE/NAME`},
		"one namespace and all":   {args: []string{"-n", "shop", "-A"}, stderr: "[all-namespaces namespace] were all set"},
		"two policies":            {args: []string{"--policy", "p.yaml", "--policy-configmap", "a/b"}, stderr: "[policy policy-configmap] were all set"},
		"no kubeconfig":           {args: []string{"--kubeconfig", "/nonexistent"}, stderr: "loading the Kubernetes client configuration"},
		"an unknown context":      {args: []string{"--context", "nope"}, stderr: `context "nope" does not exist`},
		"a bad request timeout":   {args: []string{"--request-timeout", "soon"}, stderr: "Invalid timeout value. Timeout must be a single integer in seconds"},
		"a policy file not there": {args: []string{"--policy", "/nonexistent.yaml"}, stderr: "read policy: open /nonexistent.yaml"},
		"a broken policy file": {
			args:   []string{"--policy", broken},
			stderr: `line 1: spec.mode: Unsupported value: "sometimes"`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"audit", "--kubeconfig", kubeconfig}, tc.args...)
			code, stdout, stderr := run(t, "", args...)
			assert.Equal(t, exitFailure, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}

// TestAudit runs `ballast audit` against a real API server seeded with
// testdata/cluster.yaml, as a user who may not read namespace secret.
func TestAudit(t *testing.T) {
	cp := controlplane.Start(t, controlplane.Options{})
	audittest.Apply(t, cp.Client, filepath.Join(auditData, "cluster.yaml"))
	installPolicy(t, cp.Client, filepath.Join(auditData, "policy.yaml"))
	kubeconfig := auditorKubeconfig(t, cp)

	t.Run("json: every namespace, judged in enforce", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "-o", "json", "--page-size", "2")
		assert.Equal(t, exitFailure, code, "a namespace could not be read; stderr: %s", stderr)
		assert.Empty(t, stderr, "no progress line off a terminal")
		var r audit.Report
		require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)

		assert.Equal(t, "enforce", r.Mode)
		assert.Equal(t, "ConfigMap ballast-system/ballast-policy", r.Policy)
		assert.Empty(t, r.Namespace)
		assert.WithinDuration(t, time.Now(), r.Time, time.Minute)
		assert.Equal(t, audit.Summary{
			Namespaces: 12, Evaluated: 6, Skipped: 5, Unreadable: 1,
			Objects: 11, Denied: 6, Warnings: 9, PlannedPDBs: 2, PodsLackingDefaults: 2,
			ByRule: []audit.RuleTotal{
				{Rule: "min-replicas", Action: policy.ActionDeny, Namespaces: 4, Objects: 4},
				{Rule: "resource-requests", Action: policy.ActionDeny, Namespaces: 3, Objects: 3},
				{Rule: "pdb-allows-disruption", Action: policy.ActionDeny, Namespaces: 1, Objects: 2},
				{Rule: "image-tag", Action: policy.ActionWarn, Namespaces: 3, Objects: 3},
				{Rule: "liveness-probe", Action: policy.ActionWarn, Namespaces: 3, Objects: 3},
				{Rule: "memory-limit", Action: policy.ActionWarn, Namespaces: 3, Objects: 3},
			},
		}, r.Summary)
		assert.Contains(t, stdout, `"byRule": [`+"\n"+`      {`+"\n"+`        "rule": "min-replicas",`+"\n"+`        "action": "deny",`+"\n"+`        "namespaces": 4,`+"\n"+`        "objects": 4`,
			"the JSON names of the roll-up")
		assert.Empty(t, r.OwnerLabel)
		assert.Empty(t, namespaceOf(t, &r, "shop").Owner, "no owner without --owner-label")
		var names []string
		for _, n := range r.Namespaces {
			names = append(names, n.Name)
		}
		assert.Equal(t, []string{
			"shop", "blog", "staging", "payments", "default", "legacy", // by denials, then warnings, then name
			"secret",                                                                     // unreadable
			"ballast-system", "kube-node-lease", "kube-public", "kube-system", "sandbox", // skipped
		}, names)

		shop := namespaceOf(t, &r, "shop")
		assert.Equal(t, policy.ModeEnforce, shop.Mode)
		assert.Equal(t, policy.ModeEnforce, shop.ConfiguredMode)
		assert.Equal(t, "namespace label ballast.dev/mode", shop.ModeSource)
		assert.Equal(t, 6, shop.Evaluated)
		assert.Equal(t, 3, shop.Denied)
		assert.Equal(t, 3, shop.Warnings)
		assert.Equal(t, []audit.Violation{
			{Rule: "pdb-allows-disruption", Action: policy.ActionDeny, Objects: 2},
			{Rule: "min-replicas", Action: policy.ActionDeny, Objects: 1},
			{Rule: "resource-requests", Action: policy.ActionDeny, Objects: 1},
			{Rule: "image-tag", Action: policy.ActionWarn, Objects: 1},
			{Rule: "liveness-probe", Action: policy.ActionWarn, Objects: 1},
			{Rule: "memory-limit", Action: policy.ActionWarn, Objects: 1},
		}, shop.Violations)
		assert.Equal(t, []audit.PlannedPDB{
			{Name: "ballast-deployment-api", Kind: "Deployment", Workload: "api", Message: "PodDisruptionBudget ballast-deployment-api (maxUnavailable 1)"},
			{Name: "ballast-statefulset-db", Kind: "StatefulSet", Workload: "db", Message: "PodDisruptionBudget ballast-statefulset-db (maxUnavailable 1)"},
		}, shop.PlannedPDBs)
		assert.Equal(t, audit.Pods{
			Count: 2,
			Names: []string{"web-6d4cf56db6-q9m4z", "web-6d4cf56db6-x7k2p"},
			Rules: []string{"prestop-hook", "readiness-probe"},
		}, shop.PodsLackingDefaults, "the Job's pod and the pod with every default are not counted")
		var verdicts []string
		for _, o := range shop.Objects {
			verdict := "allowed"
			if !o.Allowed {
				verdict = "denied"
			}
			verdicts = append(verdicts, o.APIVersion+" "+o.Kind+" "+o.Name+" "+verdict)
			assert.Equal(t, "shop", o.Namespace)
			assert.Equal(t, audit.Source, o.Source)
			assert.Equal(t, policy.ModeEnforce, o.Mode)
		}
		assert.Equal(t, []string{
			"apps/v1 Deployment api allowed",
			"apps/v1 Deployment cart denied",
			"apps/v1 Deployment web denied",
			"apps/v1 StatefulSet db allowed",
			"autoscaling/v2 HorizontalPodAutoscaler api allowed",
			"policy/v1 PodDisruptionBudget cart denied",
		}, verdicts)
		web := shop.Objects[2]
		require.Len(t, web.Findings, 5)
		assert.Equal(t, "min-replicas", web.Findings[0].Rule)
		assert.Equal(t, policy.ActionDeny, web.Findings[0].Action)
		assert.Equal(t, "spec.replicas", web.Findings[0].Field)
		assert.NotEmpty(t, web.Findings[0].Message)
		assert.Equal(t, "set spec.replicas: 2", web.Findings[0].Fix)
		require.Len(t, web.Mutations, 2, "the defaults its pods get")
		assert.Equal(t, "prestop-hook", web.Mutations[0].Rule)
		assert.Equal(t, "readiness-probe", web.Mutations[1].Rule, "on the port its Service routes to")
		assert.Empty(t, web.Notes)
		pdb := shop.Objects[5]
		require.Len(t, pdb.Findings, 1)
		assert.Equal(t, "pdb-allows-disruption", pdb.Findings[0].Rule, "judged with the Deployments of its namespace")
		cart := shop.Objects[1]
		require.Len(t, cart.Findings, 1)
		assert.Equal(t, "PDB cart (minAvailable 2) allows no disruption of its 2 pods", cart.Findings[0].Message,
			"the Deployment is judged against the PDB that selects its pods")

		blog := namespaceOf(t, &r, "blog")
		assert.Equal(t, policy.ModeEnforce, blog.Mode)
		assert.Equal(t, policy.ModeWarn, blog.ConfiguredMode)
		assert.Equal(t, 1, blog.Denied)
		assert.Equal(t, 2, blog.Evaluated, "the Deployment and the DaemonSet")
		blogDeployment := objectOf(t, &blog, "Deployment", "blog")
		assert.Equal(t, []report.Note{{
			Rule: "readiness-probe", Container: "blog",
			Message: "no Service routes to container blog: readiness probe not injected",
		}}, blogDeployment.Notes)
		for _, m := range blogDeployment.Mutations {
			assert.NotEqual(t, "readiness-probe", m.Rule, "no Service routes to it")
		}

		staging := namespaceOf(t, &r, "staging")
		assert.Equal(t, policy.ModeDryRun, staging.ConfiguredMode)
		assert.Equal(t, "policy default", staging.ModeSource)
		assert.Equal(t, 1, staging.Denied)

		until := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
		legacy := namespaceOf(t, &r, "legacy")
		assert.Equal(t, []report.Exemption{{
			Name: "legacy-single-replica", Reason: "one replica until the rewrite ships", Owner: "team-legacy",
			Rules: []string{"min-replicas"}, Expires: &until,
		}}, legacy.Exemptions)
		assert.Empty(t, legacy.ExpiredExemptions)
		assert.Equal(t, 0, legacy.Denied, "the exemption covers its one replica")
		require.Len(t, legacy.Objects, 1)
		assert.Empty(t, legacy.Objects[0].Findings)

		expired := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		payments := namespaceOf(t, &r, "payments")
		assert.Empty(t, payments.Exemptions)
		assert.Equal(t, []report.Exemption{{
			Name: "payments-freeze", Reason: "change freeze during the migration", Owner: "team-payments",
			Rules: []string{"min-replicas"}, Expires: &expired,
		}}, payments.ExpiredExemptions)
		assert.Equal(t, []audit.Violation{{Rule: "min-replicas", Action: policy.ActionDeny, Objects: 1}}, payments.Violations,
			"the expired exemption no longer applies")

		secret := namespaceOf(t, &r, "secret")
		assert.Equal(t, `poddisruptionbudgets.policy is forbidden: User "auditor" cannot list resource "poddisruptionbudgets" in API group "policy" in the namespace "secret"`, secret.Error)
		assert.Empty(t, secret.Objects)
		assert.Zero(t, secret.Denied)

		sandbox := namespaceOf(t, &r, "sandbox")
		assert.Equal(t, policy.ModeOff, sandbox.Mode)
		assert.Equal(t, "mode off", sandbox.Skipped)
		assert.Equal(t, "namespace label ballast.dev/mode", sandbox.ModeSource)
		for _, name := range []string{"ballast-system", "kube-system"} {
			n := namespaceOf(t, &r, name)
			assert.Equal(t, "not sent to the webhook", n.Skipped, name)
			assert.Equal(t, "excluded by the webhook configurations", n.ModeSource, name)
		}
	})

	// The golden files are rewritten by go test -update (the flag of
	// check_test.go).
	t.Run("markdown", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "-o", "markdown")
		assert.Equal(t, exitFailure, code, stderr)
		assertGolden(t, filepath.Join(auditData, "golden", "all-namespaces.md"), stdout)
	})

	t.Run("markdown, with owners", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "-o", "markdown", "--owner-label", "team")
		assert.Equal(t, exitFailure, code, stderr)
		assertGolden(t, filepath.Join(auditData, "golden", "owners.md"), stdout)
	})

	t.Run("json, with owners", func(t *testing.T) {
		_, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "-o", "json", "--owner-label", "team")
		var r audit.Report
		require.NoError(t, json.Unmarshal([]byte(stdout), &r), stderr)
		assert.Equal(t, "team", r.OwnerLabel)
		assert.Equal(t, "storefront", namespaceOf(t, &r, "shop").Owner)
		assert.Equal(t, "payments", namespaceOf(t, &r, "payments").Owner)
		assert.Empty(t, namespaceOf(t, &r, "legacy").Owner, "no team label")
	})

	t.Run("text: the roll-up by rule and the owner column", func(t *testing.T) {
		_, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "--owner-label", "team")
		assert.Contains(t, stdout, "\nshop (owner storefront): enforce (namespace label ballast.dev/mode)\n", stderr)
		assert.Contains(t, stdout, "\nNAMESPACE        OWNER       MODE     DENIED  WARNINGS  PDBS  PODS  NOTE\nshop             storefront  enforce  3 ")
		assert.Contains(t, stdout, `
By rule:
  min-replicas blocks 4 namespaces, 4 objects
  resource-requests blocks 3 namespaces, 3 objects
  pdb-allows-disruption blocks 1 namespace, 2 objects
  image-tag warns in 3 namespaces, 3 objects
  liveness-probe warns in 3 namespaces, 3 objects
  memory-limit warns in 3 namespaces, 3 objects
`)
	})

	t.Run("kubectl's flags: --as impersonates, --request-timeout bounds each request", func(t *testing.T) {
		// The admin's kubeconfig, impersonating the auditor, sees what
		// the auditor sees.
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", cp.KubeconfigPath, "--as", auditor, "-n", "secret", "--request-timeout", "30s")
		assert.Equal(t, exitFailure, code, stderr)
		assert.Contains(t, stdout, `secret: unreadable: poddisruptionbudgets.policy is forbidden: User "auditor" cannot list`)
		code, stdout, stderr = run(t, "", "audit", "--kubeconfig", cp.KubeconfigPath, "-n", "secret", "--request-timeout", "30s")
		assert.Equal(t, exitDenied, code, "the admin reads secret: %s", stderr)
		assert.Contains(t, stdout, "secret: enforce (ballast audit --mode; configured: dryrun, policy default)")
	})

	t.Run("markdown, as configured", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "-o", "markdown", "--mode", "as-configured")
		assert.Equal(t, exitFailure, code, stderr)
		assertGolden(t, filepath.Join(auditData, "golden", "as-configured.md"), stdout)
	})

	t.Run("text, one namespace", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "--context", "envtest", "-n", "shop")
		assert.Equal(t, exitDenied, code, stderr)
		for _, line := range []string{
			"Ballast audit of namespace shop (mode enforce, policy ConfigMap ballast-system/ballast-policy)\n",
			"shop: enforce (namespace label ballast.dev/mode)\n",
			"  Deployment web: would be denied\n",
			"  PodDisruptionBudget cart: would be denied\n",
			"  would create PodDisruptionBudget ballast-deployment-api (maxUnavailable 1) for Deployment api\n",
			"  2 pod(s) lack defaults (prestop-hook, readiness-probe): web-6d4cf56db6-q9m4z, web-6d4cf56db6-x7k2p\n",
			"Summary (mode enforce): namespaces: 1 (1 evaluated, 0 skipped, 0 unreadable); objects: 6; denied: 3; warnings: 3; PDBs to create: 2; pods lacking defaults: 2\n",
		} {
			assert.Contains(t, stdout, line)
		}
	})

	t.Run("nothing denied in a mode that denies nothing", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-n", "blog", "--mode", "warn")
		assert.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stdout, "denied: 0; warnings: 5;")
	})

	t.Run("a policy file previews a change", func(t *testing.T) {
		preview := filepath.Join(t.TempDir(), "policy.yaml")
		require.NoError(t, os.WriteFile(preview, []byte("spec:\n  rules:\n    min-replicas: {action: warn}\n"), 0o600))
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-n", "payments", "--policy", preview)
		assert.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stdout, "Ballast audit of namespace payments (mode enforce, policy file "+preview+")")
		assert.Contains(t, stdout, "    WARN min-replicas  spec.replicas\n")
	})

	t.Run("a namespace the credentials may not read", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-n", "secret")
		assert.Equal(t, exitFailure, code, stderr)
		assert.Contains(t, stdout, `secret: unreadable: poddisruptionbudgets.policy is forbidden: User "auditor" cannot list`)
	})

	t.Run("a namespace that does not exist", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-n", "nope")
		assert.Equal(t, exitFailure, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, `Error: auditing the cluster: reading namespace "nope": namespaces "nope" not found`)
	})

	t.Run("no policy ConfigMap", func(t *testing.T) {
		code, stdout, stderr := run(t, "", "audit", "--kubeconfig", kubeconfig, "-A", "--policy-configmap", "ballast-system/nope")
		assert.Equal(t, exitFailure, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, "Error: reading the installed policy: ConfigMap ballast-system/nope not found; name Ballast's with --policy-configmap NAMESPACE/NAME, or give a policy file with --policy")
	})
}

// namespaceOf returns the report's namespace called name.
func namespaceOf(t *testing.T, r *audit.Report, name string) audit.Namespace {
	t.Helper()
	for _, n := range r.Namespaces {
		if n.Name == name {
			return n
		}
	}
	require.Failf(t, "namespace not in the report", "%s", name)
	return audit.Namespace{}
}

// objectOf returns the object of kind and name among the namespace's.
func objectOf(t *testing.T, n *audit.Namespace, kind, name string) report.Object {
	t.Helper()
	for _, o := range n.Objects {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	require.Failf(t, "object not in the namespace", "%s %s in %s", kind, name, n.Name)
	return report.Object{}
}

// installPolicy creates namespace ballast and, in it, the policy ConfigMap
// as the chart names it, holding the policy file at path.
func installPolicy(t *testing.T, c client.Client, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, c.Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ballast-system"}}))
	require.NoError(t, c.Create(t.Context(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ballast-system", Name: "ballast-policy"},
		Data:       map[string]string{"policy.yaml": string(data)},
	}))
}

// auditorKubeconfig provisions the auditor user with the RBAC the audit
// needs (docs/audit.md) in every namespace but secret, waits until the
// authorizer applies it, and returns a kubeconfig file for the user.
func auditorKubeconfig(t *testing.T, cp *controlplane.ControlPlane) string {
	t.Helper()
	ctx := t.Context()
	user, err := cp.Env.AddUser(envtest.User{Name: auditor}, cp.Config)
	require.NoError(t, err)
	subjects := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: auditor}}
	objs := []client.Object{
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "ballast-audit-namespaces"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get", "list"}}},
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "ballast-audit-namespaces"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "ballast-audit-namespaces"},
			Subjects:   subjects,
		},
		&rbacv1.ClusterRole{
			ObjectMeta: metav1.ObjectMeta{Name: "ballast-audit-objects"},
			Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{"apps"}, Resources: []string{"deployments", "statefulsets", "daemonsets", "replicasets"}, Verbs: []string{"list"}},
				{APIGroups: []string{"autoscaling"}, Resources: []string{"horizontalpodautoscalers"}, Verbs: []string{"list"}},
				{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: []string{"list"}},
				{APIGroups: []string{""}, Resources: []string{"pods", "services", "replicationcontrollers"}, Verbs: []string{"list"}},
			},
		},
		&rbacv1.Role{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ballast-system", Name: "ballast-audit-policy"},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}},
		},
		&rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ballast-system", Name: "ballast-audit-policy"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "ballast-audit-policy"},
			Subjects:   subjects,
		},
	}
	// Every namespace the audit judges but secret.
	for _, ns := range []string{"default", "shop", "blog", "staging", "legacy", "payments"} {
		objs = append(objs, &rbacv1.RoleBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ballast-audit-objects"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "ballast-audit-objects"},
			Subjects:   subjects,
		})
	}
	for _, obj := range objs {
		require.NoError(t, cp.Client.Create(ctx, obj))
	}

	// The authorizer learns of RBAC objects through its informers.
	as, err := client.New(user.Config(), client.Options{Scheme: clientgoscheme.Scheme})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var pods corev1.PodList
		assert.NoError(c, as.List(ctx, &pods, client.InNamespace("payments")))
		var cm corev1.ConfigMap
		assert.NoError(c, as.Get(ctx, client.ObjectKey{Namespace: "ballast-system", Name: "ballast-policy"}, &cm))
	}, 30*time.Second, 100*time.Millisecond, "the auditor's RBAC applies")

	kubeconfig, err := user.KubeConfig()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "auditor.kubeconfig")
	require.NoError(t, os.WriteFile(path, kubeconfig, 0o600))
	return path
}
