package chart_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/check"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
)

// TestRealManifestsGetProbesOnlyWhereTrafficGoes runs `ballast check` (its
// package, as the command does) over manifests nobody here wrote and
// checks that no readiness probe is injected on a port that no Service
// holding traffic back from unready pods targets: Kubernetes' own e2e
// StatefulSets with their Services (etcd, ZooKeeper, Cassandra,
// CockroachDB and MySQL bootstrap through peer-discovery Services that
// publish not-ready addresses), cert-manager's chart rendered by helm, and
// a Deployment whose only Service targets its second port.
func TestRealManifestsGetProbesOnlyWhereTrafficGoes(t *testing.T) {
	t.Run("Kubernetes e2e StatefulSets", func(t *testing.T) {
		dir := filepath.Join(kubernetesModule(t), "test", "e2e", "testing-manifests", "statefulset")
		apps, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.NotEmpty(t, apps)
		for _, app := range apps {
			t.Run(app.Name(), func(t *testing.T) {
				r := runCheck(t, filepath.Join(dir, app.Name()))
				assertProbesFollowServices(t, r, readManifests(t, filepath.Join(dir, app.Name())))
			})
		}
		// etcd's only Service is headless and publishes not-ready
		// addresses; its start-up script waits for its peers, and its
		// OrderedReady StatefulSet creates etcd-1 only once etcd-0 is
		// Ready: a probe of 2380 would deadlock the bootstrap.
		etcd := runCheck(t, filepath.Join(dir, "etcd"))
		sts := objectNamed(t, etcd, "StatefulSet", "etcd")
		assert.Empty(t, mutationsOf(sts, policy.RuleReadinessProbe), "no readiness probe on etcd")
		require.Len(t, sts.Notes, 1)
		assert.Contains(t, sts.Notes[0].Message, "publishes not-ready addresses (peer discovery): readiness probe not injected")
		for _, f := range sts.Findings {
			assert.NotEqual(t, policy.RuleReadinessProbe, f.Rule, "the rule does not demand what the default refuses to give")
		}
	})

	t.Run("cert-manager's chart", func(t *testing.T) {
		module := goModuleDir(t, "github.com/cert-manager/cert-manager")
		out, err := helmOutput(t, "template", "cm", filepath.Join(module, "deploy", "charts", "cert-manager"), "--kube-version", "1.37.0")
		require.NoError(t, err)
		// The chart gives its webhook a readiness probe of its own on the
		// healthcheck port; without it, Ballast's goes on the port the
		// webhook's Service targets (https, 10250), never on healthcheck.
		stripped := stripProbes(t, out, "cm-cert-manager-webhook")
		file := filepath.Join(t.TempDir(), "cert-manager.yaml")
		require.NoError(t, os.WriteFile(file, stripped, 0o600))

		r := runCheck(t, file)
		assertProbesFollowServices(t, r, readManifests(t, file))
		webhook := objectNamed(t, r, "Deployment", "cm-cert-manager-webhook")
		assert.Equal(t, []string{"readinessProbe tcpSocket :10250"}, mutationsOf(webhook, policy.RuleReadinessProbe))
		controller := objectNamed(t, r, "Deployment", "cm-cert-manager")
		assert.Empty(t, mutationsOf(controller, policy.RuleReadinessProbe), "only metrics and health ports: no traffic")
	})

	t.Run("a Service on the second port", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "second-port.yaml")
		require.NoError(t, os.WriteFile(file, []byte(secondPortManifests), 0o600))
		r := runCheck(t, file)
		assertProbesFollowServices(t, r, readManifests(t, file))
		api := objectNamed(t, r, "Deployment", "api")
		assert.Equal(t, []string{"readinessProbe tcpSocket :9090"}, mutationsOf(api, policy.RuleReadinessProbe))
	})
}

// secondPortManifests is a Deployment that declares a port its process
// does not serve on (a leftover), and serves on its second port, which its
// only Service targets by name.
const secondPortManifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example/api:1.0
          ports:
            - {name: legacy, containerPort: 8080}
            - {name: grpc, containerPort: 9090}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports:
    - {name: grpc, port: 443, targetPort: grpc}
