package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/ballast-dev/ballast/internal/testutil/barefloor"
	"github.com/ballast-dev/ballast/internal/testutil/servingcert"
	"github.com/ballast-dev/ballast/webhook"
)

// floorServer is the bare floor served over the same TLS as Ballast: the
// same certificate, TLS 1.2 or later, HTTP/1.1, on loopback. Each path
// decodes the review and the object in it (a Pod on Ballast's Pod path, a
// Deployment on its workload path) and answers allowed: what any
// controller-runtime webhook pays before it does anything of its own.
type floorServer struct {
	addr string
	srv  *http.Server
	done chan error // Serve's error, once it has returned
}

// startFloor starts the floor on a free port of host with the serving
// certificate in certDir.
func startFloor(host, certDir string) (*floorServer, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(certDir, servingcert.CertFile), filepath.Join(certDir, servingcert.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate for the floor: %w", err)
	}
	ln, err := tls.Listen("tcp", net.JoinHostPort(host, "0"), &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	})
	if err != nil {
		return nil, fmt.Errorf("listening for the floor: %w", err)
	}
	dec := admission.NewDecoder(clientgoscheme.Scheme)
	mux := http.NewServeMux()
	mux.Handle(webhook.MutatePodsPath, &admission.Webhook{Handler: barefloor.Handler(dec, func() runtime.Object { return &corev1.Pod{} })})
	mux.Handle(webhook.ValidateWorkloadsPath, &admission.Webhook{Handler: barefloor.Handler(dec, func() runtime.Object { return &appsv1.Deployment{} })})
	f := &floorServer{
		addr: ln.Addr().String(),
		// controller-runtime's settings, as Ballast's server has them.
		srv:  &http.Server{Handler: mux, MaxHeaderBytes: 1 << 20, IdleTimeout: 90 * time.Second, ReadHeaderTimeout: 32 * time.Second},
		done: make(chan error, 1),
	}
	go func() { f.done <- f.srv.Serve(ln) }()
	return f, nil
}

// stop closes the floor's listener and connections.
func (f *floorServer) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := f.srv.Shutdown(ctx)
	if serveErr := <-f.done; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if err != nil {
		return fmt.Errorf("stopping the floor: %w", err)
	}
	return nil
}
