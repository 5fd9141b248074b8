package ping

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIsBallastWarning(t *testing.T) {
	tests := map[string]struct {
		warning string
		want    bool
	}{
		"a warn rule":                 {"liveness-probe: container \"app\" has no livenessProbe", true},
		"a deny rule in dryrun":       {"min-replicas (would deny): runs 1 replica, below the minimum of 2", true},
		"a mutation in dryrun":        {"prestop-hook: would set preStop sleep 5s (app)", true},
		"the count of the rest":       {"ballast: 3 more warnings; run `ballast check` for all of them", true},
		"another webhook's warning":   {"policy-x: containers must not run as root", false},
		"the API server's own":        {"spec.template.spec.containers[0].ports[0]: duplicate port definition", false},
		"a rule ID without its colon": {"min-replicas", false},
		"a rule ID inside the text":   {"note: min-replicas: something", false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, IsBallastWarning(tc.warning))
		})
	}
}
