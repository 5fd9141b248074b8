package validators

// The IDs of the rules: part of Ballast's public contract, as keys of the
// policy's rules, in exemptions, warnings, metrics and reports.
const (
	MinReplicasID         = "min-replicas"
	HPAMinReplicasID      = "hpa-min-replicas"
	ReadinessProbeID      = "readiness-probe"
	LivenessProbeID       = "liveness-probe"
	ResourceRequestsID    = "resource-requests"
	MemoryLimitID         = "memory-limit"
	PreStopHookID         = "prestop-hook"
	TerminationGraceID    = "termination-grace"
	PDBID                 = "pdb"
	PDBAllowsDisruptionID = "pdb-allows-disruption"
	SpreadID              = "spread"
	RollingUpdateID       = "rolling-update"
	ImageTagID            = "image-tag"
)

// Default returns Ballast's rule catalog, in the order of the policy's
// rules (policy.RuleIDs), which is the order of the findings. Each call
// returns new values, so callers may modify them.
func Default() []Rule {
	return []Rule{
		minReplicasRule(),
		hpaMinReplicasRule(),
		readinessProbeRule(),
		livenessProbeRule(),
		resourceRequestsRule(),
		memoryLimitRule(),
		preStopHookRule(),
		terminationGraceRule(),
		pdbRule(),
		pdbAllowsDisruptionRule(),
		spreadRule(),
		rollingUpdateRule(),
		imageTagRule(),
	}
}
