package policyfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/go-logr/logr"

	"github.com/ballast-dev/ballast/internal/metrics"
	"github.com/ballast-dev/ballast/internal/policy"
)

// DefaultPollInterval is how often a Watcher reads the file when no file
// event arrives, unless Options.PollInterval says otherwise.
const DefaultPollInterval = 10 * time.Second

// settleDelay is how long a Watcher waits after the last event that
// concerns the file before it reads it: a ConfigMap update is a burst of
// events (a new directory, a new symlink, a rename, a removal) and an
// editor may write a file in several steps, so the content is read once,
// when the burst is over.
const settleDelay = 100 * time.Millisecond

// configMapDataLink is the symlink the kubelet swaps atomically to update a
// ConfigMap volume.
const configMapDataLink = "..data"

// Options configures a Watcher. The zero value is usable.
type Options struct {
	// PollInterval is how often the file is read whatever the file events
	// say. Zero means DefaultPollInterval.
	PollInterval time.Duration
	// Logger receives a line for every policy change and every failed
	// reload. The zero Logger discards them.
	Logger logr.Logger
	// Metrics records every load and keeps the exemption gauges current.
	// Nil records nothing.
	Metrics *metrics.Recorder
	// Now is the clock of the exemption gauges. Nil means time.Now.
	Now func() time.Time
}

// Watcher holds the policy loaded from a file and reloads it when the file
// changes. It implements the webhook's policy source, and it is a
// controller-runtime Runnable that needs no leader election. It is safe for
// concurrent use.
type Watcher struct {
	path     string
	interval time.Duration
	log      logr.Logger
	metrics  *metrics.Recorder
	now      func() time.Time

	// current is the policy in force; never nil once New returns.
	current atomic.Pointer[policy.Policy]

	// mu serialises reloads and guards the fields below.
	mu sync.Mutex
	// seen identifies what the last read returned: the content's digest,
	// or the read error. A read that returns the same is not acted on.
	seen string
	// inForce is the digest of the content of the policy in force.
	inForce string
}

// New loads the policy file at path and returns a Watcher serving it. It
// fails when the file cannot be read or does not hold a valid policy; the
// error then lists every problem of the policy, each with its line.
func New(path string, opts Options) (*Watcher, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	w := &Watcher{
		path:     abs,
		interval: opts.PollInterval,
		log:      opts.Logger.WithValues("path", abs),
		metrics:  opts.Metrics,
		now:      opts.Now,
	}
	if w.interval <= 0 {
		w.interval = DefaultPollInterval
	}
	if w.now == nil {
		w.now = time.Now
	}

	data, err := os.ReadFile(abs)
	if err != nil {
		err = fmt.Errorf("reading policy file: %w", err)
		w.metrics.ObservePolicyReload(nil, err)
		return nil, err
	}
	p, err := policy.Parse(data)
	if err != nil {
		err = fmt.Errorf("policy file %s: %w", abs, err)
		w.metrics.ObservePolicyReload(nil, err)
		return nil, err
	}
	w.seen = digest(data)
	w.inForce = w.seen
	w.apply(p)
	w.log.Info("Policy loaded", policyValues(p)...)
	return w, nil
}

// Policy returns the policy in force. The result is shared and must not be
// modified. It never blocks: a request reads one atomic pointer.
func (w *Watcher) Policy() *policy.Policy {
	return w.current.Load()
}

// NeedLeaderElection reports false: every replica serves the webhook, so
// every replica watches its policy.
func (w *Watcher) NeedLeaderElection() bool {
	return false
}

// Start watches the file until ctx is done, reloading it after every
// change, and refreshes the exemption gauges at every poll. It returns nil
// when ctx is done. When the directory cannot be watched (the inotify limits
// of the node are reached, say), it logs the error and relies on polling
// alone rather than fail.
func (w *Watcher) Start(ctx context.Context) error {
	var (
		events <-chan fsnotify.Event
		errs   <-chan error
	)
	fsw, err := fsnotify.NewWatcher()
	if err == nil {
		defer func() { _ = fsw.Close() }()
		err = fsw.Add(filepath.Dir(w.path))
		events, errs = fsw.Events, fsw.Errors
	}
	if err != nil {
		w.log.Error(err, "Cannot watch the policy file's directory; changes are found by polling only", "interval", w.interval)
	}
	w.log.Info("Watching the policy file", "interval", w.interval)

	poll := time.NewTicker(w.interval)
	defer poll.Stop()
	settle := time.NewTimer(settleDelay)
	settle.Stop()
	defer settle.Stop()

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if w.concerns(ev) {
				settle.Reset(settleDelay)
			}
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.log.Error(err, "Watching the policy file's directory failed; changes are still found by polling", "interval", w.interval)
		case <-settle.C:
			w.reload()
		case <-poll.C:
			w.reload()
			w.metrics.ObserveExemptions(w.Policy(), w.now())
		}
	}
}

// concerns reports whether ev may have changed the file's content: an event
// on the file itself, or on the symlink a ConfigMap volume swaps.
func (w *Watcher) concerns(ev fsnotify.Event) bool {
	name := filepath.Clean(ev.Name)
	return name == w.path || filepath.Base(name) == configMapDataLink
}

// reload reads the file and, when it reads differently from last time,
// loads it: a valid policy replaces the one in force, anything else leaves
// the one in force alone and is logged and counted as a failed reload.
func (w *Watcher) reload() {
	w.mu.Lock()
	defer w.mu.Unlock()

	data, err := os.ReadFile(w.path)
	var seen string
	if err != nil {
		seen = "error: " + err.Error()
	} else {
		seen = digest(data)
	}
	if seen == w.seen {
		return
	}
	w.seen = seen

	if err != nil {
		w.fail(fmt.Errorf("reading policy file: %w", err))
		return
	}
	if seen == w.inForce {
		// Back to the content in force after a failed reload: the policy
		// in force is what the file says again.
		w.metrics.ObservePolicyReload(w.Policy(), nil)
		w.log.Info("Policy file is valid again and unchanged from the policy in force", policyValues(w.Policy())...)
		return
	}
	p, err := policy.Parse(data)
	if err != nil {
		w.fail(fmt.Errorf("policy file %s: %w", w.path, err))
		return
	}
	w.inForce = seen
	w.apply(p)
	w.log.Info("Policy reloaded", policyValues(p)...)
}

// apply puts p in force and records it.
func (w *Watcher) apply(p *policy.Policy) {
	w.current.Store(p)
	w.metrics.ObservePolicyReload(p, nil)
	w.metrics.ObserveExemptions(p, w.now())
}

// fail records a reload that failed with err.
func (w *Watcher) fail(err error) {
	w.metrics.ObservePolicyReload(nil, err)
	w.log.Error(err, "Policy reload failed; the last good policy stays in force until the file is fixed",
		"generationInForce", metrics.PolicyGeneration(w.Policy()))
}

// digest identifies a content.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// policyValues are the log values that identify a policy.
func policyValues(p *policy.Policy) []any {
	return []any{
		"generation", metrics.PolicyGeneration(p),
		"mode", p.Spec.Mode,
		"exemptions", len(p.Spec.Exemptions),
	}
}
