package policyreport

import (
	"slices"
	"strings"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/ballast-dev/ballast/internal/audit"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/report"
	"github.com/ballast-dev/ballast/validators"
)

// Source is the source of every report and result Ballast writes: the name
// Policy Reporter groups them by.
const Source = "ballast"

// Category is the category of every result.
const Category = "Reliability"

// The results of a report.
const (
	// ResultPass: the object meets the rule.
	ResultPass openreportsv1alpha1.Result = "pass"
	// ResultFail: the object breaks a rule whose action is deny.
	ResultFail openreportsv1alpha1.Result = "fail"
	// ResultWarn: the object breaks a rule whose action is warn.
	ResultWarn openreportsv1alpha1.Result = "warn"
	// ResultSkip: the rule is exempted for the namespace, or off.
	ResultSkip openreportsv1alpha1.Result = "skip"
)

// The properties of a result, where they apply.
const (
	PropertyAction             = "action"           // deny or warn: the rule's action in the namespace
	PropertyMode               = "mode"             // the namespace's mode
	PropertyField              = "field"            // the fields at fault
	PropertyFix                = "fix"              // what to write instead
	PropertyExemption          = "exemption"        // the exemption that skips the rule
	PropertyExemptionReason    = "exemptionReason"  // why it was granted
	PropertyExemptionOwner     = "exemptionOwner"   // to whom
	PropertyExemptionExpires   = "exemptionExpires" // until when (RFC 3339)
	PropertyExpiredExemption   = "expiredExemption" // an exemption of the rule that expired
	PropertyExpiredExemptionAt = "expiredExemptionExpires"
)

// DefaultMaxResults bounds the results of one report, to keep it far below
// the API server's limit of an object's size: a namespace of 100 workloads
// has about 1,000.
const DefaultMaxResults = 2000

// Build returns the summary and the results of the report of namespace n,
// judged under spec with rules (the engine's catalog): one result per
// evaluated object and rule that applies to its kind, by object (as the
// audit orders them) then by rule (in catalog order). A result that
// previous holds unchanged (same policy, object, result and message) keeps
// its timestamp, so that a report whose results did not change stays
// equal; a new one is stamped now.
//
// The summary counts every result. When there are more than maxResults,
// pass results are left out first, then the last ones.
func Build(n *audit.Namespace, spec *policy.Spec, rules []validators.Rule, now time.Time,
	previous []openreportsv1alpha1.ReportResult, maxResults int,
) (openreportsv1alpha1.ReportSummary, []openreportsv1alpha1.ReportResult) {
	stamps := make(map[resultKey]metav1.Timestamp, len(previous))
	for i := range previous {
		stamps[keyOf(&previous[i])] = previous[i].Timestamp
	}
	stamp := metav1.Timestamp{Seconds: now.Unix()}
	var (
		summary openreportsv1alpha1.ReportSummary
		results []openreportsv1alpha1.ReportResult
	)
	for i := range n.Objects {
		o := &n.Objects[i]
		if o.Skipped != "" {
			continue
		}
		for j := range rules {
			r := &rules[j]
			if !r.AppliesTo(o.Kind) {
				continue
			}
			res := judge(n, o, r, spec)
			res.Timestamp = stamp
			if ts, ok := stamps[keyOf(&res)]; ok {
				res.Timestamp = ts
			}
			count(&summary, res.Result)
			results = append(results, res)
		}
	}
	return summary, limit(results, maxResults)
}

// judge returns the result of rule r on object o of namespace n.
func judge(n *audit.Namespace, o *report.Object, r *validators.Rule, spec *policy.Spec) openreportsv1alpha1.ReportResult {
	res := openreportsv1alpha1.ReportResult{
		Source:     Source,
		Policy:     r.ID,
		Category:   Category,
		Subjects:   []corev1.ObjectReference{{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}},
		Properties: map[string]string{PropertyMode: string(n.Mode)},
	}
	if e, ok := exemptionOf(n.ExpiredExemptions, r.ID); ok {
		res.Properties[PropertyExpiredExemption] = e.Name
		if e.Expires != nil {
			res.Properties[PropertyExpiredExemptionAt] = e.Expires.UTC().Format(time.RFC3339)
		}
	}
	if e, ok := exemptionOf(n.Exemptions, r.ID); ok {
		res.Result = ResultSkip
		res.Description = "exempted by " + e.Name + ": " + e.Reason
		res.Properties[PropertyExemption] = e.Name
		res.Properties[PropertyExemptionReason] = e.Reason
		if e.Owner != "" {
			res.Properties[PropertyExemptionOwner] = e.Owner
		}
		if e.Expires != nil {
			res.Properties[PropertyExemptionExpires] = e.Expires.UTC().Format(time.RFC3339)
		}
		return res
	}
	action := spec.Rules.Action(r.ID)
	if action == "" {
		action = r.DefaultAction
	}
	if action == policy.ActionOff {
		res.Result = ResultSkip
		res.Description = "rule " + r.ID + " is off in the policy"
		return res
	}
	res.Properties[PropertyAction] = string(action)
	var messages, fields, fixes []string
	for _, f := range o.Findings {
		if f.Rule != r.ID {
			continue
		}
		messages = appendNew(messages, f.Message)
		fields = appendNew(fields, f.Field)
		fixes = appendNew(fixes, f.Fix)
	}
	if len(messages) == 0 {
		res.Result = ResultPass
		res.Description = r.Summary
		return res
	}
	res.Result, res.Severity = ResultWarn, "medium"
	if action == policy.ActionDeny {
		res.Result, res.Severity = ResultFail, "high"
	}
	res.Description = strings.Join(messages, "; ")
	res.Properties[PropertyField] = strings.Join(fields, ", ")
	res.Properties[PropertyFix] = strings.Join(fixes, "; ")
	return res
}

// exemptionOf returns the exemption of es that covers rule id.
func exemptionOf(es []report.Exemption, id string) (report.Exemption, bool) {
	for _, e := range es {
		if slices.Contains(e.Rules, id) || slices.Contains(e.Rules, policy.AllRules) {
			return e, true
		}
	}
	return report.Exemption{}, false
}

// appendNew appends s unless it is empty or already in list.
func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// count adds a result to the summary.
func count(s *openreportsv1alpha1.ReportSummary, r openreportsv1alpha1.Result) {
	switch r {
	case ResultPass:
		s.Pass++
	case ResultFail:
		s.Fail++
	case ResultWarn:
		s.Warn++
	case ResultSkip:
		s.Skip++
	default:
		s.Error++
	}
}

// limit keeps at most max results: every one but the pass results first,
// in their order.
func limit(results []openreportsv1alpha1.ReportResult, maxResults int) []openreportsv1alpha1.ReportResult {
	if len(results) <= maxResults {
		return results
	}
	passes := maxResults
	for i := range results {
		if results[i].Result != ResultPass {
			passes--
		}
	}
	kept := make([]openreportsv1alpha1.ReportResult, 0, maxResults)
	for i := range results {
		if results[i].Result == ResultPass {
			if passes <= 0 {
				continue
			}
			passes--
		}
		kept = append(kept, results[i])
		if len(kept) == maxResults {
			break
		}
	}
	return kept
}

// resultKey identifies a result across runs, for its timestamp.
type resultKey struct {
	policy, kind, name, message string
	result                      openreportsv1alpha1.Result
}

func keyOf(r *openreportsv1alpha1.ReportResult) resultKey {
	k := resultKey{policy: r.Policy, message: r.Description, result: r.Result}
	if len(r.Subjects) > 0 {
		k.kind, k.name = r.Subjects[0].Kind, r.Subjects[0].Name
	}
	return k
}
