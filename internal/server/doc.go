// Package server runs `ballast serve`: one controller-runtime manager that
// serves Ballast's admission webhooks, its metrics and its health probes.
//
// [Run] (or [New] then [Server.Start]) is all a caller needs; the cobra
// command and the end-to-end tests both start the server this way:
//
//	err := server.Run(ctx, server.Config{
//		RestConfig:  cfg,
//		PolicyFile:  "/etc/ballast/policy.yaml",
//		CertDir:     "/tmp/k8s-webhook-server/serving-certs",
//		WebhookPort: 9443,
//	})
//
// What the manager is made of, and why:
//
//   - The webhook server serves the handlers of package webhook over TLS
//     1.2 or later, with the key pair of Config.CertDir, which a
//     certwatcher reloads when the files change. HTTP/2 is off unless
//     Config.EnableHTTP2 (CVE-2023-44487, HTTP/2 rapid reset). What one
//     review may cost and how many are judged at once is bounded by
//     Config.Limits (webhook.Limits).
//   - The policy comes from a policyfile.Watcher: loaded before anything
//     starts, reloaded on change, the last good one kept when a change is
//     broken.
//   - The informer cache holds only what the handlers read (Namespaces,
//     PodDisruptionBudgets, HorizontalPodAutoscalers, Deployments and
//     StatefulSets), stripped of what they never read. Reading any other
//     kind through the manager's cache or client fails, instead of
//     silently starting a new informer.
//   - The PodDisruptionBudget reconciler of package pdb and, when
//     Config.AuditInterval is set, the periodic audit of package audit run
//     on the leader, in the namespaces of Config.NamespaceSelector only.
//   - /readyz passes once the webhook server serves TLS with a certificate
//     and the caches have synced, until shutdown begins; /healthz passes
//     while the process serves.
//   - When ctx is done (SIGTERM), /readyz fails and the webhooks serve on
//     for Config.ShutdownDelay, each answer closing its connection, while
//     the endpoints drop the replica. Then the webhook server stops
//     accepting connections and answers every review in flight in full:
//     a review's context ends with its own timeout or its client, never
//     with the server's, and the manager (caches, API client) stops only
//     afterwards. All within Config.GracefulShutdownTimeout.
//
// docs/serve.md documents the command, its flags and these behaviours for
// operators.
package server
