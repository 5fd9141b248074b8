package validators

import (
	"fmt"

	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A container that serves traffic says when it is ready for it, so that
Services and load balancers send it requests only once it can answer them,
during rollouts and after restarts.

**Checked Fields:**

spec.template.spec.containers[*].readinessProbe, for the containers that
serve traffic: those with a TCP port not named for metrics, debugging or
profiling (podspec.ServingPort).

**Allowed Values:**

any probe: httpGet, tcpSocket, grpc or exec.

**Not Checked:**

Init containers run to completion before the pod can be ready; the API
server rejects a readinessProbe on them. Native sidecars (init containers
with restartPolicy: Always) are mostly proxies and agents injected by a mesh
or an operator, not written by the team that applies the workload, and their
injector owns their probes: requiring one would deny workloads for a field
their authors cannot change.

**Fix:**

readinessProbe: {httpGet: {path: /healthz, port: 8080}}, or tcpSocket on
the serving port.
*/

func readinessProbeRule() Rule {
	return Rule{
		ID:            policy.RuleReadinessProbe,
		Summary:       "Containers that serve traffic have a readinessProbe.",
		DefaultAction: policy.ActionDeny,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet},
		Check:         checkReadinessProbe,
	}
}

func checkReadinessProbe(t *Target) []Finding {
	if t.Template.Spec == nil {
		return nil
	}
	var out []Finding
	for s, c := range regularContainers(t.Template.Spec) {
		if c.ReadinessProbe != nil {
			continue
		}
		port, _, ok := podspec.ServingPort(c)
		if !ok {
			continue
		}
		out = append(out, t.containerFinding(policy.RuleReadinessProbe, s, c, "readinessProbe",
			fmt.Sprintf("%s serves port %d but has no readinessProbe", containerLabel(c.Name), port.ContainerPort),
			fmt.Sprintf("add readinessProbe: {httpGet: {path: /healthz, port: %d}} or tcpSocket on port %d", port.ContainerPort, port.ContainerPort)))
	}
	return out
}
