package validators

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
