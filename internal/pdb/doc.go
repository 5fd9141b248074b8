// Package pdb keeps a PodDisruptionBudget for every multi-replica
// Deployment and StatefulSet in the namespaces Ballast enforces or warns in,
// so that a node drain evicts their pods a few at a time, without ever
// letting a budget block the drain.
//
// A workload needs one when workload.PlanPDB says to write it (the plan the
// admission webhook, `ballast check` and `ballast audit` report, in a
// namespace whose mode is warn or enforce), and the plan says why not
// otherwise. The PodDisruptionBudget is named
// workload.PDBName(kind, name), labelled app.kubernetes.io/managed-by:
// ballast, controlled by the workload, and selects the workload's pods with
// maxUnavailable from the policy and unhealthyPodEvictionPolicy:
// AlwaysAllow. The reconciler never changes or deletes a
// PodDisruptionBudget unless it carries that label and its controller
// reference is the workload. docs/pdb.md describes the behaviour for users.
//
// # RBAC
//
// The reconciler needs, cluster-wide:
//
//   - apps deployments, statefulsets: get, list, watch
//   - apps deployments/finalizers, statefulsets/finalizers: update (to set
//     blockOwnerDeletion on the ownerReference where the
//     OwnerReferencesPermissionEnforcement admission plugin is enabled)
//   - autoscaling horizontalpodautoscalers: get, list, watch
//   - policy poddisruptionbudgets: get, list, watch, create, update, delete
//   - "" (core) namespaces: get, list, watch
//   - events.k8s.io events: create, patch
//
// Leader election, which the manager runs, needs coordination.k8s.io
// leases in its namespace: get, list, watch, create, update, patch, delete.
package pdb
