// Package policy holds the BallastPolicy v1alpha1 API: the policy file the
// platform team writes, how it is loaded (Load, Parse), defaulted
// (SetDefaults, Default) and validated (Validate), and how it resolves into
// the Settings of one namespace (Resolve), which the engine reads.
//
// Loading is strict: unknown fields and values of the wrong type are errors,
// and every problem in a file is reported at once, each with its line, in an
// *InvalidError. docs/policy.md is the reference of every field.
package policy
