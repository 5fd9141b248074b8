// Package metricstest reads the value of one Prometheus series back from a
// registry, for tests of what Ballast records:
//
//	v, ok := metricstest.Value(t, reg, "ballast_policy_reload_total", map[string]string{"result": "failure"})
//	last, _ := metricstest.Value(t, reg, audit.LastRunMetric, nil) // 0 until the first run
//
// client_golang's testutil compares whole exposition texts, or reads one
// Collector; Value reads one series of a whole registry, as a scrape does.
//
// Like everything under internal/testutil, it is not part of bin/ballast:
// production code does not import it.
package metricstest
