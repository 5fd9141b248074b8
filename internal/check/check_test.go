package check

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
)

// now is the fixed moment of every check in these tests.
var now = time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC)

// deployment returns a Deployment manifest with one serving container that
// meets every container rule.
func deployment(namespace, name string, replicas int) string {
	ns := ""
	if namespace != "" {
		ns = "\n  namespace: " + namespace
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + ns + `
spec:
  replicas: ` + strconv.Itoa(replicas) + `
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
      containers:
        - name: app
          image: example.com/app:1.0.0
          livenessProbe:
            exec: {command: [/bin/healthcheck]}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {memory: 64Mi}
`
}

const pdbMinAvailable2 = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: blocker
  namespace: a
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`

// runCheck checks the manifests under spec (the default policy when nil).
func runCheck(t *testing.T, spec *policy.Spec, opts Options, manifests ...string) Report {
	t.Helper()
	if spec == nil {
		spec = &policy.Default().Spec
	}
	opts.Paths, opts.Stdin = []string{"-"}, strings.NewReader(strings.Join(manifests, "---\n"))
	opts.Spec, opts.Now = spec, now
	return Run(opts)
}

// object returns the report's object of kind and name.
func object(t *testing.T, r Report, kind, name string) report.Object {
	t.Helper()
	for _, o := range r.Objects {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	require.Failf(t, "object not in report", "%s %s", kind, name)
	return report.Object{}
}

func rules(o report.Object) []string {
	var ids []string
	for _, f := range o.Findings {
		ids = append(ids, f.Rule)
	}
	for _, m := range o.Mutations {
		ids = append(ids, "set "+m.Rule)
	}
	return ids
}

func TestRunNamespaces(t *testing.T) {
	tests := map[string]struct {
		flag string
		want []string
	}{
		"an object's own namespace, else default": {want: []string{"a", "default"}},
		"the namespace option replaces both":      {flag: "b", want: []string{"b", "b"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCheck(t, nil, Options{Namespace: tc.flag}, deployment("a", "one", 2), deployment("", "two", 2))
			require.Len(t, r.Objects, 2)
			assert.Equal(t, tc.want, []string{r.Objects[0].Namespace, r.Objects[1].Namespace})
		})
	}
}

func TestRunRelatesObjectsOfTheSameNamespace(t *testing.T) {
	tests := map[string]struct {
		webNamespace string
		web, pdb     []string
	}{
		"a PDB judges the workloads of its namespace, covers them, and is judged on them": {
			webNamespace: "a",
			web:          []string{"pdb-allows-disruption"},
			pdb:          []string{"pdb-allows-disruption"},
		},
		"a PDB of another namespace neither judges nor covers": {
			webNamespace: "b",
			web:          []string{"set pdb"},
			pdb:          nil,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spread := "      topologySpreadConstraints: [{maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway, labelSelector: {matchLabels: {app: web}}}]\n"
			r := runCheck(t, nil, Options{}, deployment(tc.webNamespace, "web", 2)+spread, pdbMinAvailable2)
			assert.Equal(t, tc.web, rules(object(t, r, "Deployment", "web")))
			assert.Equal(t, tc.pdb, rules(object(t, r, "PodDisruptionBudget", "blocker")))
		})
	}
}

func TestRunModes(t *testing.T) {
	spec := policy.Default().Spec
	spec.Mode = policy.ModeDryRun
	offNamespace := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: sandbox\n  labels: {ballast.dev/mode: \"off\"}\n"
	tests := map[string]struct {
		mode      policy.Mode
		namespace string
		wantMode  policy.Mode
		allowed   bool
		skipped   string
	}{
		"enforce by default, whatever the policy's mode": {
			namespace: "shop", wantMode: policy.ModeEnforce, allowed: false,
		},
		"warn": {
			mode: policy.ModeWarn, namespace: "shop", wantMode: policy.ModeWarn, allowed: true,
		},
		"dryrun": {
			mode: policy.ModeDryRun, namespace: "shop", wantMode: policy.ModeDryRun, allowed: true,
		},
		"a namespace turned off stays off": {
			namespace: "sandbox", wantMode: policy.ModeOff, allowed: true, skipped: "mode off (namespace label ballast.dev/mode)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCheck(t, &spec, Options{Mode: tc.mode}, offNamespace, deployment(tc.namespace, "web", 1))
			o := object(t, r, "Deployment", "web")
			assert.Equal(t, tc.wantMode, o.Mode)
			assert.Equal(t, tc.allowed, o.Allowed)
			assert.Equal(t, tc.skipped, o.Skipped)
			if tc.skipped == "" {
				assert.Contains(t, rules(o), "min-replicas")
			}
		})
	}
}

func TestRunExemptionsExpireAtNow(t *testing.T) {
	for name, tc := range map[string]struct {
		expires time.Time
		expired bool
	}{
		"in force until it expires": {expires: now.Add(time.Second)},
		"expired a moment ago":      {expires: now.Add(-time.Second), expired: true},
	} {
		t.Run(name, func(t *testing.T) {
			spec := policy.Default().Spec
			spec.Exemptions = []policy.Exemption{{
				Name: "single", Namespaces: []string{"shop"}, Rules: []string{"min-replicas"},
				Reason: "one replica by design", Expires: &metav1.Time{Time: tc.expires},
			}}
			o := object(t, runCheck(t, &spec, Options{}, deployment("shop", "web", 1)), "Deployment", "web")
			want := []report.Exemption{{Name: "single", Reason: "one replica by design", Rules: []string{"min-replicas"}, Expires: &tc.expires}}
			if tc.expired {
				assert.Equal(t, want, o.ExpiredExemptions)
				assert.Empty(t, o.Exemptions)
				assert.False(t, o.Allowed)
				assert.Contains(t, rules(o), "min-replicas")
			} else {
				assert.Equal(t, want, o.Exemptions)
				assert.Empty(t, o.ExpiredExemptions)
				assert.True(t, o.Allowed)
				assert.NotContains(t, rules(o), "min-replicas")
			}
		})
	}
}

func TestRunSummary(t *testing.T) {
	cronJob := "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: report\n"
	r := runCheck(t, nil, Options{}, deployment("shop", "one", 1), deployment("shop", "two", 2), cronJob, "kind: [broken\n")
	assert.Equal(t, report.Summary{
		Mode:         policy.ModeEnforce,
		Objects:      3,
		Evaluated:    2,
		Skipped:      1,
		Denied:       1,
		DenyFindings: 1,
		WarnFindings: 1,
		Rules:        map[string]int{"min-replicas": 1, "spread": 1},
		Mutations:    1,
		Errors:       1,
	}, r.Summary)
	assert.Equal(t, "batch/v1 CronJob is not evaluated", object(t, r, "CronJob", "report").Skipped)
	assert.Equal(t, []Error{{Source: "stdin:50", File: "stdin", Line: 50, Message: "invalid YAML: did not find expected ',' or ']'"}}, r.Errors)
}

// etcd is a StatefulSet whose OrderedReady pods find their peers through
// etcdPeers, a headless Service that publishes not-ready addresses.
const (
	etcd = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: etcd
  namespace: storage
spec:
  serviceName: etcd
  replicas: 3
  podManagementPolicy: OrderedReady
  selector:
    matchLabels: {app: etcd}
  template:
    metadata:
      labels: {app: etcd}
    spec:
      containers:
        - name: etcd
          image: registry.k8s.io/etcd:3.6.4-0
          ports:
            - {name: client, containerPort: 2379}
            - {name: peer, containerPort: 2380}
`
	etcdPeers = `apiVersion: v1
kind: Service
metadata:
  name: etcd
  namespace: storage
spec:
  clusterIP: None
  publishNotReadyAddresses: true
  selector: {app: etcd}
  ports:
    - {name: client, port: 2379}
    - {name: peer, port: 2380}
`
)

