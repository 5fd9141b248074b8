package pdb

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// The values of the action label of ActionsMetric.
const (
	actionCreate = "create"
	actionUpdate = "update"
	actionDelete = "delete"
)

// ActionsMetric is the name of the counter of the changes the reconciler
// makes to PodDisruptionBudgets, by action: create, update or delete.
const ActionsMetric = "ballast_pdb_actions_total"

// actionCounter counts the reconciler's changes to PodDisruptionBudgets.
type actionCounter struct {
	vec *prometheus.CounterVec
}

// newActionCounter returns the counter, registered on reg unless reg is
// nil. When reg already holds it (SetupWithManager was called before with
// the same registerer, for another manager), the registered one is reused.
func newActionCounter(reg prometheus.Registerer) (*actionCounter, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: ActionsMetric,
		Help: "Changes Ballast made to the PodDisruptionBudgets it manages, by action (create, update, delete).",
	}, []string{"action"})
	if reg != nil {
		if err := reg.Register(vec); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("registering metric %s: %w", ActionsMetric, err)
			}
			existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
			if !ok {
				return nil, fmt.Errorf("registering metric %s: already registered as a %T", ActionsMetric, are.ExistingCollector)
			}
			vec = existing
		}
	}
	// Every action is exported from the start, at 0, so that rates and
	// alerts work before the first change.
	for _, a := range []string{actionCreate, actionUpdate, actionDelete} {
		vec.WithLabelValues(a)
	}
	return &actionCounter{vec: vec}, nil
}

// inc counts one action.
func (c *actionCounter) inc(action string) {
	c.vec.WithLabelValues(action).Inc()
}
