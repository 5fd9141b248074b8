// Package verdict reads Ballast's admission verdicts as a user of the API
// server meets them, for the end-to-end tests and the demo: whether an
// error is a denial by one of Ballast's webhooks (IsDenial), and in which
// mode Ballast answers in a namespace (ModeOf), told from its answer to a
// dry-run creation.
//
//	cfg.WarningHandlerWithContext = warnings.Handler{}
//	c, _ := client.New(cfg, client.Options{})
//	mode, err := verdict.ModeOf(ctx, c, "shop") // policy.ModeWarn
//	err = c.Create(ctx, deployment)
//	if verdict.IsDenial(err) { ... }
//
// Like everything under internal/testutil, it is not part of bin/ballast:
// production code does not import it.
package verdict