`

// runCheck checks path with the default policy in enforce mode.
func runCheck(t *testing.T, path string) check.Report {
	t.Helper()
	r := check.Run(check.Options{Paths: []string{path}, Spec: &policy.Default().Spec, Now: time.Now()})
	require.Empty(t, r.Errors, "the manifests read without errors")
	return r
}

// probedPort reads the port of an injected probe's message, as
// "readinessProbe tcpSocket :2379" or "readinessProbe httpGet :8080/ready".
var probedPort = regexp.MustCompile(`:(\d+)`)

// assertProbesFollowServices checks, independently of Ballast's own
// routing code, that every readiness probe Ballast injects is on a port of
// the container that a Service among objs targets: one whose selector
// selects the pod, that does not publish not-ready addresses, and whose
// targetPort is the port's number or name (or, unset, whose port is).
func assertProbesFollowServices(t *testing.T, r check.Report, objs []map[string]any) {
	t.Helper()
	for _, o := range r.Objects {
		for _, m := range o.Mutations {
			if m.Rule != policy.RuleReadinessProbe {
				continue
			}
			match := probedPort.FindStringSubmatch(m.Message)
			require.NotNil(t, match, "the probe's port in %q", m.Message)
			port, err := strconv.Atoi(match[1])
			require.NoError(t, err)
			tmpl := podTemplateOf(t, objs, o.Kind, o.Name)
			assert.True(t, routed(objs, tmpl, m.Container, int32(port)),
				"%s %s: readiness probe on port %d of container %s, which no Service holding back traffic targets", o.Kind, o.Name, port, m.Container)
		}
	}
}

// routed reports whether a Service among objs that waits for readiness
// sends traffic to port of container in a pod of tmpl.
func routed(objs []map[string]any, tmpl corev1.PodTemplateSpec, container string, port int32) bool {
	var name string
	for _, c := range tmpl.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, p := range c.Ports {
			if p.ContainerPort == port {
				name = p.Name
			}
		}
	}
	for _, obj := range objs {
		if obj["kind"] != "Service" {
			continue
		}
		var svc corev1.Service
		if convert(obj, &svc) != nil || svc.Spec.PublishNotReadyAddresses || len(svc.Spec.Selector) == 0 {
			continue
		}
		selects := true
		for k, v := range svc.Spec.Selector {
			selects = selects && tmpl.Labels[k] == v
		}
		for _, sp := range svc.Spec.Ports {
			target := sp.TargetPort
			if selects && (target.IntVal == port || name != "" && target.StrVal == name || target.IntVal == 0 && target.StrVal == "" && sp.Port == port) {
				return true
			}
		}
	}
	return false
}

// podTemplateOf returns the pod template of the workload kind/name among
// objs.
func podTemplateOf(t *testing.T, objs []map[string]any, kind, name string) corev1.PodTemplateSpec {
	t.Helper()
	for _, obj := range objs {
		meta, _ := obj["metadata"].(map[string]any)
		if obj["kind"] != kind || meta["name"] != name {
			continue
		}
		var w struct {
			Spec struct {
				Template corev1.PodTemplateSpec `json:"template"`
			} `json:"spec"`
		}
		require.NoError(t, convert(obj, &w))
		return w.Spec.Template
	}
	t.Fatalf("no %s %s among the manifests", kind, name)
	return corev1.PodTemplateSpec{}
}

// convert decodes a generic object into a typed one.
func convert(obj map[string]any, into any) error {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return err
	}
	return yaml.Unmarshal(data, into)
}

// readManifests reads every document of the YAML files at path (a file or
// a directory).
func readManifests(t *testing.T, path string) []map[string]any {
	t.Helper()
	files := []string{path}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		files, err = filepath.Glob(filepath.Join(path, "*.yaml"))
		require.NoError(t, err)
	}
	var out []map[string]any
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		docs, err := decodeManifests(data)
		require.NoError(t, err)
		for _, d := range docs {
			out = append(out, d.Object)
		}
	}
	return out
}

// stripProbes returns the YAML stream data with the probes of the
// containers of the Deployment name removed.
func stripProbes(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	docs, err := decodeManifests(data)
	require.NoError(t, err)
	var b strings.Builder
	found := false
	for _, d := range docs {
		obj := d.Object
		if meta, _ := obj["metadata"].(map[string]any); obj["kind"] == "Deployment" && meta["name"] == name {
			spec := obj["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)
			for _, c := range spec["containers"].([]any) {
				delete(c.(map[string]any), "readinessProbe")
				delete(c.(map[string]any), "livenessProbe")
			}
			found = true
		}
		out, err := yaml.Marshal(obj)
		require.NoError(t, err)
		b.WriteString("---\n")
		b.Write(out)
	}
	require.True(t, found, "no Deployment %s in the rendered chart", name)
	return []byte(b.String())
}

// objectNamed returns the checked object kind/name.
func objectNamed(t *testing.T, r check.Report, kind, name string) report.Object {
	t.Helper()
	for _, o := range r.Objects {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("%s %s was not checked", kind, name)
	return report.Object{}
}

// mutationsOf returns the messages of the object's mutations for rule.
func mutationsOf(o report.Object, rule string) []string {
	var out []string
	for _, m := range o.Mutations {
		if m.Rule == rule {
			out = append(out, m.Message)
		}
	}
	return out
}

// kubernetesModule returns the directory of the k8s.io/kubernetes module
// the control-plane binaries are built from, downloading it into the
// module cache when it is not there yet (make k8s-bins has, on any machine
// that ran the envtest suites).
func kubernetesModule(t *testing.T) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "mod", "download", "-json", "k8s.io/kubernetes@v"+controlplane.KubernetesVersion)
	cmd.Dir = t.TempDir()
	out, err := cmd.Output()
	require.NoError(t, err, "downloading k8s.io/kubernetes v%s", controlplane.KubernetesVersion)
	var mod struct{ Dir string }
	require.NoError(t, yaml.Unmarshal(out, &mod))
	require.NotEmpty(t, mod.Dir)
	return mod.Dir
}

// goModuleDir returns the directory of a module this one requires.
func goModuleDir(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-m", "-f", "{{.Dir}}", path).Output()
	require.NoError(t, err, "locating %s", path)
	return strings.TrimSpace(string(out))
}
