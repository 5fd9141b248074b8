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

// PlanNeighbours are the neighbours PlanPDB reads: the PodDisruptionBudgets
// that may already cover a workload's pods, and the HPAs that decide its
// replicas.
const PlanNeighbours = NeedPDBs | NeedHPAs

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

	// why is the first cause of Write being false, with what Reason says
	// of it; the reason is written only when asked for, off the admission
	// path.
	why        pdbCause
	kind       string
	mode       policy.Mode
	modeSource string
	exemption  string
	other      string
	replicas   int32
	hpa        string
}

// pdbCause is why Ballast writes no PodDisruptionBudget for a workload.
type pdbCause uint8

const (
	causeNone pdbCause = iota
	causeMode
	causeKind
	causeExempted
	causeCreateOff
	causeOtherPDB
	causeReplicas
)

// PlanPDB decides whether Ballast keeps a PodDisruptionBudget for w, the
// workload, among its neighbours rel, under s, the settings of its
// namespace (s.Spec defaulted); Reason says why not. Ballast keeps one when
// the workload's kind runs interchangeable replicas (Deployment,
// StatefulSet), the namespace's mode is warn or enforce (in dryrun it is
// only planned), the pdb rule is not exempted there, rules.pdb.create is
// true, no PodDisruptionBudget other than Ballast's own selects the
// workload's pods, and the workload runs at least 2 effective replicas
// (EffectiveReplicas) and at least the min-replicas minimum.
//
// It allocates nothing but the name.
func PlanPDB(w *Workload, rel Related, s *policy.Settings) PDBPlan {
	p := PDBPlan{
		Name: PDBName(w.Kind, w.Name), MaxUnavailable: *s.Spec.Rules.PDB.MaxUnavailable,
		kind: w.Kind, mode: s.Mode, modeSource: s.ModeSource,
	}
	p.why = p.cause(w, rel, s)
	switch {
	case s.Mode != policy.ModeWarn && s.Mode != policy.ModeEnforce:
		p.Planned = p.why == causeNone && s.Mode != policy.ModeOff
		// The mode is named first, whatever else keeps the budget away.
		p.why = causeMode
	case p.why == causeNone:
		p.Planned, p.Write = true, true
	}
	return p
}

// cause returns the first cause, apart from the mode, that keeps Ballast
// from keeping a PodDisruptionBudget for w, recording what Reason needs,
// or causeNone.
func (p *PDBPlan) cause(w *Workload, rel Related, s *policy.Settings) pdbCause {
	if k, ok := Named(w.Kind); !ok || !k.KeepsPDB {
		return causeKind
	}
	if e, ok := s.Exempted(policy.RulePDB); ok {
		p.exemption = e.Name
		return causeExempted
	}
	if !*s.Spec.Rules.PDB.Create {
		return causeCreateOff
	}
	if other := OtherPDBSelects(w, rel.PDBs, p.Name); other != nil {
		p.other = other.Name
		return causeOtherPDB
	}
	n, hpa := EffectiveReplicas(w, rel.HPAs)
	if n >= 2 && n >= s.Spec.Rules.MinReplicas.Minimum {
		return causeNone
	}
	p.replicas = n
	if hpa != nil {
		p.hpa = hpa.Name
	}
	return causeReplicas
}

// Reason says, for people, why Ballast writes no PodDisruptionBudget, in
// the order people look for causes: the mode, the kind, an exemption, the
// policy, another budget, the replica count; "" when it writes one.
func (p *PDBPlan) Reason() string {
	switch p.why {
	case causeMode:
		return fmt.Sprintf("the namespace's mode is %s (%s)", p.mode, p.modeSource)
	case causeKind:
		return "a " + p.kind + " gets no PodDisruptionBudget from Ballast"
	case causeExempted:
		return fmt.Sprintf("rule %s is exempted here by %q", policy.RulePDB, p.exemption)
	case causeCreateOff:
		return "the policy sets rules.pdb.create to false"
	case causeOtherPDB:
		return fmt.Sprintf("PodDisruptionBudget %s already covers its pods", p.other)
	case causeReplicas:
		count := fmt.Sprintf("%d replicas", p.replicas)
		if p.replicas == 1 {
			count = "1 replica"
		}
		tooFew := "too few to need one"
		if p.replicas >= 2 {
			tooFew = "fewer than the min-replicas minimum"
		}
		if p.hpa != "" {
			return fmt.Sprintf("%s %s may scale it down to %s, %s", KindHPA, p.hpa, count, tooFew)
		}
		return fmt.Sprintf("it runs %s, %s", count, tooFew)
	case causeNone:
	}
	return ""
}
