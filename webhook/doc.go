// Package webhook holds Ballast's admission handlers, served by
// controller-runtime's webhook server:
//
//   - MutatePodsPath: Pod CREATE. Applies the pod defaults per the
//     namespace's mode and answers with the engine's JSON patch (none in
//     dryrun).
//   - ValidateWorkloadsPath: Deployment, StatefulSet, DaemonSet,
//     HorizontalPodAutoscaler and PodDisruptionBudget CREATE and UPDATE.
//     Judges the object with the pod defaults applied and answers allowed,
//     denied or with warnings, per the mode.
//   - ValidateNamespacesPath: Namespace CREATE and UPDATE. Only the policy's
//     namespaceAdmins may add, change or remove ballast.dev/ labels and
//     annotations.
//
// Each handler implements admission.Handler directly, not the typed
// Defaulter or Validator, which cannot return both warnings and audit
// annotations. Handlers are thin adapters: they decode the object, read
// the namespace and its neighbours from the manager's informer cache (never
// an API call per request), call engine.Evaluate and render the Decision.
// They have no side effects, so a dryRun request is answered exactly like
// a real one.
//
// When Ballast itself fails (no policy loaded, a cache read error, a
// panic), the answer follows the policy's onInternalError: admit with a
// warning (the default) or deny. So does the answer to a review Ballast
// does not judge because it exceeds one of the Limits: each path's handler
// stands behind a gate that, before the body is read, refuses a review
// larger than Limits.MaxRequestBytes and makes a review wait while the
// reviews in flight fill Limits.MaxConcurrentReviews or
// MaxConcurrentReviewBytes; the handlers count the containers of a Pod or
// pod template before decoding it (Limits.MaxContainers). A request that
// is not what the path serves (a wrong kind, an undecodable object) is
// answered with HTTP 400 and a message saying what was wrong.
package webhook
