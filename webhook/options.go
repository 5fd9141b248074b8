package webhook

import (
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/ballast-dev/ballast/internal/engine"
	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
	"github.com/ballast-dev/ballast/internal/workload"
)

// PolicySource gives the policy in force: loaded, defaulted and validated.
// The server's hot-reloader implements it, returning the last good policy,
// or nil before one has loaded. The handlers call it once or twice per
// request, from many goroutines, so it must be cheap and safe for
// concurrent use, and the policy it returns must never be modified.
type PolicySource interface {
	// Policy returns the policy in force, or nil before one has loaded.
	Policy() *policy.Policy
}

// Options are what the handlers need. Policy and Reader are required.
type Options struct {
	// Engine evaluates objects. Default: engine.Default().
	Engine *engine.Engine
	// Policy gives the policy in force.
	Policy PolicySource
	// Reader reads the objects CachedObjects lists. It must be the
	// manager's informer cache (mgr.GetCache()), not a live client: the
	// handlers read the request's Namespace and list its neighbours on
	// every request, which from a cache is a read of local memory and from
	// a live client would be an API call per admission request. The
	// handlers never modify what it returns, so they read it without deep
	// copies (client.UnsafeDisableDeepCopy).
	Reader client.Reader
	// NamespaceReader, when set, reads a Namespace the cache does not hold
	// yet: one created a moment before the request, whose watch event has
	// not arrived. Give it a live reader (mgr.GetAPIReader()): it is called
	// only on such a miss, so a namespace labelled enforce is judged in
	// enforce from its first request. Nil resolves a missed namespace with
	// no labels.
	NamespaceReader client.Reader
	// Now returns the current time, against which exemption expiry is
	// judged. Default: time.Now.
	Now func() time.Time
	// Metrics records Ballast's metrics. Nil records none.
	Metrics *metrics.Recorder
	// Limits bound what one review may cost and how many are judged at
	// once. Zero fields take their defaults.
	Limits Limits
}

// CachedObjects returns one object of each kind the handlers read through
// Options.Reader, for the server to configure its cache (and RBAC to
// allow get, list and watch on): the Namespaces and every neighbour kind
// of the workload model. Of them the handlers read only: a Namespace's
// labels; a Deployment's, StatefulSet's or DaemonSet's name,
// spec.replicas, selector and pod template labels; a Service's selector,
// type, ports and publishNotReadyAddresses; PodDisruptionBudgets and
// HorizontalPodAutoscalers in full. A cache transform may strip the rest.
func CachedObjects() []client.Object {
	objs := []client.Object{&corev1.Namespace{}}
	for _, k := range workload.AllNeighbours.Kinds() {
		objs = append(objs, k.NewObject())
	}
	return objs
}

// errOptionsMissing reports Options without a required field.
var errOptionsMissing = errors.New("webhook: Options.Policy and Options.Reader are required")

// withDefaults returns o with its defaults filled in, or an error when a
// required option is missing.
func (o Options) withDefaults() (Options, error) {
	if o.Policy == nil || o.Reader == nil {
		return o, errOptionsMissing
	}
	if o.Engine == nil {
		o.Engine = engine.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	var err error
	o.Limits, err = o.Limits.WithDefaults()
	return o, err
}
