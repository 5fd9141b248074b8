package agreement

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/check"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/internal/workload"
)

// TestMain fulfils controller-runtime's global logger, which the webhook
// server and the certificate watcher log through, with one that discards;
// each Ballast server logs through a logger of its own.
func TestMain(m *testing.M) {
	logf.SetLogger(logr.Discard())
	os.Exit(m.Run())
}

// TestWebhookCheckAuditAgree judges the corpus with the webhook, `ballast
// check` and `ballast audit`, and compares their answers object by object;
// see the package documentation.
func TestWebhookCheckAuditAgree(t *testing.T) {
	root, err := controlplane.RepoRoot()
	require.NoError(t, err)
	groups := loadCorpus(t, root)
	cp := controlplane.Start(t, controlplane.Options{})

	started := time.Now()
	spaces := make([][]*space, len(groups))
	var all []*space
	for i, g := range groups {
		spaces[i] = g.spaces(t)
		all = append(all, spaces[i]...)
	}
	createAll(t, cp, all)
	t.Logf("created %d namespaces and their objects in %s", len(all), time.Since(started).Round(time.Millisecond))

	var tally tally
	for i, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			judge(t, cp, g, spaces[i], &tally)
		})
	}
	tally.check(t)
	t.Logf("the corpus, by the webhook's answers:\n%s", &tally)
}

// creators is how many spaces are created at once.
const creators = 16

// createAll creates the namespaces and objects of the spaces, without
// client-side rate limiting and several spaces at once.
func createAll(t *testing.T, cp *controlplane.ControlPlane, spaces []*space) {
	t.Helper()
	cfg := rest.CopyConfig(cp.Config)
	cfg.QPS = -1 // no client-side rate limiting
	c, err := client.New(cfg, client.Options{Scheme: clientgoscheme.Scheme})
	require.NoError(t, err)
	work := make(chan *space)
	errs := make(chan error, len(spaces))
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for s := range work {
				errs <- create(t.Context(), c, s)
			}
		})
	}
	for _, s := range spaces {
		work <- s
	}
	close(work)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	require.NoError(t, errors.Join(all...))
}

// create creates a space's namespace and objects, in order, and keeps each
// object as the API server stored it.
func create(ctx context.Context, c client.Client, s *space) error {
	if err := c.Create(ctx, s.namespace()); err != nil {
		return fmt.Errorf("creating namespace %s: %w", s.name, err)
	}
	for _, it := range s.items {
		it.stored = it.manifest.DeepCopy()
		if err := c.Create(ctx, it.stored); err != nil {
			return fmt.Errorf("creating %s: %w", it, err)
		}
	}
	return nil
}

// judge has a group's objects judged three ways, under the group's policy,
// and compares the answers.
func judge(t *testing.T, cp *controlplane.ControlPlane, g *group, spaces []*space, tally *tally) {
	p, err := policy.Parse(g.policy)
	require.NoError(t, err, "the policy of the group:\n%s", g.policy)
	spec := &p.Spec

	started := time.Now()
	b := startBallast(t, cp, g.policy)
	webhookSays := map[*item]verdict{}
	for _, s := range spaces {
		for _, it := range s.items {
			if it.judged() {
				webhookSays[it] = fromResponse(b.review(t, it))
			}
		}
	}
	t.Logf("webhook: %d reviews in %s, start-up included", b.reviews, time.Since(started).Round(time.Millisecond))

	started = time.Now()
	checkSays := runCheck(t, spec, spaces)
	t.Logf("check: %d objects in %s", len(checkSays), time.Since(started).Round(time.Millisecond))

	started = time.Now()
	report, err := audit.Run(t.Context(), cp.Client, audit.Options{
		Spec:        spec,
		Policy:      "the agreement test's",
		Now:         now,
		MaxPodNames: 1 << 20,
		Excluded:    audit.WebhookExcluded("ballast-system"),
	})
	require.NoError(t, err)
	auditSays := map[string]*audit.Namespace{}
	for i := range report.Namespaces {
		auditSays[report.Namespaces[i].Name] = &report.Namespaces[i]
	}
	t.Logf("audit: %d namespaces in %s", len(report.Namespaces), time.Since(started).Round(time.Millisecond))

	for _, s := range spaces {
		t.Run(s.name, func(t *testing.T) {
			compare(t, s, webhookSays, checkSays, auditSays[s.name])
			for _, it := range s.items {
				if it.judged() {
					tally.add(it, webhookSays[it])
				}
			}
		})
	}
}

// objectKey identifies an object of a report.
func objectKey(namespace, kind, name string) string {
	return namespace + " " + kind + " " + name
}

