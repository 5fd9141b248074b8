package policyreport

import (
	"context"
	"errors"
	"fmt"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/pdb"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/validators"
)

// Name is the name of the report Ballast keeps in each namespace.
const Name = "ballast"

// ManagedBy is the value of the app.kubernetes.io/managed-by label of the
// reports, as of the PodDisruptionBudgets Ballast keeps.
const ManagedBy = "ballast"

// listPageSize is the limit of each list of the reports Ballast keeps.
const listPageSize = 500

// Options configures NewWriter. Client and Format are required.
type Options struct {
	// Client reads from the API server (not from an informer cache) and
	// writes; its RESTMapper tells which report CRDs are installed.
	Client client.Client
	// Format is the API to write in: FormatAuto, FormatOpenReports or
	// FormatWGPolicy.
	Format Format
	// Rules is the rule catalog the audit judged with; nil means
	// validators.Default().
	Rules []validators.Rule
	// MaxResults bounds the results of a report. Zero means
	// DefaultMaxResults.
	MaxResults int
	// Now stamps new results. Nil means time.Now.
	Now func() time.Time
}

// Writer keeps one report per namespace the audit evaluates, as the
// package documentation describes. It implements audit.ReportWriter.
type Writer struct {
	opts Options
}

// NewWriter returns a Writer, or an error naming what Options lacks.
func NewWriter(opts Options) (*Writer, error) {
	if opts.Client == nil {
		return nil, errors.New("setting up the policy reports: Options.Client is required")
	}
	if len(opts.Format.kinds()) == 0 {
		return nil, fmt.Errorf("setting up the policy reports: format %q writes nothing; use %s, %s or %s",
			opts.Format, FormatAuto, FormatOpenReports, FormatWGPolicy)
	}
	if opts.Rules == nil {
		opts.Rules = validators.Default()
	}
	if opts.MaxResults <= 0 {
		opts.MaxResults = DefaultMaxResults
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Writer{opts: opts}, nil
}

// WriteReport implements audit.ReportWriter: it brings the reports in line
// with r. Every namespace is handled, whatever fails in another; the
// error joins every failure.
func (w *Writer) WriteReport(ctx context.Context, r *audit.Report, spec *policy.Spec) error {
	gvk, ok, err := w.kind()
	if err != nil || !ok {
		return err
	}
	kept, err := w.listKept(ctx, gvk)
	if err != nil {
		return err
	}
	var errs []error
	seen := make(map[string]bool, len(r.Namespaces))
	for i := range r.Namespaces {
		n := &r.Namespaces[i]
		seen[n.Name] = true
		switch {
		case n.Error != "":
			// Unreadable this time: what the last report says still stands
			// better than nothing.
		case n.Skipped != "":
			if kept[n.Name] {
				errs = append(errs, w.delete(ctx, gvk, n.Name))
			}
		default:
			errs = append(errs, w.keep(ctx, gvk, n, spec, kept[n.Name]))
		}
	}
	for ns := range kept {
		if !seen[ns] {
			errs = append(errs, w.delete(ctx, gvk, ns))
		}
	}
	if w.opts.Format == FormatAuto {
		errs = append(errs, w.removeOthers(ctx, gvk))
	}
	return errors.Join(errs...)
}

// removeOthers deletes the reports Ballast keeps in the kinds of
// FormatAuto other than gvk: when the OpenReports CRD is installed after
// the wgpolicyk8s.io one, the reports move to it. (A format named
// explicitly is granted access to its own kind only.)
func (w *Writer) removeOthers(ctx context.Context, gvk schema.GroupVersionKind) error {
	var errs []error
	for _, other := range FormatAuto.kinds() {
		if other == gvk {
			continue
		}
		_, err := w.opts.Client.RESTMapper().RESTMapping(other.GroupKind(), other.Version)
		switch {
		case meta.IsNoMatchError(err):
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("looking up the %s CRD: %w", other.GroupKind(), err))
			continue
		}
		kept, err := w.listKept(ctx, other)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for ns := range kept {
			errs = append(errs, w.delete(ctx, other, ns))
		}
	}
	return errors.Join(errs...)
}

// kind returns the kind to write: the first of the format's kinds whose
// CRD is installed, if any. A format named explicitly whose CRD is not
// installed is an error.
func (w *Writer) kind() (schema.GroupVersionKind, bool, error) {
	kinds := w.opts.Format.kinds()
	for _, gvk := range kinds {
		_, err := w.opts.Client.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
		switch {
		case err == nil:
			return gvk, true, nil
		case !meta.IsNoMatchError(err):
			return gvk, false, fmt.Errorf("looking up the %s CRD: %w", gvk.GroupKind(), err)
		}
	}
	if w.opts.Format == FormatAuto {
		return schema.GroupVersionKind{}, false, nil
	}
	gvk := kinds[0]
	return gvk, false, fmt.Errorf("writing policy reports in format %s: the CRD of %s %s is not installed; install it, or choose the format auto or none",
		w.opts.Format, gvk.GroupVersion(), gvk.Kind)
}

