// Package servertest runs a server under test in the background for the
// length of one test, the way the agreement and end-to-end tests run
// Ballast's server in-process:
//
//	logs := &logbuf.Buffer{}
//	srv, err := server.New(server.Config{HealthProbeBindAddress: healthAddr, Logger: zap.New(zap.WriteTo(logs)), ...})
//	servertest.Start(t, srv, "http://"+healthAddr+"/readyz", time.Minute, logs)
//
// Start returns once the server is ready, and stops it when the test
// ends; the server's log goes to the test log only when the test fails.
// Programs without a testing.T (the load test) use netutil.WaitReady.
//
// Like everything under internal/testutil, it is not part of bin/ballast:
// production code does not import it.
package servertest