// gateway returns a Deployment of namespace shop whose container, app,
// gossips with its peers on its first port and serves on its second, http
// (8080).
func gateway() string {
	return deployment("shop", "gateway", 2) + `          ports:
            - {name: gossip, containerPort: 7946}
            - {name: http, containerPort: 8080}
`
}

// service returns a Service of namespace that selects app and sends its
// port 80 to targetPort.
func service(namespace, app, targetPort string) string {
	return `apiVersion: v1
kind: Service
metadata:
  name: ` + app + `
  namespace: ` + namespace + `
spec:
  selector: {app: ` + app + `}
  ports:
    - {port: 80, targetPort: ` + targetPort + `}
`
}

func TestRunReadinessProbeWhereAServiceRoutes(t *testing.T) {
	probe := report.Mutation{
		Rule: "readiness-probe", Container: "app",
		Field: "spec.template.spec.containers[0].readinessProbe", Message: "readinessProbe tcpSocket :8080",
	}
	noService := report.Note{Rule: "readiness-probe", Container: "app", Message: "no Service routes to container app: readiness probe not injected"}
	tests := map[string]struct {
		manifests  []string
		kind, name string
		probe      *report.Mutation
		notes      []report.Note
	}{
		"an OrderedReady StatefulSet behind a Service that publishes not-ready addresses gets no probe": {
			manifests: []string{etcd, etcdPeers},
			kind:      "StatefulSet", name: "etcd",
			notes: []report.Note{{
				Rule: "readiness-probe", Container: "etcd",
				Message: "every Service that routes to container etcd publishes not-ready addresses (peer discovery): readiness probe not injected",
			}},
		},
		"a StatefulSet behind a headless Service that publishes only ready addresses is probed": {
			manifests: []string{etcd, strings.Replace(etcdPeers, "  publishNotReadyAddresses: true\n", "", 1)},
			kind:      "StatefulSet", name: "etcd",
			probe: &report.Mutation{
				Rule: "readiness-probe", Container: "etcd",
				Field: "spec.template.spec.containers[0].readinessProbe", Message: "readinessProbe tcpSocket :2379",
			},
		},
		"a Deployment whose only Service targets its second port by name is probed there": {
			manifests: []string{gateway(), service("shop", "gateway", "http")},
			kind:      "Deployment", name: "gateway",
			probe: &probe,
		},
		"a Deployment whose only Service targets its second port by number is probed there": {
			manifests: []string{gateway(), service("shop", "gateway", "8080")},
			kind:      "Deployment", name: "gateway",
			probe: &probe,
		},
		"a Deployment no Service selects gets no probe": {
			manifests: []string{gateway(), service("shop", "other", "http")},
			kind:      "Deployment", name: "gateway",
			notes: []report.Note{noService},
		},
		"a Service of another namespace does not route to it": {
			manifests: []string{gateway(), service("storage", "gateway", "http")},
			kind:      "Deployment", name: "gateway",
			notes: []report.Note{noService},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := runCheck(t, nil, Options{}, tc.manifests...)
			o := object(t, r, tc.kind, tc.name)
			assert.NotContains(t, rules(o), "readiness-probe", "no finding: a probe is demanded only where one is injected")
			var probes []report.Mutation
			for _, m := range o.Mutations {
				if m.Rule == "readiness-probe" {
					probes = append(probes, m)
				}
			}
			if tc.probe != nil {
				assert.Equal(t, []report.Mutation{*tc.probe}, probes)
			} else {
				assert.Empty(t, probes)
			}
			assert.Equal(t, tc.notes, o.Notes)
			assert.Equal(t, "v1 Service is not evaluated", r.Objects[len(r.Objects)-1].Skipped, "the Service is only read")
		})
	}
}

