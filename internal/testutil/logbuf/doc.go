// Package logbuf provides Buffer, an io.Writer that keeps everything
// written to it and may be written from several goroutines at once: the log
// of a server under test, which its goroutines write, or the stdout and
// stderr of a process. A test reads it back to check it, or prints it when
// it fails:
//
//	logs := &logbuf.Buffer{}
//	srv, err := server.New(server.Config{Logger: zap.New(zap.WriteTo(logs)), ...})
//	t.Cleanup(func() {
//		if t.Failed() {
//			t.Logf("Ballast's log:\n%s", logs.String())
//		}
//	})
//
// Like everything under internal/testutil, it is not part of bin/ballast:
// production code does not import it.
package logbuf
