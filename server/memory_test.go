package server

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/redthread-dev/redthread/graph/budget"
)

func TestMemoryReturner(t *testing.T) {
	var freed atomic.Int32
	done := make(chan struct{}, 8)
	m := &memoryReturner{
		large:    budget.Limits{Nodes: 100, Edges: 1000, Bytes: 1 << 20},
		interval: time.Hour,
		free:     func() { freed.Add(1); done <- struct{}{} },
	}
	m.after(budget.Limits{Nodes: 99, Edges: 999, Bytes: 1<<20 - 1}) // small: nothing to return
	m.after(budget.Limits{Edges: 5000})                             // large: returned
	<-done
	m.after(budget.Limits{Nodes: 500}) // large again, within the interval: not again
	if n := freed.Load(); n != 1 {
		t.Fatalf("memory returned %d times, want once", n)
	}
	for m.running.Load() { // the first return is still finishing
		time.Sleep(time.Millisecond) //nolint:forbidigo // polling state no signal announces
	}
	m.last.Store(time.Now().Add(-2 * time.Hour).UnixNano()) // the interval has passed
	m.after(budget.Limits{Bytes: 2 << 20})
	<-done
	if n := freed.Load(); n != 2 {
		t.Fatalf("memory returned %d times after the interval, want twice", n)
	}
}
