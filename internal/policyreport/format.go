package policyreport

import (
	"fmt"
	"slices"
	"strings"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Format names the API the reports are written in.
type Format string

// The formats Options.Format and ParseFormat accept.
const (
	// FormatAuto writes OpenReports Reports when their CRD is installed,
	// else wgpolicyk8s.io PolicyReports when theirs is, else nothing:
	// decided again on every run, so installing a CRD later is enough.
	FormatAuto Format = "auto"
	// FormatOpenReports writes openreports.io/v1alpha1 Reports.
	FormatOpenReports Format = "openreports"
	// FormatWGPolicy writes wgpolicyk8s.io/v1alpha2 PolicyReports, which
	// older Policy Reporter releases read.
	FormatWGPolicy Format = "wgpolicyk8s"
	// FormatNone writes no reports.
	FormatNone Format = "none"
)

// Formats are the formats ParseFormat accepts, in the order docs list them.
var Formats = []Format{FormatAuto, FormatOpenReports, FormatWGPolicy, FormatNone}

// The kinds of the reports.
var (
	// OpenReportsKind is the OpenReports API's Report.
	OpenReportsKind = openreportsv1alpha1.SchemeGroupVersion.WithKind("Report")
	// WGPolicyKind is the policy working group's PolicyReport.
	WGPolicyKind = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"}
)

// ParseFormat parses the value of a flag or chart value naming a format.
func ParseFormat(s string) (Format, error) {
	if f := Format(s); slices.Contains(Formats, f) {
		return f, nil
	}
	names := make([]string, len(Formats))
	for i, f := range Formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("policy report format %q: must be one of %s", s, strings.Join(names, ", "))
}

// kinds are the kinds f may write, in order of preference.
func (f Format) kinds() []schema.GroupVersionKind {
	switch f {
	case FormatAuto:
		return []schema.GroupVersionKind{OpenReportsKind, WGPolicyKind}
	case FormatOpenReports:
		return []schema.GroupVersionKind{OpenReportsKind}
	case FormatWGPolicy:
		return []schema.GroupVersionKind{WGPolicyKind}
	case FormatNone:
	}
	return nil
}
