// Package ci writes the report of `ballast check` in the formats CI
// systems already read, one file per format:
//
//   - SARIF 2.1.0 (sarif.go), for code scanning: every rule of the catalog
//     in tool.driver.rules with its help and the link to its
//     documentation, and each finding a result at the file and line of
//     its object and at the Helm template that rendered it.
//   - JUnit XML (junit.go), for the test reports of GitLab, Jenkins and
//     the like: one test case per object and rule; a denial fails its
//     case with the message and the fix.
//   - GitHub Actions workflow commands (github.go): an ::error annotation
//     per denial and input error, a ::warning per other finding.
//
// They all read one Report and agree on what a denial is (Denies) and where
// an object is (Locations). docs/check.md documents each format.
package ci