func TestWriteNotes(t *testing.T) {
	r := runCheck(t, nil, Options{}, etcdPeers, etcd, gateway(), service("shop", "gateway", "http"))

	var text strings.Builder
	require.NoError(t, r.WriteText(&text))
	note := "  NOT SET  readiness-probe\n" +
		"       every Service that routes to container etcd publishes not-ready addresses (peer discovery): readiness probe not injected\n"
	etcdAt, noteAt, gatewayAt := strings.Index(text.String(), "StatefulSet storage/etcd"), strings.Index(text.String(), note), strings.Index(text.String(), "Deployment shop/gateway")
	assert.True(t, etcdAt >= 0 && etcdAt < noteAt && noteAt < gatewayAt, "the note is the StatefulSet's:\n%s", text.String())
	assert.Equal(t, 1, strings.Count(text.String(), "NOT SET"), "the gateway, which is probed, has no note")

	var out strings.Builder
	require.NoError(t, r.WriteJSON(&out))
	var decoded struct {
		Objects []map[string]json.RawMessage `json:"objects"`
	}
	require.NoError(t, json.Unmarshal([]byte(out.String()), &decoded))
	require.Len(t, decoded.Objects, 4)
	assert.JSONEq(t, `[{"rule": "readiness-probe", "container": "etcd", "message": "every Service that routes to container etcd publishes not-ready addresses (peer discovery): readiness probe not injected"}]`,
		string(decoded.Objects[1]["notes"]))
	assert.NotContains(t, decoded.Objects[2], "notes", "left out where there are none")
}

// TestRunProfilesAndWorkloadExemptions: a namespace's profile sets the
// values its objects are judged by, and an exemption scoped to one
// workload exempts it alone; the report names both.
func TestRunProfilesAndWorkloadExemptions(t *testing.T) {
	spec := policy.Defaulted(&policy.Spec{
		Profiles: []policy.Profile{{
			Name: "critical", Namespaces: []string{"payments"},
			Rules: policy.Rules{MinReplicas: policy.ReplicasRule{Minimum: 3}},
		}},
		Exemptions: []policy.Exemption{{
			Name: "single-worker", Namespaces: []string{"shop"}, Reason: "one consumer", Rules: []string{policy.RuleMinReplicas},
			Workloads: []policy.WorkloadMatch{{Kind: "Deployment", Name: "worker"}},
		}},
	})
	r := runCheck(t, spec, Options{},
		deployment("payments", "ledger", 2), deployment("shop", "web", 2),
		deployment("shop", "worker", 1), deployment("shop", "cron", 1))

	ledger := object(t, r, "Deployment", "ledger")
	assert.Equal(t, "critical", ledger.Profile)
	assert.Contains(t, rules(ledger), policy.RuleMinReplicas, "the profile asks for 3 replicas")
	web := object(t, r, "Deployment", "web")
	assert.Empty(t, web.Profile)
	assert.NotContains(t, rules(web), policy.RuleMinReplicas, "the policy asks for 2")

	worker := object(t, r, "Deployment", "worker")
	assert.NotContains(t, rules(worker), policy.RuleMinReplicas)
	require.Len(t, worker.Exemptions, 1)
	assert.Equal(t, "single-worker", worker.Exemptions[0].Name)
	cron := object(t, r, "Deployment", "cron")
	assert.Contains(t, rules(cron), policy.RuleMinReplicas, "the exemption names worker alone")
	assert.Empty(t, cron.Exemptions)
}
