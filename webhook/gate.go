package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-logr/logr"
	admissionv1 "k8s.io/api/admission/v1"
	admissionv1beta1 "k8s.io/api/admission/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/ballast-dev/ballast/internal/metrics"
)

const (
	// defaultReviewWait is how long a review waits for a free slot when
	// the API server gives no timeout.
	defaultReviewWait = time.Second
	// reviewHeadBytes is how much of a review Ballast reads to find its
	// UID when it will not read the rest. The API server writes the UID
	// within the first hundred bytes: kind, apiVersion, then the request,
	// whose first field is the UID.
	reviewHeadBytes = 4 << 10
)

// gate stands in front of a path's admission.Webhook, on the HTTP
// request, before any of the body is read or decoded: it answers a review
// larger than Limits.MaxRequestBytes without reading it, and admits a
// review to its handler only when the reviews in flight leave room for it
// (Limits.MaxConcurrentReviews and MaxConcurrentReviewBytes); a review
// that finds no room within half the API server's timeout is not judged.
// Either answer follows the policy's onInternalError, with the review's
// UID, which the first bytes of the body give; a body without one there,
// which the API server never sends, is answered with an HTTP error, and
// the API server then applies the webhook's failurePolicy.
type gate struct {
	path     string
	next     http.Handler
	maxBytes int64
	slots    *slots
	policy   PolicySource
	metrics  *metrics.Recorder
}

// ServeHTTP answers r, or lets the next handler do it.
func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	size := r.ContentLength
	if size > g.maxBytes {
		g.refuse(w, r, metrics.RefusedTooLarge, http.StatusRequestEntityTooLarge,
			fmt.Errorf("the review is %d bytes, over Ballast's limit of %d bytes", size, g.maxBytes))
		return
	}
	if size < 0 {
		// A body of unknown length (chunked) may be as large as allowed;
		// reading past that fails, and controller-runtime answers 400.
		size = g.maxBytes
		r.Body = http.MaxBytesReader(w, r.Body, g.maxBytes)
	}
	wait := reviewWait(r)
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	err := g.slots.acquire(ctx, size)
	cancel()
	if err != nil {
		g.refuse(w, r, metrics.RefusedBusy, http.StatusTooManyRequests, fmt.Errorf("%w, and none finished within %s", err, wait))
		return
	}
	defer g.slots.release(size)
	g.next.ServeHTTP(w, r)
}

// Unwrap returns the handler behind the gate.
func (g *gate) Unwrap() http.Handler { return g.next }

// refuse answers r without judging it, per the policy's onInternalError
// (see unjudged), reading no more of its body than its head.
func (g *gate) refuse(w http.ResponseWriter, r *http.Request, reason string, code int32, err error) {
	apiVersion, uid := readReviewHead(r.Body)
	onError := onInternalError(g.policy)
	g.log().Info("review refused", "reason", reason, "error", err.Error(), "uid", uid, "onInternalError", onError)
	g.metrics.ObserveRefused(g.path, reason)
	if uid == "" {
		http.Error(w, "ballast: "+err.Error(), int(code))
		return
	}
	resp := unjudged(onError, false, code, err)
	resp.UID = uid
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(&admissionv1.AdmissionReview{
		TypeMeta: reviewTypeMeta(apiVersion),
		Response: &resp.AdmissionResponse,
	}); err != nil {
		g.log().Error(err, "writing the answer to a refused review", "uid", uid)
	}
}

// log is the logger of the webhooks, as controller-runtime names it.
func (g *gate) log() logr.Logger {
	return logf.Log.WithName("admission").WithValues("webhook", g.path)
}

// reviewWait is how long r may wait for room: half the timeout the API
// server gives the call, which it sends as the query parameter "timeout",
// so that the answer reaches it in time; defaultReviewWait when it gives
// none.
func reviewWait(r *http.Request) time.Duration {
	if d, err := time.ParseDuration(r.URL.Query().Get("timeout")); err == nil && d > 0 {
		return d / 2
	}
	return defaultReviewWait
}

