package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/testutil/chart"
	"github.com/ballast-dev/ballast/internal/testutil/warnings"
)

// rotations is how many times testCertRotation replaces the certificate.
const rotations = 2

// testCertRotation: the serving certificate and key are replaced on disk,
// as cert-manager renews them into a Secret volume, while tenants keep
// creating Deployments; Ballast serves the new certificate without a
// restart and not one request fails. A request counts as failed when the
// API server returns an error, and also when it is admitted without
// Ballast's warnings: the chart's webhooks fail open, so a call that did
// not reach Ballast would be admitted in silence.
func testCertRotation(t *testing.T, e *env) {
	ns := e.namespace(t, "rotate", modeLabel(policy.ModeWarn), policy.ModeWarn)
	first := e.servedSerial(t)
	require.NotZero(t, first, "the webhook server presents a certificate")

	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	var (
		sent, failed atomic.Int64
		lastErr      atomic.Value
		wg           sync.WaitGroup
	)
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				// Scaled to zero: the webhook judges it, no pod follows.
				d := badDeployment(ns, fmt.Sprintf("load-%d-%d", w, i))
				d.Spec.Replicas = ptr.To[int32](0)
				rctx, got := warnings.Collect(ctx)
				err := e.tenant.Create(rctx, d)
				if ctx.Err() != nil {
					return
				}
				sent.Add(1)
				if err == nil && len(got.List()) == 0 {
					err = errors.New("admitted without Ballast's warnings: the webhook call failed open")
				}
				if err != nil {
					failed.Add(1)
					lastErr.Store(fmt.Errorf("deployment %s: %w", d.Name, err))
				}
			}
		})
	}
	// waitForRequests waits until n more requests have been answered.
	waitForRequests := func(n int64) {
		target := sent.Load() + n
		require.Eventually(t, func() bool { return sent.Load() >= target }, waitTimeout, pollInterval,
			"requests stopped flowing (last error: %v)", lastErr.Load())
	}

	waitForRequests(5)
	for range rotations {
		serial, err := e.ca.Install(e.certDir, chart.LoopbackHost, "localhost")
		require.NoError(t, err)
		require.Eventually(t, func() bool { return e.servedSerial(t) == serial }, waitTimeout, pollInterval,
			"the webhook server never serves certificate %d", serial)
		waitForRequests(5)
	}
	stop()
	wg.Wait()

	t.Logf("%d requests during %d rotations", sent.Load(), rotations)
	assert.Zero(t, failed.Load(), "requests failed; the last: %v", lastErr.Load())
}

// servedSerial returns the serial number of the certificate a new TLS
// connection to the webhook server is offered, verified as the API server
// verifies it (the CA of the webhooks' caBundle, the host of their URL), or
// 0 when the connection fails.
func (e *env) servedSerial(t *testing.T) int64 {
	t.Helper()
	d := tls.Dialer{Config: &tls.Config{RootCAs: e.ca.Pool(), ServerName: chart.LoopbackHost, MinVersion: tls.VersionTLS12}}
	conn, err := d.DialContext(t.Context(), "tcp", e.webhookAddr)
	if err != nil {
		return 0
	}
	defer func() { _ = conn.Close() }()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}
