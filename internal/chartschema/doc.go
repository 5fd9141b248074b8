// Package chartschema derives the policy part of the Helm chart's
// values.schema.json from the BallastPolicy Go types (internal/policy), so
// that `helm install` and `helm template` refuse a policy the binary would
// refuse, before any pod starts with it.
//
// Policy reflects policy.Spec with invopop/jsonschema: the structure, the
// types, the required fields and additionalProperties false come from the
// types and their json tags, the descriptions from their doc comments, the
// enums from the lists the policy package exports (Modes, Actions,
// RuleIDs). What policy.Validate checks in code, ranges and patterns, is
// added from one table, constraints, which a test in test/chart keeps in
// step with the binary by running one table of bad policies through both.
// The rules that span fields (unique exemption names, an exemption's
// namespaces and rules, calendar dates) are the chart's template checks
// (charts/ballast/templates/_policy.tpl), since JSON Schema cannot say them.
//
// Splice puts the generated schema into the chart's values.schema.json at
// properties.policy, leaving the rest of the file, which is written by
// hand, byte for byte as it is. `make generate` runs both through
// hack/chartgen.
package chartschema
