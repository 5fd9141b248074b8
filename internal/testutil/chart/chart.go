// Package chart renders the webhook configurations of Ballast's Helm chart
// (charts/ballast) with a real helm binary, so that the end-to-end tests,
// the demo and anything else that installs Ballast into a local control
// plane install exactly what the chart ships: the chart is the one source of
// truth for the webhook rules, namespace selectors, match conditions,
// timeouts and failure policies.
//
//	hooks, err := chart.RenderWebhooks(ctx, chart.Options{Helm: "bin/helm", Chart: "charts/ballast", KubeVersion: "1.37.2"})
//	install, err := hooks.InstallOptions(ca.CertPEM(), certDir) // serve on install.LocalServingPort
//	err = install.Install(restConfig)
package chart

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

// Defaults of Options.
const (
	// DefaultRelease is the release name the chart is rendered as.
	DefaultRelease = "ballast"
	// DefaultNamespace is the namespace the chart is rendered for; the
	// webhook configurations exclude it.
	DefaultNamespace = "ballast-system"
)

// admissionregistrationV1 is the apiVersion of the webhook configurations.
var admissionregistrationV1 = admissionregistrationv1.SchemeGroupVersion.String()

// Options says how to render the chart.
type Options struct {
	// Helm is the helm binary. Required.
	Helm string
	// Chart is the chart's directory. Required.
	Chart string
	// KubeVersion is passed as --kube-version: a helm built from source
	// carries no version stamp and would otherwise assume Kubernetes 1.20,
	// which the chart's kubeVersion constraint rejects. Required.
	KubeVersion string
	// Release is the release name. Empty means DefaultRelease.
	Release string
	// Namespace is the release namespace. Empty means DefaultNamespace.
	Namespace string
	// Set holds values as helm's --set takes them ("key=value").
	Set []string
}

// Webhooks are the webhook configurations the chart renders.
type Webhooks struct {
	Mutating   []*admissionregistrationv1.MutatingWebhookConfiguration
	Validating []*admissionregistrationv1.ValidatingWebhookConfiguration
}

// RenderWebhooks runs `helm template` on the chart and returns the
// Mutating- and ValidatingWebhookConfigurations among the manifests. It
// decodes them strictly, so a misspelt field in a template is an error
// here rather than a field the API server silently drops. It fails when
// the chart renders no webhook configuration at all.
func RenderWebhooks(ctx context.Context, opts Options) (*Webhooks, error) {
	manifests, err := render(ctx, opts)
	if err != nil {
		return nil, err
	}
	hooks, err := decodeWebhooks(manifests)
	if err != nil {
		return nil, fmt.Errorf("decoding the manifests of chart %s: %w", opts.Chart, err)
	}
	if len(hooks.Mutating)+len(hooks.Validating) == 0 {
		return nil, fmt.Errorf("chart %s renders no webhook configuration", opts.Chart)
	}
	return hooks, nil
}

