package ci_test

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ballast-dev/ballast/internal/check"
	"github.com/ballast-dev/ballast/internal/manifest"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/internal/report/ci"
	"github.com/ballast-dev/ballast/validators"
)

// manifests holds the manifests of the check tests: every kind, helm
// template output, broken documents; repo is a repository, whose walk
// notes a values file and configuration files.
const (
	manifests = "../../../testdata/check/manifests"
	repo      = "../../../testdata/check/repo"
)

//go:embed testdata/sarif-schema-2.1.0.json
var sarifSchema []byte

// checked runs a real check of every manifest of the check tests, and of
// the helm template output again on standard input: findings that deny and
// that warn, objects skipped by their mode, input errors, and objects read
// from stdin with the chart template that rendered them.
func checked(t *testing.T) *ci.Report {
	t.Helper()
	helm, err := os.ReadFile(filepath.Join(manifests, "helm-template.yaml"))
	require.NoError(t, err)
	spec := policy.Default().Spec
	r := check.Run(check.Options{
		Paths: []string{manifests, "-", repo}, Stdin: bytes.NewReader(helm),
		Spec: &spec, Now: time.Date(2026, time.June, 1, 12, 0, 0, 0, time.UTC),
	})
	out := &ci.Report{Objects: r.Objects, Rules: validators.Default(), Version: "v0.0.0-test"}
	for _, e := range r.Errors {
		out.Errors = append(out.Errors, ci.Error{Source: manifest.Source{File: e.File, Line: e.Line}, Message: e.Message})
	}
	for _, e := range r.Notes {
		out.Notes = append(out.Notes, ci.Error{Source: manifest.Source{File: e.File, Line: e.Line}, Message: e.Message})
	}
	require.NotEmpty(t, out.Errors, "the manifests include broken ones")
	require.NotEmpty(t, out.Notes, "the repository holds files that are no manifests")
	return out
}

// findings counts the findings of the objects the formats list, and those
// that deny.
func findings(r *ci.Report) (all, denials int) {
	for i := range r.Objects {
		o := &r.Objects[i]
		if o.Mode == "" {
			continue
		}
		for j := range o.Findings {
			all++
			if ci.Denies(o, &o.Findings[j]) {
				denials++
			}
		}
	}
	return all, denials
}

// compileSARIFSchema compiles the vendored SARIF 2.1.0 schema, with formats
// (uri, date-time) asserted.
func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sarifSchema))
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	require.NoError(t, c.AddResource(url, doc))
	schema, err := c.Compile(url)
	require.NoError(t, err)
	return schema
}

// sarifLog is the part of a SARIF log the tests read.
type sarifLog struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID                   string `json:"id"`
					HelpURI              string `json:"helpUri"`
					Help                 struct{ Text string }
					DefaultConfiguration struct{ Level string }
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region *struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
		Invocations []struct {
			ExecutionSuccessful        bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string
				Message struct{ Text string }
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
	} `json:"runs"`
}

func TestSARIFMatchesTheSchema(t *testing.T) {
	r := checked(t)
	var out bytes.Buffer
	require.NoError(t, ci.WriteSARIF(&out, r))

	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	require.NoError(t, compileSARIFSchema(t).Validate(inst), "the SARIF log breaks the SARIF 2.1.0 schema")

	var log sarifLog
	require.NoError(t, json.Unmarshal(out.Bytes(), &log))
	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "ballast", run.Tool.Driver.Name)
	assert.Equal(t, "v0.0.0-test", run.Tool.Driver.Version)

	catalog := validators.Default()
	require.Len(t, run.Tool.Driver.Rules, len(catalog), "every rule of the catalog")
	for i, rule := range run.Tool.Driver.Rules {
		assert.Equal(t, catalog[i].ID, rule.ID)
		assert.Equal(t, ci.RulesDoc+"#"+rule.ID, rule.HelpURI)
		assert.Contains(t, rule.Help.Text, rule.HelpURI)
		want := map[policy.Action]string{policy.ActionDeny: "error", policy.ActionWarn: "warning"}[catalog[i].DefaultAction]
		assert.Equal(t, want, rule.DefaultConfiguration.Level, rule.ID)
	}

	all, denials := findings(r)
	require.Len(t, run.Results, all, "a result per finding")
	var errorsSeen, fromStdin int
	for _, res := range run.Results {
		assert.Equal(t, res.RuleID, run.Tool.Driver.Rules[res.RuleIndex].ID, "ruleIndex points at the rule")
		if res.Level == "error" {
			errorsSeen++
		}
		require.NotEmpty(t, res.Locations, res.Message.Text)
		first := res.Locations[0].PhysicalLocation
		if strings.HasPrefix(first.ArtifactLocation.URI, "storefront/templates/") {
			fromStdin++
			assert.Nil(t, first.Region, "a template has no line")
			require.Len(t, res.Locations, 2)
			assert.Equal(t, manifest.StdinName, res.Locations[1].PhysicalLocation.ArtifactLocation.URI)
			continue
		}
		require.NotNil(t, first.Region, "an object has its line")
		assert.Positive(t, first.Region.StartLine)
	}
	assert.Equal(t, denials, errorsSeen, "level error for each denial, warning for the rest")
	assert.Positive(t, fromStdin, "objects read from stdin are located at their template first")

	require.Len(t, run.Invocations, 1)
	assert.False(t, run.Invocations[0].ExecutionSuccessful, "input errors fail the run")
	notifications := run.Invocations[0].ToolExecutionNotifications
	require.Len(t, notifications, len(r.Errors)+len(r.Notes))
	for i, n := range notifications {
		want := "error"
		if i >= len(r.Errors) {
			want = "note"
		}
		assert.Equal(t, want, n.Level, n.Message.Text)
	}
}

