// Package engine is Ballast's one evaluation pipeline. Evaluate is pure (no
// I/O, no clock, no logging): given the policy resolved for a namespace, an
// object and what is known of its surroundings, it returns the object as it
// will run, the mutations (with the edits that apply them to a Pod) and the
// findings, and Decision turns them into an admission answer per the mode
// table. It knows no wire format: the webhook renders the edits as a JSON
// patch against the request. The webhook, `ballast audit` and `ballast check` all call
// it, so they always agree.
package engine
