package shares

import (
	"cmp"
	"math"
	"sync"
	"time"
)

// Limits bound link resolutions (opening a link, commenting through it):
// a token bucket per client address and one per principal, so that
// guessing links costs the guesser and a flood of opens one client.
type Limits struct {
	Burst  int           // resolutions at once (30)
	Refill time.Duration // one more every Refill (2s)
	// MaxKeys bounds each table's memory (10 000); past it, full buckets
	// are forgotten, which can only lift a limit early.
	MaxKeys int
}

func (l Limits) orDefaults() Limits {
	l.Burst = cmp.Or(l.Burst, 30)
	l.Refill = cmp.Or(l.Refill, 2*time.Second)
	l.MaxKeys = cmp.Or(l.MaxKeys, 10_000)
	return l
}

// limiter keeps the buckets in memory, per server (as identity's sign-in
// limiter does: not shared between servers, not kept across restarts).
type limiter struct {
	lim Limits
	now func() time.Time
	mu  sync.Mutex
	b   map[string]*bucket
}

type bucket struct {
	left float64
	at   time.Time
}

func newLimiter(l Limits, now func() time.Time) *limiter {
	return &limiter{lim: l.orDefaults(), now: now, b: map[string]*bucket{}}
}

// take takes one resolution from each key's bucket and returns how long
// to wait when one of them is empty (nothing is taken then).
func (l *limiter) take(keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if left := l.level(k, now); left < 1 {
			wait = max(wait, time.Duration((1-left)*float64(l.lim.Refill)))
		}
	}
	if wait > 0 {
		return wait
	}
	for _, k := range keys {
		l.b[k].left--
	}
	return 0
}

func (l *limiter) level(k string, now time.Time) float64 {
	b, ok := l.b[k]
	if !ok {
		if len(l.b) >= l.lim.MaxKeys {
			l.sweep(now)
		}
		b = &bucket{left: float64(l.lim.Burst), at: now}
		l.b[k] = b
	}
	b.left = math.Min(float64(l.lim.Burst), b.left+float64(now.Sub(b.at))/float64(l.lim.Refill))
	b.at = now
	return b.left
}

func (l *limiter) sweep(now time.Time) {
	for k, b := range l.b {
		if b.left+float64(now.Sub(b.at))/float64(l.lim.Refill) >= float64(l.lim.Burst) {
			delete(l.b, k)
		}
	}
	for k := range l.b {
		if len(l.b) < l.lim.MaxKeys*9/10 {
			break
		}
		delete(l.b, k)
	}
}
