// Package check is the core of `ballast check`: it reads manifests, judges
// every object with the same engine as the admission webhook, under the
// policy and a chosen mode, and reports what enforcement would reject, what
// the pods would receive and what could not be read, as text for people,
// JSON for scripts, or, through package internal/report/ci, SARIF, JUnit
// XML and GitHub Actions annotations for CI.
package check
