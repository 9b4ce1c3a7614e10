package gql

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// fakeFetch answers from nodes and records each batch it is asked for.
type fakeFetch struct {
	nodes map[string]*graph.Node
	err   error

	mu      sync.Mutex
	batches [][]string
}

func (f *fakeFetch) fetch(_ context.Context, ids []string) ([]*graph.Node, error) {
	f.mu.Lock()
	f.batches = append(f.batches, slices.Clone(ids))
	f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	out := make([]*graph.Node, len(ids))
	for i, id := range ids {
		out[i] = f.nodes[id]
	}
	return out, nil
}

func testNodes(ids ...string) map[string]*graph.Node {
	m := map[string]*graph.Node{}
	for _, id := range ids {
		m[id] = &graph.Node{ID: id, Kind: graph.KindPerson, Key: id}
	}
	return m
}

func TestNodeLoader(t *testing.T) {
	storeErr := graph.Errorf(graph.CodeUnavailable, "store down")
	tests := []struct {
		name        string
		stored      []string
		primed      []string
		load        []string // loaded concurrently
		err         error
		wantBatches int
		wantMissing []string // loads that answer nil
	}{
		{
			name:        "concurrent loads share one batch, duplicates asked once",
			stored:      []string{"person:a", "person:b", "person:c"},
			load:        []string{"person:a", "person:b", "person:a", "person:c", "person:b"},
			wantBatches: 1,
		},
		{
			name:        "missing nodes answer nil",
			stored:      []string{"person:a"},
			load:        []string{"person:a", "person:x"},
			wantBatches: 1,
			wantMissing: []string{"person:x"},
		},
		{
			name:        "primed nodes cost no store call",
			primed:      []string{"person:a", "person:b"},
			load:        []string{"person:a", "person:b"},
			wantBatches: 0,
		},
		{
			name:        "store errors reach every waiter",
			load:        []string{"person:a", "person:b"},
			err:         storeErr,
			wantBatches: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeFetch{nodes: testNodes(tt.stored...), err: tt.err}
			distinct := slices.Compact(slices.Sorted(slices.Values(tt.load)))
			// A batch fills at the number of distinct ids, so the test never
			// depends on the timing window (an hour here).
			l := newLoader(t.Context(), "nodes", f.fetch, time.Hour, len(distinct))
			primed := testNodes(tt.primed...)
			for _, id := range tt.primed {
				l.Prime(id, primed[id])
			}

			type answer struct {
				id  string
				n   *graph.Node
				err error
			}
			answers := make(chan answer, len(tt.load))
			var wg sync.WaitGroup
			for _, id := range tt.load {
				wg.Go(func() {
					n, err := l.Load(t.Context(), id)
					answers <- answer{id, n, err}
				})
			}
			wg.Wait()
			close(answers)

			for a := range answers {
				switch {
				case tt.err != nil:
					if !errors.Is(a.err, tt.err) {
						t.Errorf("Load(%s) error = %v, want %v", a.id, a.err, tt.err)
					}
				case a.err != nil:
					t.Errorf("Load(%s): %v", a.id, a.err)
				case slices.Contains(tt.wantMissing, a.id):
					if a.n != nil {
						t.Errorf("Load(%s) = %+v, want nil", a.id, a.n)
					}
				case a.n == nil || a.n.ID != a.id:
					t.Errorf("Load(%s) = %+v, want that node", a.id, a.n)
				}
			}
			if len(f.batches) != tt.wantBatches {
				t.Fatalf("store called %d times (%v), want %d", len(f.batches), f.batches, tt.wantBatches)
			}
			for _, b := range f.batches {
				if got := slices.Sorted(slices.Values(b)); !slices.Equal(got, distinct) {
					t.Errorf("batch = %v, want each of %v once", got, distinct)
				}
			}
		})
	}
}

func TestNodeLoaderFlushesAfterWait(t *testing.T) {
	f := &fakeFetch{nodes: testNodes("person:a")}
	l := newLoader(t.Context(), "nodes", f.fetch, time.Millisecond, 100)
	n, err := l.Load(t.Context(), "person:a")
	if err != nil || n == nil || n.ID != "person:a" {
		t.Fatalf("Load = %v, %v; want person:a", n, err)
	}
	// A second load of the same id is answered from the cache.
	if _, err := l.Load(t.Context(), "person:a"); err != nil {
		t.Fatal(err)
	}
	if len(f.batches) != 1 {
		t.Errorf("store called %d times, want 1", len(f.batches))
	}
}

func TestNodeLoaderCallerDeadline(t *testing.T) {
	f := &fakeFetch{nodes: testNodes("person:a")}
	l := newLoader(t.Context(), "nodes", f.fetch, time.Hour, 100)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Load(ctx, "person:a"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Load with a cancelled context: err = %v, want context.Canceled", err)
	}
}
