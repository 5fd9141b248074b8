// Package reportcrds finds the CustomResourceDefinitions of the policy
// report APIs for the control planes of tests: the OpenReports Report, in
// the github.com/openreports/reports-api module of go.mod, and the
// wgpolicyk8s.io PolicyReport, which `make policyreport-crds` copies out of
// Kyverno's module into bin/crds (the policy working group's own module is
// not served by the module proxy).
package reportcrds

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The environment variables the Makefile exports.
const (
	// EnvPolicyReportCRDs names the directory of the wgpolicyk8s.io
	// PolicyReport CRD.
	EnvPolicyReportCRDs = "BALLAST_POLICYREPORT_CRDS"
	// envRequire makes missing CRDs fail the test instead of skipping it,
	// as it does for missing envtest binaries.
	envRequire = "BALLAST_REQUIRE_ENVTEST"
)

// KyvernoVersion is the release of Kyverno whose PolicyReport CRD `make
// policyreport-crds` puts into bin/crds/kyverno-VERSION (KYVERNO_VERSION in
// make/chart.mk).
const KyvernoVersion = "v1.19.1"

// The files of the CRDs.
const (
	openReportsFile = "openreports.io_reports.yaml"
	wgPolicyFile    = "wgpolicyk8s.io_policyreports.yaml"
)

// OpenReports returns the file of the openreports.io/v1alpha1 Report CRD.
func OpenReports(t testing.TB) string {
	t.Helper()
	dir := goList(t, "github.com/openreports/reports-api")
	return filepath.Join(dir, "config", "crd", openReportsFile)
}

// WGPolicy returns the file of the wgpolicyk8s.io/v1alpha2 PolicyReport
// CRD, from $BALLAST_POLICYREPORT_CRDS, else bin/crds/kyverno-VERSION of the
// repository. When it is not there, it skips the test, or fails it with
// BALLAST_REQUIRE_ENVTEST=1.
func WGPolicy(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvPolicyReportCRDs)
	if dir == "" {
		dir = filepath.Join(goList(t, ""), "bin", "crds", "kyverno-"+KyvernoVersion)
	}
	path := filepath.Join(dir, wgPolicyFile)
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("the wgpolicyk8s.io PolicyReport CRD is not in %s (run `make policyreport-crds`, or set %s): %v",
			dir, EnvPolicyReportCRDs, err)
		if os.Getenv(envRequire) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return path
}

// goList returns the directory of module, or of the main module when
// module is empty.
func goList(t testing.TB, module string) string {
	t.Helper()
	args := []string{"list", "-m", "-f", "{{.Dir}}"}
	if module != "" {
		args = append(args, module)
	}
	out, err := exec.CommandContext(t.Context(), "go", args...).Output()
	if err != nil {
		t.Fatalf("locating the module %q: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}