// runCheck runs `ballast check` over the manifests of the spaces: once per
// mode, each run reading the namespaces that resolve to it (an off
// namespace is read with those of enforce, as `ballast check` leaves it
// off) and their Namespace, whose labels set the mode. It returns the
// verdicts by objectKey.
func runCheck(t *testing.T, spec *policy.Spec, spaces []*space) map[string]report.Object {
	t.Helper()
	streams := map[policy.Mode]*strings.Builder{}
	var modes []policy.Mode
	for _, s := range spaces {
		mode := s.variant.mode
		if mode == policy.ModeOff {
			mode = policy.ModeEnforce
		}
		if streams[mode] == nil {
			streams[mode] = &strings.Builder{}
			modes = append(modes, mode)
		}
		for _, obj := range append([]map[string]any{s.namespace().Object}, manifests(s)...) {
			b, err := yaml.Marshal(obj)
			require.NoError(t, err)
			streams[mode].WriteString("---\n")
			streams[mode].Write(b)
		}
	}
	out := map[string]report.Object{}
	for _, mode := range modes {
		r := check.Run(check.Options{
			Paths: []string{"-"},
			Stdin: strings.NewReader(streams[mode].String()),
			Spec:  spec,
			Mode:  mode,
			Now:   now,
		})
		require.Empty(t, r.Errors, "check in mode %s could not read the corpus", mode)
		for _, o := range r.Objects {
			if o.Kind != "Namespace" {
				out[objectKey(o.Namespace, o.Kind, o.Name)] = o
			}
		}
	}
	return out
}

// manifests returns the objects of a space as check reads them.
func manifests(s *space) []map[string]any {
	out := make([]map[string]any, len(s.items))
	for i, it := range s.items {
		out[i] = it.manifest.Object
	}
	return out
}

// compare compares what the three say of the objects of a space.
func compare(t *testing.T, s *space, webhookSays map[*item]verdict, checkSays map[string]report.Object, auditNS *audit.Namespace) {
	if !assert.NotNil(t, auditNS, "audit does not report namespace %s", s.name) {
		auditNS = &audit.Namespace{}
	}
	assert.Equal(t, s.variant.mode, auditNS.Mode, "namespace %s: the mode audit judges in", s.name)
	off := s.variant.mode == policy.ModeOff
	if off {
		assert.Equal(t, "mode off", auditNS.Skipped, "namespace %s: audit does not skip it", s.name)
	}

	var auditObjects int
	checked := map[*item]report.Object{}
	for _, it := range s.items {
		co, ok := checkSays[objectKey(s.name, it.Kind(), it.Name())]
		if !assert.True(t, ok, "%s: check does not report it", it) {
			continue
		}
		if !it.judged() {
			assert.NotEmpty(t, co.Skipped, "%s: check judges it", it)
			continue
		}
		checked[it] = co
		want := fromObject(co, it.stored.Object)
		got := webhookSays[it]
		assert.Equal(t, s.variant.mode, got.Mode, "%s: the mode the webhook judges in", it)
		assert.Equal(t, want, got, "%s: check (expected) and the webhook (actual) disagree", it)

		if it.Kind() == workload.KindPod {
			continue // audit reports Pods by namespace, below
		}
		if off {
			continue // audit reports nothing of a namespace that is off
		}
		auditObjects++
		ao, ok := find(auditNS.Objects, it.Kind(), it.Name())
		if !assert.True(t, ok, "%s: audit does not report it", it) {
			continue
		}
		assert.Equal(t, bare(co), bare(ao), "%s: check (expected) and audit (actual) disagree", it)
	}
	if !off {
		assert.Len(t, auditNS.Objects, auditObjects, "namespace %s: audit reports other objects", s.name)
	}

	// The Pods that lack defaults, which audit reports by namespace.
	want := lackingDefaults(s, func(it *item) []string {
		if co := checked[it]; co.Skipped == "" {
			return ruleIDs(co.Mutations)
		}
		return nil
	})
	got := lackingDefaults(s, func(it *item) []string {
		var rules []string
		for _, m := range webhookSays[it].Mutations { // "rule[container] path"
			rule, _, _ := strings.Cut(m, "[")
			rule, _, _ = strings.Cut(rule, " ")
			rules = append(rules, rule)
		}
		return rules
	})
	assert.Equal(t, want, got, "namespace %s: the Pods that lack defaults, by check (expected) and the webhook (actual)", s.name)
	if !off {
		assert.Equal(t, want, auditNS.PodsLackingDefaults, "namespace %s: the Pods that lack defaults, by check (expected) and audit (actual)", s.name)
	}

	// What check says a workload's pods receive is what its Pod receives.
	for _, it := range s.items {
		if it.Kind() != workload.KindPod {
			continue
		}
		pod, workload := checked[it], workloadOf(s, it)
		if workload == nil || pod.Skipped != "" || checked[workload].Skipped != "" {
			continue
		}
		var announced []string
		for _, m := range checked[workload].Mutations {
			if f, ok := strings.CutPrefix(m.Field, "spec.template."); ok {
				announced = append(announced, mutation(m.Rule, m.Container)+" "+f)
			}
		}
		var received []string
		for _, m := range pod.Mutations {
			received = append(received, mutation(m.Rule, m.Container)+" "+m.Field)
		}
		assert.Equal(t, announced, received, "%s: what check says %s's pods receive (expected) and what it says its Pod receives (actual)", it, workload.Name())
	}
}

