package workload

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/ballast-dev/ballast/internal/policy"
)

// pdbNameHashLen is the length of the hash suffix of a shortened PDBName.
const pdbNameHashLen = 10

// PDBName returns the name of the PodDisruptionBudget Ballast manages for
// the workload kind/name: "ballast-" + lower(kind) + "-" + name. A name
// longer than a DNS subdomain allows (253 characters) is cut and ends
// with "-" and a hash of the full name, so it stays unique and stable.
func PDBName(kind, name string) string {
	full := "ballast-" + strings.ToLower(kind) + "-" + name
	if len(full) <= validation.DNS1123SubdomainMaxLength {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	prefix := strings.TrimRight(full[:validation.DNS1123SubdomainMaxLength-pdbNameHashLen-1], "-.")
	return prefix + "-" + hex.EncodeToString(sum[:])[:pdbNameHashLen]
}

// PDBPlan is what Ballast does about the PodDisruptionBudget of one
// workload.
type PDBPlan struct {
	// Name is the name of Ballast's PodDisruptionBudget for the workload
	// (PDBName), whether it keeps one or not.
	Name string
	// MaxUnavailable is the budget's maxUnavailable: rules.pdb.maxUnavailable.
	MaxUnavailable intstr.IntOrString
	// Planned reports whether the policy has Ballast keep a
	// PodDisruptionBudget for the workload. In dryrun it is reported, not
	// written.
	Planned bool
	// Write reports whether the PDB reconciler keeps it in the cluster:
	// Planned, in a namespace in warn or enforce mode.
	Write bool
	// Reason says, for people, why Ballast writes none when Write is false.
	Reason string
}

// PlanPDB decides whether Ballast keeps a PodDisruptionBudget for w, the
// workload, among its neighbours rel, under s, the settings of its
// namespace (s.Spec defaulted), and says why not. Ballast keeps one when
// the workload's kind runs interchangeable replicas (Deployment,
// StatefulSet), the namespace's mode is warn or enforce (in dryrun it is
// only planned), the pdb rule is not exempted there, rules.pdb.create is
// true, no PodDisruptionBudget other than Ballast's own selects the
// workload's pods, and the workload runs at least 2 effective replicas
// (EffectiveReplicas) and at least the min-replicas minimum.
//
// The reason names the first cause in the order people look for them: the
// mode, an exemption, the policy, another budget, the replica count.
func PlanPDB(w *Workload, rel Related, s *policy.Settings) PDBPlan {
	p := PDBPlan{Name: PDBName(w.Kind, w.Name), MaxUnavailable: *s.Spec.Rules.PDB.MaxUnavailable}
	why := whyNoPDB(w, rel, s, p.Name)
	switch {
	case s.Mode != policy.ModeWarn && s.Mode != policy.ModeEnforce:
		p.Reason = fmt.Sprintf("the namespace's mode is %s (%s)", s.Mode, s.ModeSource)
		p.Planned = why == "" && s.Mode != policy.ModeOff
	case why != "":
		p.Reason = why
	default:
		p.Planned, p.Write = true, true
	}
	return p
}

// whyNoPDB says why the policy has Ballast keep no PodDisruptionBudget
// named name for w, whatever the mode, or "" when it keeps one.
func whyNoPDB(w *Workload, rel Related, s *policy.Settings, name string) string {
	if k, ok := Named(w.Kind); !ok || !k.KeepsPDB {
		return "a " + w.Kind + " gets no PodDisruptionBudget from Ballast"
	}
	if e, ok := s.Exempted(policy.RulePDB); ok {
		return fmt.Sprintf("rule %s is exempted here by %q", policy.RulePDB, e.Name)
	}
	if !*s.Spec.Rules.PDB.Create {
		return "the policy sets rules.pdb.create to false"
	}
	if other := OtherPDBSelects(w, rel.PDBs, name); other != nil {
		return fmt.Sprintf("PodDisruptionBudget %s already covers its pods", other.Name)
	}
	n, hpa := EffectiveReplicas(w, rel.HPAs)
	if n >= 2 && n >= s.Spec.Rules.MinReplicas.Minimum {
		return ""
	}
	count := fmt.Sprintf("%d replicas", n)
	if n == 1 {
		count = "1 replica"
	}
	tooFew := "too few to need one"
	if n >= 2 {
		tooFew = "fewer than the min-replicas minimum"
	}
	if hpa != nil {
		return fmt.Sprintf("%s %s may scale it down to %s, %s", KindHPA, hpa.Name, count, tooFew)
	}
	return fmt.Sprintf("it runs %s, %s", count, tooFew)
}
