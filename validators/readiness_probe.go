package validators

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A container that receives traffic through a Service says when it is ready
for it, so that the Service sends it requests only once it can answer them,
during rollouts and after restarts.

**Checked Fields:**

spec.template.spec.containers[*].readinessProbe, exactly where Ballast's
readiness-probe pod default would inject one (see mutators.ReadinessProbe
and docs/pod-defaults.md): containers one of whose ports is the target of
a Service that selects the pod and holds traffic back from unready pods
(workload.RouteTo), and containers whose workload names a readiness path
(ballast.dev/readiness-path) and that have a serving port.

**Allowed Values:**

any probe: httpGet, tcpSocket, grpc or exec.

**Not Checked:**

Containers no Service routes traffic to, and those behind Services that
publish not-ready addresses (peer discovery, as etcd and ZooKeeper use):
a readiness probe holds no traffic back there, and one that cannot pass
deadlocks an OrderedReady StatefulSet. Pods on the host network, which
Ballast never probes. Init containers run to completion before the pod can
be ready; the API server rejects a readinessProbe on them. Native sidecars
(init containers with restartPolicy: Always) are mostly proxies and agents
injected by a mesh or an operator, not written by the team that applies the
workload, and their injector owns their probes: requiring one would deny
workloads for a field their authors cannot change.

**Fix:**

readinessProbe: {httpGet: {path: /healthz, port: 8080}} on a port that
speaks HTTP (workload.SpeaksHTTP: named http or https or ending in -http or
-https, or targeted by a Service port whose appProtocol is http, https or
kubernetes.io/h2c), else readinessProbe: {tcpSocket: {port: N}}: an HTTP
request to a port of another protocol never passes. The port is the one
the Service targets, not necessarily the container's first.
*/

func readinessProbeRule() Rule {
	return Rule{
		ID:            policy.RuleReadinessProbe,
		Summary:       "Containers that a Service routes traffic to have a readinessProbe.",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkReadinessProbe,
	}
}

func checkReadinessProbe(t *Target) []Finding {
	spec := t.Template.Spec
	if spec == nil || spec.HostNetwork {
		return nil
	}
	var labels, annotations map[string]string
	if t.Template.Meta != nil {
		labels, annotations = t.Template.Meta.Labels, t.Template.Meta.Annotations
	}
	var out []Finding
	for s, c := range regularContainers(spec) {
		if c.ReadinessProbe != nil {
			continue
		}
		route := workload.RouteTo(c, t.Namespace, labels, t.Related.Services)
		port, ok := route.Port, route.Ready
		if _, _, asked := workload.ReadinessPath(annotations, c.Name); !ok && asked {
			port, _, ok = podspec.ServingPort(c)
		}
		if !ok {
			continue
		}
		out = append(out, t.containerFinding(policy.RuleReadinessProbe, s, c, "readinessProbe",
			fmt.Sprintf("%s serves port %d but has no readinessProbe", containerLabel(c.Name), port.ContainerPort),
			"add "+probeFix("readinessProbe", "/healthz", port, route)))
	}
	return out
}

// probeFix proposes a probe of field on port, which route reaches:
// httpGet of path where the port speaks HTTP (workload.SpeaksHTTP), else
// tcpSocket, since an HTTP request to a port of another protocol never
// passes.
func probeFix(field, path string, port corev1.ContainerPort, route workload.Route) string {
	if workload.SpeaksHTTP(port, route) {
		return fmt.Sprintf("%s: {httpGet: {path: %s, port: %d}}", field, path, port.ContainerPort)
	}
	return fmt.Sprintf("%s: {tcpSocket: {port: %d}}", field, port.ContainerPort)
}
