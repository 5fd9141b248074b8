// Package warnings collects the warnings the API server returns to a
// client (the "Warning: ..." lines kubectl prints), per request, so that
// tests and the demo can show and check what a user applying an object
// reads.
//
// A client built from a rest.Config whose WarningHandlerWithContext is a
// Handler hands each warning to the Collector in the request's context:
//
//	cfg.WarningHandlerWithContext = warnings.Handler{}
//	c, _ := client.New(cfg, client.Options{})
//	ctx, got := warnings.Collect(ctx)
//	err := c.Create(ctx, deployment)
//	fmt.Println(got.List())
//
// Requests made with a context that carries no Collector drop their
// warnings. A Collector is safe for concurrent use, so concurrent requests
// may share a client, each with its own Collector.
package warnings

import (
	"context"
	"slices"
	"sync"
)

// Handler is a rest.WarningHandlerWithContext that hands each warning to
// the Collector of the request's context.
type Handler struct{}

// HandleWarningHeaderWithContext implements rest.WarningHandlerWithContext.
// The API server sends admission webhooks' warnings with code 299.
func (Handler) HandleWarningHeaderWithContext(ctx context.Context, _ int, _ string, text string) {
	if c, ok := ctx.Value(collectorKey{}).(*Collector); ok {
		c.add(text)
	}
}

// Collector holds the warnings of the requests made with its context.
type Collector struct {
	mu   sync.Mutex
	list []string
}

type collectorKey struct{}

// Collect returns a context that collects the warnings of the requests
// made with it into the returned Collector.
func Collect(ctx context.Context) (context.Context, *Collector) {
	c := &Collector{}
	return context.WithValue(ctx, collectorKey{}, c), c
}

// List returns the warnings collected so far, in the order they came.
func (c *Collector) List() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

func (c *Collector) add(text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, text)
}
