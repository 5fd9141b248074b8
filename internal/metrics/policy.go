package metrics

import (
	"encoding/json"
	"hash/fnv"
	"time"

	"github.com/ballast-dev/ballast/internal/policy"
)

// ExpiringSoon is how close to its expiry an exemption in force counts as
// expiring_soon rather than active.
const ExpiringSoon = 7 * 24 * time.Hour

// generationBits keeps PolicyGeneration exact in a float64 sample.
const generationBits = 53

// ObservePolicyReload records one attempt to load the policy file, at
// start-up or after a change: err is the load error, and p, on success, the
// policy now in force. A failure leaves the generation of the last good
// policy in place.
func (r *Recorder) ObservePolicyReload(p *policy.Policy, err error) {
	if r == nil {
		return
	}
	if err != nil {
		r.reloadFailure.Inc()
		r.lastReloadSuccess.Set(0)
		return
	}
	r.reloadSuccess.Inc()
	r.lastReloadSuccess.Set(1)
	r.generation.Set(float64(PolicyGeneration(p)))
}

// ObserveExemptions sets the exemption gauges from the policy in force at
// the moment now. The states do not overlap: an exemption is expired once
// its expiry is before now (as policy.Resolve judges it), expiring_soon
// when it expires within ExpiringSoon, and active otherwise, including when
// it never expires. Call it after each successful reload and periodically,
// as time alone moves exemptions between states.
func (r *Recorder) ObserveExemptions(p *policy.Policy, now time.Time) {
	if r == nil {
		return
	}
	var active, soon, expired int
	if p != nil {
		for i := range p.Spec.Exemptions {
			switch exp := p.Spec.Exemptions[i].Expires; {
			case exp == nil:
				active++
			case exp.Time.Before(now):
				expired++
			case !exp.Time.After(now.Add(ExpiringSoon)):
				soon++
			default:
				active++
			}
		}
	}
	r.exemptionsActive.Set(float64(active))
	r.exemptionsExpiringSoon.Set(float64(soon))
	r.exemptionsExpired.Set(float64(expired))
}

// PolicyGeneration returns the value ballast_policy_generation shows for
// p: 53 bits of the FNV-1a hash of its defaulted JSON form, so that every
// replica running the same policy shows the same number whatever its
// restarts, and logs can print it for comparison. It is 0 for a nil
// policy, and for one that does not encode, which its types rule out.
func PolicyGeneration(p *policy.Policy) uint64 {
	if p == nil {
		return 0
	}
	h := fnv.New64a()
	if err := json.NewEncoder(h).Encode(p); err != nil {
		return 0
	}
	return h.Sum64() & (1<<generationBits - 1)
}
