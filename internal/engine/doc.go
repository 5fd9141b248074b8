// Package engine is Ballast's one evaluation pipeline. Evaluate is pure (no
// I/O, no clock, no logging): given the policy resolved for a namespace, an
// object and what is known of its surroundings, it returns the mutations
// and the findings, and Decision turns them into an admission answer per
// the mode table. The webhook, `ballast audit` and `ballast check` all call
// it, so they always agree.
package engine
