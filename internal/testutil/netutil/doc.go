// Package netutil helps tests, the demo and the load test run servers on
// this machine: it finds free ports for them to listen on, and waits until
// a server's readiness endpoint answers.
//
//	addr, err := netutil.FreeAddr(chart.LoopbackHost) // "127.0.0.1:41234"
//	port, err := netutil.FreePort(chart.LoopbackHost) // 41235
//	err = netutil.WaitReady(ctx, "http://"+addr+"/readyz", stopped)
//
// A free port is free when FreeAddr or FreePort returns it: the listener
// that found it is closed, so another process may take it before the
// server listens on it. On a test machine that is rare enough.
//
// Like everything under internal/testutil, it is not part of bin/ballast:
// production code does not import it.
package netutil
