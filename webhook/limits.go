package webhook

import (
	"errors"
	"fmt"
)

// Defaults of Limits. Together they keep a replica within the chart's
// memory limit (256 MiB) whatever it is sent: docs/serve.md#limits and
// docs/performance.md#under-attack give the figures.
const (
	// DefaultMaxRequestBytes is the largest review Ballast reads, 7 MiB,
	// sized from what the API server sends: a review carries at most two
	// objects (object and oldObject), each at most 3 MiB (the API server's
	// limit of a request body, twice what etcd stores by default), and 1
	// MiB is ample for the rest. It is also controller-runtime's own limit,
	// which MaxRequestBytes cannot exceed.
	DefaultMaxRequestBytes int64 = 7 << 20
	// DefaultMaxContainers is the most containers a Pod or a pod template
	// may have for Ballast to judge it: init, regular and ephemeral
	// containers together. Pods rarely have more than ten.
	DefaultMaxContainers = 250
	// DefaultMaxConcurrentReviews is the most reviews judged at once; the
	// others wait. A review takes well under a millisecond of CPU, so 32
	// is far more than two cores serve in parallel.
	DefaultMaxConcurrentReviews = 32
	// DefaultMaxConcurrentReviewBytes is the most bytes of reviews judged
	// at once: a review costs a few times its size in memory while it is
	// judged, so this bounds the memory of the reviews in flight, while
	// DefaultMaxConcurrentReviews bounds their number.
	DefaultMaxConcurrentReviewBytes int64 = 8 << 20
)

// Limits bound what one admission review may cost and how many Ballast
// judges at once, so that no tenant, and nobody who reaches the webhook
// port, can push it out of memory. A review beyond a limit is not judged:
// it is answered per the policy's onInternalError, like any review Ballast
// fails to judge, with a message naming the limit. The zero value of a
// field means its default.
type Limits struct {
	// MaxRequestBytes is the largest review body, checked before any of it
	// is read. At most DefaultMaxRequestBytes, controller-runtime's own
	// limit.
	MaxRequestBytes int64
	// MaxContainers is the most containers (init, regular and ephemeral
	// together) of a Pod or of a workload's pod template, counted before
	// the object is decoded.
	MaxContainers int
	// MaxConcurrentReviews is the most reviews judged at once. A review
	// beyond it waits for another to finish, for at most half the timeout
	// the API server gives the call (1 second when it gives none).
	MaxConcurrentReviews int
	// MaxConcurrentReviewBytes is the most bytes of review bodies judged
	// at once; a review that would exceed it waits like one beyond
	// MaxConcurrentReviews, while smaller ones that fit go ahead. At least
	// MaxRequestBytes, so that the largest review may run alone.
	MaxConcurrentReviewBytes int64
}

// WithDefaults returns l with zero fields set to their defaults, or an
// error naming every field that is out of range.
func (l Limits) WithDefaults() (Limits, error) {
	if l.MaxRequestBytes == 0 {
		l.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if l.MaxContainers == 0 {
		l.MaxContainers = DefaultMaxContainers
	}
	if l.MaxConcurrentReviews == 0 {
		l.MaxConcurrentReviews = DefaultMaxConcurrentReviews
	}
	if l.MaxConcurrentReviewBytes == 0 {
		l.MaxConcurrentReviewBytes = max(DefaultMaxConcurrentReviewBytes, l.MaxRequestBytes)
	}
	var errs []error
	if l.MaxRequestBytes < 0 || l.MaxRequestBytes > DefaultMaxRequestBytes {
		errs = append(errs, fmt.Errorf("the largest review, %d bytes, must be positive and at most %d bytes, controller-runtime's own limit",
			l.MaxRequestBytes, DefaultMaxRequestBytes))
	}
	if l.MaxContainers < 0 {
		errs = append(errs, fmt.Errorf("the most containers of a pod, %d, must be positive", l.MaxContainers))
	}
	if l.MaxConcurrentReviews < 0 {
		errs = append(errs, fmt.Errorf("the most reviews judged at once, %d, must be positive", l.MaxConcurrentReviews))
	}
	if l.MaxConcurrentReviewBytes < l.MaxRequestBytes {
		errs = append(errs, fmt.Errorf("the most bytes of reviews judged at once, %d, must be at least the largest review, %d bytes",
			l.MaxConcurrentReviewBytes, l.MaxRequestBytes))
	}
	if err := errors.Join(errs...); err != nil {
		return l, fmt.Errorf("webhook: invalid limits: %w", err)
	}
	return l, nil
}
