package check

import "github.com/ballast-dev/ballast/internal/report"

// Report is the outcome of a check. Its JSON form is a public contract,
// documented in docs/check.md.
type Report struct {
	// Objects are every object read, in input order.
	Objects []report.Object `json:"objects"`
	// Errors are the documents and paths that could not be read, in input
	// order.
	Errors []Error `json:"errors"`
	// Notes are the documents a directory walk skipped because they are no
	// Kubernetes object at all (a Helm values file, a configuration file),
	// in input order. They change no exit status.
	Notes []Error `json:"notes,omitempty"`
	// Summary counts the above.
	Summary report.Summary `json:"summary"`
}

// Error is a document or path that could not be read, or, in Notes, a
// document that was skipped.
type Error struct {
	// Source is file:line, or the path when the problem is the whole file.
	Source string `json:"source"`
	// File and Line are Source's parts; Line is 0 when the problem is the
	// whole file. They are not part of the JSON, which has Source.
	File string `json:"-"`
	Line int    `json:"-"`
	// Message says what is wrong.
	Message string `json:"message"`
}
