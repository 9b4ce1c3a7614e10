package admission

import (
	"container/heap"
	"context"
	"fmt"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// usageHalfLife is how fast a client's past use of a lane is forgotten.
const usageHalfLife = 30 * time.Second

// lane runs at most cfg.Running operations. When all slots are taken,
// requests wait in a bounded queue; a freed slot goes to the waiting
// client that has used the lane least lately (its slot time, decayed with
// a half-life of 30 s), first come first served among equals. So a client
// that keeps the lane busy with ten-second flows waits behind
// investigators who ask for one now and then, instead of filling the
// queue ahead of them, and still gets the lane when no one else wants it.
type lane struct {
	class   Class
	cfg     Lane
	refused atomic.Int64

	mu      sync.Mutex
	running int
	waiters waitHeap
	seq     uint64
	usage   map[string]decayed
}

type decayed struct {
	v  float64 // seconds of slot time, as of at
	at time.Time
}

func (d decayed) now(t time.Time) float64 {
	if d.v == 0 {
		return 0
	}
	return d.v * math.Exp2(-t.Sub(d.at).Seconds()/usageHalfLife.Seconds())
}

type waiter struct {
	key   string
	usage float64
	seq   uint64
	ready chan struct{} // closed when the slot is handed over
	index int           // in the heap; -1 once removed
}

func newLane(class Class, cfg Lane) *lane {
	return &lane{class: class, cfg: cfg, usage: map[string]decayed{}}
}

// acquire takes a slot now, or waits in the queue for one.
func (l *lane) acquire(ctx context.Context, key string) error {
	l.mu.Lock()
	if l.running < l.cfg.Running && len(l.waiters) == 0 {
		l.running++
		l.mu.Unlock()
		return nil
	}
	if len(l.waiters) >= l.cfg.Queue {
		l.mu.Unlock()
		return l.busy("its queue is full")
	}
	l.seq++
	w := &waiter{key: key, usage: l.usage[key].now(time.Now()), seq: l.seq, ready: make(chan struct{})}
	heap.Push(&l.waiters, w)
	l.mu.Unlock()

	t := time.NewTimer(l.cfg.MaxWait)
	defer t.Stop()
	var err error
	select {
	case <-w.ready:
		return nil
	case <-t.C:
		err = l.busy(fmt.Sprintf("no slot freed within %s", l.cfg.MaxWait))
	case <-ctx.Done():
		err = graph.WrapError(graph.CodeTimeout, ctx.Err(), "the request ran out of time waiting for the server")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if w.index < 0 {
		// Handed a slot as it gave up: pass it on.
		l.handOff()
		return err
	}
	heap.Remove(&l.waiters, w.index)
	return err
}

// release gives back a slot held for d by key's operation.
func (l *lane) release(key string, d time.Duration) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.usage[key] = decayed{v: l.usage[key].now(now) + d.Seconds(), at: now}
	if len(l.usage) > 4096 {
		for k, u := range l.usage {
			if u.now(now) < 0.01 {
				delete(l.usage, k)
			}
		}
	}
	l.handOff()
}

// handOff gives the slot being released to the best waiter, or frees it.
// l.mu is held.
func (l *lane) handOff() {
	if len(l.waiters) == 0 {
		l.running--
		return
	}
	w := heap.Pop(&l.waiters).(*waiter)
	close(w.ready)
}

func (l *lane) counts() (running, waiting int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return int64(l.running), int64(len(l.waiters))
}

func (l *lane) busy(why string) *Refusal {
	l.refused.Add(1)
	what := map[Class]string{Cheap: "queries", Standard: "neighbourhood and shortest-path queries", Heavy: "path, flow and cluster queries", Stream: "progress streams"}[l.class]
	return &Refusal{
		Status: http.StatusServiceUnavailable, RetryAfter: max(l.cfg.MaxWait, time.Second), Code: graph.CodeUnavailable,
		Message: fmt.Sprintf("the server is busy with other %s (%s); try again shortly", what, why),
	}
}

// waitHeap orders waiters by their client's recent use, then arrival.
type waitHeap []*waiter

func (h waitHeap) Len() int { return len(h) }
func (h waitHeap) Less(i, j int) bool {
	if h[i].usage != h[j].usage {
		return h[i].usage < h[j].usage
	}
	return h[i].seq < h[j].seq
}
func (h waitHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *waitHeap) Push(x any) {
	w := x.(*waiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *waitHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.index = -1
	*h = old[:len(old)-1]
	return w
}
