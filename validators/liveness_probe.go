package validators

import (
	"github.com/ballast-dev/ballast/internal/podspec"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

/*
A container has a liveness probe, so that the kubelet restarts it when it
hangs (a deadlock, an exhausted pool) instead of leaving a pod that runs but
does nothing.

**Checked Fields:**

spec.template.spec.containers[*].livenessProbe

**Allowed Values:**

any probe: httpGet, tcpSocket, grpc or exec. It should check the process
itself, never its dependencies: a liveness probe that fails when a database
is down restarts every replica at once.

**Not Checked:**

Init containers run to completion; native sidecars are left to their
injector, as for readiness-probe.

**Fix:**

livenessProbe: {httpGet: {path: /livez, port: 8080}} on a serving port that
speaks HTTP (workload.SpeaksHTTP: named http or https or ending in -http or
-https, or targeted by a Service port whose appProtocol is http, https or
kubernetes.io/h2c), else livenessProbe: {tcpSocket: {port: N}}; an exec or
grpc probe for containers without a serving port.
*/

func livenessProbeRule() Rule {
	return Rule{
		ID:            policy.RuleLivenessProbe,
		Summary:       "Containers have a livenessProbe.",
		DefaultAction: policy.ActionWarn,
		Kinds:         []string{workload.KindDeployment, workload.KindStatefulSet, workload.KindDaemonSet, workload.KindReplicaSet, workload.KindReplicationController},
		Check:         checkLivenessProbe,
	}
}

func checkLivenessProbe(t *Target) []Finding {
	if t.Template.Spec == nil {
		return nil
	}
	var labels map[string]string
	if t.Template.Meta != nil {
		labels = t.Template.Meta.Labels
	}
	var out []Finding
	for s, c := range regularContainers(t.Template.Spec) {
		if c.LivenessProbe != nil {
			continue
		}
		fix := "add a livenessProbe (exec or grpc) that fails only when the process is stuck"
		route := workload.RouteTo(c, t.Namespace, labels, t.Related.Services)
		port, _, serves := podspec.ServingPort(c)
		if route.Ready {
			port, serves = route.Port, true // the port traffic reaches
		}
		if serves {
			fix = "add " + probeFix("livenessProbe", "/livez", port, route) + " that checks only the process"
		}
		out = append(out, t.containerFinding(policy.RuleLivenessProbe, s, c, "livenessProbe",
			containerLabel(c.Name)+" has no livenessProbe", fix))
	}
	return out
}
