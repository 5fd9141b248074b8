// Package mutators holds the pod defaults Ballast injects: pure, idempotent
// edits of a pod template that leave whatever the user set alone and
// report each change, with the rule it satisfies and where it lands. The
// one exception is TerminationGrace, which raises a grace period too short
// for the preStop sleep plus the shutdown budget.
//
// Default lists them in the order they must apply. Each reads its
// parameters from the policy's podDefaults, as internal/policy defaults and
// validates them: the defaults are written there only. docs/pod-defaults.md
// describes them for users.
package mutators
