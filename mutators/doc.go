// Package mutators holds the pod defaults Ballast injects: pure, idempotent
// edits of a pod template that leave whatever the user set alone and
// report each change, with the rule it satisfies and where it lands.
package mutators