func TestSARIFSchemaRejectsABrokenLog(t *testing.T) {
	schema := compileSARIFSchema(t)
	for name, doc := range map[string]string{
		"an unknown level":         `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ballast"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		"no runs":                  `{"version": "2.1.0"}`,
		"a result with no message": `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ballast"}}, "results": [{"ruleId": "x"}]}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
			require.NoError(t, err)
			assert.Error(t, schema.Validate(inst), "the validator must be able to fail")
		})
	}
}

// junitReport is a JUnit report as read back.
type junitReport struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	r := checked(t)
	var out bytes.Buffer
	require.NoError(t, ci.WriteJUnit(&out, r))
	var got junitReport
	require.NoError(t, xml.Unmarshal(out.Bytes(), &got))

	// What the cases must say, computed from the report and the catalog.
	var cases, failures, skipped int
	for i := range r.Objects {
		o := &r.Objects[i]
		if o.Mode == "" {
			continue
		}
		for _, rule := range r.Rules {
			if !rule.AppliesTo(o.Kind) {
				continue
			}
			cases++
			switch {
			case o.Skipped != "":
				skipped++
			case deniedBy(o, rule.ID):
				failures++
			}
		}
	}
	assert.Equal(t, cases+len(r.Errors), got.Tests)
	assert.Equal(t, failures, got.Failures)
	assert.Equal(t, len(r.Errors), got.Errors)
	assert.Equal(t, skipped, got.Skipped)
	assert.Positive(t, failures)
	assert.Positive(t, skipped, "an object in a namespace that is off")

	var counted int
	for _, s := range got.Suites {
		assert.Len(t, s.Cases, s.Tests, s.Name)
		for _, c := range s.Cases {
			counted++
			if c.Failure != nil {
				assert.Contains(t, c.Failure.Text, "Fix: ", "a failure carries the fix")
				assert.Contains(t, c.Failure.Message, c.Name+" denies ")
			}
		}
	}
	assert.Equal(t, got.Tests, counted)
	last := got.Suites[len(got.Suites)-1]
	assert.Equal(t, "input errors", last.Name)
	for _, c := range last.Cases {
		require.NotNil(t, c.Error, c.Name)
	}
}

// deniedBy reports whether rule denies o.
func deniedBy(o *report.Object, rule string) bool {
	for j := range o.Findings {
		if o.Findings[j].Rule == rule && ci.Denies(o, &o.Findings[j]) {
			return true
		}
	}
	return false
}

func TestGitHub(t *testing.T) {
	r := checked(t)
	var out bytes.Buffer
	require.NoError(t, ci.WriteGitHub(&out, r))
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	all, denials := findings(r)
	require.Len(t, lines, all+len(r.Errors)+len(r.Notes), "a command per finding, input error and note")
	var errs, warnings, notices int
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "::error "):
			errs++
		case strings.HasPrefix(l, "::warning "):
			warnings++
		case strings.HasPrefix(l, "::notice "):
			notices++
		default:
			t.Errorf("not a workflow command: %s", l)
		}
		assert.Regexp(t, `^::(error|warning|notice) file=[^,:]+(,line=[1-9][0-9]*)?,title=[^:]+::.+`, l)
	}
	assert.Equal(t, denials+len(r.Errors), errs)
	assert.Equal(t, all-denials, warnings)
	assert.Len(t, r.Notes, notices)
}

func TestGitHubEscapesCommands(t *testing.T) {
	o := report.Object{
		Kind: "Deployment", Namespace: "shop", Name: "web", Source: "a,b:c.yaml:3", File: "a,b:c.yaml", Line: 3,
		Mode: policy.ModeWarn, Allowed: true,
		Findings: []validators.Finding{{
			Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas",
			Message: "100% wrong\n::error::injected", Fix: "set spec.replicas: 2\r",
		}},
	}
	var out bytes.Buffer
	require.NoError(t, ci.WriteGitHub(&out, &ci.Report{Objects: []report.Object{o}}))
	assert.Equal(t,
		"::warning file=a%2Cb%3Ac.yaml,line=3,title=min-replicas (Deployment shop/web)::"+
			"Deployment shop/web (a,b:c.yaml:3): 100%25 wrong%0A::error::injected (spec.replicas). Fix: set spec.replicas: 2%0D\n",
		out.String(), "an allowed object's deny finding only warns; a newline cannot start a command")
}

