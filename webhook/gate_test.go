package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/types"
)

func TestReadReviewHead(t *testing.T) {
	tests := map[string]struct {
		body       string
		apiVersion string
		uid        types.UID
	}{
		"as the API server writes it": {
			body:       `{"kind":"AdmissionReview","apiVersion":"admission.k8s.io/v1","request":{"uid":"0f5e","kind":{"group":"","version":"v1","kind":"Pod"}`,
			apiVersion: "admission.k8s.io/v1", uid: "0f5e",
		},
		"v1beta1": {
			body:       `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}}`,
			apiVersion: "admission.k8s.io/v1beta1", uid: "1",
		},
		"the UID after other fields of the request": {
			body: `{"request":{"kind":{"kind":"Pod"},"options":null,"uid":"2"},"apiVersion":"admission.k8s.io/v1"}`,
			uid:  "2",
		},
		"keys match case-sensitively": {
			body: `{"request":{"UID":"3"}}`,
		},
		"no request": {
			body:       `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`,
			apiVersion: "admission.k8s.io/v1",
		},
		"the UID too far into the body": {
			body: `{"request":{"object":{"note":"` + strings.Repeat("x", reviewHeadBytes) + `"},"uid":"4"}}`,
		},
		"not JSON":                        {body: `uid=5`},
		"a request that is not an object": {body: `{"request":["uid","6"]}`},
		"a UID that is not a string":      {body: `{"request":{"uid":7}}`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			apiVersion, uid := readReviewHead(strings.NewReader(tc.body))
			assert.Equal(t, tc.apiVersion, apiVersion)
			assert.Equal(t, tc.uid, uid)
		})
	}
}

func TestReviewWait(t *testing.T) {
	for target, want := range map[string]time.Duration{
		"/mutate-pods?timeout=2s":        time.Second,
		"/validate-workloads?timeout=3s": 1500 * time.Millisecond,
		"/mutate-pods":                   defaultReviewWait,
		"/mutate-pods?timeout=soon":      defaultReviewWait,
		"/mutate-pods?timeout=-1s":       defaultReviewWait,
	} {
		assert.Equal(t, want, reviewWait(httptest.NewRequest(http.MethodPost, target, nil)), target)
	}
}

func TestSlots(t *testing.T) {
	s := newSlots(2, 100, nil)
	ctx := t.Context()
	require.NoError(t, s.acquire(ctx, 60))

	full, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.EqualError(t, s.acquire(full, 50), "the reviews being judged hold 60 bytes, and this one's 50 would exceed Ballast's limit of 100")

	require.NoError(t, s.acquire(ctx, 40), "60 + 40 bytes fit")
	full, cancel = context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	assert.EqualError(t, s.acquire(full, 0), "the reviews being judged reach Ballast's limit of 2")

	got := make(chan error, 1)
	go func() { got <- s.acquire(ctx, 100) }()
	s.release(40)
	select {
	case err := <-got:
		t.Fatalf("100 bytes beside 60 acquired: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	s.release(60)
	require.NoError(t, <-got, "the waiting review goes ahead once room is freed")
	s.release(100)
	assert.Zero(t, s.reviews)
	assert.Zero(t, s.bytes)
}
