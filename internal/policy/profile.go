package policy

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"
)

// applyProfiles sets the effective spec of each of s's profiles: s, which
// must be defaulted, with the profile's overrides applied. It copies the
// profiles first, so that a spec sharing them is left as it is.
func (s *Spec) applyProfiles() {
	if len(s.Profiles) == 0 {
		return
	}
	s.Profiles = slices.Clone(s.Profiles)
	for i := range s.Profiles {
		p := &s.Profiles[i]
		eff := *s
		eff.Rules = overlay(s.Rules, p.Rules)
		eff.PodDefaults = overlay(s.PodDefaults, p.PodDefaults)
		p.effective = &eff
	}
}

// overlay returns a deep copy of base with every field over sets (as
// encoding/json writes it: neither nil nor, with omitempty, zero) written
// over it, nested objects field by field.
func overlay[T any](base, over T) T {
	var out T
	for _, v := range []T{base, over} {
		data, err := json.Marshal(v)
		if err == nil {
			err = json.Unmarshal(data, &out)
		}
		if err != nil {
			// Rules and PodDefaults are plain data with JSON tags: only a
			// field of a type JSON cannot carry, added by mistake, gets here.
			panic(fmt.Sprintf("policy: applying a profile to %T: %v", v, err))
		}
	}
	return out
}

// profileFor returns the profile of namespace ns, or nil. A namespace
// resolves to at most one profile, the first by this precedence:
//
//  1. a profile that names the namespace exactly (validation refuses the
//     same name in two profiles);
//  2. a profile with a glob that matches it: the most specific glob, the
//     one with the most characters that are not wildcards, and of equally
//     specific ones the first in the policy;
//  3. a profile whose namespaceSelector matches, the first in the policy.
//
// It allocates nothing.
func (s *Spec) profileFor(ns Namespace) *Profile {
	var glob, selected *Profile
	best := -1
	for i := range s.Profiles {
		p := &s.Profiles[i]
		for _, pattern := range p.Namespaces {
			if pattern == ns.Name {
				return p
			}
			if ok, _ := path.Match(pattern, ns.Name); ok {
				if n := literalChars(pattern); n > best {
					glob, best = p, n
				}
			}
		}
		if selected == nil && p.NamespaceSelector != nil {
			if sel, ok := compileSelector(p.NamespaceSelector); ok && sel.Matches(labels.Set(ns.Labels)) {
				selected = p
			}
		}
	}
	if glob != nil {
		return glob
	}
	return selected
}

// literalChars counts the characters of a glob that are not wildcards.
func literalChars(pattern string) int {
	return len(pattern) - strings.Count(pattern, "*") - strings.Count(pattern, "?")
}
