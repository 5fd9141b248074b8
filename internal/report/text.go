package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/ballast-dev/ballast/validators"
)

// FindingText returns the finding for people, each line starting with
// indent: the action, rule and field, then the message and the fix under
// them.
//
//	DENY min-replicas  spec.replicas
//	     runs 1 replica, below the minimum of 2: a node drain stops the service
//	     fix: set spec.replicas: 2
func FindingText(f validators.Finding, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%-4s %s  %s\n", indent, strings.ToUpper(string(f.Action)), f.Rule, f.Field)
	fmt.Fprintf(&b, "%s     %s\n", indent, f.Message)
	if f.Fix != "" {
		fmt.Fprintf(&b, "%s     fix: %s\n", indent, f.Fix)
	}
	return b.String()
}

// Terms says what the exemption does, why, whose it is and until when,
// with the expiry written by expiry, e.g.
//
//	rules min-replicas, spread; reason "rewrite"; owner team-a; expires 2099-01-01
func (e Exemption) Terms(expiry func(time.Time) string) string {
	var parts []string
	if e.Scope != "" {
		parts = append(parts, "for "+e.Scope)
	}
	if len(e.Rules) > 0 {
		parts = append(parts, "rules "+strings.Join(e.Rules, ", "))
	}
	if e.Mode != "" {
		parts = append(parts, "mode "+string(e.Mode))
	}
	parts = append(parts, fmt.Sprintf("reason %q", e.Reason))
	if e.Owner != "" {
		parts = append(parts, "owner "+e.Owner)
	}
	if e.Expires != nil {
		parts = append(parts, "expires "+expiry(*e.Expires))
	}
	return strings.Join(parts, "; ")
}
