package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/verdict"
	"github.com/ballast-dev/ballast/internal/workload"
)

// printer writes the demo's output for people.
type printer struct {
	w io.Writer
}

// line writes one line.
func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

// title writes the demo's title.
func (p *printer) title(text string) {
	p.linef("%s\n%s\n", text, strings.Repeat("=", len(text)))
}

// section writes a section heading.
func (p *printer) section(text string) {
	p.linef("\n%s\n%s", text, strings.Repeat("-", len(text)))
}

// progress is a step under way.
type progress struct {
	p       *printer
	started time.Time
}

// step writes what the demo starts doing, and returns the progress that
// says when it is done.
func (p *printer) step(format string, args ...any) progress {
	fmt.Fprintf(p.w, "==> "+format+" ... ", args...)
	return progress{p: p, started: time.Now()}
}

// done ends the step's line with its result and how long it took.
func (s progress) donef(format string, args ...any) {
	fmt.Fprintf(s.p.w, format+" (%s)\n", append(args, since(s.started))...)
}

// report writes, namespace by namespace, what happened to the samples, and
// then the developer's attempt to exempt a namespace.
func (p *printer) report(d *deployer) {
	p.section("What happened")
	p.linef("The policy (%s): default mode %s; %s; namespace admins: %s.",
		d.samples.policyFile, d.samples.policy.Spec.Mode, labelRule(d.samples.policy), subjects(d.samples.policy.Spec.NamespaceAdmins))

	for _, ns := range d.namespaces() {
		s := d.settings(ns)
		p.section(fmt.Sprintf("Namespace %s: mode %s, from the %s", ns.Name, s.Mode, s.ModeSource))
		p.linef("%s", modeMeaning(s.Mode))
		if s.Profile != "" {
			p.linef("Profile %s applies: the policy's values with its overrides; here pods get a %ds preStop sleep and at least %d replicas are asked for.",
				s.Profile, s.Spec.PodDefaults.PreStop.SleepSeconds, s.Spec.Rules.MinReplicas.Minimum)
		}
		for _, e := range s.Exemptions {
			p.linef("Exemption %s is in force: rules %s. Reason: %s Owner: %s%s.",
				e.Name, strings.Join(e.Rules, ", "), e.Reason, e.Owner, expiry(e.Expires))
		}
		for _, e := range s.ScopedExemptions() {
			p.linef("Exemption %s is in force for %s only: rules %s. Reason: %s Owner: %s%s.",
				e.Name, e.Scope, strings.Join(e.Rules, ", "), e.Reason, e.Owner, expiry(e.Expires))
		}
		for _, o := range d.outcomes {
			if o.obj.GetNamespace() == ns.Name && !isPlatform(o.obj) {
				p.outcome(o, s.Mode)
			}
		}
	}

	p.section("Tenants cannot exempt themselves")
	if g := d.guard; g != nil {
		p.linef("RBAC lets developer %q patch its namespaces; it labels namespace %s %s:", developer, guardNamespace, guardLabel)
		if g.err != nil {
			p.linef("  DENIED")
			p.quote(g.err.Error())
		} else {
			p.linef("  ACCEPTED: Ballast did not stop it")
		}
		p.linef("Only the policy's namespace admins (%s) may change ballast.dev/ labels and annotations.", subjects(d.samples.policy.Spec.NamespaceAdmins))
	}
	p.summary(d)
	p.linef("\ndocs/demo.md explains how to read this.")
}

