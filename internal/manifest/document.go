package manifest

import (
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
)

// StdinName is the file name of documents read from standard input.
const StdinName = "stdin"

// Source locates a document, a list item or an error in the input.
type Source struct {
	// File is the path as given (or found in a directory), or StdinName.
	File string
	// Line is the 1-based line where the document starts; 0 when the
	// location is the file as a whole.
	Line int
}

// String returns file:line, or file when Line is 0.
func (s Source) String() string {
	if s.Line == 0 {
		return s.File
	}
	return s.File + ":" + strconv.Itoa(s.Line)
}

// Document is one Kubernetes object of the input.
type Document struct {
	// Source is where the object starts.
	Source Source
	// Template is the chart template the object was rendered from, as named
	// by a `# Source:` comment of `helm template`; empty otherwise.
	Template string
	// APIVersion, Kind, Namespace and Name identify the object. Namespace is
	// empty when the object does not set one.
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	// Raw is the object as JSON.
	Raw []byte
	// Object is the typed object for the kinds Ballast evaluates (apps/v1
	// Deployment, StatefulSet and DaemonSet, autoscaling/v2
	// HorizontalPodAutoscaler, policy/v1 PodDisruptionBudget, v1 Pod) and
	// for v1 Namespace, whose labels select a mode; nil for every other kind.
	Object runtime.Object
}

// Error is a document, a list item, a file or a directory that could not be
// read.
type Error struct {
	// Source is where the problem is.
	Source Source
	// Err says what it is.
	Err error
}

// Error returns the location and the problem.
func (e Error) Error() string { return e.Source.String() + ": " + e.Err.Error() }

// Unwrap returns the problem.
func (e Error) Unwrap() error { return e.Err }
