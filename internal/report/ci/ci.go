package ci

import (
	"path"
	"path/filepath"

	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// RulesDoc is the page that documents every rule, one section per rule ID:
// the help link of each rule.
const RulesDoc = "https://github.com/ballast-dev/ballast/blob/main/docs/rules.md"

// Report is what the formats write: the outcome of `ballast check`.
type Report struct {
	// Objects are every object read, in input order.
	Objects []report.Object
	// Errors are the documents and paths that could not be read.
	Errors []Error
	// Notes are the documents skipped because they are no Kubernetes
	// object at all.
	Notes []Error
	// Rules is the rule catalog, in its order.
	Rules []validators.Rule
	// Version is Ballast's version, for the SARIF tool.
	Version string
	// ChartDir is the directory that holds the charts `helm template`
	// rendered, which the templates' `# Source:` paths are relative to;
	// empty when they are relative to the working directory.
	ChartDir string
}

// Error is a document or path that could not be read, or a note on one.
type Error struct {
	// Source locates it; its Line is 0 for the whole file.
	Source manifest.Source
	// Message says what is wrong.
	Message string
}

// Locations returns where an object is: the file and line where it starts,
// and the chart template that rendered it, below chartDir (no line: `helm
// template` does not say which line of the template). The first is where
// an annotation goes, so the template comes first when the object was
// read from standard input, which is no file of the repository. Nil for
// objects read from nowhere.
func Locations(o *report.Object, chartDir string) []manifest.Source {
	var locs []manifest.Source
	if o.File != "" {
		locs = append(locs, manifest.Source{File: o.File, Line: o.Line})
	}
	if o.Template != "" {
		tmpl := manifest.Source{File: path.Join(filepath.ToSlash(chartDir), o.Template)}
		if o.File == manifest.StdinName {
			locs = append([]manifest.Source{tmpl}, locs...)
		} else {
			locs = append(locs, tmpl)
		}
	}
	return locs
}

// Denies reports whether finding f makes o denied: a deny finding of an
// object that is not allowed. Every other finding is a warning, as the
// person applying the object would see it (in warn and dryrun, deny
// findings only warn).
func Denies(o *report.Object, f *validators.Finding) bool {
	return !o.Allowed && f.Action == policy.ActionDeny
}

// Title names an object for people: Kind namespace/name, or Kind name.
func Title(o *report.Object) string {
	return o.Kind + " " + o.QualifiedName()
}

// evaluated reports whether the object was judged, or skipped by what the
// policy says (mode off, an exemption): the objects the formats list. The
// kinds Ballast does not evaluate have no mode and are left out, as in the
// text output.
func evaluated(o *report.Object) bool {
	return o.Mode != ""
}