// workloadOf returns the workload whose pod template a Pod of the space
// was built from.
func workloadOf(s *space, pod *item) *item {
	for _, it := range s.items {
		if _, ok := podOwner(it.Kind()); ok && strings.ToLower(it.Kind())+"-"+it.Name() == pod.Name() {
			return it
		}
	}
	return nil
}

// lackingDefaults returns the Pods of a space that rulesOf gives rules of
// mutations, in the shape of audit's report.
func lackingDefaults(s *space, rulesOf func(*item) []string) audit.Pods {
	p := audit.Pods{Names: []string{}, Rules: []string{}}
	for _, it := range s.items {
		if it.Kind() != workload.KindPod {
			continue
		}
		rules := rulesOf(it)
		if len(rules) == 0 {
			continue
		}
		p.Count++
		p.Names = append(p.Names, it.Name())
		for _, r := range rules {
			if !slices.Contains(p.Rules, r) {
				p.Rules = append(p.Rules, r)
			}
		}
	}
	slices.Sort(p.Names)
	slices.Sort(p.Rules)
	return p
}

func ruleIDs(ms []report.Mutation) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Rule)
	}
	return out
}

// find returns the object of kind and name among objects.
func find(objects []report.Object, kind, name string) (report.Object, bool) {
	for _, o := range objects {
		if o.Kind == kind && o.Name == name {
			return o, true
		}
	}
	return report.Object{}, false
}

// bare returns o without what says where it was read from, a file or the
// cluster.
func bare(o report.Object) report.Object {
	o.Source, o.File, o.Line, o.Template = "", "", 0, ""
	return o
}

// tally counts the corpus by mode and kind, from the webhook's answers.
type tally struct {
	rows map[string]*row
	keys []string
}

// row counts the objects of one mode and kind.
type row struct {
	objects, skipped, denied, findings, mutations, notes int
}

func (t *tally) add(it *item, v verdict) {
	if t.rows == nil {
		t.rows = map[string]*row{}
	}
	key := it.space.variant.prefix + " " + it.Kind()
	r := t.rows[key]
	if r == nil {
		r = &row{}
		t.rows[key] = r
		t.keys = append(t.keys, key)
	}
	r.objects++
	if v.Skipped {
		r.skipped++
	}
	if !v.Allowed {
		r.denied++
	}
	if len(v.Findings) > 0 {
		r.findings++
	}
	if len(v.Mutations) > 0 {
		r.mutations++
	}
	if len(v.Notes) > 0 {
		r.notes++
	}
}

// sum adds up the rows of the namespaces with prefix.
func (t *tally) sum(prefix string) row {
	var s row
	for key, r := range t.rows {
		if strings.HasPrefix(key, prefix+" ") {
			s.objects += r.objects
			s.skipped += r.skipped
			s.denied += r.denied
			s.findings += r.findings
			s.mutations += r.mutations
			s.notes += r.notes
		}
	}
	return s
}

// check fails the test when the corpus could agree without judging
// anything: each mode must show what it does.
func (t *tally) check(tt *testing.T) {
	for _, v := range variants {
		s := t.sum(v.prefix)
		switch v.mode {
		case policy.ModeOff:
			assert.Equal(tt, s.objects, s.skipped, "every object is skipped in %s namespaces", v.prefix)
		case policy.ModeEnforce:
			assert.Positive(tt, s.denied, "some objects are denied in %s namespaces", v.prefix)
		default:
			assert.Zero(tt, s.denied, "no object is denied in %s namespaces", v.prefix)
		}
		if v.mode != policy.ModeOff {
			assert.Positive(tt, s.findings, "some objects have findings in %s namespaces", v.prefix)
			assert.Positive(tt, s.mutations, "some objects have mutations in %s namespaces", v.prefix)
		}
		// The exemption in force waives readiness-probe, and with it the
		// readiness probe's notes.
		if v.mode != policy.ModeOff && v.prefix != "exm" {
			assert.Positive(tt, s.notes, "some workloads are admitted with notes in %s namespaces", v.prefix)
		}
	}
}

// String lays the tally out as a table.
func (t *tally) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-30s %7s %7s %7s %8s %9s %5s\n", "namespaces kind", "objects", "skipped", "denied", "findings", "mutations", "notes")
	keys := slices.Clone(t.keys)
	slices.Sort(keys)
	for _, k := range keys {
		r := t.rows[k]
		fmt.Fprintf(&b, "%-30s %7d %7d %7d %8d %9d %5d\n", k, r.objects, r.skipped, r.denied, r.findings, r.mutations, r.notes)
	}
	return b.String()
}
