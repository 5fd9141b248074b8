// Package report is the report model that `ballast check` and `ballast
// audit` print: the verdict on one object (Object) with its findings,
// mutations and exemptions, built from the engine's Result by NewObject,
// and the counts of a list of objects (Summary). Its JSON form is part of
// the public contract of both commands, documented in docs/check.md and
// docs/audit.md.
//
// The pieces both commands print alike live here too: a finding's lines
// (FindingText), an exemption's terms (Exemption.Terms) and the JSON
// encoding of a whole report (WriteJSON). How each command lays out a
// whole report stays with the command's package; the formats CI systems
// read (SARIF, JUnit XML, GitHub Actions annotations) are in the
// subpackage ci.
package report
