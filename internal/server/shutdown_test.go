package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/server"
	"github.com/ballast-dev/ballast/internal/testutil/controlplane"
	"github.com/ballast-dev/ballast/webhook"
)

// uncachedPrefix starts the names of the namespaces the shutdown test
// reviews Deployments in. None exists, so the cache never holds them and
// every review of one reads the namespace live from the API server.
const uncachedPrefix = "uncached-"

// TestShutdownDrainsReviews stops a server in the middle of a steady
// stream of reviews, as SIGTERM does, and checks the order a webhook behind
// a Service needs: readiness fails first; the server keeps answering, new
// connections included, for the shutdown delay; then it closes its
// listener, answers every review it had accepted in full, the slow live
// read of an uncached namespace included, and exits within the graceful
// shutdown timeout. The client keeps its connections alive, as the API
// server does.
func TestShutdownDrainsReviews(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a control plane")
	}
	const (
		delay = 1500 * time.Millisecond
		// The API server's latency for a namespace GET: long enough that
		// reads are still in flight when the test sees the listener
		// closed, which a loaded machine may see late.
		liveRead = time.Second
		timeout  = 10 * time.Second
		workers  = 8
		poll     = 5 * time.Millisecond
	)
	cp := controlplane.Start(t, controlplane.Options{})
	cfg := rest.CopyConfig(cp.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return &slowNamespaceReads{next: rt, latency: liveRead}
	})
	srv := startServer(t, cfg, func(c *server.Config) {
		c.ShutdownDelay = delay
		c.GracefulShutdownTimeout = timeout
	})
	client := keepAliveClient(t, srv, workers)

	// Every observer runs until the server has returned.
	exited := make(chan struct{})
	var exitedAt time.Time
	var exitErr error
	go func() {
		exitErr = srv.wait()
		exitedAt = time.Now()
		close(exited)
	}()
	notReadyAt := firstTime(exited, poll, func() bool {
		return statusOf(t.Context(), "http://"+srv.healthAddr+"/readyz") != http.StatusOK
	})
	listenerClosedAt := firstTime(exited, poll, func() bool {
		// A whole handshake, so that the server logs no TLS error.
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", srv.webhookAddr,
			&tls.Config{RootCAs: srv.ca.pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12})
		if err == nil {
			_ = c.Close()
		}
		return isRefused(err)
	})

	guardReview := reviewBody(t, "tenant", nil)
	var (
		mu      sync.Mutex
		results []reviewResult
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-exited:
					return
				default:
				}
				var r reviewResult
				if w%2 == 0 { // half the workers keep a live read in flight
					body, err := deploymentReview(uncachedPrefix + strconv.Itoa(w) + "-" + strconv.Itoa(i))
					if err != nil {
						r.err = err
					} else {
						r = sendReview(t.Context(), client, srv.webhookAddr, webhook.ValidateWorkloadsPath, body)
					}
					r.slow = true
				} else {
					r = sendReview(t.Context(), client, srv.webhookAddr, webhook.ValidateNamespacesPath, guardReview)
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
				if r.err != nil && !r.reached {
					time.Sleep(poll) // the listener is closed: no busy loop until the server exits
				}
			}
		})
	}

	time.Sleep(time.Second) // reviews of every kind, on kept-alive connections
	sigterm := time.Now()
	srv.stop()
	select {
	case <-exited:
	case <-time.After(2 * timeout):
		require.FailNow(t, "the server does not return")
	}
	wg.Wait()

	require.NoError(t, exitErr, "the server does not stop cleanly")
	assert.Less(t, exitedAt.Sub(sigterm), timeout, "the server does not exit within the graceful shutdown timeout")
	require.False(t, notReadyAt().IsZero(), "readiness never fails")
	require.False(t, listenerClosedAt().IsZero(), "the listener never closes")
	assert.True(t, notReadyAt().Before(listenerClosedAt()),
		"readiness fails %s after SIGTERM, after the listener closed (%s)",
		notReadyAt().Sub(sigterm), listenerClosedAt().Sub(sigterm))
	assert.GreaterOrEqual(t, listenerClosedAt().Sub(sigterm), delay,
		"the listener closes before the shutdown delay has passed")

	var answeredInDelay, slowInFlightAtClose int
	for _, r := range results {
		since := r.start.Sub(sigterm).Round(time.Millisecond)
		if r.err != nil {
			// No review on a connection the server accepted fails, with
			// EOF, a reset or otherwise. A new connection may fail, but
			// only once the listener closes: refused, or reset when the
			// close catches it in the listen queue before the server
			// accepted it.
			assert.False(t, r.reached, "a review sent %s after SIGTERM on an accepted connection failed: %v", since, r.err)
			assert.False(t, r.end.Before(sigterm.Add(delay)),
				"a review sent %s after SIGTERM failed before the shutdown delay had passed: %v", since, r.err)
			continue
		}
		assert.Empty(t, internalErrors(r.resp), "a review sent %s after SIGTERM was not judged in full", since)
		assert.NotEqual(t, webhook.DecisionError, r.resp.AuditAnnotations[engine.AuditDecision],
			"a review sent %s after SIGTERM was not judged in full", since)
		if r.start.After(sigterm) && r.end.Before(sigterm.Add(delay)) {
			answeredInDelay++
		}
		if r.slow && r.start.Before(listenerClosedAt()) && r.end.After(listenerClosedAt()) {
			slowInFlightAtClose++
		}
	}
	assert.Positive(t, answeredInDelay, "no review was answered during the shutdown delay")
	assert.Positive(t, slowInFlightAtClose, "no live read was in flight when the listener closed: the test proves nothing")
	t.Logf("%d reviews; %d answered during the delay; %d live reads in flight at the close; not ready after %s, listener closed after %s, exit after %s",
		len(results), answeredInDelay, slowInFlightAtClose, notReadyAt().Sub(sigterm), listenerClosedAt().Sub(sigterm), exitedAt.Sub(sigterm))
}

