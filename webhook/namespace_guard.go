package webhook

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
)

// AuditNamespaceKeys is the audit annotation key that lists the
// ballast.dev/ keys a Namespace request adds, changes or removes.
const AuditNamespaceKeys = "namespace-keys"

// namespaceGuard keeps tenants from exempting themselves: only the
// policy's namespaceAdmins may add, change or remove ballast.dev/ labels
// and annotations on Namespaces.
type namespaceGuard struct{ *handler }

// Handle judges Namespace CREATE and UPDATE requests, including those on
// subresources (namespaces/status keeps the labels it is sent). Requests
// that leave every ballast.dev/ key as it was pass, so tenants can still
// edit their other labels. DELETE passes untouched.
func (g *namespaceGuard) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create && req.Operation != admissionv1.Update {
		return g.skipped(&req)
	}
	k, ok := lookupKind(g.path, req.Kind)
	if !ok {
		return g.wrongKind(ctx, &req)
	}
	var ns, old corev1.Namespace
	if err := decode(g.decoder, req.Object, &ns, k.gvk.Kind, "object"); err != nil {
		return g.badRequest(ctx, &req, err)
	}
	if req.Operation == admissionv1.Update {
		if err := decode(g.decoder, req.OldObject, &old, k.gvk.Kind, "oldObject"); err != nil {
			return g.badRequest(ctx, &req, err)
		}
	}
	changes := append(keyChanges("label", old.Labels, ns.Labels), keyChanges("annotation", old.Annotations, ns.Annotations)...)
	if len(changes) == 0 {
		return g.answer(&req, true, "", nil)
	}
	p := g.opts.Policy.Policy()
	if p == nil {
		return g.internalError(ctx, &req, errPolicyNotLoaded)
	}
	admins := p.Spec.NamespaceAdmins
	if admins.Allows(req.UserInfo.Username, req.UserInfo.Groups) {
		return g.answer(&req, true, "", changes)
	}
	msg := denialMessage(req.UserInfo.Username, ns.Name, changes, admins)
	logf.FromContext(ctx).Info("denied", "keys", keyList(changes))
	return g.answer(&req, false, msg, changes)
}

// answer records and renders the guard's decision.
func (g *namespaceGuard) answer(req *admission.Request, allowed bool, msg string, changes []keyChange) admission.Response {
	d := engine.Decision{Allowed: allowed, DenyMessage: msg, AuditAnnotations: map[string]string{engine.AuditDecision: engine.DecisionAllowed}}
	if !allowed {
		d.AuditAnnotations[engine.AuditDecision] = engine.DecisionDenied
	}
	if len(changes) > 0 {
		d.AuditAnnotations[AuditNamespaceKeys] = keyList(changes)
	}
	g.opts.Metrics.ObserveDecision(resourceOf(req.Kind), req.Operation, d.AuditAnnotations[engine.AuditDecision], metrics.NoMode)
	return render(&d, nil)
}

// keyChange is one ballast.dev/ label or annotation that a request adds,
// changes or removes.
type keyChange struct {
	what     string // "label" or "annotation"
	key      string
	old, new string
	had, has bool
}

// String describes the change for the denial message. Label values (63
// characters at most) are quoted; annotation values, which may be long,
// are not.
func (c keyChange) String() string {
	s := c.what + " " + c.key
	label := c.what == "label"
	switch {
	case !c.had && label:
		return s + " added " + strconv.Quote(c.new)
	case !c.had:
		return s + " added"
	case !c.has:
		return s + " removed"
	case label:
		return s + " changed from " + strconv.Quote(c.old) + " to " + strconv.Quote(c.new)
	}
	return s + " changed"
}

// keyChanges returns the ballast.dev/ keys that differ between before and
// after, sorted by key.
func keyChanges(what string, before, after map[string]string) []keyChange {
	var out []keyChange
	for key, v := range after {
		if !strings.HasPrefix(key, policy.Prefix) {
			continue
		}
		if was, had := before[key]; !had || was != v {
			out = append(out, keyChange{what: what, key: key, old: was, new: v, had: had, has: true})
		}
	}
	for key, was := range before {
		if _, has := after[key]; !has && strings.HasPrefix(key, policy.Prefix) {
			out = append(out, keyChange{what: what, key: key, old: was, had: true})
		}
	}
	slices.SortFunc(out, func(a, b keyChange) int { return strings.Compare(a.key, b.key) })
	return out
}

// keyList lists the changed keys, for the audit annotation and the log.
func keyList(changes []keyChange) string {
	keys := make([]string, len(changes))
	for i, c := range changes {
		keys[i] = c.key
	}
	return strings.Join(keys, ",")
}

// denialMessage names each change and who may make it.
func denialMessage(user, namespace string, changes []keyChange, admins policy.Subjects) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Ballast: user %q may not add, change or remove %s labels and annotations of namespace %s:", user, policy.Prefix, namespace)
	for _, c := range changes {
		b.WriteString("\n- ")
		b.WriteString(c.String())
	}
	b.WriteString("\nOnly the policy's namespaceAdmins may: ask your platform team; allowed: ")
	var who []string
	if len(admins.Groups) > 0 {
		who = append(who, fmt.Sprintf("groups %v", admins.Groups))
	}
	if len(admins.Users) > 0 {
		who = append(who, fmt.Sprintf("users %v", admins.Users))
	}
	if len(who) == 0 {
		who = append(who, "nobody (spec.namespaceAdmins is empty)")
	}
	b.WriteString(strings.Join(who, ", "))
	return b.String()
}
