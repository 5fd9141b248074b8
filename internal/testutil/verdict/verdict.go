package verdict

import (
	"context"
	"fmt"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// IsDenial reports whether err is the API server relaying a denial by one
// of Ballast's webhooks.
func IsDenial(err error) bool {
	return err != nil && strings.Contains(err.Error(), "denied the request") && strings.Contains(err.Error(), "Ballast")
}

// probeName is the name of the Deployment ModeOf creates in dry-run.
const probeName = "ballast-mode-probe"

// ModeOf tells the mode in which Ballast answers in namespace ns, from its
// answer to the dry-run creation of a Deployment that breaks deny rules
// (one replica, no probes, no resources): denied in enforce, "would deny"
// warnings in dryrun, other warnings in warn, and silence in off (or where
// Ballast is not called at all). Nothing is stored.
//
// c must hand the API server's warnings to the request's context: its
// rest.Config's WarningHandlerWithContext is a warnings.Handler.
func ModeOf(ctx context.Context, c client.Client, ns string) (policy.Mode, error) {
	ctx, got := warnings.Collect(ctx)
	err := c.Create(ctx, probe(ns), client.DryRunAll)
	switch {
	case IsDenial(err):
		return policy.ModeEnforce, nil
	case err != nil:
		return "", fmt.Errorf("creating the Deployment %s/%s in dry-run: %w", ns, probeName, err)
	}
	ws := got.List()
	if slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, "(would deny)") }) {
		return policy.ModeDryRun, nil
	}
	if len(ws) > 0 {
		return policy.ModeWarn, nil
	}
	return policy.ModeOff, nil
}

// probe returns the Deployment every tenant writes first: one replica, no
// probes, no resources. It breaks the deny rules min-replicas and
// resource-requests.
func probe(ns string) *appsv1.Deployment {
	labels := map[string]string{"app": probeName}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: probeName},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "probe", Image: "registry.example.com/probe:1.0.0",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				}}},
			},
		},
	}
}
