package metrics

// Reasons of ballast_reviews_refused_total: the limit a review exceeds.
const (
	// RefusedTooLarge is a review larger than --max-request-bytes.
	RefusedTooLarge = "too_large"
	// RefusedTooManyContainers is a Pod or pod template with more
	// containers than --max-containers.
	RefusedTooManyContainers = "too_many_containers"
	// RefusedBusy is a review that found --max-concurrent-reviews or
	// --max-concurrent-review-bytes reached and none freed in time.
	RefusedBusy = "busy"
)

// ObserveRefused counts one review not judged because it exceeds a limit,
// on a webhook path, for one of the Refused* reasons.
func (r *Recorder) ObserveRefused(path, reason string) {
	if r == nil {
		return
	}
	r.refused.WithLabelValues(path, reason).Inc()
}

// SetInFlight sets the reviews being judged now and their bytes.
func (r *Recorder) SetInFlight(reviews int, bytes int64) {
	if r == nil {
		return
	}
	r.inFlight.Set(float64(reviews))
	r.inFlightBytes.Set(float64(bytes))
}