func TestLocations(t *testing.T) {
	tests := map[string]struct {
		object   report.Object
		chartDir string
		want     []manifest.Source
	}{
		"a file": {
			object: report.Object{File: "deploy/web.yaml", Line: 12},
			want:   []manifest.Source{{File: "deploy/web.yaml", Line: 12}},
		},
		"a file rendered by helm: the file first": {
			object: report.Object{File: "rendered.yaml", Line: 3, Template: "shop/templates/web.yaml"},
			want:   []manifest.Source{{File: "rendered.yaml", Line: 3}, {File: "shop/templates/web.yaml"}},
		},
		"stdin rendered by helm: the template first": {
			object: report.Object{File: manifest.StdinName, Line: 40, Template: "shop/templates/web.yaml"},
			want:   []manifest.Source{{File: "shop/templates/web.yaml"}, {File: manifest.StdinName, Line: 40}},
		},
		"stdin rendered by helm, from a chart in charts/": {
			object:   report.Object{File: manifest.StdinName, Line: 40, Template: "shop/templates/web.yaml"},
			chartDir: "charts/",
			want:     []manifest.Source{{File: "charts/shop/templates/web.yaml"}, {File: manifest.StdinName, Line: 40}},
		},
		"nowhere": {object: report.Object{Source: "cluster"}, chartDir: "charts"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, ci.Locations(&tc.object, tc.chartDir))
		})
	}
}

func TestDenies(t *testing.T) {
	deny := validators.Finding{Action: policy.ActionDeny}
	warn := validators.Finding{Action: policy.ActionWarn}
	tests := map[string]struct {
		allowed bool
		finding validators.Finding
		want    bool
	}{
		"a deny finding of a denied object":                  {finding: deny, want: true},
		"a warn finding of a denied object":                  {finding: warn},
		"a deny finding of an allowed object (warn, dryrun)": {allowed: true, finding: deny},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, ci.Denies(&report.Object{Allowed: tc.allowed}, &tc.finding))
		})
	}
}

// TestRulesDocHasASectionPerRule keeps the help links of the SARIF rules
// working: docs/rules.md has a section, `## rule-id`, whose anchor is the
// rule ID, for every rule of the catalog.
func TestRulesDocHasASectionPerRule(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/rules.md")
	require.NoError(t, err)
	for _, rule := range validators.Default() {
		assert.Contains(t, strings.Split(string(doc), "\n"), "## `"+rule.ID+"`", "docs/rules.md has no section for %s, the target of %s#%s", rule.ID, ci.RulesDoc, rule.ID)
	}
}

func TestSARIFLocatesAnyPath(t *testing.T) {
	tests := map[string]struct {
		file, template string
		want           []string
	}{
		"a relative path":                    {file: "deploy/web.yaml", want: []string{"deploy/web.yaml"}},
		"spaces and a hash are escaped":      {file: "my deploy/web#1.yaml", want: []string{"my%20deploy/web%231.yaml"}},
		"a colon in the first segment":       {file: "c:web.yaml", want: []string{"./c:web.yaml"}},
		"an absolute path is a file URI":     {file: "/srv/deploy/web.yaml", want: []string{"file:///srv/deploy/web.yaml"}},
		"stdin with its template, first":     {file: manifest.StdinName, template: "shop/templates/web.yaml", want: []string{"shop/templates/web.yaml", "stdin"}},
		"a file with its template, the file": {file: "out.yaml", template: "shop/templates/web.yaml", want: []string{"out.yaml", "shop/templates/web.yaml"}},
	}
	schema := compileSARIFSchema(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			o := report.Object{
				Kind: "Deployment", Namespace: "shop", Name: "web", File: tc.file, Line: 3, Template: tc.template,
				Mode: policy.ModeEnforce, Findings: []validators.Finding{{Rule: "min-replicas", Action: policy.ActionDeny, Field: "spec.replicas", Message: "m", Fix: "f"}},
			}
			var out bytes.Buffer
			require.NoError(t, ci.WriteSARIF(&out, &ci.Report{Objects: []report.Object{o}, Rules: validators.Default()}))
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
			require.NoError(t, err)
			require.NoError(t, schema.Validate(inst))
			var log sarifLog
			require.NoError(t, json.Unmarshal(out.Bytes(), &log))
			require.Len(t, log.Runs[0].Results, 1)
			var uris []string
			for _, l := range log.Runs[0].Results[0].Locations {
				uris = append(uris, l.PhysicalLocation.ArtifactLocation.URI)
			}
			assert.Equal(t, tc.want, uris)
		})
	}
}
