package mutators

// Default returns Ballast's pod defaults in the order they apply.
// TerminationGrace follows PreStopSleep, so that it counts the sleep
// injected, and StartupProbe follows LivenessProbe, so that it protects
// the liveness probe injected.
func Default() []Mutator {
	return []Mutator{
		PreStopSleep{},
		TerminationGrace{},
		ReadinessProbe{},
		LivenessProbe{},
		StartupProbe{},
	}
}
