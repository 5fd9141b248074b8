package check

import (
	"fmt"
	"io"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/workload"
	"github.com/ballast-dev/ballast/validators"
)

// DefaultNamespace is the namespace of objects that set none, when
// Options.Namespace is empty: the one kubectl applies them to.
const DefaultNamespace = "default"

// modeSource is the Settings.ModeSource of a mode Options.Mode set.
const modeSource = "ballast check --mode"

// Options says what to check and how.
type Options struct {
	// Paths are the manifests: files, directories, or "-" for Stdin.
	Paths []string
	Stdin io.Reader
	// Spec is the defaulted policy.
	Spec *policy.Spec
	// Mode replaces the mode of every namespace that the policy or its
	// labels do not turn off: it is the rollout stage to try. Empty means
	// enforce, whose answer is what the webhook would reject. Exemptions
	// still apply.
	Mode policy.Mode
	// Namespace, when set, is the namespace of every object. Otherwise an
	// object is in the namespace its manifest sets, else DefaultNamespace.
	Namespace string
	// Now is the moment exemptions expire against.
	Now time.Time
	// Limits bound what is read of each input; zero fields mean the
	// defaults of package manifest.
	Limits manifest.Limits
	// Exclude are the glob patterns of files and directories a directory
	// walk skips (manifest.Options.Exclude).
	Exclude []string
	// Engine judges the objects; nil means engine.Default().
	Engine *engine.Engine
}

// Run reads the manifests and judges every object Ballast evaluates as the
// webhook would in its namespace: settings resolved from the policy (with
// the labels of a Namespace among the manifests), the mode replaced by
// opts.Mode, and the PodDisruptionBudgets, HorizontalPodAutoscalers,
// Services and workloads of the same namespace among the manifests as its
// surroundings.
func Run(opts Options) Report {
	in := manifest.Read(opts.Paths, opts.Stdin, manifest.Options{Limits: opts.Limits, Exclude: opts.Exclude})
	docs := in.Documents
	c := newChecker(opts, docs)
	r := Report{
		Objects: make([]report.Object, 0, len(docs)),
		Errors:  make([]Error, 0, len(in.Errors)),
		Summary: report.Summary{Mode: c.mode, Rules: map[string]int{}},
	}
	for i := range docs {
		o := c.judge(i)
		r.Objects = append(r.Objects, o)
		r.Summary.Add(&o)
	}
	for _, e := range in.Errors {
		r.Errors = append(r.Errors, newError(e))
	}
	for _, n := range in.Notes {
		r.Notes = append(r.Notes, newError(n))
	}
	r.Summary.Errors = len(r.Errors)
	return r
}

// checker holds what judging one object needs to know of the others.
type checker struct {
	opts   Options
	engine *engine.Engine
	mode   policy.Mode
	docs   []manifest.Document
	// objects are the evaluated objects, placed in their namespace, by
	// document index; nil for the other documents.
	objects    []runtime.Object
	namespaces []string
	labels     map[string]map[string]string // of Namespace documents, by name
	related    map[string]*workload.Related
	settings   map[string]*policy.Settings
}

func newChecker(opts Options, docs []manifest.Document) *checker {
	c := &checker{
		opts:       opts,
		engine:     opts.Engine,
		mode:       opts.Mode,
		docs:       docs,
		objects:    make([]runtime.Object, len(docs)),
		namespaces: make([]string, len(docs)),
		labels:     map[string]map[string]string{},
		related:    map[string]*workload.Related{},
		settings:   map[string]*policy.Settings{},
	}
	if c.engine == nil {
		c.engine = engine.Default()
	}
	if c.mode == "" {
		c.mode = policy.ModeEnforce
	}
	for i, d := range docs {
		if ns, ok := d.Object.(*corev1.Namespace); ok {
			if _, seen := c.labels[ns.Name]; !seen {
				c.labels[ns.Name] = ns.Labels
			}
			continue
		}
		if d.Object == nil {
			continue
		}
		// Run owns the documents: their objects are placed in their
		// namespace where they are, as a copy of each would double the
		// memory a large input takes.
		m, ok := d.Object.(metav1.Object)
		if !ok {
			continue // every kind decoded has metadata
		}
		ns := c.namespaceOf(d)
		m.SetNamespace(ns)
		c.relate(ns, d.Object)
		if _, judged := workload.KindOf(d.Object); judged {
			c.objects[i], c.namespaces[i] = d.Object, ns
		}
		// else a neighbour only, such as a Service: read, not judged.
	}
	return c
}

// namespaceOf returns the namespace an object is judged in.
func (c *checker) namespaceOf(d manifest.Document) string {
	switch {
	case c.opts.Namespace != "":
		return c.opts.Namespace
	case d.Namespace != "":
		return d.Namespace
	}
	return DefaultNamespace
}

// relate records obj among the surroundings of the objects of namespace ns.
func (c *checker) relate(ns string, obj runtime.Object) {
	rel := c.related[ns]
	if rel == nil {
		rel = &workload.Related{}
		c.related[ns] = rel
	}
	rel.Add(obj)
}

// settingsOf returns the settings of namespace ns, with the mode replaced.
func (c *checker) settingsOf(ns string) *policy.Settings {
	if s, ok := c.settings[ns]; ok {
		return s
	}
	s := policy.Resolve(c.opts.Spec, policy.Namespace{Name: ns, Labels: c.labels[ns]}, c.opts.Now)
	if s.Mode != policy.ModeOff {
		s.Mode, s.ModeSource = c.mode, modeSource
	}
	c.settings[ns] = &s
	return &s
}

// judge returns the verdict on the i-th document.
func (c *checker) judge(i int) report.Object {
	d := c.docs[i]
	o := report.Object{
		APIVersion: d.APIVersion,
		Kind:       d.Kind,
		Namespace:  d.Namespace,
		Name:       d.Name,
		Source:     d.Source.String(),
		File:       d.Source.File,
		Line:       d.Source.Line,
		Template:   d.Template,
		Allowed:    true,
		Findings:   []validators.Finding{},
		Mutations:  []report.Mutation{},
	}
	obj := c.objects[i]
	if obj == nil {
		o.Skipped = fmt.Sprintf("%s %s is not evaluated", d.APIVersion, d.Kind)
		return o
	}
	ns := c.namespaces[i]
	res := c.engine.Evaluate(engine.Input{Object: obj, Settings: c.settingsOf(ns), Related: *c.related[ns]})
	judged := report.NewObject(d.APIVersion, res)
	judged.Source, judged.File, judged.Line, judged.Template = o.Source, o.File, o.Line, o.Template
	return judged
}

// newError returns a problem of the input as reported.
func newError(e manifest.Error) Error {
	return Error{Source: e.Source.String(), File: e.Source.File, Line: e.Source.Line, Message: e.Err.Error()}
}
