package workload

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestSelectsAgreesWithAPIMachinery checks Selects against the conversion
// the disruption controller and the scheduler use.
func TestSelectsAgreesWithAPIMachinery(t *testing.T) {
	sets := []map[string]string{
		nil,
		{},
		{"app": "web"},
		{"app": "web", "tier": "frontend"},
		{"app": "api", "tier": "backend"},
		{"tier": "frontend"},
	}
	req := func(key string, op metav1.LabelSelectorOperator, values ...string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	selectors := map[string]*metav1.LabelSelector{
		"nil":                      nil,
		"empty":                    {},
		"matchLabels":              {MatchLabels: map[string]string{"app": "web"}},
		"two matchLabels":          {MatchLabels: map[string]string{"app": "web", "tier": "frontend"}},
		"In":                       req("app", metav1.LabelSelectorOpIn, "web", "api"),
		"In without values":        req("app", metav1.LabelSelectorOpIn),
		"NotIn":                    req("app", metav1.LabelSelectorOpNotIn, "web"),
		"NotIn without values":     req("app", metav1.LabelSelectorOpNotIn),
		"Exists":                   req("tier", metav1.LabelSelectorOpExists),
		"Exists with values":       req("tier", metav1.LabelSelectorOpExists, "frontend"),
		"DoesNotExist":             req("tier", metav1.LabelSelectorOpDoesNotExist),
		"DoesNotExist with values": req("tier", metav1.LabelSelectorOpDoesNotExist, "x"),
		"an unknown operator":      req("app", "Near", "web"),
		"matchLabels and expressions": {
			MatchLabels:      map[string]string{"app": "web"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"backend"}}},
		},
	}
	for name, sel := range selectors {
		converted, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			converted = labels.Nothing()
		}
		for _, set := range sets {
			assert.Equal(t, converted.Matches(labels.Set(set)), Selects(sel, set), "%s selector over %v", name, set)
		}
	}
}