// readReviewHead returns the apiVersion and the request's UID of the
// AdmissionReview that body holds, from its first reviewHeadBytes. Either
// is empty when it is not there.
func readReviewHead(body io.Reader) (apiVersion string, uid types.UID) {
	dec := json.NewDecoder(io.LimitReader(body, reviewHeadBytes))
	if !openObject(dec) {
		return apiVersion, ""
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return apiVersion, ""
		}
		switch key {
		case "apiVersion":
			if dec.Decode(&apiVersion) != nil {
				return "", ""
			}
		case "request":
			if !openObject(dec) {
				return apiVersion, ""
			}
			for dec.More() {
				key, err := dec.Token()
				if err != nil {
					return apiVersion, ""
				}
				if key == "uid" {
					var s string
					if dec.Decode(&s) != nil {
						return apiVersion, ""
					}
					return apiVersion, types.UID(s)
				}
				if skipValue(dec) != nil {
					return apiVersion, ""
				}
			}
			return apiVersion, ""
		default:
			if skipValue(dec) != nil {
				return apiVersion, ""
			}
		}
	}
	return apiVersion, ""
}

// openObject reads the opening brace of an object.
func openObject(dec *json.Decoder) bool {
	t, err := dec.Token()
	return err == nil && t == json.Delim('{')
}

// skipValue reads the next value, at most what the decoder's reader holds.
func skipValue(dec *json.Decoder) error {
	var v json.RawMessage
	return dec.Decode(&v)
}

// slots counts the reviews in flight and their bytes. Unlike a FIFO
// semaphore, a review that fits goes ahead of a larger one that waits:
// ordinary reviews of a few kilobytes keep flowing while reviews of
// megabytes wait for room, and are the ones refused when none comes.
type slots struct {
	maxReviews int
	maxBytes   int64
	metrics    *metrics.Recorder

	mu      sync.Mutex
	reviews int
	bytes   int64
	// freed is closed, and replaced, whenever a review leaves.
	freed chan struct{}
}

func newSlots(maxReviews int, maxBytes int64, m *metrics.Recorder) *slots {
	return &slots{maxReviews: maxReviews, maxBytes: maxBytes, metrics: m, freed: make(chan struct{})}
}

// acquire takes a slot for a review of size bytes, waiting until one is
// free or ctx is done; then the error says which limit was in the way.
// size is at most maxBytes.
func (s *slots) acquire(ctx context.Context, size int64) error {
	for {
		s.mu.Lock()
		if s.reviews < s.maxReviews && s.bytes+size <= s.maxBytes {
			s.reviews++
			s.bytes += size
			s.metrics.SetInFlight(s.reviews, s.bytes)
			s.mu.Unlock()
			return nil
		}
		freed := s.freed
		s.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return s.full(size)
		}
	}
}

// full says which limit keeps a review of size bytes waiting.
func (s *slots) full(size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reviews >= s.maxReviews {
		return fmt.Errorf("the reviews being judged reach Ballast's limit of %d", s.maxReviews)
	}
	return fmt.Errorf("the reviews being judged hold %d bytes, and this one's %d would exceed Ballast's limit of %d",
		s.bytes, size, s.maxBytes)
}

// release frees the slot of a review of size bytes.
func (s *slots) release(size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reviews--
	s.bytes -= size
	s.metrics.SetInFlight(s.reviews, s.bytes)
	close(s.freed)
	s.freed = make(chan struct{})
}

// reviewTypeMeta is the TypeMeta of an AdmissionReview answer in the
// version of the request: v1 unless it was v1beta1.
func reviewTypeMeta(apiVersion string) metav1.TypeMeta {
	tm := metav1.TypeMeta{Kind: "AdmissionReview", APIVersion: admissionv1.SchemeGroupVersion.String()}
	if apiVersion == admissionv1beta1.SchemeGroupVersion.String() {
		tm.APIVersion = apiVersion
	}
	return tm
}