// listKept returns the namespaces that hold a report Ballast keeps.
func (w *Writer) listKept(ctx context.Context, gvk schema.GroupVersionKind) (map[string]bool, error) {
	kept := map[string]bool{}
	for cont := ""; ; {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(gvk.Kind + "List"))
		if err := w.opts.Client.List(ctx, list, client.MatchingLabels{pdb.ManagedByLabel: ManagedBy},
			client.Limit(listPageSize), client.Continue(cont)); err != nil {
			return nil, fmt.Errorf("listing the %s Ballast keeps: %w", gvk.Kind, err)
		}
		for i := range list.Items {
			if list.Items[i].Name == Name {
				kept[list.Items[i].Namespace] = true
			}
		}
		if cont = list.GetContinue(); cont == "" {
			return kept, nil
		}
	}
}

// keep creates or updates the report of namespace n; it writes nothing
// when the report already says what n does.
func (w *Writer) keep(ctx context.Context, gvk schema.GroupVersionKind, n *audit.Namespace, spec *policy.Spec, exists bool) error {
	cur := &unstructured.Unstructured{}
	cur.SetGroupVersionKind(gvk)
	if exists {
		err := w.opts.Client.Get(ctx, client.ObjectKey{Namespace: n.Name, Name: Name}, cur)
		switch {
		case apierrors.IsNotFound(err):
			exists = false
		case err != nil:
			return fmt.Errorf("reading %s %s/%s: %w", gvk.Kind, n.Name, Name, err)
		}
	}
	var previous openreportsv1alpha1.Report
	if exists {
		// The results of both APIs have the same fields.
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(cur.Object, &previous); err != nil {
			previous.Results = nil // rewritten in full below
		}
	}
	rep := &openreportsv1alpha1.Report{Source: Source}
	rep.Summary, rep.Results = Build(n, spec, w.opts.Rules, w.opts.Now(), previous.Results, w.opts.MaxResults)
	desired, err := content(rep, gvk)
	if err != nil {
		return fmt.Errorf("building %s %s/%s: %w", gvk.Kind, n.Name, Name, err)
	}

	if !exists {
		cur = &unstructured.Unstructured{Object: desired}
		cur.SetGroupVersionKind(gvk)
		cur.SetNamespace(n.Name)
		cur.SetName(Name)
		cur.SetLabels(map[string]string{pdb.ManagedByLabel: ManagedBy})
		cur.SetOwnerReferences(owners(n))
		if err := w.opts.Client.Create(ctx, cur); err != nil {
			return fmt.Errorf("creating %s %s/%s: %w", gvk.Kind, n.Name, Name, err)
		}
		return nil
	}
	changed := false
	for k, v := range desired {
		if !equality.Semantic.DeepEqual(cur.Object[k], v) {
			cur.Object[k], changed = v, true
		}
	}
	for k := range cur.Object {
		if _, ok := desired[k]; !ok && k != "apiVersion" && k != "kind" && k != "metadata" {
			delete(cur.Object, k)
			changed = true
		}
	}
	if o := owners(n); o != nil && !equality.Semantic.DeepEqual(cur.GetOwnerReferences(), o) {
		cur.SetOwnerReferences(o)
		changed = true
	}
	if !changed {
		return nil
	}
	if err := w.opts.Client.Update(ctx, cur); err != nil {
		return fmt.Errorf("updating %s %s/%s: %w", gvk.Kind, n.Name, Name, err)
	}
	return nil
}

// delete removes the report of namespace ns.
func (w *Writer) delete(ctx context.Context, gvk schema.GroupVersionKind, ns string) error {
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(gvk)
	obj.SetNamespace(ns)
	obj.SetName(Name)
	if err := w.opts.Client.Delete(ctx, obj); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", gvk.Kind, ns, Name, err)
	}
	return nil
}

// content returns the fields of the report of kind gvk besides apiVersion,
// kind and metadata. The PolicyReport of wgpolicyk8s.io has no source of
// its own: its results name it.
func content(rep *openreportsv1alpha1.Report, gvk schema.GroupVersionKind) (map[string]any, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(rep)
	if err != nil {
		return nil, err
	}
	delete(obj, "apiVersion")
	delete(obj, "kind")
	delete(obj, "metadata")
	if gvk == WGPolicyKind {
		delete(obj, "source")
	}
	return obj, nil
}

// owners returns the owner references of the report of n: its Namespace,
// so that the report goes with it; nil when its UID is not known.
func owners(n *audit.Namespace) []metav1.OwnerReference {
	if n.UID == "" {
		return nil
	}
	return []metav1.OwnerReference{{
		APIVersion: corev1.SchemeGroupVersion.String(), Kind: "Namespace", Name: n.Name, UID: n.UID,
	}}
}