func TestNewRefusesShutdownTimingsThatCannotWork(t *testing.T) {
	for name, tc := range map[string]struct {
		timeout, delay time.Duration
		want           string
	}{
		"a negative timeout":             {timeout: -time.Second, want: "the graceful shutdown timeout -1s is negative"},
		"a negative delay":               {delay: -time.Second, want: "the shutdown delay -1s is negative"},
		"a delay as long as the timeout": {timeout: 5 * time.Second, delay: 5 * time.Second, want: "the shutdown delay 5s is not shorter than the graceful shutdown timeout 5s"},
		"a delay beyond the default":     {delay: time.Minute, want: "the shutdown delay 1m0s is not shorter than the graceful shutdown timeout 30s"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := server.New(server.Config{
				RestConfig: &rest.Config{Host: "https://127.0.0.1:1"}, PolicyFile: "policy.yaml", CertDir: t.TempDir(),
				GracefulShutdownTimeout: tc.timeout, ShutdownDelay: tc.delay,
			})
			require.ErrorContains(t, err, tc.want)
		})
	}
}

// reviewResult is one review the shutdown test sent, and its outcome.
type reviewResult struct {
	slow       bool // a Deployment in an uncached namespace
	start, end time.Time
	// reached tells whether the review went over a connection the server
	// had accepted: a kept-alive one, or a new one whose TLS handshake,
	// which the server makes only once it has accepted the connection,
	// completed.
	reached bool
	resp    *admissionv1.AdmissionResponse
	err     error
}

// slowNamespaceReads delays the API server's answer to a GET of a single
// uncached namespace, as a loaded API server would, unless the request's
// context ends first.
type slowNamespaceReads struct {
	next    http.RoundTripper
	latency time.Duration
}

func (s *slowNamespaceReads) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, "/api/v1/namespaces/"+uncachedPrefix) {
		timer := time.NewTimer(s.latency)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return s.next.RoundTrip(req)
}

// firstTime calls cond every interval, in the background, until it holds
// or stop is closed, and returns a function that waits for that and gives
// the first time cond held, or the zero time.
func firstTime(stop <-chan struct{}, interval time.Duration, cond func() bool) func() time.Time {
	var at time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if cond() {
				at = time.Now()
				return
			}
			select {
			case <-stop:
				if cond() { // it may have held for less than interval
					at = time.Now()
				}
				return
			case <-time.After(interval):
			}
		}
	}()
	return func() time.Time {
		<-done
		return at
	}
}

// keepAliveClient returns an HTTP client that trusts the server's CA and
// keeps up to conns connections alive, as the API server's client does.
func keepAliveClient(t *testing.T, s *runningServer, conns int) *http.Client {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.ca.pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: conns,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// statusOf returns the status of a GET of url, or 0 when it fails. It
// asserts nothing, so that it may run in a goroutine of its own.
func statusOf(ctx context.Context, url string) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, http.NoBody)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// isRefused tells whether err is a refused connection.
func isRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}

// internalErrors returns the warnings of resp that say Ballast failed to
// judge the request and admitted it unchecked.
func internalErrors(resp *admissionv1.AdmissionResponse) []string {
	var errs []string
	for _, w := range resp.Warnings {
		if strings.HasPrefix(w, "ballast: internal error") {
			errs = append(errs, w)
		}
	}
	return errs
}

// sendReview posts an AdmissionReview to path, as the API server does for
// a webhook with a timeout of 3 seconds, and returns the outcome.
func sendReview(ctx context.Context, client *http.Client, addr, path string, body []byte) reviewResult {
	r := reviewResult{start: time.Now()}
	var reached atomic.Bool // the transport dials in goroutines of its own
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			if info.Reused {
				reached.Store(true)
			}
		},
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				reached.Store(true)
			}
		},
	})
	r.resp, r.err = postReview(ctx, client, "https://"+addr+path+"?timeout=3s", body)
	r.end, r.reached = time.Now(), reached.Load()
	return r
}

// postReview posts an AdmissionReview to url and returns its response.
func postReview(ctx context.Context, client *http.Client, url string, body []byte) (*admissionv1.AdmissionResponse, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, b)
	}
	var ar admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&ar); err != nil {
		return nil, fmt.Errorf("decoding the review: %w", err)
	}
	if ar.Response == nil {
		return nil, errors.New("the review has no response")
	}
	return ar.Response, nil
}

// deploymentReview returns an AdmissionReview of the creation of a
// Deployment of three replicas in namespace ns.
func deploymentReview(ns string) ([]byte, error) {
	d := threeReplicas(ns)
	d.APIVersion, d.Kind = "apps/v1", "Deployment"
	obj, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return json.Marshal(&admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("review-" + strconv.FormatInt(time.Now().UnixNano(), 10)),
			Kind:      metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
			Resource:  metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
			Namespace: ns,
			Name:      d.Name,
			Operation: admissionv1.Create,
			UserInfo:  authenticationv1.UserInfo{Username: "tenant", Groups: []string{"system:authenticated"}},
			Object:    runtime.RawExtension{Raw: obj},
		},
	})
}
