package server

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/redthread-dev/redthread/graph"
)

// failLimiter is a token bucket per client address for failed bearer
// credentials: a client may fail burst times at once, then once every
// refill. It is checked before admission, so a flood of guesses costs
// neither a lane nor a hash. Kept per server, in memory.
type failLimiter struct {
	burst  float64
	refill time.Duration
	now    func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	left float64
	at   time.Time
}

// maxFailBuckets bounds the memory of the limiter: past it, full buckets
// are dropped, and if none is full the oldest half.
const maxFailBuckets = 10_000

func newFailLimiter(burst int, refill time.Duration, now func() time.Time) *failLimiter {
	if now == nil {
		now = time.Now
	}
	return &failLimiter{burst: float64(burst), refill: refill, now: now, buckets: map[string]*bucket{}}
}

// level refills b up to now and returns what is left.
func (l *failLimiter) level(b *bucket, now time.Time) float64 {
	b.left = math.Min(l.burst, b.left+float64(now.Sub(b.at))/float64(l.refill))
	b.at = now
	return b.left
}

// blocked returns how long addr must wait before its next attempt, or 0.
func (l *failLimiter) blocked(addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[addr]
	if !ok {
		return 0
	}
	left := l.level(b, l.now())
	if left >= 1 {
		return 0
	}
	return time.Duration((1 - left) * float64(l.refill))
}

// fail takes one attempt from addr's bucket.
func (l *failLimiter) fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[addr]
	if !ok {
		if len(l.buckets) >= maxFailBuckets {
			l.sweep(now)
		}
		b = &bucket{left: l.burst, at: now}
		l.buckets[addr] = b
	}
	l.level(b, now)
	b.left = math.Max(0, b.left-1)
}

func (l *failLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if l.level(b, now) >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < maxFailBuckets {
		return
	}
	oldest := now
	for _, b := range l.buckets {
		if b.at.Before(oldest) {
			oldest = b.at
		}
	}
	cut := oldest.Add(now.Sub(oldest) / 2)
	for k, b := range l.buckets {
		if !b.at.After(cut) {
			delete(l.buckets, k)
		}
	}
}

// writeTooMany answers 429 with the whole seconds to wait.
func writeTooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(wait.Seconds())))))
	writeGraphQLError(w, http.StatusTooManyRequests, graph.CodeTooMany, msg)
}
