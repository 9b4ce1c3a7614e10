package ingesttest

import (
	"context"
	"sync/atomic"

	"github.com/redthread-dev/redthread/graph"
)

// StallStore writes the first After batches, then holds every write until
// its context ends, like a server stopped in the middle of a job. Stalled
// receives (without blocking) when a write stalls.
type StallStore struct {
	graph.Store
	After   int32
	Stalled chan struct{}
	n       atomic.Int32
}

// NewStallStore returns a StallStore over s that stalls after `after` batches.
func NewStallStore(s graph.Store, after int32) *StallStore {
	return &StallStore{Store: s, After: after, Stalled: make(chan struct{}, 1)}
}

// Write implements graph.Store.
func (s *StallStore) Write(ctx context.Context, b graph.Batch) (graph.WriteResult, error) {
	if s.n.Add(1) > s.After {
		select {
		case s.Stalled <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return graph.WriteResult{}, ctx.Err()
	}
	return s.Store.Write(ctx, b)
}