// render runs `helm template` on the chart and returns the manifests it
// prints.
func render(ctx context.Context, opts Options) ([]byte, error) {
	if opts.Helm == "" || opts.Chart == "" || opts.KubeVersion == "" {
		return nil, errors.New("rendering the chart needs the helm binary, the chart directory and a Kubernetes version")
	}
	release, namespace := opts.Release, opts.Namespace
	if release == "" {
		release = DefaultRelease
	}
	if namespace == "" {
		namespace = DefaultNamespace
	}
	args := []string{"template", release, opts.Chart,
		"--namespace", namespace,
		"--kube-version", opts.KubeVersion,
	}
	for _, s := range opts.Set {
		args = append(args, "--set", s)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Helm, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w: %s", opts.Helm, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// decodeWebhooks picks the webhook configurations out of a multi-document
// YAML stream.
func decodeWebhooks(manifests []byte) (*Webhooks, error) {
	hooks := &Webhooks{}
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(manifests)))
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return hooks, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading document %d: %w", i, err)
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("reading the kind of document %d: %w", i, err)
		}
		var into any
		switch meta.Kind {
		case "MutatingWebhookConfiguration":
			hook := &admissionregistrationv1.MutatingWebhookConfiguration{}
			hooks.Mutating = append(hooks.Mutating, hook)
			into = hook
		case "ValidatingWebhookConfiguration":
			hook := &admissionregistrationv1.ValidatingWebhookConfiguration{}
			hooks.Validating = append(hooks.Validating, hook)
			into = hook
		default:
			continue
		}
		if meta.APIVersion != admissionregistrationV1 {
			return nil, fmt.Errorf("document %d: %s has apiVersion %q, want %q", i, meta.Kind, meta.APIVersion, admissionregistrationV1)
		}
		if err := yaml.UnmarshalStrict(doc, into); err != nil {
			return nil, fmt.Errorf("decoding document %d, a %s: %w", i, meta.Kind, err)
		}
	}
}

// LoopbackHost is the address a local webhook server listens on, and the
// host the installed webhook configurations call.
const LoopbackHost = "127.0.0.1"

// InstallOptions returns envtest's options for installing the webhooks
// into a local control plane, for a webhook server on LoopbackHost that
// serves a certificate from certDir, issued by the CA whose certificate is
// caBundle. envtest reaches loopback only through a URL (EndpointSlices
// refuse loopback addresses), so every clientConfig's service is replaced
// by https://127.0.0.1:PORT/PATH, on a free port that the returned
// options' LocalServingPort holds, with caBundle as its CA bundle.
//
// Install the webhooks with the options' Install method once the API
// server runs (and, ideally, the webhook server too): with
// LocalServingCAData set, it installs them as they are here, so the CA
// stays in the caller's hands and the serving certificate can be rotated
// the way cert-manager rotates it. Do not hand the options to
// envtest.Environment, whose Start always generates a CA and a
// certificate of its own. The webhooks are deep copied; h is left as it
// is.
func (h *Webhooks) InstallOptions(caBundle []byte, certDir string) (*envtest.WebhookInstallOptions, error) {
	return h.InstallOptionsAt(LoopbackHost, caBundle, certDir)
}

// InstallOptionsAt is InstallOptions for a webhook server on host, an
// address of this machine other than loopback (the node lab serves Ballast
// on the node's address, as a webhook Service's endpoint would be); the
// serving certificate must name host.
func (h *Webhooks) InstallOptionsAt(host string, caBundle []byte, certDir string) (*envtest.WebhookInstallOptions, error) {
	opts := &envtest.WebhookInstallOptions{
		LocalServingHost:    host,
		LocalServingCertDir: certDir,
		LocalServingCAData:  caBundle,
	}
	for _, m := range h.Mutating {
		m = m.DeepCopy()
		for i := range m.Webhooks {
			trimServicePath(&m.Webhooks[i].ClientConfig)
		}
		opts.MutatingWebhooks = append(opts.MutatingWebhooks, m)
	}
	for _, v := range h.Validating {
		v = v.DeepCopy()
		for i := range v.Webhooks {
			trimServicePath(&v.Webhooks[i].ClientConfig)
		}
		opts.ValidatingWebhooks = append(opts.ValidatingWebhooks, v)
	}
	if err := opts.ModifyWebhookDefinitions(); err != nil {
		return nil, fmt.Errorf("pointing the webhooks at a local server: %w", err)
	}
	return opts, nil
}

// trimServicePath drops the leading slash of a service's path: envtest
// joins host and path with a slash of its own, and the chart's paths start
// with one.
func trimServicePath(cc *admissionregistrationv1.WebhookClientConfig) {
	if cc.Service != nil && cc.Service.Path != nil {
		p := strings.TrimLeft(*cc.Service.Path, "/")
		cc.Service.Path = &p
	}
}
