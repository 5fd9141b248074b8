package ci

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// junitSuites is the root of a JUnit XML report, in the form GitLab,
// Jenkins and the GitHub test-report actions read.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite is an object, or the input errors.
type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Cases    []junitCase `xml:"testcase"`
}

// junitCase is a rule judged on an object, or an input error.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitProblem is a failure or an error: a one-line message, and the
// details as text.
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// junitSkipped says why a case was not run.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// inputErrorsSuite names the suite of the input errors.
const inputErrorsSuite = "input errors"

// WriteJUnit writes r as JUnit XML: a test suite per object Ballast
// evaluates that some rule applies to (Pods have none), with a test case
// per rule that applies to its kind, named by
// the rule ID. A case fails when the rule denies the object, with the
// message, the field and the fix; a rule that only warns passes and says
// so in its system-out. An object skipped by the policy (mode off) has its
// cases skipped. Input errors are error cases of a last suite, "input
// errors".
func WriteJUnit(w io.Writer, r *Report) error {
	root := junitSuites{Name: "ballast check"}
	for i := range r.Objects {
		o := &r.Objects[i]
		if !evaluated(o) {
			continue
		}
		if s := objectSuite(o, r.Rules, r.ChartDir); s.Tests > 0 {
			root.add(s)
		}
	}
	if len(r.Errors) > 0 {
		s := junitSuite{Name: inputErrorsSuite}
		for _, e := range r.Errors {
			s.Cases = append(s.Cases, junitCase{
				Name: e.Source.String(), ClassName: inputErrorsSuite, File: e.Source.File,
				Error: &junitProblem{Message: e.Message, Type: "input", Text: e.Source.String() + ": " + e.Message},
			})
			s.Tests++
			s.Errors++
		}
		root.add(s)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write JUnit: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("write JUnit: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write JUnit: %w", err)
	}
	return nil
}

// add appends a suite and counts its cases.
func (s *junitSuites) add(suite junitSuite) {
	s.Suites = append(s.Suites, suite)
	s.Tests += suite.Tests
	s.Failures += suite.Failures
	s.Errors += suite.Errors
	s.Skipped += suite.Skipped
}

// objectSuite is the suite of an object: a case per rule of its kind; its
// templates are below chartDir.
func objectSuite(o *report.Object, rules []validators.Rule, chartDir string) junitSuite {
	title := Title(o)
	s := junitSuite{Name: title}
	var where manifest.Source
	if locs := Locations(o, chartDir); len(locs) > 0 {
		where = locs[0]
		s.File = where.File
	}
	for i := range rules {
		rule := &rules[i]
		if !rule.AppliesTo(o.Kind) {
			continue
		}
		c := junitCase{Name: rule.ID, ClassName: title, File: s.File}
		var denials, warnings []string
		for j := range o.Findings {
			f := &o.Findings[j]
			if f.Rule != rule.ID {
				continue
			}
			if Denies(o, f) {
				denials = append(denials, f.Detail())
			} else {
				warnings = append(warnings, "WARN "+f.Detail())
			}
		}
		switch {
		case o.Skipped != "":
			c.Skipped = &junitSkipped{Message: o.Skipped}
			s.Skipped++
		case len(denials) > 0:
			c.Failure = &junitProblem{
				Message: fmt.Sprintf("%s denies %s", rule.ID, title),
				Type:    "deny",
				Text:    where.String() + ": " + strings.Join(denials, "\n"),
			}
			s.Failures++
		}
		c.SystemOut = strings.Join(warnings, "\n")
		s.Cases = append(s.Cases, c)
		s.Tests++
	}
	return s
}