// summary writes one line per sample object Ballast judges: its
// namespace's mode, Ballast's answer, the warnings and what its pods
// received. Services, which Ballast reads and does not judge, have none.
func (p *printer) summary(d *deployer) {
	p.section("In short")
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tMODE\tOBJECT\tANSWER\tWARNINGS\tPODS")
	for _, ns := range d.namespaces() {
		mode := d.settings(ns).Mode
		for _, o := range d.outcomes {
			if o.obj.GetNamespace() != ns.Name || isPlatform(o.obj) || isService(o.obj) {
				continue
			}
			answer := "admitted"
			if o.err != nil {
				answer = "denied"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s %s\t%s\t%d\t%s\n", ns.Name, mode, kindOf(o.obj), o.obj.GetName(), answer, len(o.warnings), podSummary(o))
		}
	}
	_ = tw.Flush()
}

// podSummary says how many of an outcome's pods Ballast mutated.
func podSummary(o *outcome) string {
	if len(o.pods) == 0 {
		return "-"
	}
	mutated := 0
	for i := range o.pods {
		if _, ok := o.pods[i].Annotations[policy.InjectedAnnotation]; ok {
			mutated++
		}
	}
	switch mutated {
	case 0:
		return fmt.Sprintf("%d, left as they are", len(o.pods))
	case len(o.pods):
		return fmt.Sprintf("%d, all with defaults", len(o.pods))
	}
	return fmt.Sprintf("%d, %d with defaults", len(o.pods), mutated)
}

// outcome writes what happened to one sample object.
func (p *printer) outcome(o *outcome, mode policy.Mode) {
	story := o.obj.GetAnnotations()[storyAnnotation]
	if svc, ok := o.obj.(*corev1.Service); ok && o.err == nil {
		// Ballast is not asked about Services: it reads them.
		p.linef("\nService %s: created; Ballast reads it to know which pod ports receive traffic", svc.Name)
		if story != "" {
			p.linef("  (%s)", story)
		}
		p.linef("  %s", describeService(svc))
		return
	}
	result := "ADMITTED"
	if o.err != nil {
		result = "DENIED"
		if !verdict.IsDenial(o.err) {
			result = "FAILED"
		}
	}
	p.linef("\n%s %s: %s", kindOf(o.obj), o.obj.GetName(), result)
	if story != "" {
		p.linef("  (%s)", story)
	}
	if o.err != nil {
		p.quote(o.err.Error())
	}
	switch {
	case len(o.warnings) > 0:
		p.linef("  The developer read %d warnings:", len(o.warnings))
		for _, w := range o.warnings {
			p.linef("    Warning: %s", w)
		}
	case o.err == nil:
		p.linef("  No warning.")
	}
	if len(o.pdbs) > 0 {
		p.linef("  Ballast created PodDisruptionBudget %s for it.", strings.Join(o.pdbs, ", "))
	} else if o.err == nil && slices.ContainsFunc(o.warnings, func(w string) bool { return strings.Contains(w, "Ballast creates PodDisruptionBudget") }) {
		p.linef("  The announced PodDisruptionBudget was not there within %s.", pdbWaitTimeout)
	}
	if o.err == nil {
		p.pods(o.obj, o.pods, mode)
	}
}

// pods writes the pods of a workload: the first in full, the others by
// name and annotation.
func (p *printer) pods(obj client.Object, pods []corev1.Pod, mode policy.Mode) {
	k, ok := workload.KindOf(obj)
	tmpl, hasTemplate := workload.TemplateOf(obj)
	if len(pods) == 0 || !ok || !hasTemplate {
		return
	}
	p.linef("  Its pods, as the %s controller created them:", k.PodOwner)
	for i := range pods {
		pod := &pods[i]
		injected, ok := pod.Annotations[policy.InjectedAnnotation]
		switch {
		case ok:
			p.linef("    %s  %s=%s", pod.Name, policy.InjectedAnnotation, injected)
		case mode == policy.ModeDryRun:
			p.linef("    %s  not mutated: in dryrun Ballast only says what it would set", pod.Name)
		case mode == policy.ModeOff:
			p.linef("    %s  not mutated: Ballast was not even called", pod.Name)
		default:
			p.linef("    %s  not mutated", pod.Name)
		}
		if i > 0 {
			continue
		}
		items := strings.Split(injected, ",")
		p.linef("      %s", describeGrace(tmpl.Spec.TerminationGracePeriodSeconds, pod, slices.Contains(items, "termination-grace")))
		for _, c := range pod.Spec.Containers {
			p.linef("      container %s: %s; %s", c.Name,
				describePreStop(&c, slices.Contains(items, "prestop-sleep/"+c.Name)),
				describeReadiness(&c, slices.Contains(items, "readiness-probe/"+c.Name)))
		}
	}
}

// quote writes an error message from the API server, indented line by
// line.
func (p *printer) quote(msg string) {
	for _, l := range strings.Split(msg, "\n") {
		p.linef("    | %s", l)
	}
}

// modeMeaning says what a mode does, for newcomers.
func modeMeaning(m policy.Mode) string {
	switch m {
	case policy.ModeEnforce:
		return "enforce: pods get the defaults; a workload that breaks a deny rule is refused, with every problem and its fix."
	case policy.ModeWarn:
		return "warn: pods get the defaults; every problem comes back as a warning, nothing is refused."
	case policy.ModeDryRun:
		return "dryrun: nothing is changed or refused; the warnings say what Ballast would deny and would set."
	case policy.ModeOff:
		return "off: Ballast leaves the namespace alone; the webhook configurations do not even send it the requests."
	}
	return string(m)
}

// describeGrace describes a pod's termination grace period and where it
// came from: its pod template's, templateGrace, or Ballast.
func describeGrace(templateGrace *int64, pod *corev1.Pod, raised bool) string {
	got := ptr.Deref(pod.Spec.TerminationGracePeriodSeconds, corev1.DefaultTerminationGracePeriodSeconds)
	template := "unset, so the default 30s"
	if g := templateGrace; g != nil {
		template = fmt.Sprintf("%ds", *g)
	}
	if raised {
		return fmt.Sprintf("terminationGracePeriodSeconds: %d (raised by Ballast to cover the preStop sleep and the shutdown; the template: %s)", got, template)
	}
	return fmt.Sprintf("terminationGracePeriodSeconds: %d (the template: %s)", got, template)
}

// describePreStop describes a container's preStop hook.
func describePreStop(c *corev1.Container, injected bool) string {
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil {
		return "no preStop hook"
	}
	h := c.Lifecycle.PreStop
	var what string
	switch {
	case h.Sleep != nil:
		what = fmt.Sprintf("preStop sleep %ds", h.Sleep.Seconds)
	case h.Exec != nil:
		what = "preStop exec " + strings.Join(h.Exec.Command, " ")
	case h.HTTPGet != nil:
		what = "preStop GET " + h.HTTPGet.Path
	default:
		what = "a preStop hook"
	}
	return what + source(injected)
}

// describeReadiness describes a container's readiness probe.
func describeReadiness(c *corev1.Container, injected bool) string {
	pr := c.ReadinessProbe
	if pr == nil {
		return "no readiness probe"
	}
	var what string
	switch {
	case pr.TCPSocket != nil:
		what = "readiness probe tcp :" + pr.TCPSocket.Port.String()
	case pr.HTTPGet != nil:
		what = fmt.Sprintf("readiness probe GET %s on :%s", pr.HTTPGet.Path, pr.HTTPGet.Port.String())
	case pr.Exec != nil:
		what = "readiness probe exec " + strings.Join(pr.Exec.Command, " ")
	default:
		what = "a readiness probe"
	}
	return what + source(injected)
}

// describeService says which pods a Service sends traffic to, on which of
// their ports, and whether ready or not.
func describeService(svc *corev1.Service) string {
	var ports []string
	for _, sp := range svc.Spec.Ports {
		target := sp.TargetPort
		if target.Type == intstr.Int && target.IntVal == 0 {
			target = intstr.FromInt32(sp.Port)
		}
		ports = append(ports, fmt.Sprintf("%d -> %s", sp.Port, target.String()))
	}
	noun := "port"
	if len(ports) > 1 {
		noun = "ports"
	}
	s := fmt.Sprintf("It sends the pods %s their traffic: %s %s", labels.SelectorFromSet(svc.Spec.Selector), noun, strings.Join(ports, ", "))
	if svc.Spec.PublishNotReadyAddresses {
		s += ", ready or not (publishNotReadyAddresses: peer discovery)"
	}
	return s + "."
}

// isService reports whether obj is a Service.
func isService(obj client.Object) bool {
	_, ok := obj.(*corev1.Service)
	return ok
}

// source says who wrote a setting.
func source(injected bool) string {
	if injected {
		return " (added by Ballast)"
	}
	return " (the template's own)"
}

// labelRule says whether namespaces may set their mode.
func labelRule(p *policy.Policy) string {
	if ptr.Deref(p.Spec.NamespaceModeLabel, true) {
		return "the namespace label " + policy.ModeLabel + " sets a namespace's mode"
	}
	return "namespace labels do not set modes"
}

// subjects lists users and groups for people.
func subjects(s policy.Subjects) string {
	var parts []string
	if len(s.Groups) > 0 {
		parts = append(parts, "groups "+strings.Join(s.Groups, ", "))
	}
	if len(s.Users) > 0 {
		parts = append(parts, "users "+strings.Join(s.Users, ", "))
	}
	if len(parts) == 0 {
		return "nobody"
	}
	return strings.Join(parts, "; ")
}

// expiry describes when an exemption expires.
func expiry(t *time.Time) string {
	if t == nil {
		return ", never expires"
	}
	return ", expires " + t.UTC().Format(time.DateOnly)
}
