package server

import (
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/redthread-dev/redthread/graph/budget"
)

// memoryReturner gives the heap back to the operating system after an
// operation that built a lot, at most once per interval. Go's scavenger
// returns freed memory on its own, but slowly: after a burst of large
// answers the process would sit on gigabytes it no longer uses.
type memoryReturner struct {
	// large is the use from which an operation counts as having built a
	// lot (any one of nodes, edges or bytes).
	large    budget.Limits
	interval time.Duration
	last     atomic.Int64 // unix nanoseconds of the last return
	running  atomic.Bool
	free     func() // debug.FreeOSMemory; replaced in tests
}

func (m *memoryReturner) after(used budget.Limits) {
	if used.Nodes < m.large.Nodes && used.Edges < m.large.Edges && used.Bytes < m.large.Bytes {
		return
	}
	now := time.Now().UnixNano()
	if last := m.last.Load(); now-last < int64(m.interval) || !m.last.CompareAndSwap(last, now) {
		return
	}
	if !m.running.CompareAndSwap(false, true) {
		return
	}
	// Off the request's goroutine: a forced collection takes milliseconds.
	go func() {
		defer m.running.Store(false)
		if m.free != nil {
			m.free()
			return
		}
		debug.FreeOSMemory()
	}()
}
