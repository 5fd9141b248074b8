// Package ping proves that an installed Ballast answers: it asks the API
// server for a server-side dry run of a Deployment that breaks Ballast's
// rules and checks that Ballast's webhook answered it, with its warnings
// or its denial. Nothing is stored. `ballast ping` runs it, and the Helm
// chart's test hook (`helm test`) runs that, in a throwaway namespace the
// hook creates.
//
// With failurePolicy Ignore the API server admits a request silently when
// Ballast does not answer, so an install can look healthy while nothing is
// checked; the dry run tells the two apart.
package ping

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
)

// DeploymentName is the name of the Deployment that is dry-run.
const DeploymentName = "ballast-ping"

// ErrNotAnswered is wrapped by Run's error when the API server admitted
// the Deployment without a word of Ballast's.
var ErrNotAnswered = errors.New("ballast did not answer")

// Options says where and how long to try.
type Options struct {
	// Namespace is where the Deployment is dry-run: one Ballast's
	// webhooks see, in a mode other than off. Required.
	Namespace string
	// Timeout bounds the attempts: a Ballast that was just installed may
	// take a few seconds to be called. Zero means one attempt.
	Timeout time.Duration
	// Interval is the wait between attempts. Zero means 2 seconds.
	Interval time.Duration
}

// Answer is what Ballast said about the Deployment.
type Answer struct {
	// Denied is the denial message, when Ballast denied it (enforce).
	Denied string
	// Warnings are Ballast's warnings, when it admitted it.
	Warnings []string
}

// String says what Ballast answered, for people.
func (a Answer) String() string {
	if a.Denied != "" {
		return "Ballast denied the dry run: " + a.Denied
	}
	return fmt.Sprintf("Ballast answered the dry run with %d warning(s):\n  %s", len(a.Warnings), strings.Join(a.Warnings, "\n  "))
}

// Run dry-runs the Deployment until Ballast answers it or opts.Timeout
// passes, and returns Ballast's answer. It fails when the API server
// admits the Deployment without a word of Ballast's, or refuses it for
// another reason, naming what to check.
func Run(ctx context.Context, cfg *rest.Config, opts Options) (Answer, error) {
	if opts.Namespace == "" {
		return Answer{}, errors.New("ping needs a namespace that Ballast's webhooks see")
	}
	interval := opts.Interval
	if interval == 0 {
		interval = 2 * time.Second
	}
	collected := &collector{}
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = collected
	clientset, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return Answer{}, fmt.Errorf("ping: building a client: %w", err)
	}
	deadline := time.Now().Add(opts.Timeout)
	for {
		answer, err := attempt(ctx, clientset, collected, opts.Namespace)
		if err == nil || time.Now().Add(interval).After(deadline) {
			return answer, err
		}
		select {
		case <-ctx.Done():
			return Answer{}, fmt.Errorf("%w (then: %w)", err, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// attempt dry-runs the Deployment once.
func attempt(ctx context.Context, clientset kubernetes.Interface, collected *collector, namespace string) (Answer, error) {
	collected.reset()
	d := deployment(namespace)
	_, err := clientset.AppsV1().Deployments(namespace).Create(ctx, d, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	what := fmt.Sprintf("the server-side dry run of Deployment %s/%s", namespace, d.Name)
	switch {
	case err != nil && strings.Contains(err.Error(), "Ballast policy"):
		return Answer{Denied: err.Error()}, nil
	case err != nil:
		return Answer{}, fmt.Errorf("%s failed: %w", what, err)
	}
	var ours []string
	for _, w := range collected.list() {
		if IsBallastWarning(w) {
			ours = append(ours, w)
		}
	}
	if len(ours) == 0 {
		return Answer{}, fmt.Errorf("%w: %s was admitted without a warning of Ballast's, although it breaks min-replicas and resource-requests: "+
			"either the API server did not call Ballast, or Ballast did not judge it. Check that Ballast's pods are ready and their logs, "+
			"that the webhook configurations' caBundle is the CA of their certificate, that the namespace %s is not excluded from the webhooks "+
			"(webhook.excludeNamespaces, webhook.namespaceSelector), and that its mode is not off (policy.mode, policy.exemptions)", ErrNotAnswered, what, namespace)
	}
	return Answer{Warnings: ours}, nil
}

// IsBallastWarning reports whether an admission warning is one of
// Ballast's: it starts with a rule ID and a colon ("min-replicas: ...",
// "min-replicas (would deny): ..."), or with "ballast:".
func IsBallastWarning(w string) bool {
	prefix, _, ok := strings.Cut(w, ":")
	prefix = strings.TrimSuffix(prefix, " (would deny)")
	return ok && (policy.IsRuleID(prefix) || prefix == "ballast")
}

// deployment is a Deployment that breaks deny rules in their default
// configuration: a single replica, no readiness probe, no requests.
func deployment(namespace string) *appsv1.Deployment {
	labels := map[string]string{"app.kubernetes.io/name": DeploymentName}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: DeploymentName, Namespace: namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "app",
					Image: "registry.invalid/ballast-ping:latest",
					Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
				}}},
			},
		},
	}
}

// collector keeps the warnings of the last request.
type collector struct {
	mu       sync.Mutex
	warnings []string
}

// HandleWarningHeader implements rest.WarningHandler.
func (c *collector) HandleWarningHeader(_ int, _ string, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = append(c.warnings, text)
}

func (c *collector) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.warnings = nil
}

func (c *collector) list() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.warnings...)
}
